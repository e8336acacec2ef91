//! The values `ftps` returns: replies, listing entries, TLS facts, the reports of
//! directory transfers and sync. Each is a frozen class of this module that the `ftps`
//! package exports under the same name (`ftps.Reply`, `ftps.Entry`, `ftps.TLSInfo`...);
//! their stubs are in `ftps/_ftps.pyi`.
//!
//! Built from the core's values here, once; Python code never rebuilds them.

use std::path::{Path, PathBuf};

use ftps_core::{DateTime, EntryKind, SyncActionKind, SyncReason};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDateTime, PyDict, PyList, PyString, PyTuple, PyTzInfo};

use crate::config::parse;

/// `(type(obj), obj.__getnewargs__())`: what `__reduce__` returns for every value class.
fn reduce<'py>(obj: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    Ok((
        obj.get_type().into_any(),
        obj.call_method0("__getnewargs__")?,
    ))
}

/// `repr()` of a value, as Python shows it.
fn repr<'py>(py: Python<'py>, v: impl IntoPyObject<'py>) -> PyResult<String> {
    Ok(v.into_bound_py_any(py)?.repr()?.to_string())
}

/// Server bytes as `str`: UTF-8, invalid bytes kept as lone surrogates
/// (`surrogateescape`), so the name encodes back to the very same bytes.
pub(crate) fn decode<'py>(py: Python<'py>, b: &[u8]) -> PyResult<Bound<'py, PyString>> {
    Ok(PyBytes::new(py, b)
        .call_method1("decode", ("utf-8", "surrogateescape"))?
        .cast_into::<PyString>()?)
}

/// A core time as an aware UTC `datetime`; `None` for a time Python cannot hold (year 0).
pub(crate) fn datetime<'py>(
    py: Python<'py>,
    t: &DateTime,
) -> PyResult<Option<Bound<'py, PyDateTime>>> {
    let utc = PyTzInfo::utc(py)?;
    let made = PyDateTime::new(
        py,
        i32::from(t.year),
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.nanosecond / 1000,
        Some(&utc),
    );
    match made {
        Ok(d) => Ok(Some(d)),
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyValueError>(py) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `(year, month, day, hour, minute, second, nanosecond)`, UTC: what
/// `Client.set_mtime` passes.
pub(crate) type TimeTuple = (u16, u8, u8, u8, u8, u8, u32);

pub(crate) fn time_from_tuple(t: TimeTuple) -> Option<DateTime> {
    DateTime::new(t.0, t.1, t.2, t.3, t.4, t.5)?.with_nanosecond(t.6)
}

/// A reply of the server: the code, the text and the raw lines.
///
/// ``str(reply)`` gives ``"226 Transfer complete."``.
#[pyclass(frozen, eq, hash, module = "ftps")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Reply {
    /// The three-digit reply code.
    #[pyo3(get)]
    code: u16,
    /// The text without the codes, lines joined by ``"\n"`` (invalid UTF-8 replaced).
    #[pyo3(get)]
    text: String,
    lines: Vec<Vec<u8>>,
}

impl Reply {
    pub(crate) fn from_core(r: &ftps_core::Reply) -> Reply {
        Reply {
            code: r.code(),
            text: r.text(),
            lines: r.lines().to_vec(),
        }
    }

    /// The core's reply of this code, for its classification of codes.
    fn kind(&self) -> ftps_core::Reply {
        ftps_core::Reply::new(self.code, Vec::new())
    }
}

#[pymethods]
impl Reply {
    #[new]
    #[pyo3(signature = (code, text, lines = Vec::new()))]
    fn new(code: u16, text: String, lines: Vec<Vec<u8>>) -> Reply {
        Reply { code, text, lines }
    }

