//! `RawClient`: one `ftps_core::Client` behind a mutex, every blocking call made
//! with the interpreter released. Paths arrive as bytes (the Python layer encodes
//! `str` with UTF-8 + surrogateescape, so names from listings go back byte for byte).

use std::cell::Cell;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use ftps_core::{
    BatchProgress, BatchProgressFn, Client, Job, SyncDirection, SyncOptions, TransferOptions,
    UploadMode, Verify, parsers,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDateTime, PyList, PyString};

use crate::callback::{BatchHook, Hook, PyReader, PyWriter, Shape};
use crate::config::{parse, uint};
use crate::errors::{Fail, core_error, exc, invalid};
use crate::values::{
    DirDownload, DirUpload, Entry, Reply, SessionStats, SyncReport, TimeTuple, TlsConnection,
    TlsInfo, datetime, decode, time_from_tuple,
};

thread_local! {
    /// The token this thread takes while it runs Python code for a call of another
    /// thread ([`acting_for`]); 0 otherwise.
    static ACTING_FOR: Cell<u64> = const { Cell::new(0) };
}

/// A small number per OS thread, to recognise a call re-entering its own client
/// from a callback (the mutex would otherwise deadlock). A worker thread of a call
/// that runs its callbacks has the calling thread's ([`acting_for`]).
pub(crate) fn thread_token() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static TOKEN: u64 = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    match ACTING_FOR.with(Cell::get) {
        0 => TOKEN.with(|t| *t),
        acting => acting,
    }
}

/// Runs `f` on this thread as the thread of `token`: a worker thread of a call over
/// several sessions runs the call's progress callback so, and a callback that uses its
/// own client is refused there as on the calling thread (instead of waiting forever for
/// the call it runs in).
pub(crate) fn acting_for<R>(token: u64, f: impl FnOnce() -> R) -> R {
    struct Restore(u64);
    impl Drop for Restore {
        fn drop(&mut self) {
            ACTING_FOR.with(|a| a.set(self.0));
        }
    }
    let _restore = Restore(ACTING_FOR.with(|a| a.replace(token)));
    f()
}

/// A connected FTPS client (native; wrapped by `ftps.Client`).
#[pyclass(frozen, module = "ftps._ftps")]
pub(crate) struct RawClient {
    inner: Mutex<Option<Client>>,
    /// The port connected to (the core's default for the mode when none was given).
    #[pyo3(get)]
    port: u16,
    /// The security mode by its core name (`explicit`, `implicit`, `insecure-plain`).
    #[pyo3(get)]
    mode: &'static str,
    /// The thread token of the call running now, 0 when idle.
    owner: AtomicU64,
    /// The client's `left_behind` when it was closed, so that it can still be read.
    left_at_close: Mutex<Vec<Vec<u8>>>,
}

type Result<T> = std::result::Result<T, Fail>;

impl RawClient {
    /// A connected client (`port` and `mode` as the configuration has them).
    pub(crate) fn new(client: Client, port: u16, mode: &'static str) -> RawClient {
        RawClient {
            inner: Mutex::new(Some(client)),
            port,
            mode,
            owner: AtomicU64::new(0),
            left_at_close: Mutex::new(Vec::new()),
        }
    }
}

/// Marks the thread running a call on the client, until dropped (even by a panic).
struct Owner<'a>(&'a AtomicU64);

impl<'a> Owner<'a> {
    fn enter(owner: &'a AtomicU64, me: u64) -> Owner<'a> {
        owner.store(me, Ordering::SeqCst);
        Owner(owner)
    }
}

impl Drop for Owner<'_> {
    fn drop(&mut self) {
        self.0.store(0, Ordering::SeqCst);
    }
}

