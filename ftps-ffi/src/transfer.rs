//! Downloads and uploads: to and from a file descriptor, a local path or the caller's
//! callbacks, with a resume offset, the client's progress callback and per-call
//! options (`ftps_transfer_options`, the `_ex` calls); and the streaming calls
//! (`start`, `read`/`write`, `finish`/`abort`).

use std::ffi::{c_char, c_int, c_void};
use std::io::{self, Read, Write};

use ftps_core::{Client, Progress, TransferOptions, UploadMode, Verify};

use crate::client::{ClientState, FTPS_SIZE_UNKNOWN, ProgressCb, call, ftps_client};
use crate::panic::ffi_panic_boundary;
use crate::result::{Failure, ftps_result};
use crate::util::{bytes_arg, check_out, path_arg, raw_bytes_arg, raw_bytes_out, write_out};

/// Supplies upload data: fill up to `len` bytes at `buf`, store how many in `*out_n`
/// (0 means the end of the data) and return 0; or return an errno-style error number
/// (not 0), which aborts the transfer with `FTPS_RESULT_CALLBACK_FAILED` (`EINTR`
/// means "call me again"). Called on the thread that made the call, while the client
/// is busy: calling the same client from it gets `FTPS_RESULT_BUSY`. Must not unwind.
pub type ftps_read_callback = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        buf: *mut u8,
        len: usize,
        out_n: *mut usize,
    ) -> c_int,
>;

/// Takes downloaded data: consume up to `len` bytes at `buf`, store how many in
/// `*out_n` (at least 1; it is called again with the rest) and return 0; or return an
/// errno-style error number (not 0), which aborts the transfer with
/// `FTPS_RESULT_CALLBACK_FAILED` (`EINTR` means "call me again"). Same thread and
/// re-entry rules as `ftps_read_callback`. Must not unwind.
pub type ftps_write_callback = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        buf: *const u8,
        len: usize,
        out_n: *mut usize,
    ) -> c_int,
>;

/// How `ftps_client_start_upload()` writes the remote file.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_upload_mode {
    /// `STOR`: create or replace.
    Replace = 1,
    /// `APPE`: append.
    Append = 2,
    /// `REST offset` + `STOR`: overwrite from `offset` on (resume).
    At = 3,
}

/// Reads from a file descriptor the caller owns.
struct FdReader(c_int);

impl Read for FdReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: `buf` is a valid writable buffer of `buf.len()` bytes; `read(2)` with
        // any descriptor number is memory-safe (a bad one gives EBADF).
        let n = unsafe { libc::read(self.0, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    }
}

/// Writes to a file descriptor the caller owns.
struct FdWriter(c_int);

impl Write for FdWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: `buf` is valid for `buf.len()` bytes; `write(2)` with any descriptor
        // number is memory-safe (a bad one gives EBADF).
        let n = unsafe { libc::write(self.0, buf.as_ptr().cast(), buf.len()) };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What a callback did wrong, if anything.
#[derive(Default)]
struct CallbackFault(Option<String>);

fn callback_error(fault: &mut CallbackFault, rc: c_int, what: &str) -> io::Error {
    if rc != libc::EINTR {
        fault.0 = Some(format!("the {what} callback returned {rc}"));
    }
    io::Error::from_raw_os_error(rc)
}

struct CbReader {
    cb: unsafe extern "C" fn(*mut c_void, *mut u8, usize, *mut usize) -> c_int,
    userdata: *mut c_void,
    fault: CallbackFault,
}

impl Read for CbReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0usize;
        // SAFETY: the caller gave `cb` and `userdata` for this call; `buf` is valid and
        // writable for `buf.len()` bytes and `n` is a valid `usize` for the callback.
        let rc = unsafe { (self.cb)(self.userdata, buf.as_mut_ptr(), buf.len(), &mut n) };
        if rc != 0 {
            return Err(callback_error(&mut self.fault, rc, "read"));
        }
        if n > buf.len() {
            self.fault.0 = Some(format!(
                "the read callback claimed {n} bytes for a {}-byte buffer",
                buf.len()
            ));
            return Err(io::Error::other("read callback overflow"));
        }
        Ok(n)
    }
}

struct CbWriter {
    cb: unsafe extern "C" fn(*mut c_void, *const u8, usize, *mut usize) -> c_int,
    userdata: *mut c_void,
    fault: CallbackFault,
}

