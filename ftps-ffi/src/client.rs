//! `ftps_client`: the handle, connecting, logging in, and the file and directory
//! commands (the getters are in `info.rs`, transfers in `transfer.rs`).
//!
//! A client may be used from any thread, but by one call at a time. Each call marks
//! the client busy; a second call while it is (from a callback of the first, or from
//! another thread) gets `FTPS_RESULT_BUSY` and touches nothing. That flag lives
//! outside the state it guards, so a re-entrant call never creates a second `&mut`
//! to the state.

use std::cell::UnsafeCell;
use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};

use ftps_core::{Client, Config, DateTime, Direction, Reply, Transcript};

use crate::config::ftps_config;
use crate::handle::{self, Handle, Kind};
use crate::panic::ffi_panic_boundary;
use crate::result::{Failure, Integrity, ftps_result};
use crate::signal::NoSigpipe;
use crate::util::{
    UserData, bytes_arg, check_out, check_text_out, copy_text_out, str_arg, write_out,
};

/// A connection to an FTPS server (or not yet, or no longer, connected).
///
/// Made by `ftps_client_new()`, freed by `ftps_client_free()`. Use it from one thread
/// at a time (it may move between threads); see `FTPS_RESULT_BUSY`.
pub struct ftps_client {
    busy: AtomicBool,
    poisoned: AtomicBool,
    state: UnsafeCell<ClientState>,
}

impl Handle for ftps_client {
    const KIND: Kind = Kind::Client;
}

/// Which way a transcript line went.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_transcript_direction {
    /// A command the client sent (passwords are masked).
    Sent = 1,
    /// A reply line from the server.
    Received = 2,
    /// A note from the client (TLS handshake done, data connection opened...).
    Info = 3,
}

/// Sees every line of the control conversation: `line` points to `len` bytes (not
/// NUL-terminated) valid only during the call. Called on the thread that made the
/// client call, while the client is busy: calling the same client from it gets
/// `FTPS_RESULT_BUSY`. Must not unwind (no C++ exceptions, no longjmp out of it).
pub type ftps_transcript_callback = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        direction: ftps_transcript_direction,
        line: *const c_char,
        len: usize,
    ),
>;

/// Reports the progress of a transfer after each chunk: `done` bytes moved by this
/// call so far, `total` the bytes expected or `FTPS_SIZE_UNKNOWN`. Return 0 to go on,
/// anything else to cancel (the transfer is aborted with `ABOR` and the call returns
/// `FTPS_RESULT_CANCELLED`). Called on the thread that made the transfer call, while
/// the client is busy: calling the same client from it gets `FTPS_RESULT_BUSY`. Must
/// not unwind.
pub type ftps_progress_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, done: u64, total: u64) -> c_int>;

/// The value of `total` in a progress callback when the size is not known.
pub const FTPS_SIZE_UNKNOWN: u64 = u64::MAX;

/// Which TLS connection a TLS getter asks about.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_tls_connection {
    /// The control connection.
    Control = 1,
    /// The data connection of the last transfer or listing.
    LastData = 2,
}

/// A counter of `ftps_client_session_stat()`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_session_stat {
    /// TLS 1.3 tickets received on the control connection.
    ControlTickets = 1,
    /// TLS 1.3 tickets received on data connections.
    DataTickets = 2,
    /// Data connections that resumed the control connection's TLS session.
    DataResumed = 3,
    /// Data connections that did a full TLS handshake.
    DataFull = 4,
    /// Data connections that found no TLS 1.3 ticket left to resume with.
    TicketsExhausted = 5,
    /// Transfers retried once after a refused full handshake brought fresh tickets.
    Retried = 6,
    /// Times the client reconnected and logged in again: by itself to resume a
    /// transfer, or asked to with `ftps_client_reconnect()`. Counted over the
    /// reconnects (not reset by them), unlike the TLS counters, which are of the
    /// current control connection.
    Reconnects = 7,
    /// Automatic resumes of interrupted transfers (each a new attempt that went on
    /// from the bytes already moved). Counted like `FTPS_SESSION_STAT_RECONNECTS`.
    Resumes = 8,
}

