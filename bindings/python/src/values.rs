//! The values `ftps` returns: replies, listing entries, TLS facts. Each is a frozen
//! class of this module that the `ftps` package exports under the same name
//! (`ftps.Reply`, `ftps.Entry`, `ftps.TLSInfo`...); their stubs are in `ftps/_ftps.pyi`.
//!
//! Built from the core's values here, once; Python code never rebuilds them.

use ftps_core::{DateTime, EntryKind};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDateTime, PyDict, PyString, PyTuple, PyTzInfo};

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
