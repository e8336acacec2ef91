//! The interop matrix: every real server x TLS version x passive/active runs one
//! scenario (docs/threats.md, classes C1-C3: every data connection resumes the control
//! session).
//! Run with `--nocapture` to see a `MATRIX` line per cell.
//!
//! Every test here needs the real servers: `make test-real` runs this target with
//! `FTPS_REAL_SERVERS=1`, and `make check` does not select it (`FTPS_REAL_SERVERS=0`).

mod common;

use std::io::{Read, Write};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use common::{Server, Servers, pattern, servers};
use ftps_core::{Client, DataConnectionMode, Error, TlsVersion, TransferOptions, UploadMode};

const MIB: usize = 1 << 20;

/// The real servers, for every test of this file. `FTPS_REAL_SERVERS=0` says that this run
/// does not include them: a test of this file run anyway fails instead of passing without a
/// server. `FTPS_REAL_SERVERS=1` says that it does: missing servers fail, CI or not.
fn real_servers() -> Option<&'static Servers> {
    let selection = std::env::var("FTPS_REAL_SERVERS").unwrap_or_default();
    assert!(
        selection != "0",
        "FTPS_REAL_SERVERS=0: the real servers, and so the interop tests, are not part of this run \
         (`make check` does not select this target; `make test-real` runs it)"
    );
    let env = servers();
    assert!(
        env.is_some() || selection != "1",
        "FTPS_REAL_SERVERS=1 but the test servers are not running (tests/servers/start.sh)"
    );
    env
}

fn big() -> &'static [u8] {
    static BIG: OnceLock<Vec<u8>> = OnceLock::new();
    BIG.get_or_init(|| pattern(64 * MIB, 64))
}

