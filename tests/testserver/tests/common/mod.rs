//! A deliberately small FTPS client on rustls, just enough to drive the test server.
//! Every socket has a timeout, so a broken server fails a test instead of hanging it.

#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use ftps_testserver::TestServer;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Replies bigger than this are an error here (the fault tests check the server sends more).
pub const MAX_REPLY: usize = 4 * 1024 * 1024;

/// A client config trusting the server's CA, with its own session store.
pub fn client_config(srv: &TestServer) -> Arc<ClientConfig> {
    client_config_versions(srv, rustls::DEFAULT_VERSIONS)
}

/// A client config trusting the CA in `ca_pem` (e.g. the file a spawned server wrote).
pub fn client_config_pem(ca_pem: &[u8]) -> Arc<ClientConfig> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Arc::new(
        ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

pub fn client_config_versions(
    srv: &TestServer,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(srv.ca_der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Arc::new(
        ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

pub fn localhost() -> ServerName<'static> {
    ServerName::try_from("localhost").unwrap()
}

/// The control or data stream: clear or TLS.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Stream {
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(t) => t,
            Stream::Tls(s) => &s.sock,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(t) => t.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(t) => t.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(t) => t.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// Upgrade `tcp` to TLS as a client and finish the handshake.
pub fn tls_connect(config: &Arc<ClientConfig>, mut tcp: TcpStream) -> io::Result<Stream> {
    let mut conn = ClientConnection::new(config.clone(), localhost()).map_err(io::Error::other)?;
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp)?;
    }
    Ok(Stream::Tls(Box::new(StreamOwned::new(conn, tcp))))
}

pub fn tcp_connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let tcp = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    tcp.set_read_timeout(Some(TIMEOUT))?;
    tcp.set_write_timeout(Some(TIMEOUT))?;
    Ok(tcp)
}

/// One reply: its code and its full raw text (all lines, line endings kept).
#[derive(Debug, Clone)]
pub struct Reply {
    pub code: u16,
    pub raw: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }
}

pub struct Client {
    pub config: Arc<ClientConfig>,
    pub ctrl: Stream,
    buf: Vec<u8>,
    pub prot_p: bool,
}