impl Write for CbWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut n = 0usize;
        // SAFETY: the caller gave `cb` and `userdata` for this call; `buf` is valid for
        // `buf.len()` bytes and `n` is a valid `usize` for the callback.
        let rc = unsafe { (self.cb)(self.userdata, buf.as_ptr(), buf.len(), &mut n) };
        if rc != 0 {
            return Err(callback_error(&mut self.fault, rc, "write"));
        }
        if n == 0 || n > buf.len() {
            self.fault.0 = Some(format!(
                "the write callback consumed {n} of {} bytes (must be 1..len)",
                buf.len()
            ));
            return Err(io::Error::other("write callback consumed nothing"));
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Turns a core error of a callback transfer into a failure, naming the callback
/// when it was the cause.
fn with_fault(e: ftps_core::Error, fault: &CallbackFault) -> Failure {
    match &fault.0 {
        Some(what) => {
            let mut f = Failure::from(e);
            f.message = format!("{what}; the transfer was aborted ({})", f.message);
            if !f.fatal {
                f.code = ftps_result::CallbackFailed;
            }
            f
        }
        None => Failure::from(e),
    }
}

/// Runs `f` with the client and its progress callback as the core wants it.
fn with_progress<T>(
    st: &mut ClientState,
    f: impl FnOnce(&mut Client, Option<&mut dyn FnMut(u64, Option<u64>) -> bool>) -> T,
) -> Result<T, Failure> {
    let progress: Option<ProgressCb> = st.progress;
    let mut adapter = progress.map(|p| {
        move |done: u64, total: Option<u64>| -> bool {
            // SAFETY: the caller registered `cb` with `userdata` via
            // ftps_client_set_progress() and promised both stay valid while set.
            unsafe { (p.cb)(p.userdata.0, done, total.unwrap_or(FTPS_SIZE_UNKNOWN)) == 0 }
        }
    });
    let client = st.conn()?;
    Ok(f(
        client,
        adapter
            .as_mut()
            .map(|a| a as &mut dyn FnMut(u64, Option<u64>) -> bool),
    ))
}

/// Refuses offsets no server can represent. FTP servers keep offsets in a signed
/// 64-bit `off_t`; vsftpd turns `REST 18446744073709551615` into 0 ("Restart position
/// accepted (0)") and then sends, or overwrites, the whole file: a silent wrong result
/// (docs/threats.md, class "caller": offsets that overflow). Nothing is sent for such an
/// offset.
fn check_offset(offset: u64) -> Result<(), Failure> {
    if offset > i64::MAX as u64 {
        return Err(Failure::invalid(format!(
            "offset {offset} is larger than any file a server can hold (2^63 - 1)"
        )));
    }
    Ok(())
}

fn check_fd(fd: c_int) -> Result<(), Failure> {
    if fd < 0 {
        return Err(Failure::invalid(format!("fd {fd} is negative")));
    }
    Ok(())
}

/// The value of an `ftps_transfer_options` field that means "as the configuration
/// says" (and of every byte `ftps_transfer_options_init()` fills in).
pub const FTPS_TRANSFER_DEFAULT: u32 = u32::MAX;

/// Options of one download or upload call (the `_ex` calls), overriding the
/// configuration for that call only.
///
/// Always start with `ftps_transfer_options_init(&opts, sizeof opts)`, which sets
/// `struct_size` and every option to `FTPS_TRANSFER_DEFAULT`, then change the fields
/// you want. Passing NULL instead of options is the same as all defaults, and the calls
/// without `_ex` are the `_ex` calls with NULL.
///
/// Versioning: later versions of libftps only append `uint32_t` fields whose
/// `FTPS_TRANSFER_DEFAULT` keeps the behaviour of the versions before. `struct_size` is
/// the size the caller's header knows: a library newer than the header takes the
/// fields past it as defaults; a library older than the header accepts the fields it
/// does not know only when they hold `FTPS_TRANSFER_DEFAULT`, and otherwise refuses the
/// call with `FTPS_RESULT_INVALID_ARGUMENT`: an option is never silently ignored.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ftps_transfer_options {
    /// The size of this struct as the caller knows it: `sizeof(ftps_transfer_options)`,
    /// set by `ftps_transfer_options_init()`.
    pub struct_size: u32,
    /// How the transfer is checked afterwards: one of `ftps_verify`, or
    /// `FTPS_TRANSFER_DEFAULT` for `ftps_config_builder_set_verify()`'s.
    pub verify: u32,
    /// Uploads: 1 to write to a temporary name and rename it onto the target once
    /// verified, 0 to write the target directly, `FTPS_TRANSFER_DEFAULT` for
    /// `ftps_config_builder_set_atomic_uploads()`'s. A resumed upload is never atomic.
    /// Downloads ignore it (a download to a path always goes through a temporary local
    /// file unless it resumes).
    pub atomic_upload: u32,
    /// How many times to reconnect and resume after a lost connection (0: never), or
    /// `FTPS_TRANSFER_DEFAULT` for `ftps_config_builder_set_resume_attempts()`'s.
    pub resume_attempts: u32,
}

