//! Per-user faults: the builder's `fault_user`, the fault-list parser and the binary's
//! `--fault-user NAME:FAULTS` option that the C and Python suites use.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;
use ftps_testserver::{Fault, TestServer};

#[test]
fn every_fault_name_parses() {
    let all = "announce-whole, no-close-notify,truncate-after=10,clean-cut-after=9,rst,key-update-every=4096,late-ticket=7";
    assert_eq!(
        Fault::parse_data_faults(all).unwrap(),
        vec![
            Fault::Announce150Whole,
            Fault::DataNoCloseNotify,
            Fault::TruncateAfter(10),
            Fault::CleanCutAfter(9),
            Fault::RstInsteadOfFin,
            Fault::KeyUpdateEvery(4096),
            Fault::LateTicket(7),
        ]
    );
}

#[test]
fn bad_fault_lists_are_refused() {
    for bad in [
        "",
        "rst,",
        "bogus",
        "truncate-after",
        "truncate-after=",
        "truncate-after=-1",
        "truncate-after=1k",
        "rst=1",
        "announce-whole=yes",
    ] {
        assert!(
            Fault::parse_data_faults(bad).is_err(),
            "{bad:?} was accepted"
        );
    }
}

#[test]
fn a_fault_user_gets_its_faults_and_the_other_users_do_not() {
    let srv = TestServer::builder()
        .user("ftpuser", "ftppass")
        .fault_user("cut", "pw", [Fault::TruncateAfter(3)])
        .file("f", b"hello\n")
        .start()
        .unwrap();
    let mut plain = Client::ready(&srv).unwrap();
    assert_eq!(plain.retr("RETR f").unwrap().0, b"hello\n");
    let mut cut = Client::explicit(&srv).unwrap();
    cut.login("cut", "pw").unwrap();
    cut.prot_p().unwrap();
    let (bytes, clean, done) = cut.retr("RETR f").unwrap();
    assert_eq!(
        (bytes.as_slice(), clean, done.code),
        (&b"hel"[..], false, 226)
    );
    // The first session still has no faults.
    assert_eq!(plain.retr("RETR f").unwrap().0, b"hello\n");
    let users: Vec<_> = srv.sessions().into_iter().map(|s| s.user).collect();
    assert_eq!(users, [Some("ftpuser".into()), Some("cut".into())]);
}

#[test]
fn binary_fault_user_option_applies_to_that_user_only() {
    let dir = std::env::temp_dir().join(format!("ftps-testserver-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ftps-testserver"))
        .args(["--quiet", "--pass", "pw", "--ca-out"])
        .arg(&ca)
        .args(["--fault-user", "cut:announce-whole,truncate-after=3"])
        .args(["--fault-user", "whole:announce-whole"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let explicit = line
        .split("\"explicit\": \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no explicit address in {line:?}"));
    let config = client_config_pem(&std::fs::read(&ca).unwrap());
    let mut results = Vec::new();
    for user in ["ftpuser", "whole", "cut"] {
        let mut c = Client::explicit_at(explicit.parse().unwrap(), config.clone()).unwrap();
        c.login(user, "pw").unwrap();
        c.prot_p().unwrap();
        results.push(c.retr_at(2, "RETR hello.txt"));
    }
    drop(child.stdin.take()); // EOF on stdin: the server stops
    assert!(child.wait().unwrap().success());
    std::fs::remove_dir_all(&dir).unwrap();
    fn expect(announced: &'static str, bytes: &[u8], clean: bool) -> (&'static str, Vec<u8>, bool) {
        (announced, bytes.to_vec(), clean)
    }
    let got: Vec<_> = results
        .iter()
        .map(|(text, bytes, clean)| {
            let announced = if text.contains("(6 bytes)") {
                "whole"
            } else if text.contains("(4 bytes)") {
                "to come"
            } else {
                "?"
            };
            (announced, bytes.clone(), *clean)
        })
        .collect();
    assert_eq!(
        got,
        [
            expect("to come", b"llo\n", true),
            expect("whole", b"llo\n", true),
            expect("whole", b"llo", false),
        ],
        "{results:?}"
    );
}