    /// The raw lines as the server sent them, without line endings.
    #[getter]
    fn lines<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.lines.iter().map(|l| PyBytes::new(py, l)))
    }

    /// ``True`` for ``1xx``, ``2xx`` and ``3xx`` replies.
    #[getter]
    fn ok(&self) -> bool {
        let r = self.kind();
        r.is_preliminary() || r.is_success() || r.is_intermediate()
    }

    /// ``True`` for a ``4xx`` reply: the same command may work later.
    #[getter]
    fn transient(&self) -> bool {
        self.kind().is_transient()
    }

    /// ``True`` for a ``5xx`` reply: the command failed for good.
    #[getter]
    fn permanent(&self) -> bool {
        self.kind().is_permanent()
    }

    fn __str__(&self) -> String {
        format!("{} {}", self.code, self.text)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Reply(code={}, text={}, lines={})",
            self.code,
            repr(py, &self.text)?,
            self.lines(py)?.repr()?
        ))
    }

    /// The fields in constructor order, for positional `case` patterns (as the
    /// dataclasses of ftps 0.1 had).
    #[classattr]
    fn __match_args__() -> (&'static str, &'static str, &'static str) {
        ("code", "text", "lines")
    }

    /// Pickling under every protocol (0 and 1 too): the class and `__getnewargs__`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        reduce(slf.as_any())
    }

    fn __getnewargs__<'py>(&self, py: Python<'py>) -> PyResult<(u16, String, Bound<'py, PyTuple>)> {
        Ok((self.code, self.text.clone(), self.lines(py)?))
    }
}

fn kind_name(k: EntryKind) -> &'static str {
    match k {
        EntryKind::File => "file",
        EntryKind::Dir => "dir",
        EntryKind::Symlink => "link",
        EntryKind::CurrentDir => "cdir",
        EntryKind::ParentDir => "pdir",
        _ => "other",
    }
}

/// One entry of a directory listing (:meth:`ftps.Client.listdir`, ``mlsd``).
///
/// For ftplib compatibility an entry also unpacks as ``(name, facts)``:
/// ``for name, facts in ftp.mlsd(): ...`` works as with :meth:`ftplib.FTP.mlsd`.
#[pyclass(frozen, module = "ftps")]
pub(crate) struct Entry {
    /// The name as ``str`` (invalid UTF-8 kept with ``surrogateescape``).
    #[pyo3(get)]
    name: Py<PyString>,
    /// The name exactly as the server sent it.
    #[pyo3(get)]
    name_bytes: Py<PyBytes>,
    /// ``"file"``, ``"dir"``, ``"link"`` or ``"other"``.
    #[pyo3(get, name = "type")]
    kind: String,
    /// Size in bytes, when the listing says.
    #[pyo3(get)]
    size: Option<u64>,
    /// Modification time (timezone-aware, UTC), when the listing says.
    #[pyo3(get)]
    mtime: Option<Py<PyAny>>,
    /// The target of a symbolic link, when the listing says.
    #[pyo3(get)]
    link_target: Option<Py<PyString>>,
    /// ``"rwxr-xr-x"``-style permissions (or MLSD's ``perm`` fact), when known.
    #[pyo3(get)]
    permissions: Option<String>,
    /// The raw MLSD/MLST facts, names lowercased (empty for ``LIST``).
    #[pyo3(get)]
    facts: Py<PyDict>,
    /// The listing line as the server sent it.
    #[pyo3(get)]
    raw: Py<PyBytes>,
}

impl Entry {
    pub(crate) fn from_core(py: Python<'_>, e: &ftps_core::Entry) -> PyResult<Entry> {
        let facts = PyDict::new(py);
        for (k, v) in &e.facts {
            facts.set_item(k, decode(py, v)?)?;
        }
        Ok(Entry {
            name: decode(py, &e.name)?.unbind(),
            name_bytes: PyBytes::new(py, &e.name).unbind(),
            kind: kind_name(e.kind).to_string(),
            size: e.size,
            mtime: match &e.modified {
                Some(t) => datetime(py, t)?.map(|d| d.into_any().unbind()),
                None => None,
            },
            link_target: match &e.link_target {
                Some(t) => Some(decode(py, t)?.unbind()),
                None => None,
            },
            permissions: e.permissions.clone(),
            facts: facts.unbind(),
            raw: PyBytes::new(py, &e.raw).unbind(),
        })
    }

    /// What equality and the hash compare: every field but `facts`.
    fn key<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (
            &self.name,
            &self.name_bytes,
            &self.kind,
            self.size,
            &self.mtime,
            &self.link_target,
            &self.permissions,
            &self.raw,
        )
            .into_pyobject(py)
    }
}

