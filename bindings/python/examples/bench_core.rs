//! The Rust-core side of `bench_1gib.py`: one download or upload through
//! `ftps-core` directly, timed, for comparison with the Python binding.
//!
//! `bench_core HOST PORT MODE CA USER PASS (download REMOTE LOCAL | upload LOCAL REMOTE)`
//! prints `seconds bytes` on one line.

use std::time::Instant;

use ftps_core::{Client, Config, Mode};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 10 {
        eprintln!(
            "usage: bench_core HOST PORT MODE CA USER PASS (download REMOTE LOCAL | upload LOCAL REMOTE)"
        );
        std::process::exit(2);
    }
    let mode = if a[3] == "implicit" {
        Mode::Implicit
    } else {
        Mode::Explicit
    };
    let config = Config::builder(&a[1])
        .port(a[2].parse()?)
        .mode(mode)
        .ca_file(&a[4])
        .build()?;
    let mut c = Client::connect(&config)?;
    c.login(&a[5], &a[6])?;
    let t = Instant::now();
    let n = match a[7].as_str() {
        "download" => c.download_file(&a[8], &a[9], false, None)?,
        "upload" => c.upload_file(&a[8], &a[9], false, None)?,
        other => return Err(format!("unknown direction {other}").into()),
    };
    let secs = t.elapsed().as_secs_f64();
    let resumed = c.session_stats().data_full == 0;
    c.quit()?;
    println!("{secs:.3} {n} {resumed}");
    Ok(())
}
