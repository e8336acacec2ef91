//! Each TLS, identity, session and login fault really misbehaves (classes A, B, C).

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use common::*;
use ftps_testserver::{Fault, TLS12, TLS13, TestServer};

fn with(fault: Fault) -> TestServer {
    TestServer::builder()
        .file("hello.txt", b"hello\n")
        .fault(fault)
        .start()
        .unwrap()
}

/// Read raw bytes until `want` bytes arrived or the peer stops.
fn read_raw(stream: &mut impl Read, want: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while out.len() < want {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

#[test]
fn a1_greeting_230_instead_of_220() {
    let srv = with(Fault::Greeting(b"230 logged in\r\n".to_vec()));
    let (_, greeting) = Client::connect_plain(&srv).unwrap();
    assert_eq!(greeting.text(), "230 logged in\r\n");
}

#[test]
fn a2_auth_tls_refused_stays_clear() {
    let srv = with(Fault::AuthReply(b"502 no\r\n".to_vec()));
    let (mut c, _) = Client::connect_plain(&srv).unwrap();
    assert_eq!(c.cmd("AUTH TLS").unwrap().text(), "502 no\r\n");
    // Still clear text and still strict: a clear USER is refused.
    assert_eq!(c.cmd("USER ftpuser").unwrap().code, 530);
    assert!(!srv.sessions()[0].tls);
}

#[test]
fn a5_auth_answered_334_is_not_an_upgrade() {
    let srv = with(Fault::AuthReply(b"334 ADAT=x\r\n".to_vec()));
    let (mut c, _) = Client::connect_plain(&srv).unwrap();
    assert_eq!(c.cmd("AUTH TLS").unwrap().code, 334);
    assert_eq!(c.cmd("NOOP").unwrap().code, 200); // clear text still works
}

#[test]
fn a3_junk_after_234_arrives_in_the_same_segment() {
    let srv = with(Fault::JunkAfter234(b"220 injected\r\n".to_vec()));
    let (mut c, _) = Client::connect_plain(&srv).unwrap();
    c.send("AUTH TLS").unwrap();
    let expected = b"234 Proceed with negotiation.\r\n220 injected\r\n";
    let mut got = c.read_some().unwrap();
    while got.len() < expected.len() {
        let more = c.read_some().unwrap();
        assert!(!more.is_empty());
        got.extend(more);
    }
    assert_eq!(got, expected);
    // The server still expects a handshake after the junk.
    let mut c2 = c;
    c2.upgrade().unwrap();
    c2.login("ftpuser", "ftppass").unwrap();
}

#[test]
fn a4_pipelined_bytes_after_auth_are_recorded() {
    let srv = TestServer::builder().start().unwrap(); // no fault: this checks the A4 probe
    let (mut c, _) = Client::connect_plain(&srv).unwrap();
    c.ctrl.write_all(b"AUTH TLS\r\nUSER x\r\n").unwrap();
    let _ = c.read_reply();
    eventually("session ends", || srv.sessions()[0].bytes_after_auth == 8);
    assert!(
        !srv.sessions()[0].tls,
        "pipelined clear text must not pass as a handshake"
    );
}

#[test]
fn a6_plain_text_instead_of_server_hello_explicit() {
    let srv = with(Fault::PlainTextInsteadOfServerHello(
        b"220 not TLS\r\n".to_vec(),
    ));
    let (mut c, _) = Client::connect_plain(&srv).unwrap();
    assert_eq!(c.cmd("AUTH TLS").unwrap().code, 234);
    assert!(c.upgrade().is_err());
    // Raw view: after a ClientHello the server answers in clear text.
    let (mut c, _) = Client::connect_plain(&srv).unwrap();
    assert_eq!(c.cmd("AUTH TLS").unwrap().code, 234);
    let Stream::Plain(tcp) = &mut c.ctrl else {
        unreachable!()
    };
    tcp.write_all(b"\x16\x03\x01\x00\x05hello").unwrap();
    assert_eq!(read_raw(tcp, 64), b"220 not TLS\r\n");
}

#[test]
fn a6_plain_text_on_the_implicit_port() {
    let srv = with(Fault::PlainTextInsteadOfServerHello(
        b"220 plain FTP\r\n".to_vec(),
    ));
    let mut tcp = tcp_connect(srv.implicit_addr()).unwrap();
    assert_eq!(read_raw(&mut tcp, 64), b"220 plain FTP\r\n");
    let tcp = tcp_connect(srv.implicit_addr()).unwrap();
    assert!(tls_connect(&client_config(&srv), tcp).is_err());
}

#[test]
fn f7_garbage_instead_of_server_hello() {
    let srv = with(Fault::GarbageInsteadOfServerHello);
    let mut tcp = tcp_connect(srv.implicit_addr()).unwrap();
    let junk = read_raw(&mut tcp, 1 << 16);
    assert!(junk.len() > 16 && junk.starts_with(b"\x00\xff"), "{junk:?}");
    let tcp = tcp_connect(srv.implicit_addr()).unwrap();
    assert!(tls_connect(&client_config(&srv), tcp).is_err());
    let (mut c, _) = Client::connect_plain(&srv).unwrap();
    assert_eq!(c.cmd("AUTH TLS").unwrap().code, 234);
    assert!(c.upgrade().is_err());
}

#[test]
fn a9_pbsz_refused() {
    let srv = with(Fault::RefusePbsz);
    let mut c = Client::explicit(&srv).unwrap();
    c.login("ftpuser", "ftppass").unwrap();
    assert_eq!(c.cmd("PBSZ 0").unwrap().code, 502);
}

#[test]
fn a9_prot_refused() {
    let srv = with(Fault::RefuseProt);
    let mut c = Client::explicit(&srv).unwrap();
    c.login("ftpuser", "ftppass").unwrap();
    assert_eq!(c.cmd("PBSZ 0").unwrap().code, 200);
    assert_eq!(c.cmd("PROT P").unwrap().code, 534);
}

#[test]
fn a9_clear_text_data_after_prot_p() {
    let srv = with(Fault::DataTlsPlaintext);
    let mut c = Client::ready(&srv).unwrap();
    let mut tcp = c.epsv_connect().unwrap();
    assert_eq!(c.cmd("RETR hello.txt").unwrap().code, 150);
    assert_eq!(read_raw(&mut tcp, 64), b"hello\n");
    assert_eq!(c.read_reply().unwrap().code, 226);
    // A TLS client on the same kind of connection fails.
    let r = c.retr("RETR hello.txt");
    assert!(r.is_err() || !r.unwrap().1);
    assert!(!srv.sessions()[0].data[0].tls);
}

#[test]
fn b2_different_certificate_on_data_connection() {
    let srv = with(Fault::DifferentCertOnData);
    let mut c = Client::ready(&srv).unwrap();
    let control_cert = match &c.ctrl {
        Stream::Tls(s) => s.conn.peer_certificates().unwrap()[0].clone(),
        Stream::Plain(_) => unreachable!(),
    };
    assert_eq!(&control_cert, srv.leaf_cert_der());
    let (_, mut data) = c.open_transfer("RETR hello.txt").unwrap();
    let data_cert = match &data {
        Stream::Tls(s) => s.conn.peer_certificates().unwrap()[0].clone(),
        Stream::Plain(_) => unreachable!(),
    };
    assert_eq!(&data_cert, srv.other_leaf_cert_der());
    assert_ne!(data_cert, control_cert);
    let (bytes, clean) = read_data(&mut data);
    assert_eq!((bytes.as_slice(), clean), (&b"hello\n"[..], true));
    assert_eq!(c.read_reply().unwrap().code, 226);
    assert!(!srv.sessions()[0].data[0].resumed);
}

#[test]
fn c3_no_tls13_tickets_means_no_resumption() {
    let srv = TestServer::builder()
        .tls_versions(&[TLS13])
        .fault(Fault::Tls13Tickets(0))
        .file("f", b"x")
        .start()
        .unwrap();
    let mut c = Client::ready(&srv).unwrap();
    assert_eq!(srv.sessions()[0].tickets_issued, 0);
    let tcp = c.epsv_connect().unwrap();
    assert_eq!(c.cmd("RETR f").unwrap().code, 150);
    let _ = c.secure(tcp).map(|mut d| read_data(&mut d));
    assert_eq!(c.read_reply().unwrap().code, 522);
}

#[test]
fn c3_many_tls13_tickets() {
    let srv = TestServer::builder()
        .tls_versions(&[TLS13])
        .fault(Fault::Tls13Tickets(5))
        .start()
        .unwrap();
    let mut c = Client::explicit(&srv).unwrap();
    assert_eq!(c.cmd("NOOP").unwrap().code, 200);
    assert_eq!(srv.sessions()[0].tickets_issued, 5);
}

#[test]
fn c3_ticket_lifetime_expires() {
    let srv = TestServer::builder()
        .tls_versions(&[TLS13])
        .fault(Fault::TicketLifetime(1))
        .file("f", b"x")
        .start()
        .unwrap();
    let mut c = Client::ready(&srv).unwrap();
    let (_, _, done) = c.retr("RETR f").unwrap(); // fresh ticket: fine
    assert_eq!(done.code, 226);
    std::thread::sleep(Duration::from_millis(2100));
    let tcp = c.epsv_connect().unwrap();
    assert_eq!(c.cmd("RETR f").unwrap().code, 150);
    let _ = c.secure(tcp).map(|mut d| read_data(&mut d));
    assert_eq!(c.read_reply().unwrap().code, 522);
    let data = &srv.sessions()[0].data;
    assert!(data[0].resumed && !data[1].resumed);
}

#[test]
fn c2_tls12_session_reuse_is_enforced_too() {
    let srv = TestServer::builder()
        .tls_versions(&[TLS12])
        .file("f", b"x")
        .start()
        .unwrap();
    let mut c = Client::ready(&srv).unwrap();
    c.config = client_config(&srv);
    let tcp = c.epsv_connect().unwrap();
    assert_eq!(c.cmd("RETR f").unwrap().code, 150);
    let _ = c.secure(tcp).map(|mut d| read_data(&mut d));
    assert_eq!(c.read_reply().unwrap().code, 522);
}

#[test]
fn c4_active_racer_connects_first_from_another_address() {
    let srv = with(Fault::ActiveRacer);
    let mut c = Client::ready(&srv).unwrap();
    let (listener, addr) = active_listener();
    assert_eq!(
        c.cmd(&format!("EPRT |1|127.0.0.1|{}|", addr.port()))
            .unwrap()
            .code,
        200
    );
    c.send("RETR hello.txt").unwrap();
    // The first connection comes from the racer, not from the control peer.
    let (mut racer, peer) = accept_within(&listener, Duration::from_secs(5)).unwrap();
    assert_eq!(peer.ip().to_string(), "127.0.0.3");
    racer.write_all(b"careless").unwrap(); // a careless client talks to it
    drop(racer);
    let (tcp, peer) = accept_within(&listener, Duration::from_secs(5)).unwrap();
    assert_eq!(peer.ip().to_string(), "127.0.0.1");
    assert_eq!(c.read_reply().unwrap().code, 150);
    let mut data = c.secure(tcp).unwrap();
    assert_eq!(read_data(&mut data).0, b"hello\n");
    assert_eq!(c.read_reply().unwrap().code, 226);
    eventually("racer sees the close", || {
        srv.sessions()[0].racers.iter().all(|r| r.closed_by_client)
    });
    let racers = &srv.sessions()[0].racers;
    assert_eq!(racers.len(), 1);
    assert!(racers[0].connected && racers[0].used_by_client() && racers[0].closed_by_client);
    assert_eq!(racers[0].bytes_received, 8);
    assert_eq!(racers[0].target, addr);
}

#[test]
fn acct_is_asked_for_after_pass() {
    let srv = with(Fault::Reply332ForAcct);
    let mut c = Client::explicit(&srv).unwrap();
    assert_eq!(c.cmd("USER ftpuser").unwrap().code, 331);
    assert_eq!(c.cmd("PASS ftppass").unwrap().code, 332);
    assert_eq!(c.cmd("PWD").unwrap().code, 530);
    assert_eq!(c.cmd("ACCT billing").unwrap().code, 230);
    assert_eq!(c.cmd("PWD").unwrap().code, 257);
    assert!(srv.commands().contains(&"ACCT billing".to_string()));
}

const MIB: usize = 1024 * 1024;

/// A TLS 1.3-only server with `fault` and a file `f` of `len` bytes.
fn tls13_with(fault: Fault, len: usize) -> (TestServer, Vec<u8>) {
    let body = pattern(len);
    let srv = TestServer::builder()
        .tls_versions(&[TLS13])
        .file("f", &body)
        .fault(fault)
        .start()
        .unwrap();
    (srv, body)
}

/// Download `f`; with `close_notify` the client ends with its own close_notify (then any
/// KeyUpdate it owes goes out in front of it), else it just closes.
fn download(c: &mut Client, close_notify: bool) -> (Vec<u8>, bool) {
    let (_, mut data) = c.open_transfer("RETR f").unwrap();
    let got = read_data(&mut data);
    if close_notify && let Stream::Tls(s) = &mut data {
        s.conn.send_close_notify();
        while s.conn.wants_write() {
            s.conn.write_tls(&mut s.sock).unwrap();
        }
    }
    drop(data);
    assert_eq!(c.read_reply().unwrap().code, 226);
    got
}

#[test]
fn g1_key_update_every_n_bytes_of_a_download_is_logged_with_the_client_answer() {
    let (srv, body) = tls13_with(Fault::KeyUpdateEvery(MIB as u64), 3 * MIB + 1000);
    let mut c = Client::ready(&srv).unwrap();
    // A client that closes with close_notify answers (once for all requests still
    // unanswered, as rustls does) in front of it ...
    assert_eq!(download(&mut c, true), (body.clone(), true));
    // ... one that just closes never sends its KeyUpdate.
    assert_eq!(download(&mut c, false), (body.clone(), true));
    let data = &srv.sessions()[0].data;
    assert_eq!(data[0].key_updates_sent, 3, "{data:?}");
    assert_eq!(data[0].client_key_updates, Some(1), "{data:?}");
    assert_eq!(data[1].key_updates_sent, 3, "{data:?}");
    assert_eq!(data[1].client_key_updates, Some(0), "{data:?}");
}

#[test]
fn g1_key_update_never_comes_after_the_last_byte_of_a_download() {
    let (srv, body) = tls13_with(Fault::KeyUpdateEvery(MIB as u64), 2 * MIB);
    let mut c = Client::ready(&srv).unwrap();
    assert_eq!(download(&mut c, false), (body, true));
    assert_eq!(srv.sessions()[0].data[0].key_updates_sent, 1);
}

#[test]
fn g2_key_update_every_n_bytes_of_an_upload_keeps_it_byte_exact() {
    let (srv, _) = tls13_with(Fault::KeyUpdateEvery(MIB as u64), 1);
    let body = pattern(3 * MIB + 1000);
    let mut c = Client::ready(&srv).unwrap();
    assert_eq!(c.stor("STOR up", &body).unwrap().code, 226);
    assert!(srv.file("up").unwrap() == body);
    let d = &srv.sessions()[0].data[0];
    assert_eq!(d.key_updates_sent, 3, "{d:?}");
    // This client reads nothing before its close_notify: it never answers.
    assert_eq!(d.client_key_updates, Some(0), "{d:?}");
    assert!(d.client_sent_close_notify);
}

#[test]
fn g1_key_update_fault_does_nothing_under_tls12() {
    let body = pattern(3 * MIB);
    let srv = TestServer::builder()
        .tls_versions(&[TLS12])
        .file("f", &body)
        .fault(Fault::KeyUpdateEvery(MIB as u64))
        .start()
        .unwrap();
    let mut c = Client::ready(&srv).unwrap();
    assert_eq!(download(&mut c, true), (body, true));
    let d = &srv.sessions()[0].data[0];
    assert_eq!((d.key_updates_sent, d.client_key_updates), (0, None));
}

#[test]
fn c3_late_ticket_sends_the_first_bytes_before_the_tickets_and_the_next_connection_resumes() {
    let (srv, body) = tls13_with(Fault::LateTicket(100_000), 300_000);
    let mut c = Client::ready(&srv).unwrap();
    for _ in 0..3 {
        assert_eq!(download(&mut c, false), (body.clone(), true));
    }
    let s = &srv.sessions()[0];
    assert_eq!(s.data.len(), 3);
    for d in &s.data {
        assert!(d.resumed, "{d:?}");
        assert_eq!((d.half_rtt_bytes, d.bytes), (100_000, 300_000), "{d:?}");
    }
}

#[test]
fn c3_late_ticket_leaves_uploads_and_tls12_alone() {
    let body = pattern(300_000);
    let srv = TestServer::builder()
        .tls_versions(&[TLS12])
        .file("f", &body)
        .fault(Fault::LateTicket(100_000))
        .start()
        .unwrap();
    let mut c = Client::ready(&srv).unwrap();
    assert_eq!(download(&mut c, false), (body.clone(), true));
    let (srv13, _) = tls13_with(Fault::LateTicket(100_000), 1);
    let mut c13 = Client::ready(&srv13).unwrap();
    assert_eq!(c13.stor("STOR up", &body).unwrap().code, 226);
    assert_eq!(srv.sessions()[0].data[0].half_rtt_bytes, 0);
    assert_eq!(srv13.sessions()[0].data[0].half_rtt_bytes, 0);
    assert!(srv13.file("up").unwrap() == body);
}
