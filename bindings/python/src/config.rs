//! `ftps.connect(...)`: its keyword arguments to an `ftps_core::Config`, the
//! connection, and the login when `user` is given.
//!
//! `ftps/_client.py` states the public signature (types and defaults) and passes
//! every argument on unchanged; this function takes the same names in the same order
//! (`tests/test_api.py` checks both, and the docstring's Args, against each other).

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use ftps_core::{
    AuthCommand, Client, Config, DataConnectionMode, DataProtection, Direction, Mode, Pipelining,
    TlsVersion, Transcript, TransferType, Verify,
};
use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::client::RawClient;
use crate::errors::{core_error, invalid};
use crate::values::decode;

/// Seconds as a float to a `Duration`: only the conversion (NaN, negative, too
/// large); whether the value can work is the core's rule (`ConfigBuilder::check`).
fn seconds(py: Python<'_>, what: &str, v: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(v).map_err(|e| {
        invalid(
            py,
            what,
            &format!("{what} must be a number of seconds, got {v}: {e}"),
        )
    })
}

/// The `connect` keyword argument behind a core option name (`ConfigBuilder::check`).
fn keyword(option: &'static str) -> &'static str {
    match option {
        "data_idle_timeout" => "data_timeout",
        "client_key" => "client_cert",
        "atomic_uploads" => "atomic",
        other => other,
    }
}

/// A name the core parses (`FromStr`), with the error naming the keyword argument.
pub(crate) fn parse<T: std::str::FromStr<Err = ftps_core::Error>>(
    py: Python<'_>,
    what: &str,
    v: &str,
) -> PyResult<T> {
    v.parse::<T>().map_err(|e| match e {
        ftps_core::Error::InvalidArgument { reason, .. } => {
            invalid(py, what, &format!("{what}: {reason}"))
        }
        e => core_error(py, e),
    })
}

/// An integer for an unsigned Rust type: out of range is an `InvalidArgumentError`
/// naming the argument (not an `OverflowError`); not an `int` is a `TypeError`.
pub(crate) fn uint<T>(py: Python<'_>, what: &str, v: &Bound<'_, PyAny>) -> PyResult<T>
where
    T: for<'a, 'py> FromPyObject<'a, 'py, Error = PyErr>,
{
    v.extract::<T>().map_err(|e| {
        if e.is_instance_of::<PyOverflowError>(py) {
            invalid(py, what, &format!("invalid {what}: {v} is out of range"))
        } else {
            e
        }
    })
}

/// A local path as Python takes one: `str`, `bytes` or `os.PathLike` (`os.fsdecode`).
fn local_path(v: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    v.py()
        .import("os")?
        .call_method1("fsdecode", (v,))?
        .extract::<PathBuf>()
}

/// One value or a sequence of them (`ca_file="ca.pem"` or `ca_file=[...]`): a `str`,
/// `bytes` or `os.PathLike` is one value.
fn one_or_many<T>(
    v: Option<&Bound<'_, PyAny>>,
    one: impl Fn(&Bound<'_, PyAny>) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    if v.is_instance_of::<PyString>() || v.is_instance_of::<PyBytes>() || v.hasattr("__fspath__")? {
        return Ok(vec![one(v)?]);
    }
    v.try_iter()?.map(|item| one(&item?)).collect()
}

/// PEM text as `str` or bytes.
#[derive(FromPyObject)]
pub(crate) enum Pem {
    Text(String),
    Bytes(Vec<u8>),
}

/// Connects (TCP, TLS, greeting, AUTH TLS) and, when `user` is given, logs in, with
/// the interpreter released; see `ftps.connect` for the arguments.
#[pyfunction]
#[pyo3(signature = (
    host, port, *, mode, user, password, account, ca_file, ca_pem, pin_sha256,
    pin_replaces_ca, system_roots, tls_server_name, client_cert, timeout, connect_timeout,
    reply_timeout, data_connect_timeout, data_timeout, min_tls, max_tls, passive,
    active_bind, insecure_trust_pasv_address, insecure_clear_data, ascii, utf8, buffer_size,
    danger_accept_invalid_certs, alpn, auth_ssl, tcp_keepalive, tcp_nodelay,
    tls_records_in_place, verify, pipelining, atomic, resume_attempts, resume_backoff, transcript
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn connect(
    py: Python<'_>,
    host: String,
    port: Option<Bound<'_, PyAny>>,
    mode: String,
    user: Option<String>,
    password: Option<String>,
    account: Option<String>,
    ca_file: Option<Bound<'_, PyAny>>,
    ca_pem: Option<Pem>,
    pin_sha256: Option<Bound<'_, PyAny>>,
    pin_replaces_ca: bool,
    system_roots: Option<bool>,
    tls_server_name: Option<String>,
    client_cert: Option<(Bound<'_, PyAny>, Bound<'_, PyAny>)>,
    timeout: Option<f64>,
    connect_timeout: Option<f64>,
    reply_timeout: Option<f64>,
    data_connect_timeout: Option<f64>,
    data_timeout: Option<f64>,
    min_tls: Option<String>,
    max_tls: Option<String>,
    passive: bool,
    active_bind: Option<String>,
    insecure_trust_pasv_address: bool,
    insecure_clear_data: bool,
    ascii: bool,
    utf8: bool,
    buffer_size: Option<Bound<'_, PyAny>>,
    danger_accept_invalid_certs: bool,
    alpn: bool,
    auth_ssl: bool,
    tcp_keepalive: Option<f64>,
    tcp_nodelay: bool,
    tls_records_in_place: bool,
    verify: String,
    pipelining: String,
    atomic: bool,
    resume_attempts: Bound<'_, PyAny>,
    resume_backoff: f64,
    transcript: Option<Py<PyAny>>,
) -> PyResult<RawClient> {
    if password.is_some() && user.is_none() {
        return Err(invalid(py, "password", "password given without user"));
    }
    let mut b = Config::builder(host).mode(parse::<Mode>(py, "mode", &mode)?);
    if let Some(p) = &port {
        b = b.port(uint(py, "port", p)?);
    }
    for f in one_or_many(ca_file.as_ref(), local_path)? {
        b = b.ca_file(f);
    }
    match ca_pem {
        Some(Pem::Text(t)) => b = b.ca_pem(t.into_bytes()),
        Some(Pem::Bytes(p)) => b = b.ca_pem(p),
        None => {}
    }
    for p in one_or_many(pin_sha256.as_ref(), |v| v.extract::<String>())? {
        b = b.pin_sha256(p);
    }
    b = b.pin_replaces_ca(pin_replaces_ca);
    if let Some(s) = system_roots {
        b = b.system_roots(s);
    }
    if let Some(n) = tls_server_name {
        b = b.tls_server_name(n);
    }
    if let Some((cert, key)) = client_cert {
        b = b.client_cert_files(local_path(&cert)?, local_path(&key)?);
    }
    // `timeout` stands for each of the four that is not given.
    if let Some(t) = connect_timeout.or(timeout) {
        b = b.connect_timeout(seconds(py, "connect_timeout", t)?);
    }
    if let Some(t) = reply_timeout.or(timeout) {
        b = b.reply_timeout(seconds(py, "reply_timeout", t)?);
    }
    if let Some(t) = data_connect_timeout.or(timeout) {
        b = b.data_connect_timeout(seconds(py, "data_connect_timeout", t)?);
    }
    if let Some(t) = data_timeout.or(timeout) {
        b = b.data_idle_timeout(seconds(py, "data_timeout", t)?);
    }
    if let Some(v) = &min_tls {
        b = b.min_tls_version(parse::<TlsVersion>(py, "min_tls", v)?);
    }
    if let Some(v) = &max_tls {
        b = b.max_tls_version(parse::<TlsVersion>(py, "max_tls", v)?);
    }
    if !passive {
        let bind = match &active_bind {
            Some(a) => Some(
                a.parse::<IpAddr>()
                    .map_err(|e| invalid(py, "active_bind", &format!("active_bind {a:?}: {e}")))?,
            ),
            None => None,
        };
        b = b.data_connection_mode(DataConnectionMode::Active { bind });
    }
    b = b.insecure_trust_pasv_address(insecure_trust_pasv_address);
    if insecure_clear_data {
        b = b.data_protection(DataProtection::InsecureClear);
    }
    if ascii {
        b = b.transfer_type(TransferType::Ascii);
    }
    b = b.utf8(utf8);
    if let Some(n) = &buffer_size {
        b = b.buffer_size(uint(py, "buffer_size", n)?);
    }
    b = b.danger_accept_invalid_certs(danger_accept_invalid_certs);
    b = b.alpn(alpn);
    if auth_ssl {
        b = b.auth_command(AuthCommand::Ssl);
    }
    b = b.tcp_keepalive(match tcp_keepalive {
        Some(s) => Some(seconds(py, "tcp_keepalive", s)?),
        None => None,
    });
    b = b.tcp_nodelay(tcp_nodelay);
    // `tls_records_in_place` has no effect any more (kept for compatibility).
    let _ = tls_records_in_place;
    b = b.verify(parse::<Verify>(py, "verify", &verify)?);
    b = b.pipelining(parse::<Pipelining>(py, "pipelining", &pipelining)?);
    b = b.atomic_uploads(atomic);
    b = b.resume_attempts(uint(py, "resume_attempts", &resume_attempts)?);
    b = b.resume_backoff(seconds(py, "resume_backoff", resume_backoff)?);
    let transcript = match transcript {
        Some(cb) if cb.bind(py).is_callable() => Some(python_transcript(cb)),
        Some(cb) => {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "transcript must be callable, not {}",
                cb.bind(py).get_type().name()?
            )));
        }
        None => None,
    };
    let config = b.build().map_err(|e| match e {
        // The core names its own options; say the keyword argument the caller used.
        ftps_core::Error::InvalidArgument { what, reason } => {
            let kw = keyword(what);
            invalid(py, kw, &format!("{kw}: {reason}"))
        }
        e => core_error(py, e),
    })?;

    let client = py
        .detach(|| {
            let mut client = Client::connect_with_transcript(&config, transcript)?;
            if let Some(user) = &user {
                let password = password.as_deref().unwrap_or("");
                if let Err(e) = client.login_with_account(user, password, account.as_deref()) {
                    let _ = client.quit();
                    return Err(e);
                }
            }
            Ok(client)
        })
        .map_err(|e| core_error(py, e))?;
    Ok(RawClient::new(client, config.port(), config.mode().name()))
}

/// A Python callable as the core's transcript callback: `transcript(direction, line)`,
/// `direction` one of `"sent"`, `"received"`, `"info"`, `line` decoded as names are
/// (UTF-8, `surrogateescape`). It runs with the interpreter taken back, inside the call
/// that produced the line; an exception it raises cannot stop that call, so it goes to
/// `sys.unraisablehook` (printed by default).
fn python_transcript(cb: Py<PyAny>) -> Transcript {
    Box::new(move |direction, line| {
        let direction = match direction {
            Direction::Sent => "sent",
            Direction::Received => "received",
            Direction::Info => "info",
        };
        Python::attach(|py| {
            let r = decode(py, line).and_then(|line| cb.call1(py, (direction, line)));
            if let Err(e) = r {
                e.write_unraisable(py, Some(cb.bind(py)));
            }
        });
    })
}
