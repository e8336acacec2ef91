//! Each control-channel fault really misbehaves (classes D and F, G4 on control).

mod common;

use std::io::{ErrorKind, Read};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use ftps_testserver::{EVERY_REPLY, Fault, GREETING, TestServer};

fn with(fault: Fault) -> TestServer {
    TestServer::builder()
        .file("hello.txt", b"hello\n")
        .fault(fault)
        .start()
        .unwrap()
}

#[test]
fn reply_override_nth_occurrence_with_pipelined_extra() {
    let srv = with(Fault::reply_override_nth(
        "pwd",
        2,
        b"257 \"/x\" fake\r\n200 extra\r\n".to_vec(),
    ));
    let mut c = Client::ready(&srv).unwrap();
    assert_eq!(
        c.cmd("PWD").unwrap().text(),
        "257 \"/\" is the current directory\r\n"
    );
    assert_eq!(c.cmd("PWD").unwrap().text(), "257 \"/x\" fake\r\n");
    assert_eq!(c.buffered(), b"200 extra\r\n");
    assert_eq!(c.cmd("PWD").unwrap().text(), "200 extra\r\n"); // desynchronised by one
}

#[test]
fn reply_override_without_line_ending_and_on_greeting() {
    let srv = TestServer::builder()
        .fault(Fault::reply_override(
            GREETING,
            b"220-first\r\n220 second\r\n".to_vec(),
        ))
        .fault(Fault::reply_override("NOOP", b"200 no line end".to_vec()))
        .allow_plain(true)
        .start()
        .unwrap();
    let (mut c, greeting) = Client::connect_plain(&srv).unwrap();
    assert_eq!(greeting.text(), "220-first\r\n220 second\r\n");
    c.send("NOOP").unwrap();
    assert_eq!(c.read_some().unwrap(), b"200 no line end");
}

#[test]
fn f6_pwd_quoting_via_override() {
    let srv = with(Fault::reply_override(
        "PWD",
        b"257 \"/a\"\"b\" and \"more\"\r\n".to_vec(),
    ));
    let mut c = Client::ready(&srv).unwrap();
    assert_eq!(
        c.cmd("PWD").unwrap().text(),
        "257 \"/a\"\"b\" and \"more\"\r\n"
    );
}

#[test]
fn f1_overlong_reply_17k_and_1m() {
    let srv = with(Fault::OverlongReply {
        command: "PWD".into(),
        len: 17 * 1024,
    });
    let mut c = Client::ready(&srv).unwrap();
    let r = c.cmd("PWD").unwrap();
    assert_eq!(r.raw.len(), 17 * 1024 + 2);
    assert!(
        r.text()
            .starts_with("257 \"/\" is the current directoryxxx")
    );

    let srv = with(Fault::OverlongReply {
        command: "PWD".into(),
        len: 1 << 20,
    });
    let mut c = Client::ready(&srv).unwrap();
    let r = c.cmd("PWD").unwrap();
    assert_eq!(r.raw.len(), (1 << 20) + 2);
}

#[test]
fn f1_overlong_greeting() {
    let srv = with(Fault::OverlongReply {
        command: GREETING.into(),
        len: 70_000,
    });
    let (_, greeting) = Client::connect_plain(&srv).unwrap();
    assert_eq!(greeting.code, 220);
    assert_eq!(greeting.raw.len(), 70_002);
}

#[test]
fn f2_endless_reply_fast() {
    let srv = with(Fault::EndlessReply {
        command: "SYST".into(),
        line_delay: Duration::ZERO,
    });
    let mut c = Client::ready(&srv).unwrap();
    c.send("SYST").unwrap();
    let err = c.read_reply().unwrap_err(); // our test client gives up at 4 MiB
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert!(c.buffered().starts_with(b"215-endless reply line"));
}

