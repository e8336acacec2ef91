//! The server without faults: login, TLS, session reuse, transfers, listings, commands.

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use ftps_testserver::{DataMode, TLS12, TLS13, TestServer, TlsVersion};

fn server() -> TestServer {
    TestServer::builder()
        .user("alice", "secret")
        .file("hello.txt", b"hello\n")
        .file("dir/sub/a.txt", b"aaa")
        .dir("empty")
        .start()
        .unwrap()
}

#[test]
fn explicit_login_feat_and_commands_are_logged() {
    let srv = server();
    let mut c = Client::explicit(&srv).unwrap();
    let feat = c.cmd("FEAT").unwrap();
    assert_eq!(feat.code, 211);
    let text = feat.text();
    for f in [
        " AUTH TLS\r\n",
        " PBSZ\r\n",
        " PROT\r\n",
        " EPSV\r\n",
        " MLST type*;size*;modify*;perm*;\r\n",
        " SIZE\r\n",
        " MDTM\r\n",
        " MFMT\r\n",
        " REST STREAM\r\n",
        " UTF8\r\n",
        " TVFS\r\n",
    ] {
        assert!(text.contains(f), "{f:?} missing in {text}");
    }
    assert!(text.ends_with("211 End\r\n"));
    assert_eq!(c.cmd("USER alice").unwrap().code, 331);
    assert_eq!(c.cmd("PASS wrong").unwrap().code, 530);
    c.login("alice", "secret").unwrap();
    assert_eq!(c.cmd("SYST").unwrap().code, 215);
    assert_eq!(c.cmd("OPTS UTF8 ON").unwrap().code, 200);
    assert_eq!(c.cmd("TYPE I").unwrap().code, 200);
    assert_eq!(c.cmd("TYPE X").unwrap().code, 504);
    assert_eq!(c.cmd("MODE S").unwrap().code, 200);
    assert_eq!(c.cmd("STRU F").unwrap().code, 200);
    assert_eq!(c.cmd("SITE CHMOD 600 x").unwrap().code, 200);
    assert_eq!(c.cmd("NOOP").unwrap().code, 200);
    assert_eq!(c.cmd("XYZZY").unwrap().code, 502);
    assert_eq!(c.cmd("QUIT").unwrap().code, 221);
    let commands = srv.commands();
    assert_eq!(
        &commands[..4],
        ["AUTH TLS", "FEAT", "USER alice", "PASS wrong"]
    );
    assert!(commands.contains(&"PASS secret".to_string()));
    let sessions = srv.sessions();
    assert_eq!(sessions.len(), 1);
    assert!(sessions[0].tls && !sessions[0].implicit);
    assert_eq!(sessions[0].user.as_deref(), Some("alice"));
    assert_eq!(sessions[0].bytes_after_auth, 0);
}

#[test]
fn implicit_login() {
    let srv = server();
    let mut c = Client::implicit(&srv).unwrap();
    c.login("alice", "secret").unwrap();
    c.prot_p().unwrap();
    let (bytes, clean, done) = c.retr("RETR hello.txt").unwrap();
    assert_eq!(
        (bytes.as_slice(), clean, done.code),
        (&b"hello\n"[..], true, 226)
    );
    let s = &srv.sessions()[0];
    assert!(s.implicit && s.tls);
    assert!(s.data[0].resumed);
}

#[test]
fn clear_text_login_needs_allow_plain() {
    let srv = server();
    let (mut c, _) = Client::connect_plain(&srv).unwrap();
    assert_eq!(c.cmd("USER alice").unwrap().code, 530);
    assert_eq!(c.cmd("PWD").unwrap().code, 530);

    let srv = TestServer::builder()
        .allow_plain(true)
        .file("f", b"plain")
        .start()
        .unwrap();
    let (mut c, _) = Client::connect_plain(&srv).unwrap();
    c.login("ftpuser", "ftppass").unwrap();
    assert_eq!(c.cmd("PBSZ 0").unwrap().code, 503);
    let (bytes, clean, done) = c.retr("RETR f").unwrap();
    assert_eq!(
        (bytes.as_slice(), clean, done.code),
        (&b"plain"[..], true, 226)
    );
    assert!(!srv.sessions()[0].tls && !srv.sessions()[0].data[0].tls);
}

