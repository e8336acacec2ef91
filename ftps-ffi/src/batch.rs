//! Several sessions at once: `ftps_batch`, a list of downloads and uploads that
//! `ftps_client_run_batch()` runs over up to `FTPS_MAX_SESSIONS` sessions and that
//! keeps one result per job; and `ftps_client_download_segmented()`, one download in
//! ranges fetched over several sessions.
//!
//! The calling client is the first session; the core opens the others (same
//! configuration, login and directory) on threads of its own, which inherit the
//! calling thread's signal mask and so the SIGPIPE that `NoSigpipe` blocks for the
//! call. The client stays busy for the whole call. A batch has a flag of its own
//! ("being run"): while it is set, changes and result getters get `FTPS_RESULT_BUSY`,
//! and a second run of the same batch (from another client) too. The jobs are copied
//! out for the run and the results stored back at its end, so no lock is held while
//! the callback runs.

use std::ffi::{c_char, c_int, c_void};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use ftps_core::{BatchProgress, BatchProgressFn, BatchReport, Job, MAX_SESSIONS, MIN_SEGMENT};

use crate::client::{call, ftps_client};
use crate::handle::{self, Handle, Kind};
use crate::panic::ffi_panic_boundary;
use crate::result::{Failure, code_of, ftps_result};
use crate::util::{bytes_arg, check_text_out, copy_text_out, path_arg, write_out};

/// The most sessions `ftps_client_run_batch()` and `ftps_client_download_segmented()`
/// use at once, the calling client's included.
pub const FTPS_MAX_SESSIONS: u32 = 32;

/// The smallest range of `ftps_client_download_segmented()`, in bytes (4 MiB): a file
/// gets at most one segment per `FTPS_MIN_SEGMENT` bytes.
pub const FTPS_MIN_SEGMENT: u64 = 4_194_304;

const _: () = assert!(FTPS_MAX_SESSIONS as usize == MAX_SESSIONS);
const _: () = assert!(FTPS_MIN_SEGMENT == MIN_SEGMENT);

/// Where a batch (or a segmented download) stands, as its progress callback sees it.
/// Later versions may append fields: read it through the pointer the callback gets.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ftps_batch_progress {
    /// Jobs in the batch (for a segmented download: its ranges).
    pub total: usize,
    /// Jobs that succeeded so far.
    pub done: usize,
    /// Jobs that failed so far.
    pub failed: usize,
    /// Bytes moved so far, over all jobs (for a segmented download: of the file).
    pub bytes: u64,
    /// Sessions working now, the calling client's included.
    pub sessions: usize,
}

impl ftps_batch_progress {
    fn of(p: &BatchProgress) -> ftps_batch_progress {
        ftps_batch_progress {
            total: p.total,
            done: p.done,
            failed: p.failed,
            bytes: p.bytes,
            sessions: p.sessions,
        }
    }
}

/// Reports the progress of `ftps_client_run_batch()` or
/// `ftps_client_download_segmented()`, after each chunk of any job and after each
/// finished job: `progress` points to the state of the whole call, valid only during
/// the callback. Return 0 to go on, anything else to cancel (the transfers under way
/// are aborted with `ABOR` and end with `FTPS_RESULT_CANCELLED`, and so do the jobs
/// not started).
///
/// Called from several threads (the calling one and the threads of the other
/// sessions), one call at a time: the calls are serialised, each one sees what the
/// one before it wrote, and the caller sees everything they wrote once the call
/// returns. Data the callback shares with other threads of the program needs its own
/// synchronisation. Every session waits while it runs, so it should be quick. It must
/// not call the client (which is busy: `FTPS_RESULT_BUSY`) nor change the batch
/// (`FTPS_RESULT_BUSY` too). Must not unwind.
pub type ftps_batch_progress_callback = Option<
    unsafe extern "C" fn(userdata: *mut c_void, progress: *const ftps_batch_progress) -> c_int,
>;

/// The userdata of a batch progress callback, which is called from several threads.
#[derive(Clone, Copy)]
struct SharedUserData(*mut c_void);

