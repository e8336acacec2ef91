//! The one mapping from `ftps_core::Error` to the `ftps` exception classes.
//!
//! The classes live in `ftps/_errors.py` (so that they can inherit from both
//! `ftps.Error` and builtins such as `TimeoutError`); this file decides which
//! class each core error becomes and which attributes it carries.

use ftps_core::{Error as CoreError, Phase};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::reply_tuple;

/// Why a call failed: the core said so, or Python code the call ran (a progress
/// callback, a file object, a signal handler) raised.
pub(crate) enum Fail {
    Core(CoreError),
    Py(PyErr),
    /// A failure of the binding itself, as (exception class, message).
    Binding(&'static str, String),
}

impl From<CoreError> for Fail {
    fn from(e: CoreError) -> Fail {
        Fail::Core(e)
    }
}

impl Fail {
    pub(crate) fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match self {
            Fail::Core(e) => core_error(py, e),
            Fail::Py(e) => e,
            Fail::Binding(class, msg) => make(py, class, &msg, &PyDict::new(py), false),
        }
    }
}

/// A stable name for a phase (the `phase` attribute of `ftps.TimeoutError`).
fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::Connect => "connect",
        Phase::Greeting => "greeting",
        Phase::ControlHandshake => "control_handshake",
        Phase::Reply => "reply",
        Phase::Send => "send",
        Phase::DataConnect => "data_connect",
        Phase::DataIdle => "data_idle",
        _ => "other",
    }
}

/// Converts a core error into the matching `ftps` exception.
pub(crate) fn core_error(py: Python<'_>, e: CoreError) -> PyErr {
    match build(py, &e) {
        Ok(err) => err,
        Err(err) => err,
    }
}

fn build(py: Python<'_>, e: &CoreError) -> PyResult<PyErr> {
    use CoreError as E;
    let attrs = PyDict::new(py);
    if let Some(r) = e.reply() {
        attrs.set_item("reply", reply_tuple(py, r)?)?;
    }
    let io_errno = |src: &std::io::Error| -> PyResult<()> {
        if let Some(n) = src.raw_os_error() {
            attrs.set_item("errno", n)?;
        }
        attrs.set_item("strerror", src.to_string())?;
        Ok(())
    };
    let class = match e {
        E::InvalidArgument { what, .. } => {
            attrs.set_item("argument", *what)?;
            "InvalidArgumentError"
        }
        E::Config(_) => "ConfigError",
        E::LocalIo { path, source } => {
            attrs.set_item("filename", path.as_os_str())?;
            io_errno(source)?;
            "LocalFileError"
        }
        E::Connect { addr, source } => {
            if let Some(a) = addr {
                attrs.set_item("address", a.to_string())?;
            }
            io_errno(source)?;
            "ConnectError"
        }
        E::Timeout { phase } => {
            attrs.set_item("phase", phase_name(*phase))?;
            "TimeoutError"
        }
        E::ConnectionLost { .. } | E::Io { .. } => "ConnectionLostError",
        E::TlsNotAvailable { .. } => "TLSNotAvailableError",
        E::DataAfterAuthReply | E::Tls { .. } => "TLSError",
        E::Certificate { .. } | E::DataCertificateMismatch => "CertificateError",
        E::PinMismatch {
            cert_sha256,
            spki_sha256,
        } => {
            attrs.set_item("cert_sha256", cert_sha256)?;
            attrs.set_item("spki_sha256", spki_sha256)?;
            "PinMismatchError"
        }
        E::SessionReuseRefused { .. } => "SessionReuseError",
        E::LoginRejected { .. } => "LoginError",
        E::Reply { command, reply } => {
            attrs.set_item("command", command)?;
            if reply.is_transient() {
                "TransientReplyError"
            } else if reply.is_permanent() {
                "PermanentReplyError"
            } else {
                "ReplyError"
            }
        }
        E::Protocol(_) => "ProtocolError",
        E::Truncated {
            received, expected, ..
        } => {
            attrs.set_item("received", received)?;
            attrs.set_item("expected", expected)?;
            "TruncatedError"
        }
        E::Cancelled => "CancelledError",
        E::State(_) => "StateError",
        _ => "Error",
    };
    Ok(make(py, class, &e.to_string(), &attrs, e.is_fatal()))
}

/// Instantiates `ftps._errors.<class>` with `message` and `attrs`.
pub(crate) fn make(
    py: Python<'_>,
    class: &str,
    message: &str,
    attrs: &Bound<'_, PyDict>,
    fatal: bool,
) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let m = py.import("ftps._errors")?;
        let exc = m.getattr("_make")?.call1((class, message, attrs, fatal))?;
        Ok(PyErr::from_value(exc))
    })();
    match made {
        Ok(e) => e,
        Err(e) => e,
    }
}

/// A `StateError` raised by the binding itself.
pub(crate) fn state(py: Python<'_>, message: &str) -> PyErr {
    make(py, "StateError", message, &PyDict::new(py), false)
}

/// An `InvalidArgumentError` raised by the binding itself.
pub(crate) fn invalid(py: Python<'_>, argument: &str, message: &str) -> PyErr {
    let attrs = PyDict::new(py);
    if attrs.set_item("argument", argument).is_err() {
        return state(py, message);
    }
    make(py, "InvalidArgumentError", message, &attrs, false)
}