#[test]
fn pbsz_and_prot_rules() {
    let srv = server();
    let mut c = Client::explicit(&srv).unwrap();
    assert_eq!(c.cmd("PBSZ 0").unwrap().code, 530);
    assert_eq!(c.cmd("PROT P").unwrap().code, 530);
    c.login("alice", "secret").unwrap();
    assert_eq!(c.cmd("PROT P").unwrap().code, 503);
    assert_eq!(c.cmd("PBSZ 0").unwrap().code, 200);
    assert_eq!(c.cmd("PROT S").unwrap().code, 536);
    assert_eq!(c.cmd("PROT C").unwrap().code, 200);
    let (bytes, _, done) = c.retr("RETR hello.txt").unwrap();
    assert_eq!((bytes.as_slice(), done.code), (&b"hello\n"[..], 226));
    assert!(!srv.sessions()[0].data[0].tls);
}

fn round_trip_1mib(versions: &[TlsVersion], expect: TlsVersion) {
    let big = pattern(1024 * 1024);
    let srv = TestServer::builder()
        .tls_versions(versions)
        .file("big.bin", &big)
        .start()
        .unwrap();
    let mut c = Client::ready(&srv).unwrap();
    let (bytes, clean, done) = c.retr("RETR big.bin").unwrap();
    assert!(clean && done.code == 226 && bytes == big);
    let done = c.stor("STOR up.bin", &big).unwrap();
    assert_eq!(done.code, 226, "{}", done.text());
    // More transfers than tickets: data connections must keep resuming.
    for i in 0..4 {
        let (bytes, clean, done) = c.retr("RETR big.bin").unwrap();
        assert!(
            clean && done.code == 226 && bytes.len() == big.len(),
            "transfer {i}"
        );
    }
    assert_eq!(srv.file("up.bin").unwrap(), big);
    let s = &srv.sessions()[0];
    assert_eq!(s.tls_version, Some(expect));
    assert_eq!(s.data.len(), 6);
    for d in &s.data {
        assert!(d.tls && d.resumed, "{d:?}");
        assert_eq!(d.tls_version, Some(expect));
        assert_eq!(d.bytes, big.len() as u64);
        assert_eq!(d.mode, DataMode::Passive);
    }
    assert!(s.data[1].client_sent_close_notify);
    assert_eq!(s.data[1].command, "STOR up.bin");
    assert_eq!(s.data[1].reply, "226 Transfer complete.");
    assert!(s.tickets_issued > 0);
}

#[test]
fn c1_prot_p_download_upload_1mib_resumes_tls13() {
    round_trip_1mib(&[TLS13], TLS13);
}

#[test]
fn c2_prot_p_download_upload_1mib_resumes_tls12() {
    round_trip_1mib(&[TLS12], TLS12);
}

#[test]
fn c1_fresh_tls_session_on_data_gets_522() {
    let srv = server();
    let mut c = Client::ready(&srv).unwrap();
    c.config = client_config(&srv); // a config that knows no session of this control connection
    let tcp = c.epsv_connect().unwrap();
    assert_eq!(c.cmd("RETR hello.txt").unwrap().code, 150);
    let mut data = c.secure(tcp).unwrap(); // the handshake itself succeeds ...
    let (bytes, _) = read_data(&mut data);
    assert!(bytes.is_empty());
    let r = c.read_reply().unwrap(); // ... then the server refuses it
    assert_eq!(
        r.text(),
        "522 SSL connection failed: session reuse required\r\n"
    );
    let d = &srv.sessions()[0].data[0];
    assert!(d.tls && !d.resumed && d.bytes == 0);

    // Without the requirement the same connection is served.
    let srv = TestServer::builder()
        .require_session_reuse(false)
        .file("f", b"x")
        .start()
        .unwrap();
    let mut c = Client::ready(&srv).unwrap();
    c.config = client_config(&srv);
    let (bytes, _, done) = c.retr("RETR f").unwrap();
    assert_eq!((bytes.as_slice(), done.code), (&b"x"[..], 226));
    assert!(!srv.sessions()[0].data[0].resumed);
}

