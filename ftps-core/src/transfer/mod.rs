//! Transfers: downloads as `Read` streams, uploads as `Write` streams, both ending
//! with `finish()`, and the convenience calls built on them.
//!
//! A download succeeds only when the data connection ended cleanly (TLS close_notify, or
//! exactly the announced byte count) and the server then said `2xx` (docs/threats.md,
//! class G1). An upload sends close_notify, waits for the server to close, and needs the
//! final `2xx` too (G2).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::client::Client;
use crate::config::TransferType;
use crate::data::{self, DataStream, OpenParams, ReadFail};
use crate::error::{Error, Phase, Result};
use crate::reply::{Reply, parse_150_size};
use crate::tls::TlsInfo;

/// How an upload writes the remote file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadMode {
    /// `STOR`: create or replace.
    Replace,
    /// `APPE`: append to the remote file.
    Append,
    /// `REST offset` + `STOR`: overwrite from `offset` on (resume).
    At(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Download,
    Upload,
}

/// The state of the open transfer of a client.
pub(crate) struct ActiveTransfer {
    stream: DataStream,
    direction: Direction,
    verb: &'static str,
    offset: u64,
    bytes: u64,
    /// The byte count of the `150` reply, when it has one.
    announced: Option<u64>,
    /// The remote file's size, when the caller learnt it (`SIZE`) before the transfer.
    known_size: Option<u64>,
    eof: bool,
    early_final: Option<Reply>,
    tls: Option<TlsInfo>,
}

impl ActiveTransfer {
    fn full_handshake(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| !t.resumed)
    }

    /// The bytes a download from `offset` will bring, where that is known for sure:
    /// from the file's size, or from the `150` count when there is no offset. With an
    /// offset a `150` count is ambiguous: servers announce either the bytes still to
    /// come or the whole file (vsftpd).
    fn to_come(&self) -> Option<u64> {
        match self.known_size {
            Some(size) => Some(size.saturating_sub(self.offset)),
            None if self.offset == 0 => self.announced,
            None => None,
        }
    }

    /// Whether `received` bytes are proven to be the whole download, for a data
    /// connection that ended without TLS close_notify. The `150` count proves it when it
    /// equals what arrived: read as the whole file it can never exceed the bytes to
    /// come. `offset + received` equal to the count proves nothing, since a server that
    /// announces the bytes to come and is cut `offset` bytes short matches it too.
    fn proven_complete(&self, received: u64) -> bool {
        self.announced == Some(received) || self.to_come() == Some(received)
    }
}

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

impl Client {
    fn open_params(&self) -> OpenParams {
        let c = &self.config.inner;
        OpenParams {
            mode: c.data_mode,
            protection: c.protection,
            trust_pasv_address: c.trust_pasv_address,
            nodelay: c.nodelay,
            data_connect: c.timeouts.data_connect,
            tls: self.tls.clone(),
            control_cert: self.ctl.peer_certificate(),
        }
    }

    fn start(
        &mut self,
        verb: &'static str,
        arg: Option<&[u8]>,
        offset: u64,
        direction: Direction,
        known_size: Option<u64>,
    ) -> Result<()> {
        self.ready()?;
        if let Some(a) = arg {
            crate::command::check_arg("path", a)?;
        }
        match self.start_once(verb, arg, offset, direction, known_size) {
            // TLS 1.3 tickets are single use: when they ran out, the data connection
            // did a full handshake and was refused, but that handshake brought fresh
            // tickets. Try once more with one of them.
            Err(Error::SessionReuseRefused { .. })
                if self.tls.as_ref().is_some_and(|t| t.store.has_tickets()) =>
            {
                if let Some(t) = self.tls.as_ref() {
                    t.store.count_retry();
                }
                self.note(
                    "data connection refused for want of a TLS ticket; retrying with a fresh one",
                );
                self.start_once(verb, arg, offset, direction, known_size)
            }
            r => r,
        }
    }

