//! The convenience transfer calls that lose no data (docs/threats.md, classes G5, G6):
//! each transfer is checked afterwards (the server's hash of the file, else its size),
//! an upload can go to a temporary name that is renamed onto the target only once
//! verified, and a transfer that a lost connection interrupted reconnects and resumes.
//!
//! They live on the client, not in [`crate::transfer`], because resuming may need a new
//! control connection: [`Client::reconnect`].

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Duration;

use super::Client;
use crate::config::{TransferType, Verify};
use crate::error::{Error, Phase, Result};
use crate::transfer::{Progress, TransferOptions, UploadMode, temp_file};
use crate::verify::{Hasher, Method, Tee, TeeReader};

/// The longest wait between two automatic resumes.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How a transfer is checked once its bytes moved.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Check {
    Off,
    Size,
    Hash(Method),
}

/// The automatic resumes left to a call, and the wait before the next one.
pub(crate) struct Attempts {
    max: u32,
    used: u32,
    wait: Duration,
}

/// Whether an error interrupted a transfer in a way a new attempt can get past: the
/// connection (control or data) went away or stalled, the data ended short, or the
/// server said so (`421` closing, `425` no data connection, `426` transfer aborted).
fn resumable(e: &Error) -> bool {
    match e {
        Error::ConnectionLost { .. } | Error::Truncated { .. } | Error::Io { .. } => true,
        Error::Timeout { phase } => matches!(
            phase,
            Phase::DataConnect | Phase::DataIdle | Phase::Reply | Phase::Send
        ),
        Error::Reply { reply, .. } => matches!(reply.code(), 421 | 425 | 426),
        _ => false,
    }
}

fn lio(path: &Path) -> impl Fn(io::Error) -> Error + '_ {
    move |e| Error::LocalIo {
        path: path.to_path_buf(),
        source: e,
    }
}

fn text(path: &[u8]) -> String {
    String::from_utf8_lossy(path).into_owned()
}

/// The temporary name of an atomic upload to `remote`: `.NAME.ftps-part.RANDOM` in the
/// same directory (so that the rename stays in one directory), hidden from a plain `ls`.
pub(crate) fn temp_remote_name(remote: &[u8]) -> Result<Vec<u8>> {
    let mut random = [0u8; 6];
    aws_lc_rs::rand::fill(&mut random)
        .map_err(|_| Error::Config("the system random generator failed".into()))?;
    let split = remote.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    let (dir, name) = remote.split_at(split);
    let mut out = dir.to_vec();
    out.push(b'.');
    out.extend_from_slice(name);
    out.extend_from_slice(b".ftps-part.");
    for b in random {
        out.extend_from_slice(format!("{b:02x}").as_bytes());
    }
    Ok(out)
}

/// True for a name an atomic upload (`.NAME.ftps-part.RANDOM`) or a download's temporary
/// file (`.NAME.RANDOM.ftps-part`) could have made.
pub fn is_partial_name(name: &[u8]) -> bool {
    name.starts_with(b".")
        && name
            .windows(b".ftps-part".len())
            .any(|w| w == b".ftps-part")
}

impl Client {
    /// Downloads `path` into `out`; returns the bytes written. Checked afterwards as
    /// `opts.verify` (else the session's `verify`) says; a lost connection, a
    /// data-connection timeout, a truncated download or a `421`/`425`/`426` reconnects
    /// when needed and goes on from the bytes `out` already has (`REST`), up to
    /// `opts.resume_attempts` times (else the session's).
    pub fn download(
        &mut self,
        path: impl AsRef<[u8]>,
        out: &mut dyn Write,
        opts: &mut TransferOptions<'_>,
    ) -> Result<u64> {
        let path = path.as_ref();
        self.ready_or_reconnect(opts.resume_attempts)?;
        let check = self.check_for(opts.verify, path)?;
        self.fetch(path, out, opts.offset, None, check, opts)
    }

