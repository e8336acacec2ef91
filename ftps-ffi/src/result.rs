//! `ftps_result`: the stable result codes, their static strings, and the one mapping
//! from `ftps_core::Error` to them.

use std::ffi::{CStr, c_char};

use ftps_core::{Error, Reply};

use crate::panic::ffi_panic_boundary;

/// The result of every fallible `ftps_` function.
///
/// The numbers are stable: a code keeps its number and meaning for the life of the
/// `libftps.so.0` ABI, and a retired code is never reused. New codes may be added, so
/// a `switch` over them needs a `default:`. Codes 1 to 99 are about the call itself
/// (its arguments, the handle), codes from 100 on about the FTP session; they mirror
/// the kinds of the Rust `ftps_core::Error`.
///
/// `ftps_result_str()` gives a fixed description of each code; the handle's
/// `_error_message()` getter gives the detailed message of the call that failed.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_result {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL. Nothing was done.
    NullParameter = 1,
    /// The handle is not a live handle of the expected type (already freed, or not
    /// from this library). Nothing was done.
    InvalidHandle = 2,
    /// An argument is not acceptable: an interior NUL, a length of 0, text that is not
    /// UTF-8 where text is required, an unknown enum value, an index out of range, or
    /// CR/LF/NUL in anything that would be sent to the server. Nothing was sent.
    InvalidArgument = 3,
    /// The output buffer is too small. Nothing was written to it; `*out_n` holds the
    /// size needed (this one code writes an out-parameter on failure).
    InsufficientSize = 4,
    /// The client is in the middle of another call: a callback re-entered it, or
    /// another thread is using it. Nothing was done.
    Busy = 5,
    /// The value asked for does not exist (no reply yet, size unknown, no TLS...).
    NotAvailable = 6,
    /// A read or write callback returned an error; the transfer was aborted.
    CallbackFailed = 7,
    /// A bug inside libftps (a Rust panic, caught). A client that was in use is no
    /// longer usable; free it.
    Panic = 8,
    /// The client cannot serve this call now: not connected, not logged in, a
    /// transfer is open (or none is), or the connection was lost earlier.
    State = 100,
    /// The configuration cannot be built (bad pin, unreadable PEM, bad TLS versions...).
    Config = 101,
    /// A local file or file descriptor could not be read or written.
    LocalIo = 102,
    /// The TCP connection to the server could not be opened.
    Connect = 103,
    /// A wait ran past its timeout.
    Timeout = 104,
    /// The server closed or reset the connection, or said 421. Reconnect.
    ConnectionLost = 105,
    /// Another socket error.
    Io = 106,
    /// The server refused to start TLS (AUTH TLS not answered with 234). No
    /// credentials were sent.
    TlsNotAvailable = 107,
    /// The server sent bytes after 234 and before the TLS handshake (an injection
    /// attempt). The connection was closed.
    DataAfterAuthReply = 108,
    /// The TLS layer failed (handshake, alert, bad record).
    Tls = 109,
    /// The server certificate is not trusted (unknown CA, wrong name, expired...).
    Certificate = 110,
    /// The server certificate does not match the configured SHA-256 pin.
    PinMismatch = 111,
    /// A data connection presented another certificate than the control connection.
    DataCertificateMismatch = 112,
    /// The server refused a data connection that did not resume the control
    /// connection's TLS session, or no session was left to resume.
    SessionReuseRefused = 113,
    /// The server rejected the user name, password or account.
    LoginRejected = 114,
    /// The server answered a command with an error reply (4xx or 5xx); see the last
    /// reply.
    Reply = 115,
    /// The server broke the protocol (malformed, unexpected or oversized reply).
    Protocol = 116,
    /// A transfer ended before all its bytes arrived, or an upload could not be
    /// closed cleanly.
    Truncated = 117,
    /// The progress callback asked to stop; the transfer was aborted.
    Cancelled = 118,
    /// The transfer moved its bytes, but the check afterwards failed: the server's
    /// hash or size of the file differs from what was sent or received, or `verify`
    /// is `FTPS_VERIFY_REQUIRED` and the server offers no hash (then nothing was
    /// transferred). A downloaded file did not replace the target; an atomic upload's
    /// temporary file was deleted. What was compared: `ftps_client_last_integrity_check()`,
    /// `_local()`, `_remote()`. The session stays usable.
    Integrity = 119,
    /// An error of a kind newer than this version of the C ABI; see the message.
    Other = 199,
}