/// The first version of `ftps_transfer_options`: the smallest `struct_size` accepted.
const OPTIONS_V1_SIZE: usize = 16;
/// More than any version will have: a larger `struct_size` is garbage.
const OPTIONS_MAX_SIZE: usize = 4096;

const _: () = assert!(std::mem::size_of::<ftps_transfer_options>() >= OPTIONS_V1_SIZE);
const _: () = assert!(std::mem::size_of::<ftps_transfer_options>().is_multiple_of(4));

fn check_options_size(size: usize) -> Result<(), Failure> {
    if !(OPTIONS_V1_SIZE..=OPTIONS_MAX_SIZE).contains(&size) || !size.is_multiple_of(4) {
        return Err(Failure::invalid(format!(
            "ftps_transfer_options.struct_size is {size}, not the size of the struct \
             (call ftps_transfer_options_init(&opts, sizeof opts) first)"
        )));
    }
    Ok(())
}

/// Sets `opts->struct_size` to `struct_size` (pass `sizeof *opts`) and every option to
/// `FTPS_TRANSFER_DEFAULT`: the `struct_size` bytes at `opts` are written, no more.
/// Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_ARGUMENT` (a size that
/// is no size of `ftps_transfer_options`). Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_transfer_options_init(
    opts: *mut ftps_transfer_options,
    struct_size: usize,
) -> ftps_result {
    ffi_panic_boundary! {
        let r = (|| {
            check_out(opts, "opts")?;
            check_options_size(struct_size)?;
            let bytes = raw_bytes_out(opts.cast::<u8>(), struct_size, "opts")?;
            bytes.fill(0xff);
            // struct_size fits u32: check_options_size caps it at 4096.
            bytes[..4].copy_from_slice(&(struct_size as u32).to_ne_bytes());
            Ok::<(), Failure>(())
        })();
        r.err().map_or(ftps_result::Ok, |f| f.code)
    }
}

/// The per-call options as the core takes them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct PerCall {
    verify: Option<Verify>,
    atomic: Option<bool>,
    resume_attempts: Option<u32>,
}

impl PerCall {
    fn options<'a>(
        self,
        offset: u64,
        resume: bool,
        progress: Option<Progress<'a>>,
    ) -> TransferOptions<'a> {
        TransferOptions {
            offset,
            resume,
            verify: self.verify,
            atomic: self.atomic,
            resume_attempts: self.resume_attempts,
            progress,
        }
    }
}

/// Reads and checks the caller's options (NULL: all defaults) before anything is sent.
fn per_call(opts: *const ftps_transfer_options) -> Result<PerCall, Failure> {
    if opts.is_null() {
        return Ok(PerCall::default());
    }
    // SAFETY: not NULL, and the caller promises an `ftps_transfer_options` (at least
    // its first field) set up by ftps_transfer_options_init(); its first 4 bytes are
    // read, and then no more than the `struct_size` they say.
    let size = unsafe { opts.cast::<u32>().read_unaligned() } as usize;
    check_options_size(size)?;
    let ours = std::mem::size_of::<ftps_transfer_options>();
    let bytes = raw_bytes_arg(opts.cast::<u8>(), size, "options")?;
    if let Some(pos) = bytes.iter().skip(ours).position(|&b| b != 0xff) {
        return Err(Failure::invalid(format!(
            "ftps_transfer_options sets an option at byte {} that this libftps ({}) does not \
             know (it knows {ours} bytes)",
            ours + pos,
            env!("CARGO_PKG_VERSION")
        )));
    }
    let mut o = [0xffu8; std::mem::size_of::<ftps_transfer_options>()];
    let n = size.min(ours);
    o[..n].copy_from_slice(&bytes[..n]);
    let field = |i: usize| u32::from_ne_bytes([o[4 * i], o[4 * i + 1], o[4 * i + 2], o[4 * i + 3]]);
    let (verify, atomic, attempts) = (field(1), field(2), field(3));
    const D: u32 = FTPS_TRANSFER_DEFAULT;
    Ok(PerCall {
        verify: match verify {
            D => None,
            v => Some(crate::config::verify_value(v)?),
        },
        atomic: match atomic {
            D => None,
            0 => Some(false),
            1 => Some(true),
            v => {
                return Err(Failure::invalid(format!(
                    "ftps_transfer_options.atomic_upload is {v}: 0, 1 or FTPS_TRANSFER_DEFAULT"
                )));
            }
        },
        resume_attempts: (attempts != D).then_some(attempts),
    })
}

