//! Fewer round trips per file (docs/threats.md, class P3): the commands that follow a
//! transfer (its check, the next `EPSV` of a batch) go out as soon as the data
//! connection is closed on both sides, before the transfer's final reply, where the
//! server is known to read ahead; and a server that refuses them gets each again.

mod common;

use std::sync::{Arc, Mutex};

use common::pattern;
use ftps_core::{Client, ConfigBuilder, Direction, Job, Pipelining, Transcript};
use ftps_testserver::{Builder, Fault, GREETING, TestServer};

const USER: &str = ftps_testserver::DEFAULT_USER;
const PASS: &str = ftps_testserver::DEFAULT_PASSWORD;
const FILES: usize = 12;

fn cfg(srv: &TestServer) -> ConfigBuilder {
    common::testserver_config(srv)
}

type Notes = Arc<Mutex<Vec<String>>>;

/// A transcript that keeps the client's notes.
fn noting() -> (Transcript, Notes) {
    let notes = Notes::default();
    let sink = notes.clone();
    let t: Transcript = Box::new(move |d, line| {
        if d == Direction::Info {
            sink.lock()
                .unwrap()
                .push(String::from_utf8_lossy(line).into_owned());
        }
    });
    (t, notes)
}

/// A logged-in client whose transcript notes are collected.
fn login(b: ConfigBuilder, user: &str) -> (Client, Notes) {
    let mut c = Client::connect(&b.build().unwrap()).expect("connect");
    c.login(user, PASS).expect("login");
    let (t, notes) = noting();
    c.set_transcript(Some(t));
    (c, notes)
}

fn sent_ahead(notes: &Mutex<Vec<String>>, verb: &str) -> usize {
    let prefix = format!("{verb} ");
    let bare = format!("{verb} was sent ahead");
    notes
        .lock()
        .unwrap()
        .iter()
        .filter(|n| {
            n.contains("was sent ahead") && (n.starts_with(&prefix) || n.starts_with(&bare))
        })
        .count()
}

fn content(i: usize) -> Vec<u8> {
    pattern(3000 + 7 * i, i as u64)
}

fn with_files(mut b: Builder) -> Builder {
    for i in 0..FILES {
        b = b.file(format!("d/f{i:02}"), content(i));
    }
    b
}

fn downloads(dir: &std::path::Path) -> Vec<Job> {
    (0..FILES)
        .map(|i| Job::download(format!("d/f{i:02}"), dir.join(format!("f{i:02}"))))
        .collect()
}

fn assert_downloaded(dir: &std::path::Path) {
    for i in 0..FILES {
        let got = std::fs::read(dir.join(format!("f{i:02}"))).unwrap();
        assert!(got == content(i), "file {i} differs");
    }
}

#[test]
fn p3_a_batch_in_one_session_sends_each_check_and_the_next_epsv_ahead_and_every_file_is_exact() {
    let srv = with_files(TestServer::builder()).start().unwrap();
    let (mut c, notes) = login(cfg(&srv), USER);
    assert!(
        c.pipelining(),
        "the test server's greeting names a server that reads ahead"
    );
    let dir = tempfile::tempdir().unwrap();
    let report = c.run_batch(&downloads(dir.path()), 1, None);
    assert_eq!(report.failed(), 0, "{:?}", report.results);
    assert_downloaded(dir.path());
    // Each file's hash went ahead of its 226, each next EPSV too: no EPSV was wasted.
    assert_eq!(sent_ahead(&notes, "HASH"), FILES);
    assert_eq!(sent_ahead(&notes, "EPSV"), FILES - 1);
    assert_eq!(
        srv.commands().iter().filter(|c| *c == "EPSV").count(),
        FILES
    );
    assert!(c.pipelining());

    // Uploads: the same, byte-exact on the server.
    let jobs: Vec<Job> = (0..FILES)
        .map(|i| Job::upload(dir.path().join(format!("f{i:02}")), format!("d/g{i:02}")))
        .collect();
    notes.lock().unwrap().clear();
    let report = c.run_batch(&jobs, 1, None);
    assert_eq!(report.failed(), 0, "{:?}", report.results);
    for i in 0..FILES {
        assert!(srv.file(format!("d/g{i:02}")).unwrap() == content(i));
    }
    assert_eq!(sent_ahead(&notes, "HASH"), FILES);
    assert_eq!(sent_ahead(&notes, "EPSV"), FILES - 1);
}