#[test]
fn f2_endless_reply_slow_stops_on_shutdown() {
    let mut srv = with(Fault::EndlessReply {
        command: GREETING.into(),
        line_delay: Duration::from_millis(30),
    });
    let tcp = tcp_connect(srv.explicit_addr()).unwrap();
    let mut reader = std::io::BufReader::new(tcp);
    let mut lines = Vec::new();
    let start = Instant::now();
    for _ in 0..4 {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
        lines.push(line);
    }
    assert!(start.elapsed() >= Duration::from_millis(80));
    assert!(lines.iter().all(|l| l.starts_with("220-")));
    let start = Instant::now();
    srv.shutdown();
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn f4_nul_in_reply() {
    let srv = with(Fault::NulInReply {
        command: "PWD".into(),
    });
    let mut c = Client::ready(&srv).unwrap();
    assert_eq!(
        c.cmd("PWD").unwrap().raw,
        b"257 \0\"/\" is the current directory\r\n"
    );
}

#[test]
fn f5_lf_only_lines_everywhere() {
    let srv = with(Fault::LfOnlyLines {
        command: EVERY_REPLY.into(),
    });
    let (mut c, greeting) = Client::connect_plain(&srv).unwrap();
    assert_eq!(greeting.raw, b"220 ftps-testserver ready.\n");
    let auth = c.cmd("AUTH TLS").unwrap();
    assert_eq!(auth.raw, b"234 Proceed with negotiation.\n");
    c.upgrade().unwrap();
    let feat = c.cmd("FEAT").unwrap();
    assert!(!feat.raw.contains(&b'\r') && feat.text().ends_with("211 End\n"));
}

#[test]
fn f5_unsolicited_reply_after_login() {
    let srv = with(Fault::Unsolicited(b"200 surprise\r\n".to_vec()));
    let mut c = Client::explicit(&srv).unwrap();
    c.login("ftpuser", "ftppass").unwrap();
    assert_eq!(c.cmd("PWD").unwrap().text(), "200 surprise\r\n");
    assert_eq!(c.read_reply().unwrap().code, 257);
}

#[test]
fn g4_slow_replies_trickle() {
    let srv = with(Fault::SlowReplies {
        delay_per_byte: Duration::from_millis(4),
    });
    let start = Instant::now();
    let tcp = tcp_connect(srv.explicit_addr()).unwrap();
    let mut tcp = tcp;
    let mut got = Vec::new();
    let mut reads = 0;
    while !got.ends_with(b"\r\n") {
        let mut buf = [0u8; 256];
        let n = tcp.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
        reads += 1;
    }
    assert_eq!(got, b"220 ftps-testserver ready.\r\n");
    assert!(reads > 5, "{reads} reads");
    assert!(start.elapsed() >= Duration::from_millis(90));
}

#[test]
fn g4_stall_after_n_commands() {
    let srv = with(Fault::Stall { after_commands: 3 });
    let mut c = Client::explicit(&srv).unwrap(); // AUTH is command 1
    c.login("ftpuser", "ftppass").unwrap(); // 2 and 3
    c.send("NOOP").unwrap();
    c.ctrl
        .tcp()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let err = c.read_reply().unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err}"
    );
    assert_eq!(srv.commands().last().unwrap(), "NOOP");
}

#[test]
fn f9_close_after_command() {
    let srv = with(Fault::CloseAfter("PWD".into()));
    let mut c = Client::ready(&srv).unwrap();
    assert_eq!(c.cmd("PWD").unwrap().code, 421);
    let err = c.read_reply().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
}

#[test]
fn f9_reset_after_command() {
    let srv = with(Fault::ResetAfter("PWD".into()));
    let mut c = Client::ready(&srv).unwrap();
    let err = c.cmd("PWD").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
}

fn port_from_227(text: &str) -> ([u8; 4], u16) {
    let inner = text.split('(').nth(1).unwrap().split(')').next().unwrap();
    let n: Vec<u16> = inner
        .split(',')
        .map(|x| x.trim().parse().unwrap())
        .collect();
    (
        [n[0] as u8, n[1] as u8, n[2] as u8, n[3] as u8],
        n[4] << 8 | n[5],
    )
}

