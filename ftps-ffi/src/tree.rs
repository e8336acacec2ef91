//! Whole trees: `ftps_client_download_dir()`, `ftps_client_upload_dir()`,
//! `ftps_client_sync()`, and the `ftps_report` they return.

use std::ffi::{CString, c_char};
use std::path::{Path, PathBuf};

use ftps_core::{
    DirDownload, DirUpload, SyncActionKind, SyncDirection, SyncOptions, SyncReason, SyncReport,
};

use crate::client::{call, ftps_client};
use crate::handle::{self, Handle, Kind};
use crate::panic::ffi_panic_boundary;
use crate::result::{Failure, ftps_result};
use crate::util::{check_out, opt_bytes_arg, path_arg, write_out};

/// What one step of a tree call did (`ftps_report_action()`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_sync_action {
    /// A step this header does not know (a newer library).
    Unknown = 0,
    /// A local file sent to the server.
    Upload = 1,
    /// A remote file written locally.
    Download = 2,
    /// A directory created (`MKD` on the server, or locally).
    MakeDir = 3,
    /// A file deleted on the destination side (`ftps_client_sync()` with
    /// `FTPS_SYNC_DELETE`).
    Delete = 4,
    /// A directory removed on the destination side, after its content.
    RemoveDir = 5,
    /// A file found equal by the server's hash, given the source's modification time.
    SetMtime = 6,
}

/// Why `ftps_client_sync()` copies a file (`ftps_report_action()`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_sync_reason {
    /// Not a copy made by a sync: another kind of step, a file of
    /// `ftps_client_download_dir()` or `ftps_client_upload_dir()`, or a reason this
    /// header does not know (a newer library).
    None = 0,
    /// The destination has no entry of that name.
    Missing = 1,
    /// The sizes differ (or the server gave none).
    Size = 2,
    /// Same size, different modification times, and no hash to tell.
    Mtime = 3,
    /// Same size, and the server's hash says the contents differ.
    Hash = 4,
}

/// Which way `ftps_client_sync()` copies.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_sync_direction {
    /// The local tree is the source, the server's the destination.
    Upload = 1,
    /// The server's tree is the source, the local one the destination.
    Download = 2,
}

/// `ftps_client_sync()` flag: delete what the destination has and the source does not
/// (files, and when recursive directories after their content). Off unless given: it
/// removes files.
pub const FTPS_SYNC_DELETE: u32 = 1;
/// `ftps_client_sync()` flag: change nothing (not even `MKD`); the report holds the
/// plan.
pub const FTPS_SYNC_DRY_RUN: u32 = 2;
/// `ftps_client_sync()` flag: only the files of the top directory; no directory is
/// created or removed.
pub const FTPS_SYNC_TOP_ONLY: u32 = 4;
/// `ftps_client_sync()` flag: neither compare nor set modification times (the size,
/// then the server's hash when it offers one, decides).
pub const FTPS_SYNC_IGNORE_MTIME: u32 = 8;

const SYNC_FLAGS: u32 =
    FTPS_SYNC_DELETE | FTPS_SYNC_DRY_RUN | FTPS_SYNC_TOP_ONLY | FTPS_SYNC_IGNORE_MTIME;

/// One step in a report.
struct Step {
    kind: ftps_sync_action,
    reason: ftps_sync_reason,
    path: Vec<u8>,
}

/// What a tree call did, or for a dry run would do: the steps in order, the entries
/// left alone with why, the bytes moved. Immutable: any number of threads may read it
/// at once. Independent of the client it came from; free it with `ftps_report_free()`.
pub struct ftps_report {
    steps: Vec<Step>,
    skipped: Vec<(Vec<u8>, CString)>,
    bytes: u64,
    dry_run: bool,
}

impl Handle for ftps_report {
    const KIND: Kind = Kind::Report;
}

fn action_of(k: SyncActionKind) -> ftps_sync_action {
    match k {
        SyncActionKind::Upload => ftps_sync_action::Upload,
        SyncActionKind::Download => ftps_sync_action::Download,
        SyncActionKind::MakeDir => ftps_sync_action::MakeDir,
        SyncActionKind::Delete => ftps_sync_action::Delete,
        SyncActionKind::RemoveDir => ftps_sync_action::RemoveDir,
        SyncActionKind::SetMtime => ftps_sync_action::SetMtime,
        _ => ftps_sync_action::Unknown,
    }
}

fn reason_of(r: Option<SyncReason>) -> ftps_sync_reason {
    match r {
        Some(SyncReason::Missing) => ftps_sync_reason::Missing,
        Some(SyncReason::Size) => ftps_sync_reason::Size,
        Some(SyncReason::Mtime) => ftps_sync_reason::Mtime,
        Some(SyncReason::Hash) => ftps_sync_reason::Hash,
        _ => ftps_sync_reason::None,
    }
}