#[pymethods]
impl Entry {
    #[new]
    #[pyo3(signature = (name, name_bytes, r#type, size, mtime, link_target = None, permissions = None, facts = None, raw = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        name: Py<PyString>,
        name_bytes: Py<PyBytes>,
        r#type: String,
        size: Option<u64>,
        mtime: Option<Py<PyAny>>,
        link_target: Option<Py<PyString>>,
        permissions: Option<String>,
        facts: Option<Py<PyDict>>,
        raw: Option<Py<PyBytes>>,
    ) -> Entry {
        Entry {
            name,
            name_bytes,
            kind: r#type,
            size,
            mtime,
            link_target,
            permissions,
            facts: facts.unwrap_or_else(|| PyDict::new(py).unbind()),
            raw: raw.unwrap_or_else(|| PyBytes::new(py, b"").unbind()),
        }
    }

    /// ``True`` for a directory.
    fn is_dir(&self) -> bool {
        self.kind == "dir"
    }

    /// ``True`` for a regular file.
    fn is_file(&self) -> bool {
        self.kind == "file"
    }

    /// ``True`` for a symbolic link.
    fn is_symlink(&self) -> bool {
        self.kind == "link"
    }

    /// Unpacks as ``(name, facts)``, like the items of :meth:`ftplib.FTP.mlsd`.
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok((&self.name, &self.facts)
            .into_pyobject(py)?
            .try_iter()?
            .into_any())
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        match other.cast::<Entry>() {
            Ok(o) => self.key(py)?.eq(o.get().key(py)?)?.into_py_any(py),
            Err(_) => Ok(py.NotImplemented()),
        }
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        self.key(py)?.hash()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Entry(name={}, name_bytes={}, type={}, size={}, mtime={}, link_target={}, \
             permissions={}, facts={}, raw={})",
            repr(py, &self.name)?,
            repr(py, &self.name_bytes)?,
            repr(py, &self.kind)?,
            repr(py, self.size)?,
            repr(py, &self.mtime)?,
            repr(py, &self.link_target)?,
            repr(py, &self.permissions)?,
            repr(py, &self.facts)?,
            repr(py, &self.raw)?,
        ))
    }

    /// The fields in constructor order, for positional `case` patterns (as the
    /// dataclasses of ftps 0.1 had).
    #[classattr]
    fn __match_args__() -> (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        (
            "name",
            "name_bytes",
            "type",
            "size",
            "mtime",
            "link_target",
            "permissions",
            "facts",
            "raw",
        )
    }

    /// Pickling under every protocol (0 and 1 too): the class and `__getnewargs__`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        reduce(slf.as_any())
    }

    fn __getnewargs__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let key = self.key(py)?;
        let mut args: Vec<Bound<'py, PyAny>> = key.iter().collect();
        args.insert(7, self.facts.bind(py).clone().into_any());
        PyTuple::new(py, args)
    }
}

/// What was negotiated on one TLS connection (control or data).
#[pyclass(
    frozen,
    eq,
    hash,
    from_py_object,
    module = "ftps",
    name = "TLSConnection"
)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct TlsConnection {
    /// ``"TLSv1.3"`` or ``"TLSv1.2"``.
    #[pyo3(get)]
    version: String,
    /// The cipher suite, e.g. ``"TLS13_AES_256_GCM_SHA384"``.
    #[pyo3(get)]
    cipher: String,
    /// The key exchange group, e.g. ``"x25519"``, when known.
    #[pyo3(get)]
    kx_group: Option<String>,
    /// ``True`` when the handshake resumed an earlier session. Every data connection
    /// should: it resumes the control connection's session.
    #[pyo3(get)]
    resumed: bool,
    /// The ALPN protocol the server chose (``b"ftp"``), if any.
    #[pyo3(get)]
    alpn: Option<Vec<u8>>,
}

impl TlsConnection {
    pub(crate) fn from_core(t: &ftps_core::TlsInfo) -> TlsConnection {
        TlsConnection {
            version: t.version.to_string(),
            cipher: t.cipher.to_string(),
            kx_group: t.kx_group.map(|g| g.to_string()),
            resumed: t.resumed,
            alpn: t.alpn.clone(),
        }
    }
}

