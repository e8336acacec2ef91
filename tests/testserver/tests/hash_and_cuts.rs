//! Hash commands (G5: `HASH`, `OPTS HASH`, `XSHA*`, `Fault::LyingHash`), connections lost
//! mid-transfer (G6: `Fault::CutData`, `CutDataOnce`, `DropSessionMidTransfer`), resumed
//! uploads, and `Fault::NoRenameOntoExisting`.

mod common;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Instant;

use aws_lc_rs::digest;
use common::*;
use ftps_testserver::{Fault, TLS12, TestServer};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_digest(algorithm: &'static digest::Algorithm, data: &[u8]) -> String {
    hex(digest::digest(algorithm, data).as_ref())
}

fn sha256(data: &[u8]) -> String {
    hex_digest(&digest::SHA256, data)
}

/// A server with these faults and files. TLS 1.2 only: the raw client of these tests
/// keeps no TLS 1.3 tickets across a cut data connection (a cut upload can lose the one
/// its connection brought), so under TLS 1.3 a later data connection may find none and
/// be refused with 522; resumption is not what these tests are about.
fn with(faults: &[Fault], files: &[(&str, &[u8])]) -> TestServer {
    let mut builder = TestServer::builder()
        .tls_versions(&[TLS12])
        .faults(faults.iter().cloned());
    for (name, contents) in files {
        builder = builder.file(name, contents);
    }
    builder.start().unwrap()
}

/// The first line of a reply without its CRLF.
fn line(reply: &Reply) -> String {
    reply.text().trim_end().to_string()
}

// ---- G5: hashes --------------------------------------------------------------------------

#[test]
fn g5_feat_lists_hash_and_the_x_commands() {
    let srv = with(&[], &[]);
    let mut c = Client::explicit(&srv).unwrap();
    let text = c.cmd("FEAT").unwrap().text();
    for f in [
        " HASH SHA-256*;SHA-512;SHA-1\r\n",
        " XSHA1\r\n",
        " XSHA256\r\n",
        " XSHA512\r\n",
    ] {
        assert!(text.contains(f), "{f:?} missing in {text}");
    }
    assert!(text.ends_with("211 End\r\n"));
}

#[test]
fn g5_hash_opts_hash_and_x_commands_give_the_right_digests() {
    let body = pattern(300_000);
    let srv = with(&[], &[("dir/f.bin", &body), ("empty", b"")]);
    let mut c = Client::explicit(&srv).unwrap();
    assert_eq!(c.cmd("HASH dir/f.bin").unwrap().code, 530); // login first
    c.login_default(&srv).unwrap();

    let r = c.cmd("HASH dir/f.bin").unwrap();
    assert_eq!(
        line(&r),
        format!("213 SHA-256 0-300000 {} dir/f.bin", sha256(&body))
    );
    assert_eq!(line(&c.cmd("OPTS HASH").unwrap()), "200 SHA-256");
    assert_eq!(line(&c.cmd("OPTS HASH SHA-512").unwrap()), "200 SHA-512");
    assert_eq!(line(&c.cmd("OPTS HASH").unwrap()), "200 SHA-512");
    assert!(
        c.cmd("FEAT")
            .unwrap()
            .text()
            .contains(" HASH SHA-256;SHA-512*;SHA-1\r\n")
    );
    let r = c.cmd("HASH /dir/f.bin").unwrap();
    assert_eq!(
        line(&r),
        format!(
            "213 SHA-512 0-300000 {} /dir/f.bin",
            hex_digest(&digest::SHA512, &body)
        )
    );
    assert_eq!(line(&c.cmd("OPTS HASH sha-1").unwrap()), "200 SHA-1");
    let r = c.cmd("HASH dir/f.bin").unwrap();
    let sha1 = hex_digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &body);
    assert_eq!(line(&r), format!("213 SHA-1 0-300000 {sha1} dir/f.bin"));
    let r = c.cmd("OPTS HASH MD5").unwrap();
    assert_eq!(line(&r), "504 Unsupported algorithm");
    assert_eq!(line(&c.cmd("OPTS HASH").unwrap()), "200 SHA-1"); // unchanged
    assert_eq!(line(&c.cmd("OPTS HASH SHA-256").unwrap()), "200 SHA-256");
    let r = c.cmd("HASH empty").unwrap();
    assert_eq!(line(&r), format!("213 SHA-256 0-0 {} empty", sha256(b"")));

    // The X commands, whatever OPTS HASH selected.
    assert_eq!(
        line(&c.cmd("XSHA256 dir/f.bin").unwrap()),
        format!("250 {}", sha256(&body))
    );
    assert_eq!(
        line(&c.cmd("XSHA512 dir/f.bin").unwrap()),
        format!("250 {}", hex_digest(&digest::SHA512, &body))
    );
    assert_eq!(
        line(&c.cmd("XSHA1 dir/f.bin").unwrap()),
        format!("250 {sha1}")
    );
    c.cmd("CWD dir").unwrap();
    assert_eq!(
        line(&c.cmd("XSHA256 f.bin").unwrap()),
        format!("250 {}", sha256(&body))
    );

    // Errors.
    for verb in ["HASH", "XSHA256"] {
        assert_eq!(c.cmd(&format!("{verb} missing")).unwrap().code, 550);
        assert_eq!(c.cmd(&format!("{verb} /dir")).unwrap().code, 553);
        assert_eq!(c.cmd(verb).unwrap().code, 501);
    }
    assert_eq!(c.cmd("NOOP").unwrap().code, 200);
}