    fn start_once(
        &mut self,
        verb: &'static str,
        arg: Option<&[u8]>,
        offset: u64,
        direction: Direction,
        known_size: Option<u64>,
    ) -> Result<()> {
        check_offset(offset)?;
        if offset > 0 {
            let off = offset.to_string();
            let reply = self.raw_cmd("REST", Some(off.as_bytes()))?;
            if reply.code() != 350 {
                return Err(Error::Reply {
                    command: "REST".into(),
                    reply,
                });
            }
        }
        let params = self.open_params();
        let opened = match data::open(&mut self.ctl, &mut self.data, &params, verb, arg) {
            Ok(o) => o,
            Err(e) => {
                if let Some(r) = e.reply() {
                    let r = r.clone();
                    self.set_last_reply(r);
                }
                return Err(e);
            }
        };
        if let Some(info) = &opened.tls {
            let msg = format!(
                "data connection: {} {}, {}",
                info.version,
                info.cipher,
                if info.resumed {
                    "resumed the control session"
                } else {
                    "FULL handshake"
                }
            );
            self.note(&msg);
        }
        let announced = opened
            .preliminary
            .as_ref()
            .and_then(|r| parse_150_size(r.first_line_text()));
        if let Some(r) = &opened.preliminary {
            self.set_last_reply(r.clone());
        }
        let idle = self.config.inner.timeouts.data_idle;
        crate::control::set_timeouts(opened.stream.tcp(), idle)
            .map_err(|e| Error::from_io(e, "data connection", Phase::DataIdle))?;
        self.last_data_tls = opened.tls.clone();
        self.active = Some(ActiveTransfer {
            stream: opened.stream,
            direction,
            verb,
            offset,
            bytes: 0,
            announced,
            known_size,
            eof: false,
            early_final: opened.early_final,
            tls: opened.tls,
        });
        Ok(())
    }

    /// Starts a download (`RETR`), from `offset` on (`REST`) when it is not 0. Read it
    /// with [`Client::read_data`], then call [`Client::finish_transfer`]. Most callers
    /// want [`Client::retr`] or [`Client::download`] instead.
    pub fn start_download(&mut self, path: impl AsRef<[u8]>, offset: u64) -> Result<()> {
        self.start_download_sized(path.as_ref(), offset, None)
    }

    /// [`Client::start_download`] of a file whose size the caller knows (`SIZE`): a
    /// data connection that ends without close_notify is then complete when exactly
    /// `size - offset` bytes arrived, and one that ends short of it is truncated.
    ///
    /// From an offset, with the size not known, the size is asked for (`SIZE`, in
    /// binary mode): the `150` count alone cannot tell a complete download from one cut
    /// `offset` bytes short, since servers mean it as the whole file (vsftpd) or as the
    /// bytes to come (ProFTPD). A server without `SIZE` leaves only the count.
    fn start_download_sized(&mut self, path: &[u8], offset: u64, size: Option<u64>) -> Result<()> {
        if path.is_empty() {
            return Err(Error::invalid("path", "empty"));
        }
        check_offset(offset)?;
        let t = self.config.transfer_type();
        let size = match size {
            None if offset > 0 && t == TransferType::Binary => match self.size(path) {
                Ok(n) => Some(n),
                // No SIZE here (or no such file, which RETR reports in its own words).
                Err(Error::Protocol(_) | Error::Reply { .. }) => None,
                Err(e) => return Err(e),
            },
            size => size,
        };
        self.ready()?;
        self.set_type(t)?;
        self.start("RETR", Some(path), offset, Direction::Download, size)
    }

    /// Starts an upload. Write it with [`Client::write_data`], then call
    /// [`Client::finish_transfer`]. Most callers want [`Client::stor`] or
    /// [`Client::upload`] instead.
    pub fn start_upload(&mut self, path: impl AsRef<[u8]>, mode: UploadMode) -> Result<()> {
        let path = path.as_ref();
        if path.is_empty() {
            return Err(Error::invalid("path", "empty"));
        }
        let t = self.config.transfer_type();
        self.ready()?;
        self.set_type(t)?;
        match mode {
            UploadMode::Replace => self.start("STOR", Some(path), 0, Direction::Upload, None),
            UploadMode::Append => self.start("APPE", Some(path), 0, Direction::Upload, None),
            UploadMode::At(off) => self.start("STOR", Some(path), off, Direction::Upload, None),
        }
    }

