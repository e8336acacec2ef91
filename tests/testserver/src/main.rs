//! `ftps-testserver`: run the test server by hand or from C/Python tests and `make demo`.
//!
//! Prints one line of JSON (`implicit`, `explicit`, `ca`, `user`, `password`) on stdout, then
//! serves until stdin reaches EOF (or, with `--until-killed`, until the process is killed).

#![forbid(unsafe_code)]

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use ftps_testserver::{DEFAULT_PASSWORD, DEFAULT_USER, Fault, TestServer};

const USAGE: &str = "\
usage: ftps-testserver [options]
  --user NAME       user name to accept (default ftpuser)
  --pass PASSWORD   its password (default ftppass)
  --root DIR        serve this directory instead of the in-memory demo tree
  --ca-out PATH     write the CA certificate (PEM) here (default: a file in the temp dir)
  --allow-plain     allow plain FTP login on the explicit port
  --no-hash         do not offer HASH / OPTS HASH (FEAT lists no HASH, HASH gets 502)
  --no-xsha         do not offer XSHA1, XSHA256, XSHA512 (not in FEAT, 502)
  --no-mfmt         do not offer MFMT (not in FEAT, 502): uploads keep their upload time
  --max-upload BYTES
                    most bytes one upload stores, the rest is read and dropped
                    (default 4294967296, 4 GiB)
  --max-sessions-per-user N
                    while N sessions of one user are logged in, its next login gets
                    530 Sorry, the maximum number of clients (N) for this user are
                    already connected. (ProFTPD's MaxClientsPerUser; default no limit)
  --max-clients N   while N control connections are open, a new one gets 421 There are
                    too many connected users, please try later. and is closed (vsftpd's
                    max_clients; on the implicit port after the TLS handshake; default
                    no limit)
  --fault-user NAME:FAULTS
                    one more user, NAME, with the password of --pass; once it has logged
                    in, its data connections (and HASH, RNTO) misbehave as FAULTS says, a
                    comma-separated list of (repeat the option for more users):
                      announce-whole        after REST, the 150 reply announces the whole
                                            file's size (vsftpd), not the bytes to come
                      no-close-notify       downloads end with FIN, no TLS close_notify
                      truncate-after=N      send only N bytes of a download (from the REST
                                            offset), then FIN without close_notify
                      clean-cut-after=N     send only N bytes of a download, then end
                                            cleanly (close_notify + FIN) all the same
                      rst                   downloads end with a TCP RST
                      key-update-every=N    TLS 1.3: a KeyUpdate (update_requested) every
                                            N payload bytes, both directions
                      late-ticket=N         TLS 1.3: the first N bytes of a download go
                                            out before the client's Finished is read, so
                                            the session tickets arrive after them
                      lying-hash            HASH and XSHA* answer a well-formed, wrong
                                            digest
                      cut-data-after=N      every file transfer (RETR, STOR, APPE) is cut
                                            after N bytes: data connection reset (RST),
                                            426 on the control connection; an upload
                                            keeps the N bytes it got
                      cut-every-second=N    the same on the 2nd, 4th, ... file transfer
                                            (counted over all sessions with a cut fault)
                      cut-once=N            the same on the first file transfer only
                      drop-session-after=N  like cut-data-after=N, and the control
                                            connection is reset too, without a reply
                      drop-session-every-second=N
                                            the same on the 2nd, 4th, ... file transfer
                      no-rename-onto-existing
                                            RNTO onto an existing file: 553, no change
                      busy-until-final      commands sent before a transfer's final
                                            reply: 450 data transfer in progress
                      size-without-number   SIZE answers \"213 File status\" (no number)
                    e.g. --fault-user cut:announce-whole,truncate-after=1000
  --fault FAULTS    the same faults for every session, from its first byte; also
                      commands-after-234=MS for MS milliseconds after 234 the control
                                            connection still reads commands: a
                                            ClientHello is answered in clear text
                                            (502 Command not allowed)
  --until-killed    ignore stdin; serve until the process is killed
  --quiet           print nothing but the JSON line
  -h, --help        this text

Prints one JSON line {\"implicit\",\"explicit\",\"ca\",\"user\",\"password\"} on stdout,
then serves until stdin is closed (or until killed with --until-killed).
A second demo login, demo/demo, is always accepted.";

struct Args {
    user: String,
    pass: String,
    root: Option<PathBuf>,
    ca_out: Option<PathBuf>,
    allow_plain: bool,
    hash: bool,
    xsha: bool,
    mfmt: bool,
    max_upload: Option<u64>,
    max_sessions_per_user: Option<usize>,
    max_clients: Option<usize>,
    until_killed: bool,
    quiet: bool,
    fault_users: Vec<(String, Vec<Fault>)>,
    faults: Vec<Fault>,
}

/// `NAME:FAULTS` of `--fault-user`.
fn parse_fault_user(value: &str) -> Result<(String, Vec<Fault>), String> {
    let (name, spec) = value
        .split_once(':')
        .ok_or(format!("--fault-user {value:?}: expected NAME:FAULTS"))?;
    if name.is_empty() {
        return Err(format!("--fault-user {value:?}: empty user name"));
    }
    let faults = Fault::parse_data_faults(spec).map_err(|e| format!("--fault-user {name}: {e}"))?;
    Ok((name.to_string(), faults))
}

fn parse_args(mut argv: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args {
        user: DEFAULT_USER.into(),
        pass: DEFAULT_PASSWORD.into(),
        root: None,
        ca_out: None,
        allow_plain: false,
        hash: true,
        xsha: true,
        mfmt: true,
        max_upload: None,
        max_sessions_per_user: None,
        max_clients: None,
        until_killed: false,
        quiet: false,
        fault_users: Vec::new(),
        faults: Vec::new(),
    };
    while let Some(arg) = argv.next() {
        let mut value = |name: &str| argv.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--user" => args.user = value("--user")?,
            "--pass" => args.pass = value("--pass")?,
            "--root" => args.root = Some(value("--root")?.into()),
            "--ca-out" => args.ca_out = Some(value("--ca-out")?.into()),
            "--allow-plain" => args.allow_plain = true,
            "--no-hash" => args.hash = false,
            "--no-xsha" => args.xsha = false,
            "--no-mfmt" => args.mfmt = false,
            "--max-upload" => {
                let bytes = value("--max-upload")?;
                let bytes = bytes
                    .parse()
                    .map_err(|_| format!("--max-upload {bytes:?}: not a byte count"))?;
                args.max_upload = Some(bytes);
            }
            "--max-sessions-per-user" => {
                let n = value("--max-sessions-per-user")?;
                let n = n
                    .parse()
                    .map_err(|_| format!("--max-sessions-per-user {n:?}: not a count"))?;
                args.max_sessions_per_user = Some(n);
            }
            "--max-clients" => {
                let n = value("--max-clients")?;
                let n = n
                    .parse()
                    .map_err(|_| format!("--max-clients {n:?}: not a count"))?;
                args.max_clients = Some(n);
            }
            "--fault" => {
                let spec = value("--fault")?;
                let faults =
                    Fault::parse_data_faults(&spec).map_err(|e| format!("--fault: {e}"))?;
                args.faults.extend(faults);
            }
            "--fault-user" => {
                let user = parse_fault_user(&value("--fault-user")?)?;
                args.fault_users.push(user);
            }
            "--until-killed" => args.until_killed = true,
            "--quiet" => args.quiet = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(args))
}

/// A JSON string literal.
fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn demo_tree(builder: ftps_testserver::Builder) -> ftps_testserver::Builder {
    let big: Vec<u8> = (0..1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    builder
        .file("hello.txt", b"hello\n")
        .file("readme.txt", b"ftps-testserver demo tree\n")
        .file("pub/data.bin", big)
        .file("pub/notes/a.txt", b"a\n")
        .dir("upload")
}

fn run(args: Args) -> io::Result<()> {
    let mut builder = TestServer::builder()
        .user(&args.user, &args.pass)
        .user("demo", "demo")
        .allow_plain(args.allow_plain)
        .hash(args.hash)
        .xsha(args.xsha)
        .mfmt(args.mfmt);
    if let Some(bytes) = args.max_upload {
        builder = builder.max_upload(bytes);
    }
    if let Some(n) = args.max_sessions_per_user {
        builder = builder.max_sessions_per_user(n);
    }
    if let Some(n) = args.max_clients {
        builder = builder.max_clients(n);
    }
    for fault in &args.faults {
        builder = builder.fault(fault.clone());
    }
    for (name, faults) in &args.fault_users {
        builder = builder.fault_user(name, &args.pass, faults.iter().cloned());
    }
    builder = match &args.root {
        Some(root) => builder.root_dir(root),
        None => demo_tree(builder),
    };
    let mut srv = builder.start()?;
    let ca_path = args.ca_out.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("ftps-testserver-{}-ca.pem", std::process::id()))
    });
    srv.write_ca(&ca_path)?;
    let line = format!(
        "{{\"implicit\": {}, \"explicit\": {}, \"ca\": {}, \"user\": {}, \"password\": {}}}",
        json_str(&srv.implicit_addr().to_string()),
        json_str(&srv.explicit_addr().to_string()),
        json_str(&ca_path.to_string_lossy()),
        json_str(&args.user),
        json_str(&args.pass),
    );
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()?;
    drop(stdout);
    if !args.quiet {
        eprintln!(
            "ftps-testserver: implicit {} explicit {}; {}",
            srv.implicit_addr(),
            srv.explicit_addr(),
            if args.until_killed {
                "serving until killed"
            } else {
                "serving until stdin closes"
            }
        );
    }
    if args.until_killed {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    let mut sink = [0u8; 1024];
    let mut stdin = io::stdin().lock();
    while !matches!(stdin.read(&mut sink), Ok(0) | Err(_)) {}
    srv.shutdown();
    if args.ca_out.is_none() {
        let _ = std::fs::remove_file(&ca_path);
    }
    Ok(())
}

fn main() -> ExitCode {
    match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => match run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("ftps-testserver: {e}");
                ExitCode::FAILURE
            }
        },
        Ok(None) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ftps-testserver: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