#[test]
fn d1_227_advertises_a_foreign_address() {
    let srv = with(Fault::Pasv227Address([10, 0, 0, 1]));
    let mut c = Client::ready(&srv).unwrap();
    let r = c.cmd("PASV").unwrap();
    let (addr, port) = port_from_227(&r.text());
    assert_eq!(addr, [10, 0, 0, 1]);
    // The data port is really open on the control peer's address.
    let tcp = tcp_connect(SocketAddr::from(([127, 0, 0, 1], port))).unwrap();
    assert_eq!(c.cmd("RETR hello.txt").unwrap().code, 150);
    let mut data = c.secure(tcp).unwrap();
    assert_eq!(read_data(&mut data).0, b"hello\n");
    assert_eq!(c.read_reply().unwrap().code, 226);
}

#[test]
fn d1_227_points_to_a_canary() {
    let srv = with(Fault::PasvPointsToCanary);
    let mut c = Client::ready(&srv).unwrap();
    let r = c.cmd("PASV").unwrap();
    let (addr, port) = port_from_227(&r.text());
    assert_eq!(addr, [127, 0, 0, 2]);
    // A client trusting the 227 lands on the canary, which hangs up.
    let mut canary = tcp_connect(SocketAddr::from((addr, port))).unwrap();
    let real = tcp_connect(SocketAddr::from(([127, 0, 0, 1], port))).unwrap();
    assert_eq!(c.cmd("RETR hello.txt").unwrap().code, 150);
    let mut data = c.secure(real).unwrap();
    assert_eq!(read_data(&mut data).0, b"hello\n");
    assert_eq!(c.read_reply().unwrap().code, 226);
    assert_eq!(canary.read(&mut [0u8; 8]).unwrap_or(0), 0);
    assert_eq!(srv.canary_connections(), 1);
}

#[test]
fn d2_malformed_227_with_real_port() {
    let srv = with(Fault::MalformedPasv(
        b"227 Entering Passive Mode 127,0,0,1,{p1},{p2}\r\n".to_vec(),
    ));
    let mut c = Client::ready(&srv).unwrap();
    let text = c.cmd("PASV").unwrap().text();
    assert!(!text.contains('('));
    let nums: Vec<u16> = text
        .trim_end()
        .rsplit(' ')
        .next()
        .unwrap()
        .split(',')
        .map(|n| n.parse().unwrap())
        .collect();
    let tcp = tcp_connect(SocketAddr::from(([127, 0, 0, 1], nums[4] << 8 | nums[5]))).unwrap();
    assert_eq!(c.cmd("RETR hello.txt").unwrap().code, 150);
    assert_eq!(read_data(&mut c.secure(tcp).unwrap()).0, b"hello\n");
    assert_eq!(c.read_reply().unwrap().code, 226);

    let srv = with(Fault::MalformedPasv(
        b"227 Entering Passive Mode (127,0,0,1,300,70000)\r\n".to_vec(),
    ));
    let mut c = Client::ready(&srv).unwrap();
    assert!(c.cmd("PASV").unwrap().text().contains("300,70000"));
}

#[test]
fn d2_malformed_229() {
    let srv = with(Fault::MalformedEpsv(
        b"229 Entering Extended Passive Mode (|!|{port}|)\r\n".to_vec(),
    ));
    let mut c = Client::ready(&srv).unwrap();
    let text = c.cmd("EPSV").unwrap().text();
    assert!(text.contains("(|!|") && !text.contains("{port}"));
}

#[test]
fn d3_epsv_refused_pasv_works() {
    let srv = with(Fault::EpsvRefused);
    let mut c = Client::ready(&srv).unwrap();
    assert_eq!(c.cmd("EPSV").unwrap().code, 500);
    let (addr, port) = port_from_227(&c.cmd("PASV").unwrap().text());
    assert_eq!(addr, [127, 0, 0, 1]);
    let tcp = tcp_connect(SocketAddr::from((addr, port))).unwrap();
    assert_eq!(c.cmd("RETR hello.txt").unwrap().code, 150);
    assert_eq!(read_data(&mut c.secure(tcp).unwrap()).0, b"hello\n");
}