    /// Starts a listing transfer (`LIST`, `NLST`, `MLSD`).
    pub(crate) fn start_listing(&mut self, verb: &'static str, path: Option<&[u8]>) -> Result<()> {
        let path = path.filter(|p| !p.is_empty());
        self.start(verb, path, 0, Direction::Download, None)
    }

    /// Reads downloaded bytes; `Ok(0)` at the clean end of the data.
    pub fn read_data(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.next_data(Dest::Buf(buf))
    }

    /// Reads the next piece of a download into a buffer, or writes it to a writer
    /// (under TLS straight from the record rustls decrypted). A failing writer aborts
    /// the transfer and is [`Error::LocalIo`].
    fn next_data(&mut self, dest: Dest<'_>) -> Result<usize> {
        let Some(t) = self.active.as_mut() else {
            return Err(Error::State("no transfer open"));
        };
        if t.direction != Direction::Download {
            return Err(Error::State("the open transfer is an upload"));
        }
        if t.eof || matches!(&dest, Dest::Buf(b) if b.is_empty()) {
            return Ok(0);
        }
        let expected = t.to_come().or(t.announced);
        let mut dest = dest;
        let r = loop {
            let r = match &mut dest {
                Dest::Buf(buf) => t.stream.read(buf).map_err(ReadFail::Stream),
                Dest::Writer {
                    out,
                    scratch,
                    limit,
                } => t.stream.read_into(*out, scratch, *limit),
            };
            match r {
                Err(ReadFail::Stream(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(ReadFail::Local(e)) => {
                    let _ = self.abort_transfer();
                    return Err(Error::LocalIo {
                        path: PathBuf::from("<writer>"),
                        source: e,
                    });
                }
                Err(ReadFail::Stream(e)) => break Err(e),
                Ok(n) => break Ok(n),
            }
        };
        let err = match r {
            Ok(0) => {
                // A clean end (close_notify, or a FIN on a clear-text connection) is
                // trusted unless fewer bytes arrived than the least the server can
                // have meant: a server that closes early, cleanly, still cut the file.
                let least = t
                    .to_come()
                    .or(t.announced.map(|a| a.saturating_sub(t.offset)));
                if least.is_some_and(|e| t.bytes < e) {
                    Error::Truncated {
                        received: t.bytes,
                        expected,
                        detail: "the data connection ended early".into(),
                    }
                } else {
                    t.eof = true;
                    return Ok(0);
                }
            }
            Ok(n) => {
                t.bytes += n as u64;
                return Ok(n);
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                if t.proven_complete(t.bytes) {
                    // No close_notify, but the byte count proves every byte arrived.
                    t.eof = true;
                    return Ok(0);
                }
                let ambiguous = t.known_size.is_none()
                    && t.offset > 0
                    && t.announced == t.offset.checked_add(t.bytes);
                Error::Truncated {
                    received: t.bytes,
                    expected,
                    detail: if ambiguous {
                        format!(
                            "the data connection closed without a TLS close_notify; the 150 \
                             reply's {} bytes may be the whole file (then all came) or the \
                             bytes to come (then {} are missing): nothing proves the download \
                             complete",
                            t.offset + t.bytes,
                            t.offset
                        )
                    } else {
                        "the data connection closed without a TLS close_notify".into()
                    },
                }
            }
            Err(e) => match Error::from_io(e, "download", Phase::DataIdle) {
                Error::ConnectionLost { .. } => Error::Truncated {
                    received: t.bytes,
                    expected,
                    detail: "the data connection was reset".into(),
                },
                other => other,
            },
        };
        Err(self.fail_transfer(err))
    }

    /// Writes bytes of an upload.
    pub fn write_data(&mut self, buf: &[u8]) -> Result<usize> {
        let Some(t) = self.active.as_mut() else {
            return Err(Error::State("no transfer open"));
        };
        if t.direction != Direction::Upload {
            return Err(Error::State("the open transfer is a download"));
        }
        match t.stream.write(buf) {
            Ok(n) => {
                t.bytes += n as u64;
                Ok(n)
            }
            Err(e) => {
                let err = Error::from_io(e, "upload", Phase::DataIdle);
                Err(self.fail_transfer(err))
            }
        }
    }

    /// The data connection failed: close it, and let the server's final reply say
    /// why when it has one (a refused session reuse shows up this way).
    fn fail_transfer(&mut self, err: Error) -> Error {
        let Some(t) = self.active.take() else {
            return err;
        };
        let full = t.full_handshake();
        let mut stream = t.stream;
        stream.harvest_tickets();
        drop(stream);
        let reply = match t.early_final {
            Some(r) => Ok(r),
            None => self.ctl.read_reply_within(Duration::from_secs(5)),
        };
        match reply {
            Ok(r) => {
                self.set_last_reply(r.clone());
                if !r.is_success() && !r.is_preliminary() {
                    return final_error(t.verb, r, full);
                }
                err
            }
            Err(_) => {
                // The server said nothing in time: the control connection can no
                // longer be trusted to be in step.
                self.ctl.broken = true;
                err
            }
        }
    }

    /// Ends the open transfer and returns the server's final reply.
    ///
    /// A download must have been read to its end (`read_data` returned 0); otherwise
    /// it is aborted and this returns [`Error::Truncated`]. An upload is closed with
    /// close_notify first.
    pub fn finish_transfer(&mut self) -> Result<Reply> {
        let Some(t) = self.active.as_mut() else {
            return Err(Error::State("no transfer open"));
        };
        if t.direction == Direction::Download && !t.eof {
            let (received, expected) = (t.bytes, t.announced);
            self.abort_transfer()?;
            return Err(Error::Truncated {
                received,
                expected,
                detail: "finish called before the end of the data; the transfer was aborted".into(),
            });
        }
        if t.direction == Direction::Upload {
            let idle = self.config.inner.timeouts.data_idle;
            if let Err(e) = t.stream.finish_upload(idle) {
                let err = Error::from_io(e, "closing the upload", Phase::DataIdle);
                return Err(self.fail_transfer(err));
            }
        }
        let t = self.active.take().ok_or(Error::State("no transfer open"))?;
        let full = t.full_handshake();
        drop(t.stream);
        let reply = match t.early_final {
            Some(r) => r,
            None => self.read_reply()?,
        };
        self.set_last_reply(reply.clone());
        if reply.is_success() {
            Ok(reply)
        } else if reply.is_preliminary() {
            self.ctl.broken = true;
            Err(Error::protocol(format!(
                "a second preliminary reply after the data: {reply}"
            )))
        } else {
            Err(final_error(t.verb, reply, full))
        }
    }

    /// Aborts the open transfer (`ABOR`), closes its data connection and reads the
    /// server's replies until the control connection is in step again.
    pub fn abort_transfer(&mut self) -> Result<()> {
        let Some(t) = self.active.take() else {
            return Ok(());
        };
        // Keep the tickets that already arrived: TLS 1.3 tickets are single use, and a
        // session that loses them cannot resume its next data connection.
        let mut stream = t.stream;
        stream.harvest_tickets();
        drop(stream);
        let r = (|| -> Result<()> {
            self.ctl.send("ABOR", None)?;
            // ABOR is answered with one or two replies (426 then 226, or 225/226), and
            // the transfer's own final reply may come too. NOOP's 200 marks the end.
            self.ctl.send("NOOP", None)?;
            for _ in 0..6 {
                let r = self.ctl.read_reply_within(Duration::from_secs(10))?;
                if r.code() == 200 {
                    return Ok(());
                }
            }
            Err(Error::protocol("no end to the replies after ABOR"))
        })();
        if r.is_err() {
            self.ctl.broken = true;
        }
        r
    }

    /// True while a transfer is open.
    pub fn transfer_open(&self) -> bool {
        self.active.is_some()
    }

    /// Downloads `path` as a `Read` stream. Call [`Download::finish`] at the end.
    pub fn retr(&mut self, path: impl AsRef<[u8]>) -> Result<Download<'_>> {
        self.retr_from(path, 0)
    }

    /// Downloads `path` from byte `offset` on (`REST`).
    pub fn retr_from(&mut self, path: impl AsRef<[u8]>, offset: u64) -> Result<Download<'_>> {
        self.start_download(path, offset)?;
        Ok(Download {
            client: self,
            done: false,
        })
    }

