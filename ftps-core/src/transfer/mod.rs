//! Transfers: the engine under downloads as `Read` streams, uploads as `Write` streams
//! (both ending with `finish()`, see `guard`), and the convenience calls built on them
//! (`calls`).
//!
//! A download succeeds only when the data connection ended cleanly (TLS close_notify, or
//! exactly the announced byte count) and the server then said `2xx` (docs/threats.md,
//! class G1). An upload sends close_notify, waits for the server to close, and needs the
//! final `2xx` too (G2).
//!
//! A client's transfer state is a [`TransferState`] of its own, next to its
//! [`Session`]; [`Transfer`] borrows the two together for the time of one call or one
//! [`Download`]/[`Upload`].

mod calls;
mod guard;

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::config::TransferType;
use crate::data::{self, DataState, DataStream, OpenParams, ReadFail};
use crate::error::{Error, Phase, Result};
use crate::reply::{Reply, parse_150_size};
use crate::session::Session;
use crate::tls::TlsInfo;

pub(crate) use calls::temp_file;
pub use calls::{Progress, TransferOptions};
pub use guard::{Download, Upload};

/// How an upload writes the remote file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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

/// The open transfer: its data connection and what is known of its bytes.
struct ActiveTransfer {
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

/// What a client knows about its transfers: how to open data connections, the open
/// transfer if any, and the TLS facts of the last data connection.
#[derive(Default)]
pub(crate) struct TransferState {
    data: DataState,
    active: Option<ActiveTransfer>,
    last_data_tls: Option<TlsInfo>,
    /// Another transfer is expected after this one (a batch): its `EPSV` goes ahead at
    /// the end of this one where the server reads ahead (docs/threats.md, class P3).
    pub(crate) more_follow: bool,
}

impl TransferState {
    /// True while a transfer is open.
    pub(crate) fn is_open(&self) -> bool {
        self.active.is_some()
    }

    /// The TLS facts of the last data connection.
    pub(crate) fn last_data_tls(&self) -> Option<&TlsInfo> {
        self.last_data_tls.as_ref()
    }

    /// Drops the open transfer's data connection, if any, without a word to the server
    /// (the session is going away).
    pub(crate) fn discard(&mut self) {
        self.active = None;
    }

    /// Fails when a transfer is still open, or the connection was lost.
    pub(crate) fn check_idle(&self, session: &Session) -> Result<()> {
        if self.active.is_some() {
            return Err(Error::State(
                "a transfer is still open: finish or abort it first",
            ));
        }
        session.check_usable()
    }

    /// [`TransferState::check_idle`], and logged in.
    pub(crate) fn check_ready(&self, session: &Session) -> Result<()> {
        self.check_idle(session)?;
        session.check_logged_in()
    }
}

/// A session and its transfer state, borrowed together: what every transfer call works on.
pub(crate) struct Transfer<'a> {
    session: &'a mut Session,
    state: &'a mut TransferState,
    /// The commands the caller sends after this transfer (its check), sent ahead at
    /// its end where the server reads ahead.
    then: Vec<(&'static str, Vec<u8>)>,
}

impl<'a> Transfer<'a> {
    pub(crate) fn new(session: &'a mut Session, state: &'a mut TransferState) -> Transfer<'a> {
        Transfer {
            session,
            state,
            then: Vec::new(),
        }
    }

