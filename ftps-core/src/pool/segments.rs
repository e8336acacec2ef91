//! One download in segments: [`Client::download_segmented`].

use std::fs::File;
use std::path::Path;

use super::{BatchProgressFn, Work, spread};
use crate::client::Client;
use crate::config::TransferType;
use crate::error::{Error, Result};
use crate::transfer::temp_file;

/// The smallest segment worth a session of its own.
pub const MIN_SEGMENT: u64 = 4 << 20;

/// The ranges `[start, end)` of `size` bytes in `segments` parts of nearly equal length.
fn ranges(size: u64, segments: usize) -> Vec<(u64, u64)> {
    let k = segments.max(1) as u64;
    (0..k)
        .map(|i| (size * i / k, size * (i + 1) / k))
        .filter(|(a, b)| b > a)
        .collect()
}

#[cfg(unix)]
fn write_at(f: &File, buf: &[u8], at: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    f.write_all_at(buf, at)
}

#[cfg(windows)]
fn write_at(f: &File, mut buf: &[u8], mut at: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = f.seek_write(buf, at)?;
        buf = &buf[n..];
        at += n as u64;
    }
    Ok(())
}

/// Where one range goes: `[start, end)` of the file, into the temporary `file` of
/// `local`; `to_end` when it is the last range.
struct Segment<'a> {
    file: &'a File,
    local: &'a Path,
    start: u64,
    end: u64,
    to_end: bool,
}

impl Client {
    /// Downloads `remote` to the local path `local` in `segments` ranges fetched at
    /// once, each over its own session (this one and up to `segments - 1` opened with
    /// [`Client::sibling`]; at most [`super::MAX_SESSIONS`]): `REST` to the range's
    /// start, its bytes written at their offsets into one temporary file beside
    /// `local`, then `ABOR` (the last range reads to the end of the file and is proven
    /// complete as any download: TLS close_notify and `226`). A range cut short is an
    /// error, never a gap. Once all are in, the whole file is checked as the session's
    /// `verify` says (the server's hash against a hash of the temporary file, read
    /// once more; else its size) and only then replaces `local`; any failure deletes
    /// the temporary file and leaves `local` as it was.
    ///
    /// Ranges are at least [`MIN_SEGMENT`] bytes: a smaller file, `segments` of 1, a
    /// session that is not logged in, ASCII mode or a server whose `FEAT` has no
    /// `REST STREAM` make it [`Client::download_file`]. A server
    /// that refuses more sessions leaves more ranges to the sessions it took. Returns
    /// the file's size. `progress` sees the bytes of all ranges ([`super::BatchProgress`]
    /// counts ranges as jobs); returning `false` cancels.
    pub fn download_segmented(
        &mut self,
        remote: impl AsRef<[u8]>,
        local: impl AsRef<Path>,
        segments: usize,
        progress: Option<BatchProgressFn<'_>>,
    ) -> Result<u64> {
        let (remote, local) = (remote.as_ref(), local.as_ref());
        let check = self.check_for(None, remote)?;
        let size = self.size(remote)?;
        let k = segments.min((size / MIN_SEGMENT).max(1) as usize);
        let seed = self.seed().ok();
        // Ranges need byte offsets the server honours: binary mode (in ASCII mode the
        // server's offsets are of its own line endings) and `REST STREAM` in FEAT.
        let ranges_ok =
            self.config().transfer_type() == TransferType::Binary && self.features().has("REST");
        if k <= 1 || seed.is_none() || !ranges_ok {
            let work = Work::new(1, progress);
            let mut last = 0u64;
            let mut step = |done: u64, _: Option<u64>| {
                let add = done.saturating_sub(last);
                last = last.max(done);
                work.moved(add)
            };
            let n = self.download_file(remote, local, false, Some(&mut step))?;
            work.finished(true);
            return Ok(n);
        }
        let parts = ranges(size, k);
        let tmp = temp_file(local)?;
        let lio = |e| Error::LocalIo {
            path: local.to_path_buf(),
            source: e,
        };
        tmp.as_file().set_len(size).map_err(lio)?;
        let file = tmp.as_file();
        let work = Work::new(parts.len(), progress);
        let run = |c: &mut Client, i: usize, work: &Work<'_>| -> Result<u64> {
            let (start, end) = parts[i];
            let out = Segment {
                file,
                local,
                start,
                end,
                to_end: end == size,
            };
            c.fetch_range(remote, &out, work)
        };
        let (results, _, _) = spread(self, seed.as_ref(), parts.len(), k, work, &run);
        for r in results {
            r?;
        }
        file.sync_all().map_err(lio)?;
        self.check_whole(check, remote, tmp.path(), size)?;
        tmp.persist(local).map_err(|e| lio(e.error))?;
        Ok(size)
    }

    /// The bytes `[start, end)` of `remote` into `file` at their offsets; `to_end`: the
    /// range ends the file, so the download is read to its end and finished, else
    /// aborted once the range is in. A lost connection is resumed from where the range
    /// got to, as the session's `resume_attempts` allow.
    fn fetch_range(&mut self, remote: &[u8], seg: &Segment<'_>, work: &Work<'_>) -> Result<u64> {
        let mut at = seg.start;
        let mut attempts = self.attempts(None);
        loop {
            match self.fetch_range_once(remote, seg, &mut at, work) {
                Ok(()) => return Ok(seg.end - seg.start),
                Err(e) => self.resume_after(e, &mut attempts, at - seg.start)?,
            }
        }
    }

    fn fetch_range_once(
        &mut self,
        remote: &[u8],
        seg: &Segment<'_>,
        at: &mut u64,
        work: &Work<'_>,
    ) -> Result<()> {
        let (end, to_end) = (seg.end, seg.to_end);
        let mut buf = vec![0u8; 256 * 1024];
        self.start_download(remote, *at)?;
        while *at < end {
            let want = buf.len().min((end - *at) as usize);
            let n = match self.read_data(&mut buf[..want]) {
                Ok(n) => n,
                Err(e) => {
                    if self.transfer_open() {
                        let _ = self.abort_transfer();
                    }
                    return Err(e);
                }
            };
            if n == 0 {
                // The data ended before the range did: the file shrank, or the server
                // cut it short. `finish` says which.
                self.finish_transfer()?;
                return Err(Error::Truncated {
                    expected: Some(end),
                    received: *at,
                    detail: format!("the data ended at byte {at} of a segment up to {end}"),
                });
            }
            if let Err(e) = write_at(seg.file, &buf[..n], *at) {
                let _ = self.abort_transfer();
                return Err(Error::LocalIo {
                    path: seg.local.to_path_buf(),
                    source: e,
                });
            }
            *at += n as u64;
            if !work.moved(n as u64) {
                let _ = self.abort_transfer();
                return Err(Error::Cancelled);
            }
        }
        if to_end {
            // The end of the file: read to the end of the data, which must be empty
            // now, and finish (close_notify, 226).
            let n = self.read_data(&mut buf[..1])?;
            if n != 0 {
                let _ = self.abort_transfer();
                return Err(Error::protocol(
                    "the file grew while it was downloaded in segments",
                ));
            }
            self.finish_transfer()?;
        } else {
            self.abort_transfer()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_the_file_without_gaps_or_overlap() {
        for (size, k) in [(10u64, 3usize), (100, 8), (1, 4), (7, 1), (1 << 30, 8)] {
            let r = ranges(size, k);
            assert_eq!(r.first().unwrap().0, 0);
            assert_eq!(r.last().unwrap().1, size);
            for w in r.windows(2) {
                assert_eq!(w[0].1, w[1].0);
            }
            assert!(r.len() <= k);
        }
    }
}