/// Downloads the remote file `path` (`path_len` bytes) and writes it to the open
/// file descriptor `fd` at its current position; `fd` stays open and owned by the
/// caller. With `offset` > 0, the download starts at that byte of the remote file
/// (`REST`, to resume). Writes the number of bytes received to `*bytes_out` when it is
/// not NULL. The progress callback (`ftps_client_set_progress()`) is called after
/// each chunk.
///
/// Success means every byte arrived: a clean TLS close, the server's final 2xx, and
/// the check the configuration asks for (`ftps_config_builder_set_verify()`). A lost
/// connection or a cut data connection is resumed from the bytes already written, up
/// to the configured resume attempts (`ftps_config_builder_set_resume_attempts()`);
/// `ftps_client_download_fd_ex()` takes both per call.
/// Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_BUSY`, `FTPS_RESULT_INVALID_ARGUMENT` (bad path, negative fd, an
/// `offset` above 2^63-1, which no server can represent: nothing is sent),
/// `FTPS_RESULT_STATE`, `FTPS_RESULT_REPLY` (e.g. 550 no such file),
/// `FTPS_RESULT_LOCAL_IO` (writing to `fd` failed; transfer aborted),
/// `FTPS_RESULT_CANCELLED`, `FTPS_RESULT_TRUNCATED`, `FTPS_RESULT_INTEGRITY`,
/// `FTPS_RESULT_SESSION_REUSE_REFUSED`, `FTPS_RESULT_TIMEOUT`, and other network
/// errors.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_download_fd(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    fd: c_int,
    offset: u64,
    bytes_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        download_fd(client, path, path_len, fd, offset, std::ptr::null(), bytes_out)
    }
}

/// `ftps_client_download_fd()` with per-call `options` (NULL: the configuration's;
/// see `ftps_transfer_options`): `verify` and `resume_attempts` apply.
/// Errors as `ftps_client_download_fd()`, and `FTPS_RESULT_INVALID_ARGUMENT` for bad
/// options (nothing is sent).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_download_fd_ex(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    fd: c_int,
    offset: u64,
    options: *const ftps_transfer_options,
    bytes_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        download_fd(client, path, path_len, fd, offset, options, bytes_out)
    }
}

fn download_fd(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    fd: c_int,
    offset: u64,
    options: *const ftps_transfer_options,
    bytes_out: *mut u64,
) -> ftps_result {
    call(client, |st| {
        let path = bytes_arg(path, path_len, "path")?;
        check_offset(offset)?;
        check_fd(fd)?;
        let pc = per_call(options)?;
        let mut out = FdWriter(fd);
        let n = with_progress(st, |c, progress| {
            c.download(path, &mut out, &mut pc.options(offset, false, progress))
        })??;
        write_out(bytes_out, n);
        Ok(())
    })
}

/// Uploads everything that can be read from the open file descriptor `fd` (from its
/// current position to its end) to the remote file `path` (`path_len` bytes); `fd`
/// stays open and owned by the caller. With `offset` 0 the remote file is created or
/// replaced (`STOR`); with `offset` > 0 it is overwritten from that byte on
/// (`REST` + `STOR`, to resume), and `fd` must already be positioned at the matching
/// place. Writes the number of bytes sent to `*bytes_out` when it is not NULL.
///
/// Success means the server confirmed the complete file with its final 2xx, and the
/// check the configuration asks for passed (a hash only when `offset` is 0: the part
/// before the offset was not read here; else the size). Uploads to a temporary name
/// when the configuration asks for atomic uploads (not with an `offset`). An fd is
/// read once, so a lost connection is not resumed here (`ftps_client_upload_path()`
/// does). Errors as `ftps_client_download_fd()` (`FTPS_RESULT_LOCAL_IO` when reading
/// `fd` fails).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_upload_fd(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    fd: c_int,
    offset: u64,
    bytes_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        upload_fd(client, path, path_len, fd, offset, std::ptr::null(), bytes_out)
    }
}