    /// The commands (verb, argument) the caller will send once the transfer is done.
    pub(crate) fn then(mut self, cmds: Vec<(&'static str, Vec<u8>)>) -> Transfer<'a> {
        self.then = cmds;
        self
    }
}

impl Transfer<'_> {
    /// Fails when a transfer is still open, the connection was lost, or before login.
    pub(crate) fn ready(&self) -> Result<()> {
        self.state.check_ready(self.session)
    }

    /// `SIZE`, as [`crate::Client::size`] does it.
    fn size(&mut self, path: &[u8]) -> Result<u64> {
        self.ready()?;
        self.session.size(path)
    }

    fn open_params(&self) -> OpenParams {
        let c = &self.session.config().inner;
        OpenParams {
            mode: c.data_mode,
            protection: c.protection,
            trust_pasv_address: c.trust_pasv_address,
            nodelay: c.nodelay,
            data_connect: c.timeouts.data_connect,
            tls: self.session.tls().cloned(),
            control_cert: self.session.control().peer_certificate(),
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
                if self.session.tls().is_some_and(|t| t.store.has_tickets()) =>
            {
                if let Some(t) = self.session.tls() {
                    t.store.count_retry();
                }
                self.session.note(
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
            let reply = self.session.raw_cmd("REST", Some(off.as_bytes()))?;
            if reply.code() != 350 {
                return Err(Error::Reply {
                    command: "REST".into(),
                    reply,
                });
            }
        }
        let params = self.open_params();
        let opened = match data::open(
            self.session.control_mut(),
            &mut self.state.data,
            &params,
            verb,
            arg,
        ) {
            Ok(o) => o,
            Err(e) => {
                if let Some(r) = e.reply() {
                    let r = r.clone();
                    self.session.set_last_reply(r);
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
            self.session.note(&msg);
        }
        let announced = opened
            .preliminary
            .as_ref()
            .and_then(|r| parse_150_size(r.first_line_text()));
        if let Some(r) = &opened.preliminary {
            self.session.set_last_reply(r.clone());
        }
        let idle = self.session.config().inner.timeouts.data_idle;
        crate::control::set_timeouts(opened.stream.tcp(), idle)
            .map_err(|e| Error::from_io(e, "data connection", Phase::DataIdle))?;
        self.state.last_data_tls = opened.tls.clone();
        self.state.active = Some(ActiveTransfer {
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

    /// Starts a download (`RETR`), from `offset` on (`REST`) when it is not 0. With the
    /// file's `size` known (`SIZE`), a data connection that ends without close_notify is
    /// complete when exactly `size - offset` bytes arrived, and one that ends short of it
    /// is truncated.
    ///
    /// From an offset, with the size not known, the size is asked for (`SIZE`, in
    /// binary mode): the `150` count alone cannot tell a complete download from one cut
    /// `offset` bytes short, since servers mean it as the whole file (vsftpd) or as the
    /// bytes to come (ProFTPD). A server without `SIZE` leaves only the count.
    pub(crate) fn start_download(
        &mut self,
        path: &[u8],
        offset: u64,
        size: Option<u64>,
    ) -> Result<()> {
        if path.is_empty() {
            return Err(Error::invalid("path", "empty"));
        }
        check_offset(offset)?;
        let t = self.session.config().transfer_type();
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
        self.session.set_type(t)?;
        self.start("RETR", Some(path), offset, Direction::Download, size)
    }

    /// Starts an upload (`STOR`, `APPE` or `REST` + `STOR`).
    pub(crate) fn start_upload(&mut self, path: &[u8], mode: UploadMode) -> Result<()> {
        if path.is_empty() {
            return Err(Error::invalid("path", "empty"));
        }
        let t = self.session.config().transfer_type();
        self.ready()?;
        self.session.set_type(t)?;
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
    pub(crate) fn read_data(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.next_data(Dest::Buf(buf))
    }

    /// Reads the next piece of a download into a buffer, or writes it to a writer
    /// (under TLS straight from the record rustls decrypted). A failing writer aborts
    /// the transfer and is [`Error::LocalIo`].
    fn next_data(&mut self, dest: Dest<'_>) -> Result<usize> {
        let Some(t) = self.state.active.as_mut() else {
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
                    let _ = self.abort();
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
        Err(self.fail(err))
    }

    /// Writes bytes of an upload.
    pub(crate) fn write_data(&mut self, buf: &[u8]) -> Result<usize> {
        let Some(t) = self.state.active.as_mut() else {
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
                Err(self.fail(err))
            }
        }
    }

    /// The data connection failed: close it, and let the server's final reply say
    /// why when it has one (a refused session reuse shows up this way).
    fn fail(&mut self, err: Error) -> Error {
        let Some(t) = self.state.active.take() else {
            return err;
        };
        let full = t.full_handshake();
        let mut stream = t.stream;
        stream.harvest_tickets();
        drop(stream);
        let reply = match t.early_final {
            Some(r) => Ok(r),
            None => self
                .session
                .control_mut()
                .read_reply_within(Duration::from_secs(5)),
        };
        match reply {
            Ok(r) => {
                self.session.set_last_reply(r.clone());
                if !r.is_success() && !r.is_preliminary() {
                    return final_error(t.verb, r, full);
                }
                err
            }
            Err(_) => {
                // The server said nothing in time: the control connection can no
                // longer be trusted to be in step.
                self.session.mark_broken();
                err
            }
        }
    }

    /// Ends the open transfer and returns the server's final reply.
    ///
    /// A download must have been read to its end (`read_data` returned 0); otherwise
    /// it is aborted and this returns [`Error::Truncated`]. An upload is closed with
    /// close_notify first.
    pub(crate) fn finish(&mut self) -> Result<Reply> {
        let Some(t) = self.state.active.as_mut() else {
            return Err(Error::State("no transfer open"));
        };
        if t.direction == Direction::Download && !t.eof {
            let (received, expected) = (t.bytes, t.announced);
            self.abort()?;
            return Err(Error::Truncated {
                received,
                expected,
                detail: "finish called before the end of the data; the transfer was aborted".into(),
            });
        }
        if t.direction == Direction::Upload {
            let idle = self.session.config().inner.timeouts.data_idle;
            if let Err(e) = t.stream.finish_upload(idle) {
                let err = Error::from_io(e, "closing the upload", Phase::DataIdle);
                return Err(self.fail(err));
            }
        }
        let t = self
            .state
            .active
            .take()
            .ok_or(Error::State("no transfer open"))?;
        let full = t.full_handshake();
        drop(t.stream);
        // The data connection is closed on both sides: what comes next can go now.
        let mut ahead = self.send_ahead()?;
        let reply = match t.early_final {
            Some(r) => r,
            None => {
                let mut r = self.session.read_reply()?;
                while let Some(a) = ahead.as_mut()
                    && a.refused_first(&r)
                {
                    r = self.session.read_reply()?;
                }
                r
            }
        };
        if let Some(ahead) = ahead
            && !self.session.control_mut().collect_ahead(ahead)?
        {
            self.session.stop_reading_ahead();
        }
        self.session.set_last_reply(reply.clone());
        if reply.is_success() {
            Ok(reply)
        } else if reply.is_preliminary() {
            self.session.mark_broken();
            Err(Error::protocol(format!(
                "a second preliminary reply after the data: {reply}"
            )))
        } else {
            Err(final_error(t.verb, reply, full))
        }
    }

    /// Sends the commands that follow this transfer (its check, the next transfer's
    /// `EPSV`) before its final reply, where the server reads ahead.
    fn send_ahead(&mut self) -> Result<Option<crate::control::Ahead>> {
        if !self.session.reads_ahead() {
            return Ok(None);
        }
        let mut cmds: Vec<(&str, Option<&[u8]>)> = Vec::new();
        for (verb, arg) in &self.then {
            // SIZE is asked in binary mode: not ahead when a TYPE I must go first.
            if *verb == "SIZE" && !self.session.is_binary() {
                break;
            }
            cmds.push((verb, Some(arg.as_slice())));
        }
        if self.state.more_follow && self.state.data.may_prefetch(&self.session.config().inner) {
            cmds.push(("EPSV", None));
        }
        if cmds.is_empty() {
            return Ok(None);
        }
        self.session.control_mut().send_ahead(&cmds).map(Some)
    }

    /// Aborts the open transfer (`ABOR`), closes its data connection and reads the
    /// server's replies until the control connection is in step again.
    pub(crate) fn abort(&mut self) -> Result<()> {
        let Some(t) = self.state.active.take() else {
            return Ok(());
        };
        // Keep the tickets that already arrived: TLS 1.3 tickets are single use, and a
        // session that loses them cannot resume its next data connection.
        let mut stream = t.stream;
        stream.harvest_tickets();
        let late = self.session.reads_abor_late();
        let r = (|| -> Result<()> {
            let ctl = self.session.control_mut();
            ctl.send("ABOR", None)?;
            // A server that reads ABOR during the transfer stops and closes the data
            // connection itself; a bounded wait for that spares it a write to a closed
            // one. vsftpd reads ABOR only once its transfer is over: closed at once.
            if !late && t.direction == Direction::Download {
                let closed = stream.drain(ABOR_DRAIN_BYTES, Instant::now() + ABOR_DRAIN_TIME);
                if !closed {
                    ctl.note("the server did not close the data connection after ABOR: closing it");
                }
            }
            drop(stream);
            // ABOR is answered with one or two replies (426 then 226, or 225/226), and
            // the transfer's own final reply may come too. NOOP's 200 marks the end.
            ctl.send("NOOP", None)?;
            for _ in 0..6 {
                let r = ctl.read_reply_within(Duration::from_secs(10))?;
                if r.code() == 200 {
                    return Ok(());
                }
            }
            Err(Error::protocol("no end to the replies after ABOR"))
        })();
        if r.is_err() {
            self.session.mark_broken();
        }
        r
    }
}

/// After `ABOR`, how much of a download is read and dropped at most while waiting for
/// the server to close the data connection, and for how long.
const ABOR_DRAIN_BYTES: u64 = 16 << 20;
const ABOR_DRAIN_TIME: Duration = Duration::from_secs(2);

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

/// Where [`Transfer::next_data`] puts a download's bytes.
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