fn run_cell(server: &str, tls: TlsVersion, active: bool) {
    let Some(env) = real_servers() else { return };
    let srv = env.server(server);
    let mut b = srv.builder(env).max_tls_version(tls).min_tls_version(tls);
    if active {
        b = b.data_connection_mode(DataConnectionMode::Active { bind: None });
    }
    let cfg = b.build().unwrap();
    let cell = format!(
        "{server} {} {}",
        if tls == TlsVersion::Tls12 {
            "tls1.2"
        } else {
            "tls1.3"
        },
        if active { "active" } else { "passive" }
    );
    let dir = format!(
        "cell-{}-{}",
        if tls == TlsVersion::Tls12 { "12" } else { "13" },
        if active { "act" } else { "pas" }
    );
    let local_dir = srv.root.join(&dir);
    let _ = std::fs::remove_dir_all(&local_dir);

    let mut c = Client::connect(&cfg).unwrap_or_else(|e| panic!("{cell}: connect: {e}"));
    c.login(env.user(), env.pass()).unwrap();
    let info = c.tls_info().unwrap();
    assert_eq!(info.version, tls, "{cell}");
    assert_eq!(
        info.version.to_string(),
        if tls == TlsVersion::Tls12 {
            "TLSv1.2"
        } else {
            "TLSv1.3"
        },
        "{cell}"
    );
    c.mkdir(&dir).unwrap();
    c.cwd(&dir).unwrap();
    let pwd = c.pwd().unwrap();
    assert!(pwd.ends_with(dir.as_bytes()), "{cell}: pwd {pwd:?}");

    // Upload 0 B, 1 MiB, 64 MiB; download them back; compare hashes, and the bytes on the server's disk.
    let one = pattern(MIB, 1);
    for (name, data) in [
        ("empty.bin", &[][..]),
        ("one.bin", &one[..]),
        ("big.bin", big()),
    ] {
        let mut up = c.stor(name, UploadMode::Replace).unwrap();
        up.write_all(data).unwrap();
        let reply = up.finish().unwrap();
        assert!(reply.is_success(), "{cell}: {reply}");
        let on_disk = std::fs::read(local_dir.join(name)).unwrap();
        assert!(
            on_disk == *data,
            "{cell}: {name} on the server's disk differs"
        );
        let mut got = Vec::new();
        let n = c
            .download(name, &mut got, &mut TransferOptions::default())
            .unwrap();
        assert_eq!(n, data.len() as u64, "{cell}: {name}");
        assert!(got == *data, "{cell}: {name} downloaded differs");
    }

    // Resume a download from the middle.
    let mut d = c.retr_from("one.bin", (MIB / 2) as u64).unwrap();
    let mut tail = Vec::new();
    d.read_to_end(&mut tail).unwrap();
    d.finish().unwrap();
    assert_eq!(tail, &one[MIB / 2..], "{cell}: resumed download");

    // Resume an upload: the server has the first third, upload_file sends the rest.
    let half = pattern(3 * MIB / 2, 2);
    let mut up = c.stor("resume.bin", UploadMode::Replace).unwrap();
    up.write_all(&half[..MIB / 2]).unwrap();
    up.finish().unwrap();
    let tmp = std::env::temp_dir().join(format!(
        "ftps-interop-{}-{dir}-{server}",
        std::process::id()
    ));
    std::fs::write(&tmp, &half).unwrap();
    let sent = c.upload_file(&tmp, "resume.bin", true, None).unwrap();
    std::fs::remove_file(&tmp).unwrap();
    assert_eq!(
        sent,
        (half.len() - MIB / 2) as u64,
        "{cell}: resumed upload"
    );
    assert_eq!(
        std::fs::read(local_dir.join("resume.bin")).unwrap(),
        half,
        "{cell}"
    );
    assert_eq!(c.size("resume.bin").unwrap(), half.len() as u64);

    // List and find the files with the right sizes and times.
    let entries = c.list(None).unwrap().entries;
    for (name, len) in [
        ("empty.bin", 0u64),
        ("one.bin", MIB as u64),
        ("big.bin", 64 * MIB as u64),
        ("resume.bin", half.len() as u64),
    ] {
        let e = entries
            .iter()
            .find(|e| e.name == name.as_bytes())
            .unwrap_or_else(|| panic!("{cell}: {name} not listed: {entries:?}"));
        assert!(e.is_file(), "{cell}: {name}");
        assert_eq!(e.size, Some(len), "{cell}: {name} size");
        let fs_mtime = std::fs::metadata(local_dir.join(name))
            .unwrap()
            .modified()
            .unwrap();
        let listed = e
            .modified
            .unwrap_or_else(|| panic!("{cell}: {name} has no time"))
            .to_system_time();
        let diff = listed
            .duration_since(fs_mtime)
            .or_else(|_| fs_mtime.duration_since(listed))
            .unwrap();
        assert!(
            diff <= Duration::from_secs(60),
            "{cell}: {name} listed time off by {diff:?}"
        );
    }
    let mdtm = c.mdtm("one.bin").unwrap().to_system_time();
    let age = SystemTime::now().duration_since(mdtm).unwrap_or_default();
    assert!(age < Duration::from_secs(3600), "{cell}: MDTM {age:?} old");
    let names = c.nlst(None).unwrap();
    assert!(
        names.iter().any(|n| n.ends_with(b"one.bin")),
        "{cell}: NLST {names:?}"
    );

    // Rename, delete, rmdir.
    c.rename("one.bin", "renamed.bin").unwrap();
    assert!(local_dir.join("renamed.bin").exists() && !local_dir.join("one.bin").exists());
    assert!(
        matches!(c.size("one.bin"), Err(Error::Reply { .. })),
        "{cell}"
    );

    // 25 more transfers in the same session.
    let before = c.session_stats();
    for i in 0..25 {
        let mut got = Vec::new();
        c.download("renamed.bin", &mut got, &mut TransferOptions::default())
            .unwrap_or_else(|e| panic!("{cell}: transfer {i}: {e}"));
        assert_eq!(got.len(), MIB);
    }
    let stats = c.session_stats();
    let expect_resume = tls == TlsVersion::Tls12 || srv.tls13_resumes;
    if expect_resume {
        // Every transfer ran on a resumed data connection. The only full handshakes
        // allowed are those refused for want of a TLS 1.3 ticket and then retried
        // (ProFTPD sends no ticket on upload connections; see tls.rs).
        assert_eq!(
            stats.data_full, stats.retried,
            "{cell}: a transfer ran without resumption: {stats:?}"
        );
        assert_eq!(
            stats.data_resumed - before.data_resumed,
            25,
            "{cell}: {stats:?}"
        );
        if tls == TlsVersion::Tls12 {
            assert_eq!(stats.data_full, 0, "{cell}: {stats:?}");
        }
    }
    println!(
        "MATRIX {cell}: pass, data connections resumed={} full={} (refused and retried={}) tickets control={} data={}",
        stats.data_resumed,
        stats.data_full,
        stats.retried,
        stats.control_tickets,
        stats.data_tickets
    );

    for name in ["empty.bin", "renamed.bin", "big.bin", "resume.bin"] {
        c.delete(name).unwrap();
    }
    c.cdup().unwrap();
    c.rmdir(&dir).unwrap();
    assert!(!local_dir.exists(), "{cell}: directory still there");
    c.quit().unwrap();
}