/// Maps a core error to its code: the one place where that happens.
pub(crate) fn code_of(e: &Error) -> ftps_result {
    use ftps_result as R;
    match e {
        Error::InvalidArgument { .. } => R::InvalidArgument,
        Error::Config(_) => R::Config,
        Error::LocalIo { .. } => R::LocalIo,
        Error::Connect { .. } => R::Connect,
        Error::Timeout { .. } => R::Timeout,
        Error::ConnectionLost { .. } => R::ConnectionLost,
        Error::Io { .. } => R::Io,
        Error::TlsNotAvailable { .. } => R::TlsNotAvailable,
        Error::DataAfterAuthReply => R::DataAfterAuthReply,
        Error::Tls { .. } => R::Tls,
        Error::Certificate { .. } => R::Certificate,
        Error::PinMismatch { .. } => R::PinMismatch,
        Error::DataCertificateMismatch => R::DataCertificateMismatch,
        Error::SessionReuseRefused { .. } => R::SessionReuseRefused,
        Error::LoginRejected { .. } => R::LoginRejected,
        Error::Reply { .. } => R::Reply,
        Error::Protocol(_) => R::Protocol,
        Error::Truncated { .. } => R::Truncated,
        Error::Cancelled => R::Cancelled,
        Error::Integrity { .. } => R::Integrity,
        Error::State(_) => R::State,
        _ => R::Other,
    }
}

/// Every code with its fixed description (NUL-terminated).
const TABLE: &[(ftps_result, &CStr)] = &[
    (ftps_result::Ok, c"success"),
    (ftps_result::NullParameter, c"a required pointer argument was NULL"),
    (ftps_result::InvalidHandle, c"not a live handle of the expected type"),
    (ftps_result::InvalidArgument, c"invalid argument"),
    (ftps_result::InsufficientSize, c"output buffer too small"),
    (ftps_result::Busy, c"the client is busy with another call (re-entered from a callback, or used from two threads)"),
    (ftps_result::NotAvailable, c"no such value"),
    (ftps_result::CallbackFailed, c"a callback returned an error"),
    (ftps_result::Panic, c"internal error in libftps (a Rust panic was caught)"),
    (ftps_result::State, c"the client cannot do this now (not connected, not logged in, transfer open, or connection lost)"),
    (ftps_result::Config, c"invalid configuration"),
    (ftps_result::LocalIo, c"local file i/o error"),
    (ftps_result::Connect, c"cannot connect to the server"),
    (ftps_result::Timeout, c"timed out"),
    (ftps_result::ConnectionLost, c"connection lost"),
    (ftps_result::Io, c"network i/o error"),
    (ftps_result::TlsNotAvailable, c"the server refused to start TLS"),
    (ftps_result::DataAfterAuthReply, c"the server sent data after its 234 reply, before the TLS handshake"),
    (ftps_result::Tls, c"TLS error"),
    (ftps_result::Certificate, c"untrusted server certificate"),
    (ftps_result::PinMismatch, c"the server certificate does not match the pinned SHA-256"),
    (ftps_result::DataCertificateMismatch, c"a data connection presented another certificate than the control connection"),
    (ftps_result::SessionReuseRefused, c"the server refused a data connection without TLS session reuse"),
    (ftps_result::LoginRejected, c"login rejected"),
    (ftps_result::Reply, c"the server answered with an error reply"),
    (ftps_result::Protocol, c"FTP protocol error"),
    (ftps_result::Truncated, c"transfer truncated"),
    (ftps_result::Cancelled, c"cancelled by the progress callback"),
    (ftps_result::Integrity, c"the transferred file failed its integrity check (hash or size), or no hash was available"),
    (ftps_result::Other, c"other error"),
];

