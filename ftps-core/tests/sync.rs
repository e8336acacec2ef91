//! Uploading a tree and one-way sync (docs/threats.md, classes H1, H2, H7; G5, G6 for
//! the transfers themselves), against the project's own server.

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use ftps_core::{
    Client, ConfigBuilder, DateTime, SyncAction, SyncDirection, SyncOptions, SyncReason, SyncReport,
};
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

fn sent(srv: &TestServer, prefix: &str) -> Vec<String> {
    srv.commands()
        .into_iter()
        .filter(|c| c.starts_with(prefix))
        .collect()
}

/// Commands that change something on the server.
fn writes(srv: &TestServer) -> Vec<String> {
    srv.commands()
        .into_iter()
        .filter(|c| {
            ["STOR", "APPE", "MKD", "RMD", "DELE", "RNFR", "RNTO", "MFMT"]
                .iter()
                .any(|v| c.starts_with(v))
        })
        .collect()
}

fn dt(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> DateTime {
    DateTime::new(y, mo, d, h, mi, s).unwrap()
}

fn set_mtime(path: &Path, t: DateTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t.to_system_time())
        .unwrap();
}

fn local_mtime(path: &Path) -> DateTime {
    let m: SystemTime = std::fs::metadata(path).unwrap().modified().unwrap();
    DateTime::from_system_time(m).unwrap().truncate_to_seconds()
}

fn write(path: &Path, data: &[u8], t: DateTime) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).unwrap();
    }
    std::fs::write(path, data).unwrap();
    set_mtime(path, t);
}

fn up(path: &str, reason: SyncReason) -> SyncAction {
    SyncAction::Upload {
        path: path.into(),
        reason,
    }
}

fn down(path: &str, reason: SyncReason) -> SyncAction {
    SyncAction::Download {
        path: path.into(),
        reason,
    }
}

fn mkdir(path: &str) -> SyncAction {
    SyncAction::MakeDir { path: path.into() }
}

fn upload(c: &mut Client, local: &Path, opts: &SyncOptions) -> SyncReport {
    c.sync(local, "site", SyncDirection::Upload, opts).unwrap()
}

/// A local tree: `a.txt`, `sub/b.txt`, with times in the past and a fraction of a
/// second (MFMT keeps whole seconds).
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let t = dt(2021, 3, 4, 5, 6, 7)
        .with_nanosecond(500_000_000)
        .unwrap();
    write(&dir.path().join("a.txt"), b"alpha", t);
    write(&dir.path().join("sub/b.txt"), b"beta", t);
    dir
}

// ---------------------------------------------------------------- upload_dir

#[cfg(unix)]
#[test]
fn upload_dir_uploads_a_tree_and_skips_a_symlink_out_of_the_tree_and_a_bad_name() {
    use std::os::unix::fs::symlink;
    let srv = TestServer::builder().dir("up").start().unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(outside.path().join("secret"), b"not for the server").unwrap();
    std::fs::write(root.join("a.txt"), b"alpha").unwrap();
    std::fs::create_dir_all(root.join("sub/deeper")).unwrap();
    std::fs::write(root.join("sub/b.txt"), b"beta").unwrap();
    std::fs::write(root.join("sub/deeper/c.txt"), b"gamma").unwrap();
    std::fs::write(root.join("bad\\name"), b"x").unwrap();
    std::fs::write(root.join("nl\nname"), b"x").unwrap();
    std::fs::write(root.join(".a.txt.ftps-part.0123456789ab"), b"partial").unwrap();
    symlink(root.join("a.txt"), root.join("in_link")).unwrap();
    symlink(outside.path().join("secret"), root.join("out_link")).unwrap();
    symlink(root.join("sub"), root.join("dir_link")).unwrap();

    let got = c.upload_dir(root, "up", true).unwrap();
    let files: Vec<String> = got
        .files
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    assert_eq!(
        files,
        [
            "up/a.txt",
            "up/in_link",
            "up/sub/b.txt",
            "up/sub/deeper/c.txt"
        ]
    );
    // "up" existed already: only the subdirectories were created.
    assert_eq!(got.dirs, [b"up/sub".to_vec(), b"up/sub/deeper".to_vec()]);
    assert_eq!(got.bytes, 5 + 5 + 4 + 5);
    assert_eq!(srv.file("up/a.txt").unwrap(), b"alpha");
    assert_eq!(srv.file("up/in_link").unwrap(), b"alpha");
    assert_eq!(srv.file("up/sub/deeper/c.txt").unwrap(), b"gamma");
    assert_eq!(srv.file("up/out_link"), None);
    assert_eq!(srv.file("up/dir_link/b.txt"), None);
    let mut skipped: Vec<(String, &str)> = got
        .skipped
        .iter()
        .map(|(p, w)| {
            let name = p.strip_prefix(root).unwrap();
            (name.to_string_lossy().into_owned(), *w)
        })
        .collect();
    skipped.sort();
    assert_eq!(
        skipped,
        [
            (
                ".a.txt.ftps-part.0123456789ab".to_string(),
                "temporary file of an unfinished transfer"
            ),
            ("bad\\name".to_string(), "contains a path separator"),
            (
                "dir_link".to_string(),
                "symbolic link to a directory (never followed)"
            ),
            ("nl\nname".to_string(), "contains a control byte"),
            ("out_link".to_string(), "symbolic link out of the tree"),
        ]
    );
    assert!(
        srv.commands()
            .iter()
            .all(|l| !l.contains("secret") && !l.contains("out_link") && !l.contains("bad")),
        "{:?}",
        srv.commands()
    );

    // Again, into the same place: the directories exist, nothing new is created.
    let again = c.upload_dir(root, "up", true).unwrap();
    assert!(again.dirs.is_empty());
    assert_eq!(again.files.len(), 4);
}

