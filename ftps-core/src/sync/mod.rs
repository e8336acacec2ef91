//! Uploading a local tree ([`Client::upload_dir`], the mirror image of
//! [`Client::download_dir`]) and one-way synchronisation of a local and a remote tree
//! ([`Client::sync`]).
//!
//! Names are checked on both sides before they become paths (docs/threats.md, classes
//! H1, H2; for sync, H7): remote names through the same `plan` as
//! [`Client::download_dir`], local ones with [`unsafe_name_reason`] (a name with CR, LF,
//! a control byte or a backslash cannot be sent). Symbolic links are never followed out
//! of the local tree, nor into directories; remote ones are never touched. Temporary
//! files of unfinished transfers ([`is_partial_name`]) are left alone on both sides.
//! Every file moves with [`Client::upload_file`] or [`Client::download_file`], so it is
//! verified, atomic and resumed as the session says (classes G5, G6).
//!
//! [`unsafe_name_reason`]: crate::mirror::unsafe_name_reason

mod down;
mod local;
mod up;

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::client::{Client, is_partial_name};
use crate::error::Result;
use crate::list::Entry;
use crate::mirror::plan;
use crate::named::named_enum;
use crate::time::DateTime;

use local::lio;

/// The deepest a recursive upload or sync goes, as [`Client::download_dir`].
const MAX_DEPTH: usize = 32;

const PARTIAL: &str = "temporary file of an unfinished transfer";
const LINK_OUT: &str = "symbolic link out of the tree";
const LINK_DIR: &str = "symbolic link to a directory (never followed)";
const LINK_BROKEN: &str = "broken symbolic link";
const LINK_LEFT: &str = "symbolic link (left alone)";
const NOT_FILE: &str = "neither a file nor a directory";
const NOT_UNICODE: &str = "name is not valid Unicode";
const CONFLICT: &str = "a file on one side, a directory on the other";
const TOO_DEEP: &str = "too deep";
const KEPT_DIR: &str = "directory not removed: it holds entries sync leaves alone";
const MFMT_REFUSED: &str = "modification time not set: the server refused MFMT";
const LOCAL_MTIME: &str = "modification time of the local file not set";

/// What [`Client::upload_dir`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DirUpload {
    /// Remote files written, in the order they were uploaded.
    pub files: Vec<Vec<u8>>,
    /// Remote directories created (`MKD` succeeded).
    pub dirs: Vec<Vec<u8>>,
    /// Local entries left alone: the local path and why.
    pub skipped: Vec<(PathBuf, &'static str)>,
    /// Bytes sent in all.
    pub bytes: u64,
}

/// Which way [`Client::sync`] copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SyncDirection {
    /// The local tree is the source, the server's the destination.
    Upload,
    /// The server's tree is the source, the local one the destination.
    Download,
}

named_enum!(SyncDirection, "direction", [Upload => "upload", Download => "download"]);

/// Options of [`Client::sync`]. `Default`: no deleting, not a dry run, recursive,
/// modification times preserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOptions {
    /// Remove what the destination has and the source does not (files, and with
    /// `recursive` directories after their content). Default `false`.
    pub delete: bool,
    /// Change nothing (not even `MKD`): the report lists what would be done.
    pub dry_run: bool,
    /// Descend into subdirectories; without it only the files of the top directory
    /// are compared, and directories are neither created nor removed. Default `true`.
    pub recursive: bool,
    /// Give each copied file the modification time of its source (`MFMT` on the
    /// server when it offers it; `set_modified` locally), and compare modification
    /// times. Without it modification times are not compared at all. Default `true`.
    pub preserve_mtime: bool,
}

impl Default for SyncOptions {
    fn default() -> SyncOptions {
        SyncOptions {
            delete: false,
            dry_run: false,
            recursive: true,
            preserve_mtime: true,
        }
    }
}

/// Why [`Client::sync`] copies a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SyncReason {
    /// The destination has no entry of that name.
    Missing,
    /// The sizes differ (or the server gave none).
    Size,
    /// Same size, different modification times, and no hash to tell.
    Mtime,
    /// Same size, and the server's hash says the contents differ.
    Hash,
}

named_enum!(SyncReason, "sync reason", [
    Missing => "missing", Size => "size", Mtime => "mtime", Hash => "hash",
]);