/// A point in time, UTC.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ftps_time {
    /// Seconds since 1970-01-01T00:00:00Z (negative before).
    pub unix_seconds: i64,
    /// Fraction of the second, 0..999999999.
    pub nanoseconds: u32,
}

impl ftps_time {
    pub(crate) fn of(t: &DateTime) -> ftps_time {
        ftps_time {
            unix_seconds: t.unix_timestamp(),
            nanoseconds: t.nanosecond,
        }
    }
}

#[derive(Clone, Copy)]
pub(crate) struct ProgressCb {
    pub cb: unsafe extern "C" fn(*mut c_void, u64, u64) -> c_int,
    pub userdata: UserData,
}

#[derive(Clone, Copy)]
struct TranscriptCb {
    cb: unsafe extern "C" fn(*mut c_void, ftps_transcript_direction, *const c_char, usize),
    userdata: UserData,
}

impl TranscriptCb {
    fn boxed(self) -> Transcript {
        Box::new(move |dir: Direction, line: &[u8]| {
            let d = match dir {
                Direction::Sent => ftps_transcript_direction::Sent,
                Direction::Received => ftps_transcript_direction::Received,
                Direction::Info => ftps_transcript_direction::Info,
            };
            let ud = self.userdata;
            // SAFETY: the caller registered `cb` with `userdata` and promised both stay
            // valid until replaced or the client is freed; `line` is valid for the call.
            unsafe { (self.cb)(ud.0, d, line.as_ptr().cast(), line.len()) }
        })
    }
}

/// What a client handle holds.
pub(crate) struct ClientState {
    config: Config,
    pub(crate) client: Option<Client>,
    pub(crate) last_reply: Option<Reply>,
    pub(crate) message: String,
    pub(crate) fatal: bool,
    /// What the integrity check of the last call compared, when it failed.
    pub(crate) integrity: Option<Box<Integrity>>,
    /// Remote temporary files left behind by earlier connections of this handle
    /// (`ftps_client_connect()` and `ftps_client_quit()` drop the core client, and with
    /// it its list).
    pub(crate) left_behind_earlier: Vec<Vec<u8>>,
    transcript: Option<TranscriptCb>,
    pub(crate) progress: Option<ProgressCb>,
}

impl ClientState {
    /// The connected core client, or a `State` failure.
    pub(crate) fn conn(&mut self) -> Result<&mut Client, Failure> {
        self.client.as_mut().ok_or_else(|| {
            Failure::new(
                ftps_result::State,
                "not connected: call ftps_client_connect() first",
            )
        })
    }

    /// Records the outcome of a call: last reply, message, fatal flag.
    fn finish(&mut self, r: Result<(), Failure>) -> ftps_result {
        if let Some(c) = &self.client
            && let Some(reply) = c.last_reply()
        {
            self.last_reply = Some(reply.clone());
        }
        match r {
            Ok(()) => {
                self.message.clear();
                self.fatal = false;
                self.integrity = None;
                ftps_result::Ok
            }
            Err(f) => {
                if let Some(reply) = f.reply {
                    self.last_reply = Some(reply);
                }
                self.message = f.message;
                self.fatal = f.fatal;
                self.integrity = f.integrity;
                f.code
            }
        }
    }

    /// Drops the core client, keeping the list of what it left behind on the server.
    pub(crate) fn take_client(&mut self) -> Option<Client> {
        let c = self.client.take();
        if let Some(c) = &c {
            self.left_behind_earlier
                .extend(c.left_behind().iter().cloned());
        }
        c
    }

    /// The remote temporary files this handle's connections left behind, oldest first.
    pub(crate) fn left_behind(&self) -> impl Iterator<Item = &[u8]> {
        let current = self
            .client
            .as_ref()
            .map(Client::left_behind)
            .unwrap_or_default();
        self.left_behind_earlier
            .iter()
            .chain(current)
            .map(Vec::as_slice)
    }
}