#[test]
fn p3_a_single_download_sends_its_size_check_ahead_and_pipelining_off_sends_nothing_ahead() {
    let srv = with_files(TestServer::builder().hash(false).xsha(false))
        .start()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (mut c, notes) = login(cfg(&srv), USER);
    let n = c
        .download_file("d/f03", dir.path().join("f03"), false, None)
        .unwrap();
    assert_eq!(n, content(3).len() as u64);
    assert_eq!(std::fs::read(dir.path().join("f03")).unwrap(), content(3));
    // Without HASH (and XSHA*), the check is SIZE: sent ahead; no batch, no EPSV ahead.
    assert_eq!(sent_ahead(&notes, "SIZE"), 1);
    assert_eq!(sent_ahead(&notes, "EPSV"), 0);

    let (mut c, notes) = login(cfg(&srv).pipelining(Pipelining::Off), USER);
    assert!(!c.pipelining());
    let report = c.run_batch(&downloads(dir.path()), 1, None);
    assert_eq!(report.failed(), 0, "{:?}", report.results);
    assert_downloaded(dir.path());
    assert!(
        !notes
            .lock()
            .unwrap()
            .iter()
            .any(|n| n.contains("sent ahead")),
        "{:?}",
        notes.lock().unwrap()
    );
}

#[test]
fn p3_a_server_that_refuses_commands_during_a_transfer_gets_each_again_and_pipelining_stops() {
    let srv = with_files(TestServer::builder())
        .fault_user("busy", PASS, [Fault::BusyUntilFinal])
        .start()
        .unwrap();
    let (mut c, notes) = login(cfg(&srv), "busy");
    assert!(c.pipelining());
    let dir = tempfile::tempdir().unwrap();
    let report = c.run_batch(&downloads(dir.path()), 1, None);
    assert_eq!(report.failed(), 0, "{:?}", report.results);
    assert_downloaded(dir.path());
    // The first transfer's commands sent ahead were refused (450), sent again, and
    // nothing went ahead after that.
    assert!(!c.pipelining());
    assert!(
        notes
            .lock()
            .unwrap()
            .iter()
            .any(|n| n.contains("did not take the commands sent ahead")),
        "{:?}",
        notes.lock().unwrap()
    );
    assert_eq!(sent_ahead(&notes, "HASH"), 0);
    let hashes = srv
        .commands()
        .iter()
        .filter(|c| c.starts_with("HASH "))
        .count();
    assert_eq!(hashes, FILES + 1, "one HASH refused, then one per file");
}

#[test]
fn p3_a_greeting_that_names_no_known_server_means_no_pipelining_unless_always() {
    let srv = with_files(TestServer::builder().fault(Fault::reply_override(
        GREETING,
        b"220 Microsoft FTP Service\r\n".to_vec(),
    )))
    .start()
    .unwrap();
    let (c, _) = login(cfg(&srv), USER);
    assert!(!c.pipelining());
    let (mut c, notes) = login(cfg(&srv).pipelining(Pipelining::Always), USER);
    assert!(c.pipelining());
    let dir = tempfile::tempdir().unwrap();
    let report = c.run_batch(&downloads(dir.path()), 1, None);
    assert_eq!(report.failed(), 0, "{:?}", report.results);
    assert_downloaded(dir.path());
    assert_eq!(sent_ahead(&notes, "EPSV"), FILES - 1);
}

#[test]
fn p3_login_sends_pbsz_prot_feat_together_then_opts_and_type_together() {
    let srv = with_files(TestServer::builder()).start().unwrap();
    for (p, ahead) in [(Pipelining::Auto, true), (Pipelining::Off, false)] {
        let (t, notes) = noting();
        let mut c =
            Client::connect_with_transcript(&cfg(&srv).pipelining(p).build().unwrap(), Some(t))
                .unwrap();
        c.login(USER, PASS).unwrap();
        let want = if ahead { 1 } else { 0 };
        for verb in ["PBSZ", "PROT", "FEAT", "TYPE"] {
            assert_eq!(
                sent_ahead(&notes, verb),
                want,
                "{p:?} {verb}: {:?}",
                notes.lock().unwrap()
            );
        }
        if c.features().has("UTF8") {
            assert_eq!(sent_ahead(&notes, "OPTS"), want, "{p:?}");
        }
        // The session works as one logged in command by command does.
        assert!(c.is_logged_in());
        assert_eq!(c.size("d/f05").unwrap(), content(5).len() as u64);
        c.quit().unwrap();
    }
}