fn path_bytes(p: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        p.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        p.to_string_lossy().into_owned().into_bytes()
    }
}

/// A reason for C: the core's reasons are static text without NUL.
fn why(w: &str) -> CString {
    CString::new(w.replace('\0', " ")).unwrap_or_default()
}

fn step(kind: ftps_sync_action, path: Vec<u8>) -> Step {
    Step {
        kind,
        reason: ftps_sync_reason::None,
        path,
    }
}

impl From<SyncReport> for ftps_report {
    fn from(r: SyncReport) -> ftps_report {
        ftps_report {
            steps: r
                .actions
                .iter()
                .map(|a| Step {
                    kind: action_of(a.kind()),
                    reason: reason_of(a.reason()),
                    path: a.path().to_vec(),
                })
                .collect(),
            skipped: r
                .skipped
                .into_iter()
                .map(|(p, w)| (p.into_bytes(), why(w)))
                .collect(),
            bytes: r.bytes,
            dry_run: r.dry_run,
        }
    }
}

impl From<DirUpload> for ftps_report {
    fn from(r: DirUpload) -> ftps_report {
        let dirs = r
            .dirs
            .into_iter()
            .map(|d| step(ftps_sync_action::MakeDir, d));
        let files = r
            .files
            .into_iter()
            .map(|f| step(ftps_sync_action::Upload, f));
        ftps_report {
            steps: dirs.chain(files).collect(),
            skipped: r
                .skipped
                .iter()
                .map(|(p, w)| (path_bytes(p), why(w)))
                .collect(),
            bytes: r.bytes,
            dry_run: false,
        }
    }
}

impl From<DirDownload> for ftps_report {
    fn from(r: DirDownload) -> ftps_report {
        let local = |kind| move |p: PathBuf| step(kind, path_bytes(&p));
        let dirs = r.dirs.into_iter().map(local(ftps_sync_action::MakeDir));
        let files = r.files.into_iter().map(local(ftps_sync_action::Download));
        ftps_report {
            steps: dirs.chain(files).collect(),
            skipped: r.skipped.into_iter().map(|(p, w)| (p, why(w))).collect(),
            bytes: r.bytes,
            dry_run: false,
        }
    }
}

fn hand_out(report_out: *mut *mut ftps_report, r: impl Into<ftps_report>) {
    write_out(report_out, handle::into_raw(r.into()));
}

/// Downloads the files of the remote directory `remote` (`remote_len` bytes; NULL and
/// 0 for the current one) into the local directory `local_path` (NUL-terminated,
/// created when missing), and its subdirectories too when `recursive` (at most 32
/// levels). Names from the server are checked first: unsafe ones (`..`, separators,
/// drive letters, control bytes), duplicates and symbolic links are skipped and
/// reported, so every path written stays under `local_path`. Each file is written as
/// `ftps_client_download_path()` writes it (temporary file, verified, resumed as the
/// configuration says). On success writes a new report to `*report_out`, owned by the
/// caller (free with `ftps_report_free()`): the local directories created
/// (`FTPS_SYNC_ACTION_MAKE_DIR`), then the local files written
/// (`FTPS_SYNC_ACTION_DOWNLOAD`), as local paths; the skipped remote names.
///
/// A failing file stops the call with its error (the files before it stay written).
/// Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_BUSY`, `FTPS_RESULT_INVALID_ARGUMENT`, `FTPS_RESULT_IO` (local
/// file system), `FTPS_RESULT_INTEGRITY`, and the errors of `ftps_client_list()` and
/// `ftps_client_download_path()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_download_dir(
    client: *mut ftps_client,
    remote: *const c_char,
    remote_len: usize,
    local_path: *const c_char,
    recursive: bool,
    report_out: *mut *mut ftps_report,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let remote = opt_bytes_arg(remote, remote_len, "remote")?.unwrap_or_default();
            let local = path_arg(local_path, "local_path")?;
            check_out(report_out, "report_out")?;
            let r = st.conn()?.download_dir(remote, &local, recursive)?;
            hand_out(report_out, r);
            Ok(())
        })
    }
}