/// Exclusive use of a client for the length of one call.
struct Entered<'a> {
    handle: &'a ftps_client,
}

impl ftps_client {
    fn enter(&self) -> Result<Entered<'_>, ftps_result> {
        if self.poisoned.load(Ordering::Acquire) {
            return Err(ftps_result::Panic);
        }
        if self.busy.swap(true, Ordering::AcqRel) {
            return Err(ftps_result::Busy);
        }
        Ok(Entered { handle: self })
    }
}

impl Entered<'_> {
    fn state(&mut self) -> &mut ClientState {
        // SAFETY: `enter` set `busy` from false to true, so this `Entered` is the only
        // one for this client until it is dropped; re-entrant calls and other threads
        // see `busy` and never touch the state. `&mut self` ties the borrow to it.
        unsafe { &mut *self.handle.state.get() }
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // The state may be half-updated: refuse every further call but free.
            self.handle.poisoned.store(true, Ordering::Release);
        }
        self.handle.busy.store(false, Ordering::Release);
    }
}

/// Runs a call on a client: checks the handle, takes the busy flag, records the
/// outcome (message, last reply) and returns its code.
pub(crate) fn call(
    client: *mut ftps_client,
    f: impl FnOnce(&mut ClientState) -> Result<(), Failure>,
) -> ftps_result {
    let h = match handle::get(client.cast_const()) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let mut entered = match h.enter() {
        Ok(e) => e,
        Err(code) => return code,
    };
    let _no_sigpipe = NoSigpipe::new();
    let st = entered.state();
    let r = f(st);
    st.finish(r)
}

/// Runs a read-only getter: like [`call`] but leaves the message and last reply alone.
pub(crate) fn read(
    client: *const ftps_client,
    f: impl FnOnce(&ClientState) -> Result<(), Failure>,
) -> ftps_result {
    let h = match handle::get(client) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let mut entered = match h.enter() {
        Ok(e) => e,
        Err(code) => return code,
    };
    match f(entered.state()) {
        Ok(()) => ftps_result::Ok,
        Err(fail) => fail.code,
    }
}

/// Makes a client for `config` and writes it to `*client_out`; it is not connected
/// yet (see `ftps_client_connect()`). The client keeps its own reference to the
/// configuration, which may be freed right after. The caller owns the client and
/// frees it with `ftps_client_free()`.
///
/// Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_new(
    config: *const ftps_config,
    client_out: *mut *mut ftps_client,
) -> ftps_result {
    ffi_panic_boundary! {
        if client_out.is_null() {
            return ftps_result::NullParameter;
        }
        let config = match handle::get(config) {
            Ok(c) => c.config.clone(),
            Err(code) => return code,
        };
        let c = ftps_client {
            busy: AtomicBool::new(false),
            poisoned: AtomicBool::new(false),
            state: UnsafeCell::new(ClientState {
                config,
                client: None,
                last_reply: None,
                message: String::new(),
                fatal: false,
                integrity: None,
                left_behind_earlier: Vec::new(),
                transcript: None,
                progress: None,
            }),
        };
        write_out(client_out, handle::into_raw(c));
        ftps_result::Ok
    }
}

/// Frees a client: an open transfer is dropped, a polite `QUIT` is sent (waiting at
/// most 0.5 s) and the connection closed. NULL, or a client already freed, is
/// ignored. A call from inside one of the client's own callbacks (or while another
/// thread uses it) is ignored too: the client stays alive, and must be freed later.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_free(client: *mut ftps_client) {
    ffi_panic_boundary! {
        // Dropping a client sends QUIT and a TLS close_notify.
        let _no_sigpipe = NoSigpipe::new();
        handle::free(client.cast_const(), |c| !c.busy.swap(true, Ordering::AcqRel))
    }
}