#[test]
fn c1_session_of_another_control_connection_does_not_resume() {
    let srv = server();
    // Control connection 1 leaves its tickets in config_a's store.
    let config_a = client_config(&srv);
    let mut first = Client::explicit_with(&srv, config_a.clone()).unwrap();
    first.login("alice", "secret").unwrap();
    // Control connection 2 (config_b); its data connection offers control 1's tickets.
    let mut second = Client::ready(&srv).unwrap();
    second.config = config_a;
    let tcp = second.epsv_connect().unwrap();
    assert_eq!(second.cmd("RETR hello.txt").unwrap().code, 150);
    let _ = second.secure(tcp).map(|mut d| read_data(&mut d));
    assert_eq!(second.read_reply().unwrap().code, 522);
    let d = &srv.sessions()[1].data[0];
    assert!(d.tls && !d.resumed);
}

#[test]
fn c3_expired_tickets_are_refused() {
    let srv = TestServer::builder()
        .tls_versions(&[TLS13])
        .ticket_lifetime(Duration::from_secs(1))
        .file("f", b"x")
        .start()
        .unwrap();
    let mut c = Client::ready(&srv).unwrap();
    std::thread::sleep(Duration::from_millis(2100));
    let tcp = c.epsv_connect().unwrap();
    assert_eq!(c.cmd("RETR f").unwrap().code, 150);
    let _ = c.secure(tcp).map(|mut d| read_data(&mut d));
    assert_eq!(c.read_reply().unwrap().code, 522);
    assert!(!srv.sessions()[0].data[0].resumed);
}

#[test]
fn listings() {
    let srv = server();
    let mut c = Client::ready(&srv).unwrap();
    let (list, _, done) = c.retr("LIST").unwrap();
    assert_eq!(done.code, 226);
    let list = String::from_utf8(list).unwrap();
    let lines: Vec<&str> = list.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(lines[0].starts_with("drwxr-xr-x") && lines[0].ends_with(" dir"));
    assert!(lines[2].starts_with("-rw-r--r--") && lines[2].ends_with(" hello.txt"));
    assert!(lines[2].contains(" 6 "));
    let (list, _, _) = c.retr("LIST -la dir").unwrap();
    assert!(String::from_utf8(list).unwrap().ends_with(" sub\r\n"));
    let (nlst, _, _) = c.retr("NLST").unwrap();
    assert_eq!(nlst, b"dir\r\nempty\r\nhello.txt\r\n");
    let (mlsd, _, _) = c.retr("MLSD").unwrap();
    let mlsd = String::from_utf8(mlsd).unwrap();
    assert!(mlsd.starts_with("type=cdir;"), "{mlsd}");
    assert!(mlsd.contains("type=dir;modify="));
    assert!(mlsd.contains("type=file;size=6;modify="));
    assert!(mlsd.contains(";perm=adfrw; hello.txt\r\n"));
    let mlst = c.cmd("MLST hello.txt").unwrap().text();
    assert!(
        mlst.starts_with("250-")
            && mlst.contains(" type=file;size=6;")
            && mlst.ends_with("250 End\r\n")
    );
    assert!(mlst.contains("; /hello.txt\r\n"));

    let srv = TestServer::builder().mlsd(false).start().unwrap();
    let mut c = Client::ready(&srv).unwrap();
    assert!(!c.cmd("FEAT").unwrap().text().contains("MLST"));
    assert_eq!(c.cmd("MLSD").unwrap().code, 502);
    assert_eq!(c.cmd("MLST x").unwrap().code, 502);
}