#[pymethods]
impl TlsConnection {
    #[new]
    fn new(
        version: String,
        cipher: String,
        kx_group: Option<String>,
        resumed: bool,
        alpn: Option<Vec<u8>>,
    ) -> TlsConnection {
        TlsConnection {
            version,
            cipher,
            kx_group,
            resumed,
            alpn,
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "TLSConnection(version={}, cipher={}, kx_group={}, resumed={}, alpn={})",
            repr(py, &self.version)?,
            repr(py, &self.cipher)?,
            repr(py, &self.kx_group)?,
            repr(py, self.resumed)?,
            repr(py, &self.alpn)?,
        ))
    }

    /// The fields in constructor order, for positional `case` patterns (as the
    /// dataclasses of ftps 0.1 had).
    #[classattr]
    fn __match_args__() -> (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        ("version", "cipher", "kx_group", "resumed", "alpn")
    }

    /// Pickling under every protocol (0 and 1 too): the class and `__getnewargs__`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        reduce(slf.as_any())
    }

    fn __getnewargs__(&self) -> (String, String, Option<String>, bool, Option<Vec<u8>>) {
        let s = self.clone();
        (s.version, s.cipher, s.kx_group, s.resumed, s.alpn)
    }
}

/// Counters of one client: TLS session reuse, reconnects and automatic resumes.
#[pyclass(frozen, eq, hash, from_py_object, module = "ftps")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct SessionStats {
    /// TLS 1.3 tickets received on the control connection.
    #[pyo3(get)]
    control_tickets: u64,
    /// TLS 1.3 tickets received on data connections.
    #[pyo3(get)]
    data_tickets: u64,
    /// Data connections that resumed the control session.
    #[pyo3(get)]
    data_resumed: u64,
    /// Data connections that did a full handshake (a server that requires reuse refuses them).
    #[pyo3(get)]
    data_full: u64,
    /// Data connections that found no TLS 1.3 ticket left to resume with.
    #[pyo3(get)]
    tickets_exhausted: u64,
    /// Transfers retried once with a fresh ticket after a refused full handshake.
    #[pyo3(get)]
    retried: u64,
    /// Times the client reconnected (:meth:`ftps.Client.reconnect`, or a convenience
    /// transfer after a lost connection); the counters above are of the current
    /// control connection.
    #[pyo3(get)]
    reconnects: u64,
    /// Automatic resumes of interrupted transfers (each one a new attempt).
    #[pyo3(get)]
    resumes: u64,
}

impl SessionStats {
    pub(crate) fn from_core(s: &ftps_core::SessionStats) -> SessionStats {
        SessionStats {
            control_tickets: s.control_tickets,
            data_tickets: s.data_tickets,
            data_resumed: s.data_resumed,
            data_full: s.data_full,
            tickets_exhausted: s.tickets_exhausted,
            retried: s.retried,
            reconnects: s.reconnects,
            resumes: s.resumes,
        }
    }

    fn fields(&self) -> (u64, u64, u64, u64, u64, u64, u64, u64) {
        (
            self.control_tickets,
            self.data_tickets,
            self.data_resumed,
            self.data_full,
            self.tickets_exhausted,
            self.retried,
            self.reconnects,
            self.resumes,
        )
    }
}

#[pymethods]
impl SessionStats {
    // `reconnects` and `resumes` are optional (0), for code written before they came.
    #[new]
    #[pyo3(signature = (
        control_tickets, data_tickets, data_resumed, data_full, tickets_exhausted, retried,
        reconnects=0, resumes=0
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        control_tickets: u64,
        data_tickets: u64,
        data_resumed: u64,
        data_full: u64,
        tickets_exhausted: u64,
        retried: u64,
        reconnects: u64,
        resumes: u64,
    ) -> SessionStats {
        SessionStats {
            control_tickets,
            data_tickets,
            data_resumed,
            data_full,
            tickets_exhausted,
            retried,
            reconnects,
            resumes,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "SessionStats(control_tickets={}, data_tickets={}, data_resumed={}, data_full={}, \
             tickets_exhausted={}, retried={}, reconnects={}, resumes={})",
            self.control_tickets,
            self.data_tickets,
            self.data_resumed,
            self.data_full,
            self.tickets_exhausted,
            self.retried,
            self.reconnects,
            self.resumes
        )
    }

    /// The fields in constructor order, for positional `case` patterns (as the
    /// dataclasses of ftps 0.1 had).
    #[classattr]
    #[allow(clippy::type_complexity)]
    fn __match_args__() -> (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        (
            "control_tickets",
            "data_tickets",
            "data_resumed",
            "data_full",
            "tickets_exhausted",
            "retried",
            "reconnects",
            "resumes",
        )
    }

    /// Pickling under every protocol (0 and 1 too): the class and `__getnewargs__`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        reduce(slf.as_any())
    }

    fn __getnewargs__(&self) -> (u64, u64, u64, u64, u64, u64, u64, u64) {
        self.fields()
    }
}

