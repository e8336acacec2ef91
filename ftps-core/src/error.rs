//! The one error type of the crate, and the pin-mismatch detail that travels inside a
//! rustls certificate error. A leaf: it uses no other module of the crate but
//! [`crate::types`].

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::types::Reply;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The phase of a session a timeout happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Opening the TCP control connection.
    Connect,
    /// Waiting for the server's greeting (an implicit-TLS port waits for a
    /// ClientHello instead, so this is what explicit mode against it looks like).
    Greeting,
    /// The TLS handshake on the control connection.
    ControlHandshake,
    /// Waiting for a reply on the control connection.
    Reply,
    /// Sending a command on the control connection.
    Send,
    /// Opening (or accepting) a data connection, including its TLS handshake.
    DataConnect,
    /// Moving bytes on an open data connection.
    DataIdle,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Connect => "connect",
            Phase::Greeting => "the greeting (is this an implicit-TLS port?)",
            Phase::ControlHandshake => "control TLS handshake",
            Phase::Reply => "reply",
            Phase::Send => "send",
            Phase::DataConnect => "data connection",
            Phase::DataIdle => "data transfer",
        })
    }
}

/// Everything that can go wrong, by kind.
///
/// Each variant names one thing a caller may want to act on: a rejected login is
/// not an untrusted certificate, and neither is a refused TLS session reuse.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// An argument given by the caller is not acceptable (CR, LF or NUL in a
    /// command argument, an empty path, an overflowing offset...). Nothing was sent.
    InvalidArgument {
        /// Which argument.
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// The configuration cannot be used (unreadable CA file, bad pin...).
    Config(String),
    /// A local file could not be read or written.
    LocalIo {
        /// The local path.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The TCP connection to the server could not be opened.
    Connect {
        /// The address tried last.
        addr: Option<SocketAddr>,
        /// The underlying error.
        source: io::Error,
    },
    /// A wait ran past its timeout.
    Timeout {
        /// What was being waited for.
        phase: Phase,
    },
    /// The server closed or reset the connection, or said `421`. The session is unusable.
    ConnectionLost {
        /// What was going on.
        during: &'static str,
        /// The `421` reply, when the server sent one.
        reply: Option<Reply>,
        /// The I/O error, when there was one.
        source: Option<io::Error>,
    },
    /// Another I/O error on a socket.
    Io {
        /// What was going on.
        during: &'static str,
        /// The underlying error.
        source: io::Error,
    },
    /// The server refused to upgrade the control connection to TLS (`AUTH TLS` not
    /// answered with `234`). No credentials were sent.
    TlsNotAvailable {
        /// The server's reply.
        reply: Reply,
    },
    /// The server sent bytes after `234` and before the TLS handshake: a sign of an
    /// injection attempt. The connection was closed.
    DataAfterAuthReply,
    /// The TLS layer failed (handshake, alert, bad record).
    Tls {
        /// Control or data connection.
        during: &'static str,
        /// The rustls error.
        source: rustls::Error,
    },
    /// The server's certificate was not trusted (unknown CA, wrong host name, expired...).
    Certificate {
        /// Control or data connection.
        during: &'static str,
        /// The rustls error that describes the problem.
        source: rustls::Error,
    },
    /// The server's certificate did not match the configured SHA-256 pin.
    PinMismatch {
        /// The SHA-256 of the certificate the server presented, lowercase hex.
        cert_sha256: String,
        /// The SHA-256 of its SubjectPublicKeyInfo, lowercase hex.
        spki_sha256: String,
    },
    /// A data connection presented a certificate different from the control
    /// connection's and did not resume its session.
    DataCertificateMismatch,
    /// The server refused a data connection because it did not resume the control
    /// connection's TLS session (vsftpd `522`, ProFTPD `425`), or the client had no
    /// session left to resume.
    SessionReuseRefused {
        /// The server's reply, when there was one.
        reply: Option<Reply>,
        /// What the client knows about why.
        detail: String,
    },
    /// The server rejected the user name, password or account.
    LoginRejected {
        /// The server's reply.
        reply: Reply,
    },
    /// The server answered a command with an error reply (4xx transient, 5xx permanent).
    Reply {
        /// The command verb (never its argument: it may be a password).
        command: String,
        /// The server's reply.
        reply: Reply,
    },
    /// The server broke the protocol: a malformed, unexpected or oversized reply,
    /// a bad `227`/`229`, an unexpected code, a number out of range.
    Protocol(String),
    /// A download ended before all its bytes arrived (no TLS close_notify, fewer
    /// bytes than announced), or an upload could not be closed cleanly.
    Truncated {
        /// Bytes moved.
        received: u64,
        /// Bytes announced by the server, when known.
        expected: Option<u64>,
        /// What happened.
        detail: String,
    },
    /// The transferred file is not what the server holds (docs/threats.md, class G5):
    /// its hash or its size differ, or `verify=required` found no hash to check with
    /// (then nothing was transferred). A download's target was not replaced; an atomic
    /// upload's temporary file was deleted.
    Integrity {
        /// The remote path.
        path: String,
        /// What was compared: `SHA-512`, `SHA-256`, `SHA-1` or `size`; `none` when
        /// no hash was available.
        check: &'static str,
        /// The local value (lowercase hex, or a byte count); empty for `none`.
        local: String,
        /// The server's value; empty for `none`.
        remote: String,
    },
    /// The caller's progress callback asked to stop.
    Cancelled,
    /// A call was made on a client that cannot serve it (not logged in, closed,
    /// broken by an earlier connection loss).
    State(&'static str),
}

impl Error {
    /// The server reply attached to this error, if any.
    pub fn reply(&self) -> Option<&Reply> {
        match self {
            Error::ConnectionLost { reply, .. } | Error::SessionReuseRefused { reply, .. } => {
                reply.as_ref()
            }
            Error::TlsNotAvailable { reply }
            | Error::LoginRejected { reply }
            | Error::Reply { reply, .. } => Some(reply),
            _ => None,
        }
    }

    /// True for errors after which the control connection cannot be used. A
    /// [`Error::Truncated`] download is not: its data connection is closed and the
    /// server's final reply read (were that reply lost, the next call says so).
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            Error::InvalidArgument { .. }
                | Error::Reply { .. }
                | Error::LocalIo { .. }
                | Error::Cancelled
                | Error::State(_)
                | Error::Truncated { .. }
                | Error::Integrity { .. }
        )
    }

    pub(crate) fn invalid(what: &'static str, reason: impl Into<String>) -> Error {
        Error::InvalidArgument {
            what,
            reason: reason.into(),
        }
    }

    pub(crate) fn protocol(msg: impl Into<String>) -> Error {
        Error::Protocol(msg.into())
    }

    /// Maps an I/O error on a socket to the right kind.
    pub(crate) fn from_io(e: io::Error, during: &'static str, phase: Phase) -> Error {
        use io::ErrorKind as K;
        match e.kind() {
            K::WouldBlock | K::TimedOut => Error::Timeout { phase },
            K::UnexpectedEof
            | K::ConnectionReset
            | K::ConnectionAborted
            | K::BrokenPipe
            | K::NotConnected => {
                if let Some(tls) = rustls_error(&e) {
                    return Error::from_tls(tls.clone(), during);
                }
                Error::ConnectionLost {
                    during,
                    reply: None,
                    source: Some(e),
                }
            }
            _ => match rustls_error(&e) {
                Some(tls) => Error::from_tls(tls.clone(), during),
                None => Error::Io { during, source: e },
            },
        }
    }

    pub(crate) fn from_tls(e: rustls::Error, during: &'static str) -> Error {
        match e {
            rustls::Error::InvalidCertificate(rustls::CertificateError::Other(ref o)) => {
                if let Some(p) = o.0.downcast_ref::<PinMismatch>() {
                    return Error::PinMismatch {
                        cert_sha256: p.cert_sha256.clone(),
                        spki_sha256: p.spki_sha256.clone(),
                    };
                }
                Error::Certificate { during, source: e }
            }
            rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
                Error::Certificate { during, source: e }
            }
            _ => Error::Tls { during, source: e },
        }
    }
}