// SAFETY: libftps never dereferences it; it only hands it back to the caller's callback,
// whose documentation says that it is called from several threads, one call at a time
// (the core calls it under a lock).
unsafe impl Send for SharedUserData {}
// SAFETY: as above: shared references only ever copy the pointer out.
unsafe impl Sync for SharedUserData {}

/// Runs `f` with the caller's callback as the core wants it (`None` without one).
fn with_batch_progress<T>(
    callback: ftps_batch_progress_callback,
    userdata: *mut c_void,
    f: impl FnOnce(Option<BatchProgressFn<'_>>) -> T,
) -> T {
    let ud = SharedUserData(userdata);
    let adapter = callback.map(|cb| {
        move |p: &BatchProgress| -> bool {
            let cp = ftps_batch_progress::of(p);
            let ud = ud;
            // SAFETY: the caller gave `cb` and `userdata` for this call and promised
            // both may be used from the sessions' threads; `cp` lives for the call.
            unsafe { cb(ud.0, &cp) == 0 }
        }
    });
    f(adapter
        .as_ref()
        .map(|a| a as &(dyn Fn(&BatchProgress) -> bool + Sync)))
}

/// A session count (`sessions`, `segments`): 1 to `FTPS_MAX_SESSIONS`.
fn session_count(n: u32, what: &str) -> Result<usize, Failure> {
    if n == 0 || n > FTPS_MAX_SESSIONS {
        return Err(Failure::invalid(format!(
            "{what} is {n}: 1 to {FTPS_MAX_SESSIONS} (FTPS_MAX_SESSIONS)"
        )));
    }
    Ok(n as usize)
}

/// How one job of the last run ended.
enum Outcome {
    Done(u64),
    Failed { code: ftps_result, message: String },
}

/// What a batch holds: the jobs, and what the last run did.
#[derive(Default)]
struct BatchState {
    jobs: Vec<Job>,
    /// One per job of the last run (jobs added since have none).
    results: Vec<Outcome>,
    /// The most sessions at once in the last run (0: never run).
    sessions: usize,
    /// Why sessions of the last run could not be opened.
    not_opened: Vec<String>,
}

impl BatchState {
    fn record(&mut self, r: BatchReport) {
        self.results = r
            .results
            .into_iter()
            .map(|r| match r {
                Ok(n) => Outcome::Done(n),
                Err(e) => Outcome::Failed {
                    code: code_of(&e),
                    message: e.to_string(),
                },
            })
            .collect();
        self.sessions = r.sessions;
        self.not_opened = r.not_opened.iter().map(ToString::to_string).collect();
    }
}

/// A list of file transfers for `ftps_client_run_batch()` and, after a run, the
/// result of each. Made by `ftps_batch_new()`, freed by `ftps_batch_free()`; not tied
/// to any client. Any number of threads may read it at once; while a run is under way
/// it refuses changes (and its result getters answer) with `FTPS_RESULT_BUSY`.
pub struct ftps_batch {
    running: AtomicBool,
    state: Mutex<BatchState>,
}

impl Handle for ftps_batch {
    const KIND: Kind = Kind::Batch;
}

impl ftps_batch {
    fn lock(&self) -> MutexGuard<'_, BatchState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets the "being run" flag for as long as the guard lives.
    fn start(&self) -> Result<Running<'_>, ftps_result> {
        if self.running.swap(true, Ordering::AcqRel) {
            return Err(ftps_result::Busy);
        }
        Ok(Running { batch: self })
    }

    /// The state, unless a run is under way.
    fn idle(&self) -> Result<MutexGuard<'_, BatchState>, ftps_result> {
        let st = self.lock();
        if self.running.load(Ordering::Acquire) {
            return Err(ftps_result::Busy);
        }
        Ok(st)
    }
}

/// A run of a batch under way.
struct Running<'a> {
    batch: &'a ftps_batch,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.batch.running.store(false, Ordering::Release);
    }
}

