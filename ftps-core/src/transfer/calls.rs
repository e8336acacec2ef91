//! One attempt of a whole download into a writer or a whole upload from a reader, with
//! progress and cancellation; the options of the convenience calls; the temporary file of
//! a download. Verification, atomic uploads and automatic resume are the client's
//! (`crate::client::files`): they need to reconnect.

use std::fs;
#[cfg(test)]
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::{ActiveTransfer, Dest, Transfer, UploadMode};
use crate::config::Verify;
use crate::data::DataStream;
use crate::error::{Error, Result};

/// A progress callback: bytes moved so far, total when known; return `false` to cancel.
pub type Progress<'a> = &'a mut dyn FnMut(u64, Option<u64>) -> bool;

/// Options of the convenience transfer calls ([`crate::Client::download`],
/// [`crate::Client::upload`], [`crate::Client::download_file_with`],
/// [`crate::Client::upload_file_with`]). `Default` is: from the start, no resume of a
/// local file, the session's `verify`, `atomic_uploads` and `resume_attempts`, no
/// progress callback.
#[derive(Default)]
pub struct TransferOptions<'a> {
    /// Start at this byte offset (`REST`): skip that much of the remote file on
    /// download, overwrite from there on upload (the reader and writer calls).
    pub offset: u64,
    /// The file calls: continue a partial file (a local one on download, from its
    /// length; the remote one on upload, from its `SIZE`) instead of starting over.
    pub resume: bool,
    /// How the transfer is checked afterwards; `None`: the session's
    /// ([`crate::ConfigBuilder::verify`]).
    pub verify: Option<Verify>,
    /// Uploads: to a temporary name first, renamed onto the target once verified;
    /// `None`: the session's ([`crate::ConfigBuilder::atomic_uploads`]).
    pub atomic: Option<bool>,
    /// How many times to reconnect and resume after a lost connection; `None`: the
    /// session's ([`crate::ConfigBuilder::resume_attempts`]).
    pub resume_attempts: Option<u32>,
    /// Called after each chunk with the bytes this call moved so far and the total
    /// when known, and once more before each automatic resume; returning `false`
    /// cancels the transfer (`ABOR`).
    pub progress: Option<Progress<'a>>,
}

impl std::fmt::Debug for TransferOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferOptions")
            .field("offset", &self.offset)
            .field("resume", &self.resume)
            .field("verify", &self.verify)
            .field("atomic", &self.atomic)
            .field("resume_attempts", &self.resume_attempts)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl Transfer<'_> {
    /// Downloads `path` from `offset` on into `out`, in one attempt; returns the bytes
    /// written. `size` is the file's size when the caller knows it (see
    /// [`Transfer::start_download`]).
    pub(crate) fn download(
        &mut self,
        path: &[u8],
        out: &mut dyn Write,
        offset: u64,
        progress: Option<Progress<'_>>,
        size: Option<u64>,
    ) -> Result<u64> {
        let mut progress = progress;
        self.start_download(path, offset, size)?;
        let total = self.state.active.as_ref().and_then(ActiveTransfer::to_come);
        // Only a clear-text data connection reads through this buffer.
        let plain = matches!(
            self.state.active.as_ref().map(|t| &t.stream),
            Some(DataStream::Plain(_))
        );
        // Callbacks get pieces no larger than the session's buffer size.
        let limit = self.session.config().inner.buffer_size;
        let mut scratch = vec![0u8; if plain { limit } else { 0 }];
        let mut done = 0u64;
        loop {
            let n = self.next_data(Dest::Writer {
                out,
                scratch: &mut scratch,
                limit,
            })?;
            if n == 0 {
                break;
            }
            done += n as u64;
            if let Some(p) = progress.as_mut()
                && !p(done, total)
            {
                self.abort()?;
                return Err(Error::Cancelled);
            }
        }
        self.finish()?;
        Ok(done)
    }

    /// Uploads everything `input` yields to `path` as `mode` says, in one attempt;
    /// returns the bytes sent. For [`UploadMode::At`] `input` must already be positioned
    /// at the matching place. `total` is what the progress callback is told.
    pub(crate) fn upload(
        &mut self,
        input: &mut dyn Read,
        path: &[u8],
        mode: UploadMode,
        progress: Option<Progress<'_>>,
        total: Option<u64>,
    ) -> Result<u64> {
        let mut progress = progress;
        self.start_upload(path, mode)?;
        let mut buf = page_aligned(self.session.config().inner.buffer_size);
        let buf = buf.slice();
        let mut done = 0u64;
        loop {
            let n = match input.read(buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let _ = self.abort();
                    return Err(Error::LocalIo {
                        path: PathBuf::from("<reader>"),
                        source: e,
                    });
                }
            };
            let mut chunk = &buf[..n];
            while !chunk.is_empty() {
                let w = self.write_data(chunk)?;
                chunk = &chunk[w..];
            }
            done += n as u64;
            if let Some(p) = progress.as_mut()
                && !p(done, total)
            {
                self.abort()?;
                return Err(Error::Cancelled);
            }
        }
        self.finish()?;
        Ok(done)
    }
}