fn parse_code(line: &[u8]) -> Option<u16> {
    let digits = line.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

impl Client {
    /// Connect to the explicit port and read the greeting (no TLS yet).
    pub fn connect_plain(srv: &TestServer) -> io::Result<(Client, Reply)> {
        Self::connect_plain_with(srv, client_config(srv))
    }

    pub fn connect_plain_with(
        srv: &TestServer,
        config: Arc<ClientConfig>,
    ) -> io::Result<(Client, Reply)> {
        Self::connect_plain_at(srv.explicit_addr(), config)
    }

    /// Connect to an explicit port given by address and read the greeting.
    pub fn connect_plain_at(
        addr: SocketAddr,
        config: Arc<ClientConfig>,
    ) -> io::Result<(Client, Reply)> {
        let tcp = tcp_connect(addr)?;
        let mut client = Client {
            config,
            ctrl: Stream::Plain(tcp),
            buf: Vec::new(),
            prot_p: false,
        };
        let greeting = client.read_reply()?;
        Ok((client, greeting))
    }

    /// Explicit FTPS: greeting, `AUTH TLS`, handshake.
    pub fn explicit(srv: &TestServer) -> io::Result<Client> {
        Self::explicit_with(srv, client_config(srv))
    }

    pub fn explicit_with(srv: &TestServer, config: Arc<ClientConfig>) -> io::Result<Client> {
        Self::explicit_at(srv.explicit_addr(), config)
    }

    /// Explicit FTPS to a server given by address.
    pub fn explicit_at(addr: SocketAddr, config: Arc<ClientConfig>) -> io::Result<Client> {
        let (mut client, greeting) = Self::connect_plain_at(addr, config)?;
        assert_eq!(greeting.code, 220, "{}", greeting.text());
        let auth = client.cmd("AUTH TLS")?;
        assert_eq!(auth.code, 234, "{}", auth.text());
        client.upgrade()?;
        Ok(client)
    }

    /// Implicit FTPS: handshake, then the greeting.
    pub fn implicit(srv: &TestServer) -> io::Result<Client> {
        let config = client_config(srv);
        let tcp = tcp_connect(srv.implicit_addr())?;
        let mut client = Client {
            ctrl: tls_connect(&config, tcp)?,
            config,
            buf: Vec::new(),
            prot_p: false,
        };
        let greeting = client.read_reply()?;
        assert_eq!(greeting.code, 220, "{}", greeting.text());
        Ok(client)
    }

    /// Start TLS on the control connection (after `234`).
    pub fn upgrade(&mut self) -> io::Result<()> {
        assert!(self.buf.is_empty(), "bytes after 234: {:?}", self.buf);
        let tcp = self.ctrl.tcp().try_clone()?;
        self.ctrl = tls_connect(&self.config, tcp)?;
        Ok(())
    }

    /// Explicit FTPS + login + `PBSZ 0` + `PROT P`.
    pub fn ready(srv: &TestServer) -> io::Result<Client> {
        let mut client = Self::explicit(srv)?;
        client.login_default(srv)?;
        client.prot_p()?;
        Ok(client)
    }

    pub fn login_default(&mut self, srv: &TestServer) -> io::Result<()> {
        let (user, pass) = srv.users()[0].clone();
        self.login(&user, &pass)
    }

    pub fn login(&mut self, user: &str, pass: &str) -> io::Result<()> {
        let r = self.cmd(&format!("USER {user}"))?;
        assert_eq!(r.code, 331, "{}", r.text());
        let r = self.cmd(&format!("PASS {pass}"))?;
        assert_eq!(r.code, 230, "{}", r.text());
        Ok(())
    }

    pub fn prot_p(&mut self) -> io::Result<()> {
        let r = self.cmd("PBSZ 0")?;
        assert_eq!(r.code, 200, "{}", r.text());
        let r = self.cmd("PROT P")?;
        assert_eq!(r.code, 200, "{}", r.text());
        self.prot_p = true;
        Ok(())
    }

    pub fn send(&mut self, line: &str) -> io::Result<()> {
        self.ctrl.write_all(format!("{line}\r\n").as_bytes())?;
        self.ctrl.flush()
    }

    /// Send a command line given as bytes (non-UTF-8 names), CRLF appended.
    pub fn send_bytes(&mut self, line: &[u8]) -> io::Result<()> {
        self.ctrl.write_all(&[line, b"\r\n"].concat())?;
        self.ctrl.flush()
    }

    pub fn cmd(&mut self, line: &str) -> io::Result<Reply> {
        self.send(line)?;
        self.read_reply()
    }

    fn read_line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                return Ok(self.buf.drain(..=pos).collect());
            }
            if self.buf.len() > MAX_REPLY {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "reply too long"));
            }
            let mut tmp = [0u8; 16384];
            let n = self.ctrl.read(&mut tmp)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "control closed",
                ));
            }
            self.buf.extend_from_slice(&tmp[..n]);
        }
    }

    /// Bytes received but not yet consumed as a reply.
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// Read raw bytes (for faults that send non-replies).
    pub fn read_some(&mut self) -> io::Result<Vec<u8>> {
        if !self.buf.is_empty() {
            return Ok(std::mem::take(&mut self.buf));
        }
        let mut tmp = vec![0u8; 65536];
        let n = self.ctrl.read(&mut tmp)?;
        tmp.truncate(n);
        Ok(tmp)
    }

    pub fn read_reply(&mut self) -> io::Result<Reply> {
        let first = self.read_line()?;
        let code = parse_code(&first).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, format!("bad reply {first:?}"))
        })?;
        let mut raw = first.clone();
        if first.get(3) == Some(&b'-') {
            let end = format!("{code} ");
            let mut total = raw.len();
            loop {
                let line = self.read_line()?;
                total += line.len();
                if total > MAX_REPLY {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "reply too long"));
                }
                raw.extend_from_slice(&line);
                if line.starts_with(end.as_bytes()) {
                    break;
                }
            }
        }
        Ok(Reply { code, raw })
    }

    /// `EPSV` and connect to the announced port on 127.0.0.1.
    pub fn epsv_connect(&mut self) -> io::Result<TcpStream> {
        let r = self.cmd("EPSV")?;
        assert_eq!(r.code, 229, "{}", r.text());
        let text = r.text();
        let port: u16 = text
            .split("|||")
            .nth(1)
            .and_then(|s| s.split('|').next())
            .and_then(|p| p.parse().ok())
            .expect("port in 229");
        tcp_connect(SocketAddr::from(([127, 0, 0, 1], port)))
    }

    /// Wrap a data connection (TLS under PROT P, resuming through the shared config).
    pub fn secure(&self, tcp: TcpStream) -> io::Result<Stream> {
        if self.prot_p {
            tls_connect(&self.config, tcp)
        } else {
            Ok(Stream::Plain(tcp))
        }
    }

    /// Passive transfer command: connect, send, expect `150`, secure the data connection.
    pub fn open_transfer(&mut self, command: &str) -> io::Result<(Reply, Stream)> {
        let tcp = self.epsv_connect()?;
        let r = self.cmd(command)?;
        if r.code != 150 {
            return Err(io::Error::other(format!("{command}: {}", r.text())));
        }
        let data = self.secure(tcp)?;
        Ok((r, data))
    }

    /// Like [`Client::open_transfer`] with a command given as bytes.
    pub fn open_transfer_bytes(&mut self, command: &[u8]) -> io::Result<(Reply, Stream)> {
        let tcp = self.epsv_connect()?;
        self.send_bytes(command)?;
        let r = self.read_reply()?;
        if r.code != 150 {
            return Err(io::Error::other(r.text()));
        }
        let data = self.secure(tcp)?;
        Ok((r, data))
    }

    /// Download: the bytes, whether the data ended cleanly, and the final reply.
    pub fn retr(&mut self, command: &str) -> io::Result<(Vec<u8>, bool, Reply)> {
        let (_, mut data) = self.open_transfer(command)?;
        let (bytes, clean) = read_data(&mut data);
        let done = self.read_reply()?;
        Ok((bytes, clean, done))
    }

    /// `REST offset` + `command`: the `150` text, the bytes, whether the data ended with
    /// close_notify; the final reply must be `226`.
    pub fn retr_at(&mut self, offset: u64, command: &str) -> (String, Vec<u8>, bool) {
        assert_eq!(self.cmd(&format!("REST {offset}")).unwrap().code, 350);
        let (opening, mut data) = self.open_transfer(command).unwrap();
        let (bytes, clean) = read_data(&mut data);
        drop(data);
        assert_eq!(self.read_reply().unwrap().code, 226);
        (opening.text(), bytes, clean)
    }

    /// Upload with close_notify, drain, final reply.
    pub fn stor(&mut self, command: &str, contents: &[u8]) -> io::Result<Reply> {
        let (_, mut data) = self.open_transfer(command)?;
        data.write_all(contents)?;
        finish_upload(&mut data)?;
        self.read_reply()
    }
}