/// Where a batch stands (:meth:`ftps.Client.download_many`, ``upload_many``): what
/// its ``progress`` callback gets.
#[pyclass(frozen, eq, hash, module = "ftps")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct BatchProgress {
    /// Files in the batch.
    #[pyo3(get)]
    total: usize,
    /// Files transferred (and verified) so far.
    #[pyo3(get)]
    done: usize,
    /// Files that failed so far.
    #[pyo3(get)]
    failed: usize,
    /// Bytes moved so far, over all files.
    #[pyo3(get)]
    bytes: u64,
    /// Sessions working now, the client's own included.
    #[pyo3(get)]
    sessions: usize,
}

impl BatchProgress {
    pub(crate) fn from_core(p: &ftps_core::BatchProgress) -> BatchProgress {
        BatchProgress {
            total: p.total,
            done: p.done,
            failed: p.failed,
            bytes: p.bytes,
            sessions: p.sessions,
        }
    }
}

#[pymethods]
impl BatchProgress {
    #[new]
    fn new(total: usize, done: usize, failed: usize, bytes: u64, sessions: usize) -> BatchProgress {
        BatchProgress {
            total,
            done,
            failed,
            bytes,
            sessions,
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "BatchProgress(total={}, done={}, failed={}, bytes={}, sessions={})",
            self.total, self.done, self.failed, self.bytes, self.sessions
        )
    }

    /// The fields in constructor order, for positional `case` patterns.
    #[classattr]
    fn __match_args__() -> (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        ("total", "done", "failed", "bytes", "sessions")
    }

    /// Pickling under every protocol (0 and 1 too): the class and `__getnewargs__`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        reduce(slf.as_any())
    }

    fn __getnewargs__(&self) -> (usize, usize, usize, u64, usize) {
        (
            self.total,
            self.done,
            self.failed,
            self.bytes,
            self.sessions,
        )
    }
}

/// The TLS facts of a session: :attr:`ftps.Client.tls_info`.
#[pyclass(frozen, eq, hash, module = "ftps", name = "TLSInfo")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct TlsInfo {
    /// The control connection.
    #[pyo3(get)]
    control: TlsConnection,
    /// The last data connection (``None`` before the first transfer or listing).
    #[pyo3(get)]
    data: Option<TlsConnection>,
    /// How many data connections resumed the session, and the tickets seen.
    #[pyo3(get)]
    stats: SessionStats,
}

impl TlsInfo {
    pub(crate) fn from_core(
        control: &ftps_core::TlsInfo,
        data: Option<&ftps_core::TlsInfo>,
        stats: &ftps_core::SessionStats,
    ) -> TlsInfo {
        TlsInfo {
            control: TlsConnection::from_core(control),
            data: data.map(TlsConnection::from_core),
            stats: SessionStats::from_core(stats),
        }
    }
}

#[pymethods]
impl TlsInfo {
    #[new]
    fn new(control: TlsConnection, data: Option<TlsConnection>, stats: SessionStats) -> TlsInfo {
        TlsInfo {
            control,
            data,
            stats,
        }
    }

    /// The control connection's TLS version.
    #[getter]
    fn version(&self) -> &str {
        &self.control.version
    }

    /// The control connection's cipher suite.
    #[getter]
    fn cipher(&self) -> &str {
        &self.control.cipher
    }

    /// ``True`` when no data connection so far needed a full handshake.
    #[getter]
    fn all_data_resumed(&self) -> bool {
        self.stats.data_full == 0
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "TLSInfo(control={}, data={}, stats={})",
            self.control.__repr__(py)?,
            match &self.data {
                Some(d) => d.__repr__(py)?,
                None => "None".into(),
            },
            self.stats.__repr__()
        ))
    }

    /// The fields in constructor order, for positional `case` patterns (as the
    /// dataclasses of ftps 0.1 had).
    #[classattr]
    fn __match_args__() -> (&'static str, &'static str, &'static str) {
        ("control", "data", "stats")
    }

    /// Pickling under every protocol (0 and 1 too): the class and `__getnewargs__`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        reduce(slf.as_any())
    }

    fn __getnewargs__(&self) -> (TlsConnection, Option<TlsConnection>, SessionStats) {
        (self.control.clone(), self.data.clone(), self.stats.clone())
    }
}