/// Uploads the files of the local directory `local_path` (NUL-terminated) into the
/// remote directory `remote` (`remote_len` bytes; NULL and 0 for the current one,
/// otherwise created with `MKD`; a refusal is taken to mean it exists), and its
/// subdirectories too when `recursive` (at most 32 levels). Local names that cannot
/// be sent (CR, LF, another control byte, a backslash) are skipped and reported, as
/// are temporary files of unfinished transfers; a symbolic link is never followed out
/// of the tree (a link to a file inside it is uploaded as that file, a link to a
/// directory is skipped). Each file is sent as `ftps_client_upload_path()` sends it
/// (verified, atomic and resumed as the configuration says). On success writes a new
/// report to `*report_out` (free with `ftps_report_free()`): the remote directories
/// created (`FTPS_SYNC_ACTION_MAKE_DIR`), then the remote files written
/// (`FTPS_SYNC_ACTION_UPLOAD`), as remote paths; the skipped local paths.
///
/// A failing file stops the call with its error. Errors as
/// `ftps_client_download_dir()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_upload_dir(
    client: *mut ftps_client,
    local_path: *const c_char,
    remote: *const c_char,
    remote_len: usize,
    recursive: bool,
    report_out: *mut *mut ftps_report,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let local = path_arg(local_path, "local_path")?;
            let remote = opt_bytes_arg(remote, remote_len, "remote")?.unwrap_or_default();
            check_out(report_out, "report_out")?;
            let r = st.conn()?.upload_dir(&local, remote, recursive)?;
            hand_out(report_out, r);
            Ok(())
        })
    }
}

fn direction_value(direction: u32) -> Result<SyncDirection, Failure> {
    match direction {
        1 => Ok(SyncDirection::Upload),
        2 => Ok(SyncDirection::Download),
        other => Err(Failure::invalid(format!(
            "direction {other} is not an ftps_sync_direction \
             (FTPS_SYNC_DIRECTION_UPLOAD or FTPS_SYNC_DIRECTION_DOWNLOAD)"
        ))),
    }
}

fn sync_options(flags: u32) -> Result<SyncOptions, Failure> {
    if flags & !SYNC_FLAGS != 0 {
        return Err(Failure::invalid(format!(
            "flags {flags:#x} hold bits this library does not know ({:#x}): \
             only FTPS_SYNC_* flags are accepted",
            flags & !SYNC_FLAGS
        )));
    }
    Ok(SyncOptions {
        delete: flags & FTPS_SYNC_DELETE != 0,
        dry_run: flags & FTPS_SYNC_DRY_RUN != 0,
        recursive: flags & FTPS_SYNC_TOP_ONLY == 0,
        preserve_mtime: flags & FTPS_SYNC_IGNORE_MTIME == 0,
    })
}

/// One-way synchronisation of the local directory `local_path` (NUL-terminated) and
/// the remote directory `remote` (`remote_len` bytes; NULL and 0 for the current
/// one): makes the destination (the server for `FTPS_SYNC_DIRECTION_UPLOAD`,
/// `local_path` for `FTPS_SYNC_DIRECTION_DOWNLOAD`; `direction` is one of
/// `ftps_sync_direction`) hold what the source holds, transferring only what differs.
///
/// A file is copied when the destination has none of that name, when the sizes
/// differ, or when the modification times differ at 1-second precision. When the
/// sizes are equal and the times differ or are unknown, the server's hash decides if
/// it offers one; with no hash and an unknown remote time, the same size counts as
/// the same file. Each copy gets its source's modification time (`MFMT` on the server
/// when offered). Names are checked on both sides as `ftps_client_download_dir()` and
/// `ftps_client_upload_dir()` check them; symbolic links, unsafe names and temporary
/// files are skipped, never written, compared or deleted. Files move as the
/// configuration says (verified, atomic, resumed).
///
/// `flags` is 0 (recursive, modification times compared and preserved, nothing
/// deleted) or a combination of `FTPS_SYNC_DELETE`, `FTPS_SYNC_DRY_RUN`,
/// `FTPS_SYNC_TOP_ONLY` and `FTPS_SYNC_IGNORE_MTIME`; an unknown bit is refused, never
/// ignored. On success writes a new report to `*report_out` (free with
/// `ftps_report_free()`): the steps with paths relative to the two directories (`/`
/// between components; empty for the destination directory itself), in the order
/// done, or with `FTPS_SYNC_DRY_RUN` the plan; the entries skipped with why.
///
/// A failing transfer or command stops the sync with its error; run it again to go
/// on (what was done is not done twice). Errors as `ftps_client_download_dir()`, and
/// `FTPS_RESULT_INVALID_ARGUMENT` for an unknown direction or flag.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_client_sync(
    client: *mut ftps_client,
    local_path: *const c_char,
    remote: *const c_char,
    remote_len: usize,
    direction: u32,
    flags: u32,
    report_out: *mut *mut ftps_report,
) -> ftps_result {
    ffi_panic_boundary! {
        call(client, |st| {
            let local = path_arg(local_path, "local_path")?;
            let remote = opt_bytes_arg(remote, remote_len, "remote")?.unwrap_or_default();
            let direction = direction_value(direction)?;
            let opts = sync_options(flags)?;
            check_out(report_out, "report_out")?;
            let r = st.conn()?.sync(&local, remote, direction, &opts)?;
            hand_out(report_out, r);
            Ok(())
        })
    }
}