#[test]
fn upload_dir_creates_the_remote_directory_and_stays_flat_without_recursive() {
    let srv = TestServer::builder().start().unwrap();
    let mut c = login(&srv);
    let dir = tree();
    let got = c.upload_dir(dir.path(), "new", false).unwrap();
    assert_eq!(got.dirs, [b"new".to_vec()]);
    assert_eq!(got.files, [b"new/a.txt".to_vec()]);
    assert_eq!(srv.file("new/sub/b.txt"), None);
}

// ---------------------------------------------------------------- sync upload

#[test]
fn sync_upload_then_sync_again_transfers_nothing() {
    let srv = TestServer::builder().start().unwrap();
    let mut c = login(&srv);
    let dir = tree();
    let opts = SyncOptions::default();
    let first = upload(&mut c, dir.path(), &opts);
    assert_eq!(
        first.actions,
        [
            mkdir(""),
            up("a.txt", SyncReason::Missing),
            mkdir("sub"),
            up("sub/b.txt", SyncReason::Missing),
        ]
    );
    assert_eq!(first.bytes, 9);
    assert!(!first.dry_run);
    assert!(first.skipped.is_empty(), "{:?}", first.skipped);
    assert_eq!(srv.file("site/a.txt").unwrap(), b"alpha");
    assert_eq!(srv.file("site/sub/b.txt").unwrap(), b"beta");
    // The local times went to the server (whole seconds).
    assert_eq!(sent(&srv, "MFMT").len(), 2);
    assert_eq!(c.mdtm("site/a.txt").unwrap(), dt(2021, 3, 4, 5, 6, 7));
    assert_eq!(c.mdtm("site/sub/b.txt").unwrap(), dt(2021, 3, 4, 5, 6, 7));

    let before = srv.commands().len();
    let second = upload(&mut c, dir.path(), &opts);
    assert_eq!(second.actions, []);
    assert_eq!(second.bytes, 0);
    let later = &srv.commands()[before..];
    assert!(
        later
            .iter()
            .all(|l| !l.starts_with("STOR") && !l.starts_with("HASH") && !l.starts_with("MFMT")),
        "{later:?}"
    );
}

#[test]
fn sync_upload_with_atomic_uploads_leaves_no_temporary_names() {
    let srv = TestServer::builder().start().unwrap();
    let mut c = login_with(cfg(&srv).atomic_uploads(true));
    let dir = tree();
    let first = upload(&mut c, dir.path(), &SyncOptions::default());
    assert_eq!(first.actions.len(), 4);
    assert_eq!(sent(&srv, "RNTO").len(), 2);
    assert_eq!(c.mdtm("site/a.txt").unwrap(), dt(2021, 3, 4, 5, 6, 7));
    assert_eq!(
        upload(&mut c, dir.path(), &SyncOptions::default()).actions,
        []
    );
}

#[test]
fn sync_upload_sends_a_file_again_when_its_size_changed() {
    let srv = TestServer::builder().start().unwrap();
    let mut c = login(&srv);
    let dir = tree();
    upload(&mut c, dir.path(), &SyncOptions::default());
    write(
        &dir.path().join("a.txt"),
        b"alpha, longer",
        dt(2021, 3, 4, 5, 6, 7),
    );
    let r = upload(&mut c, dir.path(), &SyncOptions::default());
    assert_eq!(r.actions, [up("a.txt", SyncReason::Size)]);
    assert_eq!(r.bytes, 13);
    assert_eq!(srv.file("site/a.txt").unwrap(), b"alpha, longer");
}

