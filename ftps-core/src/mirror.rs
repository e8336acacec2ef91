//! Downloading a remote directory into a local one, with the names the server sends
//! checked before any of them becomes a local path (docs/threats.md, classes H1, H2).

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::list::{Entry, EntryKind};

/// The deepest a recursive directory download goes.
const MAX_DEPTH: usize = 32;

/// What [`Client::download_dir`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DirDownload {
    /// Local files written, in listing order.
    pub files: Vec<PathBuf>,
    /// Local directories created.
    pub dirs: Vec<PathBuf>,
    /// Listing entries left alone: the remote path (bytes) and why.
    pub skipped: Vec<(Vec<u8>, &'static str)>,
    /// Bytes written in all.
    pub bytes: u64,
}

/// Checks that a name from a listing can be used as one local path component:
/// not empty, not `.` or `..`, no `/` or `\`, no drive letter, no control byte.
/// Returns the reason when it cannot.
pub fn unsafe_name_reason(name: &[u8]) -> Option<&'static str> {
    match name {
        [] => Some("empty name"),
        b"." | b".." => Some("dot or dot-dot"),
        _ if name.iter().any(|&b| b == b'/' || b == b'\\') => Some("contains a path separator"),
        _ if name.iter().any(|&b| b < 0x20 || b == 0x7f) => Some("contains a control byte"),
        [d, b':', ..] if d.is_ascii_alphabetic() => Some("starts with a drive letter"),
        _ => None,
    }
}

/// Sorts a listing into what can be downloaded: unsafe names, duplicates (all copies)
/// and symbolic links are skipped with a reason; `.` and `..` entries are dropped.
pub fn plan(entries: Vec<Entry>) -> (Vec<Entry>, Vec<(Vec<u8>, &'static str)>) {
    let mut seen = HashSet::new();
    let mut dup = HashSet::new();
    for e in &entries {
        if !seen.insert(e.name.clone()) {
            dup.insert(e.name.clone());
        }
    }
    let mut keep = Vec::new();
    let mut skipped = Vec::new();
    for e in entries {
        if matches!(e.kind, EntryKind::CurrentDir | EntryKind::ParentDir) {
            continue;
        }
        let why = unsafe_name_reason(&e.name)
            .or_else(|| {
                dup.contains(&e.name)
                    .then_some("duplicate name in the listing")
            })
            .or_else(|| {
                (e.kind == EntryKind::Symlink).then_some("symbolic link (never created locally)")
            })
            .or_else(|| (!e.is_file() && !e.is_dir()).then_some("neither a file nor a directory"));
        match why {
            Some(w) => skipped.push((e.name, w)),
            None => keep.push(e),
        }
    }
    (keep, skipped)
}

pub(crate) fn local_component(name: &[u8]) -> OsString {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        OsString::from_vec(name.to_vec())
    }
    #[cfg(not(unix))]
    {
        OsString::from(String::from_utf8_lossy(name).into_owned())
    }
}