    /// Uploads everything `input` yields to `path`; returns the bytes sent. With
    /// `opts.offset` > 0 the remote file is overwritten from that offset on, and
    /// `input` must already be positioned at the matching place. Checked and made
    /// atomic as `opts` (else the session) says; a reader cannot be read again, so a
    /// lost connection is not resumed here (it is by [`Client::upload_file`]).
    pub fn upload(
        &mut self,
        input: &mut dyn Read,
        path: impl AsRef<[u8]>,
        opts: &mut TransferOptions<'_>,
    ) -> Result<u64> {
        let path = path.as_ref();
        self.ready_or_reconnect(opts.resume_attempts)?;
        let mut src = Source::Reader(input);
        self.send(&mut src, path, opts.offset, opts)
    }

    /// Downloads `remote` to the local file `local`; returns the bytes written.
    ///
    /// Without `resume`, the data goes to a temporary file beside `local` that
    /// replaces it only once the transfer succeeded and was verified: a failed
    /// download never clobbers an existing file. With `resume`, an existing `local` is
    /// continued from its length (`REST`) and kept as it is if the transfer fails. The
    /// session's `verify` and `resume_attempts` apply; [`Client::download_file_with`]
    /// takes them per call.
    pub fn download_file(
        &mut self,
        remote: impl AsRef<[u8]>,
        local: impl AsRef<Path>,
        resume: bool,
        progress: Option<Progress<'_>>,
    ) -> Result<u64> {
        let mut opts = TransferOptions {
            resume,
            progress,
            ..TransferOptions::default()
        };
        self.download_file_with(remote, local, &mut opts)
    }

