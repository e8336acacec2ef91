//! Losing no data (docs/threats.md, classes G5 and G6): transfers verified with the
//! server's hash or size, atomic uploads, automatic resume after a lost connection;
//! against the project's own server and its faults.

mod common;

use std::path::Path;

use ftps_core::{Client, ConfigBuilder, Error, TransferOptions, Verify};
use ftps_testserver::{Fault, TestServer};

const USER: &str = ftps_testserver::DEFAULT_USER;
const PASS: &str = ftps_testserver::DEFAULT_PASSWORD;

fn cfg(srv: &TestServer) -> ConfigBuilder {
    common::testserver_config(srv)
}

fn login_with(b: ConfigBuilder) -> Client {
    let mut c = Client::connect(&b.build().unwrap()).expect("connect");
    c.login(USER, PASS).expect("login");
    c
}

fn login(srv: &TestServer) -> Client {
    login_with(cfg(srv))
}

/// Bytes that differ from one offset to the next, so that a resume at the wrong
/// place shows.
fn pattern(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn remote_names(c: &mut Client, dir: &str) -> Vec<String> {
    c.nlst(Some(dir.as_bytes()).filter(|d| !d.is_empty()))
        .unwrap()
        .into_iter()
        .map(|n| {
            let n = String::from_utf8_lossy(&n).into_owned();
            n.rsplit('/').next().unwrap().to_string()
        })
        .collect()
}

fn sent(srv: &TestServer, prefix: &str) -> Vec<String> {
    srv.commands()
        .into_iter()
        .filter(|c| c.starts_with(prefix))
        .collect()
}

// ---------------------------------------------------------------- G5: verification

#[test]
fn g5_a_download_is_verified_with_the_strongest_hash_the_server_offers() {
    let data = pattern(300_000);
    let srv = TestServer::builder().file("f.bin", &data).start().unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("f.bin");
    assert_eq!(
        c.download_file("f.bin", &local, false, None).unwrap(),
        300_000
    );
    assert_eq!(std::fs::read(&local).unwrap(), data);
    // FEAT said HASH SHA-256*;SHA-512;SHA-1: SHA-512 is selected, then asked for.
    assert_eq!(sent(&srv, "OPTS HASH"), ["OPTS HASH SHA-512"]);
    assert_eq!(sent(&srv, "HASH "), ["HASH f.bin"]);
    // Once selected, it stays selected for the session.
    let mut out = Vec::new();
    c.download("f.bin", &mut out, &mut TransferOptions::default())
        .unwrap();
    assert_eq!(sent(&srv, "OPTS HASH").len(), 1);
    assert_eq!(sent(&srv, "HASH ").len(), 2);
}

#[test]
fn g5_without_hash_the_older_x_commands_are_used() {
    let data = pattern(10_000);
    let srv = TestServer::builder()
        .hash(false)
        .file("f.bin", &data)
        .start()
        .unwrap();
    let mut c = login(&srv);
    let mut out = Vec::new();
    c.download("f.bin", &mut out, &mut TransferOptions::default())
        .unwrap();
    assert_eq!(out, data);
    assert_eq!(sent(&srv, "XSHA512"), ["XSHA512 f.bin"]);
    assert!(sent(&srv, "HASH").is_empty());
}

#[test]
fn g5_a_lying_hash_fails_the_download_and_the_target_is_not_replaced() {
    let srv = TestServer::builder()
        .file("f.bin", pattern(50_000))
        .fault(Fault::LyingHash)
        .start()
        .unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("f.bin");
    std::fs::write(&local, b"the old file").unwrap();
    match c.download_file("f.bin", &local, false, None) {
        Err(Error::Integrity {
            path,
            check,
            local: ours,
            remote: theirs,
        }) => {
            assert_eq!(path, "f.bin");
            assert_eq!(check, "SHA-512");
            assert_eq!(ours.len(), 128);
            assert_eq!(theirs.len(), 128);
            assert_ne!(ours, theirs);
        }
        other => panic!("expected an integrity error, got {other:?}"),
    }
    assert_eq!(std::fs::read(&local).unwrap(), b"the old file");
    assert_eq!(names_in(dir.path()), ["f.bin"]);
    // Not fatal: the session goes on.
    c.noop().unwrap();
}

#[test]
fn g5_a_lying_hash_fails_an_atomic_upload_and_its_temporary_file_is_deleted() {
    let srv = TestServer::builder()
        .dir("in")
        .fault(Fault::LyingHash)
        .start()
        .unwrap();
    let mut c = login_with(cfg(&srv).atomic_uploads(true));
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("up.bin");
    std::fs::write(&local, pattern(70_000)).unwrap();
    let r = c.upload_file(&local, "in/up.bin", false, None);
    assert!(
        matches!(
            r,
            Err(Error::Integrity {
                check: "SHA-512",
                ..
            })
        ),
        "{r:?}"
    );
    assert!(remote_names(&mut c, "in").is_empty(), "left on the server");
    assert!(srv.file("in/up.bin").is_none());
    assert!(c.left_behind().is_empty());
}

#[test]
fn g5_a_server_without_hashes_gets_its_size_compared() {
    let data = pattern(20_000);
    let srv = TestServer::builder()
        .hash(false)
        .xsha(false)
        .file("f.bin", &data)
        .start()
        .unwrap();
    let mut c = login(&srv);
    let mut out = Vec::new();
    c.download("f.bin", &mut out, &mut TransferOptions::default())
        .unwrap();
    assert_eq!(out, data);
    assert_eq!(sent(&srv, "SIZE"), ["SIZE f.bin"]);
    // Required: refused before anything is transferred.
    let before = sent(&srv, "RETR").len();
    let mut opts = TransferOptions {
        verify: Some(Verify::Required),
        ..TransferOptions::default()
    };
    let r = c.download("f.bin", &mut Vec::new(), &mut opts);
    match r {
        Err(e @ Error::Integrity { check: "none", .. }) => {
            assert!(e.to_string().contains("offers no hash"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sent(&srv, "RETR").len(), before);
    // Off: no check at all.
    let mut opts = TransferOptions {
        verify: Some(Verify::Off),
        ..TransferOptions::default()
    };
    c.download("f.bin", &mut Vec::new(), &mut opts).unwrap();
    assert_eq!(sent(&srv, "SIZE").len(), 1);
}

#[test]
fn g5_a_size_that_differs_fails_the_transfer() {
    let srv = TestServer::builder()
        .hash(false)
        .xsha(false)
        .file("f.bin", pattern(1000))
        .fault(Fault::reply_override("SIZE", b"213 999\r\n".to_vec()))
        .start()
        .unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("f.bin");
    match c.download_file("f.bin", &local, false, None) {
        Err(Error::Integrity {
            check: "size",
            local: ours,
            remote: theirs,
            ..
        }) => assert_eq!((ours.as_str(), theirs.as_str()), ("1000", "999")),
        other => panic!("{other:?}"),
    }
    assert!(!local.exists());
}

#[test]
fn g5_uploads_are_verified_too() {
    let srv = TestServer::builder().start().unwrap();
    let mut c = login(&srv);
    let data = pattern(123_456);
    c.upload(&mut &data[..], "up.bin", &mut TransferOptions::default())
        .unwrap();
    assert_eq!(srv.file("up.bin").unwrap(), data);
    assert_eq!(sent(&srv, "HASH "), ["HASH up.bin"]);
}

// ---------------------------------------------------------------- atomic uploads

#[test]
fn g5_an_atomic_upload_goes_to_a_hidden_temporary_name_then_onto_the_target() {
    let srv = TestServer::builder()
        .file("in/report.csv", b"old")
        .start()
        .unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("report.csv");
    let data = pattern(40_000);
    std::fs::write(&local, &data).unwrap();
    let mut opts = TransferOptions {
        atomic: Some(true),
        ..TransferOptions::default()
    };
    c.upload_file_with(&local, "in/report.csv", &mut opts)
        .unwrap();
    assert_eq!(srv.file("in/report.csv").unwrap(), data);
    let stor = sent(&srv, "STOR");
    assert_eq!(stor.len(), 1);
    let temp = stor[0].strip_prefix("STOR ").unwrap();
    assert!(temp.starts_with("in/.report.csv.ftps-part."), "{temp}");
    assert_eq!(sent(&srv, "HASH "), [format!("HASH {temp}")]);
    assert_eq!(sent(&srv, "RNFR"), [format!("RNFR {temp}")]);
    assert_eq!(sent(&srv, "RNTO"), ["RNTO in/report.csv"]);
    assert_eq!(remote_names(&mut c, "in"), ["report.csv"]);
}

#[test]
fn g5_a_server_that_will_not_rename_onto_a_file_gets_it_deleted_first() {
    let srv = TestServer::builder()
        .file("t.txt", b"old")
        .fault(Fault::NoRenameOntoExisting)
        .start()
        .unwrap();
    let mut c = login_with(cfg(&srv).atomic_uploads(true));
    c.upload(
        &mut &b"new contents"[..],
        "t.txt",
        &mut TransferOptions::default(),
    )
    .unwrap();
    assert_eq!(srv.file("t.txt").unwrap(), b"new contents");
    assert_eq!(sent(&srv, "DELE"), ["DELE t.txt"]);
    assert_eq!(sent(&srv, "RNTO").len(), 2);
    assert_eq!(remote_names(&mut c, ""), ["t.txt"]);
}

#[test]
fn g5_a_failed_atomic_upload_leaves_neither_a_partial_target_nor_a_temporary_file() {
    // Every upload is cut after 1000 bytes and no resume is allowed.
    let srv = TestServer::builder()
        .file("t.bin", b"old")
        .fault(Fault::CutData {
            after: 1000,
            every: 1,
        })
        .start()
        .unwrap();
    let mut c = login_with(cfg(&srv).atomic_uploads(true).resume_attempts(0));
    let data = pattern(50_000);
    let r = c.upload(&mut &data[..], "t.bin", &mut TransferOptions::default());
    assert!(r.is_err(), "{r:?}");
    assert_eq!(srv.file("t.bin").unwrap(), b"old");
    assert_eq!(remote_names(&mut c, ""), ["t.bin"]);
}

// ---------------------------------------------------------------- G6: automatic resume

#[test]
fn g6_a_download_cut_mid_transfer_is_resumed_and_verified() {
    let data = pattern(1_000_000);
    let srv = TestServer::builder()
        .file("f.bin", &data)
        .fault(Fault::CutDataOnce(400_000))
        .start()
        .unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("f.bin");
    let mut calls = Vec::new();
    let mut progress = |done: u64, total: Option<u64>| {
        calls.push((done, total));
        true
    };
    let n = c
        .download_file("f.bin", &local, false, Some(&mut progress))
        .unwrap();
    assert_eq!(n, 1_000_000);
    assert_eq!(std::fs::read(&local).unwrap(), data);
    assert_eq!(srv.cuts(), 1);
    let rest = sent(&srv, "REST");
    assert_eq!(rest.len(), 1, "{rest:?}");
    let at: u64 = rest[0][5..].parse().unwrap();
    assert!(at > 0 && at <= 400_000, "{at}");
    // The progress callback saw the resume: a call that did not move on, then the rest.
    assert!(calls.contains(&(at, None)), "{calls:?}");
    assert_eq!(calls.last(), Some(&(1_000_000, Some(1_000_000))));
    assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0), "{calls:?}");
    let stats = c.session_stats();
    assert_eq!((stats.resumes, stats.reconnects), (1, 0));
}

#[test]
fn g6_a_lost_session_reconnects_logs_in_again_and_resumes_in_the_same_directory() {
    let data = pattern(1_000_000);
    let srv = TestServer::builder()
        .file("sub/f.bin", &data)
        .fault(Fault::DropSessionMidTransfer {
            after: 200_000,
            every: 1,
        })
        .start()
        .unwrap();
    let mut c = login(&srv);
    c.cwd("sub").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("f.bin");
    // Every attempt is cut after 200 kB, so four attempts are not enough...
    let r = c.download_file("f.bin", &local, false, None);
    assert!(r.is_err(), "{r:?}");
    assert!(!local.exists());
    assert_eq!(c.session_stats().resumes, 3);
    assert_eq!(sent(&srv, "PASS").len(), 4);
    assert_eq!(sent(&srv, "CWD").len(), 4);
    // ...but they went on where the last one stopped.
    let rest: Vec<u64> = sent(&srv, "REST")
        .iter()
        .map(|r| r[5..].parse().unwrap())
        .collect();
    assert_eq!(rest, [200_000, 400_000, 600_000]);
    // The next call reconnects the lost session first, and with one more attempt the
    // file arrives whole, and verified: 3 + 1 + 4 reconnects in all.
    let mut opts = TransferOptions {
        resume_attempts: Some(4),
        ..TransferOptions::default()
    };
    c.download_file_with("f.bin", &local, &mut opts).unwrap();
    assert_eq!(std::fs::read(&local).unwrap(), data);
    assert_eq!(c.session_stats().reconnects, 8);
}

#[test]
fn g6_an_upload_cut_mid_transfer_goes_on_with_rest_stor() {
    let srv = TestServer::builder()
        .fault(Fault::CutDataOnce(300_000))
        .start()
        .unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("up.bin");
    let data = pattern(900_000);
    std::fs::write(&local, &data).unwrap();
    assert_eq!(
        c.upload_file(&local, "up.bin", false, None).unwrap(),
        900_000
    );
    assert_eq!(srv.file("up.bin").unwrap(), data);
    assert_eq!(srv.cuts(), 1);
    assert_eq!(sent(&srv, "REST"), ["REST 300000"]);
    assert_eq!(sent(&srv, "STOR").len(), 2);
}

#[test]
fn g6_the_streaming_calls_and_resume_attempts_0_do_not_resume() {
    let data = pattern(200_000);
    let srv = TestServer::builder()
        .file("f.bin", &data)
        .fault(Fault::CutDataOnce(50_000))
        .start()
        .unwrap();
    let mut c = login_with(cfg(&srv).resume_attempts(0));
    let r = c.download("f.bin", &mut Vec::new(), &mut TransferOptions::default());
    assert!(r.is_err(), "{r:?}");
    assert!(sent(&srv, "REST").is_empty());
    assert_eq!(c.session_stats().resumes, 0);
}

/// The acceptance run: every second data connection cut mid-transfer; a download, an
/// upload and a download again of a large file (1 GiB, or `FTPS_BIG_MIB`) each end
/// byte-exact and verified.
#[test]
fn g6_every_second_data_connection_cut_large_files_still_arrive_whole() {
    let mib: usize = std::env::var("FTPS_BIG_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let len = mib << 20;
    let data = pattern(len);
    let srv = TestServer::builder()
        .file("big.bin", &data)
        .fault(Fault::CutData {
            after: (len / 3) as u64,
            every: 2,
        })
        .start()
        .unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("big.bin");
    // 1st data connection: whole.
    assert_eq!(
        c.download_file("big.bin", &local, false, None).unwrap(),
        len as u64
    );
    // 2nd cut, 3rd resumes.
    assert_eq!(
        c.upload_file(&local, "up.bin", false, None).unwrap(),
        len as u64
    );
    // 4th cut, 5th resumes.
    let back = dir.path().join("back.bin");
    assert_eq!(
        c.download_file("up.bin", &back, false, None).unwrap(),
        len as u64
    );
    assert_eq!(srv.cuts(), 2);
    assert_eq!(c.session_stats().resumes, 2);
    assert_eq!(sent(&srv, "HASH ").len(), 3);
    assert!(
        std::fs::read(&back).unwrap() == data,
        "the file came back different"
    );
    drop(data);
    assert!(srv.file("up.bin").unwrap() == std::fs::read(&local).unwrap());
}
