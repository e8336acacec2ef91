//! Several sessions at once: batches over a pool of sessions and segmented downloads
//! (docs/threats.md, class P1), against the project's own server.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::pattern;
use ftps_core::{BatchProgress, Client, ConfigBuilder, Error, Job, TransferType};
use ftps_testserver::{Builder, Fault, TestServer};

const USER: &str = ftps_testserver::DEFAULT_USER;
const PASS: &str = ftps_testserver::DEFAULT_PASSWORD;
const MIB: usize = 1 << 20;

fn cfg(srv: &TestServer) -> ConfigBuilder {
    common::testserver_config(srv)
}

fn login_as(srv: &TestServer, user: &str) -> Client {
    let mut c = Client::connect(&cfg(srv).build().unwrap()).expect("connect");
    c.login(user, PASS).expect("login");
    c
}

fn login(srv: &TestServer) -> Client {
    login_as(srv, USER)
}

fn count(srv: &TestServer, prefix: &str) -> usize {
    srv.commands()
        .iter()
        .filter(|c| c.starts_with(prefix))
        .count()
}

fn with_files(mut b: Builder, n: usize) -> Builder {
    for i in 0..n {
        b = b.file(format!("many/f{i:03}.bin"), pattern(4096 + i, i as u64));
    }
    b
}

#[test]
fn p1_batch_of_100_downloads_over_4_sessions_one_missing_is_one_error_and_99_exact_files() {
    let srv = with_files(TestServer::builder(), 99).start().unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let mut jobs: Vec<Job> = (0..99)
        .map(|i| {
            Job::download(
                format!("many/f{i:03}.bin"),
                dir.path().join(format!("f{i:03}")),
            )
        })
        .collect();
    jobs.insert(
        42,
        Job::download("many/missing.bin", dir.path().join("missing")),
    );
    let report = c.run_batch(&jobs, 4, None);
    assert_eq!(report.results.len(), 100);
    assert_eq!(report.failed(), 1);
    match &report.results[42] {
        Err(Error::Reply { reply, .. }) => assert_eq!(reply.code(), 550),
        other => panic!("{other:?}"),
    }
    assert!(!dir.path().join("missing").exists());
    for (k, r) in report.results.iter().enumerate().filter(|(k, _)| *k != 42) {
        let i = if k < 42 { k } else { k - 1 };
        assert_eq!(*r.as_ref().unwrap(), 4096 + i as u64);
        let got = std::fs::read(dir.path().join(format!("f{i:03}"))).unwrap();
        assert!(got == pattern(4096 + i, i as u64), "f{i:03}");
    }
    // This session and at most three more, each logged in once.
    let logins = count(&srv, "PASS");
    assert!((2..=4).contains(&logins), "{logins} logins");
    assert_eq!(report.sessions, logins);
    assert!(report.not_opened.is_empty(), "{:?}", report.not_opened);
    // The further sessions said goodbye; this one is still usable.
    assert_eq!(count(&srv, "QUIT"), logins - 1);
    c.noop().unwrap();
}

#[test]
fn p1_batch_of_uploads_over_several_sessions_arrives_whole_and_verified() {
    let srv = TestServer::builder().dir("up").start().unwrap();
    let mut c = login(&srv);
    c.cwd("up").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let jobs: Vec<Job> = (0..20)
        .map(|i| {
            let p = dir.path().join(format!("u{i}"));
            std::fs::write(&p, pattern(50_000 + i, 100 + i as u64)).unwrap();
            Job::upload(p, format!("u{i}.bin"))
        })
        .collect();
    let report = c.run_batch(&jobs, 3, None);
    assert_eq!(report.failed(), 0, "{:?}", report.results);
    for i in 0..20 {
        // The further sessions went to the same directory as this one.
        let got = srv.file(format!("up/u{i}.bin")).unwrap();
        assert!(got == pattern(50_000 + i, 100 + i as u64), "u{i}");
    }
    // Every upload was checked with the server's hash.
    assert_eq!(count(&srv, "HASH "), 20);
}