    /// [`Client::download_file`] with every option of the call: `resume`, `verify`,
    /// `resume_attempts`, `progress` (`offset` must be 0: use `resume`).
    pub fn download_file_with(
        &mut self,
        remote: impl AsRef<[u8]>,
        local: impl AsRef<Path>,
        opts: &mut TransferOptions<'_>,
    ) -> Result<u64> {
        let (remote, local) = (remote.as_ref(), local.as_ref());
        self.ready_or_reconnect(opts.resume_attempts)?;
        if opts.offset != 0 {
            return Err(Error::invalid(
                "offset",
                "the file calls start where the local file ends: use resume",
            ));
        }
        let check = self.check_for(opts.verify, remote)?;
        if opts.resume {
            let have = match fs::metadata(local) {
                Ok(m) => m.len(),
                Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
                Err(e) => return Err(lio(local)(e)),
            };
            if have > 0 {
                let size = self.size(remote)?;
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
                .map_err(lio(local))?;
            let mut prefix = File::open(local).map_err(lio(local))?;
            // A failure keeps what arrived: `local` is then a longer partial file, and
            // the next resume goes on from its end.
            let n = self.fetch(remote, &mut f, have, Some(&mut prefix), check, opts)?;
            f.sync_all().map_err(lio(local))?;
            return Ok(n);
        }
        // The data goes to a temporary file beside `local`, which is deleted when
        // anything fails (dropping it does) and replaces `local` only once the download
        // succeeded, was verified and is on disk.
        let mut tmp = temp_file(local)?;
        let n = self.fetch(remote, tmp.as_file_mut(), 0, None, check, opts)?;
        tmp.as_file().sync_all().map_err(lio(local))?;
        tmp.persist(local).map_err(|e| lio(local)(e.error))?;
        Ok(n)
    }

    /// Uploads the local file `local` to `remote`; returns the bytes sent. With
    /// `resume`, the remote file's current size (`SIZE`) is skipped in the local file
    /// and the rest written from there on (`REST` + `STOR`). The session's `verify`,
    /// `atomic_uploads` and `resume_attempts` apply; [`Client::upload_file_with`] takes
    /// them per call.
    pub fn upload_file(
        &mut self,
        local: impl AsRef<Path>,
        remote: impl AsRef<[u8]>,
        resume: bool,
        progress: Option<Progress<'_>>,
    ) -> Result<u64> {
        let mut opts = TransferOptions {
            resume,
            progress,
            ..TransferOptions::default()
        };
        self.upload_file_with(local, remote, &mut opts)
    }

    /// [`Client::upload_file`] with every option of the call: `resume`, `verify`,
    /// `atomic`, `resume_attempts`, `progress` (`offset` must be 0: use `resume`).
    /// `resume` continues the remote file under its own name, so it is never atomic.
    pub fn upload_file_with(
        &mut self,
        local: impl AsRef<Path>,
        remote: impl AsRef<[u8]>,
        opts: &mut TransferOptions<'_>,
    ) -> Result<u64> {
        let (local, remote) = (local.as_ref(), remote.as_ref());
        self.ready_or_reconnect(opts.resume_attempts)?;
        if opts.offset != 0 {
            return Err(Error::invalid(
                "offset",
                "the file calls start where the remote file ends: use resume",
            ));
        }
        let mut f = File::open(local).map_err(lio(local))?;
        let len = f.metadata().map_err(lio(local))?.len();
        let mut offset = 0;
        if opts.resume {
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
        }
        let mut src = Source::File {
            file: &mut f,
            path: local,
            len,
        };
        self.send(&mut src, remote, offset, opts)
    }

    /// The check a call gets: `verify` (else the session's), and what the server
    /// offers. `Required` without a hash fails here, before anything is transferred.
    pub(crate) fn check_for(&mut self, verify: Option<Verify>, path: &[u8]) -> Result<Check> {
        let verify = verify.unwrap_or(self.config().inner.verify);
        let method = Method::choose(&self.features);
        // In ASCII mode the server's size and hash are of its own line endings.
        let ascii = self.config().transfer_type() == TransferType::Ascii;
        Ok(match (verify, method) {
            (Verify::Off, _) => Check::Off,
            (Verify::Required, Some(m)) => Check::Hash(m),
            (Verify::Required, None) => {
                return Err(Error::Integrity {
                    path: text(path),
                    check: "none",
                    local: String::new(),
                    remote: String::new(),
                });
            }
            (_, _) if ascii => Check::Off,
            (_, Some(m)) => Check::Hash(m),
            (_, None) => Check::Size,
        })
    }

    /// Whether the local file `local` and the remote file `remote` hold the same bytes,
    /// by the server's strongest hash; `None` when the server offers no hash or cannot
    /// hash this file. Reads the local file once.
    pub(crate) fn same_content(&mut self, local: &Path, remote: &[u8]) -> Result<Option<bool>> {
        let Some(m) = Method::choose(&self.features) else {
            return Ok(None);
        };
        let theirs = match self.remote_hash(m, remote) {
            Ok(h) => h,
            Err(e) if e.is_fatal() => return Err(e),
            Err(_) => return Ok(None),
        };
        let mut f = File::open(local).map_err(lio(local))?;
        let len = f.metadata().map_err(lio(local))?.len();
        let mut h = Hasher::new(m.algorithm());
        h.update_from(&mut f, len).map_err(lio(local))?;
        Ok(Some(h.finish() == theirs))
    }

    /// Checks a whole local file that arrived by other means than one stream (the
    /// segments of [`Client::download_segmented`]) against the server's `remote`, as
    /// `check` says: for a hash, the local file is read once more.
    pub(crate) fn check_whole(
        &mut self,
        check: Check,
        remote: &[u8],
        local: &Path,
        len: u64,
    ) -> Result<()> {
        let required = self.config().inner.verify == Verify::Required;
        let digest = match check {
            Check::Hash(m) => {
                let mut f = File::open(local).map_err(lio(local))?;
                let mut h = Hasher::new(m.algorithm());
                h.update_from(&mut f, len).map_err(lio(local))?;
                Some(h)
            }
            _ => None,
        };
        self.compare(check, digest, remote, len, required)
    }

    /// After `e` in a transfer of this crate's own making (a segment), waits and
    /// reconnects as [`Client::download_file`] would before a resume; `Err` when `e`
    /// cannot be resumed or no attempt is left.
    pub(crate) fn resume_after(
        &mut self,
        e: Error,
        attempts: &mut Attempts,
        done: u64,
    ) -> Result<()> {
        self.before_resume(e, attempts, done, &mut None)
    }

    /// The commands [`Client::compare`] sends for `check` of `remote`, in its order: they
    /// go ahead of the transfer's final reply where the server reads ahead. `hashed`:
    /// the bytes were hashed as they moved (else a hash check is a size check).
    fn check_commands(
        &self,
        check: Check,
        hashed: bool,
        remote: &[u8],
    ) -> Vec<(&'static str, Vec<u8>)> {
        match check {
            Check::Off => Vec::new(),
            Check::Size => vec![("SIZE", remote.to_vec())],
            Check::Hash(_) if !hashed => vec![("SIZE", remote.to_vec())],
            Check::Hash(m) => {
                let (select, verb) = m.commands();
                let mut cmds = Vec::new();
                if let Some(opts) = select
                    && self.hash_selected != Some(m.algorithm())
                {
                    cmds.push(("OPTS", opts.into_bytes()));
                }
                cmds.push((verb, remote.to_vec()));
                cmds
            }
        }
    }

    /// The server's hash of `path`, lowercase hex: `OPTS HASH` first when the
    /// algorithm is not selected yet, then `HASH` or the `X` command.
    fn remote_hash(&mut self, method: Method, path: &[u8]) -> Result<String> {
        let (select, verb) = method.commands();
        if let Some(opts) = select
            && self.hash_selected != Some(method.algorithm())
        {
            self.session.expect_ok("OPTS", Some(opts.as_bytes()))?;
            self.hash_selected = Some(method.algorithm());
        }
        crate::command::check_arg("path", path)?;
        let reply = self.session.raw_cmd(verb, Some(path))?;
        if !reply.is_success() {
            return Err(Error::Reply {
                command: verb.into(),
                reply,
            });
        }
        method.parse(&reply)
    }

    /// Compares a transferred file with the server's: `digest` is the hash of the bytes
    /// that moved (for [`Check::Hash`]), `len` the file's whole length. A server that
    /// cannot answer (an error reply to `HASH` or `SIZE`) leaves a `Required` hash
    /// failing and an `Auto` one falling back to the size, then to no check.
    fn compare(
        &mut self,
        check: Check,
        digest: Option<Hasher>,
        remote: &[u8],
        len: u64,
        required: bool,
    ) -> Result<()> {
        let mut check = check;
        if let (Check::Hash(m), Some(h)) = (check, digest) {
            match self.remote_hash(m, remote) {
                Ok(theirs) => {
                    let ours = h.finish();
                    if ours != theirs {
                        return Err(Error::Integrity {
                            path: text(remote),
                            check: m.algorithm().name(),
                            local: ours,
                            remote: theirs,
                        });
                    }
                    self.session.note(&format!(
                        "verified: {} {ours} matches the server's",
                        m.algorithm()
                    ));
                    return Ok(());
                }
                Err(e) if e.is_fatal() || required => return Err(e),
                Err(e) => {
                    self.session
                        .note(&format!("no hash of the file ({e}): comparing sizes"));
                    check = Check::Size;
                }
            }
        }
        if matches!(check, Check::Size | Check::Hash(_)) {
            match self.size(remote) {
                Ok(size) if size != len => {
                    return Err(Error::Integrity {
                        path: text(remote),
                        check: "size",
                        local: len.to_string(),
                        remote: size.to_string(),
                    });
                }
                Ok(_) => self
                    .session
                    .note(&format!("verified: the server's size is {len} bytes")),
                Err(e) if e.is_fatal() => return Err(e),
                Err(e) => self
                    .session
                    .note(&format!("the server gave no size ({e}): not verified")),
            }
        }
        Ok(())
    }

    /// The download of `remote` from `start` on into `out`, resumed automatically,
    /// then checked. `prefix` reads the first `start` bytes already in place, for the
    /// hash of the whole file.
    fn fetch(
        &mut self,
        remote: &[u8],
        out: &mut dyn Write,
        start: u64,
        prefix: Option<&mut dyn Read>,
        check: Check,
        opts: &mut TransferOptions<'_>,
    ) -> Result<u64> {
        let required = opts.verify.unwrap_or(self.config().inner.verify) == Verify::Required;
        let mut hasher = match check {
            Check::Hash(m) if start == 0 || prefix.is_some() => Some(Hasher::new(m.algorithm())),
            _ => None,
        };
        if let (Some(h), Some(p)) = (hasher.as_mut(), prefix) {
            h.update_from(p, start).map_err(|e| Error::LocalIo {
                path: "<the local part of the file>".into(),
                source: e,
            })?;
        }
        let then = self.check_commands(check, hasher.is_some(), remote);
        let mut attempts = self.attempts(opts.resume_attempts);
        let mut done = 0u64;
        loop {
            let mut tee = Tee {
                out: &mut *out,
                hasher: hasher.as_mut(),
                written: 0,
            };
            let mut tick = |d: u64, t: Option<u64>| match opts.progress.as_mut() {
                Some(p) => p(done + d, t.map(|t| t + done)),
                None => true,
            };
            let r = self.transfer().then(then.clone()).download(
                remote,
                &mut tee,
                start + done,
                Some(&mut tick),
                None,
            );
            done += tee.written;
            match r {
                Ok(_) => break,
                Err(e) => self.before_resume(e, &mut attempts, done, &mut opts.progress)?,
            }
        }
        self.compare(check, hasher, remote, start + done, required)?;
        Ok(done)
    }

    /// The upload of `src` (from `start` on) to `remote`: atomic when asked for (and
    /// not a resume), resumed automatically when `src` is a file, then checked.
    fn send(
        &mut self,
        src: &mut Source<'_>,
        remote: &[u8],
        start: u64,
        opts: &mut TransferOptions<'_>,
    ) -> Result<u64> {
        if remote.is_empty() {
            return Err(Error::invalid("path", "empty"));
        }
        crate::command::check_arg("path", remote)?;
        let mut check = self.check_for(opts.verify, remote)?;
        if start > 0 && !src.can_resume() {
            // A reader written from an offset overwrites part of a file whose other bytes
            // this client never saw (vsftpd and ProFTPD keep the tail beyond them): neither
            // its hash nor its size can be known here.
            self.session
                .note("an upload from a reader at an offset is not verified");
            check = Check::Off;
        }
        let required = opts.verify.unwrap_or(self.config().inner.verify) == Verify::Required;
        let atomic = opts.atomic.unwrap_or(self.config().inner.atomic_uploads);
        let atomic = atomic && start == 0 && !opts.resume;
        let target = if atomic {
            temp_remote_name(remote)?
        } else {
            remote.to_vec()
        };
        let r = self.send_to(src, &target, start, check, required, opts);
        let r = r.and_then(|n| {
            if atomic {
                self.put_in_place(&target, remote)?;
            }
            Ok(n)
        });
        if r.is_err() && atomic {
            self.remove_partial(&target);
        }
        r
    }

    fn send_to(
        &mut self,
        src: &mut Source<'_>,
        target: &[u8],
        start: u64,
        check: Check,
        required: bool,
        opts: &mut TransferOptions<'_>,
    ) -> Result<u64> {
        let mut hasher = match check {
            Check::Hash(m) => Some(Hasher::new(m.algorithm())),
            _ => None,
        };
        let mut pos = start;
        // The local part already on the server counts in the hash of the whole file.
        if pos > 0 {
            match src.rewind_to(pos, hasher.as_mut()) {
                Ok(true) => {}
                Ok(false) => hasher = None,
                Err(e) => return Err(e),
            }
        }
        let total = src.len().map(|l| l.saturating_sub(start));
        let mut attempts = self.attempts(opts.resume_attempts);
        let end = loop {
            let mode = if pos == 0 {
                UploadMode::Replace
            } else {
                UploadMode::At(pos)
            };
            let base = pos.saturating_sub(start);
            let mut tick = |d: u64, _t: Option<u64>| match opts.progress.as_mut() {
                Some(p) => p(base + d, total),
                None => true,
            };
            let then = self.check_commands(check, hasher.is_some(), target);
            let mut input = TeeReader {
                input: src.reader(),
                hasher: hasher.as_mut(),
            };
            let r =
                self.transfer()
                    .then(then)
                    .upload(&mut input, target, mode, Some(&mut tick), total);
            let e = match r {
                Ok(n) => break pos + n,
                Err(e) if !src.can_resume() => return Err(e),
                Err(e) => e,
            };
            self.before_resume(e, &mut attempts, base, &mut opts.progress)?;
            // What the server kept: REST + STOR goes on from there when it offers
            // REST STREAM; otherwise the upload starts over.
            let kept = match self.size(target) {
                Ok(s) if s <= src.len().unwrap_or(0) => s,
                Ok(_) => 0,
                Err(e) if e.is_fatal() => return Err(e),
                Err(_) => 0,
            };
            let rest_stream = self
                .features
                .get("REST")
                .is_some_and(|p| p.eq_ignore_ascii_case("STREAM"));
            pos = if rest_stream { kept } else { 0 };
            self.session.note(&format!(
                "the server kept {kept} bytes of {}: going on from byte {pos}",
                text(target)
            ));
            hasher = match check {
                Check::Hash(m) => Some(Hasher::new(m.algorithm())),
                _ => None,
            };
            src.rewind_to(pos, hasher.as_mut())?;
        };
        self.compare(check, hasher, target, end, required)?;
        Ok(end.saturating_sub(start))
    }

    /// `RNFR`/`RNTO` of the verified temporary file onto `remote`. A server that will
    /// not rename onto an existing file (Windows-based ones answer `550`/`553`) gets
    /// the target deleted first, then the rename again: for that moment the name is
    /// missing, but it never holds a partial file.
    fn put_in_place(&mut self, temp: &[u8], remote: &[u8]) -> Result<()> {
        match self.rename(temp, remote) {
            Ok(()) => Ok(()),
            Err(Error::Reply { reply, .. }) if reply.is_permanent() => {
                self.session.note(&format!(
                    "the server refused to rename onto {} ({reply}): deleting it first",
                    text(remote)
                ));
                match self.delete(remote) {
                    Ok(()) => {}
                    Err(Error::Reply { reply, .. }) if reply.code() == 550 => {}
                    Err(e) => return Err(e),
                }
                self.rename(temp, remote)
            }
            Err(e) => Err(e),
        }
    }

    /// Deletes the temporary file of a failed atomic upload: on this connection when
    /// it is usable, else on a new one when the session may reconnect. When neither
    /// works the name is kept in [`Client::left_behind`] and in the transcript.
    fn remove_partial(&mut self, temp: &[u8]) {
        if self.session.check_usable().is_err()
            && (self.config().inner.resume_attempts == 0 || self.reconnect().is_err())
        {
            self.leave_behind(temp);
            return;
        }
        match self.delete(temp) {
            Ok(()) => {}
            Err(Error::Reply { reply, .. }) if reply.code() == 550 => {}
            Err(_) => self.leave_behind(temp),
        }
    }

    fn leave_behind(&mut self, temp: &[u8]) {
        self.session.note(&format!(
            "the temporary file {} of a failed upload could not be deleted",
            text(temp)
        ));
        self.left_behind.push(temp.to_vec());
    }

    /// [`Client::ready`], but a session an earlier call lost is reconnected first when
    /// the call may resume at all (`resume_attempts` > 0): the convenience calls pick up
    /// where a failed one left them.
    fn ready_or_reconnect(&mut self, per_call: Option<u32>) -> Result<()> {
        match self.ready() {
            Err(Error::State(_))
                if self.session.is_broken()
                    && !self.transfers.is_open()
                    && self.login.is_some()
                    && per_call.unwrap_or(self.config().inner.resume_attempts) > 0 =>
            {
                self.reconnect()
            }
            r => r,
        }
    }

    pub(crate) fn attempts(&self, per_call: Option<u32>) -> Attempts {
        let c = &self.config().inner;
        Attempts {
            max: per_call.unwrap_or(c.resume_attempts),
            used: 0,
            wait: c.resume_backoff,
        }
    }

    /// After a failed attempt that moved `done` bytes: returns the error when it
    /// cannot be resumed or no attempt is left; otherwise waits, reconnects when the
    /// session is gone, and tells the progress callback where the transfer goes on.
    fn before_resume(
        &mut self,
        e: Error,
        attempts: &mut Attempts,
        done: u64,
        progress: &mut Option<Progress<'_>>,
    ) -> Result<()> {
        if !resumable(&e) {
            return Err(e);
        }
        loop {
            if attempts.used >= attempts.max {
                return Err(e);
            }
            attempts.used += 1;
            let wait = attempts.wait;
            attempts.wait = (wait * 2).min(MAX_BACKOFF);
            self.session.note(&format!(
                "{e}; resuming after {done} bytes in {wait:?} (attempt {} of {})",
                attempts.used, attempts.max
            ));
            std::thread::sleep(wait);
            if self.session.check_usable().is_ok() {
                break;
            }
            match self.reconnect() {
                Ok(()) => break,
                Err(re) if resumable(&re) || matches!(re, Error::Connect { .. }) => continue,
                Err(re) => return Err(re),
            }
        }
        self.resumes += 1;
        if let Some(p) = progress.as_mut()
            && !p(done, None)
        {
            return Err(Error::Cancelled);
        }
        Ok(())
    }
}

/// Where an upload's bytes come from.
enum Source<'a> {
    /// A local file, which can be read again from any offset.
    File {
        file: &'a mut File,
        path: &'a Path,
        len: u64,
    },
    /// A reader, read once.
    Reader(&'a mut dyn Read),
}

impl Source<'_> {
    fn reader(&mut self) -> &mut dyn Read {
        match self {
            Source::File { file, .. } => *file,
            Source::Reader(r) => *r,
        }
    }

