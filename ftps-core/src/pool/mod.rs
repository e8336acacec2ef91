//! Several sessions at once: a batch of file transfers over up to N control
//! connections ([`Client::run_batch`]), and one download in segments fetched over
//! several ([`Client::download_segmented`]).
//!
//! The calling client is the first session; the others are opened lazily with
//! [`Client::sibling`] (same configuration, login and directory, each its own TLS
//! session, so every data connection resumes its own control connection's session as
//! usual), one thread each, and closed when the work runs out. A server that refuses
//! another session (`421`, or `530` to credentials that just worked: "too many
//! connections") shrinks the pool instead of failing the batch: the job goes back to
//! the queue and the sessions already open take it.

mod segments;

pub use segments::MIN_SEGMENT;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use crate::client::{Client, Seed};
use crate::error::{Error, Result};

/// The most sessions one call opens at once (the calling one included).
pub const MAX_SESSIONS: usize = 32;

/// One file transfer of a batch ([`Client::run_batch`]). Each is done as
/// [`Client::download_file`] or [`Client::upload_file`] does it: verified, atomic and
/// resumed as the session's configuration says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Job {
    /// The remote file `remote` to the local path `local`.
    Download {
        /// The remote path.
        remote: Vec<u8>,
        /// The local path (replaced only once the download succeeded and was verified).
        local: PathBuf,
    },
    /// The local file `local` to the remote path `remote`.
    Upload {
        /// The local path.
        local: PathBuf,
        /// The remote path.
        remote: Vec<u8>,
    },
}

impl Job {
    /// A download of `remote` to `local`.
    pub fn download(remote: impl AsRef<[u8]>, local: impl AsRef<Path>) -> Job {
        Job::Download {
            remote: remote.as_ref().to_vec(),
            local: local.as_ref().to_path_buf(),
        }
    }

    /// An upload of `local` to `remote`.
    pub fn upload(local: impl AsRef<Path>, remote: impl AsRef<[u8]>) -> Job {
        Job::Upload {
            local: local.as_ref().to_path_buf(),
            remote: remote.as_ref().to_vec(),
        }
    }
}

/// Where a batch stands, for its progress callback.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchProgress {
    /// Jobs in the batch.
    pub total: usize,
    /// Jobs that succeeded.
    pub done: usize,
    /// Jobs that failed.
    pub failed: usize,
    /// Bytes moved so far, over all jobs (for a segmented download: of the file).
    pub bytes: u64,
    /// Sessions working now, the calling one included.
    pub sessions: usize,
}

/// The progress callback of a batch: called from the sessions' threads, one call at a
/// time, after each chunk and each finished job; returning `false` cancels the batch
/// (the transfers under way end with [`Error::Cancelled`], and so do the jobs not
/// started).
pub type BatchProgressFn<'a> = &'a (dyn Fn(&BatchProgress) -> bool + Sync);

/// What [`Client::run_batch`] did.
#[derive(Debug)]
#[non_exhaustive]
pub struct BatchReport {
    /// One result per job, in the order of the jobs: the bytes moved, or the error.
    pub results: Vec<Result<u64>>,
    /// The most sessions that worked at once, the calling one included.
    pub sessions: usize,
    /// Why sessions could not be opened (the batch went on with the others): the
    /// server's refusal when it limits connections, or any other error of opening one.
    pub not_opened: Vec<Error>,
}

impl BatchReport {
    /// The number of jobs that failed.
    pub fn failed(&self) -> usize {
        self.results.iter().filter(|r| r.is_err()).count()
    }
}

/// True for an error of opening another session that says the server has enough of
/// them: `421` (vsftpd's `max_clients`), or `530` to credentials that just logged in
/// (ProFTPD's `MaxClientsPerUser`, pure-ftpd's per-user limit).
pub(crate) fn too_many_sessions(e: &Error) -> bool {
    e.reply().is_some_and(|r| matches!(r.code(), 421 | 530))
}

struct State {
    /// Jobs not taken yet (or given back), by index.
    queue: VecDeque<usize>,
    /// Jobs not finished yet.
    pending: usize,
    /// Sessions at work now.
    working: usize,
    most: usize,
    /// No further session is opened (the server refused one, or the batch is over).
    closed: bool,
    cancelled: bool,
    progress: BatchProgress,
    not_opened: Vec<Error>,
}

/// The shared state of one call's workers.
pub(crate) struct Work<'a> {
    state: Mutex<State>,
    changed: Condvar,
    callback: Option<BatchProgressFn<'a>>,
}