/// Read a download to its end: (bytes, ended with close_notify or clean FIN).
pub fn read_data(data: &mut Stream) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 65536];
    loop {
        match data.read(&mut buf) {
            Ok(0) => return (out, true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (out, false),
        }
    }
}

/// End an upload properly: close_notify, then read until the server closes.
pub fn finish_upload(data: &mut Stream) -> io::Result<()> {
    match data {
        Stream::Plain(t) => {
            t.shutdown(std::net::Shutdown::Write)?;
        }
        Stream::Tls(s) => {
            s.conn.send_close_notify();
            s.flush()?;
            while s.conn.wants_write() {
                s.conn.write_tls(&mut s.sock)?;
            }
        }
    }
    let mut sink = [0u8; 4096];
    while matches!(data.read(&mut sink), Ok(n) if n > 0) {}
    Ok(())
}

/// Listen for an active-mode data connection on 127.0.0.1.
pub fn active_listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Accept with a deadline.
pub fn accept_within(
    listener: &TcpListener,
    within: Duration,
) -> io::Result<(TcpStream, SocketAddr)> {
    listener.set_nonblocking(true)?;
    let end = std::time::Instant::now() + within;
    loop {
        match listener.accept() {
            Ok((tcp, peer)) => {
                tcp.set_nonblocking(false)?;
                tcp.set_read_timeout(Some(TIMEOUT))?;
                tcp.set_write_timeout(Some(TIMEOUT))?;
                return Ok((tcp, peer));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if std::time::Instant::now() > end {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "no connection"));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    }
}

/// A 1 MiB pattern that catches reordering and truncation.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 253) as u8).collect()
}

/// Wait up to 2 s for something the server records after the client could see the effect.
pub fn eventually(what: &str, f: impl Fn() -> bool) {
    let end = std::time::Instant::now() + Duration::from_secs(2);
    while !f() {
        assert!(std::time::Instant::now() < end, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}
