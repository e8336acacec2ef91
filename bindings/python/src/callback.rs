//! What runs Python while a transfer has the interpreter released: the per-chunk
//! hook (signals + progress callback), the hook of calls over several sessions
//! (batches, segmented downloads: called from each session's thread) and adapters that
//! let the core read from and write to Python file objects.
//!
//! Each re-enters the interpreter (`Python::attach`) once per chunk. An exception
//! raised there (KeyboardInterrupt from `check_signals`, an error of the callback or
//! of the file object) is kept, the core is told to stop (the progress hook returns
//! `false`, the adapter returns an I/O error), the core aborts the transfer with
//! `ABOR` so the client stays usable, and the kept exception is raised.

use std::borrow::Cow;
use std::io;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use ftps_core::BatchProgress;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes};

use crate::client::{acting_for, thread_token};
use crate::values;

/// How often a transfer re-enters the interpreter to run signal handlers.
const SIGNAL_EVERY: Duration = Duration::from_millis(100);
/// How many bytes may pass between two calls of a progress callback (besides time).
const PROGRESS_EVERY: u64 = 1 << 20;

/// The per-chunk hook of a transfer.
///
/// The core calls it after every read (often 16 KiB, one TLS record); re-entering
/// the interpreter that often would cost a GIL hand-over each time (up to the
/// switch interval, 5 ms, when another thread runs Python). So it visits Python
/// only every 100 ms for signals (on the main thread, the only one that gets
/// them) and every 1 MiB or 100 ms for the progress callback, plus once at the end.
pub(crate) struct Hook {
    progress: Option<Py<PyAny>>,
    main_thread: bool,
    last_visit: Instant,
    reported: u64,
    latest: Option<(u64, Option<u64>)>,
    /// The first exception raised by Python code during the transfer.
    pub(crate) error: Option<PyErr>,
}

fn on_main_thread(py: Python<'_>) -> bool {
    let check = || -> PyResult<bool> {
        let threading = py.import("threading")?;
        let main = threading.call_method0("main_thread")?;
        let current = threading.call_method0("current_thread")?;
        Ok(main.is(&current))
    };
    check().unwrap_or(true)
}

impl Hook {
    pub(crate) fn new(py: Python<'_>, progress: Option<Py<PyAny>>) -> Hook {
        Hook {
            progress,
            main_thread: on_main_thread(py),
            last_visit: Instant::now(),
            reported: 0,
            latest: None,
            error: None,
        }
    }

    /// Called by the core after each chunk; `false` stops the transfer.
    pub(crate) fn tick(&mut self, done: u64, total: Option<u64>) -> bool {
        self.latest = Some((done, total));
        if self.progress.is_none() && !self.main_thread {
            return true;
        }
        let due_time = self.last_visit.elapsed() >= SIGNAL_EVERY;
        let due_progress = self.progress.is_some()
            && (done.saturating_sub(self.reported) >= PROGRESS_EVERY || total == Some(done));
        if !(due_time || due_progress) {
            return true;
        }
        self.last_visit = Instant::now();
        Python::attach(|py| self.visit(py, done, total))
    }

    fn visit(&mut self, py: Python<'_>, done: u64, total: Option<u64>) -> bool {
        if let Err(e) = py.check_signals() {
            self.error = Some(e);
            return false;
        }
        let Some(cb) = &self.progress else {
            return true;
        };
        self.reported = done;
        match call_progress(py, cb, (done, total)) {
            Ok(go_on) => go_on,
            Err(e) => {
                self.error = Some(e);
                false
            }
        }
    }

    /// After a successful transfer: the progress callback sees the final count.
    pub(crate) fn finish(&mut self, py: Python<'_>) -> PyResult<()> {
        if let (Some(cb), Some((done, total))) = (&self.progress, self.latest)
            && (self.reported != done || done == 0)
        {
            self.reported = done;
            cb.call1(py, (done, total))?;
        }
        Ok(())
    }
}

/// Calls a progress callback: only an explicit `False` cancels; `None` (no return)
/// goes on.
fn call_progress<'py>(
    py: Python<'py>,
    cb: &Py<PyAny>,
    args: impl pyo3::call::PyCallArgs<'py>,
) -> PyResult<bool> {
    let v = cb.call1(py, args)?;
    Ok(!v.bind(py).is(&*PyBool::new(py, false)))
}

/// What a [`BatchHook`] passes to the progress callback.
pub(crate) enum Shape {
    /// `progress(ftps.BatchProgress)`: a batch of files.
    Batch,
    /// `progress(done, total)` as [`Hook`] calls it: the bytes of one file fetched over
    /// several sessions (a segmented download), its total once it is complete.
    Bytes,
}

/// The progress hook of a call that runs over several sessions (core
/// `BatchProgressFn`): the core calls it from each session's thread, one call at a
/// time, with the interpreter released. Like [`Hook`] it takes the interpreter only
/// every 1 MiB or 100 ms of data (and, for a batch, after each file), and runs signal
/// handlers every 100 ms on the calling thread when that is Python's main thread (the
/// other sessions run on threads of their own, which get no signals).
///
/// Python code runs there as the calling thread ([`acting_for`]), so that a callback
/// that uses its own client is refused as it is on the calling thread, not left
/// waiting for the call it runs in.
pub(crate) struct BatchHook {
    progress: Option<Py<PyAny>>,
    shape: Shape,
    caller: ThreadId,
    caller_token: u64,
    main_thread: bool,
    visits: Mutex<Visits>,
}