/// `ftps_client_upload_fd()` with per-call `options` (NULL: the configuration's; see
/// `ftps_transfer_options`): `verify` and `atomic_upload` apply. Errors as
/// `ftps_client_download_fd_ex()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_upload_fd_ex(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    fd: c_int,
    offset: u64,
    options: *const ftps_transfer_options,
    bytes_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        upload_fd(client, path, path_len, fd, offset, options, bytes_out)
    }
}

fn upload_fd(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    fd: c_int,
    offset: u64,
    options: *const ftps_transfer_options,
    bytes_out: *mut u64,
) -> ftps_result {
    call(client, |st| {
        let path = bytes_arg(path, path_len, "path")?;
        check_offset(offset)?;
        check_fd(fd)?;
        let pc = per_call(options)?;
        let mut input = FdReader(fd);
        let n = with_progress(st, |c, progress| {
            c.upload(&mut input, path, &mut pc.options(offset, false, progress))
        })??;
        write_out(bytes_out, n);
        Ok(())
    })
}

/// Downloads the remote file `path` (`path_len` bytes) to the local file
/// `local_path` (NUL-terminated). Without `resume`, the data goes to a temporary
/// file beside `local_path` that replaces it only once the transfer succeeded and
/// was verified: a failed download never clobbers an existing file. With `resume`, an
/// existing local file is continued from its length (`REST`) and kept as it is on
/// failure. A lost connection is resumed as for `ftps_client_download_fd()`. Writes
/// the number of bytes received to `*bytes_out` when it is not NULL. Errors as
/// `ftps_client_download_fd()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_download_path(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    local_path: *const c_char,
    resume: bool,
    bytes_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        download_path(client, path, path_len, local_path, resume, std::ptr::null(), bytes_out)
    }
}

/// `ftps_client_download_path()` with per-call `options` (NULL: the configuration's;
/// see `ftps_transfer_options`): `verify` and `resume_attempts` apply. Errors as
/// `ftps_client_download_fd_ex()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_download_path_ex(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    local_path: *const c_char,
    resume: bool,
    options: *const ftps_transfer_options,
    bytes_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        download_path(client, path, path_len, local_path, resume, options, bytes_out)
    }
}

fn download_path(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    local_path: *const c_char,
    resume: bool,
    options: *const ftps_transfer_options,
    bytes_out: *mut u64,
) -> ftps_result {
    call(client, |st| {
        let path = bytes_arg(path, path_len, "path")?;
        let local = path_arg(local_path, "local_path")?;
        let pc = per_call(options)?;
        let n = with_progress(st, |c, progress| {
            c.download_file_with(path, &local, &mut pc.options(0, resume, progress))
        })??;
        write_out(bytes_out, n);
        Ok(())
    })
}

/// Uploads the local file `local_path` (NUL-terminated) to the remote file `path`
/// (`path_len` bytes). With `resume`, the remote file's current size (`SIZE`) is
/// skipped in the local file and the rest written from there on (`REST` + `STOR`).
/// Checked as the configuration says (the hash covers the whole file, also after a
/// resume), atomic when it asks for atomic uploads (not with `resume`), and resumed
/// after a lost connection from what the server kept (when it offers `REST STREAM`;
/// otherwise the upload starts over). Writes the number of bytes sent to
/// `*bytes_out` when it is not NULL. Errors as `ftps_client_upload_fd()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_upload_path(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    local_path: *const c_char,
    resume: bool,
    bytes_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        upload_path(client, path, path_len, local_path, resume, std::ptr::null(), bytes_out)
    }
}

/// `ftps_client_upload_path()` with per-call `options` (NULL: the configuration's;
/// see `ftps_transfer_options`): `verify`, `atomic_upload` and `resume_attempts`
/// apply. Errors as `ftps_client_download_fd_ex()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_upload_path_ex(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    local_path: *const c_char,
    resume: bool,
    options: *const ftps_transfer_options,
    bytes_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        upload_path(client, path, path_len, local_path, resume, options, bytes_out)
    }
}