impl RawClient {
    /// Runs `f` on the client with the interpreter released. Calls from other threads
    /// wait for the running one; a call from the thread already inside (a callback
    /// re-entering its client) is refused.
    fn run<R, F>(&self, py: Python<'_>, f: F) -> PyResult<R>
    where
        F: FnOnce(&mut Client) -> Result<R> + Send,
        R: Send,
    {
        let me = thread_token();
        if self.owner.load(Ordering::SeqCst) == me {
            return Err(exc::StateError::new_err(
                "this client is busy with the call that ran this callback; \
                 a callback cannot use its own client",
            ));
        }
        let r = py.detach(|| {
            let mut guard = match self.inner.lock() {
                Ok(g) => g,
                Err(poisoned) => {
                    // A panic left the client in an unknown state: drop it.
                    let mut g = poisoned.into_inner();
                    *g = None;
                    g
                }
            };
            let _owner = Owner::enter(&self.owner, me);
            match guard.as_mut() {
                Some(c) => f(c),
                None => Err(Fail::Py(exc::StateError::new_err("the client is closed"))),
            }
        });
        r.map_err(|e| e.into_pyerr(py))
    }

    /// Like [`RawClient::run`] for transfers that run Python code per chunk (the
    /// hook, file objects): an exception that code raised wins over the core's
    /// `Cancelled`/`LocalIo`, and the progress callback sees the final count.
    fn transfer<R, F>(&self, py: Python<'_>, progress: Option<Py<PyAny>>, f: F) -> PyResult<R>
    where
        F: FnOnce(&mut Client, &mut Hook) -> (CoreResult<R>, Option<PyErr>) + Send,
        R: Send,
    {
        let mut hook = Hook::new(py, progress);
        let r = self.run(py, |c| {
            let (r, file_error) = f(c, &mut hook);
            match file_error.or_else(|| hook.error.take()) {
                Some(pyerr) => Err(Fail::Py(pyerr)),
                None => r.map_err(Fail::Core),
            }
        })?;
        hook.finish(py)?;
        Ok(r)
    }

    /// Like [`RawClient::run`] for a call over several sessions whose progress
    /// `hook` runs Python code: an exception that code raised wins over the core's
    /// result (`Cancelled`).
    fn run_hooked<R, F>(&self, py: Python<'_>, hook: &BatchHook, f: F) -> PyResult<R>
    where
        F: FnOnce(&mut Client, BatchProgressFn<'_>) -> Result<R> + Send,
        R: Send,
    {
        let r = self.run(py, |c| f(c, &|p: &BatchProgress| hook.tick(p)));
        match hook.take_error() {
            Some(e) => Err(e),
            None => r,
        }
    }

    /// Runs `jobs` over this session and up to `parallel - 1` more (core `run_batch`):
    /// a list of the bytes moved or the exception, one per job, in order.
    fn batch<'py>(
        &self,
        py: Python<'py>,
        jobs: Vec<Job>,
        parallel: usize,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let hook = BatchHook::new(py, progress, Shape::Batch);
        let report = self.run_hooked(py, &hook, |c, tick| {
            Ok(c.run_batch(&jobs, parallel, Some(tick)))
        })?;
        let out = PyList::empty(py);
        for r in report.results {
            match r {
                Ok(n) => out.append(n)?,
                Err(e) => out.append(core_error(py, e).into_value(py))?,
            }
        }
        Ok(out)
    }
}

/// Refuses a batch with a remote path that cannot be sent (CR, LF or NUL in it)
/// before any transfer starts, naming the pair.
fn sendable<'a>(py: Python<'_>, remotes: impl Iterator<Item = &'a [u8]>) -> PyResult<()> {
    for (i, r) in remotes.enumerate() {
        parsers::check_arg("path", r)
            .map_err(|e| invalid(py, "pairs", &format!("pairs[{i}]: {e}")))?;
    }
    Ok(())
}

type CoreResult<T> = std::result::Result<T, ftps_core::Error>;

/// Python file objects are called with 1 MiB at a time, not once per TLS record.
const FILE_CHUNK: usize = 1 << 20;

/// The per-call `verify` and `resume_attempts` of a convenience transfer; `None` is
/// the session's (`ftps.connect`).
fn per_call(
    py: Python<'_>,
    verify: Option<String>,
    resume_attempts: Option<Bound<'_, PyAny>>,
) -> PyResult<(Option<Verify>, Option<u32>)> {
    let verify = match verify {
        Some(v) => Some(parse::<Verify>(py, "verify", &v)?),
        None => None,
    };
    let resume_attempts = match resume_attempts {
        Some(n) => Some(uint::<u32>(py, "resume_attempts", &n)?),
        None => None,
    };
    Ok((verify, resume_attempts))
}

fn upload_mode(how: &str, offset: u64) -> Result<UploadMode> {
    match how {
        "replace" if offset == 0 => Ok(UploadMode::Replace),
        "replace" => Ok(UploadMode::At(offset)),
        "append" => Ok(UploadMode::Append),
        _ => Err(Fail::Py(exc::InvalidArgumentError::new_err(format!(
            "unknown upload mode {how:?}"
        )))),
    }
}

#[pymethods]
impl RawClient {
    /// USER/PASS (and ACCT when asked for).
    #[pyo3(signature = (user, password, account=None))]
    fn login(
        &self,
        py: Python<'_>,
        user: String,
        password: String,
        account: Option<String>,
    ) -> PyResult<()> {
        self.run(py, |c| {
            Ok(c.login_with_account(&user, &password, account.as_deref())?)
        })
    }

    /// True once logged in.
    #[getter]
    fn logged_in(&self, py: Python<'_>) -> PyResult<bool> {
        self.run(py, |c| Ok(c.is_logged_in()))
    }

    /// True after quit()/close(). Never waits: a client busy in another thread is open.
    #[getter]
    fn closed(&self) -> bool {
        match self.inner.try_lock() {
            Ok(g) => g.is_none(),
            Err(std::sync::TryLockError::WouldBlock) => false,
            Err(std::sync::TryLockError::Poisoned(_)) => true,
        }
    }

    /// PWD (decoded as `ftps.Entry.name` is).
    fn pwd<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        let p = self.run(py, |c| Ok(c.pwd()?))?;
        decode(py, &p)
    }

    /// CWD.
    fn cwd(&self, py: Python<'_>, path: Vec<u8>) -> PyResult<()> {
        self.run(py, |c| Ok(c.cwd(&path)?))
    }

    /// CDUP.
    fn cdup(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, |c| Ok(c.cdup()?))
    }