#[test]
fn g5_hash_and_x_commands_can_be_turned_off() {
    let srv = TestServer::builder()
        .hash(false)
        .xsha(false)
        .file("f", b"x")
        .start()
        .unwrap();
    let mut c = Client::explicit(&srv).unwrap();
    let feat = c.cmd("FEAT").unwrap().text();
    assert!(!feat.contains("HASH") && !feat.contains("XSHA"), "{feat}");
    c.login_default(&srv).unwrap();
    for cmd in ["HASH f", "XSHA1 f", "XSHA256 f", "XSHA512 f"] {
        let code = c.cmd(cmd).unwrap().code;
        assert!(matches!(code, 500 | 502), "{cmd}: {code}");
    }
    assert_eq!(c.cmd("OPTS HASH").unwrap().code, 501);
    assert_eq!(c.cmd("OPTS HASH SHA-512").unwrap().code, 501);

    // Each on its own.
    let srv = TestServer::builder()
        .hash(false)
        .file("f", b"x")
        .start()
        .unwrap();
    let mut c = Client::explicit(&srv).unwrap();
    let feat = c.cmd("FEAT").unwrap().text();
    assert!(
        !feat.contains("HASH") && feat.contains(" XSHA256\r\n"),
        "{feat}"
    );
    c.login_default(&srv).unwrap();
    assert_eq!(c.cmd("HASH f").unwrap().code, 502);
    assert_eq!(c.cmd("XSHA256 f").unwrap().code, 250);
    let srv = TestServer::builder()
        .xsha(false)
        .file("f", b"x")
        .start()
        .unwrap();
    let mut c = Client::explicit(&srv).unwrap();
    let feat = c.cmd("FEAT").unwrap().text();
    assert!(
        feat.contains(" HASH SHA-256*") && !feat.contains("XSHA"),
        "{feat}"
    );
    c.login_default(&srv).unwrap();
    assert_eq!(c.cmd("HASH f").unwrap().code, 213);
    assert_eq!(c.cmd("XSHA256 f").unwrap().code, 502);
}

#[test]
fn g5_lying_hash_is_well_formed_and_wrong() {
    let body = pattern(10_000);
    let srv = with(&[Fault::LyingHash], &[("f", &body)]);
    let mut c = Client::explicit(&srv).unwrap();
    c.login_default(&srv).unwrap();
    let lie = sha256(&[&body[..], &[0]].concat());
    assert_ne!(lie, sha256(&body));
    assert_eq!(
        line(&c.cmd("HASH f").unwrap()),
        format!("213 SHA-256 0-10000 {lie} f")
    );
    assert_eq!(line(&c.cmd("XSHA256 f").unwrap()), format!("250 {lie}"));
    let r = line(&c.cmd("XSHA512 f").unwrap());
    let hex = r.strip_prefix("250 ").unwrap();
    assert_eq!(hex.len(), 128);
    assert_ne!(hex, hex_digest(&digest::SHA512, &body));
}