/// The kind of a [`SyncAction`], with the names the faces use for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SyncActionKind {
    /// [`SyncAction::Upload`].
    Upload,
    /// [`SyncAction::Download`].
    Download,
    /// [`SyncAction::MakeDir`].
    MakeDir,
    /// [`SyncAction::Delete`].
    Delete,
    /// [`SyncAction::RemoveDir`].
    RemoveDir,
    /// [`SyncAction::SetMtime`].
    SetMtime,
}

named_enum!(SyncActionKind, "sync action", [
    Upload => "upload", Download => "download", MakeDir => "mkdir", Delete => "delete",
    RemoveDir => "rmdir", SetMtime => "set_mtime",
]);

/// One step of [`Client::sync`]. Each path is relative to the two directories synced,
/// as bytes with `/` between components; the empty path is the destination directory
/// itself (created when missing).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyncAction {
    /// A local file sent to the server.
    Upload {
        /// The relative path.
        path: Vec<u8>,
        /// Why it was sent.
        reason: SyncReason,
    },
    /// A remote file fetched.
    Download {
        /// The relative path.
        path: Vec<u8>,
        /// Why it was fetched.
        reason: SyncReason,
    },
    /// A directory created on the destination side.
    MakeDir {
        /// The relative path.
        path: Vec<u8>,
    },
    /// A file the source does not have, deleted on the destination side.
    Delete {
        /// The relative path.
        path: Vec<u8>,
    },
    /// A directory the source does not have, removed after its content.
    RemoveDir {
        /// The relative path.
        path: Vec<u8>,
    },
    /// A file the hash found equal, given the source's modification time.
    SetMtime {
        /// The relative path.
        path: Vec<u8>,
    },
}

impl SyncAction {
    /// The relative path the action is about (bytes, `/`-separated).
    pub fn path(&self) -> &[u8] {
        match self {
            SyncAction::Upload { path, .. }
            | SyncAction::Download { path, .. }
            | SyncAction::MakeDir { path }
            | SyncAction::Delete { path }
            | SyncAction::RemoveDir { path }
            | SyncAction::SetMtime { path } => path,
        }
    }

    /// What the action does.
    pub fn kind(&self) -> SyncActionKind {
        match self {
            SyncAction::Upload { .. } => SyncActionKind::Upload,
            SyncAction::Download { .. } => SyncActionKind::Download,
            SyncAction::MakeDir { .. } => SyncActionKind::MakeDir,
            SyncAction::Delete { .. } => SyncActionKind::Delete,
            SyncAction::RemoveDir { .. } => SyncActionKind::RemoveDir,
            SyncAction::SetMtime { .. } => SyncActionKind::SetMtime,
        }
    }

    /// Why a file is copied; `None` for the actions that copy nothing.
    pub fn reason(&self) -> Option<SyncReason> {
        match self {
            SyncAction::Upload { reason, .. } | SyncAction::Download { reason, .. } => {
                Some(*reason)
            }
            _ => None,
        }
    }
}

/// What [`Client::sync`] did, or in a dry run would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncReport {
    /// The actions, in the order they were done (or would be).
    pub actions: Vec<SyncAction>,
    /// Entries left alone, on either side: the relative path (lossy UTF-8) and why.
    /// Also a modification time that could not be set.
    pub skipped: Vec<(String, &'static str)>,
    /// Bytes transferred in all; in a dry run, the sizes of the files that would be.
    pub bytes: u64,
    /// True when nothing was changed: the actions are the plan.
    pub dry_run: bool,
}

/// A local entry that can be transferred or compared.
struct LocalEntry {
    name: Vec<u8>,
    /// The path to read: the entry itself, or for a symbolic link its canonical target.
    path: PathBuf,
    kind: LocalKind,
}

enum LocalKind {
    File { len: u64, mtime: Option<DateTime> },
    Dir,
}

impl LocalEntry {
    fn is_dir(&self) -> bool {
        matches!(self.kind, LocalKind::Dir)
    }
}

/// What to do with symbolic links in a local directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Links {
    /// A link to a file inside the (canonical) root counts as that file; the rest are
    /// skipped.
    InTree,
    /// Every link is skipped (the local side is written to, or deleted from).
    Never,
}

