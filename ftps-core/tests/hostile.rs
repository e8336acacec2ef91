//! The hostile-server suite: one or more tests per class of the threat catalogue
//! (`docs/threats.md`), each named after its class ID, against the project's own
//! fault-injecting server.
//! Each asserts the required behaviour and, where it matters, what the server saw.

use std::io::{Read, Write};
use std::time::Duration;

use ftps_core::{
    Client, Config, ConfigBuilder, DataConnectionMode, Error, Mode, Phase, Timeouts, TlsVersion,
    TransferOptions, UploadMode,
};
use ftps_testserver::{Builder, Fault, GREETING, TLS12, TLS13, TestServer};

const USER: &str = ftps_testserver::DEFAULT_USER;
const PASS: &str = ftps_testserver::DEFAULT_PASSWORD;

fn short() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(5),
        reply: Duration::from_secs(3),
        data_connect: Duration::from_secs(3),
        data_idle: Duration::from_secs(3),
    }
}

fn start(b: Builder) -> TestServer {
    b.file("hello.txt", b"hello\n")
        .start()
        .expect("test server")
}

fn cfg(srv: &TestServer, mode: Mode) -> ConfigBuilder {
    let port = match mode {
        Mode::Implicit => srv.implicit_addr().port(),
        _ => srv.explicit_addr().port(),
    };
    Config::builder("127.0.0.1")
        .port(port)
        .mode(mode)
        .ca_pem(srv.ca_pem().as_bytes().to_vec())
        .timeouts(short())
        // Each test here checks how one attempt ends; automatic resume (class G6) is
        // tested in integrity.rs.
        .resume_attempts(0)
}

fn connect(srv: &TestServer, mode: Mode) -> ftps_core::Result<Client> {
    Client::connect(&cfg(srv, mode).build().unwrap())
}

fn login(srv: &TestServer, mode: Mode) -> Client {
    let mut c = connect(srv, mode).expect("connect");
    c.login(USER, PASS).expect("login");
    c
}

fn fetch(c: &mut Client, path: &str) -> ftps_core::Result<Vec<u8>> {
    let mut out = Vec::new();
    c.download(path, &mut out, &mut TransferOptions::default())?;
    Ok(out)
}

fn no_credentials_sent(srv: &TestServer) {
    let cmds = srv.commands();
    assert!(
        !cmds
            .iter()
            .any(|c| c.starts_with("USER") || c.starts_with("PASS")),
        "credentials were sent: {cmds:?}"
    );
}

// ---------------------------------------------------------------- A: TLS upgrade

#[test]
fn a1_greeting_230_still_upgrades_to_tls() {
    let srv = start(TestServer::builder().fault(Fault::Greeting(
        b"230 welcome, no login needed\r\n".to_vec(),
    )));
    let mut c = connect(&srv, Mode::Explicit).expect("AUTH TLS after a 230 greeting");
    assert!(c.tls_info().is_some());
    c.login(USER, PASS).unwrap();
    assert_eq!(srv.commands().first().map(String::as_str), Some("AUTH TLS"));
}

#[test]
fn a1_greeting_230_with_auth_refused_fails_hard() {
    let srv = start(
        TestServer::builder()
            .fault(Fault::Greeting(b"230 welcome\r\n".to_vec()))
            .fault(Fault::AuthReply(b"502 not here\r\n".to_vec())),
    );
    assert!(matches!(
        connect(&srv, Mode::Explicit),
        Err(Error::TlsNotAvailable { .. })
    ));
    no_credentials_sent(&srv);
}

#[test]
fn a2_auth_tls_refused_sends_no_credentials() {
    for reply in [&b"500 unknown\r\n"[..], b"502 no\r\n", b"534 policy\r\n"] {
        let srv = start(TestServer::builder().fault(Fault::AuthReply(reply.to_vec())));
        match connect(&srv, Mode::Explicit) {
            Err(Error::TlsNotAvailable { reply }) => assert!(reply.code() >= 500),
            other => panic!("{other:?}"),
        }
        no_credentials_sent(&srv);
    }
}

#[test]
fn a3_junk_after_234_is_rejected() {
    let srv = start(TestServer::builder().fault(Fault::JunkAfter234(b"230 injected\r\n".to_vec())));
    assert!(matches!(
        connect(&srv, Mode::Explicit),
        Err(Error::DataAfterAuthReply)
    ));
    no_credentials_sent(&srv);
}

#[test]
fn a4_nothing_is_pipelined_after_auth_tls() {
    let srv = start(TestServer::builder().fault(Fault::AuthReply(b"502 no\r\n".to_vec())));
    let _ = connect(&srv, Mode::Explicit);
    let s = &srv.sessions()[0];
    assert_eq!(s.bytes_after_auth, 0);
    assert_eq!(s.commands, vec!["AUTH TLS".to_string()]);
    // And in the good case too.
    let srv = start(TestServer::builder());
    let _c = login(&srv, Mode::Explicit);
    assert_eq!(srv.sessions()[0].bytes_after_auth, 0);
}

#[test]
fn a5_334_means_not_upgraded() {
    let srv = start(TestServer::builder().fault(Fault::AuthReply(b"334 ADAT=abc\r\n".to_vec())));
    assert!(matches!(
        connect(&srv, Mode::Explicit),
        Err(Error::TlsNotAvailable { .. })
    ));
    no_credentials_sent(&srv);
}

#[test]
fn a5_failed_handshake_after_234_is_fatal() {
    for fault in [
        Fault::PlainTextInsteadOfServerHello(b"220 plain text here\r\n".to_vec()),
        Fault::GarbageInsteadOfServerHello,
    ] {
        let srv = start(TestServer::builder().fault(fault));
        match connect(&srv, Mode::Explicit) {
            Err(Error::Tls { .. }) | Err(Error::ConnectionLost { .. }) => {}
            // Plain text that reads as an FTP reply: tried once more, then named as such.
            Err(Error::Protocol(m)) if m.contains("220 plain text here") => {}
            other => panic!("{other:?}"),
        }
        no_credentials_sent(&srv);
    }
}