#[test]
fn g5_hash_follows_uploads() {
    let srv = with(&[], &[]);
    let mut c = Client::ready(&srv).unwrap();
    let body = pattern(200_000);
    assert_eq!(c.stor("STOR up", &body).unwrap().code, 226);
    assert_eq!(
        line(&c.cmd("XSHA256 up").unwrap()),
        format!("250 {}", sha256(&body))
    );
}

/// Hashing 1 GiB: the digest streams over the file where it lies. Run with `--ignored`.
#[test]
#[ignore = "1 GiB in memory; run by hand with --ignored"]
fn g5_hash_of_a_1_gib_file() {
    let big = vec![0x5a_u8; 1 << 30];
    let expected = sha256(&big);
    let srv = with(&[], &[]);
    srv.put_file("big", &big).unwrap();
    drop(big);
    let mut c = Client::explicit(&srv).unwrap();
    c.login_default(&srv).unwrap();
    let start = Instant::now();
    let r = c.cmd("HASH big").unwrap();
    assert_eq!(line(&r), format!("213 SHA-256 0-1073741824 {expected} big"));
    eprintln!("HASH of 1 GiB: {:?}", start.elapsed());
}

// ---- G6: connections lost mid-transfer ---------------------------------------------------

/// Upload `contents` as far as the server lets it (errors from a reset are expected).
fn stor_cut(c: &mut Client, command: &str, contents: &[u8]) -> Reply {
    let (_, mut data) = c.open_transfer(command).unwrap();
    if data.write_all(contents).is_ok() {
        let _ = finish_upload(&mut data);
    }
    drop(data);
    c.read_reply().unwrap()
}

#[test]
fn g6_cut_every_second_cuts_the_2nd_and_4th_file_transfer() {
    let body = pattern(100_000);
    let srv = with(
        &[Fault::CutData {
            after: 10_000,
            every: 2,
        }],
        &[("f", &body)],
    );
    let mut c = Client::ready(&srv).unwrap();
    // 1st file transfer: whole.
    let (bytes, clean, done) = c.retr("RETR f").unwrap();
    assert_eq!((bytes == body, clean, done.code), (true, true, 226));
    // Listings do not count.
    let (_, _, done) = c.retr("LIST").unwrap();
    assert_eq!(done.code, 226);
    // 2nd: cut after 10000 bytes, RST, 426.
    let (_, mut data) = c.open_transfer("RETR f").unwrap();
    let (got, clean) = read_data(&mut data);
    assert!(!clean, "a cut download must not end cleanly");
    assert!(
        got.len() <= 10_000 && body.starts_with(&got),
        "{}",
        got.len()
    );
    assert_eq!(
        line(&c.read_reply().unwrap()),
        "426 Connection closed; transfer aborted."
    );
    assert_eq!(srv.cuts(), 1);
    assert_eq!(c.cmd("NOOP").unwrap().code, 200); // the control connection is fine
    // 3rd: REST + RETR gets the rest, whole.
    let resumed_at = got.len() as u64;
    let (_, rest, clean) = c.retr_at(resumed_at, "RETR f");
    assert!(clean);
    assert_eq!([got, rest].concat(), body);
    // 4th: an upload, cut after 10000 bytes; those are stored.
    let up = pattern(200_000);
    let r = stor_cut(&mut c, "STOR up", &up);
    assert_eq!(line(&r), "426 Connection closed; transfer aborted.");
    assert_eq!(srv.cuts(), 2);
    assert_eq!(srv.file("up").unwrap(), &up[..10_000]);
    // 5th: resumed with REST + STOR, whole.
    assert_eq!(c.cmd("REST 10000").unwrap().code, 350);
    assert_eq!(c.stor("STOR up", &up[10_000..]).unwrap().code, 226);
    assert_eq!(srv.file("up").unwrap(), up);
    assert_eq!(srv.cuts(), 2);
    let logs: Vec<(String, u64, String)> = srv.sessions()[0]
        .data
        .iter()
        .map(|d| (d.command.clone(), d.bytes, d.reply.clone()))
        .collect();
    let cut = "426 Connection closed; transfer aborted.".to_string();
    let done = "226 Transfer complete.".to_string();
    assert_eq!(
        logs,
        [
            ("RETR f".into(), 100_000, done.clone()),
            ("LIST".into(), logs[1].1, done.clone()),
            ("RETR f".into(), 10_000, cut.clone()),
            ("RETR f".into(), 100_000 - resumed_at, done.clone()),
            ("STOR up".into(), 10_000, cut),
            ("STOR up".into(), 190_000, done),
        ],
    );
}

