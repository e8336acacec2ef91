//! The local side of [`Client::upload_dir`] and [`Client::sync`]: names, modification
//! times, directory scans and removal.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::Path;

use super::{
    KEPT_DIR, LINK_BROKEN, LINK_DIR, LINK_LEFT, LINK_OUT, Links, LocalEntry, LocalKind, MAX_DEPTH,
    NOT_FILE, NOT_UNICODE, PARTIAL, Run, Scan, SyncAction, TOO_DEEP,
};
use crate::client::is_partial_name;
use crate::error::{Error, Result};
use crate::mirror::{join_remote, unsafe_name_reason};
use crate::time::DateTime;

pub(super) fn lio(path: &Path) -> impl Fn(io::Error) -> Error + '_ {
    move |e| Error::LocalIo {
        path: path.to_path_buf(),
        source: e,
    }
}

/// The bytes of a local name as sent to the server; `None` where names are not bytes
/// (not Unix) and this one is not valid Unicode.
fn name_bytes(name: &OsStr) -> Option<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(name.as_bytes().to_vec())
    }
    #[cfg(not(unix))]
    {
        name.to_str().map(|s| s.as_bytes().to_vec())
    }
}

/// `rel` joined with a skipped local name, for a report.
pub(super) fn join_os(rel: &[u8], name: &OsStr) -> Vec<u8> {
    join_remote(rel, name.to_string_lossy().as_bytes())
}

fn mtime_of(meta: &fs::Metadata) -> Option<DateTime> {
    meta.modified().ok().and_then(DateTime::from_system_time)
}

/// Reads a local directory: names checked, temporary files and symbolic links handled
/// as `links` says. `root` is the canonical root of the tree (for [`Links::InTree`]).
pub(super) fn scan_local(dir: &Path, root: &Path, links: Links) -> Result<Scan> {
    let mut items = Vec::new();
    for de in fs::read_dir(dir).map_err(lio(dir))? {
        items.push(de.map_err(lio(dir))?);
    }
    items.sort_by_key(fs::DirEntry::file_name);
    let mut keep = Vec::new();
    let mut skipped = Vec::new();
    for de in items {
        let os = de.file_name();
        let path = de.path();
        let Some(name) = name_bytes(&os) else {
            skipped.push((os, NOT_UNICODE));
            continue;
        };
        if let Some(why) = unsafe_name_reason(&name) {
            skipped.push((os, why));
            continue;
        }
        if is_partial_name(&name) {
            skipped.push((os, PARTIAL));
            continue;
        }
        let ft = de.file_type().map_err(lio(&path))?;
        let (path, meta) = if ft.is_symlink() {
            if links == Links::Never {
                skipped.push((os, LINK_LEFT));
                continue;
            }
            let Ok(target) = fs::canonicalize(&path) else {
                skipped.push((os, LINK_BROKEN));
                continue;
            };
            if !target.starts_with(root) {
                skipped.push((os, LINK_OUT));
                continue;
            }
            let meta = fs::metadata(&target).map_err(lio(&path))?;
            if meta.is_dir() {
                skipped.push((os, LINK_DIR));
                continue;
            }
            (target, meta)
        } else {
            let meta = fs::symlink_metadata(&path).map_err(lio(&path))?;
            (path, meta)
        };
        let kind = if meta.is_dir() {
            LocalKind::Dir
        } else if meta.is_file() {
            LocalKind::File {
                len: meta.len(),
                mtime: mtime_of(&meta),
            }
        } else {
            skipped.push((os, NOT_FILE));
            continue;
        };
        keep.push(LocalEntry { name, path, kind });
    }
    Ok((keep, skipped))
}

pub(super) fn set_local_mtime(path: &Path, t: DateTime) -> io::Result<()> {
    let when = t
        .checked_to_system_time()
        .ok_or_else(|| io::Error::other("time out of range"))?;
    fs::OpenOptions::new()
        .write(true)
        .open(path)?
        .set_modified(when)
}

/// Deletes a local directory the server does not have: its files, its subdirectories,
/// then itself, unless it holds something sync leaves alone (a symbolic link, a
/// temporary file, a name that could not be sent). Returns whether it was (or in a dry
/// run would be) removed.
pub(super) fn remove_local_tree(
    run: &mut Run<'_>,
    rel: &[u8],
    dir: &Path,
    depth: usize,
) -> Result<bool> {
    if depth > MAX_DEPTH {
        run.skip(rel, TOO_DEEP);
        return Ok(false);
    }
    let (entries, skipped) = scan_local(dir, Path::new(""), Links::Never)?;
    let mut clean = skipped.is_empty();
    for (n, why) in skipped {
        run.skip(&join_os(rel, &n), why);
    }
    // Files first, then subdirectories, as the transfers go.
    let (dirs, files): (Vec<&LocalEntry>, Vec<&LocalEntry>) =
        entries.iter().partition(|l| l.is_dir());
    for l in files {
        if !run.dry() {
            fs::remove_file(&l.path).map_err(lio(&l.path))?;
        }
        run.act(SyncAction::Delete {
            path: join_remote(rel, &l.name),
        });
    }
    for l in dirs {
        clean &= remove_local_tree(run, &join_remote(rel, &l.name), &l.path, depth + 1)?;
    }
    if clean {
        if !run.dry() {
            fs::remove_dir(dir).map_err(lio(dir))?;
        }
        run.act(SyncAction::RemoveDir { path: rel.to_vec() });
    } else {
        run.skip(rel, KEPT_DIR);
    }
    Ok(clean)
}
