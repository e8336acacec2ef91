//! A quick end-to-end check against a server: `smoke HOST PORT implicit|explicit CA [tls12]`.
use ftps_core::{Client, Config, Mode, TlsVersion, TransferOptions, UploadMode};
use std::io::{Read, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    let mode = if a[3] == "implicit" {
        Mode::Implicit
    } else {
        Mode::Explicit
    };
    let mut b = Config::builder(&a[1])
        .port(a[2].parse()?)
        .mode(mode)
        .ca_file(&a[4]);
    if a.get(5).map(String::as_str) == Some("tls12") {
        b = b.max_tls_version(TlsVersion::Tls12);
    }
    if a.get(6).map(String::as_str) == Some("active") {
        b = b.data_connection_mode(ftps_core::DataConnectionMode::Active { bind: None });
    }
    let cfg = b.build()?;
    let mut c = Client::connect_with_transcript(
        &cfg,
        Some(Box::new(|d, l| {
            eprintln!("{d:?} {}", String::from_utf8_lossy(l))
        })),
    )?;
    c.login("ftpuser", "ftppass")?;
    println!("tls {:?}", c.tls_info());
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    c.set_transcript(None);
    let mut up = c.stor("upload/smoke.bin", UploadMode::Replace)?;
    up.write_all(&data)?;
    println!("stor {}", up.finish()?);
    for i in 0..30 {
        let mut d = c.retr("upload/smoke.bin")?;
        let mut got = Vec::new();
        d.read_to_end(&mut got)?;
        let r = d.finish()?;
        assert_eq!(got, data);
        if i == 0 {
            println!("retr {r} {:?}", c.last_data_tls());
        }
    }
    let mut out = Vec::new();
    c.download(
        "upload/smoke.bin",
        &mut out,
        &mut TransferOptions {
            offset: 500_000,
            progress: None,
            ..Default::default()
        },
    )?;
    assert_eq!(out, &data[500_000..]);
    for e in c.list(Some(b"upload"))? {
        println!(
            "{} {:?} {:?} {:?}",
            e.name_lossy(),
            e.kind,
            e.size,
            e.modified
        );
    }
    println!("stats {:?}", c.session_stats());
    c.quit()?;
    Ok(())
}