    /// Uploads to `path` as a `Write` stream (`STOR`, `APPE` or `REST`+`STOR`). Call
    /// [`Upload::finish`] at the end.
    pub fn stor(&mut self, path: impl AsRef<[u8]>, mode: UploadMode) -> Result<Upload<'_>> {
        self.start_upload(path, mode)?;
        Ok(Upload {
            client: self,
            done: false,
        })
    }

    /// Downloads `path` into `out`; returns the bytes written.
    pub fn download(
        &mut self,
        path: impl AsRef<[u8]>,
        out: &mut dyn Write,
        opts: &mut TransferOptions<'_>,
    ) -> Result<u64> {
        self.download_sized(path.as_ref(), out, opts, None)
    }

    fn download_sized(
        &mut self,
        path: &[u8],
        out: &mut dyn Write,
        opts: &mut TransferOptions<'_>,
        size: Option<u64>,
    ) -> Result<u64> {
        self.start_download_sized(path, opts.offset, size)?;
        let total = self.active.as_ref().and_then(ActiveTransfer::to_come);
        // Only a clear-text data connection reads through this buffer.
        let plain = matches!(
            self.active.as_ref().map(|t| &t.stream),
            Some(DataStream::Plain(_))
        );
        // Callbacks get pieces no larger than the session's buffer size.
        let limit = self.config.inner.buffer_size;
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
                self.abort_transfer()?;
                return Err(Error::Cancelled);
            }
        }
        self.finish_transfer()?;
        Ok(done)
    }

    /// Uploads everything `input` yields to `path`; returns the bytes sent. With
    /// `opts.offset` > 0 the remote file is overwritten from that offset on, and
    /// `input` must already be positioned at the matching place.
    pub fn upload(
        &mut self,
        input: &mut dyn Read,
        path: impl AsRef<[u8]>,
        opts: &mut TransferOptions<'_>,
    ) -> Result<u64> {
        self.upload_sized(input, path.as_ref(), opts, None)
    }

    fn upload_sized(
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
        let mut buf = page_aligned(self.config.inner.buffer_size);
        let buf = buf.slice();
        let mut done = 0u64;
        loop {
            let n = match input.read(buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let _ = self.abort_transfer();
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
                self.abort_transfer()?;
                return Err(Error::Cancelled);
            }
        }
        self.finish_transfer()?;
        Ok(done)
    }

    /// Downloads `remote` to the local file `local`; returns the bytes written.
    ///
    /// Without `resume`, the data goes to a temporary file beside `local` that
    /// replaces it only once the transfer succeeded: a failed download never
    /// clobbers an existing file. With `resume`, an existing `local` is continued
    /// from its length (`REST`) and kept as it is if the transfer fails.
    pub fn download_file(
        &mut self,
        remote: impl AsRef<[u8]>,
        local: impl AsRef<Path>,
        resume: bool,
        progress: Option<Progress<'_>>,
    ) -> Result<u64> {
        let (remote, local) = (remote.as_ref(), local.as_ref());
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
            let n = self.download_sized(remote, &mut f, &mut opts, known_size)?;
            f.sync_all().map_err(lio)?;
            return Ok(n);
        }
        let tmp = temp_path(local);
        let mut f = File::create(&tmp).map_err(|e| Error::LocalIo {
            path: tmp.clone(),
            source: e,
        })?;
        let mut opts = TransferOptions {
            offset: 0,
            progress,
        };
        let result = self
            .download(remote, &mut f, &mut opts)
            .and_then(|n| f.sync_all().map(|_| n).map_err(lio))
            .and_then(|n| fs::rename(&tmp, local).map(|_| n).map_err(lio));
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    /// Uploads the local file `local` to `remote`; returns the bytes sent. With
    /// `resume`, the remote file's current size (`SIZE`) is skipped in the local file
    /// and the rest written from there on (`REST` + `STOR`).
    pub fn upload_file(
        &mut self,
        local: impl AsRef<Path>,
        remote: impl AsRef<[u8]>,
        resume: bool,
        progress: Option<Progress<'_>>,
    ) -> Result<u64> {
        let (local, remote) = (local.as_ref(), remote.as_ref());
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
        self.upload_sized(&mut f, remote, &mut opts, Some(len - offset))
    }
}