/// Connects, secures the control connection as configured (implicit TLS, or
/// `AUTH TLS` in explicit mode) and reads the greeting. A connection the client
/// already had is closed first (so this also reconnects after a lost connection).
///
/// Blocks for at most the connect and reply timeouts. Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`,
/// `FTPS_RESULT_CONNECT`, `FTPS_RESULT_TIMEOUT`, `FTPS_RESULT_TLS_NOT_AVAILABLE`,
/// `FTPS_RESULT_CERTIFICATE`, `FTPS_RESULT_PIN_MISMATCH`, `FTPS_RESULT_TLS`,
/// `FTPS_RESULT_DATA_AFTER_AUTH_REPLY`, `FTPS_RESULT_REPLY` (greeting not 220),
/// `FTPS_RESULT_PROTOCOL`, `FTPS_RESULT_CONNECTION_LOST`.
///
/// To get back a session that was lost, logged in and in the same directory, use
/// `ftps_client_reconnect()` instead.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_connect(client: *mut ftps_client) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            drop(st.take_client());
            st.last_reply = None;
            let transcript = st.transcript.map(TranscriptCb::boxed);
            st.client = Some(Client::connect_with_transcript(&st.config, transcript)?);
            Ok(())
        })
    }
}

/// Logs in with `user` and `password` (NUL-terminated UTF-8), then sets up the
/// session (`PBSZ 0`, `PROT P`, `FEAT`, `OPTS UTF8 ON`, `TYPE`).
///
/// Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_BUSY`, `FTPS_RESULT_INVALID_ARGUMENT` (not UTF-8, or CR/LF: nothing
/// is sent), `FTPS_RESULT_STATE` (not connected), `FTPS_RESULT_LOGIN_REJECTED`,
/// `FTPS_RESULT_REPLY` (PBSZ/PROT/TYPE refused), and the network errors.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_login(
    client: *mut ftps_client,
    user: *const c_char,
    password: *const c_char,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let user = str_arg(user, "user")?;
            let password = str_arg(password, "password")?;
            st.conn()?.login(user, password)?;
            Ok(())
        })
    }
}

/// Like `ftps_client_login()`, giving `account` (NUL-terminated UTF-8) when the server
/// asks for one (`332`). Errors as `ftps_client_login()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_login_with_account(
    client: *mut ftps_client,
    user: *const c_char,
    password: *const c_char,
    account: *const c_char,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let user = str_arg(user, "user")?;
            let password = str_arg(password, "password")?;
            let account = str_arg(account, "account")?;
            st.conn()?.login_with_account(user, password, Some(account))?;
            Ok(())
        })
    }
}

/// Sends `QUIT` and closes the connection; the connection is closed even when this
/// fails. The client stays valid and can connect again. Quitting a client that is
/// not connected does nothing and succeeds. Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`, network errors of the `QUIT`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_quit(client: *mut ftps_client) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            if let Some(c) = st.take_client() {
                c.quit()?;
            }
            Ok(())
        })
    }
}

/// Opens a new control connection with the client's configuration, logs in again
/// with the user, password (and account) of the last successful login, goes back to
/// the directory of the last `ftps_client_cwd()`/`ftps_client_cdup()`, and replaces
/// the old session with it (closing the old one, and dropping an open streaming
/// transfer). Works whether the old session is lost or still alive. The transcript
/// callback moves to the new session; `FTPS_SESSION_STAT_RECONNECTS` counts it.
///
/// The download and upload calls do this by themselves after a lost connection
/// (`ftps_config_builder_set_resume_attempts()`); call it after another call failed
/// with `ftps_client_last_error_is_fatal()` true. On failure the old session is
/// kept as it was. Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_BUSY`, `FTPS_RESULT_STATE` (never connected, or never logged in), and
/// the errors of `ftps_client_connect()` and `ftps_client_login()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_reconnect(client: *mut ftps_client) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            st.conn()?.reconnect()?;
            Ok(())
        })
    }
}