/// A local directory's entries, sorted by name, and the entries skipped with why.
type Scan = (Vec<LocalEntry>, Vec<(OsString, &'static str)>);

/// A remote directory's entries after `plan`, and the names skipped with why.
type Listed = (Vec<Entry>, Vec<(Vec<u8>, &'static str)>);

/// The verdict on a file present on both sides.
enum Verdict {
    Same,
    Transfer(SyncReason),
    FixMtime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mtimes {
    Same,
    Differ,
    Unknown,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The modification time of a remote entry when the listing gives it to the second:
/// an `MLSD`/`MLST` `modify` fact, or a `LIST` time written with seconds. `None`
/// otherwise (unknown).
fn precise_mtime(e: &Entry) -> Option<DateTime> {
    let t = e.modified?;
    if !e.facts.is_empty() {
        // MLSx: `modified` comes from the `modify` fact, a full time-val.
        return Some(t);
    }
    let head = e.raw.strip_suffix(e.name.as_slice())?;
    head.windows(8)
        .any(|w| {
            matches!(w, [h1, h2, b':', m1, m2, b':', s1, s2]
                if [h1, h2, m1, m2, s1, s2].iter().all(|d| d.is_ascii_digit()))
        })
        .then_some(t)
}

fn compare_mtimes(a: Option<DateTime>, b: Option<DateTime>) -> Mtimes {
    match (a, b) {
        (Some(a), Some(b)) if a.truncate_to_seconds() == b.truncate_to_seconds() => Mtimes::Same,
        (Some(_), Some(_)) => Mtimes::Differ,
        _ => Mtimes::Unknown,
    }
}

/// The state of one [`Client::sync`] call.
struct Run<'a> {
    opts: &'a SyncOptions,
    /// The canonical local root (empty when it does not exist yet).
    root: PathBuf,
    /// Whether the server offers `MFMT`.
    mfmt: bool,
    /// The direction of the sync.
    direction: SyncDirection,
    report: SyncReport,
}

impl Run<'_> {
    fn skip(&mut self, path: &[u8], why: &'static str) {
        self.report.skipped.push((text(path), why));
    }

    fn act(&mut self, a: SyncAction) {
        self.report.actions.push(a);
    }

    fn dry(&self) -> bool {
        self.opts.dry_run
    }
}

impl Client {
    /// Uploads the files of `local_dir` into `remote_dir`, and its subdirectories too
    /// when `recursive` (at most 32 levels deep); the mirror image of
    /// [`Client::download_dir`]. Each file is sent with [`Client::upload_file`] (the
    /// session's verify, atomic and resume settings apply).
    ///
    /// Remote directories are created with `MKD`, `remote_dir` too unless it is empty
    /// (the current directory); a `5xx` refusal is taken to mean the directory exists
    /// already (its uploads then fail if it does not).
    ///
    /// Local names are checked as [`Client::download_dir`] checks remote ones
    /// ([`unsafe_name_reason`]): a name with CR, LF, another control byte or a
    /// backslash cannot be sent and is skipped with the reason, as are temporary files
    /// of unfinished transfers ([`is_partial_name`]). Symbolic links are never followed
    /// out of the tree: a link whose canonical target is outside the canonical
    /// `local_dir` is skipped, a link to a file inside it is uploaded as that file, a
    /// link to a directory is skipped (it could loop).
    ///
    /// [`unsafe_name_reason`]: crate::mirror::unsafe_name_reason
    pub fn upload_dir(
        &mut self,
        local_dir: impl AsRef<Path>,
        remote_dir: impl AsRef<[u8]>,
        recursive: bool,
    ) -> Result<DirUpload> {
        let (local, remote) = (local_dir.as_ref(), remote_dir.as_ref());
        let root = fs::canonicalize(local).map_err(lio(local))?;
        if !root.is_dir() {
            return Err(lio(local)(io::Error::new(
                io::ErrorKind::NotADirectory,
                "not a directory",
            )));
        }
        let mut out = DirUpload::default();
        if !remote.is_empty() {
            self.make_remote_dir(remote, &mut out)?;
        }
        self.upload_dir_into(local, &root, remote, recursive, 0, &mut out)?;
        Ok(out)
    }

    /// One-way synchronisation: makes the destination (the server for
    /// [`SyncDirection::Upload`], `local_dir` for [`SyncDirection::Download`]) hold
    /// what the source holds, transferring only what differs.
    ///
    /// A file is copied when the destination has none of that name
    /// ([`SyncReason::Missing`]), when the sizes differ ([`SyncReason::Size`]), or when
    /// the modification times differ at 1-second precision ([`SyncReason::Mtime`]). A
    /// remote time is known only when the listing gives it to the second (an `MLSD`
    /// `modify` fact, a `LIST` time with seconds); otherwise it is unknown. When the
    /// sizes are equal and the times differ or are unknown, and the server offers a
    /// hash, the hash decides: different contents are copied ([`SyncReason::Hash`]),
    /// equal ones are not, and only get the source's time
    /// ([`SyncAction::SetMtime`]) when the times differed. **With no hash and an
    /// unknown time, the same size counts as the same file.** Uploading to a server
    /// without `MFMT` (vsftpd, many embedded servers), where a remote file's time is
    /// that of its upload, a remote file newer than the local one counts as uploaded
    /// since the local change (a second run does not send everything again); an
    /// older one is sent ([`SyncReason::Mtime`]). Without
    /// [`SyncOptions::preserve_mtime`] times are not compared (the size, then the hash
    /// when offered, decides).
    ///
    /// After each upload the remote file gets the local file's time with `MFMT` when
    /// the server offers it (a refusal is reported in [`SyncReport::skipped`]); after
    /// each download the local file gets the remote time (from the listing, else from
    /// `MDTM`). Files move with [`Client::upload_file`] / [`Client::download_file`]
    /// and the session's verify, atomic and resume settings.
    ///
    /// Names are checked on both sides as [`Client::download_dir`] and
    /// [`Client::upload_dir`] do; unsafe names, duplicate remote names, symbolic links
    /// (remote ones always; local ones as [`Client::upload_dir`] treats them when
    /// uploading, all of them when downloading), temporary files of unfinished
    /// transfers, and a name that is a file on one side and a directory on the other
    /// are skipped with the reason and never written, compared or deleted. A missing
    /// destination directory is created (`MKD`, `create_dir`); on the server that is
    /// one whose listing is refused with a `5xx`.
    ///
    /// With [`SyncOptions::delete`], destination files the source does not have are
    /// deleted (`DELE`, `remove_file`), and destination directories after their
    /// content (`RMD`, `remove_dir`); a directory holding anything sync leaves alone is
    /// kept. Deleting comes after the transfers of each directory.
    ///
    /// A failing transfer or command stops the sync with its error; the report of what
    /// was done until then is lost (run it again: what was done is not done twice).
    pub fn sync(
        &mut self,
        local_dir: impl AsRef<Path>,
        remote_dir: impl AsRef<[u8]>,
        direction: SyncDirection,
        opts: &SyncOptions,
    ) -> Result<SyncReport> {
        let (local, remote) = (local_dir.as_ref(), remote_dir.as_ref());
        let mut run = Run {
            opts,
            root: PathBuf::new(),
            mfmt: self.features().has("MFMT"),
            direction,
            report: SyncReport {
                dry_run: opts.dry_run,
                ..SyncReport::default()
            },
        };
        match direction {
            SyncDirection::Upload => {
                run.root = fs::canonicalize(local).map_err(lio(local))?;
                if !run.root.is_dir() {
                    return Err(lio(local)(io::Error::new(
                        io::ErrorKind::NotADirectory,
                        "not a directory",
                    )));
                }
                self.sync_up(&mut run, b"", local, remote, true, 0)?;
            }
            SyncDirection::Download => {
                let exists = match fs::metadata(local) {
                    Ok(m) if m.is_dir() => true,
                    Ok(_) => {
                        return Err(lio(local)(io::Error::new(
                            io::ErrorKind::NotADirectory,
                            "not a directory",
                        )));
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => false,
                    Err(e) => return Err(lio(local)(e)),
                };
                if !exists {
                    if !opts.dry_run {
                        fs::create_dir_all(local).map_err(lio(local))?;
                    }
                    run.act(SyncAction::MakeDir { path: Vec::new() });
                }
                let done = self.sync_down(&mut run, b"", local, exists, remote, 0);
                if done.is_err() && !exists && !opts.dry_run {
                    // Made for nothing (the source is missing): removed if still empty.
                    let _ = fs::remove_dir(local);
                }
                done?;
            }
        }
        Ok(run.report)
    }

    /// The listing of a remote directory after `plan`, with temporary names moved to
    /// the skipped ones.
    fn remote_entries(&mut self, dir: &[u8]) -> Result<Listed> {
        let entries = self.list(Some(dir).filter(|d| !d.is_empty()))?.entries;
        let (mut keep, mut skipped) = plan(entries);
        keep.sort_by(|a, b| a.name.cmp(&b.name));
        let mut files = Vec::with_capacity(keep.len());
        for e in keep {
            if is_partial_name(&e.name) {
                skipped.push((e.name, PARTIAL));
            } else {
                files.push(e);
            }
        }
        Ok((files, skipped))
    }

    /// Whether a file both sides have must be copied: size, then modification time,
    /// then the server's hash.
    fn verdict(
        &mut self,
        run: &Run<'_>,
        local: &Path,
        len: u64,
        local_mtime: Option<DateTime>,
        remote: &Entry,
        remote_path: &[u8],
    ) -> Result<Verdict> {
        let size = match remote.size {
            Some(s) => Some(s),
            None => match self.size(remote_path) {
                Ok(s) => Some(s),
                Err(e) if e.is_fatal() => return Err(e),
                Err(_) => None,
            },
        };
        if size != Some(len) {
            return Ok(Verdict::Transfer(SyncReason::Size));
        }
        let remote_mtime = precise_mtime(remote);
        let mtimes = if run.opts.preserve_mtime {
            compare_mtimes(local_mtime, remote_mtime)
        } else {
            Mtimes::Unknown
        };
        if mtimes == Mtimes::Same {
            return Ok(Verdict::Same);
        }
        // A server without MFMT gives an uploaded file the time of the upload: a
        // remote file newer than the local one was written after the local change.
        let uploaded_since = run.direction == SyncDirection::Upload
            && !run.mfmt
            && matches!((local_mtime, remote_mtime), (Some(l), Some(r)) if r > l);
        Ok(match self.same_content(local, remote_path)? {
            Some(true) if mtimes == Mtimes::Differ => Verdict::FixMtime,
            Some(true) => Verdict::Same,
            Some(false) => Verdict::Transfer(SyncReason::Hash),
            None if mtimes == Mtimes::Differ && !uploaded_since => {
                Verdict::Transfer(SyncReason::Mtime)
            }
            None => Verdict::Same,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::{parse_list_line, parse_mlsx_line};

    fn dt(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> DateTime {
        DateTime::new(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn h7_a_remote_time_is_known_only_to_the_second() {
        let now = dt(2026, 12, 1, 0, 0, 0);
        let mlsd = parse_mlsx_line(b"type=file;size=1;modify=20261125035217; a").unwrap();
        assert_eq!(precise_mtime(&mlsd), Some(dt(2026, 11, 25, 3, 52, 17)));
        let no_modify = parse_mlsx_line(b"type=file;size=1; a").unwrap();
        assert_eq!(precise_mtime(&no_modify), None);
        let minutes = parse_list_line(b"-rw-r--r-- 1 u g 6 Nov 25 03:52 a", now).unwrap();
        assert!(minutes.modified.is_some());
        assert_eq!(precise_mtime(&minutes), None);
        let seconds = parse_list_line(b"-rw-r--r-- 1 u g 6 2026-11-25 03:52:17 a", now).unwrap();
        assert_eq!(precise_mtime(&seconds), Some(dt(2026, 11, 25, 3, 52, 17)));
        // A name that looks like a time does not make a time precise.
        let named = parse_list_line(b"-rw-r--r-- 1 u g 6 Nov 25 03:52 12:00:00", now).unwrap();
        assert_eq!(precise_mtime(&named), None);
    }

    #[test]
    fn h7_mtimes_compare_at_one_second() {
        let a = dt(2026, 1, 1, 0, 0, 5);
        let b = a.with_nanosecond(900_000_000).unwrap();
        assert_eq!(compare_mtimes(Some(a), Some(b)), Mtimes::Same);
        assert_eq!(
            compare_mtimes(Some(a), Some(dt(2026, 1, 1, 0, 0, 6))),
            Mtimes::Differ
        );
        assert_eq!(compare_mtimes(Some(a), None), Mtimes::Unknown);
    }

    #[test]
    fn sync_direction_names() {
        assert_eq!(
            "upload".parse::<SyncDirection>().unwrap(),
            SyncDirection::Upload
        );
        assert_eq!(SyncDirection::Download.to_string(), "download");
        assert!("both".parse::<SyncDirection>().is_err());
    }
}
