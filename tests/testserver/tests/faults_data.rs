//! Each data-connection fault really misbehaves (classes F5, F9, G1, G3, G4 on data).

mod common;

use std::io::{ErrorKind, Read};
use std::time::{Duration, Instant};

use common::*;
use ftps_testserver::{Fault, TestServer};

fn with(faults: &[Fault], contents: &[u8]) -> TestServer {
    TestServer::builder()
        .file("f", contents)
        .faults(faults.iter().cloned())
        .start()
        .unwrap()
}

#[test]
fn f5_150_and_226_in_one_segment() {
    let srv = with(&[Fault::Reply150And226Together], b"hello\n");
    let mut c = Client::ready(&srv).unwrap();
    let tcp = c.epsv_connect().unwrap();
    let r = c.cmd("RETR f").unwrap();
    assert_eq!(r.code, 150);
    assert!(
        c.buffered().starts_with(b"226 "),
        "226 must have come with the 150"
    );
    let mut data = c.secure(tcp).unwrap();
    assert_eq!(read_data(&mut data), (b"hello\n".to_vec(), true));
    assert_eq!(c.read_reply().unwrap().code, 226);
    assert_eq!(c.cmd("NOOP").unwrap().code, 200); // nothing else was sent
}

#[test]
fn f5_226_before_the_data_ends() {
    let body = pattern(64 * 1024);
    let srv = with(&[Fault::Early226], &body);
    let mut c = Client::ready(&srv).unwrap();
    let (_, mut data) = c.open_transfer("RETR f").unwrap();
    let mut first = vec![0u8; 1000];
    data.read_exact(&mut first).unwrap(); // handshake done, data flowing
    assert_eq!(c.read_reply().unwrap().code, 226); // before we read the rest
    let (rest, clean) = read_data(&mut data);
    assert!(clean);
    assert_eq!([first, rest].concat(), body);
    eventually("data log", || srv.sessions()[0].data.len() == 1);
    assert_eq!(srv.sessions()[0].data[0].bytes, body.len() as u64);
}

#[test]
fn g1_data_ends_without_close_notify() {
    let srv = with(&[Fault::DataNoCloseNotify], b"hello\n");
    let mut c = Client::ready(&srv).unwrap();
    let (bytes, clean, done) = c.retr("RETR f").unwrap();
    assert_eq!(
        (bytes.as_slice(), clean, done.code),
        (&b"hello\n"[..], false, 226)
    );
}

#[test]
fn g1_truncated_download_then_226() {
    let srv = with(&[Fault::TruncateAfter(3)], b"hello\n");
    let mut c = Client::ready(&srv).unwrap();
    let (bytes, clean, done) = c.retr("RETR f").unwrap();
    assert_eq!(
        (bytes.as_slice(), clean, done.code),
        (&b"hel"[..], false, 226)
    );
    assert_eq!(srv.sessions()[0].data[0].bytes, 3);
}

#[test]
fn f9_rst_instead_of_fin() {
    let body = pattern(256 * 1024);
    let srv = with(
        &[Fault::RstInsteadOfFin, Fault::TruncateAfter(100_000)],
        &body,
    );
    let mut c = Client::ready(&srv).unwrap();
    let (_, mut data) = c.open_transfer("RETR f").unwrap();
    std::thread::sleep(Duration::from_millis(200)); // let the RST overtake unread data
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0;
    let err = loop {
        match data.read(&mut buf) {
            Ok(0) => panic!("clean end despite RST"),
            Ok(n) => total += n,
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
    assert!(total < body.len());
    assert_eq!(c.read_reply().unwrap().code, 226);
}

#[test]
fn g3_no_data_connection_then_425() {
    let srv = with(
        &[Fault::NoDataConnection {
            reply_after: Some(Duration::from_millis(300)),
        }],
        b"x",
    );
    let mut c = Client::ready(&srv).unwrap();
    let mut tcp = c.epsv_connect().unwrap(); // the kernel completes the TCP handshake ...
    let start = Instant::now();
    assert_eq!(c.cmd("RETR f").unwrap().code, 150);
    tcp.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let err = tcp.read(&mut [0u8; 16]).unwrap_err(); // ... but nobody ever answers on it
    assert!(matches!(
        err.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut
    ));
    assert_eq!(c.read_reply().unwrap().code, 425);
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert!(srv.sessions()[0].data.is_empty());
}

#[test]
fn g3_no_data_connection_and_no_reply() {
    let srv = with(&[Fault::NoDataConnection { reply_after: None }], b"x");
    let mut c = Client::ready(&srv).unwrap();
    let _tcp = c.epsv_connect().unwrap();
    assert_eq!(c.cmd("RETR f").unwrap().code, 150);
    c.ctrl
        .tcp()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let err = c.read_reply().unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut
    ));
}

