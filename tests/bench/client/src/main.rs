//! `ftps-bench`: performs one benchmark case through ftps-core and prints nothing on
//! success (errors go to stderr, exit status 1). Used by `tests/bench/run.py`, which
//! times it from outside with `/usr/bin/time`.
//!
//! ```text
//! ftps-bench --host H --port P --mode explicit|implicit --ca PATH --user U --pass P
//!            [--tls12] [--stats] [--transcript] [--parallel N] [--segments K] COMMAND ...
//!   get REMOTE LOCAL            RETR REMOTE into LOCAL (a plain write(2) sink: /dev/null is fine);
//!                               with --segments K, Client::download_segmented in K sessions
//!                               (LOCAL /dev/null: into a temporary file beside $TMPDIR, removed)
//!   put LOCAL REMOTE            STOR the local file LOCAL as REMOTE
//!   many-get RDIR N LDIR        RETR RDIR/f001.bin .. RDIR/fNNN.bin into LDIR/, one session
//!   many-put LDIR N RDIR        STOR LDIR/f001.bin .. LDIR/fNNN.bin into RDIR/, one session
//!   list [RDIR]                 LIST (parsed) of RDIR or the current directory
//! ```
//! With `--parallel N` (N >= 1), many-get and many-put are one `Client::run_batch` over up to N
//! sessions (downloads then go through `download_file`: a temporary file, fsynced, renamed).
//! Every command connects, logs in, does its work and sends QUIT.
use ftps_core::{Client, Config, Job, Mode, TlsVersion, TransferOptions};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: ftps-bench --host H --port P --mode explicit|implicit --ca PATH \
--user U --pass P [--tls12] [--stats] [--transcript] [--parallel N] [--segments K] \
(get REMOTE LOCAL | put LOCAL REMOTE | many-get RDIR N LDIR | many-put LDIR N RDIR | list [RDIR])";

struct Opts {
    host: String,
    port: u16,
    mode: Mode,
    ca: Option<PathBuf>,
    user: String,
    pass: String,
    tls12: bool,
    stats: bool,
    transcript: bool,
    parallel: Option<usize>,
    segments: usize,
    cmd: Vec<String>,
}

fn parse() -> Result<Opts, String> {
    let mut a = std::env::args().skip(1);
    let mut o = Opts {
        host: "127.0.0.1".into(),
        port: 0,
        mode: Mode::Explicit,
        ca: None,
        user: "anonymous".into(),
        pass: "anonymous@".into(),
        tls12: false,
        stats: false,
        transcript: false,
        parallel: None,
        segments: 1,
        cmd: Vec::new(),
    };
    while let Some(arg) = a.next() {
        let mut val = |name: &str| a.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--host" => o.host = val("--host")?,
            "--port" => o.port = val("--port")?.parse().map_err(|e| format!("--port: {e}"))?,
            "--mode" => o.mode = val("--mode")?.parse().map_err(|e| format!("--mode: {e}"))?,
            "--ca" => o.ca = Some(val("--ca")?.into()),
            "--user" => o.user = val("--user")?,
            "--pass" => o.pass = val("--pass")?,
            "--tls12" => o.tls12 = true,
            "--stats" => o.stats = true,
            "--transcript" => o.transcript = true,
            "--parallel" => {
                o.parallel = Some(
                    val("--parallel")?
                        .parse()
                        .map_err(|e| format!("--parallel: {e}"))?,
                )
            }
            "--segments" => {
                o.segments = val("--segments")?
                    .parse()
                    .map_err(|e| format!("--segments: {e}"))?
            }
            "-h" | "--help" => return Err(USAGE.into()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}\n{USAGE}")),
            _ => {
                o.cmd.push(arg);
                o.cmd.extend(a.by_ref());
            }
        }
    }
    if o.cmd.is_empty() {
        return Err(USAGE.into());
    }
    Ok(o)
}