struct Visits {
    last: Instant,
    bytes: u64,
    files: usize,
    /// The first exception raised by Python code during the call.
    error: Option<PyErr>,
}

impl BatchHook {
    pub(crate) fn new(py: Python<'_>, progress: Option<Py<PyAny>>, shape: Shape) -> BatchHook {
        BatchHook {
            progress,
            shape,
            caller: std::thread::current().id(),
            caller_token: thread_token(),
            main_thread: on_main_thread(py),
            visits: Mutex::new(Visits {
                last: Instant::now(),
                bytes: 0,
                files: 0,
                error: None,
            }),
        }
    }

    fn visits(&self) -> MutexGuard<'_, Visits> {
        self.visits.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Called by the core after each chunk and each finished file (or range); `false`
    /// cancels the call.
    pub(crate) fn tick(&self, p: &BatchProgress) -> bool {
        let mut v = self.visits();
        if v.error.is_some() {
            return false;
        }
        let signals = self.main_thread && std::thread::current().id() == self.caller;
        if self.progress.is_none() && !signals {
            return true;
        }
        let files = p.done + p.failed;
        let due_time = v.last.elapsed() >= SIGNAL_EVERY;
        let due_progress = self.progress.is_some()
            && (p.bytes.saturating_sub(v.bytes) >= PROGRESS_EVERY
                || (files != v.files && matches!(self.shape, Shape::Batch)));
        if !(due_time || due_progress) {
            return true;
        }
        v.last = Instant::now();
        acting_for(self.caller_token, || {
            Python::attach(|py| self.visit(py, &mut v, p, signals))
        })
    }

    fn visit(&self, py: Python<'_>, v: &mut Visits, p: &BatchProgress, signals: bool) -> bool {
        let r = (|| {
            if signals {
                py.check_signals()?;
            }
            let Some(cb) = &self.progress else {
                return Ok(true);
            };
            (v.bytes, v.files) = (p.bytes, p.done + p.failed);
            match self.shape {
                Shape::Batch => call_progress(py, cb, (values::BatchProgress::from_core(p),)),
                Shape::Bytes => call_progress(py, cb, (p.bytes, None::<u64>)),
            }
        })();
        r.unwrap_or_else(|e| {
            v.error = Some(e);
            false
        })
    }

    /// The first exception Python code raised during the call, if any.
    pub(crate) fn take_error(&self) -> Option<PyErr> {
        self.visits().error.take()
    }

    /// After a successful download of `size` bytes in segments: the callback sees
    /// `(size, size)`, as [`Hook::finish`] shows the final count.
    pub(crate) fn finish(&self, py: Python<'_>, size: u64) -> PyResult<()> {
        match (&self.progress, &self.shape) {
            (Some(cb), Shape::Bytes) => cb.call1(py, (size, size)).map(drop),
            _ => Ok(()),
        }
    }
}

fn stop(msg: &'static str) -> io::Error {
    io::Error::other(msg)
}

/// A Python binary file object (anything with `write(bytes)`) as an `io::Write`.
pub(crate) struct PyWriter {
    obj: Py<PyAny>,
    pub(crate) error: Option<PyErr>,
}

impl PyWriter {
    pub(crate) fn new(obj: Py<PyAny>) -> PyWriter {
        PyWriter { obj, error: None }
    }
}

impl io::Write for PyWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Python::attach(|py| {
            let r = py.check_signals().and_then(|()| {
                let n = self
                    .obj
                    .call_method1(py, "write", (PyBytes::new(py, buf),))?;
                // `write` returns the bytes written; `None` means all of them.
                match n.extract::<Option<usize>>(py)? {
                    None => Ok(buf.len()),
                    Some(n) if n <= buf.len() && (n > 0 || buf.is_empty()) => Ok(n),
                    Some(n) => Err(pyo3::exceptions::PyValueError::new_err(format!(
                        "write() of {} bytes returned {n}",
                        buf.len()
                    ))),
                }
            });
            r.map_err(|e| {
                self.error = Some(e);
                stop("the Python file object failed")
            })
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A Python binary file object (anything with `read(n)`) as an `io::Read`.
pub(crate) struct PyReader {
    obj: Py<PyAny>,
    pub(crate) error: Option<PyErr>,
}

impl PyReader {
    pub(crate) fn new(obj: Py<PyAny>) -> PyReader {
        PyReader { obj, error: None }
    }
}

impl io::Read for PyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Python::attach(|py| {
            let r = py.check_signals().and_then(|()| {
                let data = self.obj.call_method1(py, "read", (buf.len(),))?;
                let data = data.bind(py);
                if data.is_none() {
                    return Err(pyo3::exceptions::PyValueError::new_err(
                        "read() returned None (a non-blocking file with no data)",
                    ));
                }
                let bytes: Cow<'_, [u8]> = data.extract().map_err(|_| {
                    pyo3::exceptions::PyTypeError::new_err(format!(
                        "read() must return bytes, not {}",
                        data.get_type()
                            .name()
                            .map(|n| n.to_string())
                            .unwrap_or_else(|_| "?".into())
                    ))
                })?;
                if bytes.len() > buf.len() {
                    return Err(pyo3::exceptions::PyValueError::new_err(format!(
                        "read({}) returned {} bytes",
                        buf.len(),
                        bytes.len()
                    )));
                }
                buf[..bytes.len()].copy_from_slice(&bytes);
                Ok(bytes.len())
            });
            r.map_err(|e| {
                self.error = Some(e);
                stop("the Python file object failed")
            })
        })
    }
}