/// A value class compared, hashed and pickled by a tuple of its fields.
trait Keyed: pyo3::PyClass<Frozen = pyo3::pyclass::boolean_struct::True> + Sync {
    /// Every field, in constructor order (what `__getnewargs__` returns).
    fn key<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>>;
}

/// `__eq__` of a [`Keyed`] class: the keys compared; `NotImplemented` for another type.
fn key_eq<T: Keyed>(me: &T, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    match other.cast::<T>() {
        Ok(o) => me.key(py)?.eq(o.get().key(py)?)?.into_py_any(py),
        Err(_) => Ok(py.NotImplemented()),
    }
}

/// A local path as `str`, as `os.fsdecode` gives it.
fn local_str<'py>(py: Python<'py>, p: &Path) -> Bound<'py, PyString> {
    let Ok(s) = p.as_os_str().into_pyobject(py);
    s
}

/// A tuple of the Python objects `items` gives.
fn tuple_of<'py, T: IntoPyObject<'py>>(
    py: Python<'py>,
    items: impl IntoIterator<Item = T, IntoIter: ExactSizeIterator>,
) -> PyResult<Py<PyTuple>> {
    Ok(PyTuple::new(py, items)?.unbind())
}

/// A new list of what a stored tuple holds (a getter's copy: the value stays frozen).
fn list_of<'py>(t: &Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyList>> {
    PyList::new(t.py(), t.iter())
}

/// What a directory transfer did, its paths already `str`: the shape that
/// [`DirDownload`] and [`DirUpload`] share (they differ in which side each path is on).
struct DirReport {
    /// `str` paths.
    files: Py<PyTuple>,
    /// `str` paths.
    dirs: Py<PyTuple>,
    /// `(str, str)` pairs: a path and why.
    skipped: Py<PyTuple>,
    bytes: u64,
}

impl DirReport {
    fn new<'py, P, S>(
        py: Python<'py>,
        files: Vec<P>,
        dirs: Vec<P>,
        skipped: Vec<(P, S)>,
        bytes: u64,
    ) -> PyResult<DirReport>
    where
        P: IntoPyObject<'py>,
        S: IntoPyObject<'py>,
    {
        Ok(DirReport {
            files: tuple_of(py, files)?,
            dirs: tuple_of(py, dirs)?,
            skipped: tuple_of(py, skipped)?,
            bytes,
        })
    }

    /// Every field, in constructor order: the [`Keyed::key`] of both classes.
    fn key<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (&self.files, &self.dirs, &self.skipped, self.bytes).into_pyobject(py)
    }

    fn repr(&self, py: Python<'_>, class: &str) -> PyResult<String> {
        Ok(format!(
            "{class}(files={}, dirs={}, skipped={}, bytes={})",
            list_of(self.files.bind(py))?.repr()?,
            list_of(self.dirs.bind(py))?.repr()?,
            list_of(self.skipped.bind(py))?.repr()?,
            self.bytes
        ))
    }
}

/// A value class around a [`DirReport`], with the documentation of its fields.
macro_rules! dir_report_class {
    (
        $(#[doc = $doc:literal])*
        $name:ident,
        files: $files:literal,
        dirs: $dirs:literal,
        skipped: $skipped:literal $(,)?
    ) => {
        $(#[doc = $doc])*
        #[pyclass(frozen, module = "ftps")]
        pub(crate) struct $name(DirReport);

        #[pymethods]
        impl $name {
            #[new]
            fn new(
                py: Python<'_>,
                files: Vec<Py<PyString>>,
                dirs: Vec<Py<PyString>>,
                skipped: Vec<(Py<PyString>, Py<PyString>)>,
                bytes: u64,
            ) -> PyResult<$name> {
                Ok($name(DirReport::new(py, files, dirs, skipped, bytes)?))
            }

            #[doc = $files]
            #[getter]
            fn files<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
                list_of(self.0.files.bind(py))
            }

            #[doc = $dirs]
            #[getter]
            fn dirs<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
                list_of(self.0.dirs.bind(py))
            }

            #[doc = $skipped]
            #[getter]
            fn skipped<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
                list_of(self.0.skipped.bind(py))
            }

            /// Bytes transferred in all.
            #[getter]
            fn bytes(&self) -> u64 {
                self.0.bytes
            }

            fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
                key_eq(self, py, other)
            }

            fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
                self.key(py)?.hash()
            }

            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                self.0.repr(py, stringify!($name))
            }

            /// The fields in constructor order, for positional `case` patterns.
            #[classattr]
            fn __match_args__() -> (&'static str, &'static str, &'static str, &'static str) {
                ("files", "dirs", "skipped", "bytes")
            }

            /// Pickling under every protocol (0 and 1 too): the class and `__getnewargs__`.
            fn __reduce__<'py>(
                slf: &Bound<'py, Self>,
            ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
                reduce(slf.as_any())
            }

            fn __getnewargs__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
                self.key(py)
            }
        }

        impl Keyed for $name {
            fn key<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
                self.0.key(py)
            }
        }
    };
}