#[test]
fn a5_clienthello_answered_in_clear_text_is_tried_again_after_a_wait() {
    // The server reads the control connection as FTP commands for 300 ms after 234 and
    // answers the ClientHello with `502 Command not allowed: \x16\x03...` in clear text.
    let srv =
        start(TestServer::builder().fault(Fault::CommandsAfter234(Duration::from_millis(300))));
    let mut c = connect(&srv, Mode::Explicit).unwrap();
    c.login(USER, PASS).unwrap();
    assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
    let cmds = srv.commands();
    let auths = cmds.iter().filter(|c| c.starts_with("AUTH")).count();
    assert_eq!(auths, 2, "one AUTH per connection: {cmds:?}");

    // A server that keeps doing it: an error that says what happened, no credentials sent.
    let srv = start(TestServer::builder().fault(Fault::CommandsAfter234(Duration::from_secs(5))));
    match connect(&srv, Mode::Explicit) {
        Err(Error::Protocol(m)) => {
            assert!(
                m.contains("in clear text") && m.contains("502 Command not allowed"),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
    no_credentials_sent(&srv);
}

#[test]
fn a6_implicit_client_against_plain_port_fails_fast() {
    let srv = start(TestServer::builder());
    // The explicit port greets in clear text: not a ServerHello.
    let cfg = cfg(&srv, Mode::Implicit)
        .port(srv.explicit_addr().port())
        .build()
        .unwrap();
    let t = std::time::Instant::now();
    match Client::connect(&cfg) {
        // The greeting is an FTP reply in clear text: named, with the remedy.
        Err(Error::Protocol(m)) => assert!(m.contains("explicit mode") && m.contains("220"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(t.elapsed() < short().reply, "waited for the whole timeout");
    no_credentials_sent(&srv);
}

#[test]
fn a6_explicit_client_against_implicit_port_names_the_greeting() {
    let srv = start(TestServer::builder());
    let cfg = cfg(&srv, Mode::Explicit)
        .port(srv.implicit_addr().port())
        .reply_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    match Client::connect(&cfg) {
        Err(
            e @ Error::Timeout {
                phase: Phase::Greeting,
            },
        ) => {
            assert!(e.to_string().contains("implicit"), "{e}")
        }
        Err(Error::ConnectionLost { .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a7_no_session_is_shared_between_clients() {
    // Each client owns its session store: a second client's data connections resume
    // its own control session (the server refuses any other).
    let srv = start(TestServer::builder().require_session_reuse(true));
    let mut a = login(&srv, Mode::Explicit);
    fetch(&mut a, "hello.txt").unwrap();
    let mut b = login(&srv, Mode::Explicit);
    fetch(&mut b, "hello.txt").unwrap();
    fetch(&mut a, "hello.txt").unwrap();
    for s in srv.sessions() {
        assert!(s.data.iter().all(|d| d.resumed), "{s:?}");
    }
}

#[test]
fn a8_ccc_is_never_sent() {
    let srv = start(TestServer::builder());
    let mut c = login(&srv, Mode::Explicit);
    assert!(matches!(c.quote("CCC"), Err(Error::InvalidArgument { .. })));
    fetch(&mut c, "hello.txt").unwrap();
    c.quit().unwrap();
    assert!(!srv.commands().iter().any(|c| c.eq_ignore_ascii_case("CCC")));
}

#[test]
fn a9_pbsz_or_prot_refused_fails_login() {
    for fault in [Fault::RefusePbsz, Fault::RefuseProt] {
        let srv = start(TestServer::builder().fault(fault));
        let mut c = connect(&srv, Mode::Explicit).unwrap();
        match c.login(USER, PASS) {
            Err(Error::Reply { command, .. }) => assert!(command == "PBSZ" || command == "PROT"),
            other => panic!("{other:?}"),
        }
        // The failed login leaves the client logged out: later calls are refused.
        assert!(!c.is_logged_in());
        let r = c.list(None);
        assert!(matches!(r, Err(Error::State(_))), "{r:?}");
        assert!(
            !srv.commands()
                .iter()
                .any(|c| c.starts_with("RETR") || c.starts_with("LIST"))
        );
    }
}

#[test]
fn a9_implicit_mode_also_sends_pbsz_and_prot() {
    let srv = start(TestServer::builder());
    let mut c = login(&srv, Mode::Implicit);
    assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
    let cmds = srv.commands();
    assert!(
        cmds.contains(&"PBSZ 0".to_string()) && cmds.contains(&"PROT P".to_string()),
        "{cmds:?}"
    );
}

#[test]
fn a9_plaintext_on_a_protected_data_connection_fails() {
    let srv = start(TestServer::builder().fault(Fault::DataTlsPlaintext));
    let mut c = login(&srv, Mode::Explicit);
    let r = fetch(&mut c, "hello.txt");
    assert!(
        matches!(
            r,
            Err(Error::Tls { .. }) | Err(Error::ConnectionLost { .. }) | Err(Error::Timeout { .. })
        ),
        "{r:?}"
    );
}

// ---------------------------------------------------------------- B: identity

#[test]
fn b1_control_certificate_is_verified() {
    let srv = start(TestServer::builder());
    let other = start(TestServer::builder()); // another CA
    let cfg = Config::builder("127.0.0.1")
        .port(srv.explicit_addr().port())
        .ca_pem(other.ca_pem().as_bytes().to_vec())
        .timeouts(short())
        .build()
        .unwrap();
    assert!(matches!(
        Client::connect(&cfg),
        Err(Error::Certificate { .. })
    ));
    no_credentials_sent(&srv);
}

#[test]
fn b2_data_connection_with_another_certificate_is_refused() {
    let srv = start(TestServer::builder().fault(Fault::DifferentCertOnData));
    let mut c = login(&srv, Mode::Explicit);
    assert!(matches!(
        fetch(&mut c, "hello.txt"),
        Err(Error::DataCertificateMismatch)
    ));
}

// ---------------------------------------------------------------- C: session reuse

fn resumption_in(version: TlsVersion, server: ftps_testserver::TlsVersion) {
    let srv = start(
        TestServer::builder()
            .tls_versions(&[server])
            .require_session_reuse(true),
    );
    let cfg = cfg(&srv, Mode::Explicit)
        .max_tls_version(version)
        .build()
        .unwrap();
    let mut c = Client::connect(&cfg).unwrap();
    c.login(USER, PASS).unwrap();
    for _ in 0..12 {
        assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
        let mut up = c.stor("up.bin", UploadMode::Replace).unwrap();
        up.write_all(b"data").unwrap();
        up.finish().unwrap();
    }
    let s = &srv.sessions()[0];
    assert_eq!(s.data.len(), 24);
    assert!(s.data.iter().all(|d| d.resumed), "{:?}", s.data);
}

#[test]
fn c1_every_data_connection_resumes_under_tls12() {
    resumption_in(TlsVersion::Tls12, TLS12);
}

#[test]
fn c2_every_data_connection_resumes_under_tls13() {
    resumption_in(TlsVersion::Tls13, TLS13);
}

#[test]
fn c3_tls13_with_one_or_many_tickets_survives_many_transfers() {
    for n in [1, 2, 8] {
        let srv = start(
            TestServer::builder()
                .tls_versions(&[TLS13])
                .tls13_tickets(n),
        );
        let mut c = login(&srv, Mode::Explicit);
        for _ in 0..12 {
            let mut up = c.stor("u", UploadMode::Replace).unwrap();
            up.write_all(b"x").unwrap();
            up.finish().unwrap();
            fetch(&mut c, "hello.txt").unwrap();
        }
        let ok = srv.sessions()[0].data.iter().filter(|d| d.resumed).count();
        assert_eq!(ok, 24, "{n} tickets: {:?}", c.session_stats());
    }
}

#[test]
fn c3_aborted_transfers_keep_their_tickets() {
    let srv = start(
        TestServer::builder()
            .tls_versions(&[TLS13])
            .tls13_tickets(1),
    );
    let mut c = login(&srv, Mode::Explicit);
    for _ in 0..4 {
        let mut up = c.stor("aborted.bin", UploadMode::Replace).unwrap();
        up.write_all(&vec![0u8; 256 * 1024]).unwrap();
        up.abort().unwrap();
    }
    assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
    // Every transfer ran on a resumed connection; a full handshake happened only
    // where it was refused and then retried with the tickets it brought.
    let stats = c.session_stats();
    assert_eq!(stats.data_full, stats.retried, "{stats:?}");
    assert!(srv.sessions()[0].data.iter().filter(|d| d.resumed).count() >= 5);
}

#[test]
fn c3_no_tickets_at_all_is_a_clear_reuse_error() {
    let srv = start(
        TestServer::builder()
            .tls_versions(&[TLS13])
            .tls13_tickets(0),
    );
    let mut c = login(&srv, Mode::Explicit);
    match fetch(&mut c, "hello.txt") {
        Err(Error::SessionReuseRefused { reply, .. }) => {
            assert!(reply.is_some_and(|r| r.code() == 522))
        }
        other => panic!("{other:?}"),
    }
    // The session itself survives.
    c.noop().unwrap();
}

#[test]
fn c3_expired_tickets_are_replaced() {
    let srv = start(
        TestServer::builder()
            .tls_versions(&[TLS13])
            .tls13_tickets(2)
            .ticket_lifetime(Duration::from_secs(1)),
    );
    let mut c = login(&srv, Mode::Explicit);
    fetch(&mut c, "hello.txt").unwrap();
    std::thread::sleep(Duration::from_millis(2100));
    // Every ticket held has expired: the full handshake is refused, brings fresh
    // tickets, and the transfer is retried with one of them.
    assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
    assert!(c.last_data_tls().unwrap().resumed);
}

#[test]
fn c3_tickets_that_arrive_in_the_middle_of_a_download_resume_the_next_data_connection() {
    // One ticket per handshake, and on data connections it comes only after the first
    // MiB of the download: the next data connection can resume only with that one.
    let data = big_data();
    let srv = start(
        TestServer::builder()
            .tls_versions(&[TLS13])
            .tls13_tickets(1)
            .file("f", &data)
            .fault(Fault::LateTicket(1024 * 1024)),
    );
    let mut c = login(&srv, Mode::Explicit);
    for _ in 0..4 {
        assert!(fetch(&mut c, "f").unwrap() == data);
    }
    let mut up = c.stor("up.bin", UploadMode::Replace).unwrap();
    up.write_all(b"after the downloads").unwrap();
    up.finish().unwrap();
    let stats = c.session_stats();
    assert_eq!(
        (stats.data_full, stats.retried, stats.tickets_exhausted),
        (0, 0, 0),
        "{stats:?}"
    );
    assert!(stats.data_tickets >= 4, "{stats:?}");
    let s = &srv.sessions()[0];
    assert_eq!(s.data.len(), 5);
    assert!(s.data.iter().all(|d| d.resumed), "{:?}", s.data);
    assert!(
        s.data[..4].iter().all(|d| d.half_rtt_bytes == 1024 * 1024),
        "the fault did not fire: {:?}",
        s.data
    );
}

#[test]
fn c4_active_mode_accepts_only_the_control_peer() {
    let srv = start(TestServer::builder().fault(Fault::ActiveRacer));
    let cfg = cfg(&srv, Mode::Explicit)
        .data_connection_mode(DataConnectionMode::Active { bind: None })
        .build()
        .unwrap();
    let mut c = Client::connect(&cfg).unwrap();
    c.login(USER, PASS).unwrap();
    assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
    let s = &srv.sessions()[0];
    assert!(!s.racers.is_empty(), "the racer did not run");
    assert!(
        s.racers.iter().all(|r| !r.used_by_client()),
        "{:?}",
        s.racers
    );
}

#[test]
fn c4_active_mode_works_in_both_tls_versions() {
    for v in [TlsVersion::Tls12, TlsVersion::Tls13] {
        let srv = start(TestServer::builder());
        let cfg = cfg(&srv, Mode::Implicit)
            .max_tls_version(v)
            .data_connection_mode(DataConnectionMode::Active { bind: None })
            .build()
            .unwrap();
        let mut c = Client::connect(&cfg).unwrap();
        c.login(USER, PASS).unwrap();
        assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
        assert!(srv.sessions()[0].data.iter().all(|d| d.resumed));
    }
}

// ---------------------------------------------------------------- D: PASV/EPSV/PORT

#[test]
fn d1_pasv_address_is_ignored() {
    let srv = start(
        TestServer::builder()
            .fault(Fault::EpsvRefused)
            .fault(Fault::PasvPointsToCanary),
    );
    let mut c = login(&srv, Mode::Explicit);
    assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
    assert_eq!(srv.canary_connections(), 0);
}

#[test]
fn d1_trusting_the_pasv_address_is_an_explicit_option() {
    let srv = start(
        TestServer::builder()
            .fault(Fault::EpsvRefused)
            .fault(Fault::PasvPointsToCanary),
    );
    let cfg = cfg(&srv, Mode::Explicit)
        .insecure_trust_pasv_address(true)
        .build()
        .unwrap();
    let mut c = Client::connect(&cfg).unwrap();
    c.login(USER, PASS).unwrap();
    let _ = fetch(&mut c, "hello.txt");
    assert_eq!(srv.canary_connections(), 1);
}

#[test]
fn d2_malformed_227_and_229_are_protocol_errors() {
    for bad in [
        &b"227 Entering Passive Mode (127,0,0,1,300,1)\r\n"[..],
        b"227 Entering Passive Mode (127,0,0,1,0,0)\r\n",
        b"227 Entering Passive Mode (\r\n",
        b"227 Entering Passive Mode (127,0,0,1,1\r\n",
    ] {
        let srv = start(
            TestServer::builder()
                .fault(Fault::EpsvRefused)
                .fault(Fault::MalformedPasv(bad.to_vec())),
        );
        let mut c = login(&srv, Mode::Explicit);
        assert!(
            matches!(fetch(&mut c, "hello.txt"), Err(Error::Protocol(_))),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    for bad in [
        &b"229 Entering Extended Passive Mode (|||0|)\r\n"[..],
        b"229 Entering Extended Passive Mode (|||70000|)\r\n",
        b"229 Entering Extended Passive Mode (|!|{port}|)\r\n",
        b"229 Entering Extended Passive Mode (\r\n",
    ] {
        let srv = start(TestServer::builder().fault(Fault::MalformedEpsv(bad.to_vec())));
        let mut c = login(&srv, Mode::Explicit);
        assert!(
            matches!(fetch(&mut c, "hello.txt"), Err(Error::Protocol(_))),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn d2_227_without_parentheses_is_accepted() {
    let srv = start(
        TestServer::builder()
            .fault(Fault::EpsvRefused)
            .fault(Fault::MalformedPasv(
                b"227 Entering Passive Mode 127,0,0,1,{p1},{p2}\r\n".to_vec(),
            )),
    );
    let mut c = login(&srv, Mode::Explicit);
    assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
}

#[test]
fn d3_epsv_refused_falls_back_to_pasv_once() {
    let srv = start(TestServer::builder().fault(Fault::EpsvRefused));
    let mut c = login(&srv, Mode::Explicit);
    fetch(&mut c, "hello.txt").unwrap();
    fetch(&mut c, "hello.txt").unwrap();
    let cmds = srv.commands();
    assert_eq!(cmds.iter().filter(|c| *c == "EPSV").count(), 1, "{cmds:?}");
    assert_eq!(cmds.iter().filter(|c| *c == "PASV").count(), 2, "{cmds:?}");
    assert!(
        !cmds
            .iter()
            .any(|c| c.starts_with("PORT") || c.starts_with("EPRT"))
    );
}

#[test]
fn d4_private_address_in_227_still_works() {
    let srv = start(
        TestServer::builder()
            .fault(Fault::EpsvRefused)
            .fault(Fault::Pasv227Address([10, 1, 2, 3])),
    );
    let mut c = login(&srv, Mode::Explicit);
    assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
}

#[test]
fn d5_raw_port_commands_are_refused() {
    let srv = start(TestServer::builder());
    let mut c = login(&srv, Mode::Explicit);
    let before = srv.commands().len();
    for raw in [
        "PORT 10,0,0,1,0,21",
        "EPRT |1|10.0.0.1|21|",
        "PASV",
        "EPSV",
        "AUTH TLS",
        "PROT C",
    ] {
        assert!(
            matches!(c.quote(raw), Err(Error::InvalidArgument { .. })),
            "{raw}"
        );
    }
    assert_eq!(srv.commands().len(), before);
    assert_eq!(c.quote("SITE HELP").unwrap().code() / 100, 2);
}

// ---------------------------------------------------------------- E: injection

#[test]
fn e1_cr_lf_nul_rejected_before_anything_is_written() {
    let srv = start(TestServer::builder());
    let mut c = connect(&srv, Mode::Explicit).unwrap();
    let before = srv.commands().len();
    for bad in ["ftpuser\r\nDELE hello.txt", "ftp\nuser", "ftp\0user"] {
        assert!(matches!(
            c.login(bad, PASS),
            Err(Error::InvalidArgument { .. })
        ));
        assert!(matches!(
            c.login(USER, bad),
            Err(Error::InvalidArgument { .. })
        ));
    }
    assert_eq!(srv.commands().len(), before, "something was written");
    c.login(USER, PASS).unwrap();
    let before = srv.commands().len();
    let bad = "x\r\nDELE hello.txt";
    assert!(matches!(c.cwd(bad), Err(Error::InvalidArgument { .. })));
    assert!(matches!(c.delete(bad), Err(Error::InvalidArgument { .. })));
    assert!(matches!(c.mkdir(bad), Err(Error::InvalidArgument { .. })));
    assert!(matches!(
        c.rename("hello.txt", bad),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        c.rename(bad, "x"),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(c.site(bad), Err(Error::InvalidArgument { .. })));
    assert!(matches!(c.quote(bad), Err(Error::InvalidArgument { .. })));
    assert!(matches!(c.size("a\0b"), Err(Error::InvalidArgument { .. })));
    assert!(matches!(
        c.retr(bad).err(),
        Some(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        c.stor(bad, UploadMode::Replace).err(),
        Some(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        c.list(Some(b"a\nb")),
        Err(Error::InvalidArgument { .. })
    ));
    assert_eq!(srv.commands().len(), before, "{:?}", srv.commands());
    assert!(srv.file("hello.txt").is_some());
    c.noop().unwrap();
}

#[test]
fn e3_server_supplied_path_is_checked_before_it_is_sent_back() {
    let srv = start(TestServer::builder().fault(Fault::reply_override(
        "PWD",
        b"257 \"/x\rDELE hello.txt\" is current\r\n".to_vec(),
    )));
    let mut c = login(&srv, Mode::Explicit);
    let pwd = c.pwd().unwrap();
    assert_eq!(pwd, b"/x\rDELE hello.txt");
    assert!(matches!(c.cwd(&pwd), Err(Error::InvalidArgument { .. })));
    assert!(srv.file("hello.txt").is_some());
}

// ---------------------------------------------------------------- F: reply parsing

#[test]
fn f1_17k_line_works_and_megabyte_line_is_refused() {
    let srv = start(TestServer::builder().fault(Fault::OverlongReply {
        command: "PWD".into(),
        len: 17 * 1024,
    }));
    let mut c = login(&srv, Mode::Explicit);
    assert!(c.pwd().is_ok());
    let srv = start(TestServer::builder().fault(Fault::OverlongReply {
        command: "PWD".into(),
        len: 1 << 20,
    }));
    let mut c = login(&srv, Mode::Explicit);
    assert!(matches!(c.pwd(), Err(Error::Protocol(m)) if m.contains("longer")));
}

#[test]
fn f2_endless_multiline_reply_hits_the_budget() {
    let srv = start(TestServer::builder().fault(Fault::EndlessReply {
        command: "PWD".into(),
        line_delay: Duration::ZERO,
    }));
    let mut c = login(&srv, Mode::Explicit);
    assert!(matches!(
        c.pwd(),
        Err(Error::Protocol(_)) | Err(Error::Timeout { .. })
    ));
}

#[test]
fn f2_slow_endless_reply_hits_the_timeout() {
    let srv = start(TestServer::builder().fault(Fault::EndlessReply {
        command: "PWD".into(),
        line_delay: Duration::from_millis(50),
    }));
    let mut c = login(&srv, Mode::Explicit);
    assert!(matches!(
        c.pwd(),
        Err(Error::Timeout {
            phase: Phase::Reply
        })
    ));
}

#[test]
fn f3_replies_buffered_before_the_upgrade_are_not_read_after_it() {
    let srv = start(TestServer::builder().fault(Fault::reply_override(
        "AUTH",
        b"234 go\r\n230 fake login\r\n".to_vec(),
    )));
    assert!(matches!(
        connect(&srv, Mode::Explicit),
        Err(Error::DataAfterAuthReply)
    ));
}

#[test]
fn f4_nul_in_reply_is_rejected() {
    let srv = start(TestServer::builder().fault(Fault::NulInReply {
        command: "PWD".into(),
    }));
    let mut c = login(&srv, Mode::Explicit);
    assert!(matches!(c.pwd(), Err(Error::Protocol(m)) if m.contains("NUL")));
}

#[test]
fn f5_lf_only_lines_are_accepted() {
    let srv = start(TestServer::builder().fault(Fault::LfOnlyLines {
        command: ftps_testserver::EVERY_REPLY.into(),
    }));
    let mut c = login(&srv, Mode::Explicit);
    assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
}

#[test]
fn f5_150_and_226_in_one_segment() {
    let srv = start(TestServer::builder().fault(Fault::Reply150And226Together));
    let mut c = login(&srv, Mode::Explicit);
    assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
    c.noop().unwrap();
    assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
}

#[test]
fn f5_226_before_the_data_ends_waits_for_the_data() {
    let big: Vec<u8> = (0..2_000_000u32).map(|i| (i % 253) as u8).collect();
    let srv = TestServer::builder()
        .file("big", &big)
        .fault(Fault::Early226)
        .start()
        .unwrap();
    let mut c = login(&srv, Mode::Explicit);
    assert_eq!(fetch(&mut c, "big").unwrap(), big);
    c.noop().unwrap();
}

#[test]
fn f5_unsolicited_reply_is_not_taken_for_an_answer() {
    let srv = start(TestServer::builder().fault(Fault::reply_override(
        "NOOP",
        b"200 ok\r\n200 unsolicited\r\n".to_vec(),
    )));
    let mut c = login(&srv, Mode::Explicit);
    c.noop().unwrap();
    // Everything after stays in step: PWD gets its own 257.
    assert_eq!(c.pwd().unwrap(), b"/");
    assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
}

#[test]
fn f6_257_quoting() {
    let srv = start(TestServer::builder().fault(Fault::reply_override(
        "PWD",
        b"257 \"/a \"\"q\"\" dir\" is current\r\n".to_vec(),
    )));
    let mut c = login(&srv, Mode::Explicit);
    assert_eq!(c.pwd().unwrap(), b"/a \"q\" dir");
    let srv = start(TestServer::builder().fault(Fault::reply_override(
        "PWD",
        b"257 \"/unterminated\r\n".to_vec(),
    )));
    let mut c = login(&srv, Mode::Explicit);
    assert!(matches!(c.pwd(), Err(Error::Protocol(_))));
}

#[test]
fn f7_not_ftp_is_a_protocol_error() {
    let srv = start(TestServer::builder().fault(Fault::Greeting(
        b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec(),
    )));
    assert!(matches!(
        connect(&srv, Mode::Explicit),
        Err(Error::Protocol(_))
    ));
    let srv = start(TestServer::builder().fault(Fault::Greeting(
        b"\x16\x03\x03\x00\x10binaryjunk\n".to_vec(),
    )));
    assert!(matches!(
        connect(&srv, Mode::Explicit),
        Err(Error::Protocol(_))
    ));
}

#[test]
fn f8_numbers_in_replies_are_checked() {
    for bad in [
        &b"213 -1\r\n"[..],
        b"213 99999999999999999999\r\n",
        b"213 12abc\r\n",
        b"213 +5\r\n",
    ] {
        let srv = start(TestServer::builder().fault(Fault::reply_override("SIZE", bad.to_vec())));
        let mut c = login(&srv, Mode::Explicit);
        assert!(
            matches!(c.size("hello.txt"), Err(Error::Protocol(_))),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    let srv = start(TestServer::builder().fault(Fault::reply_override(
        "MDTM",
        b"213 20261399999999\r\n".to_vec(),
    )));
    let mut c = login(&srv, Mode::Explicit);
    assert!(matches!(c.mdtm("hello.txt"), Err(Error::Protocol(_))));
    // An offset servers would parse as negative (vsftpd: as 0) is refused, nothing sent.
    let srv = start(TestServer::builder());
    let mut c = login(&srv, Mode::Explicit);
    let before = srv.commands().len();
    assert!(matches!(
        c.retr_from("hello.txt", u64::MAX).err(),
        Some(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        c.retr_from("hello.txt", 1 << 63).err(),
        Some(Error::InvalidArgument { .. })
    ));
    assert_eq!(srv.commands().len(), before);
    let _ = c.retr_from("hello.txt", i64::MAX as u64).map(|d| d.abort());
    assert!(srv.commands().contains(&format!("REST {}", i64::MAX)));
}

#[test]
fn f8_size_213_without_a_number_falls_back_to_mlst_then_list() {
    // One server answers SIZE of an empty file with `213 File status`: no number at all.
    let no_number = || Fault::reply_override("SIZE", b"213 File status\r\n".to_vec());
    let files = |b: Builder| b.file("empty.bin", b"").file("five.bin", b"12345");

    // MLST gives the size.
    let srv = start(files(TestServer::builder()).fault(no_number()));
    let mut c = login(&srv, Mode::Explicit);
    assert_eq!(c.size("empty.bin").unwrap(), 0);
    assert_eq!(c.size("five.bin").unwrap(), 5);
    assert!(srv.commands().iter().any(|c| c == "MLST five.bin"));

    // MLST refused: a LIST of the file gives it.
    let srv = start(
        files(TestServer::builder())
            .fault(no_number())
            .fault(Fault::reply_override(
                "MLST",
                b"500 Unknown command\r\n".to_vec(),
            )),
    );
    let mut c = login(&srv, Mode::Explicit);
    assert_eq!(c.size("five.bin").unwrap(), 5);
    assert!(srv.commands().iter().any(|c| c == "LIST five.bin"));
    c.noop().unwrap();

    // Neither gives it: a protocol error that names the reply, and the session goes on.
    let srv = start(
        files(TestServer::builder())
            .fault(no_number())
            .fault(Fault::reply_override(
                "MLST",
                b"500 Unknown command\r\n".to_vec(),
            ))
            .fault(Fault::reply_override("LIST", b"550 No\r\n".to_vec())),
    );
    let mut c = login(&srv, Mode::Explicit);
    match c.size("five.bin") {
        Err(Error::Protocol(m)) => assert!(m.contains("File status"), "{m}"),
        other => panic!("{other:?}"),
    }
    c.noop().unwrap();
}

#[test]
fn f9_421_ends_the_session_with_a_typed_error() {
    let srv = start(TestServer::builder().fault(Fault::CloseAfter("CWD".into())));
    let mut c = login(&srv, Mode::Explicit);
    match c.cwd("x") {
        Err(Error::ConnectionLost { reply: Some(r), .. }) => assert_eq!(r.code(), 421),
        other => panic!("{other:?}"),
    }
    assert!(matches!(c.noop(), Err(Error::State(_))));
}

#[test]
fn f9_reset_is_connection_lost() {
    let srv = start(TestServer::builder().fault(Fault::ResetAfter("PWD".into())));
    let mut c = login(&srv, Mode::Explicit);
    assert!(matches!(c.pwd(), Err(Error::ConnectionLost { .. })));
    assert!(matches!(c.pwd(), Err(Error::State(_))));
}

// ---------------------------------------------------------------- G: data integrity

#[test]
fn g1_fin_without_close_notify_mid_file_is_truncation() {
    let data: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
    let srv = TestServer::builder()
        .file("f", &data)
        .fault(Fault::TruncateAfter(50_000))
        .start()
        .unwrap();
    let mut c = login(&srv, Mode::Explicit);
    match fetch(&mut c, "f") {
        Err(Error::Truncated { received, .. }) => assert_eq!(received, 50_000),
        other => panic!("{other:?}"),
    }
    // The session goes on.
    c.noop().unwrap();
}

#[test]
fn g1_rst_mid_file_is_truncation() {
    let data = vec![7u8; 300_000];
    let srv = TestServer::builder()
        .file("f", &data)
        .fault(Fault::TruncateAfter(100_000))
        .fault(Fault::RstInsteadOfFin)
        .start()
        .unwrap();
    let mut c = login(&srv, Mode::Explicit);
    assert!(matches!(fetch(&mut c, "f"), Err(Error::Truncated { .. })));
}

#[test]
fn g1_missing_close_notify_with_every_announced_byte_is_accepted() {
    let srv = start(TestServer::builder().fault(Fault::DataNoCloseNotify));
    let mut c = login(&srv, Mode::Explicit);
    assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
}

#[test]
fn g1_failed_download_never_clobbers_the_local_file() {
    let data = vec![1u8; 100_000];
    let srv = TestServer::builder()
        .file("f", &data)
        .fault(Fault::TruncateAfter(10))
        .start()
        .unwrap();
    let mut c = login(&srv, Mode::Explicit);
    let dir = std::env::temp_dir().join(format!("ftps-g1-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let local = dir.join("keep.txt");
    std::fs::write(&local, b"precious").unwrap();
    assert!(c.download_file("f", &local, false, None).is_err());
    assert_eq!(std::fs::read(&local).unwrap(), b"precious");
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "temporary file left behind"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

// The G1 matrix: a 150 count of the bytes to come (ProFTPD) or of the whole file (vsftpd),
// times every way a download ends, times offset 0 and an offset, through download_file
// (with and without resume) and the streaming calls. A complete download succeeds
// byte-exact, a short one is `Error::Truncated`; a download without close_notify is
// complete only when a byte count proves it: the 150 count, or SIZE minus the offset.

const G1_SIZE: u64 = 100_000;
const G1_OFFSET: u64 = 30_000;

fn g1_data() -> Vec<u8> {
    (0..G1_SIZE as u32)
        .map(|i| ((i % 251) ^ (i >> 8)) as u8)
        .collect()
}

/// How the server ends a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// Every byte, close_notify, FIN.
    CloseNotify,
    /// Every byte, FIN without close_notify.
    FinOnly,
    /// FIN without close_notify after 40,000 bytes: from `G1_OFFSET` on that is exactly
    /// `G1_OFFSET` bytes short, so offset + received equals the bytes to come.
    ShortByTheOffset,
    /// FIN without close_notify after 12,345 bytes.
    ShortElsewhere,
    /// Every byte, then an RST.
    Rst,
    /// 12,345 bytes, then an RST.
    RstShort,
    /// 12,345 bytes, then close_notify and FIN as if that were all: the count the client
    /// knows (150 or SIZE) shows the cut.
    CleanShort,
}

const ENDINGS: [Ending; 7] = [
    Ending::CloseNotify,
    Ending::FinOnly,
    Ending::ShortByTheOffset,
    Ending::ShortElsewhere,
    Ending::Rst,
    Ending::RstShort,
    Ending::CleanShort,
];

impl Ending {
    fn faults(self) -> Vec<Fault> {
        match self {
            Ending::CloseNotify => vec![],
            Ending::FinOnly => vec![Fault::DataNoCloseNotify],
            Ending::ShortByTheOffset => vec![Fault::TruncateAfter(G1_SIZE - 2 * G1_OFFSET)],
            Ending::ShortElsewhere => vec![Fault::TruncateAfter(12_345)],
            Ending::Rst => vec![Fault::RstInsteadOfFin],
            Ending::RstShort => vec![Fault::RstInsteadOfFin, Fault::TruncateAfter(12_345)],
            Ending::CleanShort => vec![Fault::CleanCutAfter(12_345)],
        }
    }

    /// Bytes the server sends of a download from `offset`.
    fn sent(self, offset: u64) -> u64 {
        let to_come = G1_SIZE - offset;
        match self {
            Ending::CloseNotify | Ending::FinOnly | Ending::Rst => to_come,
            Ending::ShortByTheOffset => to_come.min(G1_SIZE - 2 * G1_OFFSET),
            Ending::ShortElsewhere | Ending::RstShort | Ending::CleanShort => to_come.min(12_345),
        }
    }
}

/// What a download must come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Success, byte-exact.
    Complete,
    /// `Error::Truncated`.
    Truncated,
    /// `Error::Truncated` saying the 150 count proves nothing either way.
    Ambiguous,
}

fn g1_want(whole: bool, ending: Ending, offset: u64, size_known: bool) -> Want {
    match ending {
        Ending::CloseNotify => Want::Complete,
        // Every byte came; only a count proves it. After REST, vsftpd's count of the
        // whole file is not the bytes that came, and without SIZE nothing else is.
        Ending::FinOnly if offset > 0 && whole && !size_known => Want::Ambiguous,
        Ending::FinOnly => Want::Complete,
        // A ProFTPD count of the bytes to come equals offset + received here.
        Ending::ShortByTheOffset if offset > 0 && !whole && !size_known => Want::Ambiguous,
        // An RST is never a proper end, whatever arrived before it; a clean end short
        // of the least the counts allow is a cut all the same.
        _ => Want::Truncated,
    }
}

/// Checks a finished download against `want`; returns the bytes received.
fn g1_check(case: &str, want: Want, r: &ftps_core::Result<u64>, sent: u64) -> u64 {
    match (want, r) {
        (Want::Complete, Ok(n)) => {
            assert_eq!(*n, sent, "{case}");
            *n
        }
        (
            Want::Truncated | Want::Ambiguous,
            Err(Error::Truncated {
                received, detail, ..
            }),
        ) => {
            assert!(*received <= sent, "{case}: {received} > {sent}");
            if want == Want::Ambiguous {
                assert_eq!(*received, sent, "{case}");
                assert!(detail.contains("may be the whole file"), "{case}: {detail}");
            }
            *received
        }
        (want, other) => panic!("{case}: wanted {want:?}, got {other:?}"),
    }
}

/// The client is in step after the download, whatever its end: a command works, and so
/// does a download (where the server's fault lets one succeed at all).
fn g1_still_usable(case: &str, c: &mut Client, ending: Ending, size: bool) {
    if size {
        assert_eq!(c.size("f").unwrap(), G1_SIZE, "{case}");
    } else {
        c.noop().unwrap_or_else(|e| panic!("{case}: {e}"));
    }
    if !matches!(ending, Ending::Rst | Ending::RstShort) {
        assert_eq!(fetch(c, "hello.txt").unwrap(), b"hello\n", "{case}");
    }
}

/// The matrix for one meaning of the 150 count, on a server with `SIZE` (which the
/// client asks before a download from an offset) or without it (then the count is all
/// there is).
fn g1_matrix(whole: bool, size: bool) {
    let data = g1_data();
    let o = G1_OFFSET as usize;
    for ending in ENDINGS {
        let mut b = TestServer::builder()
            .file("f", &data)
            .faults(ending.faults());
        if whole {
            b = b.fault(Fault::Announce150Whole);
        }
        if !size {
            b = b.fault(Fault::reply_override(
                "SIZE",
                b"502 no SIZE here\r\n".to_vec(),
            ));
        }
        let srv = start(b);
        let mut c = login(&srv, Mode::Explicit);
        let dir = std::env::temp_dir().join(format!(
            "ftps-g1-matrix-{}-{whole}-{size}-{ending:?}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let files = || std::fs::read_dir(&dir).unwrap().count();

        // download_file without resume: the target is replaced only by a complete file.
        let case = format!("whole={whole} size={size} {ending:?} download_file");
        let target = dir.join("plain");
        std::fs::write(&target, b"precious").unwrap();
        let r = c.download_file("f", &target, false, None);
        let want = g1_want(whole, ending, 0, false);
        g1_check(&case, want, &r, ending.sent(0));
        let expect = if want == Want::Complete {
            &data[..]
        } else {
            b"precious"
        };
        assert!(std::fs::read(&target).unwrap() == expect, "{case}");
        assert_eq!(files(), 1, "{case}: temporary file left behind");
        g1_still_usable(&case, &mut c, ending, size);

        // download_file with resume and nothing local yet: offset 0, no SIZE; what
        // arrived is kept as a partial file.
        let case = format!("whole={whole} size={size} {ending:?} download_file resume from 0");
        let partial = dir.join("partial");
        let r = c.download_file("f", &partial, true, None);
        let got = g1_check(&case, g1_want(whole, ending, 0, false), &r, ending.sent(0));
        assert!(
            std::fs::read(&partial).unwrap() == data[..got as usize],
            "{case}"
        );
        g1_still_usable(&case, &mut c, ending, size);

        // download_file with resume of a partial file: REST, and SIZE known. Without
        // SIZE a resume cannot tell how much is missing: refused, the file untouched.
        let case = format!("whole={whole} size={size} {ending:?} download_file resume from {o}");
        let resumed = dir.join("resumed");
        std::fs::write(&resumed, &data[..o]).unwrap();
        let r = c.download_file("f", &resumed, true, None);
        if size {
            let got = g1_check(
                &case,
                g1_want(whole, ending, G1_OFFSET, true),
                &r,
                ending.sent(G1_OFFSET),
            );
            assert!(
                std::fs::read(&resumed).unwrap() == data[..o + got as usize],
                "{case}"
            );
        } else {
            assert!(
                matches!(&r, Err(Error::Reply { command, .. }) if command == "SIZE"),
                "{case}: {r:?}"
            );
            assert!(std::fs::read(&resumed).unwrap() == data[..o], "{case}");
        }
        g1_still_usable(&case, &mut c, ending, size);

        // Streaming from an offset: SIZE (where there is one), REST.
        let case = format!("whole={whole} size={size} {ending:?} download from {o}");
        let want = g1_want(whole, ending, G1_OFFSET, size);
        let mut out = Vec::new();
        let mut opts = TransferOptions {
            offset: G1_OFFSET,
            progress: None,
            ..Default::default()
        };
        let r = c.download("f", &mut out, &mut opts);
        let got = g1_check(&case, want, &r, ending.sent(G1_OFFSET));
        assert!(out == data[o..o + got as usize], "{case}");
        g1_still_usable(&case, &mut c, ending, size);

        // The same through the Read stream.
        let case = format!("whole={whole} size={size} {ending:?} retr_from {o}");
        let mut down = c.retr_from("f", G1_OFFSET).unwrap();
        let mut out = Vec::new();
        let read = down.read_to_end(&mut out);
        let r = match read {
            Ok(_) => down.finish().map(|reply| {
                assert_eq!(reply.code(), 226, "{case}");
                out.len() as u64
            }),
            Err(e) => {
                assert!(down.finish().is_err(), "{case}: finish after {e}");
                let inner = e.into_inner().expect("a typed error inside the io::Error");
                Err(*inner.downcast::<Error>().expect("an ftps_core::Error"))
            }
        };
        let got = g1_check(&case, want, &r, ending.sent(G1_OFFSET));
        assert!(out == data[o..o + got as usize], "{case}");
        g1_still_usable(&case, &mut c, ending, size);

        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn g1_every_ending_with_a_150_count_of_the_bytes_to_come() {
    g1_matrix(false, true);
}

#[test]
fn g1_every_ending_with_a_150_count_of_the_whole_file() {
    g1_matrix(true, true);
}

#[test]
fn g1_every_ending_without_size_and_a_150_count_of_the_bytes_to_come() {
    g1_matrix(false, false);
}

#[test]
fn g1_every_ending_without_size_and_a_150_count_of_the_whole_file() {
    g1_matrix(true, false);
}

#[test]
fn g2_upload_ends_with_close_notify_and_226() {
    let srv = start(TestServer::builder().strict_upload_eof(true));
    for mode in [Mode::Explicit, Mode::Implicit] {
        let mut c = login(&srv, mode);
        let data = vec![9u8; 1 << 20];
        let mut up = c.stor("up.bin", UploadMode::Replace).unwrap();
        up.write_all(&data).unwrap();
        let reply = up.finish().unwrap();
        assert_eq!(reply.code(), 226);
        assert_eq!(srv.file("up.bin").unwrap(), data);
    }
    for s in srv.sessions() {
        assert!(
            s.data.iter().all(|d| d.client_sent_close_notify),
            "{:?}",
            s.data
        );
    }
}

// Several MiB: many TLS records and many socket reads on a data connection (rustls's
// unbuffered API, data_tls.rs, with buffers of its own), records split across reads;
// the same guarantees must hold there, under both TLS versions.
const BIG: usize = 3 * 1024 * 1024 + 12_345;

fn big_data() -> Vec<u8> {
    (0..BIG as u32).map(|i| (i ^ (i >> 9)) as u8).collect()
}

#[test]
fn g1_after_the_first_mib_fin_or_rst_mid_file_is_truncation() {
    for version in [TLS12, TLS13] {
        for rst in [false, true] {
            let mut b = TestServer::builder()
                .tls_versions(&[version])
                .file("f", big_data())
                .fault(Fault::TruncateAfter(2_500_000));
            if rst {
                b = b.fault(Fault::RstInsteadOfFin);
            }
            let srv = b.start().unwrap();
            let mut c = login(&srv, Mode::Explicit);
            match fetch(&mut c, "f") {
                Err(Error::Truncated { received, .. }) if !rst => assert_eq!(received, 2_500_000),
                Err(Error::Truncated { received, .. }) => assert!(received <= 2_500_000),
                other => panic!("{version:?} rst={rst}: {other:?}"),
            }
            // Through the Read stream as well, and the session goes on.
            let mut down = c.retr("f").unwrap();
            let mut got = Vec::new();
            let e = down.read_to_end(&mut got).unwrap_err();
            assert!(got.len() <= 2_500_000, "{version:?} rst={rst}: {e}");
            assert!(down.finish().is_err());
            c.noop().unwrap();
        }
    }
}

#[test]
fn g1_after_the_first_mib_missing_close_notify_with_every_announced_byte_is_accepted() {
    for version in [TLS12, TLS13] {
        let srv = TestServer::builder()
            .tls_versions(&[version])
            .file("f", big_data())
            .fault(Fault::DataNoCloseNotify)
            .start()
            .unwrap();
        let mut c = login(&srv, Mode::Explicit);
        assert!(fetch(&mut c, "f").unwrap() == big_data(), "{version:?}");
    }
}

#[test]
fn g1_g2_after_the_first_mib_both_ways_byte_exact_with_close_notify() {
    for version in [TLS12, TLS13] {
        let srv = start(
            TestServer::builder()
                .tls_versions(&[version])
                .strict_upload_eof(true),
        );
        for mode in [Mode::Explicit, Mode::Implicit] {
            let mut c = login(&srv, mode);
            let data = big_data();
            let mut up = c.stor("up.bin", UploadMode::Replace).unwrap();
            for chunk in data.chunks(100_000) {
                up.write_all(chunk).unwrap();
            }
            assert_eq!(up.finish().unwrap().code(), 226);
            assert!(srv.file("up.bin").unwrap() == data, "{version:?} {mode:?}");
            assert!(
                fetch(&mut c, "up.bin").unwrap() == data,
                "{version:?} {mode:?}"
            );
            let mut down = c.retr("up.bin").unwrap();
            let mut got = Vec::new();
            down.read_to_end(&mut got).unwrap();
            assert_eq!(down.finish().unwrap().code(), 226);
            assert!(got == data, "{version:?} {mode:?}");
            let stats = c.session_stats();
            assert_eq!(stats.data_full, 0, "{version:?} {mode:?}: {stats:?}");
        }
        for s in srv.sessions() {
            assert!(
                s.data.iter().all(|d| d.resumed),
                "{version:?}: {:?}",
                s.data
            );
            let uploads = s.data.iter().filter(|d| d.client_sent_close_notify).count();
            assert!(uploads >= 1, "{version:?}: {:?}", s.data);
        }
    }
}

// KeyUpdate in the middle of big transfers: the server renews its keys every 60 MiB
// and asks for the client's. The data stays byte-exact both ways, and in an upload the
// server's log shows that the client answered every request.

const KU_LEN: u64 = 256 * 1024 * 1024;
const KU_EVERY: u64 = 60 * 1024 * 1024;

/// Byte `i` of the 256 MiB pattern (not periodic in any record or buffer size).
fn ku_byte(i: u64) -> u8 {
    (i ^ (i >> 11) ^ (i >> 23)).wrapping_mul(0x9d) as u8
}

/// Reads the pattern, `len` bytes.
struct PatternReader {
    at: u64,
    len: u64,
}

impl Read for PatternReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (self.len - self.at).min(buf.len() as u64) as usize;
        for (k, b) in buf[..n].iter_mut().enumerate() {
            *b = ku_byte(self.at + k as u64);
        }
        self.at += n as u64;
        Ok(n)
    }
}

/// Checks what is written against the pattern, keeping nothing.
#[derive(Default)]
struct PatternCheck {
    at: u64,
    first_mismatch: Option<u64>,
}

impl Write for PatternCheck {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.first_mismatch.is_none()
            && let Some(k) = buf
                .iter()
                .enumerate()
                .position(|(k, &b)| b != ku_byte(self.at + k as u64))
        {
            self.first_mismatch = Some(self.at + k as u64);
        }
        self.at += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn ku_server() -> TestServer {
    start(
        TestServer::builder()
            .tls_versions(&[TLS13])
            .fault(Fault::KeyUpdateEvery(KU_EVERY)),
    )
}

#[test]
fn g1_key_updates_in_a_256_mib_download_keep_it_byte_exact() {
    let srv = ku_server();
    let mut all = vec![0u8; KU_LEN as usize];
    PatternReader { at: 0, len: KU_LEN }
        .read_exact(&mut all)
        .unwrap();
    srv.put_file("big", &all).unwrap();
    drop(all);
    let mut c = login(&srv, Mode::Explicit);
    let mut check = PatternCheck::default();
    let n = c
        .download("big", &mut check, &mut TransferOptions::default())
        .unwrap();
    assert_eq!((n, check.at, check.first_mismatch), (KU_LEN, KU_LEN, None));
    let d = &srv.sessions()[0].data[0];
    assert!(d.resumed, "{d:?}");
    // 60, 120, 180 and 240 MiB; data under each new key was read.
    assert_eq!(d.key_updates_sent, 4, "{d:?}");
    // The client sends no application data in a download, so it owes no answer
    // (RFC 8446 4.6.3); the server could still read its keys at the end.
    assert!(d.client_key_updates.is_some(), "{d:?}");
    c.noop().unwrap();
}

#[test]
fn g2_key_updates_in_a_256_mib_upload_are_answered_and_keep_it_byte_exact() {
    let srv = ku_server();
    let mut c = login(&srv, Mode::Explicit);
    let mut input = PatternReader { at: 0, len: KU_LEN };
    let n = c
        .upload(&mut input, "up.bin", &mut TransferOptions::default())
        .unwrap();
    assert_eq!(n, KU_LEN);
    let d = srv.sessions()[0].data[0].clone();
    assert_eq!(d.reply, "226 Transfer complete.");
    assert_eq!(d.key_updates_sent, 4, "{d:?}");
    // Every request was answered: the client's sending key went through as many
    // generations as the server asked for.
    assert_eq!(d.client_key_updates, Some(4), "{d:?}");
    assert!(d.client_sent_close_notify, "{d:?}");
    let stored = srv.file("up.bin").unwrap();
    assert_eq!(stored.len() as u64, KU_LEN);
    let mut check = PatternCheck::default();
    check.write_all(&stored).unwrap();
    assert_eq!(check.first_mismatch, None);
}

#[test]
fn g3_no_data_connection_is_a_bounded_timeout() {
    let srv = start(TestServer::builder().fault(Fault::NoDataConnection { reply_after: None }));
    let cfg = cfg(&srv, Mode::Explicit)
        .data_connection_mode(DataConnectionMode::Active { bind: None })
        .data_connect_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let mut c = Client::connect(&cfg).unwrap();
    c.login(USER, PASS).unwrap();
    assert!(matches!(
        fetch(&mut c, "hello.txt"),
        Err(Error::Timeout {
            phase: Phase::DataConnect
        })
    ));
}

#[test]
fn g3_425_and_421_instead_of_150() {
    let srv = start(TestServer::builder().fault(Fault::Reply425InsteadOf150));
    let mut c = login(&srv, Mode::Explicit);
    match fetch(&mut c, "hello.txt") {
        Err(Error::Reply { reply, .. }) => assert_eq!(reply.code(), 425),
        other => panic!("{other:?}"),
    }
    c.noop().unwrap();
    let srv = start(TestServer::builder().fault(Fault::Reply421InsteadOf150));
    let mut c = login(&srv, Mode::Explicit);
    assert!(matches!(
        fetch(&mut c, "hello.txt"),
        Err(Error::ConnectionLost { .. })
    ));
}

#[test]
fn g4_slow_loris_control_is_bounded_by_the_reply_timeout() {
    let srv = start(TestServer::builder().fault(Fault::Stall { after_commands: 3 }));
    let mut c = connect(&srv, Mode::Explicit).unwrap();
    let t = std::time::Instant::now();
    assert!(matches!(
        c.login(USER, PASS),
        Err(Error::Timeout {
            phase: Phase::Reply
        })
    ));
    assert!(t.elapsed() < Duration::from_secs(10));
    let srv = start(TestServer::builder().fault(Fault::SlowReplies {
        delay_per_byte: Duration::from_millis(200),
    }));
    let r = connect(&srv, Mode::Explicit);
    assert!(matches!(r, Err(Error::Timeout { .. })), "{r:?}");
}

#[test]
fn g4_slow_data_is_bounded_by_the_idle_timeout() {
    let data = vec![5u8; 10_000];
    let srv = TestServer::builder()
        .file("f", &data)
        .fault(Fault::SlowData {
            chunk_size: 1000,
            delay_per_chunk: Duration::from_millis(30),
        })
        .start()
        .unwrap();
    let mut c = login(&srv, Mode::Explicit);
    assert_eq!(
        fetch(&mut c, "f").unwrap(),
        data,
        "slow but steady data arrives"
    );
    let srv = TestServer::builder()
        .file("f", &data)
        .fault(Fault::SlowData {
            chunk_size: 1000,
            delay_per_chunk: Duration::from_secs(5),
        })
        .start()
        .unwrap();
    let cfg = cfg(&srv, Mode::Explicit)
        .data_idle_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let mut c = Client::connect(&cfg).unwrap();
    c.login(USER, PASS).unwrap();
    assert!(matches!(
        fetch(&mut c, "f"),
        Err(Error::Timeout {
            phase: Phase::DataIdle
        })
    ));
}

// ---------------------------------------------------------------- H: names from the server

#[test]
fn h5_listing_survives_an_overlong_line_and_many_entries() {
    for mlsd in [true, false] {
        // A name so long that its listing line passes the 64 KiB line limit.
        let mut b = TestServer::builder()
            .file("x".repeat(100_000), b"")
            .file("ok.txt", b"1");
        for i in 0..20_000 {
            b = b.file(format!("f{i:05}"), b"");
        }
        let srv = b.mlsd(mlsd).start().unwrap();
        let mut c = login(&srv, Mode::Explicit);
        let entries = c.list(None).unwrap().entries;
        assert!(
            entries
                .iter()
                .any(|e| e.name == b"ok.txt" && e.size == Some(1))
        );
        assert_eq!(
            entries.len(),
            20_001,
            "mlsd={mlsd}: the overlong line is skipped, nothing else"
        );
    }
}

#[test]
fn h6_non_utf8_names_survive_a_listing_and_go_back_byte_for_byte() {
    let name: &[u8] = b"caf\xe9 \xff.txt";
    for mlsd in [true, false] {
        let srv = TestServer::builder()
            .file(name, b"latin-1")
            .mlsd(mlsd)
            .start()
            .unwrap();
        let mut c = login(&srv, Mode::Explicit);
        let entries = c.list(None).unwrap().entries;
        let e = entries
            .iter()
            .find(|e| e.name == name)
            .expect("listed byte for byte");
        let mut out = Vec::new();
        c.download(&e.name, &mut out, &mut TransferOptions::default())
            .unwrap();
        assert_eq!(out, b"latin-1");
        assert_eq!(
            c.nlst(None)
                .unwrap()
                .iter()
                .filter(|n| n.as_slice() == name)
                .count(),
            1
        );
    }
}

#[test]
fn h1_download_dir_keeps_every_path_under_the_target() {
    let srv = TestServer::builder()
        .file("ok.txt", b"ok")
        .dir("sub")
        .file("sub/inner.txt", b"inner")
        .file("C:evil.txt", b"x")
        .file("back\\slash", b"x")
        .file("ctl\x01byte", b"x")
        .start()
        .unwrap();
    let mut c = login(&srv, Mode::Explicit);
    let root = std::env::temp_dir().join(format!("ftps-h1-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let got = c.download_dir("/", &root, true).unwrap();
    assert_eq!(std::fs::read(root.join("ok.txt")).unwrap(), b"ok");
    assert_eq!(std::fs::read(root.join("sub/inner.txt")).unwrap(), b"inner");
    assert_eq!(got.files.len(), 2, "{got:?}");
    assert_eq!(got.skipped.len(), 3, "{got:?}");
    let mut all = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            all.push(p);
        }
    }
    assert_eq!(all.len(), 3, "{all:?}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn h2_hostile_listing_names_are_skipped_by_download_dir() {
    let body = b"type=file;size=2; ok.txt\r\n\
type=file;size=1; ../escape.txt\r\n\
type=file;size=1; /etc/passwd\r\n\
type=file;size=1; dup\r\n\
type=file;size=1; dup\r\n\
type=OS.unix=symlink;size=1; link\r\n\
type=dir; ..\r\n"
        .to_vec();
    let srv = TestServer::builder()
        .file("ok.txt", b"ok")
        .fault(Fault::ListingBody {
            command: "MLSD".into(),
            body,
        })
        .start()
        .unwrap();
    let mut c = login(&srv, Mode::Explicit);
    let root = std::env::temp_dir().join(format!("ftps-h2-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let got = c.download_dir("", &root, true).unwrap();
    assert_eq!(got.files, vec![root.join("ok.txt")]);
    let reasons: Vec<&str> = got.skipped.iter().map(|(_, w)| *w).collect();
    assert_eq!(reasons.len(), 6, "{reasons:?}");
    assert!(!root.parent().unwrap().join("escape.txt").exists());
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 1);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn h5_truncated_and_junk_listing_lines_never_fail_the_listing() {
    let mut body = b"-rw-r--r--    1 1001     1001            6 Nov 25 03:52 good.txt\r\n".to_vec();
    body.extend_from_slice(b"-rw-r--r--    1 1001\r\n");
    body.extend_from_slice(&vec![b'z'; 1 << 20]);
    body.extend_from_slice(b"\r\n\xff\xfe\x00junk\r\ndrwxr-xr-x    2 0 0 4096 Jan 01  2024 dir\r\n-rw-r--r-- 1 u g 5 Nov");
    let srv = TestServer::builder()
        .mlsd(false)
        .fault(Fault::ListingBody {
            command: "LIST".into(),
            body,
        })
        .start()
        .unwrap();
    let mut c = login(&srv, Mode::Explicit);
    let listing = c.list_unix(None).unwrap();
    let names: Vec<&[u8]> = listing.entries.iter().map(|e| e.name.as_slice()).collect();
    assert_eq!(names, vec![&b"good.txt"[..], b"dir"]);
    assert_eq!(listing.skipped.len(), 4, "{:?}", listing.skipped.len());
}

// ---------------------------------------------------------------- caller-side bad input

#[test]
fn caller_progress_callback_can_cancel_and_the_client_stays_usable() {
    let data = vec![3u8; 4 << 20];
    let srv = start(TestServer::builder().file("big", &data));
    let mut c = login(&srv, Mode::Explicit);
    let mut calls = 0;
    let mut cb = |_: u64, _: Option<u64>| {
        calls += 1;
        false
    };
    let mut out = Vec::new();
    let r = c.download(
        "big",
        &mut out,
        &mut TransferOptions {
            offset: 0,
            progress: Some(&mut cb),
            ..Default::default()
        },
    );
    assert!(matches!(r, Err(Error::Cancelled)));
    assert_eq!(calls, 1);
    assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
}

#[test]
fn caller_reader_that_fails_mid_upload_is_a_local_error() {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::other("disk on fire"));
            }
            self.0 -= 1;
            buf.fill(1);
            Ok(buf.len())
        }
    }
    let srv = start(TestServer::builder());
    let mut c = login(&srv, Mode::Explicit);
    let r = c.upload(&mut Failing(2), "up.bin", &mut TransferOptions::default());
    assert!(matches!(r, Err(Error::LocalIo { .. })), "{r:?}");
    c.noop().unwrap();
}

#[test]
fn caller_dropped_download_is_aborted_and_the_session_goes_on() {
    let data = vec![3u8; 4 << 20];
    let srv = start(TestServer::builder().file("big", &data));
    let mut c = login(&srv, Mode::Explicit);
    {
        let mut d = c.retr("big").unwrap();
        let mut buf = [0u8; 1000];
        d.read_exact(&mut buf).unwrap();
    }
    assert!(srv.commands().contains(&"ABOR".to_string()));
    assert_eq!(fetch(&mut c, "hello.txt").unwrap(), b"hello\n");
    // A second transfer while one is open is refused, not interleaved.
    let _d = c.retr("hello.txt").unwrap();
}

#[test]
fn greeting_fault_helper_is_used() {
    // Keeps the GREETING pseudo-verb exercised: an overlong greeting within limits works.
    let srv = start(TestServer::builder().fault(Fault::OverlongReply {
        command: GREETING.into(),
        len: 8000,
    }));
    let c = connect(&srv, Mode::Explicit).unwrap();
    assert_eq!(c.greeting().code(), 220);
}