fn name(i: usize) -> String {
    format!("f{i:03}.bin")
}

fn count(s: &str) -> Result<usize, Box<dyn std::error::Error>> {
    Ok(s.parse().map_err(|e| format!("N={s}: {e}"))?)
}

/// One batch over up to `parallel` sessions; the first failed job is the error.
fn batch(
    c: &mut Client,
    jobs: &[Job],
    parallel: Option<usize>,
) -> Result<(), Box<dyn std::error::Error>> {
    let report = c.run_batch(jobs, parallel.unwrap_or(1), None);
    for r in report.results {
        r?;
    }
    Ok(())
}

fn run(o: &Opts) -> Result<(), Box<dyn std::error::Error>> {
    let mut b = Config::builder(&o.host).mode(o.mode);
    if o.port != 0 {
        b = b.port(o.port);
    }
    if let Some(ca) = &o.ca {
        b = b.ca_file(ca);
    }
    if o.tls12 {
        b = b.max_tls_version(TlsVersion::Tls12);
    }
    let cfg = b.build()?;
    let mut c = if o.transcript {
        Client::connect_with_transcript(
            &cfg,
            Some(Box::new(|d, l| {
                eprintln!("{d:?} {}", String::from_utf8_lossy(l))
            })),
        )?
    } else {
        Client::connect(&cfg)?
    };
    c.login(&o.user, &o.pass)?;
    let args: Vec<&str> = o.cmd.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["get", remote, local] if o.segments > 1 => {
            let sink = Path::new(local) == Path::new("/dev/null");
            let target = if sink {
                std::env::temp_dir().join(format!("ftps-bench-seg-{}", std::process::id()))
            } else {
                PathBuf::from(local)
            };
            let r = c.download_segmented(*remote, &target, o.segments, None);
            if sink {
                let _ = std::fs::remove_file(&target);
            }
            r?;
        }
        ["get", remote, local] => {
            let mut f = File::create(local).map_err(|e| format!("{local}: {e}"))?;
            c.download(*remote, &mut f, &mut TransferOptions::default())?;
        }
        ["many-get", rdir, n, ldir] if o.parallel.is_some() => {
            let jobs: Vec<Job> = (1..=count(n)?)
                .map(|i| {
                    Job::download(format!("{rdir}/{}", name(i)), Path::new(ldir).join(name(i)))
                })
                .collect();
            batch(&mut c, &jobs, o.parallel)?;
        }
        ["many-put", ldir, n, rdir] if o.parallel.is_some() => {
            let jobs: Vec<Job> = (1..=count(n)?)
                .map(|i| Job::upload(Path::new(ldir).join(name(i)), format!("{rdir}/{}", name(i))))
                .collect();
            batch(&mut c, &jobs, o.parallel)?;
        }
        ["put", local, remote] => {
            c.upload_file(local, *remote, false, None)?;
        }
        ["many-get", rdir, n, ldir] => {
            for i in 1..=count(n)? {
                let l = Path::new(ldir).join(name(i));
                let mut f = File::create(&l).map_err(|e| format!("{}: {e}", l.display()))?;
                c.download(
                    format!("{rdir}/{}", name(i)),
                    &mut f,
                    &mut TransferOptions::default(),
                )?;
            }
        }
        ["many-put", ldir, n, rdir] => {
            for i in 1..=count(n)? {
                c.upload_file(
                    Path::new(ldir).join(name(i)),
                    format!("{rdir}/{}", name(i)),
                    false,
                    None,
                )?;
            }
        }
        ["list"] => {
            c.list(None)?;
        }
        ["list", rdir] => {
            c.list(Some(rdir.as_bytes()))?;
        }
        _ => return Err(USAGE.into()),
    }
    if o.stats {
        eprintln!("stats {:?}", c.session_stats());
    }
    c.quit()?;
    Ok(())
}

fn main() -> ExitCode {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("ftps-bench: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&o) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ftps-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