#[test]
fn g6_cut_data_after_cuts_every_transfer_and_appe_resumes() {
    let srv = with(
        &[Fault::CutData {
            after: 30_000,
            every: 1,
        }],
        &[],
    );
    let mut c = Client::ready(&srv).unwrap();
    let up = pattern(100_000);
    let mut stored = 0;
    let mut attempts = 0;
    while stored < up.len() {
        attempts += 1;
        assert!(attempts < 10);
        let r = if stored == 0 {
            stor_cut(&mut c, "STOR up", &up)
        } else {
            stor_cut(&mut c, "APPE up", &up[stored..])
        };
        stored = srv.file("up").unwrap().len();
        if stored < up.len() {
            assert_eq!(r.code, 426, "{}", r.text());
        } else {
            assert_eq!(r.code, 226, "{}", r.text());
        }
    }
    // 30000, 60000, 90000 cut; the last 10000 go through.
    assert_eq!(attempts, 4);
    assert_eq!(srv.file("up").unwrap(), up);
    assert_eq!(srv.cuts(), 3);
    // A download of exactly `after` bytes (from the REST offset) is not cut.
    let (_, bytes, clean) = c.retr_at(70_000, "RETR up");
    assert_eq!((bytes.as_slice(), clean), (&up[70_000..], true));
    assert_eq!(srv.cuts(), 3);
}

#[test]
fn g6_cut_download_counts_from_the_rest_offset() {
    let body = pattern(100_000);
    let srv = with(&[Fault::CutDataOnce(1_000)], &[("f", &body)]);
    let mut c = Client::ready(&srv).unwrap();
    assert_eq!(c.cmd("REST 50000").unwrap().code, 350);
    let (_, mut data) = c.open_transfer("RETR f").unwrap();
    let (got, clean) = read_data(&mut data);
    assert!(!clean);
    assert!(got.len() <= 1_000 && body[50_000..].starts_with(&got));
    assert_eq!(c.read_reply().unwrap().code, 426);
    assert_eq!(srv.sessions()[0].data[0].bytes, 1_000);
    // Only once, also in another session.
    let (bytes, clean, done) = c.retr("RETR f").unwrap();
    assert_eq!((bytes == body, clean, done.code), (true, true, 226));
    let mut other = Client::ready(&srv).unwrap();
    let (bytes, _, done) = other.retr("RETR f").unwrap();
    assert_eq!((bytes == body, done.code), (true, 226));
    assert_eq!(srv.cuts(), 1);
}

#[test]
fn g6_the_count_runs_across_sessions() {
    let body = pattern(50_000);
    let srv = with(
        &[Fault::CutData {
            after: 100,
            every: 2,
        }],
        &[("f", &body)],
    );
    let mut first = Client::ready(&srv).unwrap();
    assert_eq!(first.retr("RETR f").unwrap().2.code, 226);
    let mut second = Client::ready(&srv).unwrap();
    let (_, clean, done) = second.retr("RETR f").unwrap();
    assert_eq!((clean, done.code), (false, 426));
    assert_eq!(first.retr("RETR f").unwrap().2.code, 226);
    assert_eq!(srv.cuts(), 1);
}

