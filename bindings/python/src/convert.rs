//! Core values as plain Python tuples; `ftps/_types.py` turns them into the
//! public classes (`Reply`, `Entry`, `TLSInfo`, `SessionStats`).

use ftps_core::{DateTime, Entry, EntryKind, Reply, SessionStats, TlsInfo};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

/// `(code, text, [line bytes...])`.
pub(crate) fn reply_tuple<'py>(py: Python<'py>, r: &Reply) -> PyResult<Bound<'py, PyTuple>> {
    let lines = PyList::empty(py);
    for l in r.lines() {
        lines.append(PyBytes::new(py, l))?;
    }
    PyTuple::new(
        py,
        [
            r.code().into_pyobject(py)?.into_any(),
            r.text().into_pyobject(py)?.into_any(),
            lines.into_any(),
        ],
    )
}

/// `(year, month, day, hour, minute, second, nanosecond)`, UTC.
pub(crate) type TimeTuple = (u16, u8, u8, u8, u8, u8, u32);

pub(crate) fn time_tuple(t: &DateTime) -> TimeTuple {
    (
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.nanosecond,
    )
}

pub(crate) fn time_from_tuple(t: TimeTuple) -> Option<DateTime> {
    DateTime::new(t.0, t.1, t.2, t.3, t.4, t.5)?.with_nanosecond(t.6)
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

/// `(name, kind, size, mtime, link_target, permissions, [(fact, value)...], raw)`.
pub(crate) fn entry_tuple<'py>(py: Python<'py>, e: &Entry) -> PyResult<Bound<'py, PyTuple>> {
    let facts = PyList::empty(py);
    for (k, v) in &e.facts {
        facts.append((k.as_str(), PyBytes::new(py, v)))?;
    }
    (
        PyBytes::new(py, &e.name),
        kind_name(e.kind),
        e.size,
        e.modified.as_ref().map(time_tuple),
        e.link_target.as_deref().map(|t| PyBytes::new(py, t)),
        e.permissions.as_deref(),
        facts,
        PyBytes::new(py, &e.raw),
    )
        .into_pyobject(py)
}

/// `(version, cipher, kx_group, resumed, alpn)`.
pub(crate) type TlsTuple = (String, String, Option<String>, bool, Option<Vec<u8>>);

pub(crate) fn tls_tuple(t: &TlsInfo) -> TlsTuple {
    (
        t.version.clone(),
        t.cipher.clone(),
        t.kx_group.clone(),
        t.resumed,
        t.alpn.clone(),
    )
}

/// `(control_tickets, data_tickets, data_resumed, data_full, tickets_exhausted, retried)`.
pub(crate) type StatsTuple = (u64, u64, u64, u64, u64, u64);

pub(crate) fn stats_tuple(s: &SessionStats) -> StatsTuple {
    (
        s.control_tickets,
        s.data_tickets,
        s.data_resumed,
        s.data_full,
        s.tickets_exhausted,
        s.retried,
    )
}
