//! Connection limits: `Builder::max_sessions_per_user` (ProFTPD's MaxClientsPerUser, `530`)
//! and `Builder::max_clients` (vsftpd's max_clients, `421`), and the binary's
//! `--max-sessions-per-user` and `--max-clients`.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use ftps_testserver::{Fault, TestServer};

const TOO_MANY_CLIENTS: &str = "421 There are too many connected users, please try later.\r\n";

fn too_many_for_user(n: usize) -> String {
    format!(
        "530 Sorry, the maximum number of clients ({n}) for this user are already connected.\r\n"
    )
}

/// `USER` + `PASS`: the reply to `PASS`.
fn try_login(c: &mut Client, user: &str, pass: &str) -> Reply {
    let r = c.cmd(&format!("USER {user}")).unwrap();
    assert_eq!(r.code, 331, "{}", r.text());
    c.cmd(&format!("PASS {pass}")).unwrap()
}

/// Try `f` up to 100 times, 20 ms apart, until it gives something: for what the server
/// notices asynchronously (a client that went away without QUIT).
fn retry<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..100 {
        if let Some(v) = f() {
            return v;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("never happened: {what}");
}

/// Everything a stream delivers until the server closes it (EOF); an error (e.g. the
/// client's read timeout) fails the test.
fn read_to_close(mut stream: impl Read) -> String {
    let mut got = Vec::new();
    stream
        .read_to_end(&mut got)
        .expect("the server closes the connection");
    String::from_utf8_lossy(&got).into_owned()
}

/// Connect to the explicit port: everything said in clear text before the close.
fn explicit_refused(addr: SocketAddr) -> String {
    read_to_close(tcp_connect(addr).unwrap())
}

/// Connect to the implicit port and finish the TLS handshake: everything said over TLS
/// before the close (close_notify).
fn implicit_refused(srv: &TestServer) -> String {
    let tcp = tcp_connect(srv.implicit_addr()).unwrap();
    read_to_close(tls_connect(&client_config(srv), tcp).expect("TLS handshake"))
}

/// An explicit connection that is let in, or `None` if refused with 421.
fn explicit_admitted(srv: &TestServer) -> Option<Client> {
    let (mut c, greeting) = Client::connect_plain(srv).unwrap();
    if greeting.code == 421 {
        return None;
    }
    assert_eq!(greeting.code, 220, "{}", greeting.text());
    assert_eq!(c.cmd("AUTH TLS").unwrap().code, 234);
    c.upgrade().unwrap();
    Some(c)
}

/// An implicit connection that is let in, or `None` if refused with 421.
fn implicit_admitted(srv: &TestServer) -> Option<Stream> {
    let tcp = tcp_connect(srv.implicit_addr()).unwrap();
    let mut tls = tls_connect(&client_config(srv), tcp).unwrap();
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\r\n") {
        match tls.read(&mut byte).unwrap() {
            0 => break,
            _ => got.push(byte[0]),
        }
    }
    let text = String::from_utf8_lossy(&got);
    if text == TOO_MANY_CLIENTS {
        return None;
    }
    assert!(text.starts_with("220 "), "{text:?}");
    Some(tls)
}

#[test]
fn max_sessions_per_user_refuses_the_next_login_with_530_and_frees_the_slot_on_quit() {
    let srv = TestServer::builder()
        .user("alice", "a")
        .user("bob", "b")
        .max_sessions_per_user(2)
        .start()
        .unwrap();
    let mut a1 = Client::explicit(&srv).unwrap();
    a1.login("alice", "a").unwrap();
    let mut a2 = Client::implicit(&srv).unwrap();
    a2.login("alice", "a").unwrap();

    // The third session of alice: right password, refused, not logged in.
    let mut a3 = Client::explicit(&srv).unwrap();
    let refused = try_login(&mut a3, "alice", "a");
    assert_eq!(refused.text(), too_many_for_user(2));
    assert_eq!(
        a3.cmd("PWD").unwrap().code,
        530,
        "a refused session is not logged in"
    );
    // A wrong password is still just a wrong password.
    assert_eq!(
        try_login(&mut a3, "alice", "nope").text(),
        "530 Login incorrect.\r\n"
    );

    // Another user is not affected, and alice's sessions keep working.
    let mut b1 = Client::explicit(&srv).unwrap();
    b1.login("bob", "b").unwrap();
    assert_eq!(b1.cmd("PWD").unwrap().code, 257);
    assert_eq!(a1.cmd("PWD").unwrap().code, 257);

    // QUIT gives the place back: the refused session may now log in.
    assert_eq!(a1.cmd("QUIT").unwrap().code, 221);
    let r = try_login(&mut a3, "alice", "a");
    assert_eq!(r.code, 230, "{}", r.text());
    assert_eq!(a3.cmd("PWD").unwrap().code, 257);

    // Full again (a2, a3).
    let mut a4 = Client::explicit(&srv).unwrap();
    assert_eq!(
        try_login(&mut a4, "alice", "a").text(),
        too_many_for_user(2)
    );

    // A session dropped without QUIT gives its place back too, once the server notices.
    drop(a2);
    retry("a login of alice after a session was dropped", || {
        let r = try_login(&mut a4, "alice", "a");
        match r.code {
            230 => Some(()),
            530 => {
                assert_eq!(r.text(), too_many_for_user(2));
                None
            }
            _ => panic!("{}", r.text()),
        }
    });
    assert_eq!(a4.cmd("PWD").unwrap().code, 257);

    // A new USER ends the login and frees its place (alice: a3 only).
    let r = try_login(&mut a4, "bob", "b");
    assert_eq!(r.code, 230, "{}", r.text());
    let mut a5 = Client::explicit(&srv).unwrap();
    a5.login("alice", "a").unwrap();
    let mut a6 = Client::explicit(&srv).unwrap();
    assert_eq!(
        try_login(&mut a6, "alice", "a").text(),
        too_many_for_user(2)
    );
    drop((b1, a3, a4, a5, a6));
}

