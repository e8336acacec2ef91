//! `make demo`: starts the embedded FTPS test server and walks through what FTPS is,
//! by hand first, then with the `ftps-core` client in both modes.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ftps_core::{Client, Config, Direction, Mode, TransferOptions, UploadMode};
use ftps_testserver::{DEFAULT_PASSWORD, DEFAULT_USER, TestServer};

fn main() {
    if let Err(e) = run() {
        eprintln!("demo failed: {e}");
        std::process::exit(1);
    }
}

fn section(title: &str) {
    println!("\n=== {title}");
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let t0 = Instant::now();
    let srv = TestServer::builder()
        .file("readme.txt", b"Welcome to the ftps demo server.\n")
        .start()?;
    let dir = std::env::temp_dir().join(format!("ftps-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let ca = dir.join("ca.pem");
    srv.write_ca(&ca)?;
    println!("ftps demo: an FTPS test server is running on this machine (loopback only)");
    println!("  implicit TLS port: {}", srv.implicit_addr());
    println!("  explicit TLS port: {}", srv.explicit_addr());
    println!("  its CA certificate: {}", ca.display());

    section("1. A client that does not speak TLS first is dropped by the implicit port");
    let mut s = TcpStream::connect(srv.implicit_addr())?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    println!("  C: USER {DEFAULT_USER}        (clear text, no TLS handshake)");
    s.write_all(format!("USER {DEFAULT_USER}\r\n").as_bytes())?;
    let mut buf = [0u8; 512];
    match s.read(&mut buf) {
        Ok(0) => println!("  connection closed by the server: it expected a TLS ClientHello"),
        Ok(n) if buf[0] == 0x15 => {
            println!("  the server answered with a TLS alert ({n} bytes) and closed")
        }
        Ok(n) => println!("  the server sent {n} bytes that are no FTP reply, and closed"),
        Err(e) => println!("  connection dropped: {e}"),
    }

    section("2. The explicit port greets in clear text and upgrades on AUTH TLS");
    let mut s = TcpStream::connect(srv.explicit_addr())?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    println!("  S: {}", read_line(&mut s)?);
    println!("  C: AUTH TLS");
    s.write_all(b"AUTH TLS\r\n")?;
    println!("  S: {}", read_line(&mut s)?);
    println!("  (from here on, both sides would speak TLS on this same connection)");
    drop(s);

    for mode in [Mode::Implicit, Mode::Explicit] {
        section(&format!(
            "3. A real session, {mode:?} TLS, with the ftps-core client"
        ));
        session(&srv, mode, &ca)?;
    }

    section("What the server saw");
    for (i, s) in srv.sessions().iter().enumerate() {
        let resumed = s.data.iter().filter(|d| d.resumed).count();
        let kind = match (s.implicit, s.tls) {
            (true, true) => "implicit TLS",
            (true, false) => "implicit port, no TLS handshake (dropped)",
            (false, true) => "explicit TLS",
            (false, false) => "explicit port, stopped after 234",
        };
        println!(
            "  session {i}: {kind}; {} data connections, {resumed} resumed the control session",
            s.data.len()
        );
    }
    std::fs::remove_dir_all(&dir)?;
    println!("\ndone in {:.1} s", t0.elapsed().as_secs_f64());
    Ok(())
}

fn read_line(s: &mut TcpStream) -> std::io::Result<String> {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while s.read(&mut b)? == 1 && b[0] != b'\n' && line.len() < 512 {
        line.push(b[0]);
    }
    Ok(String::from_utf8_lossy(&line).trim_end().to_string())
}

fn session(
    srv: &TestServer,
    mode: Mode,
    ca: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let port = match mode {
        Mode::Implicit => srv.implicit_addr().port(),
        _ => srv.explicit_addr().port(),
    };
    let cfg = Config::builder("localhost")
        .port(port)
        .mode(mode)
        .ca_file(ca)
        .build()?;
    let transcript = Box::new(|dir: Direction, line: &[u8]| {
        let tag = match dir {
            Direction::Sent => "C:",
            Direction::Received => "S:",
            Direction::Info => "  --",
        };
        println!("  {tag} {}", String::from_utf8_lossy(line));
    });
    let mut c = Client::connect_with_transcript(&cfg, Some(transcript))?;
    c.login(DEFAULT_USER, DEFAULT_PASSWORD)?;
    let tls = c.tls_info().ok_or("no TLS")?;
    println!(
        "  >> control connection: {} {} (key exchange {})",
        tls.version,
        tls.cipher,
        tls.kx_group.map(|g| g.to_string()).unwrap_or_default()
    );
    let data: Vec<u8> = (0..256 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let name = format!("demo-{mode:?}.bin").to_lowercase();
    let mut up = c.stor(&name, UploadMode::Replace)?;
    up.write_all(&data)?;
    up.finish()?;
    report_data(&c, "upload");
    for e in c.list(None)? {
        println!(
            "  >> listed: {:<20} {:>8} bytes  {}",
            e.name_lossy(),
            e.size.unwrap_or(0),
            e.modified.map(|m| m.to_string()).unwrap_or_default()
        );
    }
    report_data(&c, "listing");
    let mut back = Vec::new();
    c.download(&name, &mut back, &mut TransferOptions::default())?;
    report_data(&c, "download");
    let ok = back == data;
    println!(
        "  >> downloaded {} bytes, byte for byte {} the upload's",
        back.len(),
        if ok { "equal to" } else { "NOT equal to" }
    );
    if !ok {
        return Err("round trip mismatch".into());
    }
    let stats = c.session_stats();
    println!(
        "  >> data connections: {} resumed the control session, {} full handshakes",
        stats.data_resumed, stats.data_full
    );
    c.quit()?;
    Ok(())
}

fn report_data(c: &Client, what: &str) {
    if let Some(t) = c.last_data_tls() {
        println!(
            "  >> {what} data connection: {} {}, {}",
            t.version,
            t.cipher,
            if t.resumed {
                "resumed the control session's TLS session"
            } else {
                "full handshake"
            }
        );
    }
}