#[test]
fn file_commands() {
    let srv = server();
    let mut c = Client::ready(&srv).unwrap();
    assert_eq!(
        c.cmd("PWD").unwrap().text(),
        "257 \"/\" is the current directory\r\n"
    );
    assert_eq!(
        c.cmd("MKD a\"b").unwrap().text(),
        "257 \"/a\"\"b\" created\r\n"
    );
    assert_eq!(c.cmd("CWD a\"b").unwrap().code, 250);
    assert_eq!(
        c.cmd("PWD").unwrap().text(),
        "257 \"/a\"\"b\" is the current directory\r\n"
    );
    assert_eq!(c.cmd("CDUP").unwrap().code, 250);
    assert_eq!(c.cmd("CWD nope").unwrap().code, 550);
    assert_eq!(c.cmd("RMD a\"b").unwrap().code, 250);
    assert_eq!(c.cmd("SIZE hello.txt").unwrap().text(), "213 6\r\n");
    assert_eq!(c.cmd("SIZE dir").unwrap().code, 550);
    assert_eq!(
        c.cmd("MFMT 20200102030405 hello.txt").unwrap().text(),
        "213 Modify=20200102030405; hello.txt\r\n"
    );
    assert_eq!(
        c.cmd("MDTM hello.txt").unwrap().text(),
        "213 20200102030405\r\n"
    );
    assert_eq!(c.cmd("RNFR hello.txt").unwrap().code, 350);
    assert_eq!(c.cmd("RNTO dir/moved.txt").unwrap().code, 250);
    assert_eq!(srv.file("dir/moved.txt").unwrap(), b"hello\n");
    assert_eq!(c.cmd("RNTO x").unwrap().code, 503);
    assert_eq!(c.cmd("DELE dir/moved.txt").unwrap().code, 250);
    assert_eq!(c.cmd("DELE dir/moved.txt").unwrap().code, 550);
    assert!(srv.file("dir/moved.txt").is_none());
    srv.put_file("r.bin", b"0123456789").unwrap();
    assert_eq!(c.cmd("REST 4").unwrap().code, 350);
    let (bytes, _, _) = c.retr("RETR r.bin").unwrap();
    assert_eq!(bytes, b"456789");
    assert_eq!(c.cmd("REST 3").unwrap().code, 350);
    assert_eq!(c.stor("STOR r.bin", b"abc").unwrap().code, 226);
    assert_eq!(srv.file("r.bin").unwrap(), b"012abc");
    assert_eq!(c.stor("APPE r.bin", b"++").unwrap().code, 226);
    assert_eq!(srv.file("r.bin").unwrap(), b"012abc++");
    assert_eq!(c.cmd("RETR missing").unwrap().code, 550);
    assert_eq!(c.cmd("STOR nodir/x").unwrap().code, 553);
    assert_eq!(c.cmd("ABOR").unwrap().code, 225);
}

#[test]
fn active_mode_eprt_and_port() {
    let srv = server();
    let mut c = Client::ready(&srv).unwrap();
    let (listener, addr) = active_listener();
    assert_eq!(
        c.cmd(&format!("EPRT |1|127.0.0.1|{}|", addr.port()))
            .unwrap()
            .code,
        200
    );
    c.send("RETR hello.txt").unwrap();
    let (tcp, peer) = accept_within(&listener, Duration::from_secs(5)).unwrap();
    assert_eq!(peer.ip(), srv.explicit_addr().ip());
    assert_eq!(c.read_reply().unwrap().code, 150);
    let mut data = c.secure(tcp).unwrap();
    let (bytes, clean) = read_data(&mut data);
    assert_eq!((bytes.as_slice(), clean), (&b"hello\n"[..], true));
    assert_eq!(c.read_reply().unwrap().code, 226);

    let (p1, p2) = (addr.port() >> 8, addr.port() & 0xff);
    assert_eq!(
        c.cmd(&format!("PORT 127,0,0,1,{p1},{p2}")).unwrap().code,
        200
    );
    c.send("STOR act.txt").unwrap();
    let (tcp, _) = accept_within(&listener, Duration::from_secs(5)).unwrap();
    assert_eq!(c.read_reply().unwrap().code, 150);
    let mut data = c.secure(tcp).unwrap();
    data.write_all(b"active upload").unwrap();
    finish_upload(&mut data).unwrap();
    assert_eq!(c.read_reply().unwrap().code, 226);
    assert_eq!(srv.file("act.txt").unwrap(), b"active upload");
    let s = &srv.sessions()[0];
    assert!(
        s.data
            .iter()
            .all(|d| d.mode == DataMode::Active && d.resumed)
    );
    assert_eq!(c.cmd("PORT 10,0,0,1,4,1").unwrap().code, 500);
    assert_eq!(c.cmd("EPRT |1|10.0.0.1|1025|").unwrap().code, 500);
}