dir_report_class!(
    /// What :meth:`ftps.Client.download_dir` did: the local files and directories it
    /// wrote, and the remote entries it left alone.
    DirDownload,
    files: "Local files written (paths as ``os.fsdecode`` gives them), in listing order.",
    dirs: "Local directories written into, one per remote subdirectory descended into \
           (created when missing).",
    skipped: "Remote entries left alone: ``(remote path, reason)``, the path decoded as \
              :attr:`ftps.Entry.name` is.",
);

dir_report_class!(
    /// What :meth:`ftps.Client.upload_dir` did: the remote files and directories it
    /// wrote, and the local entries it left alone.
    DirUpload,
    files: "Remote files written (decoded as :attr:`ftps.Entry.name` is), in upload order.",
    dirs: "Remote directories created (``MKD`` succeeded; one that existed is not listed).",
    skipped: "Local entries left alone: ``(local path, reason)``.",
);

impl DirDownload {
    pub(crate) fn from_core(py: Python<'_>, d: &ftps_core::DirDownload) -> PyResult<DirDownload> {
        let paths = |ps: &[PathBuf]| ps.iter().map(|p| local_str(py, p)).collect();
        let skipped = d
            .skipped
            .iter()
            .map(|(name, why)| Ok((decode(py, name)?, *why)))
            .collect::<PyResult<_>>()?;
        Ok(DirDownload(DirReport::new(
            py,
            paths(&d.files),
            paths(&d.dirs),
            skipped,
            d.bytes,
        )?))
    }
}

impl DirUpload {
    pub(crate) fn from_core(py: Python<'_>, d: &ftps_core::DirUpload) -> PyResult<DirUpload> {
        let names =
            |ns: &[Vec<u8>]| -> PyResult<Vec<_>> { ns.iter().map(|n| decode(py, n)).collect() };
        let skipped = d
            .skipped
            .iter()
            .map(|(path, why)| (local_str(py, path), *why))
            .collect();
        Ok(DirUpload(DirReport::new(
            py,
            names(&d.files)?,
            names(&d.dirs)?,
            skipped,
            d.bytes,
        )?))
    }
}

/// One step of :meth:`ftps.Client.sync`: what it did (or in a dry run would do) to
/// which path.
#[pyclass(frozen, module = "ftps")]
pub(crate) struct SyncAction {
    kind: SyncActionKind,
    /// The path relative to the two directories synced, ``/`` between components
    /// (decoded as :attr:`ftps.Entry.name` is); ``""`` is the destination directory itself.
    #[pyo3(get)]
    path: Py<PyString>,
    reason: Option<SyncReason>,
}

impl SyncAction {
    pub(crate) fn from_core(py: Python<'_>, a: &ftps_core::SyncAction) -> PyResult<SyncAction> {
        Ok(SyncAction {
            kind: a.kind(),
            path: decode(py, a.path())?.unbind(),
            reason: a.reason(),
        })
    }
}

impl Keyed for SyncAction {
    fn key<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (self.kind(), &self.path, self.reason()).into_pyobject(py)
    }
}