#[test]
fn sync_upload_does_not_send_a_touched_file_the_hash_says_is_equal() {
    let srv = TestServer::builder().start().unwrap();
    let mut c = login(&srv);
    let dir = tree();
    upload(&mut c, dir.path(), &SyncOptions::default());
    let a = dir.path().join("a.txt");
    set_mtime(&a, dt(2022, 1, 1, 0, 0, 0));
    let before = srv.commands().len();
    let r = upload(&mut c, dir.path(), &SyncOptions::default());
    assert_eq!(
        r.actions,
        [SyncAction::SetMtime {
            path: "a.txt".into()
        }]
    );
    assert_eq!(r.bytes, 0);
    // The server's hash decided, and nothing was sent.
    let later: Vec<String> = srv
        .commands()
        .into_iter()
        .skip(before)
        .filter(|l| l.starts_with("HASH") || l.starts_with("STOR") || l.starts_with("MFMT"))
        .collect();
    assert_eq!(later, ["HASH site/a.txt", "MFMT 20220101000000 site/a.txt"]);
    // Only the time was fixed: the next run does nothing.
    assert_eq!(c.mdtm("site/a.txt").unwrap(), dt(2022, 1, 1, 0, 0, 0));
    assert_eq!(
        upload(&mut c, dir.path(), &SyncOptions::default()).actions,
        []
    );
}

#[test]
fn sync_upload_sends_a_same_size_file_the_hash_says_differs() {
    let srv = TestServer::builder().start().unwrap();
    let mut c = login(&srv);
    let dir = tree();
    upload(&mut c, dir.path(), &SyncOptions::default());
    write(&dir.path().join("a.txt"), b"ALPHA", dt(2022, 1, 1, 0, 0, 0));
    let r = upload(&mut c, dir.path(), &SyncOptions::default());
    assert_eq!(r.actions, [up("a.txt", SyncReason::Hash)]);
    assert_eq!(srv.file("site/a.txt").unwrap(), b"ALPHA");
}

#[test]
fn sync_upload_without_a_hash_sends_a_file_whose_mtime_differs() {
    let srv = TestServer::builder()
        .hash(false)
        .xsha(false)
        .start()
        .unwrap();
    let mut c = login(&srv);
    let dir = tree();
    upload(&mut c, dir.path(), &SyncOptions::default());
    set_mtime(&dir.path().join("a.txt"), dt(2022, 1, 1, 0, 0, 0));
    let r = upload(&mut c, dir.path(), &SyncOptions::default());
    assert_eq!(r.actions, [up("a.txt", SyncReason::Mtime)]);
    assert_eq!(c.mdtm("site/a.txt").unwrap(), dt(2022, 1, 1, 0, 0, 0));
}

#[test]
fn sync_upload_without_mfmt_or_hash_sends_nothing_twice_but_sends_a_later_change() {
    // vsftpd: no MFMT, no hash (pure-ftpd has MFMT). An uploaded file has its upload time.
    let srv = TestServer::builder()
        .hash(false)
        .xsha(false)
        .mfmt(false)
        .start()
        .unwrap();
    let mut c = login(&srv);
    let dir = tree();
    let first = upload(&mut c, dir.path(), &SyncOptions::default());
    assert!(!first.actions.is_empty());
    assert!(sent(&srv, "MFMT").is_empty());
    let before = writes(&srv).len();
    let again = upload(&mut c, dir.path(), &SyncOptions::default());
    assert_eq!(again.actions, []);
    assert_eq!(writes(&srv).len(), before, "the second run wrote something");
    // Changed after the upload, same size: the local time is now the newer one.
    let later = DateTime::from_system_time(SystemTime::now() + Duration::from_secs(3600)).unwrap();
    write(&dir.path().join("a.txt"), b"ALPHA", later);
    let r = upload(&mut c, dir.path(), &SyncOptions::default());
    assert_eq!(r.actions, [up("a.txt", SyncReason::Mtime)]);
    assert_eq!(srv.file("site/a.txt").unwrap(), b"ALPHA");
}