/// Makes an empty batch and writes it to `*batch_out`; the caller owns it and frees it
/// with `ftps_batch_free()`. Errors: `FTPS_RESULT_NULL_PARAMETER`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_batch_new(batch_out: *mut *mut ftps_batch) -> ftps_result {
    ffi_panic_boundary! {
        if batch_out.is_null() {
            return ftps_result::NullParameter;
        }
        let b = ftps_batch {
            running: AtomicBool::new(false),
            state: Mutex::new(BatchState::default()),
        };
        write_out(batch_out, handle::into_raw(b));
        ftps_result::Ok
    }
}

/// Frees a batch and its results. NULL, or a batch already freed, is ignored. A call
/// while the batch is being run (from its progress callback, or another thread) is
/// ignored too: the batch stays alive, and must be freed later.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_batch_free(batch: *mut ftps_batch) {
    ffi_panic_boundary! {
        handle::free(batch.cast_const(), |b| !b.running.swap(true, Ordering::AcqRel))
    }
}

/// Adds a job to a batch, unless it is being run.
fn add(batch: *mut ftps_batch, job: impl FnOnce() -> Result<Job, Failure>) -> ftps_result {
    let b = match handle::get(batch.cast_const()) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let job = match job() {
        Ok(j) => j,
        Err(f) => return f.code,
    };
    match b.idle() {
        Ok(mut st) => {
            st.jobs.push(job);
            ftps_result::Ok
        }
        Err(code) => code,
    }
}

/// The remote path of a job: as `bytes_arg`, and no CR or LF (the job is refused when
/// added, not when it would be sent).
fn remote_arg<'a>(remote: *const c_char, remote_len: usize) -> Result<&'a [u8], Failure> {
    let remote = bytes_arg(remote, remote_len, "remote")?;
    ftps_core::parsers::check_arg("remote", remote)?;
    Ok(remote)
}

fn local_arg(local_path: *const c_char) -> Result<PathBuf, Failure> {
    path_arg(local_path, "local_path")
}

/// Adds a download of the remote file `remote` (`remote_len` bytes, any bytes but NUL,
/// CR and LF; relative to the directory the client is in when the batch runs) to the
/// local file `local_path` (NUL-terminated), written as `ftps_client_download_path()`
/// writes it without resume: through a temporary file, verified, resumed after a lost
/// connection as the configuration says. Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_INVALID_ARGUMENT` (length 0, NUL, CR or
/// LF, an empty local path: the job is not added), `FTPS_RESULT_BUSY` (the batch is
/// being run).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_batch_add_download(
    batch: *mut ftps_batch,
    remote: *const c_char,
    remote_len: usize,
    local_path: *const c_char,
) -> ftps_result {
    ffi_panic_boundary! {
        add(batch, || {
            let remote = remote_arg(remote, remote_len)?;
            Ok(Job::download(remote, local_arg(local_path)?))
        })
    }
}

/// Adds an upload of the local file `local_path` (NUL-terminated) to the remote file
/// `remote` (`remote_len` bytes), sent as `ftps_client_upload_path()` sends it without
/// resume: verified, atomic and resumed as the configuration says. Errors as
/// `ftps_batch_add_download()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_batch_add_upload(
    batch: *mut ftps_batch,
    local_path: *const c_char,
    remote: *const c_char,
    remote_len: usize,
) -> ftps_result {
    ffi_panic_boundary! {
        add(batch, || {
            let local = local_arg(local_path)?;
            Ok(Job::upload(local, remote_arg(remote, remote_len)?))
        })
    }
}

/// The number of jobs in the batch (also while it is being run); 0 for NULL or an
/// invalid handle.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_batch_count(batch: *const ftps_batch) -> usize {
    ffi_panic_boundary! {
        handle::get(batch).map_or(0, |b| b.lock().jobs.len())
    }
}

/// A number about the last run of a batch; 0 for NULL, an invalid handle, a batch
/// never run, or one being run.
fn last_run(batch: *const ftps_batch, f: impl FnOnce(&BatchState) -> usize) -> usize {
    handle::get(batch)
        .ok()
        .and_then(|b| b.idle().ok().map(|st| f(&st)))
        .unwrap_or(0)
}