#[pymethods]
impl SyncAction {
    #[new]
    #[pyo3(signature = (kind, path, reason = None))]
    fn new(
        py: Python<'_>,
        kind: &str,
        path: Py<PyString>,
        reason: Option<&str>,
    ) -> PyResult<SyncAction> {
        Ok(SyncAction {
            kind: parse(py, "kind", kind)?,
            path,
            reason: reason.map(|r| parse(py, "reason", r)).transpose()?,
        })
    }

    /// ``"upload"``, ``"download"``, ``"mkdir"``, ``"delete"``, ``"rmdir"`` or
    /// ``"set_mtime"`` (a file the hash found equal gets the source's modification time).
    #[getter]
    fn kind(&self) -> &'static str {
        self.kind.name()
    }

    /// Why a file is copied, for ``"upload"`` and ``"download"``: ``"missing"`` (not on
    /// the destination), ``"size"``, ``"mtime"`` or ``"hash"`` (what differed);
    /// ``None`` for the other kinds.
    #[getter]
    fn reason(&self) -> Option<&'static str> {
        self.reason.map(|r| r.name())
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        key_eq(self, py, other)
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        self.key(py)?.hash()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "SyncAction(kind={}, path={}, reason={})",
            repr(py, self.kind())?,
            repr(py, &self.path)?,
            repr(py, self.reason())?,
        ))
    }

    /// The fields in constructor order, for positional `case` patterns.
    #[classattr]
    fn __match_args__() -> (&'static str, &'static str, &'static str) {
        ("kind", "path", "reason")
    }

    /// Pickling under every protocol (0 and 1 too): the class and `__getnewargs__`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        reduce(slf.as_any())
    }

    fn __getnewargs__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.key(py)
    }
}

/// What :meth:`ftps.Client.sync` did, or in a dry run would do.
#[pyclass(frozen, module = "ftps")]
pub(crate) struct SyncReport {
    /// `SyncAction`s.
    actions: Py<PyTuple>,
    /// `(str, str)` pairs.
    skipped: Py<PyTuple>,
    /// Bytes transferred in all; in a dry run, the sizes of the files that would be.
    #[pyo3(get)]
    bytes: u64,
    /// ``True`` when nothing was changed: the actions are the plan.
    #[pyo3(get)]
    dry_run: bool,
}

impl SyncReport {
    pub(crate) fn from_core(py: Python<'_>, r: &ftps_core::SyncReport) -> PyResult<SyncReport> {
        let actions = r
            .actions
            .iter()
            .map(|a| SyncAction::from_core(py, a))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(SyncReport {
            actions: tuple_of(py, actions)?,
            skipped: tuple_of(py, r.skipped.iter().map(|(p, why)| (p, *why)))?,
            bytes: r.bytes,
            dry_run: r.dry_run,
        })
    }
}

impl Keyed for SyncReport {
    fn key<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (&self.actions, &self.skipped, self.bytes, self.dry_run).into_pyobject(py)
    }
}

#[pymethods]
impl SyncReport {
    #[new]
    fn new(
        py: Python<'_>,
        actions: Vec<Py<SyncAction>>,
        skipped: Vec<(Py<PyString>, Py<PyString>)>,
        bytes: u64,
        dry_run: bool,
    ) -> PyResult<SyncReport> {
        Ok(SyncReport {
            actions: tuple_of(py, actions)?,
            skipped: tuple_of(py, skipped)?,
            bytes,
            dry_run,
        })
    }

    /// The actions, in the order they were done (or would be).
    #[getter]
    fn actions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        list_of(self.actions.bind(py))
    }

    /// Entries left alone on either side, ``(relative path, reason)`` (the path with
    /// invalid UTF-8 replaced); also a modification time that could not be set.
    #[getter]
    fn skipped<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        list_of(self.skipped.bind(py))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        key_eq(self, py, other)
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        self.key(py)?.hash()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "SyncReport(actions={}, skipped={}, bytes={}, dry_run={})",
            self.actions(py)?.repr()?,
            self.skipped(py)?.repr()?,
            self.bytes,
            repr(py, self.dry_run)?,
        ))
    }

    /// The fields in constructor order, for positional `case` patterns.
    #[classattr]
    fn __match_args__() -> (&'static str, &'static str, &'static str, &'static str) {
        ("actions", "skipped", "bytes", "dry_run")
    }

    /// Pickling under every protocol (0 and 1 too): the class and `__getnewargs__`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        reduce(slf.as_any())
    }

    fn __getnewargs__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.key(py)
    }
}