/// A server that lists a missing directory as an empty one (vsftpd), with or without
/// MLSD/MLST, a session on it and the local [`tree`].
fn lists_missing_as_empty(mlsd: bool) -> (TestServer, Client, tempfile::TempDir) {
    let srv = TestServer::builder()
        .missing_dirs_list_empty(true)
        .mlsd(mlsd)
        .start()
        .unwrap();
    let c = login(&srv);
    (srv, c, tree())
}

#[test]
fn sync_upload_creates_a_missing_remote_directory_that_lists_as_empty() {
    // vsftpd answers LIST of a missing directory with an empty listing; without MLST
    // the client asks with CWD.
    for mlsd in [true, false] {
        let (srv, mut c, dir) = lists_missing_as_empty(mlsd);
        let plan = c
            .sync(
                dir.path(),
                "site",
                SyncDirection::Upload,
                &SyncOptions {
                    dry_run: true,
                    ..SyncOptions::default()
                },
            )
            .unwrap();
        assert_eq!(plan.actions.first(), Some(&mkdir("")), "mlsd {mlsd}");
        let r = upload(&mut c, dir.path(), &SyncOptions::default());
        assert_eq!(r.actions.first(), Some(&mkdir("")), "mlsd {mlsd}");
        assert_eq!(srv.file("site/sub/b.txt").unwrap(), b"beta", "mlsd {mlsd}");
        assert_eq!(c.pwd().unwrap(), b"/", "mlsd {mlsd}: back where it was");
    }
}

#[test]
fn sync_download_from_a_missing_remote_directory_that_lists_as_empty_fails_and_deletes_nothing() {
    for mlsd in [true, false] {
        let (_srv, mut c, dir) = lists_missing_as_empty(mlsd);
        let delete = SyncOptions {
            delete: true,
            ..SyncOptions::default()
        };
        let err = c
            .sync(dir.path(), "mistyped", SyncDirection::Download, &delete)
            .unwrap_err();
        assert_eq!(
            err.reply().map(|r| r.code()),
            Some(550),
            "mlsd {mlsd}: {err:?}"
        );
        assert_eq!(std::fs::read(dir.path().join("a.txt")).unwrap(), b"alpha");
        assert_eq!(
            std::fs::read(dir.path().join("sub/b.txt")).unwrap(),
            b"beta"
        );
        // Into a local directory that does not exist: none is left behind.
        let fresh = dir.path().join("fresh");
        assert!(
            c.sync(&fresh, "mistyped", SyncDirection::Download, &delete)
                .is_err()
        );
        assert!(!fresh.exists(), "mlsd {mlsd}");
        let err = c.download_dir("mistyped", &fresh, true).unwrap_err();
        assert_eq!(
            err.reply().map(|r| r.code()),
            Some(550),
            "mlsd {mlsd}: {err:?}"
        );
        assert!(!fresh.exists(), "mlsd {mlsd}");
        // An empty directory that exists is still an empty tree.
        c.mkdir("empty").unwrap();
        assert_eq!(
            c.download_dir("empty", &fresh, true).unwrap().files.len(),
            0
        );
        assert_eq!(c.pwd().unwrap(), b"/", "mlsd {mlsd}");
    }
}

#[test]
fn sync_upload_keeps_extra_remote_files_unless_delete_is_on() {
    let srv = TestServer::builder()
        .file("site/extra.txt", b"extra")
        .file("site/old/x.txt", b"x")
        .file("site/old/deeper/y.txt", b"y")
        .start()
        .unwrap();
    let mut c = login(&srv);
    let dir = tree();
    let r = upload(&mut c, dir.path(), &SyncOptions::default());
    assert!(
        r.actions
            .iter()
            .all(|a| !matches!(a, SyncAction::Delete { .. } | SyncAction::RemoveDir { .. }))
    );
    assert_eq!(srv.file("site/extra.txt").unwrap(), b"extra");
    assert!(sent(&srv, "DELE").is_empty() && sent(&srv, "RMD").is_empty());

    let opts = SyncOptions {
        delete: true,
        ..SyncOptions::default()
    };
    let r = upload(&mut c, dir.path(), &opts);
    assert_eq!(
        r.actions,
        [
            SyncAction::Delete {
                path: "extra.txt".into()
            },
            SyncAction::Delete {
                path: "old/x.txt".into()
            },
            SyncAction::Delete {
                path: "old/deeper/y.txt".into()
            },
            SyncAction::RemoveDir {
                path: "old/deeper".into()
            },
            SyncAction::RemoveDir { path: "old".into() },
        ]
    );
    assert_eq!(srv.file("site/extra.txt"), None);
    assert_eq!(srv.file("site/old/x.txt"), None);
    assert_eq!(srv.file("site/a.txt").unwrap(), b"alpha");
    assert_eq!(c.nlst(Some(b"site")).unwrap().len(), 2);
}