/// The error a pin mismatch travels in, inside `CertificateError::Other`.
#[derive(Debug)]
pub(crate) struct PinMismatch {
    pub cert_sha256: String,
    pub spki_sha256: String,
}

impl fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "certificate sha-256 {} matches no pin", self.cert_sha256)
    }
}

impl std::error::Error for PinMismatch {}

fn rustls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument { what, reason } => write!(f, "invalid {what}: {reason}"),
            Error::Config(m) => write!(f, "invalid configuration: {m}"),
            Error::LocalIo { path, source } => {
                write!(f, "local file {}: {source}", path.display())
            }
            Error::Connect { addr, source } => match addr {
                Some(a) => write!(f, "cannot connect to {a}: {source}"),
                None => write!(f, "cannot connect: {source}"),
            },
            Error::Timeout { phase } => write!(f, "timed out during {phase}"),
            Error::ConnectionLost { during, reply, .. } => match reply {
                Some(r) => write!(f, "connection lost during {during}: {r}"),
                None => write!(f, "connection lost during {during}"),
            },
            Error::Io { during, source } => write!(f, "i/o error during {during}: {source}"),
            Error::TlsNotAvailable { reply } => {
                write!(f, "server refused to start TLS: {reply}")
            }
            Error::DataAfterAuthReply => {
                f.write_str("server sent data after its 234 reply, before the TLS handshake")
            }
            Error::Tls { during, source } => write!(f, "tls error on {during}: {source}"),
            Error::Certificate { during, source } => {
                write!(f, "untrusted server certificate on {during}: {source}")
            }
            Error::PinMismatch { cert_sha256, .. } => write!(
                f,
                "server certificate does not match the pinned sha-256 (certificate sha-256 {cert_sha256})"
            ),
            Error::DataCertificateMismatch => f.write_str(
                "data connection presented another certificate than the control connection",
            ),
            Error::SessionReuseRefused { reply, detail } => match reply {
                Some(r) => write!(f, "tls session reuse refused ({detail}): {r}"),
                None => write!(f, "tls session reuse impossible: {detail}"),
            },
            Error::LoginRejected { reply } => write!(f, "login rejected: {reply}"),
            Error::Reply { command, reply } => write!(f, "{command} failed: {reply}"),
            Error::Protocol(m) => write!(f, "protocol error: {m}"),
            Error::Truncated {
                received,
                expected,
                detail,
            } => match expected {
                Some(e) => write!(
                    f,
                    "transfer truncated after {received} of {e} bytes: {detail}"
                ),
                None => write!(f, "transfer truncated after {received} bytes: {detail}"),
            },
            Error::Integrity {
                path,
                check: "none",
                ..
            } => write!(
                f,
                "integrity check impossible for {path}: verify is required, but the server \
                 offers no hash (FEAT lists none of HASH, XSHA512, XSHA256, XSHA1); use \
                 verify auto to compare sizes instead"
            ),
            Error::Integrity {
                path,
                check,
                local,
                remote,
            } => write!(
                f,
                "integrity check failed for {path}: {check} here {local}, on the server {remote}"
            ),
            Error::Cancelled => f.write_str("cancelled by the caller"),
            Error::State(m) => write!(f, "client not usable: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::LocalIo { source, .. }
            | Error::Connect { source, .. }
            | Error::Io { source, .. } => Some(source),
            Error::ConnectionLost {
                source: Some(s), ..
            } => Some(s),
            Error::Tls { source, .. } | Error::Certificate { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        let kind = match &e {
            Error::Timeout { .. } => io::ErrorKind::TimedOut,
            Error::ConnectionLost { .. } => io::ErrorKind::ConnectionAborted,
            Error::Truncated { .. } => io::ErrorKind::UnexpectedEof,
            Error::InvalidArgument { .. } => io::ErrorKind::InvalidInput,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, e)
    }
}
