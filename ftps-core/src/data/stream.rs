//! [`DataStream`]: an open data connection, in the clear or under TLS, read and written
//! as a stream, and closed cleanly at the end of an upload.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use super::tls::DataTls;
use crate::control::set_timeouts;

/// An open data connection.
pub(crate) enum DataStream {
    Plain(TcpStream),
    /// TLS on rustls's unbuffered API (see [`super::tls`]).
    Tls(Box<DataTls>),
}

/// Why [`DataStream::read_into`] failed.
pub(crate) enum ReadFail {
    /// The data connection failed.
    Stream(io::Error),
    /// The caller's writer failed.
    Local(io::Error),
}

impl DataStream {
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            DataStream::Plain(s) => s,
            DataStream::Tls(t) => &t.sock,
        }
    }

    pub(super) fn tls(&mut self) -> Option<&mut DataTls> {
        match self {
            DataStream::Tls(t) => Some(t),
            DataStream::Plain(_) => None,
        }
    }

    /// Reads the next piece of a download, at most `limit` bytes, and writes it to
    /// `out`: under TLS straight from the record rustls decrypted in place, in the clear
    /// through `scratch` (at least `limit` long there). Returns how much; 0 at the
    /// clean end.
    pub(crate) fn read_into(
        &mut self,
        out: &mut dyn Write,
        scratch: &mut [u8],
        limit: usize,
    ) -> std::result::Result<usize, ReadFail> {
        match self {
            DataStream::Plain(s) => {
                let n = s.read(&mut scratch[..limit]).map_err(ReadFail::Stream)?;
                out.write_all(&scratch[..n]).map_err(ReadFail::Local)?;
                Ok(n)
            }
            DataStream::Tls(t) => {
                let mut local = None;
                let r = t.read_at_most(limit, &mut |p| {
                    out.write_all(p).map_err(|e| {
                        local = Some(e);
                        io::Error::other("the writer failed")
                    })
                });
                match (r, local) {
                    (_, Some(e)) => Err(ReadFail::Local(e)),
                    (r, None) => r.map_err(ReadFail::Stream),
                }
            }
        }
    }

    /// Ends an upload: close_notify, half-close, then read until the server closes
    /// (draining TLS 1.3 tickets), so the server never sees a reset (docs/threats.md,
    /// class G2).
    pub(crate) fn finish_upload(&mut self, timeout: Duration) -> io::Result<()> {
        match self {
            DataStream::Plain(s) => s.flush()?,
            DataStream::Tls(t) => t.send_close_notify()?,
        }
        set_timeouts(self.tcp(), timeout)?;
        self.tcp().shutdown(Shutdown::Write)?;
        let mut sink = [0u8; 4096];
        loop {
            let r = match self {
                DataStream::Plain(s) => s.read(&mut sink),
                DataStream::Tls(t) => t.read_with(&mut |_| Ok(true)),
            };
            match r {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // The server closed without its own close_notify: the upload is complete
                // all the same; the final reply decides.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset
                    ) =>
                {
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads and drops what still arrives until the server closes the data connection,
    /// at most `max_bytes` or until `deadline`: after `ABOR`, so that a server that
    /// reads it during the transfer closes first (ProFTPD's mod_tls ends the whole
    /// session when it writes to a data connection the client already closed).
    /// Returns whether the server closed it.
    pub(crate) fn drain(&mut self, max_bytes: u64, deadline: std::time::Instant) -> bool {
        let mut sink = [0u8; 16 * 1024];
        let mut seen = 0u64;
        while seen < max_bytes {
            let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) else {
                return false;
            };
            if set_timeouts(self.tcp(), left).is_err() {
                return false;
            }
            match self.read(&mut sink) {
                Ok(0) => return true,
                Ok(n) => seen += n as u64,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        false
    }

    /// Processes, without waiting, the TLS records that already arrived (new session
    /// tickets above all) before the connection is dropped early.
    pub(crate) fn harvest_tickets(&mut self) {
        if let Some(t) = self.tls() {
            t.harvest();
        }
    }
}

impl Read for DataStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            DataStream::Plain(s) => s.read(buf),
            DataStream::Tls(t) => t.read(buf),
        }
    }
}

impl Write for DataStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            DataStream::Plain(s) => s.write(buf),
            DataStream::Tls(t) => t.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            DataStream::Plain(s) => s.flush(),
            // Every write went out whole.
            DataStream::Tls(_) => Ok(()),
        }
    }
}