impl<'a> Work<'a> {
    pub(crate) fn new(jobs: usize, callback: Option<BatchProgressFn<'a>>) -> Work<'a> {
        Work {
            state: Mutex::new(State {
                queue: (0..jobs).collect(),
                pending: jobs,
                working: 1,
                most: 1,
                closed: false,
                cancelled: false,
                progress: BatchProgress {
                    total: jobs,
                    sessions: 1,
                    ..BatchProgress::default()
                },
                not_opened: Vec::new(),
            }),
            changed: Condvar::new(),
            callback,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next job for the calling session, which waits while others hold jobs they
    /// may give back; `None` when all are finished (or the batch is cancelled and none
    /// is left in the queue).
    pub(crate) fn next_waiting(&self) -> Option<usize> {
        let mut st = self.lock();
        loop {
            if let Some(i) = st.queue.pop_front() {
                return Some(i);
            }
            if st.pending == 0 {
                return None;
            }
            st = self
                .changed
                .wait(st)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Whether jobs are still waiting for a session.
    pub(crate) fn more_queued(&self) -> bool {
        !self.lock().queue.is_empty()
    }

    /// The next job for a further session, `None` when the queue is empty.
    pub(crate) fn next(&self) -> Option<usize> {
        self.lock().queue.pop_front()
    }

    /// Whether a further session may still be opened.
    pub(crate) fn may_open(&self) -> bool {
        let st = self.lock();
        !st.closed && !st.cancelled
    }

    /// A further session could not be opened for job `i`: the job goes back to the
    /// queue, and after a "too many connections" no other session is tried.
    pub(crate) fn not_opened(&self, i: usize, e: Error) {
        let mut st = self.lock();
        st.queue.push_front(i);
        st.closed |= too_many_sessions(&e);
        st.not_opened.push(e);
        drop(st);
        self.changed.notify_all();
    }

    /// A further session is at work.
    pub(crate) fn opened(&self) {
        let mut st = self.lock();
        st.working += 1;
        st.most = st.most.max(st.working);
        st.progress.sessions = st.working;
    }

    /// A further session stopped working.
    pub(crate) fn closed(&self) {
        let mut st = self.lock();
        st.working -= 1;
        st.progress.sessions = st.working;
    }

    pub(crate) fn cancelled(&self) -> bool {
        self.lock().cancelled
    }

    /// Adds bytes moved and tells the callback; false once the batch is cancelled.
    pub(crate) fn moved(&self, bytes: u64) -> bool {
        let mut st = self.lock();
        st.progress.bytes += bytes;
        self.tell(st)
    }

    /// Job `i` finished (`ok`); false once the batch is cancelled.
    pub(crate) fn finished(&self, ok: bool) -> bool {
        let mut st = self.lock();
        st.pending -= 1;
        if ok {
            st.progress.done += 1;
        } else {
            st.progress.failed += 1;
        }
        let go_on = self.tell(st);
        self.changed.notify_all();
        go_on
    }

    /// Calls the callback under the lock (one call at a time, in order).
    fn tell(&self, mut st: MutexGuard<'_, State>) -> bool {
        if st.cancelled {
            return false;
        }
        if let Some(cb) = self.callback
            && !cb(&st.progress)
        {
            st.cancelled = true;
        }
        !st.cancelled
    }

    /// Ends the call: the jobs never started (a cancelled batch) and what the sessions
    /// could not open.
    pub(crate) fn end(self) -> (Vec<usize>, usize, Vec<Error>) {
        let st = self
            .state
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        (st.queue.into_iter().collect(), st.most, st.not_opened)
    }
}

/// Runs `run(client, job)` for every job index over the calling client and up to
/// `sessions - 1` further ones opened from `seed`; returns each job's result.
pub(crate) fn spread<T: Send>(
    client: &mut Client,
    seed: Option<&Seed>,
    jobs: usize,
    sessions: usize,
    work: Work<'_>,
    run: &(dyn Fn(&mut Client, usize, &Work<'_>) -> Result<T> + Sync),
) -> (Vec<Result<T>>, usize, Vec<Error>) {
    let results: Vec<Mutex<Option<Result<T>>>> = (0..jobs).map(|_| Mutex::new(None)).collect();
    let put = |i: usize, r: Result<T>| {
        *results[i].lock().unwrap_or_else(PoisonError::into_inner) = Some(r);
    };
    let further = match seed {
        Some(_) => sessions.clamp(1, MAX_SESSIONS).min(jobs.max(1)) - 1,
        None => 0,
    };
    std::thread::scope(|scope| {
        for _ in 0..further {
            let (work, put, seed) = (&work, &put, seed);
            scope.spawn(move || {
                let Some(seed) = seed else { return };
                let mut own: Option<Client> = None;
                while let Some(i) = work.next() {
                    if own.is_none() {
                        if !work.may_open() {
                            work.not_opened_quietly(i);
                            break;
                        }
                        match seed.open(None) {
                            Ok(c) => {
                                work.opened();
                                own = Some(c);
                            }
                            Err(e) => {
                                work.not_opened(i, e);
                                break;
                            }
                        }
                    }
                    let Some(c) = own.as_mut() else { break };
                    // A panic here (a bug, or the caller's callback) must not leave the
                    // calling session waiting for this job forever.
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        job(c, i, work, run)
                    }));
                    let (r, panicked) = match r {
                        Ok(r) => (r, false),
                        Err(_) => (Err(Error::State("a session of the batch panicked")), true),
                    };
                    let ok = r.is_ok();
                    put(i, r);
                    work.finished(ok);
                    if panicked {
                        own = None;
                        work.closed();
                        break;
                    }
                }
                if let Some(c) = own {
                    let _ = c.quit();
                    work.closed();
                }
            });
        }
        while let Some(i) = work.next_waiting() {
            let r = job(client, i, &work, run);
            let ok = r.is_ok();
            put(i, r);
            work.finished(ok);
        }
    });
    let (never, most, not_opened) = work.end();
    for i in never {
        put(i, Err(Error::Cancelled));
    }
    let results = results
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(PoisonError::into_inner)
                .unwrap_or(Err(Error::Cancelled))
        })
        .collect();
    (results, most, not_opened)
}

/// One job, unless the batch is cancelled.
fn job<T>(
    c: &mut Client,
    i: usize,
    work: &Work<'_>,
    run: &(dyn Fn(&mut Client, usize, &Work<'_>) -> Result<T> + Sync),
) -> Result<T> {
    if work.cancelled() {
        return Err(Error::Cancelled);
    }
    run(c, i, work)
}

impl Work<'_> {
    /// A further session did not open (the pool is closed to new ones): job `i` goes
    /// back to the queue.
    fn not_opened_quietly(&self, i: usize) {
        self.lock().queue.push_front(i);
        self.changed.notify_all();
    }
}

impl Client {
    /// Runs `jobs` over this session and up to `sessions - 1` more (at most
    /// [`MAX_SESSIONS`] in all), opened as they are needed with [`Client::sibling`]
    /// and closed (`QUIT`) when the jobs run out; returns a result per job, in order.
    /// A failed job does not stop the others. A server that refuses another session
    /// ("too many connections": `421`, or `530` to the credentials this session logged
    /// in with) shrinks the pool: the batch goes on with the sessions it has, and the
    /// refusals are in [`BatchReport::not_opened`]. Each transfer is that of
    /// [`Client::download_file`] / [`Client::upload_file`] (verified, atomic, resumed
    /// as the configuration says). Memory grows with the sessions, not the jobs.
    ///
    /// `progress` sees the whole batch ([`BatchProgress`]); returning `false` cancels
    /// it. With `sessions` 1, or before a login, everything runs on this session.
    pub fn run_batch(
        &mut self,
        jobs: &[Job],
        sessions: usize,
        progress: Option<BatchProgressFn<'_>>,
    ) -> BatchReport {
        let seed = self.seed().ok();
        let work = Work::new(jobs.len(), progress);
        let run = |c: &mut Client, i: usize, work: &Work<'_>| -> Result<u64> {
            let mut last = 0u64;
            let mut step = |done: u64, _total: Option<u64>| -> bool {
                let add = done.saturating_sub(last);
                last = last.max(done);
                work.moved(add)
            };
            // With more jobs queued, the next one's EPSV can go ahead (class P3).
            c.set_more_follow(work.more_queued());
            match &jobs[i] {
                Job::Download { remote, local } => {
                    c.download_file(remote, local, false, Some(&mut step))
                }
                Job::Upload { local, remote } => {
                    c.upload_file(local, remote, false, Some(&mut step))
                }
            }
        };
        let (results, most, not_opened) =
            spread(self, seed.as_ref(), jobs.len(), sessions, work, &run);
        self.end_batch();
        BatchReport {
            results,
            sessions: most,
            not_opened,
        }
    }
}