#[test]
fn max_sessions_per_user_counts_fault_users_too() {
    let srv = TestServer::builder()
        .user("ftpuser", "ftppass")
        .fault_user("cut", "pw", [Fault::TruncateAfter(3)])
        .file("f", b"hello\n")
        .max_sessions_per_user(1)
        .start()
        .unwrap();
    let mut cut1 = Client::explicit(&srv).unwrap();
    cut1.login("cut", "pw").unwrap();
    let mut cut2 = Client::explicit(&srv).unwrap();
    assert_eq!(
        try_login(&mut cut2, "cut", "pw").text(),
        too_many_for_user(1)
    );
    let mut plain = Client::explicit(&srv).unwrap();
    plain.login("ftpuser", "ftppass").unwrap();
    let mut plain2 = Client::explicit(&srv).unwrap();
    assert_eq!(
        try_login(&mut plain2, "ftpuser", "ftppass").text(),
        too_many_for_user(1)
    );
    // Refused, cut2 logs in as ftpuser once that place is free: no faults of "cut".
    drop(plain);
    drop(plain2);
    retry("ftpuser's place comes back", || {
        (try_login(&mut cut2, "ftpuser", "ftppass").code == 230).then_some(())
    });
    cut2.prot_p().unwrap();
    assert_eq!(cut2.retr("RETR f").unwrap().0, b"hello\n");
    let users: Vec<_> = srv.sessions().into_iter().map(|s| s.user).collect();
    assert_eq!(
        users,
        [
            Some("cut".into()),
            Some("ftpuser".into()),
            Some("ftpuser".into()),
            None
        ]
    );
}

#[test]
fn max_clients_answers_421_and_closes_then_frees_the_slot() {
    let srv = TestServer::builder().max_clients(2).start().unwrap();
    // Two connections, one on each port: the limit counts both.
    let mut first = Client::explicit(&srv).unwrap();
    let second = Client::implicit(&srv).unwrap();

    // Explicit port: the 421 is the greeting, in clear text, then the close.
    assert_eq!(explicit_refused(srv.explicit_addr()), TOO_MANY_CLIENTS);
    // Implicit port: TLS handshake, then the 421 over TLS, then the close.
    assert_eq!(implicit_refused(&srv), TOO_MANY_CLIENTS);
    // Refused connections take no place: still refused, the two open ones still work.
    assert_eq!(explicit_refused(srv.explicit_addr()), TOO_MANY_CLIENTS);
    first.login_default(&srv).unwrap();
    assert_eq!(first.cmd("NOOP").unwrap().code, 200);

    // QUIT frees the place: the next connection is let in (and fills it again).
    assert_eq!(first.cmd("QUIT").unwrap().code, 221);
    let mut third = explicit_admitted(&srv).expect("let in after a QUIT");
    third.login_default(&srv).unwrap();
    assert_eq!(implicit_refused(&srv), TOO_MANY_CLIENTS);

    // A connection dropped without QUIT frees its place once the server notices.
    drop(second);
    let fourth = retry("let in on the implicit port after a drop", || {
        implicit_admitted(&srv)
    });
    assert_eq!(explicit_refused(srv.explicit_addr()), TOO_MANY_CLIENTS);
    drop(fourth);
    let _fifth = retry("let in on the explicit port after a drop", || {
        explicit_admitted(&srv)
    });
}

#[test]
fn binary_limit_options_apply() {
    let bin = env!("CARGO_BIN_EXE_ftps-testserver");
    let help = Command::new(bin).arg("--help").output().unwrap();
    let usage = String::from_utf8_lossy(&help.stdout);
    for option in ["--max-sessions-per-user N", "--max-clients N"] {
        assert!(usage.contains(option), "{option} missing in {usage}");
    }
    for bad in [
        &["--max-clients", "x"][..],
        &["--max-clients", "-1"],
        &["--max-sessions-per-user", ""],
        &["--max-sessions-per-user"],
    ] {
        let out = Command::new(bin).args(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?} was accepted");
    }

    let dir = std::env::temp_dir().join(format!("ftps-testserver-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    let mut child = Command::new(bin)
        .args(["--quiet", "--ca-out"])
        .arg(&ca)
        .args(["--max-clients", "2", "--max-sessions-per-user", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let explicit: SocketAddr = line
        .split("\"explicit\": \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("no explicit address in {line:?}"));
    let config = client_config_pem(&std::fs::read(&ca).unwrap());
    let mut c1 = Client::explicit_at(explicit, config.clone()).unwrap();
    c1.login("ftpuser", "ftppass").unwrap();
    let mut c2 = Client::explicit_at(explicit, config.clone()).unwrap();
    let refused = try_login(&mut c2, "ftpuser", "ftppass");
    let demo = try_login(&mut c2, "demo", "demo");
    let third = explicit_refused(explicit);
    drop((c1, c2));
    drop(child.stdin.take()); // EOF on stdin: the server stops
    assert!(child.wait().unwrap().success());
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(refused.text(), too_many_for_user(1));
    assert_eq!(demo.code, 230, "{}", demo.text());
    assert_eq!(third, TOO_MANY_CLIENTS);
}