#[test]
fn p1_batch_progress_counts_the_whole_batch_and_can_cancel_it() {
    let srv = with_files(TestServer::builder(), 30).start().unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let jobs: Vec<Job> = (0..30)
        .map(|i| {
            Job::download(
                format!("many/f{i:03}.bin"),
                dir.path().join(format!("f{i}")),
            )
        })
        .collect();
    let total: u64 = (0..30).map(|i| 4096 + i as u64).sum();
    let last = std::sync::Mutex::new(BatchProgress::default());
    let seen = |p: &BatchProgress| {
        let mut l = last.lock().unwrap();
        assert!(
            p.bytes >= l.bytes && p.done >= l.done,
            "went back: {p:?} after {l:?}"
        );
        *l = *p;
        true
    };
    let report = c.run_batch(&jobs, 2, Some(&seen));
    assert_eq!(report.failed(), 0);
    let end = *last.lock().unwrap();
    assert_eq!(
        (end.total, end.done, end.failed, end.bytes),
        (30, 30, 0, total)
    );

    // Cancelled once 5 jobs are done: the rest end with Cancelled, nothing half-written.
    let dir = tempfile::tempdir().unwrap();
    let jobs: Vec<Job> = (0..30)
        .map(|i| {
            Job::download(
                format!("many/f{i:03}.bin"),
                dir.path().join(format!("f{i}")),
            )
        })
        .collect();
    let stop = |p: &BatchProgress| p.done < 5;
    let report = c.run_batch(&jobs, 2, Some(&stop));
    let done = report.results.iter().filter(|r| r.is_ok()).count();
    assert!((5..30).contains(&done), "{done} done");
    assert!(
        report
            .results
            .iter()
            .all(|r| matches!(r, Ok(_) | Err(Error::Cancelled)))
    );
    let written = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(written, done, "only the finished files are there");
    c.noop().unwrap();
}

#[test]
fn p1_batch_before_login_or_with_one_session_runs_on_this_session_only() {
    let srv = with_files(TestServer::builder(), 5).start().unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let jobs: Vec<Job> = (0..5)
        .map(|i| {
            Job::download(
                format!("many/f{i:03}.bin"),
                dir.path().join(format!("f{i}")),
            )
        })
        .collect();
    let report = c.run_batch(&jobs, 1, None);
    assert_eq!((report.failed(), report.sessions), (0, 1));
    assert_eq!(count(&srv, "PASS"), 1);
    // Not logged in: no further session can be opened; the jobs fail on this one.
    let mut bare = Client::connect(&cfg(&srv).build().unwrap()).unwrap();
    let report = bare.run_batch(&jobs, 4, None);
    assert_eq!(report.failed(), 5);
    assert_eq!(report.sessions, 1);
}

#[test]
fn p2_segmented_download_is_byte_exact_and_verified_as_a_whole() {
    let data = pattern(40 * MIB + 12_345, 7);
    let srv = TestServer::builder()
        .file("big.bin", &data)
        .start()
        .unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("big.bin");
    let moved = AtomicUsize::new(0);
    let tick = |p: &BatchProgress| {
        moved.store(p.bytes as usize, Ordering::SeqCst);
        true
    };
    let n = c
        .download_segmented("big.bin", &local, 8, Some(&tick))
        .unwrap();
    assert_eq!(n, data.len() as u64);
    assert!(std::fs::read(&local).unwrap() == data, "not byte-exact");
    assert_eq!(moved.load(Ordering::SeqCst), data.len());
    // Eight ranges, each from its own offset, in up to eight sessions; then the hash
    // of the whole file.
    assert_eq!(count(&srv, "RETR big.bin"), 8);
    assert_eq!(count(&srv, "REST "), 7, "{:?}", srv.commands());
    assert_eq!(count(&srv, "ABOR"), 7);
    assert_eq!(count(&srv, "HASH big.bin"), 1);
    assert!(
        (2..=8).contains(&count(&srv, "PASS")),
        "sessions: {}",
        count(&srv, "PASS")
    );
    // No temporary file is left.
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1);
}