#[test]
fn g2_upload_without_close_notify_gets_426() {
    let srv = server();
    let mut c = Client::ready(&srv).unwrap();
    let (_, data) = c.open_transfer("STOR noclose.txt").unwrap();
    let Stream::Tls(mut tls) = data else {
        panic!("expected TLS")
    };
    tls.write_all(b"data").unwrap();
    tls.flush().unwrap();
    tls.sock.shutdown(std::net::Shutdown::Write).unwrap(); // FIN, no close_notify
    let mut sink = [0u8; 1024];
    while matches!(std::io::Read::read(&mut tls.sock, &mut sink), Ok(n) if n > 0) {}
    assert_eq!(c.read_reply().unwrap().code, 426);
    let d = &srv.sessions()[0].data[0];
    assert!(!d.client_sent_close_notify && d.bytes == 4);
    assert_eq!(srv.file("noclose.txt").unwrap(), b"data");
}

#[test]
fn abor_during_download() {
    let srv = TestServer::builder()
        .file("big", pattern(4 << 20))
        .fault(ftps_testserver::Fault::SlowData {
            chunk_size: 16 * 1024,
            delay_per_chunk: Duration::from_millis(5),
        })
        .start()
        .unwrap();
    let mut c = Client::ready(&srv).unwrap();
    let (_, mut data) = c.open_transfer("RETR big").unwrap();
    let mut buf = [0u8; 1000];
    std::io::Read::read_exact(&mut data, &mut buf).unwrap();
    c.send("ABOR").unwrap();
    let (_, clean) = read_data(&mut data);
    assert!(!clean);
    assert_eq!(c.read_reply().unwrap().code, 426);
    assert_eq!(c.read_reply().unwrap().code, 226);
    assert_eq!(c.cmd("NOOP").unwrap().code, 200);
    let d = &srv.sessions()[0].data[0];
    assert!(d.bytes < 4 << 20, "{}", d.bytes);
    assert!(srv.commands().contains(&"ABOR".to_string()));
}

#[test]
fn shutdown_is_bounded_with_stuck_clients() {
    let mut srv = TestServer::builder().file("f", b"x").start().unwrap();
    // A client that connects and never speaks TLS, one mid-session, one holding a PASV port.
    let _silent = tcp_connect(srv.implicit_addr()).unwrap();
    let mut c = Client::ready(&srv).unwrap();
    let _held = c.epsv_connect().unwrap();
    c.send("RETR f").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let start = Instant::now();
    srv.shutdown();
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert!(tcp_connect(srv.explicit_addr()).is_err() || srv.sessions().len() == 2);
}