/// The number of jobs that failed in the last run; 0 for NULL, an invalid handle, a
/// batch never run, or one being run.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_batch_failed_count(batch: *const ftps_batch) -> usize {
    ffi_panic_boundary! {
        last_run(batch, |st| {
            st.results
                .iter()
                .filter(|r| matches!(r, Outcome::Failed { .. }))
                .count()
        })
    }
}

/// The most sessions that worked at once in the last run, the calling client's
/// included (1 to the `sessions` asked for); 0 for NULL, an invalid handle, a batch
/// never run, or one being run.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_batch_sessions(batch: *const ftps_batch) -> usize {
    ffi_panic_boundary! {
        last_run(batch, |st| st.sessions)
    }
}

/// The number of sessions the last run could not open (the batch went on with the
/// others; see `ftps_batch_not_opened_message()`); 0 for NULL, an invalid handle, a
/// batch never run, or one being run.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_batch_not_opened_count(batch: *const ftps_batch) -> usize {
    ffi_panic_boundary! {
        last_run(batch, |st| st.not_opened.len())
    }
}

/// Runs a getter on the state of a batch that is not being run.
fn on_state(
    batch: *const ftps_batch,
    f: impl FnOnce(&BatchState) -> Result<ftps_result, Failure>,
) -> ftps_result {
    let b = match handle::get(batch) {
        Ok(b) => b,
        Err(code) => return code,
    };
    match b.idle() {
        Ok(st) => f(&st).unwrap_or_else(|fail| fail.code),
        Err(code) => code,
    }
}

/// Copies the text `pick` chooses from a batch that is not being run, as
/// `copy_text_out` does.
fn copy_out(
    batch: *const ftps_batch,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
    pick: impl FnOnce(&BatchState) -> Result<&str, Failure>,
) -> ftps_result {
    on_state(batch, |st| {
        check_text_out(buf, len, out_n)?;
        copy_text_out(pick(st)?.as_bytes(), buf, len, out_n)?;
        Ok(ftps_result::Ok)
    })
}

/// The outcome of job `index` of the last run.
fn outcome(st: &BatchState, index: usize) -> Result<&Outcome, Failure> {
    if index >= st.jobs.len() {
        return Err(Failure::invalid("index out of range"));
    }
    st.results.get(index).ok_or_else(|| {
        Failure::new(
            ftps_result::NotAvailable,
            "the job has not been run: call ftps_client_run_batch()",
        )
    })
}

/// The result of job `index` (0-based, in the order added) in the last run: the job's
/// own code, `FTPS_RESULT_OK` with the bytes moved written to `*bytes_out` (when it is
/// not NULL), or the code of the job's error (as the matching `ftps_client_` call
/// would return it, e.g. `FTPS_RESULT_REPLY` for a missing file, `FTPS_RESULT_CANCELLED`
/// for a job cancelled by the progress callback or never started because of that; the
/// text is in `ftps_batch_error_message()`). The codes about this call itself:
/// `FTPS_RESULT_NULL_PARAMETER` (batch), `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_INVALID_ARGUMENT` (`index` >= `ftps_batch_count()`), `FTPS_RESULT_BUSY`
/// (being run), `FTPS_RESULT_NOT_AVAILABLE` (the job has not been run: the batch never
/// ran, or the job was added after the last run). Of these, only
/// `FTPS_RESULT_INVALID_ARGUMENT` can also be a job's own code: an `index` below
/// `ftps_batch_count()` is never out of range.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_batch_result(
    batch: *const ftps_batch,
    index: usize,
    bytes_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        on_state(batch, |st| match outcome(st, index)? {
            Outcome::Done(n) => {
                write_out(bytes_out, *n);
                Ok(ftps_result::Ok)
            }
            Outcome::Failed { code, .. } => Ok(*code),
        })
    }
}