macro_rules! matrix {
    ($($name:ident: $server:literal, $tls:ident, $active:literal;)*) => {
        $(#[test] fn $name() { run_cell($server, TlsVersion::$tls, $active) })*
    };
}

matrix! {
    vsftpd_explicit_tls12_passive: "vsftpd-explicit", Tls12, false;
    vsftpd_explicit_tls13_passive: "vsftpd-explicit", Tls13, false;
    vsftpd_explicit_tls12_active: "vsftpd-explicit", Tls12, true;
    vsftpd_explicit_tls13_active: "vsftpd-explicit", Tls13, true;
    vsftpd_implicit_tls12_passive: "vsftpd-implicit", Tls12, false;
    vsftpd_implicit_tls13_passive: "vsftpd-implicit", Tls13, false;
    vsftpd_implicit_tls12_active: "vsftpd-implicit", Tls12, true;
    vsftpd_implicit_tls13_active: "vsftpd-implicit", Tls13, true;
    proftpd_explicit_tls12_passive: "proftpd-explicit", Tls12, false;
    proftpd_explicit_tls13_passive: "proftpd-explicit", Tls13, false;
    proftpd_explicit_tls12_active: "proftpd-explicit", Tls12, true;
    proftpd_explicit_tls13_active: "proftpd-explicit", Tls13, true;
    proftpd_implicit_tls12_passive: "proftpd-implicit", Tls12, false;
    proftpd_implicit_tls13_passive: "proftpd-implicit", Tls13, false;
    proftpd_implicit_tls12_active: "proftpd-implicit", Tls12, true;
    proftpd_implicit_tls13_active: "proftpd-implicit", Tls13, true;
    pure_ftpd_explicit_tls12_passive: "pure-ftpd-explicit", Tls12, false;
    pure_ftpd_explicit_tls13_passive: "pure-ftpd-explicit", Tls13, false;
    pure_ftpd_explicit_tls12_active: "pure-ftpd-explicit", Tls12, true;
    pure_ftpd_explicit_tls13_active: "pure-ftpd-explicit", Tls13, true;
}

const ALL: [&str; 5] = [
    "vsftpd-explicit",
    "vsftpd-implicit",
    "proftpd-explicit",
    "proftpd-implicit",
    "pure-ftpd-explicit",
];

fn each_server(f: impl Fn(&Servers, &Server)) {
    let Some(env) = real_servers() else { return };
    for name in ALL {
        f(env, &env.server(name));
    }
}

/// B1: a CA that did not sign the server's certificate is refused before login.
#[test]
fn b1_wrong_ca_is_a_certificate_error() {
    each_server(|env, srv| {
        let cfg = ftps_core::Config::builder("127.0.0.1")
            .port(srv.port)
            .mode(srv.builder(env).build().unwrap().mode())
            .ca_file(env.wrong_ca())
            .build()
            .unwrap();
        match Client::connect(&cfg) {
            Err(Error::Certificate { .. }) => {}
            other => panic!("{}: expected a certificate error, got {other:?}", srv.name),
        }
    });
}

/// B1: the certificate must carry the name the caller gave.
#[test]
fn b1_wrong_host_name_is_a_certificate_error() {
    each_server(|env, srv| {
        let cfg = srv
            .builder(env)
            .tls_server_name("ftp.example.org")
            .build()
            .unwrap();
        match Client::connect(&cfg) {
            Err(Error::Certificate { source, .. }) => {
                assert!(
                    source.to_string().contains("name"),
                    "{}: {source}",
                    srv.name
                )
            }
            other => panic!("{}: expected a certificate error, got {other:?}", srv.name),
        }
        // "localhost" is in the certificate: connecting to 127.0.0.1 under that name works.
        let cfg = srv
            .builder(env)
            .tls_server_name("localhost")
            .build()
            .unwrap();
        let mut c = Client::connect(&cfg).unwrap();
        c.login(env.user(), env.pass()).unwrap();
        assert!(c.list(None).unwrap().iter().any(|e| e.name == b"hello.txt"));
    });
}

/// A wrong pin fails with its own error; the right certificate or SPKI pin works,
/// also as the only trust (no CA).
#[test]
fn pins_match_or_fail_with_their_own_error() {
    each_server(|env, srv| {
        let cfg = srv
            .builder(env)
            .pin_sha256("00".repeat(32))
            .build()
            .unwrap();
        match Client::connect(&cfg) {
            Err(Error::PinMismatch { cert_sha256, .. }) => {
                assert_eq!(cert_sha256, env.get("FTPS_TEST_CERT_SHA256"))
            }
            other => panic!("{}: expected PinMismatch, got {other:?}", srv.name),
        }
        for pin in ["FTPS_TEST_CERT_SHA256", "FTPS_TEST_SPKI_SHA256"] {
            let cfg = srv.builder(env).pin_sha256(env.get(pin)).build().unwrap();
            let mut c =
                Client::connect(&cfg).unwrap_or_else(|e| panic!("{}: {pin}: {e}", srv.name));
            c.login(env.user(), env.pass()).unwrap();
            let mut got = Vec::new();
            c.download("hello.txt", &mut got, &mut TransferOptions::default())
                .unwrap();
            assert_eq!(got, format!("hello from {}\n", srv.name).as_bytes());
        }
        let cfg = ftps_core::Config::builder("127.0.0.1")
            .port(srv.port)
            .mode(srv.builder(env).build().unwrap().mode())
            .pin_sha256(env.get("FTPS_TEST_CERT_SHA256"))
            .pin_replaces_ca(true)
            .build()
            .unwrap();
        let mut c = Client::connect(&cfg).unwrap();
        c.login(env.user(), env.pass()).unwrap();
        c.quit().unwrap();
    });
}

/// Wrong credentials are a LoginRejected error, not a generic reply error.
#[test]
fn wrong_password_is_login_rejected() {
    each_server(|env, srv| {
        let mut c = Client::connect(&srv.builder(env).build().unwrap()).unwrap();
        match c.login(env.user(), "not-the-password") {
            Err(Error::LoginRejected { reply }) => assert_eq!(reply.code(), 530, "{}", srv.name),
            other => panic!("{}: {other:?}", srv.name),
        }
    });
}

/// G5: every real server gets its transfers verified with the best it offers (ProFTPD
/// with mod_digest: SHA-512 through `HASH`; vsftpd and pure-ftpd: `SIZE`), and an
/// atomic upload onto an existing file replaces it through a temporary name, leaving
/// nothing else behind. Prints a `VERIFY` line per server.
#[test]
fn g5_each_server_verifies_with_the_best_it_offers_and_takes_atomic_uploads() {
    use std::sync::{Arc, Mutex};
    each_server(|env, srv| {
        let cfg = srv.builder(env).atomic_uploads(true).build().unwrap();
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = Arc::clone(&lines);
        let mut c = Client::connect_with_transcript(
            &cfg,
            // Commands and replies; not the notes (a check sent ahead is noted too).
            Some(Box::new(move |d, l: &[u8]| {
                if d != ftps_core::Direction::Info {
                    sink.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(l).into_owned())
                }
            })),
        )
        .unwrap();
        c.login(env.user(), env.pass()).unwrap();
        let dir = format!("g5-{}", std::process::id());
        c.mkdir(&dir).unwrap();
        let data = pattern(3 * MIB + 17, 5);
        let tmp = std::env::temp_dir().join(format!("ftps-g5-{}-{}", std::process::id(), srv.name));
        std::fs::write(&tmp, b"the old one").unwrap();
        let remote = format!("{dir}/atomic.bin");
        c.upload_file(&tmp, &remote, false, None).unwrap();
        std::fs::write(&tmp, &data).unwrap();
        lines.lock().unwrap().clear();
        c.upload_file(&tmp, &remote, false, None).unwrap();
        let back = tmp.with_extension("back");
        c.download_file(&remote, &back, false, None).unwrap();
        assert!(std::fs::read(&back).unwrap() == data, "{}", srv.name);
        assert!(
            std::fs::read(srv.root.join(&remote)).unwrap() == data,
            "{}: on disk",
            srv.name
        );
        let seen = lines.lock().unwrap().clone();
        let verb = |v: &str| seen.iter().filter(|l| l.starts_with(v)).count();
        let how = if srv.name.starts_with("proftpd") {
            // (OPTS HASH SHA-512 went with the first upload, before the transcript was cleared.)
            assert_eq!(verb("HASH "), 2, "{}: {seen:?}", srv.name);
            assert_eq!(verb("213 SHA-512 "), 2, "{}: {seen:?}", srv.name);
            "SHA-512 via HASH"
        } else {
            assert_eq!(verb("HASH"), 0, "{}: {seen:?}", srv.name);
            assert_eq!(verb("SIZE "), 2, "{}: {seen:?}", srv.name);
            "SIZE"
        };
        assert!(
            seen.iter()
                .any(|l| l.starts_with("STOR ") && l.contains("/.atomic.bin.ftps-part.")),
            "{}: {seen:?}",
            srv.name
        );
        assert_eq!(verb("RNTO "), 1, "{}: {seen:?}", srv.name);
        let left: Vec<String> = std::fs::read_dir(srv.root.join(&dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["atomic.bin"], "{}", srv.name);
        println!(
            "VERIFY {}: {how}; atomic upload by RNFR/RNTO onto the existing file",
            srv.name
        );
        std::fs::remove_file(&tmp).unwrap();
        std::fs::remove_file(&back).unwrap();
        c.delete(&remote).unwrap();
        c.rmdir(&dir).unwrap();
        c.quit().unwrap();
    });
}

/// H7: a tree synced up to every real server, then down again: a second run in either
/// direction transfers nothing (times kept with `MFMT` where offered, compared only
/// where the listing gives seconds), a file that grew is sent again, and `delete`
/// removes on the server what the local tree no longer has. Prints a `SYNC` line per
/// server.
#[test]
fn h7_sync_both_ways_on_each_server() {
    use ftps_core::{SyncAction, SyncDirection, SyncOptions, SyncReason};
    each_server(|env, srv| {
        let mut c = Client::connect(&srv.builder(env).build().unwrap()).unwrap();
        c.login(env.user(), env.pass()).unwrap();
        let dir = format!("h7-{}", std::process::id());
        let local = tempfile::tempdir().unwrap();
        let (a, b) = (pattern(200_003, 8), pattern(4_001, 9));
        std::fs::create_dir(local.path().join("sub")).unwrap();
        std::fs::write(local.path().join("a.bin"), &a).unwrap();
        std::fs::write(local.path().join("sub/b.bin"), &b).unwrap();
        let opts = SyncOptions::default();
        let up = |c: &mut Client, from: &std::path::Path, opts: &SyncOptions| {
            c.sync(from, &dir, SyncDirection::Upload, opts).unwrap()
        };
        let first = up(&mut c, local.path(), &opts);
        let copies = |r: &ftps_core::SyncReport| {
            r.actions
                .iter()
                .filter(|a| matches!(a, SyncAction::Upload { .. } | SyncAction::Download { .. }))
                .count()
        };
        assert_eq!(copies(&first), 2, "{}: {:?}", srv.name, first.actions);
        assert!(std::fs::read(srv.root.join(&dir).join("sub/b.bin")).unwrap() == b);
        let again = up(&mut c, local.path(), &opts);
        assert_eq!(again.actions, [], "{}", srv.name);

        let mut b2 = b.clone();
        b2.push(b'!');
        std::fs::write(local.path().join("sub/b.bin"), &b2).unwrap();
        let grew = up(&mut c, local.path(), &opts);
        assert_eq!(
            grew.actions,
            [SyncAction::Upload {
                path: b"sub/b.bin".to_vec(),
                reason: SyncReason::Size
            }],
            "{}",
            srv.name
        );

        let mirror = tempfile::tempdir().unwrap();
        let into = mirror.path().join("m");
        let down = c.sync(&into, &dir, SyncDirection::Download, &opts).unwrap();
        assert_eq!(copies(&down), 2, "{}: {:?}", srv.name, down.actions);
        assert!(
            std::fs::read(into.join("a.bin")).unwrap() == a,
            "{}",
            srv.name
        );
        assert!(
            std::fs::read(into.join("sub/b.bin")).unwrap() == b2,
            "{}",
            srv.name
        );
        let down_again = c.sync(&into, &dir, SyncDirection::Download, &opts).unwrap();
        assert_eq!(down_again.actions, [], "{}", srv.name);

        std::fs::remove_file(local.path().join("a.bin")).unwrap();
        let delete = SyncOptions {
            delete: true,
            ..SyncOptions::default()
        };
        let pruned = up(&mut c, local.path(), &delete);
        assert_eq!(
            pruned.actions,
            [SyncAction::Delete {
                path: b"a.bin".to_vec()
            }],
            "{}",
            srv.name
        );
        assert!(!srv.root.join(&dir).join("a.bin").exists(), "{}", srv.name);
        println!(
            "SYNC {}: up {} files, second run nothing, MFMT {}",
            srv.name,
            copies(&first),
            if c.features().has("MFMT") {
                "yes"
            } else {
                "no"
            }
        );
        let empty = tempfile::tempdir().unwrap();
        up(&mut c, empty.path(), &delete);
        c.rmdir(&dir).unwrap();
        c.quit().unwrap();
    });
}

/// P1: a batch of 100 downloads over 4 sessions on every real server, one of them of a
/// missing file: one error (`550`), 99 byte-exact files. Prints a `BATCH` line per server.
#[test]
fn p1_batch_of_100_over_4_sessions_one_missing_on_each_server() {
    use ftps_core::Job;
    each_server(|env, srv| {
        let mut c = Client::connect(&srv.builder(env).build().unwrap()).unwrap();
        c.login(env.user(), env.pass()).unwrap();
        let dir = format!("p1-{}", std::process::id());
        let on_disk = srv.root.join(&dir);
        std::fs::create_dir_all(&on_disk).unwrap();
        let body = |i: usize| pattern(4096 + i, i as u64);
        for i in 0..99 {
            std::fs::write(on_disk.join(format!("f{i:03}")), body(i)).unwrap();
        }
        let local = tempfile::tempdir().unwrap();
        let mut jobs: Vec<Job> = (0..99)
            .map(|i| {
                Job::download(
                    format!("{dir}/f{i:03}"),
                    local.path().join(format!("f{i:03}")),
                )
            })
            .collect();
        jobs.insert(
            50,
            Job::download(format!("{dir}/missing"), local.path().join("missing")),
        );
        let report = c.run_batch(&jobs, 4, None);
        assert_eq!(report.failed(), 1, "{}: {:?}", srv.name, report.not_opened);
        assert_eq!(
            report.results[50]
                .as_ref()
                .err()
                .and_then(|e| e.reply())
                .map(|r| r.code()),
            Some(550),
            "{}",
            srv.name
        );
        for i in 0..99 {
            let got = std::fs::read(local.path().join(format!("f{i:03}"))).unwrap();
            assert!(got == body(i), "{}: f{i:03}", srv.name);
        }
        println!(
            "BATCH {}: 99 of 100 over {} sessions",
            srv.name, report.sessions
        );
        std::fs::remove_dir_all(&on_disk).unwrap();
        c.quit().unwrap();
    });
}

/// P3: on every real server, the greeting names a server that reads ahead, and 200
/// downloads then 200 uploads in one session send each check and each next `EPSV`
/// ahead of the transfer's final reply without one refused: byte-exact files, and the
/// session still pipelining at the end. Prints a `PIPELINING` line per server.
#[test]
fn p3_pipelined_batches_of_200_in_one_session_on_each_server() {
    use ftps_core::{Direction, Job};
    use std::sync::{Arc, Mutex};
    const N: usize = 200;
    each_server(|env, srv| {
        let mut c = Client::connect(&srv.builder(env).build().unwrap()).unwrap();
        c.login(env.user(), env.pass()).unwrap();
        assert!(c.pipelining(), "{}: greeting {}", srv.name, c.greeting());
        let notes = Arc::new(Mutex::new((0usize, 0usize)));
        let sink = notes.clone();
        c.set_transcript(Some(Box::new(move |d, line| {
            let line = String::from_utf8_lossy(line);
            if d == Direction::Info && line.contains("was sent ahead") {
                sink.lock().unwrap().0 += 1;
            }
            if d == Direction::Info && line.contains("did not take the commands sent ahead") {
                sink.lock().unwrap().1 += 1;
            }
        })));
        let dir = format!("p3-{}", std::process::id());
        let on_disk = srv.root.join(&dir);
        std::fs::create_dir_all(&on_disk).unwrap();
        let body = |i: usize| pattern(4096 + i, 7 * i as u64);
        for i in 0..N {
            std::fs::write(on_disk.join(format!("f{i:03}")), body(i)).unwrap();
        }
        let local = tempfile::tempdir().unwrap();
        let jobs: Vec<Job> = (0..N)
            .map(|i| {
                Job::download(
                    format!("{dir}/f{i:03}"),
                    local.path().join(format!("f{i:03}")),
                )
            })
            .collect();
        let down = c.run_batch(&jobs, 1, None);
        assert_eq!(
            down.failed(),
            0,
            "{}: {:?}",
            srv.name,
            down.results.iter().find(|r| r.is_err())
        );
        for i in 0..N {
            let got = std::fs::read(local.path().join(format!("f{i:03}"))).unwrap();
            assert!(got == body(i), "{}: f{i:03}", srv.name);
        }
        let after_down = notes.lock().unwrap().0;
        // A directory the server's user made, so that it may write there.
        let up_dir = format!("p3-up-{}", std::process::id());
        c.mkdir(&up_dir).unwrap();
        let jobs: Vec<Job> = (0..N)
            .map(|i| {
                Job::upload(
                    local.path().join(format!("f{i:03}")),
                    format!("{up_dir}/u{i:03}"),
                )
            })
            .collect();
        let up = c.run_batch(&jobs, 1, None);
        assert_eq!(
            up.failed(),
            0,
            "{}: {:?}",
            srv.name,
            up.results.iter().find(|r| r.is_err())
        );
        for i in 0..N {
            let got = std::fs::read(srv.root.join(&up_dir).join(format!("u{i:03}"))).unwrap();
            assert!(got == body(i), "{}: u{i:03}", srv.name);
        }
        let (ahead, refused) = *notes.lock().unwrap();
        assert_eq!(refused, 0, "{}", srv.name);
        assert!(c.pipelining(), "{}", srv.name);
        // Each file's check and each next EPSV (the last file of a batch has none).
        assert!(
            after_down >= 2 * N - 1,
            "{}: {after_down} sent ahead",
            srv.name
        );
        assert!(
            ahead - after_down >= 2 * N - 1,
            "{}: {} sent ahead",
            srv.name,
            ahead - after_down
        );
        println!(
            "PIPELINING {}: {N} downloads, {N} uploads, {after_down} + {} commands answered ahead, none refused",
            srv.name,
            ahead - after_down
        );
        std::fs::remove_dir_all(&on_disk).unwrap();
        let _ = std::fs::remove_dir_all(srv.root.join(&up_dir));
        c.quit().unwrap();
    });
}

/// P2: a 256 MiB file downloaded in 8 segments from every real server, byte-exact and
/// checked as a whole (ProFTPD: SHA-512; the others: SIZE). Prints a `SEGMENTS` line.
#[test]
fn p2_segmented_256_mib_download_on_each_server() {
    let data = pattern(256 * MIB + 77, 3);
    each_server(|env, srv| {
        let mut c = Client::connect(&srv.builder(env).build().unwrap()).unwrap();
        c.login(env.user(), env.pass()).unwrap();
        let name = format!("p2-{}.bin", std::process::id());
        std::fs::write(srv.root.join(&name), &data).unwrap();
        let local = tempfile::tempdir().unwrap();
        let target = local.path().join("big.bin");
        let n = c.download_segmented(&name, &target, 8, None).unwrap();
        assert_eq!(n, data.len() as u64, "{}", srv.name);
        assert!(
            std::fs::read(&target).unwrap() == data,
            "{}: not byte-exact",
            srv.name
        );
        println!("SEGMENTS {}: 256 MiB in 8 ranges, byte-exact", srv.name);
        std::fs::remove_file(srv.root.join(&name)).unwrap();
        c.quit().unwrap();
    });
}