/// Servers parse `REST` as a signed 64-bit number; vsftpd turns larger values into 0
/// and would send (or overwrite) the file from the start.
fn check_offset(offset: u64) -> Result<()> {
    if offset > i64::MAX as u64 {
        return Err(Error::invalid(
            "offset",
            format!("{offset} is beyond 2^63-1"),
        ));
    }
    Ok(())
}

/// Where [`Client::next_data`] puts a download's bytes.
enum Dest<'a> {
    /// Into this buffer, as `Read` does.
    Buf(&'a mut [u8]),
    /// To this writer, at most `limit` bytes per piece, through the scratch buffer
    /// where it needs one (a clear-text connection; empty under TLS).
    Writer {
        out: &'a mut dyn Write,
        scratch: &'a mut [u8],
        limit: usize,
    },
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

fn final_error(verb: &str, reply: Reply, full_handshake: bool) -> Error {
    if full_handshake && (reply.is_transient() || reply.is_permanent()) {
        return Error::SessionReuseRefused {
            detail: "the data connection did not resume the control connection's TLS session"
                .into(),
            reply: Some(reply),
        };
    }
    if reply.code() == 421 {
        return Error::ConnectionLost {
            during: "transfer",
            reply: Some(reply),
            source: None,
        };
    }
    Error::Reply {
        command: verb.to_string(),
        reply,
    }
}

fn temp_path(local: &Path) -> PathBuf {
    let name = local
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "download".into());
    local.with_file_name(format!(".{name}.{}.ftps-part", std::process::id()))
}