#[test]
fn sync_dry_run_changes_nothing_and_returns_the_plan() {
    let srv = TestServer::builder()
        .file("site/a.txt", b"old!!!")
        .file("site/extra.txt", b"extra")
        .start()
        .unwrap();
    let mut c = login(&srv);
    let dir = tree();
    let opts = SyncOptions {
        delete: true,
        dry_run: true,
        ..SyncOptions::default()
    };
    let plan = upload(&mut c, dir.path(), &opts);
    assert!(plan.dry_run);
    assert_eq!(
        plan.actions,
        [
            up("a.txt", SyncReason::Size),
            mkdir("sub"),
            up("sub/b.txt", SyncReason::Missing),
            SyncAction::Delete {
                path: "extra.txt".into()
            },
        ]
    );
    assert_eq!(plan.bytes, 9);
    assert_eq!(writes(&srv), Vec::<String>::new());
    assert_eq!(srv.file("site/a.txt").unwrap(), b"old!!!");
    assert_eq!(srv.file("site/extra.txt").unwrap(), b"extra");

    // Done for real, it is the same list.
    let done = upload(
        &mut c,
        dir.path(),
        &SyncOptions {
            dry_run: false,
            ..opts
        },
    );
    assert!(!done.dry_run);
    assert_eq!(done.actions, plan.actions);
    assert_eq!(srv.file("site/extra.txt"), None);
}

#[test]
fn sync_dry_run_downloading_creates_no_local_directory() {
    let srv = TestServer::builder()
        .file("a.txt", b"alpha")
        .file("sub/b.txt", b"beta")
        .start()
        .unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("mirror");
    let opts = SyncOptions {
        dry_run: true,
        ..SyncOptions::default()
    };
    let plan = c.sync(&local, "", SyncDirection::Download, &opts).unwrap();
    assert_eq!(
        plan.actions,
        [
            mkdir(""),
            down("a.txt", SyncReason::Missing),
            mkdir("sub"),
            down("sub/b.txt", SyncReason::Missing),
        ]
    );
    assert!(!local.exists());
    // The names the C and Python faces report.
    let named: Vec<(&str, Option<&str>)> = plan
        .actions
        .iter()
        .map(|a| (a.kind().name(), a.reason().map(SyncReason::name)))
        .collect();
    assert_eq!(
        named,
        [
            ("mkdir", None),
            ("download", Some("missing")),
            ("mkdir", None),
            ("download", Some("missing")),
        ]
    );
}

// ---------------------------------------------------------------- sync download

#[test]
fn sync_download_mirrors_the_server_tree_sets_mtimes_and_a_second_run_does_nothing() {
    let srv = TestServer::builder()
        .file("pub/a.txt", b"alpha")
        .file("pub/sub/b.txt", b"beta")
        .file("pub/sub/deep/c.txt", b"gamma")
        .dir("pub/empty")
        .start()
        .unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("mirror");
    let opts = SyncOptions::default();
    let first = c
        .sync(&local, "pub", SyncDirection::Download, &opts)
        .unwrap();
    assert_eq!(
        first.actions,
        [
            mkdir(""),
            down("a.txt", SyncReason::Missing),
            mkdir("empty"),
            mkdir("sub"),
            down("sub/b.txt", SyncReason::Missing),
            mkdir("sub/deep"),
            down("sub/deep/c.txt", SyncReason::Missing),
        ]
    );
    assert_eq!(first.bytes, 14);
    assert_eq!(std::fs::read(local.join("a.txt")).unwrap(), b"alpha");
    assert_eq!(
        std::fs::read(local.join("sub/deep/c.txt")).unwrap(),
        b"gamma"
    );
    assert!(local.join("empty").is_dir());
    for f in ["a.txt", "sub/b.txt", "sub/deep/c.txt"] {
        let remote = c.mdtm(format!("pub/{f}")).unwrap();
        assert_eq!(local_mtime(&local.join(f)), remote, "{f}");
    }

    let second = c
        .sync(&local, "pub", SyncDirection::Download, &opts)
        .unwrap();
    assert_eq!(second.actions, []);

    // A file changed on the server comes again; local extras go only with delete.
    srv.put_file("pub/a.txt", b"alpha 2").unwrap();
    std::fs::write(local.join("extra.txt"), b"mine").unwrap();
    std::fs::create_dir_all(local.join("gone/deeper")).unwrap();
    std::fs::write(local.join("gone/deeper/z.txt"), b"z").unwrap();
    let third = c
        .sync(
            &local,
            "pub",
            SyncDirection::Download,
            &SyncOptions {
                delete: true,
                ..opts
            },
        )
        .unwrap();
    assert_eq!(
        third.actions,
        [
            down("a.txt", SyncReason::Size),
            SyncAction::Delete {
                path: "extra.txt".into()
            },
            SyncAction::Delete {
                path: "gone/deeper/z.txt".into()
            },
            SyncAction::RemoveDir {
                path: "gone/deeper".into()
            },
            SyncAction::RemoveDir {
                path: "gone".into()
            },
        ]
    );
    assert_eq!(std::fs::read(local.join("a.txt")).unwrap(), b"alpha 2");
    assert!(!local.join("extra.txt").exists());
    assert!(!local.join("gone").exists());
}