#[test]
fn g6_drop_session_mid_transfer_closes_the_control_connection_too() {
    let body = pattern(100_000);
    let srv = with(
        &[Fault::DropSessionMidTransfer {
            after: 5_000,
            every: 1,
        }],
        &[("f", &body)],
    );
    // A download.
    let mut c = Client::ready(&srv).unwrap();
    let (_, mut data) = c.open_transfer("RETR f").unwrap();
    let (got, clean) = read_data(&mut data);
    assert!(!clean && got.len() <= 5_000);
    let err = c.read_reply().unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::ConnectionReset | ErrorKind::UnexpectedEof
        ),
        "{err}"
    );
    assert_eq!(srv.cuts(), 1);
    // An upload: its first 5000 bytes are stored before the session goes.
    let mut c = Client::ready(&srv).unwrap();
    let up = pattern(80_000);
    let (_, mut data) = c.open_transfer("STOR up").unwrap();
    if data.write_all(&up).is_ok() {
        let _ = finish_upload(&mut data);
    }
    assert!(c.read_reply().is_err());
    assert_eq!(srv.file("up").unwrap(), &up[..5_000]);
    assert_eq!(srv.cuts(), 2);
    let sessions = srv.sessions();
    assert_eq!(sessions[1].data[0].bytes, 5_000);
    assert_eq!(sessions[1].data[0].reply, "");
    // A new session finds the partial file; a transfer that does not reach the cut passes.
    let mut c = Client::ready(&srv).unwrap();
    assert_eq!(line(&c.cmd("SIZE up").unwrap()), "213 5000");
    assert_eq!(c.stor("APPE up", &up[5_000..9_000]).unwrap().code, 226);
    assert_eq!(srv.file("up").unwrap(), &up[..9_000]);
}

#[test]
fn g6_drop_session_every_second() {
    let srv = with(
        &[Fault::DropSessionMidTransfer { after: 0, every: 2 }],
        &[("f", b"hello")],
    );
    let mut c = Client::ready(&srv).unwrap();
    assert_eq!(c.retr("RETR f").unwrap().0, b"hello");
    let (_, mut data) = c.open_transfer("RETR f").unwrap();
    let (got, clean) = read_data(&mut data);
    assert!(got.is_empty() && !clean);
    assert!(c.read_reply().is_err());
    assert_eq!(srv.cuts(), 1);
}

/// 64 MiB through the memory tree with cuts, both ways, resumed each time: the resumed
/// attempts reuse the stored data in place. (The 1 GiB version is `--ignored`.)
fn resume_round_trip(size: usize, after: u64) {
    let body: Vec<u8> = (0..size)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761) as u8)
        .collect();
    let srv = TestServer::builder()
        .tls_versions(&[TLS12])
        .fault(Fault::CutData { after, every: 2 })
        .start()
        .unwrap();
    let mut c = Client::ready(&srv).unwrap();
    let start = Instant::now();
    // Upload: 1st whole to "a"; then to "b": 2nd cut, 3rd whole (resumed), ...
    assert_eq!(c.stor("STOR a", &body).unwrap().code, 226);
    let mut stored = 0usize;
    let mut first = true;
    loop {
        let r = if first {
            stor_cut(&mut c, "STOR b", &body)
        } else {
            assert_eq!(c.cmd(&format!("REST {stored}")).unwrap().code, 350);
            stor_cut(&mut c, "STOR b", &body[stored..])
        };
        first = false;
        stored = c
            .cmd("SIZE b")
            .unwrap()
            .text()
            .trim_end()
            .strip_prefix("213 ")
            .unwrap()
            .parse()
            .unwrap();
        if r.code == 226 {
            break;
        }
        assert_eq!(r.code, 426);
    }
    assert_eq!(stored, size);
    let uploaded = start.elapsed();
    let expected = sha256(&body);
    assert_eq!(
        line(&c.cmd("XSHA256 b").unwrap()),
        format!("250 {expected}")
    );
    // Download with resumption, hashed as it comes (no second copy in the test).
    let mut hasher = digest::Context::new(&digest::SHA256);
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    while got < size {
        if got > 0 {
            assert_eq!(c.cmd(&format!("REST {got}")).unwrap().code, 350);
        }
        let (_, mut data) = c.open_transfer("RETR a").unwrap();
        while let Ok(n @ 1..) = data.read(&mut buf) {
            hasher.update(&buf[..n]);
            got += n;
        }
        drop(data);
        let done = c.read_reply().unwrap();
        assert!(matches!(done.code, 226 | 426), "{}", done.text());
    }
    assert_eq!(got, size);
    assert_eq!(hex(hasher.finish().as_ref()), expected);
    assert!(srv.cuts() >= 2);
    eprintln!(
        "{size} bytes up (twice) and down with {} cuts: {:?}, uploads {uploaded:?}",
        srv.cuts(),
        start.elapsed()
    );
}