/// Sets (or with a NULL `callback`, removes) the transcript callback, which sees every
/// command and reply line (see `ftps_transcript_callback`). It applies at once and to
/// later connections. `userdata` is passed back as is and must stay valid while the
/// callback is set. Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_BUSY`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_set_transcript(
    client: *mut ftps_client,
    callback: ftps_transcript_callback,
    userdata: *mut c_void,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            st.transcript = callback.map(|cb| TranscriptCb {
                cb,
                userdata: UserData(userdata),
            });
            if let Some(c) = st.client.as_mut() {
                c.set_transcript(st.transcript.map(TranscriptCb::boxed));
            }
            Ok(())
        })
    }
}

/// Sets (or with a NULL `callback`, removes) the progress callback used by every
/// download and upload call (`ftps_client_download_*`, `ftps_client_upload_*`; not by
/// the `ftps_client_read()`/`_write()` streams, where the caller sees every chunk).
/// `userdata` is passed back as is and must stay valid while the callback is set.
/// Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_set_progress(
    client: *mut ftps_client,
    callback: ftps_progress_callback,
    userdata: *mut c_void,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            st.progress = callback.map(|cb| ProgressCb {
                cb,
                userdata: UserData(userdata),
            });
            Ok(())
        })
    }
}

/// Runs a command taking one remote path.
fn path_command(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    f: impl FnOnce(&mut Client, &[u8]) -> ftps_core::Result<()>,
) -> ftps_result {
    call(client, |st| {
        let path = bytes_arg(path, path_len, "path")?;
        f(st.conn()?, path)?;
        Ok(())
    })
}

/// `CWD`: changes the current remote directory to `path` (`path_len` bytes, not
/// NUL-terminated, any bytes but NUL, CR and LF). Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`,
/// `FTPS_RESULT_INVALID_ARGUMENT` (length 0, NUL, CR or LF: nothing is sent),
/// `FTPS_RESULT_STATE`, `FTPS_RESULT_REPLY` (refused; see the last reply), and the
/// network errors.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_cwd(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
) -> ftps_result {
    ffi_panic_boundary! {
        path_command(client, path, path_len, |c, p| c.cwd(p).map(drop))
    }
}

/// `MKD`: creates the remote directory `path` (`path_len` bytes). The server's
/// `257` reply, with the path it made, is the last reply. Errors as
/// `ftps_client_cwd()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_mkdir(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
) -> ftps_result {
    ffi_panic_boundary! {
        path_command(client, path, path_len, |c, p| c.mkdir(p).map(drop))
    }
}

/// `RMD`: removes the empty remote directory `path` (`path_len` bytes). Errors as
/// `ftps_client_cwd()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_rmdir(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
) -> ftps_result {
    ffi_panic_boundary! {
        path_command(client, path, path_len, |c, p| c.rmdir(p).map(drop))
    }
}

/// `DELE`: deletes the remote file `path` (`path_len` bytes). Errors as
/// `ftps_client_cwd()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_delete(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
) -> ftps_result {
    ffi_panic_boundary! {
        path_command(client, path, path_len, |c, p| c.delete(p).map(drop))
    }
}

/// `CDUP`: goes to the parent of the current remote directory. Errors as
/// `ftps_client_cwd()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_cdup(client: *mut ftps_client) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            st.conn()?.cdup()?;
            Ok(())
        })
    }
}

/// `NOOP`: checks that the session works and keeps it alive. Errors as
/// `ftps_client_cwd()`, without the argument ones.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_noop(client: *mut ftps_client) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            st.conn()?.noop()?;
            Ok(())
        })
    }
}

/// `RNFR` + `RNTO`: renames or moves `from` (`from_len` bytes) to `to` (`to_len`
/// bytes). Both are checked before anything is sent. Errors as `ftps_client_cwd()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_rename(
    client: *mut ftps_client,
    from: *const c_char,
    from_len: usize,
    to: *const c_char,
    to_len: usize,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let from = bytes_arg(from, from_len, "from")?;
            let to = bytes_arg(to, to_len, "to")?;
            st.conn()?.rename(from, to)?;
            Ok(())
        })
    }
}