/// A new temporary file for a download to `local`, in the same directory (so that the
/// final rename stays on one file system), named `.NAME.XXXXXX.ftps-part`. On Unix it
/// gets the permissions a new `local` would (`0o666` less the umask), which it keeps
/// once it replaces `local`.
pub(crate) fn temp_file(local: &Path) -> Result<tempfile::NamedTempFile> {
    let name = local
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "download".into());
    // The directory `local` names its file in (`.` for a bare name).
    let sibling = local.with_file_name("x");
    let dir = match sibling.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let prefix = format!(".{name}.");
    let mut b = tempfile::Builder::new();
    b.prefix(&prefix).suffix(".ftps-part");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(fs::Permissions::from_mode(0o666));
    }
    b.tempfile_in(dir).map_err(|e| Error::LocalIo {
        path: dir.join(format!(".{name}.*.ftps-part")),
        source: e,
    })
}

/// A buffer that starts on a page boundary. The kernel copies file data with
/// `rep movsb`, which on AMD Zen runs ~20x slower when source and destination are
/// 1-31 bytes apart modulo 4 KiB, as a page-cache page and a `malloc`ed buffer
/// (16 bytes past a page start) are.
struct PageAligned {
    buf: Vec<u8>,
    off: usize,
    len: usize,
}

impl PageAligned {
    fn slice(&mut self) -> &mut [u8] {
        &mut self.buf[self.off..self.off + self.len]
    }
}

fn page_aligned(len: usize) -> PageAligned {
    const PAGE: usize = 4096;
    let buf = vec![0u8; len + PAGE];
    let off = buf.as_ptr().align_offset(PAGE).min(PAGE);
    PageAligned { buf, off, len }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_files_sit_beside_the_target_with_its_permissions_and_go_unless_persisted() {
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("data.csv");
        let t = temp_file(&local).unwrap();
        let name = t.path().file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(".data.csv.") && name.ends_with(".ftps-part"),
            "{name}"
        );
        assert_eq!(t.path().parent(), Some(dir.path()));
        // A file made the way the download made its file before.
        let plain = dir.path().join("plain");
        File::create(&plain).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(t.path()), mode(&plain));
        }
        // Dropped (a failed download): gone.
        let path = t.path().to_path_buf();
        drop(t);
        assert!(!path.exists());
        // Persisted: it is the target, and nothing else is left.
        fs::write(&local, b"old").unwrap();
        let mut t = temp_file(&local).unwrap();
        t.write_all(b"new").unwrap();
        t.persist(&local).unwrap();
        assert_eq!(fs::read(&local).unwrap(), b"new");
        let mut left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        left.sort();
        assert_eq!(left, ["data.csv", "plain"]);
    }

    #[test]
    fn a_bare_name_gets_its_temp_file_in_the_current_directory() {
        let t = temp_file(Path::new("ftps-core-bare-name-test")).unwrap();
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(t.path().parent(), Some(cwd.as_path()));
    }
}