#[test]
fn g6_resumed_transfers_of_64_mib() {
    resume_round_trip(64 << 20, 20 << 20);
}

#[test]
#[ignore = "1 GiB in memory several times; run by hand with --ignored (release recommended)"]
fn g6_resumed_transfers_of_1_gib() {
    resume_round_trip(1 << 30, 300 << 20);
}

// ---- rename ------------------------------------------------------------------------------

#[test]
fn no_rename_onto_existing_gives_553_and_changes_nothing() {
    let srv = with(
        &[Fault::NoRenameOntoExisting],
        &[("a", b"AAA"), ("b", b"BBB"), ("d/x", b"x")],
    );
    let mut c = Client::explicit(&srv).unwrap();
    c.login_default(&srv).unwrap();
    assert_eq!(c.cmd("RNFR a").unwrap().code, 350);
    assert_eq!(
        line(&c.cmd("RNTO b").unwrap()),
        "553 Rename failed: file exists."
    );
    assert_eq!(srv.file("a").unwrap(), b"AAA");
    assert_eq!(srv.file("b").unwrap(), b"BBB");
    assert_eq!(c.cmd("RNFR a").unwrap().code, 350);
    assert_eq!(c.cmd("RNTO d").unwrap().code, 553);
    // Onto a free name it works; a rename onto the deleted target too.
    assert_eq!(c.cmd("RNFR a").unwrap().code, 350);
    assert_eq!(c.cmd("RNTO c").unwrap().code, 250);
    assert_eq!(c.cmd("DELE b").unwrap().code, 250);
    assert_eq!(c.cmd("RNFR c").unwrap().code, 350);
    assert_eq!(c.cmd("RNTO b").unwrap().code, 250);
    assert_eq!(srv.file("b").unwrap(), b"AAA");
    assert_eq!(srv.file("a"), None);

    // Without the fault RNTO replaces the target.
    let srv = with(&[], &[("a", b"AAA"), ("b", b"BBB")]);
    let mut c = Client::explicit(&srv).unwrap();
    c.login_default(&srv).unwrap();
    assert_eq!(c.cmd("RNFR a").unwrap().code, 350);
    assert_eq!(c.cmd("RNTO b").unwrap().code, 250);
    assert_eq!(srv.file("b").unwrap(), b"AAA");
}

// ---- the fault list and the binary -------------------------------------------------------

#[test]
fn the_new_fault_names_parse() {
    let all = "lying-hash, cut-data-after=100,cut-every-second=200,cut-once=0,\
               drop-session-after=5,drop-session-every-second=6, no-rename-onto-existing";
    assert_eq!(
        Fault::parse_data_faults(all).unwrap(),
        vec![
            Fault::LyingHash,
            Fault::CutData {
                after: 100,
                every: 1
            },
            Fault::CutData {
                after: 200,
                every: 2
            },
            Fault::CutDataOnce(0),
            Fault::DropSessionMidTransfer { after: 5, every: 1 },
            Fault::DropSessionMidTransfer { after: 6, every: 2 },
            Fault::NoRenameOntoExisting,
        ]
    );
    for bad in [
        "lying-hash=1",
        "no-rename-onto-existing=yes",
        "cut-data-after",
        "cut-data-after=",
        "cut-every-second=-5",
        "cut-once=1MiB",
        "drop-session-after=x",
        "drop-session-every-second",
        "cut-every-third=5",
    ] {
        assert!(
            Fault::parse_data_faults(bad).is_err(),
            "{bad:?} was accepted"
        );
    }
}