    /// MKD; the created path when the server says it.
    fn mkdir<'py>(&self, py: Python<'py>, path: Vec<u8>) -> PyResult<Option<Bound<'py, PyString>>> {
        let p = self.run(py, |c| Ok(c.mkdir(&path)?))?;
        p.map(|p| decode(py, &p)).transpose()
    }

    /// RMD.
    fn rmdir(&self, py: Python<'_>, path: Vec<u8>) -> PyResult<()> {
        self.run(py, |c| Ok(c.rmdir(&path)?))
    }

    /// DELE.
    fn delete(&self, py: Python<'_>, path: Vec<u8>) -> PyResult<()> {
        self.run(py, |c| Ok(c.delete(&path)?))
    }

    /// RNFR + RNTO.
    fn rename(&self, py: Python<'_>, src: Vec<u8>, dst: Vec<u8>) -> PyResult<()> {
        self.run(py, |c| Ok(c.rename(&src, &dst)?))
    }

    /// SIZE.
    fn size(&self, py: Python<'_>, path: Vec<u8>) -> PyResult<u64> {
        self.run(py, |c| Ok(c.size(&path)?))
    }

    /// MDTM, as an aware UTC datetime.
    fn mdtm<'py>(&self, py: Python<'py>, path: Vec<u8>) -> PyResult<Bound<'py, PyDateTime>> {
        let t = self.run(py, |c| Ok(c.mdtm(&path)?))?;
        datetime(py, &t)?.ok_or_else(|| {
            exc::ProtocolError::new_err(format!("MDTM gave a time Python cannot represent: {t:?}"))
        })
    }

    /// MFMT, from a UTC time tuple.
    fn set_mtime(&self, py: Python<'_>, path: Vec<u8>, time: TimeTuple) -> PyResult<()> {
        let t = time_from_tuple(time)
            .ok_or_else(|| invalid(py, "time", &format!("not a valid UTC time: {time:?}")))?;
        self.run(py, |c| Ok(c.set_mtime(&path, t)?))
    }

    /// SITE; the reply.
    fn site(&self, py: Python<'_>, command: Vec<u8>) -> PyResult<Reply> {
        self.run(py, |c| Ok(Reply::from_core(&c.site(&command)?)))
    }

    /// A raw command; the reply, whatever its code.
    fn quote(&self, py: Python<'_>, line: Vec<u8>) -> PyResult<Reply> {
        self.run(py, |c| Ok(Reply::from_core(&c.quote(&line)?)))
    }

    /// NOOP.
    fn noop(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, |c| Ok(c.noop()?))
    }

    /// QUIT and close; closed even when QUIT fails. A second call does nothing.
    fn quit(&self, py: Python<'_>) -> PyResult<()> {
        let me = thread_token();
        if self.owner.load(Ordering::SeqCst) == me {
            return Err(exc::StateError::new_err(
                "a callback cannot close its own client",
            ));
        }
        let r = py.detach(|| {
            let taken = match self.inner.lock() {
                Ok(mut g) => g.take(),
                Err(p) => p.into_inner().take(),
            };
            match taken {
                Some(c) => {
                    let left = c.left_behind().to_vec();
                    match self.left_at_close.lock() {
                        Ok(mut g) => *g = left,
                        Err(p) => *p.into_inner() = left,
                    }
                    c.quit()
                }
                None => Ok(()),
            }
        });
        r.map_err(|e| core_error(py, e))
    }

    /// The FEAT lines.
    fn features(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.run(py, |c| Ok(c.features().lines().to_vec()))
    }

    /// Whether commands after a transfer go ahead of its final reply.
    fn pipelining(&self, py: Python<'_>) -> PyResult<bool> {
        self.run(py, |c| Ok(c.pipelining()))
    }

    /// The greeting reply.
    fn greeting(&self, py: Python<'_>) -> PyResult<Reply> {
        self.run(py, |c| Ok(Reply::from_core(c.greeting())))
    }

    /// The last reply, if any.
    fn last_reply(&self, py: Python<'_>) -> PyResult<Option<Reply>> {
        self.run(py, |c| Ok(c.last_reply().map(Reply::from_core)))
    }

    /// TLS facts of the session (control, last data connection, reuse counters);
    /// `None` for plain FTP.
    fn tls_info(&self, py: Python<'_>) -> PyResult<Option<TlsInfo>> {
        self.run(py, |c| {
            Ok(c.tls_info()
                .as_ref()
                .map(|t| TlsInfo::from_core(t, c.last_data_tls(), &c.session_stats())))
        })
    }

    /// The counters of the session (TLS reuse, reconnects, resumes), also without TLS.
    fn session_stats(&self, py: Python<'_>) -> PyResult<SessionStats> {
        self.run(py, |c| Ok(SessionStats::from_core(&c.session_stats())))
    }

    /// TLS facts of the last data connection.
    fn data_tls_info(&self, py: Python<'_>) -> PyResult<Option<TlsConnection>> {
        self.run(py, |c| Ok(c.last_data_tls().map(TlsConnection::from_core)))
    }

    /// A listing: `how` is "auto" (MLSD when offered, else LIST), "mlsd" or "list".
    #[pyo3(signature = (path, how))]
    fn list<'py>(
        &self,
        py: Python<'py>,
        path: Option<Vec<u8>>,
        how: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let how = how.to_string();
        let entries = self.run(py, |c| {
            let p = path.as_deref();
            Ok(match how.as_str() {
                "mlsd" => c.mlsd(p)?.entries,
                "list" => c.list_unix(p)?.entries,
                "auto" => c.list(p)?.entries,
                h => {
                    return Err(Fail::Py(exc::InvalidArgumentError::new_err(format!(
                        "unknown listing kind {h:?}"
                    ))));
                }
            })
        })?;
        let out = PyList::empty(py);
        for e in &entries {
            out.append(Entry::from_core(py, e)?)?;
        }
        Ok(out)
    }

    /// NLST: names only.
    #[pyo3(signature = (path))]
    fn nlst<'py>(&self, py: Python<'py>, path: Option<Vec<u8>>) -> PyResult<Bound<'py, PyList>> {
        let names = self.run(py, |c| Ok(c.nlst(path.as_deref())?))?;
        let out = PyList::empty(py);
        for n in &names {
            out.append(decode(py, n)?)?;
        }
        Ok(out)
    }

    /// MLST: the facts of one path.
    fn mlst(&self, py: Python<'_>, path: Vec<u8>) -> PyResult<Entry> {
        let e = self.run(py, |c| Ok(c.mlst(&path)?))?;
        Entry::from_core(py, &e)
    }

    /// Downloads `remote` to the local file `local` (core `download_file_with`).
    #[pyo3(signature = (remote, local, resume, verify, resume_attempts, progress))]
    #[allow(clippy::too_many_arguments)]
    fn download_file(
        &self,
        py: Python<'_>,
        remote: Vec<u8>,
        local: PathBuf,
        resume: bool,
        verify: Option<String>,
        resume_attempts: Option<Bound<'_, PyAny>>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<u64> {
        let (verify, resume_attempts) = per_call(py, verify, resume_attempts)?;
        self.transfer(py, progress, |c, hook| {
            let mut tick = |d, t| hook.tick(d, t);
            let mut opts = TransferOptions {
                resume,
                verify,
                resume_attempts,
                progress: Some(&mut tick),
                ..Default::default()
            };
            (c.download_file_with(&remote, &local, &mut opts), None)
        })
    }

    /// Uploads the local file `local` to `remote` (core `upload_file_with`).
    #[pyo3(signature = (local, remote, resume, verify, atomic, resume_attempts, progress))]
    #[allow(clippy::too_many_arguments)]
    fn upload_file(
        &self,
        py: Python<'_>,
        local: PathBuf,
        remote: Vec<u8>,
        resume: bool,
        verify: Option<String>,
        atomic: Option<bool>,
        resume_attempts: Option<Bound<'_, PyAny>>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<u64> {
        let (verify, resume_attempts) = per_call(py, verify, resume_attempts)?;
        self.transfer(py, progress, |c, hook| {
            let mut tick = |d, t| hook.tick(d, t);
            let mut opts = TransferOptions {
                resume,
                verify,
                atomic,
                resume_attempts,
                progress: Some(&mut tick),
                ..Default::default()
            };
            (c.upload_file_with(&local, &remote, &mut opts), None)
        })
    }

    /// Downloads `remote` to the local file `local` in up to `segments` ranges, each
    /// over its own session (core `download_segmented`).
    fn download_segmented(
        &self,
        py: Python<'_>,
        remote: Vec<u8>,
        local: PathBuf,
        segments: usize,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<u64> {
        let hook = BatchHook::new(py, progress, Shape::Bytes);
        let n = self.run_hooked(py, &hook, |c, tick| {
            Ok(c.download_segmented(&remote, &local, segments, Some(tick))?)
        })?;
        hook.finish(py, n)?;
        Ok(n)
    }

    /// Downloads each `(remote, local)` pair over this session and up to
    /// `parallel - 1` more (core `run_batch`); per pair the bytes or the exception.
    fn download_many<'py>(
        &self,
        py: Python<'py>,
        pairs: Vec<(Vec<u8>, PathBuf)>,
        parallel: usize,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        sendable(py, pairs.iter().map(|(r, _)| r.as_slice()))?;
        let jobs = pairs.iter().map(|(r, l)| Job::download(r, l)).collect();
        self.batch(py, jobs, parallel, progress)
    }

    /// Uploads each `(local, remote)` pair over this session and up to
    /// `parallel - 1` more (core `run_batch`); per pair the bytes or the exception.
    fn upload_many<'py>(
        &self,
        py: Python<'py>,
        pairs: Vec<(PathBuf, Vec<u8>)>,
        parallel: usize,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        sendable(py, pairs.iter().map(|(_, r)| r.as_slice()))?;
        let jobs = pairs.iter().map(|(l, r)| Job::upload(l, r)).collect();
        self.batch(py, jobs, parallel, progress)
    }

    /// Downloads `remote` from `offset` on into a Python binary file object.
    #[pyo3(signature = (remote, writer, offset, verify, resume_attempts, progress))]
    #[allow(clippy::too_many_arguments)]
    fn download_to(
        &self,
        py: Python<'_>,
        remote: Vec<u8>,
        writer: Py<PyAny>,
        offset: u64,
        verify: Option<String>,
        resume_attempts: Option<Bound<'_, PyAny>>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<u64> {
        let (verify, resume_attempts) = per_call(py, verify, resume_attempts)?;
        self.transfer(py, progress, |c, hook| {
            let mut out = BufWriter::with_capacity(FILE_CHUNK, PyWriter::new(writer));
            let r = {
                let mut tick = |d, t| hook.tick(d, t);
                let mut opts = TransferOptions {
                    offset,
                    verify,
                    resume_attempts,
                    progress: Some(&mut tick),
                    ..Default::default()
                };
                c.download(&remote, &mut out, &mut opts)
            };
            let r = r.and_then(|n| {
                out.flush()
                    .map(|()| n)
                    .map_err(|e| ftps_core::Error::LocalIo {
                        path: "<file object>".into(),
                        source: e,
                    })
            });
            // Unflushed bytes of a failed transfer are dropped, not written.
            let (mut writer, _) = out.into_parts();
            (r, writer.error.take())
        })
    }

    /// Uploads what a Python binary file object yields to `remote`.
    #[pyo3(signature = (reader, remote, offset, verify, atomic, resume_attempts, progress))]
    #[allow(clippy::too_many_arguments)]
    fn upload_from(
        &self,
        py: Python<'_>,
        reader: Py<PyAny>,
        remote: Vec<u8>,
        offset: u64,
        verify: Option<String>,
        atomic: Option<bool>,
        resume_attempts: Option<Bound<'_, PyAny>>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<u64> {
        let (verify, resume_attempts) = per_call(py, verify, resume_attempts)?;
        self.transfer(py, progress, |c, hook| {
            let mut input = BufReader::with_capacity(FILE_CHUNK, PyReader::new(reader));
            let r = {
                let mut tick = |d, t| hook.tick(d, t);
                let mut opts = TransferOptions {
                    offset,
                    verify,
                    atomic,
                    resume_attempts,
                    progress: Some(&mut tick),
                    ..Default::default()
                };
                c.upload(&mut input, &remote, &mut opts)
            };
            (r, input.into_inner().error.take())
        })
    }

    /// Downloads the remote directory `remote` into the local one `local` (core
    /// `download_dir`).
    fn download_dir(
        &self,
        py: Python<'_>,
        remote: Vec<u8>,
        local: PathBuf,
        recursive: bool,
    ) -> PyResult<DirDownload> {
        let d = self.run(py, |c| Ok(c.download_dir(&remote, &local, recursive)?))?;
        DirDownload::from_core(py, &d)
    }

    /// Uploads the local directory `local` into the remote one `remote` (core
    /// `upload_dir`).
    fn upload_dir(
        &self,
        py: Python<'_>,
        local: PathBuf,
        remote: Vec<u8>,
        recursive: bool,
    ) -> PyResult<DirUpload> {
        let d = self.run(py, |c| Ok(c.upload_dir(&local, &remote, recursive)?))?;
        DirUpload::from_core(py, &d)
    }

    /// One-way sync of `local` and `remote`; `direction` by its core name (core `sync`).
    #[pyo3(signature = (local, remote, direction, delete, dry_run, recursive, preserve_mtime))]
    #[allow(clippy::too_many_arguments)]
    fn sync(
        &self,
        py: Python<'_>,
        local: PathBuf,
        remote: Vec<u8>,
        direction: &str,
        delete: bool,
        dry_run: bool,
        recursive: bool,
        preserve_mtime: bool,
    ) -> PyResult<SyncReport> {
        let direction = parse::<SyncDirection>(py, "direction", direction)?;
        let opts = SyncOptions {
            delete,
            dry_run,
            recursive,
            preserve_mtime,
        };
        let r = self.run(py, |c| Ok(c.sync(&local, &remote, direction, &opts)?))?;
        SyncReport::from_core(py, &r)
    }

    /// A new control connection with the same configuration and login, back in the
    /// current directory (core `reconnect`).
    fn reconnect(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, |c| Ok(c.reconnect()?))
    }

    /// Remote temporary files of failed atomic uploads that could not be deleted
    /// (decoded as `ftps.Entry.name` is); after `quit`, those of the closed session.
    #[getter]
    fn left_behind<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let names = match self.run(py, |c| Ok(c.left_behind().to_vec())) {
            Ok(names) => names,
            Err(_) if self.closed() => match self.left_at_close.lock() {
                Ok(g) => g.clone(),
                Err(p) => p.into_inner().clone(),
            },
            Err(e) => return Err(e),
        };
        let out = PyList::empty(py);
        for n in &names {
            out.append(decode(py, n)?)?;
        }
        Ok(out)
    }

    /// Opens a download stream (RETR, REST when `offset` > 0).
    fn start_download(&self, py: Python<'_>, path: Vec<u8>, offset: u64) -> PyResult<()> {
        self.run(py, |c| Ok(c.start_download(&path, offset)?))
    }

    /// Opens an upload stream: `how` is "replace" (STOR, REST+STOR with an offset) or "append" (APPE).
    fn start_upload(&self, py: Python<'_>, path: Vec<u8>, how: &str, offset: u64) -> PyResult<()> {
        let how = how.to_string();
        self.run(py, |c| {
            let mode = upload_mode(&how, offset)?;
            Ok(c.start_upload(&path, mode)?)
        })
    }

    /// Reads up to `size` bytes of the open download; b"" at its clean end.
    fn read_data<'py>(&self, py: Python<'py>, size: usize) -> PyResult<Bound<'py, PyBytes>> {
        let size = size.min(16 << 20);
        let buf = self.run(py, |c| {
            let mut buf = vec![0u8; size];
            let n = c.read_data(&mut buf)?;
            buf.truncate(n);
            Ok(buf)
        })?;
        Ok(PyBytes::new(py, &buf))
    }

    /// Writes bytes to the open upload; returns how many were taken.
    fn write_data(&self, py: Python<'_>, data: &[u8]) -> PyResult<usize> {
        self.run(py, |c| {
            let mut done = 0;
            while done < data.len() {
                done += c.write_data(&data[done..])?;
            }
            Ok(done)
        })
    }

    /// Ends the open transfer; the final reply.
    fn finish_transfer(&self, py: Python<'_>) -> PyResult<Reply> {
        self.run(py, |c| Ok(Reply::from_core(&c.finish_transfer()?)))
    }

    /// Aborts the open transfer (ABOR); nothing when none is open.
    fn abort_transfer(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, |c| Ok(c.abort_transfer()?))
    }

    /// True while a transfer stream is open.
    #[getter]
    fn transfer_open(&self, py: Python<'_>) -> PyResult<bool> {
        self.run(py, |c| Ok(c.transfer_open()))
    }
}
