//! The one mapping from `ftps_core::Error` to the `ftps` exception classes.
//!
//! The classes live in `ftps/_errors.py` (so that they can inherit from both
//! `ftps.Error` and builtins such as `TimeoutError`, and carry documented
//! attributes); each is imported once, as a Rust type, by `import_exception!`.
//! This file decides which class each core error becomes and sets its attributes.

use ftps_core::{Error as CoreError, Phase};
use pyo3::PyTypeInfo;
use pyo3::prelude::*;

use crate::values::Reply;

/// The classes of `ftps/_errors.py`, each a Rust type (imported on first use).
pub(crate) mod exc {
    use pyo3::import_exception;

    import_exception!(ftps._errors, Error);
    import_exception!(ftps._errors, InvalidArgumentError);
    import_exception!(ftps._errors, ConfigError);
    import_exception!(ftps._errors, LocalFileError);
    import_exception!(ftps._errors, ConnectError);
    import_exception!(ftps._errors, ConnectionLostError);
    import_exception!(ftps._errors, TimeoutError);
    import_exception!(ftps._errors, TLSError);
    import_exception!(ftps._errors, TLSNotAvailableError);
    import_exception!(ftps._errors, CertificateError);
    import_exception!(ftps._errors, PinMismatchError);
    import_exception!(ftps._errors, SessionReuseError);
    import_exception!(ftps._errors, ReplyError);
    import_exception!(ftps._errors, TransientReplyError);
    import_exception!(ftps._errors, PermanentReplyError);
    import_exception!(ftps._errors, LoginError);
    import_exception!(ftps._errors, ProtocolError);
    import_exception!(ftps._errors, TruncatedError);
    import_exception!(ftps._errors, IntegrityError);
    import_exception!(ftps._errors, CancelledError);
    import_exception!(ftps._errors, StateError);
}

/// Why a call failed: the core said so, or Python code the call ran (a progress
/// callback, a file object, a signal handler) raised, or the binding refused it
/// (a `PyErr` made without the interpreter, such as `exc::StateError::new_err(..)`).
pub(crate) enum Fail {
    Core(CoreError),
    Py(PyErr),
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
    build(py, &e).unwrap_or_else(|err| err)
}

/// An exception instance of class `T` (with `message` and `fatal`) and the attributes to set.
struct Made<'py> {
    exc: Bound<'py, PyAny>,
}

impl<'py> Made<'py> {
    fn new<T: PyTypeInfo>(py: Python<'py>, message: &str, fatal: bool) -> PyResult<Made<'py>> {
        let exc = T::type_object(py).call1((message,))?;
        if fatal {
            exc.setattr("fatal", true)?;
        }
        Ok(Made { exc })
    }

    fn set(self, name: &str, value: impl IntoPyObject<'py>) -> PyResult<Made<'py>> {
        self.exc.setattr(name, value)?;
        Ok(self)
    }

    fn io(self, src: &std::io::Error) -> PyResult<Made<'py>> {
        let m = match src.raw_os_error() {
            Some(n) => self.set("errno", n)?,
            None => self,
        };
        m.set("strerror", src.to_string())
    }
}

fn build(py: Python<'_>, e: &CoreError) -> PyResult<PyErr> {
    use CoreError as E;
    let msg = e.to_string();
    let fatal = e.is_fatal();
    let made = match e {
        E::InvalidArgument { what, .. } => {
            Made::new::<exc::InvalidArgumentError>(py, &msg, fatal)?.set("argument", *what)?
        }
        E::Config(_) => Made::new::<exc::ConfigError>(py, &msg, fatal)?,
        E::LocalIo { path, source } => Made::new::<exc::LocalFileError>(py, &msg, fatal)?
            .set("filename", path.as_os_str())?
            .io(source)?,
        E::Connect { addr, source } => {
            let m = Made::new::<exc::ConnectError>(py, &msg, fatal)?;
            let m = match addr {
                Some(a) => m.set("address", a.to_string())?,
                None => m,
            };
            m.io(source)?
        }
        E::Timeout { phase } => {
            Made::new::<exc::TimeoutError>(py, &msg, fatal)?.set("phase", phase_name(*phase))?
        }
        E::ConnectionLost { .. } | E::Io { .. } => {
            Made::new::<exc::ConnectionLostError>(py, &msg, fatal)?
        }
        E::TlsNotAvailable { .. } => Made::new::<exc::TLSNotAvailableError>(py, &msg, fatal)?,
        E::DataAfterAuthReply | E::Tls { .. } => Made::new::<exc::TLSError>(py, &msg, fatal)?,
        E::Certificate { .. } | E::DataCertificateMismatch => {
            Made::new::<exc::CertificateError>(py, &msg, fatal)?
        }
        E::PinMismatch {
            cert_sha256,
            spki_sha256,
        } => Made::new::<exc::PinMismatchError>(py, &msg, fatal)?
            .set("cert_sha256", cert_sha256)?
            .set("spki_sha256", spki_sha256)?,
        E::SessionReuseRefused { .. } => Made::new::<exc::SessionReuseError>(py, &msg, fatal)?,
        E::LoginRejected { .. } => Made::new::<exc::LoginError>(py, &msg, fatal)?,
        E::Reply { command, reply } => {
            let m = if reply.is_transient() {
                Made::new::<exc::TransientReplyError>(py, &msg, fatal)?
            } else if reply.is_permanent() {
                Made::new::<exc::PermanentReplyError>(py, &msg, fatal)?
            } else {
                Made::new::<exc::ReplyError>(py, &msg, fatal)?
            };
            m.set("command", command)?
        }
        E::Protocol(_) => Made::new::<exc::ProtocolError>(py, &msg, fatal)?,
        E::Truncated {
            received, expected, ..
        } => Made::new::<exc::TruncatedError>(py, &msg, fatal)?
            .set("received", received)?
            .set("expected", expected)?,
        E::Integrity {
            path,
            check,
            local,
            remote,
        } => Made::new::<exc::IntegrityError>(py, &msg, fatal)?
            .set("path", path)?
            .set("check", *check)?
            .set("local", local)?
            .set("remote", remote)?,
        E::Cancelled => Made::new::<exc::CancelledError>(py, &msg, fatal)?,
        E::State(_) => Made::new::<exc::StateError>(py, &msg, fatal)?,
        _ => Made::new::<exc::Error>(py, &msg, fatal)?,
    };
    // An error that carries a reply: `reply`, and its `code` and text as `message`.
    let made = match e.reply() {
        Some(r) => {
            let reply = Reply::from_core(r);
            let (code, text) = (r.code(), r.text());
            made.set("reply", reply)?
                .set("code", code)?
                .set("message", text)?
        }
        None => made,
    };
    Ok(PyErr::from_value(made.exc))
}

/// An `InvalidArgumentError` raised by the binding itself, naming the argument.
pub(crate) fn invalid(py: Python<'_>, argument: &str, message: &str) -> PyErr {
    let made = Made::new::<exc::InvalidArgumentError>(py, message, false)
        .and_then(|m| m.set("argument", argument));
    match made {
        Ok(m) => PyErr::from_value(m.exc),
        Err(e) => e,
    }
}