/// Start the binary with `args` (`name` for its temp dir); returns it, its explicit address,
/// a client config and the temp dir.
fn spawn(
    name: &str,
    args: &[&str],
) -> (
    std::process::Child,
    SocketAddr,
    std::sync::Arc<rustls::ClientConfig>,
    std::path::PathBuf,
) {
    let dir = std::env::temp_dir().join(format!("ftps-testserver-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ftps-testserver"))
        .args(["--quiet", "--ca-out"])
        .arg(&ca)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut json = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut json)
        .unwrap();
    let explicit = json
        .split("\"explicit\": \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no explicit address in {json:?}"))
        .parse()
        .unwrap();
    let config = client_config_pem(&std::fs::read(&ca).unwrap());
    (child, explicit, config, dir)
}

#[test]
fn binary_no_hash_no_xsha_and_fault_user_items() {
    let (mut child, addr, config, dir) = spawn(
        "no-hash",
        &[
            "--no-hash",
            "--no-xsha",
            "--max-upload",
            "3",
            "--fault-user",
            "cut:cut-data-after=2,lying-hash",
        ],
    );
    let mut c = Client::explicit_at(addr, config.clone()).unwrap();
    let feat = c.cmd("FEAT").unwrap().text();
    assert!(!feat.contains("HASH") && !feat.contains("XSHA"), "{feat}");
    c.login("ftpuser", "ftppass").unwrap();
    c.prot_p().unwrap();
    assert_eq!(c.cmd("HASH hello.txt").unwrap().code, 502);
    assert_eq!(c.cmd("XSHA256 hello.txt").unwrap().code, 502);
    // --max-upload 3: only 3 bytes kept.
    assert_eq!(c.stor("STOR upload/x", b"123456").unwrap().code, 226);
    assert_eq!(line(&c.cmd("SIZE upload/x").unwrap()), "213 3");
    // The fault user's downloads are cut after 2 bytes.
    let mut cut = Client::explicit_at(addr, config).unwrap();
    cut.login("cut", "ftppass").unwrap();
    cut.prot_p().unwrap();
    let (bytes, clean, done) = cut.retr("RETR hello.txt").unwrap();
    assert!(bytes.len() <= 2 && !clean && done.code == 426, "{bytes:?}");
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    std::fs::remove_dir_all(&dir).unwrap();

    // By default both are offered.
    let (mut child, addr, config, dir) = spawn("hash", &[]);
    let mut c = Client::explicit_at(addr, config).unwrap();
    let feat = c.cmd("FEAT").unwrap().text();
    assert!(feat.contains(" HASH SHA-256*;SHA-512;SHA-1\r\n") && feat.contains(" XSHA512\r\n"));
    c.login("ftpuser", "ftppass").unwrap();
    assert_eq!(
        line(&c.cmd("XSHA256 hello.txt").unwrap()),
        format!("250 {}", sha256(b"hello\n"))
    );
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- resumed uploads on disk --------------------------------------------------------------

#[test]
fn disk_uploads_resume_in_place_and_hash() {
    let dir = std::env::temp_dir().join(format!("ftps-testserver-disk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("f"), b"0123456789").unwrap();
    let srv = TestServer::builder()
        .root_dir(&dir)
        .fault(Fault::CutDataOnce(4))
        .start()
        .unwrap();
    let mut c = Client::ready(&srv).unwrap();
    let r = stor_cut(&mut c, "STOR up", &pattern(1000));
    assert_eq!(r.code, 426);
    assert_eq!(std::fs::read(dir.join("up")).unwrap(), &pattern(1000)[..4]);
    assert_eq!(c.cmd("REST 4").unwrap().code, 350);
    assert_eq!(c.stor("STOR up", &pattern(1000)[4..]).unwrap().code, 226);
    assert_eq!(std::fs::read(dir.join("up")).unwrap(), pattern(1000));
    assert_eq!(c.cmd("REST 3").unwrap().code, 350);
    assert_eq!(c.stor("STOR f", b"abc").unwrap().code, 226);
    assert_eq!(c.stor("APPE f", b"!").unwrap().code, 226);
    assert_eq!(std::fs::read(dir.join("f")).unwrap(), b"012abc!");
    assert_eq!(
        line(&c.cmd("HASH f").unwrap()),
        format!("213 SHA-256 0-7 {} f", sha256(b"012abc!"))
    );
    assert_eq!(c.cmd("HASH /").unwrap().code, 553);
    drop(c);
    drop(srv);
    std::fs::remove_dir_all(&dir).unwrap();
}
