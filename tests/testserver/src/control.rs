//! The control connection: a TCP socket, optionally wrapped in TLS, with a bounded line reader
//! and a single raw writer that every reply passes through.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::{ServerConfig, ServerConnection};
use socket2::SockRef;

use crate::tls::{self, TlsVersion, other_err};

/// Longest command line accepted (without its line ending).
pub(crate) const MAX_LINE: usize = 8192;

pub(crate) struct Control {
    tcp: TcpStream,
    tls: Option<Box<ServerConnection>>,
    buf: Vec<u8>,
}

fn is_eof(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
    )
}

impl Control {
    pub fn new(tcp: TcpStream) -> Control {
        Control {
            tcp,
            tls: None,
            buf: Vec::new(),
        }
    }

    pub fn local_ip(&self) -> io::Result<IpAddr> {
        Ok(self.tcp.local_addr()?.ip())
    }

    pub fn tls(&self) -> Option<&ServerConnection> {
        self.tls.as_deref()
    }

    pub fn tls_version(&self) -> Option<TlsVersion> {
        self.tls.as_deref().and_then(TlsVersion::of)
    }

    fn fill(&mut self) -> io::Result<usize> {
        let mut tmp = [0u8; 16 * 1024];
        let read = match self.tls.as_deref_mut() {
            None => self.tcp.read(&mut tmp),
            Some(conn) => rustls::Stream::new(conn, &mut self.tcp).read(&mut tmp),
        };
        let n = match read {
            Ok(n) => n,
            Err(e) if is_eof(&e) => 0,
            Err(e) => return Err(e),
        };
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(n)
    }

    /// The next command line without its CR LF; `None` when the client has gone.
    pub fn read_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=pos).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(Some(line));
            }
            if self.buf.len() > MAX_LINE {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "command line too long",
                ));
            }
            if self.fill()? == 0 {
                return Ok(None);
            }
        }
    }

    /// Whether a command (or EOF) is waiting, without blocking. Used to notice `ABOR` during a
    /// download.
    pub fn has_input(&mut self) -> bool {
        if self.buf.contains(&b'\n') {
            return true;
        }
        if let Some(conn) = self.tls.as_deref_mut()
            && conn
                .process_new_packets()
                .is_ok_and(|s| s.plaintext_bytes_to_read() > 0)
        {
            return true;
        }
        if self.tcp.set_nonblocking(true).is_err() {
            return false;
        }
        let peeked = self.tcp.peek(&mut [0u8; 1]);
        let _ = self.tcp.set_nonblocking(false);
        peeked.is_ok()
    }

    /// Bytes the client sent beyond the last line read (before a TLS upgrade they belong to
    /// the handshake).
    pub fn take_buffered(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// Read whatever the client sends within `wait` (raw, up to `max` bytes); empty when
    /// nothing came. The socket's timeout is restored after.
    pub fn read_raw_within(&mut self, max: usize, wait: Duration) -> io::Result<Vec<u8>> {
        let before = self.tcp.read_timeout()?;
        self.tcp
            .set_read_timeout(Some(wait.max(Duration::from_millis(1))))?;
        let r = self.read_raw(max);
        self.tcp.set_read_timeout(before)?;
        match r {
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(Vec::new())
            }
            r => r,
        }
    }

    /// Read whatever the client sends next (raw, up to `max` bytes, bounded by the socket
    /// timeout). Used to wait for a ClientHello that the server will not answer properly.
    pub fn read_raw(&mut self, max: usize) -> io::Result<Vec<u8>> {
        let mut buf = vec![0u8; max];
        let n = self.tcp.read(&mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    /// Do the server side of a TLS handshake; `early` holds bytes already read from the socket.
    pub fn start_tls(
        &mut self,
        config: Arc<ServerConfig>,
        early: Vec<u8>,
        deadline: Instant,
    ) -> io::Result<()> {
        let mut conn = ServerConnection::new(config).map_err(other_err)?;
        if !early.is_empty() {
            let mut cursor = io::Cursor::new(early);
            while (cursor.position() as usize) < cursor.get_ref().len() {
                if conn.read_tls(&mut cursor)? == 0 {
                    break;
                }
                if let Err(e) = conn.process_new_packets() {
                    let _ = conn.write_tls(&mut self.tcp);
                    return Err(other_err(e));
                }
            }
        }
        tls::handshake(&mut conn, &mut self.tcp, deadline)?;
        self.tls = Some(Box::new(conn));
        Ok(())
    }

    /// Write raw bytes, all at once or one byte at a time with `per_byte` pauses.
    pub fn write_raw(&mut self, bytes: &[u8], per_byte: Option<Duration>) -> io::Result<()> {
        match per_byte {
            None => self.write_chunk(bytes),
            Some(delay) => {
                for b in bytes {
                    self.write_chunk(std::slice::from_ref(b))?;
                    std::thread::sleep(delay);
                }
                Ok(())
            }
        }
    }

    fn write_chunk(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self.tls.as_deref_mut() {
            None => self.tcp.write_all(bytes),
            Some(conn) => {
                let mut stream = rustls::Stream::new(conn, &mut self.tcp);
                stream.write_all(bytes)?;
                stream.flush()
            }
        }
    }

    /// Orderly close: close_notify (under TLS), FIN, then a short drain so the client's last
    /// bytes do not turn into an RST.
    pub fn close(&mut self) {
        if let Some(conn) = self.tls.as_deref_mut() {
            conn.send_close_notify();
            while conn.wants_write() {
                if conn.write_tls(&mut self.tcp).is_err() {
                    break;
                }
            }
        }
        let _ = self.tcp.shutdown(Shutdown::Write);
        let _ = self.tcp.set_read_timeout(Some(Duration::from_millis(200)));
        let mut sink = [0u8; 4096];
        let deadline = Instant::now() + Duration::from_secs(1);
        while Instant::now() < deadline {
            match self.tcp.read(&mut sink) {
                Ok(n) if n > 0 => {}
                _ => break,
            }
        }
    }

    /// Abortive close: the RST goes out when the socket is dropped.
    pub fn reset(&mut self) {
        let _ = SockRef::from(&self.tcp).set_linger(Some(Duration::ZERO));
    }
}