pub(crate) fn join_remote(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = dir.to_vec();
    if !p.is_empty() && !p.ends_with(b"/") {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

impl Client {
    /// For a directory whose listing came back empty: `None` when it exists, else the
    /// error that says it does not. vsftpd answers `LIST` of a missing directory like
    /// that of an empty one (`226`, no lines), so an empty listing proves nothing: a
    /// mistyped source must not read as an empty tree (a sync with `delete` would then
    /// empty the destination). Asks `MLST` where offered, else goes into the directory
    /// with `CWD` and back.
    pub(crate) fn remote_dir_missing(&mut self, dir: &[u8]) -> Result<Option<Error>> {
        if dir.is_empty() {
            return Ok(None);
        }
        if self.features().has("MLST") {
            return match self.mlst(dir) {
                Ok(e) if matches!(e.kind, EntryKind::Dir | EntryKind::CurrentDir) => Ok(None),
                Ok(_) => Ok(Some(Error::invalid(
                    "remote directory",
                    format!(
                        "{} is not a directory (MLST says so)",
                        String::from_utf8_lossy(dir)
                    ),
                ))),
                Err(e @ Error::Reply { .. }) if e.reply().is_some_and(|r| r.is_permanent()) => {
                    Ok(Some(e))
                }
                Err(e) => Err(e),
            };
        }
        let back = self.pwd()?;
        match self.cwd(dir) {
            Ok(()) => {
                self.cwd(back)?;
                Ok(None)
            }
            Err(e @ Error::Reply { .. }) if e.reply().is_some_and(|r| r.is_permanent()) => {
                Ok(Some(e))
            }
            Err(e) => Err(e),
        }
    }

    /// Downloads the files of `remote_dir` into `local_dir` (created when missing), and
    /// its subdirectories too when `recursive`. Names from the server are checked first:
    /// unsafe ones (`..`, separators, drive letters, control bytes), duplicates and
    /// symbolic links are skipped and reported, so every path written stays under
    /// `local_dir`. Each file is written as [`Client::download_file`] does.
    pub fn download_dir(
        &mut self,
        remote_dir: impl AsRef<[u8]>,
        local_dir: impl AsRef<Path>,
        recursive: bool,
    ) -> Result<DirDownload> {
        let mut out = DirDownload::default();
        self.download_dir_into(
            remote_dir.as_ref(),
            local_dir.as_ref(),
            recursive,
            0,
            &mut out,
        )?;
        Ok(out)
    }

    fn download_dir_into(
        &mut self,
        remote_dir: &[u8],
        local_dir: &Path,
        recursive: bool,
        depth: usize,
        out: &mut DirDownload,
    ) -> Result<()> {
        if depth > MAX_DEPTH {
            out.skipped.push((remote_dir.to_vec(), "too deep"));
            return Ok(());
        }
        let entries = self
            .list(Some(remote_dir).filter(|d| !d.is_empty()))?
            .entries;
        if depth == 0
            && entries.is_empty()
            && let Some(missing) = self.remote_dir_missing(remote_dir)?
        {
            return Err(missing);
        }
        std::fs::create_dir_all(local_dir).map_err(|e| Error::LocalIo {
            path: local_dir.to_path_buf(),
            source: e,
        })?;
        let (keep, skipped) = plan(entries);
        out.skipped.extend(
            skipped
                .into_iter()
                .map(|(n, w)| (join_remote(remote_dir, &n), w)),
        );
        for e in keep {
            let remote = join_remote(remote_dir, &e.name);
            let local = local_dir.join(local_component(&e.name));
            if e.is_dir() {
                if recursive {
                    out.dirs.push(local.clone());
                    self.download_dir_into(&remote, &local, true, depth + 1, out)?;
                }
                continue;
            }
            out.bytes += self.download_file(&remote, &local, false, None)?;
            out.files.push(local);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &[u8], kind: EntryKind) -> Entry {
        Entry {
            name: name.to_vec(),
            kind,
            size: None,
            modified: None,
            link_target: None,
            permissions: None,
            facts: Vec::new(),
            raw: name.to_vec(),
        }
    }

    #[test]
    fn h1_unsafe_names_never_become_local_paths() {
        for bad in [
            &b".."[..],
            b".",
            b"",
            b"../etc/passwd",
            b"/etc/passwd",
            b"a/b",
            b"..\\win.ini",
            b"C:autoexec.bat",
            b"c:\\x",
            b"tab\there",
            b"nl\nhere",
            b"nul\0here",
            b"del\x7f",
        ] {
            assert!(
                unsafe_name_reason(bad).is_some(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        for good in [
            &b"report.pdf"[..],
            b"..hidden",
            b"a..b",
            b"caf\xe9",
            b"1:2",
            b"ab:c",
        ] {
            assert!(
                unsafe_name_reason(good).is_none(),
                "{:?}",
                String::from_utf8_lossy(good)
            );
        }
    }

    #[test]
    fn h2_symlinks_and_duplicates_are_refused() {
        let (keep, skipped) = plan(vec![
            entry(b".", EntryKind::CurrentDir),
            entry(b"ok", EntryKind::File),
            entry(b"link", EntryKind::Symlink),
            entry(b"twice", EntryKind::File),
            entry(b"twice", EntryKind::Dir),
            entry(b"../up", EntryKind::File),
            entry(b"sub", EntryKind::Dir),
        ]);
        let kept: Vec<&[u8]> = keep.iter().map(|e| e.name.as_slice()).collect();
        assert_eq!(kept, vec![&b"ok"[..], b"sub"]);
        let names: Vec<&[u8]> = skipped.iter().map(|(n, _)| n.as_slice()).collect();
        assert_eq!(names, vec![&b"link"[..], b"twice", b"twice", b"../up"]);
    }

    #[test]
    fn remote_paths_join_with_one_slash() {
        assert_eq!(join_remote(b"", b"a"), b"a");
        assert_eq!(join_remote(b"/x", b"a"), b"/x/a");
        assert_eq!(join_remote(b"/x/", b"a"), b"/x/a");
    }
}