/// Returns a static, NUL-terminated, English description of a result code (any
/// number: an unknown one gives "unknown ftps_result"). Never NULL; the string lives
/// as long as the library is loaded and must not be freed. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_result_str(result: u32) -> *const c_char {
    ffi_panic_boundary! {
        TABLE
            .iter()
            .find(|(code, _)| *code as u32 == result)
            .map_or(c"unknown ftps_result", |(_, s)| *s)
            .as_ptr()
    }
}

/// Why a call failed: what the handle remembers about it.
#[derive(Debug)]
pub(crate) struct Failure {
    /// The code returned.
    pub code: ftps_result,
    /// The detailed message.
    pub message: String,
    /// The server reply that came with the error, if any.
    pub reply: Option<Reply>,
    /// True when the control connection can no longer be used.
    pub fatal: bool,
    /// The facts of an `Error::Integrity` (boxed: a `Failure` travels in every `Err`).
    pub integrity: Option<Box<Integrity>>,
}

/// What an integrity check compared (`Error::Integrity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Integrity {
    /// `SHA-512`, `SHA-256`, `SHA-1`, `size`, or `none` (no hash to check with).
    pub check: &'static str,
    /// The local value: lowercase hex, or a byte count; empty for `none`.
    pub local: String,
    /// The server's value; empty for `none`.
    pub remote: String,
}

impl Failure {
    /// A failure of the call itself (never fatal to the session).
    pub(crate) fn new(code: ftps_result, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            reply: None,
            fatal: false,
            integrity: None,
        }
    }

    /// `InvalidArgument` with a message.
    pub(crate) fn invalid(message: impl Into<String>) -> Failure {
        Failure::new(ftps_result::InvalidArgument, message)
    }

    /// `NullParameter` naming the argument.
    pub(crate) fn null(what: &str) -> Failure {
        Failure::new(ftps_result::NullParameter, format!("{what} is NULL"))
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let integrity = match &e {
            Error::Integrity {
                check,
                local,
                remote,
                ..
            } => Some(Box::new(Integrity {
                check,
                local: local.clone(),
                remote: remote.clone(),
            })),
            _ => None,
        };
        Failure {
            code: code_of(&e),
            message: e.to_string(),
            reply: e.reply().cloned(),
            fatal: e.is_fatal(),
            integrity,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_string() {
        for (i, (code, s)) in TABLE.iter().enumerate() {
            assert!(!s.is_empty());
            assert!(TABLE[i + 1..].iter().all(|(c, _)| c != code));
        }
        // Every number that has a string is a code, and the table has them all.
        let known = (0..1000u32)
            .filter(|n| TABLE.iter().any(|(c, _)| *c as u32 == *n))
            .count();
        assert_eq!(known, TABLE.len());
        assert_eq!(TABLE.len(), 30);
        let unknown = ftps_result_str(4242);
        // SAFETY: ftps_result_str returns a static NUL-terminated string.
        let s = unsafe { std::ffi::CStr::from_ptr(unknown) };
        assert_eq!(s.to_str().unwrap(), "unknown ftps_result");
    }

    #[test]
    fn core_errors_map_to_their_codes() {
        assert_eq!(code_of(&Error::Cancelled), ftps_result::Cancelled);
        assert_eq!(code_of(&Error::State("not logged in")), ftps_result::State);
        assert_eq!(
            code_of(&Error::LoginRejected {
                reply: Reply::new(530, vec![b"530 no".to_vec()])
            }),
            ftps_result::LoginRejected
        );
        let e = Error::Integrity {
            path: "f".into(),
            check: "SHA-512",
            local: "ab".into(),
            remote: "cd".into(),
        };
        assert_eq!(code_of(&e), ftps_result::Integrity);
        let f = Failure::from(e);
        assert!(!f.fatal);
        assert_eq!(
            f.integrity.as_deref(),
            Some(&Integrity {
                check: "SHA-512",
                local: "ab".into(),
                remote: "cd".into()
            })
        );
    }
}
