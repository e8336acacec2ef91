//! The convenience calls: a whole download into a writer or a local file, a whole upload
//! from a reader or a local file, with progress and cancellation.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{ActiveTransfer, Dest, Transfer, UploadMode};
use crate::data::DataStream;
use crate::error::{Error, Result};

/// A progress callback: bytes moved so far, total when known; return `false` to cancel.
pub type Progress<'a> = &'a mut dyn FnMut(u64, Option<u64>) -> bool;

/// Options of the convenience transfer calls.
#[derive(Default)]
pub struct TransferOptions<'a> {
    /// Start at this byte offset (`REST`): skip that much of the remote file on
    /// download, overwrite from there on upload.
    pub offset: u64,
    /// Called after each chunk; returning `false` cancels the transfer (`ABOR`).
    pub progress: Option<Progress<'a>>,
}

impl std::fmt::Debug for TransferOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferOptions")
            .field("offset", &self.offset)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl Transfer<'_> {
    /// Downloads `path` into `out`; returns the bytes written. `size` is the file's
    /// size when the caller knows it (see [`Transfer::start_download`]).
    pub(crate) fn download(
        &mut self,
        path: &[u8],
        out: &mut dyn Write,
        opts: &mut TransferOptions<'_>,
        size: Option<u64>,
    ) -> Result<u64> {
        self.start_download(path, opts.offset, size)?;
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
            if let Some(p) = opts.progress.as_mut()
                && !p(done, total)
            {
                self.abort()?;
                return Err(Error::Cancelled);
            }
        }
        self.finish()?;
        Ok(done)
    }

    /// Uploads everything `input` yields to `path`; returns the bytes sent. With
    /// `opts.offset` > 0 the remote file is overwritten from that offset on, and `input`
    /// must already be positioned at the matching place. `total` is what the progress
    /// callback is told.
    pub(crate) fn upload(
        &mut self,
        input: &mut dyn Read,
        path: &[u8],
        opts: &mut TransferOptions<'_>,
        total: Option<u64>,
    ) -> Result<u64> {
        let mode = if opts.offset > 0 {
            UploadMode::At(opts.offset)
        } else {
            UploadMode::Replace
        };
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
            if let Some(p) = opts.progress.as_mut()
                && !p(done, total)
            {
                self.abort()?;
                return Err(Error::Cancelled);
            }
        }
        self.finish()?;
        Ok(done)
    }

    /// Downloads `remote` to the local file `local`; returns the bytes written. See
    /// [`crate::Client::download_file`].
    pub(crate) fn download_file(
        &mut self,
        remote: &[u8],
        local: &Path,
        resume: bool,
        progress: Option<Progress<'_>>,
    ) -> Result<u64> {
        self.ready()?;
        let lio = |e| Error::LocalIo {
            path: local.to_path_buf(),
            source: e,
        };
        if resume {
            let have = match fs::metadata(local) {
                Ok(m) => m.len(),
                Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
                Err(e) => return Err(lio(e)),
            };
            let mut known_size = None;
            if have > 0 {
                let size = self.size(remote)?;
                known_size = Some(size);
                if have == size {
                    return Ok(0);
                }
                if have > size {
                    return Err(Error::invalid(
                        "resume",
                        format!("local file has {have} bytes, the remote file only {size}"),
                    ));
                }
            }
            let mut f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(local)
                .map_err(lio)?;
            let mut opts = TransferOptions {
                offset: have,
                progress,
            };
            // A failure keeps what arrived: `local` is then a longer partial file, and
            // the next resume goes on from its end.
            let n = self.download(remote, &mut f, &mut opts, known_size)?;
            f.sync_all().map_err(lio)?;
            return Ok(n);
        }
        // The data goes to a temporary file beside `local`, which is deleted when
        // anything fails (dropping it does) and replaces `local` only once the download
        // succeeded and is on disk.
        let mut tmp = temp_file(local)?;
        let mut opts = TransferOptions {
            offset: 0,
            progress,
        };
        let n = self.download(remote, tmp.as_file_mut(), &mut opts, None)?;
        tmp.as_file().sync_all().map_err(lio)?;
        tmp.persist(local).map_err(|e| lio(e.error))?;
        Ok(n)
    }

    /// Uploads the local file `local` to `remote`; returns the bytes sent. See
    /// [`crate::Client::upload_file`].
    pub(crate) fn upload_file(
        &mut self,
        local: &Path,
        remote: &[u8],
        resume: bool,
        progress: Option<Progress<'_>>,
    ) -> Result<u64> {
        self.ready()?;
        let lio = |e| Error::LocalIo {
            path: local.to_path_buf(),
            source: e,
        };
        let mut f = File::open(local).map_err(lio)?;
        let len = f.metadata().map_err(lio)?.len();
        let mut offset = 0;
        if resume {
            offset = match self.size(remote) {
                Ok(s) => s,
                Err(Error::Reply { reply, .. }) if reply.code() == 550 => 0,
                Err(e) => return Err(e),
            };
            if offset == len {
                return Ok(0);
            }
            if offset > len {
                return Err(Error::invalid(
                    "resume",
                    format!("remote file has {offset} bytes, the local file only {len}"),
                ));
            }
            f.seek(SeekFrom::Start(offset)).map_err(lio)?;
        }
        let mut opts = TransferOptions { offset, progress };
        self.upload(&mut f, remote, &mut opts, Some(len - offset))
    }
}

/// A new temporary file for a download to `local`, in the same directory (so that the
/// final rename stays on one file system), named `.NAME.XXXXXX.ftps-part`. On Unix it
/// gets the permissions a new `local` would (`0o666` less the umask), which it keeps
/// once it replaces `local`.
fn temp_file(local: &Path) -> Result<tempfile::NamedTempFile> {
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