fn upload_path(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    local_path: *const c_char,
    resume: bool,
    options: *const ftps_transfer_options,
    bytes_out: *mut u64,
) -> ftps_result {
    call(client, |st| {
        let path = bytes_arg(path, path_len, "path")?;
        let local = path_arg(local_path, "local_path")?;
        let pc = per_call(options)?;
        let n = with_progress(st, |c, progress| {
            c.upload_file_with(&local, path, &mut pc.options(0, resume, progress))
        })??;
        write_out(bytes_out, n);
        Ok(())
    })
}

/// Downloads the remote file `path` (`path_len` bytes), from byte `offset` on, and
/// hands the data to `callback` (see `ftps_write_callback`) with `userdata`; checked
/// and resumed as for `ftps_client_download_fd()` (after a resume, the callback gets
/// the bytes that follow those it already took). Writes the number of bytes received
/// to `*bytes_out` when it is not NULL. Errors as `ftps_client_download_fd()`, and
/// `FTPS_RESULT_CALLBACK_FAILED` when the callback returned an error (the transfer was
/// aborted; the session stays usable).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_download_cb(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    offset: u64,
    callback: ftps_write_callback,
    userdata: *mut c_void,
    bytes_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        download_cb(client, path, path_len, offset, callback, userdata, std::ptr::null(), bytes_out)
    }
}

/// `ftps_client_download_cb()` with per-call `options` (NULL: the configuration's;
/// see `ftps_transfer_options`): `verify` and `resume_attempts` apply. Errors as
/// `ftps_client_download_cb()`, and `FTPS_RESULT_INVALID_ARGUMENT` for bad options.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_download_cb_ex(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    offset: u64,
    callback: ftps_write_callback,
    userdata: *mut c_void,
    options: *const ftps_transfer_options,
    bytes_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        download_cb(client, path, path_len, offset, callback, userdata, options, bytes_out)
    }
}

#[allow(clippy::too_many_arguments)]
fn download_cb(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    offset: u64,
    callback: ftps_write_callback,
    userdata: *mut c_void,
    options: *const ftps_transfer_options,
    bytes_out: *mut u64,
) -> ftps_result {
    call(client, |st| {
        let path = bytes_arg(path, path_len, "path")?;
        check_offset(offset)?;
        let cb = callback.ok_or_else(|| Failure::null("callback"))?;
        let pc = per_call(options)?;
        let mut out = CbWriter {
            cb,
            userdata,
            fault: CallbackFault::default(),
        };
        let r = with_progress(st, |c, progress| {
            c.download(path, &mut out, &mut pc.options(offset, false, progress))
        })?;
        let n = r.map_err(|e| with_fault(e, &out.fault))?;
        write_out(bytes_out, n);
        Ok(())
    })
}

/// Uploads what `callback` supplies (see `ftps_read_callback`, with `userdata`) to
/// the remote file `path` (`path_len` bytes): replacing it when `offset` is 0,
/// overwriting from `offset` on otherwise (`REST` + `STOR`); checked and atomic as for
/// `ftps_client_upload_fd()`, and like it not resumed (the callback's data cannot be
/// asked for again). Writes the number of bytes sent to `*bytes_out` when it is not
/// NULL. Errors as `ftps_client_download_cb()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_upload_cb(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    offset: u64,
    callback: ftps_read_callback,
    userdata: *mut c_void,
    bytes_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        upload_cb(client, path, path_len, offset, callback, userdata, std::ptr::null(), bytes_out)
    }
}

/// `ftps_client_upload_cb()` with per-call `options` (NULL: the configuration's; see
/// `ftps_transfer_options`): `verify` and `atomic_upload` apply. Errors as
/// `ftps_client_download_cb_ex()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_upload_cb_ex(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    offset: u64,
    callback: ftps_read_callback,
    userdata: *mut c_void,
    options: *const ftps_transfer_options,
    bytes_out: *mut u64,
) -> ftps_result {
    ffi_panic_boundary! {
        upload_cb(client, path, path_len, offset, callback, userdata, options, bytes_out)
    }
}

