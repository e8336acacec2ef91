//! `get HOST PORT implicit|explicit CA REMOTE [N]`: downloads REMOTE N times to nowhere
//! and prints the throughput. A quick measuring tool, not a benchmark harness.
use ftps_core::{Client, Config, Mode};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let mode = if a[3] == "implicit" {
        Mode::Implicit
    } else {
        Mode::Explicit
    };
    let cfg = Config::builder(&a[1])
        .port(a[2].parse()?)
        .mode(mode)
        .ca_file(&a[4])
        .build()?;
    let n: usize = a.get(6).map(|s| s.parse()).transpose()?.unwrap_or(1);
    let mut c = Client::connect(&cfg)?;
    c.login("ftpuser", "ftppass")?;
    for _ in 0..n {
        let t = Instant::now();
        let bytes = c.download(&a[5], &mut std::io::sink(), &mut Default::default())?;
        let s = t.elapsed().as_secs_f64();
        println!(
            "{bytes} bytes in {s:.3} s: {:.0} MB/s",
            bytes as f64 / s / 1e6
        );
    }
    c.quit()?;
    Ok(())
}