/// A download in progress, readable as a stream. End it with [`Download::finish`];
/// dropping it aborts the transfer.
pub struct Download<'a> {
    client: &'a mut Client,
    done: bool,
}

impl Download<'_> {
    /// Ends the download: needs the data read to its clean end, and the server's
    /// `2xx`. Returns the final reply.
    pub fn finish(mut self) -> Result<Reply> {
        self.done = true;
        self.client.finish_transfer()
    }

    /// Stops early with `ABOR`.
    pub fn abort(mut self) -> Result<()> {
        self.done = true;
        self.client.abort_transfer()
    }

    /// The TLS facts of this data connection.
    pub fn tls_info(&self) -> Option<&TlsInfo> {
        self.client.last_data_tls()
    }
}

impl Read for Download<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.client.read_data(buf).map_err(io::Error::from)
    }
}

impl Drop for Download<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.client.abort_transfer();
        }
    }
}

/// An upload in progress, writable as a stream. End it with [`Upload::finish`];
/// dropping it aborts the transfer.
pub struct Upload<'a> {
    client: &'a mut Client,
    done: bool,
}

impl Upload<'_> {
    /// Ends the upload: close_notify, wait for the server to close, and its `2xx`.
    pub fn finish(mut self) -> Result<Reply> {
        self.done = true;
        self.client.finish_transfer()
    }

    /// Stops early with `ABOR`.
    pub fn abort(mut self) -> Result<()> {
        self.done = true;
        self.client.abort_transfer()
    }
}

impl Write for Upload<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.client.write_data(buf).map_err(io::Error::from)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Upload<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.client.abort_transfer();
        }
    }
}