#[test]
fn g3_no_data_connection_in_active_mode() {
    let srv = with(
        &[Fault::NoDataConnection {
            reply_after: Some(Duration::from_millis(200)),
        }],
        b"x",
    );
    let mut c = Client::ready(&srv).unwrap();
    let (listener, addr) = active_listener();
    assert_eq!(
        c.cmd(&format!("EPRT |1|127.0.0.1|{}|", addr.port()))
            .unwrap()
            .code,
        200
    );
    assert_eq!(c.cmd("RETR f").unwrap().code, 150);
    assert_eq!(c.read_reply().unwrap().code, 425);
    assert!(accept_within(&listener, Duration::from_millis(100)).is_err());
}

#[test]
fn g3_425_instead_of_150() {
    let srv = with(&[Fault::Reply425InsteadOf150], b"x");
    let mut c = Client::ready(&srv).unwrap();
    let _tcp = c.epsv_connect().unwrap();
    assert_eq!(c.cmd("RETR f").unwrap().code, 425);
    assert_eq!(c.cmd("NOOP").unwrap().code, 200);
}

#[test]
fn g3_421_instead_of_150() {
    let srv = with(&[Fault::Reply421InsteadOf150], b"x");
    let mut c = Client::ready(&srv).unwrap();
    let _tcp = c.epsv_connect().unwrap();
    assert_eq!(c.cmd("LIST").unwrap().code, 421);
    assert_eq!(c.read_reply().unwrap_err().kind(), ErrorKind::UnexpectedEof);
}

#[test]
fn g4_slow_data() {
    let body = pattern(5000);
    let srv = with(
        &[Fault::SlowData {
            chunk_size: 1000,
            delay_per_chunk: Duration::from_millis(40),
        }],
        &body,
    );
    let mut c = Client::ready(&srv).unwrap();
    let start = Instant::now();
    let (bytes, clean, done) = c.retr("RETR f").unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(160),
        "{:?}",
        start.elapsed()
    );
    assert_eq!((bytes, clean, done.code), (body, true, 226));
}

#[test]
fn h5_listing_body_replaces_the_listing() {
    let hostile = b"-rw-r--r-- 1 u g 5 Jan 1 2020 ../../etc/passwd\r\nlrwxrwxrwx 1 u g 5 Jan 1 2020 l -> /\r\ntrunc".to_vec();
    let srv = with(
        &[Fault::ListingBody {
            command: "LIST".into(),
            body: hostile.clone(),
        }],
        b"x",
    );
    let mut c = Client::ready(&srv).unwrap();
    let (bytes, clean, done) = c.retr("LIST").unwrap();
    assert_eq!((bytes, clean, done.code), (hostile, true, 226));
    let (nlst, _, _) = c.retr("NLST").unwrap(); // other listings are real
    assert_eq!(nlst, b"f\r\n");
}

/// `REST 40` + `RETR` of a 100-byte file: the `150` text and the bytes that came.
fn retr_at_40(srv: &TestServer) -> (String, Vec<u8>, bool) {
    Client::ready(srv).unwrap().retr_at(40, "RETR f")
}

#[test]
fn g1_150_after_rest_announces_the_bytes_to_come_by_default() {
    let body = pattern(100);
    let srv = with(&[], &body);
    let (opening, bytes, clean) = retr_at_40(&srv);
    assert!(opening.contains("(60 bytes)"), "{opening}");
    assert_eq!((bytes, clean), (body[40..].to_vec(), true));
}

#[test]
fn g1_announce_150_whole_announces_the_file_size_after_rest() {
    let body = pattern(100);
    let srv = with(&[Fault::Announce150Whole], &body);
    let (opening, bytes, clean) = retr_at_40(&srv);
    assert!(opening.contains("(100 bytes)"), "{opening}");
    assert_eq!((bytes, clean), (body[40..].to_vec(), true));
    // Without REST both ways announce the same.
    let mut c = Client::ready(&srv).unwrap();
    let (opening, mut data) = c.open_transfer("RETR f").unwrap();
    assert!(opening.text().contains("(100 bytes)"), "{}", opening.text());
    assert_eq!(read_data(&mut data), (body, true));
}

#[test]
fn g1_truncate_after_counts_from_the_rest_offset_with_the_whole_size_announced() {
    let body = pattern(100);
    let srv = with(&[Fault::Announce150Whole, Fault::TruncateAfter(20)], &body);
    let (opening, bytes, clean) = retr_at_40(&srv);
    assert!(opening.contains("(100 bytes)"), "{opening}");
    assert_eq!((bytes, clean), (body[40..60].to_vec(), false));
}