#[allow(clippy::too_many_arguments)]
fn upload_cb(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    offset: u64,
    callback: ftps_read_callback,
    userdata: *mut c_void,
    options: *const ftps_transfer_options,
    bytes_out: *mut u64,
) -> ftps_result {
    call(client, |st| {
        let path = bytes_arg(path, path_len, "path")?;
        check_offset(offset)?;
        let cb = callback.ok_or_else(|| Failure::null("callback"))?;
        let pc = per_call(options)?;
        let mut input = CbReader {
            cb,
            userdata,
            fault: CallbackFault::default(),
        };
        let r = with_progress(st, |c, progress| {
            c.upload(&mut input, path, &mut pc.options(offset, false, progress))
        })?;
        let n = r.map_err(|e| with_fault(e, &input.fault))?;
        write_out(bytes_out, n);
        Ok(())
    })
}

/// Starts a streaming download of the remote file `path` (`path_len` bytes) from
/// byte `offset` on (`REST` when not 0). Read it with `ftps_client_read()` until it
/// gives 0 bytes, then call `ftps_client_finish_transfer()`; or stop early with
/// `ftps_client_abort_transfer()`. While a transfer is open, other commands fail with
/// `FTPS_RESULT_STATE`. Errors as `ftps_client_download_fd()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_start_download(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    offset: u64,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let path = bytes_arg(path, path_len, "path")?;
            check_offset(offset)?;
            st.conn()?.start_download(path, offset)?;
            Ok(())
        })
    }
}

/// Starts a streaming upload to the remote file `path` (`path_len` bytes), as `mode`
/// says (one of `ftps_upload_mode`; `offset` must be 0 except with
/// `FTPS_UPLOAD_MODE_AT`). Write it with `ftps_client_write()`, then call
/// `ftps_client_finish_transfer()`, or `ftps_client_abort_transfer()`. Errors as
/// `ftps_client_upload_fd()`, and `FTPS_RESULT_INVALID_ARGUMENT` for a bad mode or
/// offset.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_start_upload(
    client: *mut ftps_client,
    path: *const c_char,
    path_len: usize,
    mode: u32,
    offset: u64,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let path = bytes_arg(path, path_len, "path")?;
            check_offset(offset)?;
            let m = if mode == ftps_upload_mode::Replace as u32 {
                UploadMode::Replace
            } else if mode == ftps_upload_mode::Append as u32 {
                UploadMode::Append
            } else if mode == ftps_upload_mode::At as u32 {
                UploadMode::At(offset)
            } else {
                return Err(Failure::invalid(format!("unknown ftps_upload_mode value {mode}")));
            };
            if offset != 0 && !matches!(m, UploadMode::At(_)) {
                return Err(Failure::invalid("offset is only for FTPS_UPLOAD_MODE_AT"));
            }
            st.conn()?.start_upload(path, m)?;
            Ok(())
        })
    }
}

/// Reads downloaded bytes of the open streaming download into `buf` (`len` bytes, at
/// least 1) and writes how many to `*out_n`; 0 means the clean end of the data (then
/// call `ftps_client_finish_transfer()`). Blocks for at most the data idle timeout.
/// On an error the transfer is closed. Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`, `FTPS_RESULT_INVALID_ARGUMENT`
/// (`len` 0), `FTPS_RESULT_STATE` (no download open), `FTPS_RESULT_TRUNCATED`,
/// `FTPS_RESULT_TIMEOUT`, and other network errors.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_read(
    client: *mut ftps_client,
    buf: *mut u8,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            check_out(out_n, "out_n")?;
            let buf = raw_bytes_out(buf, len, "buf")?;
            if buf.is_empty() {
                return Err(Failure::invalid("len is 0 (0 bytes read would mean the end of the data)"));
            }
            let n = st.conn()?.read_data(buf)?;
            write_out(out_n, n);
            Ok(())
        })
    }
}

/// Writes up to `len` bytes at `buf` to the open streaming upload and stores how
/// many were taken in `*out_n` (call again with the rest). Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`,
/// `FTPS_RESULT_STATE` (no upload open), `FTPS_RESULT_TIMEOUT`, and other network
/// errors (the transfer is then closed).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_write(
    client: *mut ftps_client,
    buf: *const u8,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            check_out(out_n, "out_n")?;
            let buf = raw_bytes_arg(buf, len, "buf")?;
            let n = st.conn()?.write_data(buf)?;
            write_out(out_n, n);
            Ok(())
        })
    }
}