/// Copies the error text of job `index` in the last run into `buf` (`len` bytes),
/// NUL-terminated, and its length into `*out_n`: the message the matching
/// `ftps_client_` call would have left in `ftps_client_error_message()` (for a server
/// refusal it holds the reply, e.g. `"RETR failed: 550 ..."`), empty for a job that
/// succeeded. If `len` is too small: `FTPS_RESULT_INSUFFICIENT_SIZE`, `*out_n` = the
/// size needed, `buf` untouched (`buf` may be NULL with `len` 0). Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_INVALID_ARGUMENT` (index out of range), `FTPS_RESULT_BUSY`,
/// `FTPS_RESULT_NOT_AVAILABLE` (the job has not been run).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_batch_error_message(
    batch: *const ftps_batch,
    index: usize,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        copy_out(batch, buf, len, out_n, |st| match outcome(st, index)? {
            Outcome::Done(_) => Ok(""),
            Outcome::Failed { message, .. } => Ok(message),
        })
    }
}

/// Copies why session `index` (0-based, below `ftps_batch_not_opened_count()`) of the
/// last run could not be opened into `buf`, as `ftps_batch_error_message()` copies: the
/// server's refusal when it limits connections (e.g. `530` or `421`), or the error of
/// connecting or logging in. Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_INVALID_ARGUMENT` (index out of range,
/// also for a batch never run), `FTPS_RESULT_BUSY`, `FTPS_RESULT_INSUFFICIENT_SIZE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_batch_not_opened_message(
    batch: *const ftps_batch,
    index: usize,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        copy_out(batch, buf, len, out_n, |st| {
            st.not_opened
                .get(index)
                .map(String::as_str)
                .ok_or_else(|| Failure::invalid("index out of range"))
        })
    }
}

/// Runs the jobs of `batch` over this client and up to `sessions - 1` more sessions
/// (`sessions` 1 to `FTPS_MAX_SESSIONS`), opened as they are needed with the client's
/// configuration, login and current directory, and closed (`QUIT`) when the jobs run
/// out; the client itself stays connected. A failed job does not stop the others. A
/// server that refuses another session (`421`, or `530` to the login that just
/// worked: "too many connections") shrinks the pool instead of failing the batch: the
/// job goes back to the others, and the refusal is in
/// `ftps_batch_not_opened_message()`. The client must be logged in for more than one
/// session to open; otherwise every job runs on it.
///
/// Returns `FTPS_RESULT_OK` when the batch ran, even if jobs failed: each job's result
/// is then in `ftps_batch_result()` (replacing those of an earlier run), and
/// `ftps_batch_failed_count()`, `ftps_batch_sessions()` and
/// `ftps_batch_not_opened_count()` tell the run. `callback` (may be NULL) sees the
/// whole batch (see `ftps_batch_progress_callback`: called from several threads, one
/// call at a time); returning non-zero cancels the rest. The client's own progress
/// callback (`ftps_client_set_progress()`) is not called. The client is busy for the
/// whole call, and the batch is being run: neither may be used from the callback
/// (`FTPS_RESULT_BUSY`). `userdata` is passed back as is.
///
/// Errors (then no job ran and the batch's results are those it had):
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE` (client or batch),
/// `FTPS_RESULT_BUSY` (the client is in another call, or the batch is being run by
/// another), `FTPS_RESULT_INVALID_ARGUMENT` (`sessions` 0 or above
/// `FTPS_MAX_SESSIONS`), `FTPS_RESULT_STATE` (not connected).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_run_batch(
    client: *mut ftps_client,
    batch: *mut ftps_batch,
    sessions: u32,
    callback: ftps_batch_progress_callback,
    userdata: *mut c_void,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let b = handle::get(batch.cast_const()).map_err(|code| match code {
                ftps_result::NullParameter => Failure::null("batch"),
                code => Failure::new(code, "batch is not a live ftps_batch"),
            })?;
            let sessions = session_count(sessions, "sessions")?;
            let c = st.conn()?;
            let _running = b.start().map_err(|code| {
                Failure::new(code, "the batch is being run by another call")
            })?;
            let jobs = b.lock().jobs.clone();
            let report = with_batch_progress(callback, userdata, |progress| {
                c.run_batch(&jobs, sessions, progress)
            });
            b.lock().record(report);
            Ok(())
        })
    }
}

/// Downloads the remote file `remote` (`remote_len` bytes) to the local file
/// `local_path` (NUL-terminated) in `segments` ranges (1 to `FTPS_MAX_SESSIONS`)
/// fetched at once, each over its own session: this client and up to `segments - 1`
/// more opened as `ftps_client_run_batch()` opens them. Each range is `REST` to its
/// start, its bytes written at their offsets into one temporary file beside
/// `local_path`, then `ABOR` (the last range reads to the end of the file and is
/// proven complete as any download). A range cut short is an error, never a gap. Once
/// all are in, the whole file is checked as the configuration's `verify` says and only
/// then replaces `local_path`; any failure deletes the temporary file and leaves
/// `local_path` as it was.
///
/// Ranges are at least `FTPS_MIN_SEGMENT` bytes (4 MiB): a smaller file, `segments`
/// 1, or a client that is not logged in make it `ftps_client_download_path()`
/// (without resume). A server that refuses more sessions leaves more ranges to the
/// sessions it took. Writes the file's size to `*bytes_out` when it is not NULL. `callback` (may be NULL) sees the bytes of
/// all ranges, which it counts as jobs (see `ftps_batch_progress_callback`: several
/// threads, one call at a time); returning non-zero cancels. The client's own progress
/// callback is not called. Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`, `FTPS_RESULT_INVALID_ARGUMENT`
/// (bad path, `segments` 0 or above `FTPS_MAX_SESSIONS`: nothing is sent), and the
/// errors of `ftps_client_download_path()`.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn ftps_client_download_segmented(
    client: *mut ftps_client,
    remote: *const c_char,
    remote_len: usize,
    local_path: *const c_char,
    segments: u32,
    callback: ftps_batch_progress_callback,
    userdata: *mut c_void,
    bytes_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let remote = bytes_arg(remote, remote_len, "remote")?;
            let local = local_arg(local_path)?;
            let segments = session_count(segments, "segments")?;
            let c = st.conn()?;
            let n = with_batch_progress(callback, userdata, |progress| {
                c.download_segmented(remote, &local, segments, progress)
            })?;
            write_out(bytes_out, n);
            Ok(())
        })
    }
}