#[test]
fn root_dir_is_served() {
    let dir = std::env::temp_dir().join(format!("ftps-testserver-root-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/f.txt"), b"on disk").unwrap();
    let srv = TestServer::builder().root_dir(&dir).start().unwrap();
    let mut c = Client::ready(&srv).unwrap();
    let (bytes, _, _) = c.retr("RETR sub/f.txt").unwrap();
    assert_eq!(bytes, b"on disk");
    assert_eq!(c.stor("STOR sub/new.txt", b"new").unwrap().code, 226);
    assert_eq!(std::fs::read(dir.join("sub/new.txt")).unwrap(), b"new");
    let (nlst, _, _) = c.retr("NLST sub").unwrap();
    assert_eq!(nlst, b"f.txt\r\nnew.txt\r\n");
    drop(c);
    drop(srv);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn binary_prints_json_and_stops_when_stdin_closes() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_ftps-testserver"))
        .args(["--user", "bob", "--pass", "pw", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("{\"implicit\": \"127.0.0.1:"), "{line}");
    assert!(line.contains("\"user\": \"bob\", \"password\": \"pw\"}"));
    let field = |name: &str| -> String {
        let start = line.find(&format!("\"{name}\": \"")).unwrap() + name.len() + 5;
        line[start..].split('"').next().unwrap().to_string()
    };
    let ca = std::fs::read_to_string(field("ca")).unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    let explicit: SocketAddr = field("explicit").parse().unwrap();
    let mut tcp = tcp_connect(explicit).unwrap();
    let mut greeting = [0u8; 3];
    std::io::Read::read_exact(&mut tcp, &mut greeting).unwrap();
    assert_eq!(&greeting, b"220");
    drop(child.stdin.take());
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "binary did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn h6_non_utf8_names_round_trip() {
    let srv = TestServer::builder()
        .file(b"caf\xe9.txt", b"latin-1")
        .start()
        .unwrap();
    let mut c = Client::ready(&srv).unwrap();
    let (_, mut data) = c.open_transfer_bytes(b"NLST").unwrap();
    assert_eq!(read_data(&mut data).0, b"caf\xe9.txt\r\n");
    assert_eq!(c.read_reply().unwrap().code, 226);
    let (_, mut data) = c.open_transfer_bytes(b"RETR caf\xe9.txt").unwrap();
    assert_eq!(read_data(&mut data).0, b"latin-1");
    assert_eq!(c.read_reply().unwrap().code, 226);
    c.send_bytes(b"MKD d\xff").unwrap();
    assert_eq!(c.read_reply().unwrap().raw, b"257 \"/d\xff\" created\r\n");
}

#[test]
fn idle_control_connection_gets_421() {
    let srv = TestServer::builder()
        .control_timeout(Duration::from_millis(200))
        .start()
        .unwrap();
    let mut c = Client::explicit(&srv).unwrap();
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(c.read_reply().unwrap().text(), "421 Timeout.\r\n");
}

#[test]
fn start_rejects_an_empty_tls_version_list() {
    let err = TestServer::builder().tls_versions(&[]).start().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn client_garbage_ends_only_that_session() {
    let srv = server();
    let junk: Vec<&[u8]> = vec![
        b"\x00\xff\xfe\r\n\r\n\n\n",
        b"USER \xff\xfe\r\nPASS \x00\r\nPORT 999,1,1,1,1,1\r\nEPRT |9|x|y|\r\nREST -5\r\n",
        b"MFMT 99999999999999 x\r\nRNTO\r\nCWD ../../../../\r\nLIST\r\nRETR\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage-client-hello\r\n",
    ];
    for bytes in junk {
        for addr in [srv.explicit_addr(), srv.implicit_addr()] {
            let mut tcp = tcp_connect(addr).unwrap();
            tcp.set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            let _ = tcp.write_all(bytes);
            let _ = std::io::Read::read(&mut tcp, &mut [0u8; 4096]);
        }
    }
    // A line far over the limit is refused and the session closed.
    let (mut c, _) = Client::connect_plain(&srv).unwrap();
    let _ = c.ctrl.write_all(&vec![b'A'; 100_000]);
    let r = c.read_reply().unwrap();
    assert_eq!(r.text(), "500 Command line too long.\r\n");
    // The server is still fine.
    let mut c = Client::ready(&srv).unwrap();
    let (bytes, _, _) = c.retr("RETR hello.txt").unwrap();
    assert_eq!(bytes, b"hello\n");
}