/// Ends the open streaming transfer and checks the server's final reply (then the
/// last reply). A download must have been read to its end, otherwise it is aborted
/// and this fails with `FTPS_RESULT_TRUNCATED`; an upload is closed with a TLS
/// close_notify first. Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`, `FTPS_RESULT_STATE` (no transfer
/// open), `FTPS_RESULT_REPLY`, `FTPS_RESULT_TRUNCATED`,
/// `FTPS_RESULT_SESSION_REUSE_REFUSED`, and other network errors.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_finish_transfer(client: *mut ftps_client) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            st.conn()?.finish_transfer()?;
            Ok(())
        })
    }
}

/// Aborts the open streaming transfer (`ABOR`), closes its data connection and reads
/// the server's replies until the session is in step again. Does nothing when no
/// transfer is open. Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_BUSY`, `FTPS_RESULT_STATE` (not
/// connected), network errors (the session is then lost).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_abort_transfer(client: *mut ftps_client) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            st.conn()?.abort_transfer()?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn init() -> ftps_transfer_options {
        let mut o = ftps_transfer_options {
            struct_size: 0,
            verify: 7,
            atomic_upload: 7,
            resume_attempts: 7,
        };
        let size = std::mem::size_of_val(&o);
        assert_eq!(ftps_transfer_options_init(&mut o, size), ftps_result::Ok);
        o
    }

    #[test]
    fn transfer_options_start_as_the_configurations() {
        let o = init();
        assert_eq!(
            o.struct_size as usize,
            std::mem::size_of::<ftps_transfer_options>()
        );
        assert_eq!(
            (o.verify, o.atomic_upload, o.resume_attempts),
            (
                FTPS_TRANSFER_DEFAULT,
                FTPS_TRANSFER_DEFAULT,
                FTPS_TRANSFER_DEFAULT
            )
        );
        assert_eq!(per_call(&o).unwrap(), PerCall::default());
        assert_eq!(per_call(std::ptr::null()).unwrap(), PerCall::default());
        let set = ftps_transfer_options {
            verify: ftps_verify_off(),
            atomic_upload: 1,
            resume_attempts: 0,
            ..o
        };
        assert_eq!(
            per_call(&set).unwrap(),
            PerCall {
                verify: Some(Verify::Off),
                atomic: Some(true),
                resume_attempts: Some(0)
            }
        );
        for bad in [
            ftps_transfer_options { verify: 0, ..o },
            ftps_transfer_options {
                atomic_upload: 2,
                ..o
            },
            ftps_transfer_options {
                struct_size: 0,
                ..o
            },
            ftps_transfer_options {
                struct_size: 12,
                ..o
            },
            ftps_transfer_options {
                struct_size: 17,
                ..o
            },
        ] {
            assert_eq!(
                per_call(&bad).unwrap_err().code,
                ftps_result::InvalidArgument,
                "{bad:?}"
            );
        }
        assert_eq!(
            ftps_transfer_options_init(std::ptr::null_mut(), 16),
            ftps_result::NullParameter
        );
        let mut o2 = o;
        assert_eq!(
            ftps_transfer_options_init(&mut o2, 3),
            ftps_result::InvalidArgument
        );
        assert_eq!(o2, o);
    }

    fn ftps_verify_off() -> u32 {
        crate::config::ftps_verify::Off as u32
    }

    /// A caller whose header is newer: fields this library does not know are fine
    /// while they hold the default, refused otherwise.
    #[test]
    fn transfer_options_from_a_newer_header() {
        #[repr(C)]
        struct Newer {
            v1: ftps_transfer_options,
            future: u32,
            future2: u32,
        }
        let mut n = Newer {
            v1: init(),
            future: 0,
            future2: 0,
        };
        let size = std::mem::size_of::<Newer>();
        assert_eq!(
            ftps_transfer_options_init(&mut n as *mut Newer as *mut ftps_transfer_options, size),
            ftps_result::Ok
        );
        assert_eq!((n.future, n.future2), (u32::MAX, u32::MAX));
        assert_eq!(n.v1.struct_size as usize, size);
        n.v1.resume_attempts = 5;
        let p = &n as *const Newer as *const ftps_transfer_options;
        assert_eq!(per_call(p).unwrap().resume_attempts, Some(5));
        n.future2 = 1;
        let p = &n as *const Newer as *const ftps_transfer_options;
        let e = per_call(p).unwrap_err();
        assert_eq!(e.code, ftps_result::InvalidArgument);
        assert!(e.message.contains("byte 20"), "{}", e.message);
    }
}