/// `PWD`: copies the current remote directory (RFC 959 quoting undone) into `buf`
/// (`len` bytes) with a NUL terminator, and its length into `*out_n`. If it does not
/// fit: `FTPS_RESULT_INSUFFICIENT_SIZE`, `*out_n` = the size needed, `buf` untouched
/// (the `PWD` was sent all the same). Other errors as `ftps_client_cwd()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_pwd(
    client: *mut ftps_client,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            check_text_out(buf, len, out_n)?;
            let dir = st.conn()?.pwd()?;
            copy_text_out(&dir, buf, len, out_n)
        })
    }
}

/// `SIZE`: writes the size in bytes of the remote file `path` (`path_len` bytes) to
/// `*size_out`. Errors as `ftps_client_cwd()`, and `FTPS_RESULT_PROTOCOL` for a
/// malformed answer.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_size(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    size_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let path = bytes_arg(path, path_len, "path")?;
            check_out(size_out, "size_out")?;
            let n = st.conn()?.size(path)?;
            write_out(size_out, n);
            Ok(())
        })
    }
}

/// `MDTM`: writes the modification time (UTC) of the remote file `path` (`path_len`
/// bytes) to `*time_out`. Errors as `ftps_client_size()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_mdtm(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    time_out: *mut ftps_time,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let path = bytes_arg(path, path_len, "path")?;
            check_out(time_out, "time_out")?;
            let t = st.conn()?.mdtm(path)?;
            write_out(time_out, ftps_time::of(&t));
            Ok(())
        })
    }
}

/// `MFMT`: sets the modification time of the remote file `path` (`path_len` bytes) to
/// `time` (UTC; years 0 to 9999). Errors as `ftps_client_cwd()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_set_mtime(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    time: ftps_time,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let path = bytes_arg(path, path_len, "path")?;
            let t = DateTime::from_unix_timestamp(time.unix_seconds)
                .and_then(|t| t.with_nanosecond(time.nanoseconds))
                .ok_or_else(|| Failure::invalid("time out of range"))?;
            st.conn()?.set_mtime(path, t)?;
            Ok(())
        })
    }
}

/// `SITE`: sends a server-specific command, `command` (`command_len` bytes, without
/// the word SITE, e.g. `"CHMOD 644 file"`), and requires a 2xx reply, which is then
/// the last reply. Errors as `ftps_client_cwd()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_site(
    client: *mut ftps_client,
    command: *const c_char,
    command_len: usize,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let command = bytes_arg(command, command_len, "command")?;
            st.conn()?.site(command)?;
            Ok(())
        })
    }
}

/// Sends a raw command `line` (`line_len` bytes, no CR/LF: the library ends it) and
/// writes the reply code to `*code_out`, whatever the code (a 5xx is not an error
/// here; the text is in the last reply). Commands that would break the session
/// (`PORT`, `EPRT`, `PASV`, `EPSV`, `AUTH`, `PROT`, `PBSZ`, `CCC`, `REIN`...) are
/// refused with `FTPS_RESULT_INVALID_ARGUMENT`; one that opens a transfer fails with
/// `FTPS_RESULT_PROTOCOL` and ends the session. Other errors as `ftps_client_cwd()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_quote(
    client: *mut ftps_client,
    line: *const c_char,
    line_len: usize,
    code_out: *mut u16,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let line = bytes_arg(line, line_len, "line")?;
            check_out(code_out, "code_out")?;
            let reply = st.conn()?.quote(line)?;
            write_out(code_out, reply.code());
            Ok(())
        })
    }
}

// The thread rules in the header rest on these: a client's state may move to another
// thread between calls; configurations, builders and listings may be shared.
const _: () = {
    const fn send<T: Send>() {}
    const fn send_sync<T: Send + Sync>() {}
    send::<ClientState>();
    send_sync::<ftps_config>();
    send_sync::<crate::config::ftps_config_builder>();
    send_sync::<crate::listing::ftps_listing>();
};