#[test]
fn p2_segmented_download_resumes_a_cut_range_and_refuses_a_lying_hash() {
    let data = pattern(16 * MIB + 3, 8);
    let srv = TestServer::builder()
        .file("big.bin", &data)
        .fault_user("cut", PASS, [Fault::CutDataOnce(1_000_003)])
        .fault_user("liar", PASS, [Fault::LyingHash])
        .start()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("big.bin");
    let mut c = login_as(&srv, "cut");
    assert_eq!(
        c.download_segmented("big.bin", &local, 4, None).unwrap(),
        data.len() as u64
    );
    assert!(
        std::fs::read(&local).unwrap() == data,
        "not byte-exact after the cut"
    );
    assert_eq!(srv.cuts(), 1);

    // The server's hash disagrees: an integrity error, and the local file stays as it was.
    std::fs::write(&local, b"the old one").unwrap();
    let mut c = login_as(&srv, "liar");
    match c.download_segmented("big.bin", &local, 4, None) {
        Err(Error::Integrity { check, .. }) => assert_eq!(check, "SHA-512"),
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::read(&local).unwrap(), b"the old one");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "temporary file left"
    );
}

#[test]
fn p2_small_file_or_one_segment_is_a_plain_download() {
    let data = pattern(MIB, 9);
    let srv = TestServer::builder()
        .file("small.bin", &data)
        .start()
        .unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("small.bin");
    assert_eq!(
        c.download_segmented("small.bin", &local, 8, None).unwrap(),
        MIB as u64
    );
    assert!(std::fs::read(&local).unwrap() == data);
    assert_eq!(count(&srv, "RETR small.bin"), 1);
    assert_eq!(count(&srv, "REST "), 0);
    assert_eq!(count(&srv, "PASS"), 1);

    // ASCII mode: the server's offsets are of its own line endings, so no ranges.
    let text = b"line\n".repeat(2 * MIB);
    let srv = TestServer::builder().file("t.txt", &text).start().unwrap();
    let mut c = Client::connect(
        &cfg(&srv)
            .transfer_type(TransferType::Ascii)
            .build()
            .unwrap(),
    )
    .unwrap();
    c.login(USER, PASS).unwrap();
    c.download_segmented("t.txt", dir.path().join("t.txt"), 8, None)
        .unwrap();
    assert_eq!(count(&srv, "RETR t.txt"), 1);
    assert_eq!(count(&srv, "REST "), 0);
    assert_eq!(count(&srv, "PASS"), 1);
}

/// The first `n` files of [`with_files`] downloaded in one batch over `sessions`.
fn download_all(
    srv: &TestServer,
    n: usize,
    sessions: usize,
) -> (tempfile::TempDir, ftps_core::BatchReport) {
    let mut c = login(srv);
    let dir = tempfile::tempdir().unwrap();
    let jobs: Vec<Job> = (0..n)
        .map(|i| {
            Job::download(
                format!("many/f{i:03}.bin"),
                dir.path().join(format!("f{i}")),
            )
        })
        .collect();
    let report = c.run_batch(&jobs, sessions, None);
    (dir, report)
}

#[test]
fn p1_batch_shrinks_when_the_server_limits_sessions_per_user() {
    // ProFTPD's MaxClientsPerUser 2: the third login of the user gets 530.
    let srv = with_files(TestServer::builder(), 20)
        .max_sessions_per_user(2)
        .start()
        .unwrap();
    let (dir, report) = download_all(&srv, 20, 8);
    assert_eq!(report.failed(), 0, "{:?}", report.results);
    assert!(report.sessions <= 2, "{} sessions", report.sessions);
    assert!(!report.not_opened.is_empty());
    for e in &report.not_opened {
        assert_eq!(e.reply().map(|r| r.code()), Some(530), "{e:?}");
    }
    for i in 0..20 {
        let got = std::fs::read(dir.path().join(format!("f{i}"))).unwrap();
        assert!(got == pattern(4096 + i, i as u64), "f{i}");
    }
}

#[test]
fn p1_batch_shrinks_when_the_server_limits_connections() {
    // vsftpd's max_clients 1: any further connection gets 421 and is closed.
    let srv = with_files(TestServer::builder(), 10)
        .max_clients(1)
        .start()
        .unwrap();
    let (_dir, report) = download_all(&srv, 10, 4);
    assert_eq!(report.failed(), 0, "{:?}", report.results);
    assert_eq!(report.sessions, 1);
    assert!(
        report
            .not_opened
            .iter()
            .all(|e| e.reply().map(|r| r.code()) == Some(421)),
        "{:?}",
        report.not_opened
    );
    assert!(!report.not_opened.is_empty());
}