// Batches may be shared between threads (the header's thread rules).
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<ftps_batch>();
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_counts_are_1_to_32() {
        assert!(session_count(0, "sessions").is_err());
        assert_eq!(session_count(1, "sessions").unwrap(), 1);
        assert_eq!(session_count(32, "sessions").unwrap(), 32);
        let f = session_count(33, "segments").unwrap_err();
        assert_eq!(f.code, ftps_result::InvalidArgument);
        assert!(f.message.contains("segments is 33"), "{}", f.message);
    }

    #[test]
    fn a_batch_being_run_refuses_changes_and_getters() {
        let mut p: *mut ftps_batch = std::ptr::null_mut();
        assert_eq!(ftps_batch_new(&mut p), ftps_result::Ok);
        let r = ftps_batch_add_download(p, c"a".as_ptr(), 1, c"/tmp/a".as_ptr());
        assert_eq!(r, ftps_result::Ok);
        let b = handle::get(p.cast_const()).unwrap();
        assert_eq!(
            ftps_batch_result(p, 0, std::ptr::null_mut()),
            ftps_result::NotAvailable
        );
        {
            let _run = b.start().unwrap();
            assert!(b.start().is_err());
            let r = ftps_batch_add_upload(p, c"/tmp/a".as_ptr(), c"a".as_ptr(), 1);
            assert_eq!(r, ftps_result::Busy);
            assert_eq!(
                ftps_batch_result(p, 0, std::ptr::null_mut()),
                ftps_result::Busy
            );
            assert_eq!(ftps_batch_count(p), 1);
            ftps_batch_free(p); // refused while being run
            assert_eq!(ftps_batch_count(p), 1);
        }
        let r = ftps_batch_add_download(p, c"a\rb".as_ptr(), 3, c"/tmp/a".as_ptr());
        assert_eq!(r, ftps_result::InvalidArgument);
        assert_eq!(ftps_batch_count(p), 1);
        ftps_batch_free(p);
        assert_eq!(ftps_batch_count(p), 0);
    }
}