    fn len(&self) -> Option<u64> {
        match self {
            Source::File { len, .. } => Some(*len),
            Source::Reader(_) => None,
        }
    }

    fn can_resume(&self) -> bool {
        matches!(self, Source::File { .. })
    }

    /// Positions a file at `pos`, hashing what comes before it; `Ok(false)` for a
    /// reader, which is where the caller put it and cannot be hashed from the start.
    fn rewind_to(&mut self, pos: u64, hasher: Option<&mut Hasher>) -> Result<bool> {
        let Source::File { file, path, .. } = self else {
            return Ok(false);
        };
        let e = lio(path);
        file.seek(SeekFrom::Start(0)).map_err(&e)?;
        match hasher {
            Some(h) => h.update_from(*file, pos).map_err(&e)?,
            None => {
                file.seek(SeekFrom::Start(pos)).map_err(&e)?;
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g5_atomic_upload_names_are_hidden_siblings_and_recognisable() {
        let a = temp_remote_name(b"/in/report.csv").unwrap();
        let b = temp_remote_name(b"/in/report.csv").unwrap();
        assert_ne!(a, b);
        let a = String::from_utf8(a).unwrap();
        assert!(a.starts_with("/in/.report.csv.ftps-part."), "{a}");
        assert_eq!(a.len(), "/in/.report.csv.ftps-part.".len() + 12);
        assert!(is_partial_name(a.rsplit('/').next().unwrap().as_bytes()));
        let bare = temp_remote_name(b"x").unwrap();
        assert!(bare.starts_with(b".x.ftps-part."));
        assert!(is_partial_name(b".data.csv.Ab12Cd.ftps-part"));
        assert!(!is_partial_name(b"data.ftps-part"));
        assert!(!is_partial_name(b".profile"));
    }

    #[test]
    fn g6_what_is_resumed_and_what_is_not() {
        let lost = Error::ConnectionLost {
            during: "transfer",
            reply: None,
            source: None,
        };
        assert!(resumable(&lost));
        assert!(resumable(&Error::Timeout {
            phase: Phase::DataIdle
        }));
        assert!(!resumable(&Error::Timeout {
            phase: Phase::Connect
        }));
        assert!(!resumable(&Error::Cancelled));
        assert!(!resumable(&Error::Integrity {
            path: "f".into(),
            check: "size",
            local: "1".into(),
            remote: "2".into(),
        }));
        let reply = |code: &str| Error::Reply {
            command: "RETR".into(),
            reply: crate::reply::testing::parse(format!("{code} x\r\n").as_bytes()),
        };
        assert!(resumable(&reply("426")));
        assert!(resumable(&reply("421")));
        assert!(!resumable(&reply("550")));
        assert!(!resumable(&reply("452")));
    }
}