#[cfg(unix)]
#[test]
fn sync_download_never_writes_through_or_deletes_a_local_symlink() {
    use std::os::unix::fs::symlink;
    let srv = TestServer::builder()
        .file("a.txt", b"alpha")
        .file("link", b"from the server")
        .start()
        .unwrap();
    let mut c = login(&srv);
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("precious");
    std::fs::write(&target, b"precious").unwrap();
    symlink(&target, dir.path().join("link")).unwrap();
    symlink(&target, dir.path().join("other_link")).unwrap();
    let opts = SyncOptions {
        delete: true,
        ..SyncOptions::default()
    };
    let r = c
        .sync(dir.path(), "", SyncDirection::Download, &opts)
        .unwrap();
    assert_eq!(r.actions, [down("a.txt", SyncReason::Missing)]);
    assert_eq!(std::fs::read(&target).unwrap(), b"precious");
    assert!(dir.path().join("link").is_symlink());
    assert!(dir.path().join("other_link").is_symlink());
    let reasons: Vec<&str> = r.skipped.iter().map(|(_, w)| *w).collect();
    assert_eq!(
        reasons,
        ["symbolic link (left alone)", "symbolic link (left alone)"]
    );
}

#[test]
fn sync_skips_remote_names_like_dotdot_and_never_deletes_them() {
    let body = b"type=file;size=2;modify=20200101000000; ok.txt\r\n\
type=file;size=1;modify=20200101000000; ../x\r\n\
type=file;size=1; /etc/passwd\r\n\
type=file;size=1; a\\b\r\n\
type=OS.unix=symlink; link\r\n\
type=file;size=1; dup\r\n\
type=file;size=1; dup\r\n\
type=file;size=1; .ok.txt.ftps-part.0123456789ab\r\n"
        .to_vec();
    let srv = TestServer::builder()
        .file("ok.txt", b"ok")
        .fault(Fault::ListingBody {
            command: "MLSD".into(),
            body,
        })
        .start()
        .unwrap();
    let mut c = login(&srv);
    let top = tempfile::tempdir().unwrap();
    let local = top.path().join("in");
    let r = c
        .sync(&local, "", SyncDirection::Download, &SyncOptions::default())
        .unwrap();
    assert_eq!(r.actions, [mkdir(""), down("ok.txt", SyncReason::Missing)]);
    let mut skipped: Vec<&str> = r.skipped.iter().map(|(p, _)| p.as_str()).collect();
    skipped.sort();
    assert_eq!(
        skipped,
        [
            "../x",
            ".ok.txt.ftps-part.0123456789ab",
            "/etc/passwd",
            "a\\b",
            "dup",
            "dup",
            "link"
        ]
    );
    assert_eq!(std::fs::read_dir(top.path()).unwrap().count(), 1);
    assert_eq!(std::fs::read_dir(&local).unwrap().count(), 1);
    assert_eq!(local_mtime(&local.join("ok.txt")), dt(2020, 1, 1, 0, 0, 0));

    // Uploading an empty tree with delete removes the one safe name, nothing else.
    let empty = tempfile::tempdir().unwrap();
    let opts = SyncOptions {
        delete: true,
        ..SyncOptions::default()
    };
    let r = c
        .sync(empty.path(), "", SyncDirection::Upload, &opts)
        .unwrap();
    assert_eq!(
        r.actions,
        [SyncAction::Delete {
            path: "ok.txt".into()
        }]
    );
    assert_eq!(sent(&srv, "DELE"), ["DELE ok.txt"]);
}