/// Frees a report and every pointer its accessors gave out. NULL, or a report already
/// freed, is ignored.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_report_free(report: *mut ftps_report) {
    ffi_panic_boundary! {
        handle::free(report.cast_const(), |_| true)
    }
}

/// The number of steps; 0 for NULL or an invalid handle.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_report_count(report: *const ftps_report) -> usize {
    ffi_panic_boundary! {
        handle::get(report).map_or(0, |r| r.steps.len())
    }
}

/// The number of entries left alone; 0 for NULL or an invalid handle.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_report_skipped_count(report: *const ftps_report) -> usize {
    ffi_panic_boundary! {
        handle::get(report).map_or(0, |r| r.skipped.len())
    }
}

/// The bytes transferred in all; for a dry run, the sizes of the files that would be.
/// 0 for NULL or an invalid handle.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_report_bytes(report: *const ftps_report) -> u64 {
    ffi_panic_boundary! {
        handle::get(report).map_or(0, |r| r.bytes)
    }
}

/// True when the report is a plan (`FTPS_SYNC_DRY_RUN`): nothing was changed. False
/// for NULL or an invalid handle.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_report_dry_run(report: *const ftps_report) -> bool {
    ffi_panic_boundary! {
        handle::get(report).is_ok_and(|r| r.dry_run)
    }
}

/// Runs an accessor on item `index` of a report's list.
fn on_item<T>(
    report: *const ftps_report,
    list: impl FnOnce(&ftps_report) -> &[T],
    index: usize,
    f: impl FnOnce(&T) -> Result<(), Failure>,
) -> ftps_result {
    let r = match handle::get(report) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let out = match list(r).get(index) {
        Some(item) => f(item),
        None => Err(Failure::invalid("index out of range")),
    };
    out.err().map_or(ftps_result::Ok, |f| f.code)
}

/// Writes step `index` (0-based): what it did to `*kind_out`, why a file was copied
/// to `*reason_out` (`FTPS_SYNC_REASON_NONE` for other steps), and a pointer to its
/// path to `*path_out` and the path's length to `*path_len_out` (not NUL-terminated;
/// may be empty for the destination directory of a sync). Pointers are owned by the
/// report and valid until `ftps_report_free()`. Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_INVALID_ARGUMENT` (index out of range).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_report_action(
    report: *const ftps_report,
    index: usize,
    kind_out: *mut ftps_sync_action,
    reason_out: *mut ftps_sync_reason,
    path_out: *mut *const c_char,
    path_len_out: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        on_item(report, |r| &r.steps, index, |s| {
            check_out(kind_out, "kind_out")?;
            check_out(reason_out, "reason_out")?;
            check_out(path_out, "path_out")?;
            check_out(path_len_out, "path_len_out")?;
            write_out(kind_out, s.kind);
            write_out(reason_out, s.reason);
            write_out(path_out, s.path.as_ptr().cast());
            write_out(path_len_out, s.path.len());
            Ok(())
        })
    }
}

/// Writes entry `index` (0-based) of those left alone: a pointer to its path (as
/// `ftps_report_action()`) and to why, a NUL-terminated English sentence such as
/// `"symbolic link out of the tree"`. Both pointers are owned by the report. Errors as
/// `ftps_report_action()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_report_skipped(
    report: *const ftps_report,
    index: usize,
    path_out: *mut *const c_char,
    path_len_out: *mut usize,
    why_out: *mut *const c_char,
) -> ftps_result {
    ffi_panic_boundary! {
        on_item(report, |r| &r.skipped, index, |(path, why)| {
            check_out(path_out, "path_out")?;
            check_out(path_len_out, "path_len_out")?;
            check_out(why_out, "why_out")?;
            write_out(path_out, path.as_ptr().cast());
            write_out(path_len_out, path.len());
            write_out(why_out, why.as_ptr());
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_action_and_reason_has_a_c_value() {
        for k in SyncActionKind::ALL {
            assert_ne!(action_of(*k), ftps_sync_action::Unknown, "{k}");
        }
        for r in SyncReason::ALL {
            assert_ne!(reason_of(Some(*r)), ftps_sync_reason::None, "{r}");
        }
        assert_eq!(reason_of(None), ftps_sync_reason::None);
    }

    #[test]
    fn sync_flags_map_and_unknown_bits_are_refused() {
        assert_eq!(sync_options(0).unwrap(), SyncOptions::default());
        let all = sync_options(SYNC_FLAGS).unwrap();
        assert!(all.delete && all.dry_run && !all.recursive && !all.preserve_mtime);
        assert!(sync_options(16).is_err());
        assert!(direction_value(0).is_err());
        assert!(direction_value(3).is_err());
    }
}
