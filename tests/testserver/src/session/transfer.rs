//! Commands that use a data connection: PASV/EPSV/PORT/EPRT set one up, RETR/STOR/APPE/
//! LIST/NLST/MLSD use it, REST and ABOR modify it. The data-connection fault hooks are here:
//! "transfer starts", "connection opened", "secure it", "file transfer starts" (cuts),
//! "send data", "end it".

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, SystemTime};

use super::{Flow, Session, lossy, split_command};
use crate::data::{self, CANARY_IP, DataChannel, DataSetup};
use crate::faults::{Cut, DataEnd, PasvTarget, TransferStart, fill_port};
use crate::fs::{VPath, WriteMode};
use crate::listing;
use crate::log::{DataConnLog, DataMode};
use crate::server::deadline_after;
use crate::tls::{self, Leaf, SecretCapture};

/// Result of preparing a transfer: a channel ready for payload, or the command is over.
// Made once per transfer and taken apart at once: boxing the big variant buys nothing.
#[allow(clippy::large_enum_variant)]
enum Start {
    Ready(DataChannel, DataConnLog),
    Done(Flow),
}

const CHUNK: usize = 64 * 1024;

/// Pause between the last bytes of a download that is cut and the RST, so that a client that
/// keeps reading has them before the RST throws away what is still in the server's buffer.
const CUT_GRACE: Duration = Duration::from_millis(50);

/// Final reply to a transfer cut by `Fault::CutData` or `Fault::CutDataOnce`.
const CUT_REPLY: &str = "Connection closed; transfer aborted.";

/// `PORT h1,h2,h3,h4,p1,p2`.
fn parse_port(arg: &str) -> Option<SocketAddr> {
    let nums: Vec<u8> = arg
        .trim()
        .split(',')
        .map(|n| n.trim().parse().ok())
        .collect::<Option<_>>()?;
    let [a, b, c, d, p1, p2] = nums.as_slice() else {
        return None;
    };
    let port = u16::from(*p1) << 8 | u16::from(*p2);
    (port != 0).then(|| SocketAddr::from((Ipv4Addr::new(*a, *b, *c, *d), port)))
}

/// `EPRT |1|127.0.0.1|port|` (any delimiter).
fn parse_eprt(arg: &str) -> Option<SocketAddr> {
    let delim = arg.chars().next()?;
    let parts: Vec<&str> = arg.split(delim).collect();
    let ["", proto, addr, port, ""] = parts.as_slice() else {
        return None;
    };
    let ip: IpAddr = match *proto {
        "1" => addr.parse::<Ipv4Addr>().ok()?.into(),
        "2" => addr.parse::<Ipv6Addr>().ok()?.into(),
        _ => return None,
    };
    let port: u16 = port.parse().ok()?;
    (port != 0).then_some(SocketAddr::new(ip, port))
}

/// Strip `ls` options (`-la`) from a LIST/NLST argument.
fn list_path(arg: &[u8]) -> &[u8] {
    let mut rest = arg;
    while rest.first() == Some(&b'-') {
        match rest.iter().position(|&b| b == b' ') {
            Some(i) => rest = &rest[i + 1..],
            None => return b"",
        }
    }
    rest
}

impl Session {
    pub(super) fn data_command(&mut self, verb: &str, arg: &[u8]) -> io::Result<Flow> {
        match verb {
            "PASV" => self.cmd_passive(false, arg)?,
            "EPSV" => self.cmd_passive(true, arg)?,
            "PORT" | "EPRT" => self.cmd_active(verb, arg)?,
            "REST" => match lossy(arg).trim().parse::<u64>() {
                Ok(n) => {
                    self.rest = n;
                    self.reply(350, format!("Restart position accepted ({n})."))?;
                }
                Err(_) => self.reply(501, "Bad REST argument.")?,
            },
            "ABOR" => {
                self.data = None;
                self.reply(225, "No transfer to abort.")?;
            }
            "RETR" => return self.cmd_retr(arg),
            "STOR" | "APPE" => return self.cmd_store(verb, arg),
            "LIST" | "NLST" | "MLSD" => return self.cmd_list(verb, arg),
            _ => self.reply(502, "Command not implemented.")?,
        }
        Ok(Flow::Continue)
    }

    // ---- setting up ------------------------------------------------------------------------

    fn cmd_passive(&mut self, extended: bool, arg: &[u8]) -> io::Result<()> {
        let plan = self.plan.clone();
        if extended && plan.epsv_refused {
            return self.reply(500, "EPSV not understood.");
        }
        if extended && lossy(arg).trim().eq_ignore_ascii_case("ALL") {
            return self.reply(200, "EPSV ALL ok.");
        }
        let ip = self.ctrl.local_ip()?;
        let canary = !extended && plan.pasv_target == PasvTarget::Canary;
        let Ok((listener, canary)) = data::passive_listener(ip, canary) else {
            return self.reply(425, "Could not open passive port.");
        };
        let port = listener.local_addr()?.port();
        self.data = Some(DataSetup::Passive { listener, canary });
        let malformed = if extended {
            &plan.malformed_epsv
        } else {
            &plan.malformed_pasv
        };
        if let Some(template) = malformed {
            return self.send_raw(&fill_port(template, port));
        }
        if extended {
            return self.reply(229, format!("Entering Extended Passive Mode (|||{port}|)"));
        }
        let [a, b, c, d] = match plan.pasv_target {
            PasvTarget::Real => match ip {
                IpAddr::V4(v4) => v4.octets(),
                IpAddr::V6(_) => return self.reply(425, "Use EPSV on IPv6."),
            },
            PasvTarget::Address(addr) => addr,
            PasvTarget::Canary => CANARY_IP.octets(),
        };
        let (p1, p2) = (port >> 8, port & 0xff);
        self.reply(
            227,
            format!("Entering Passive Mode ({a},{b},{c},{d},{p1},{p2})."),
        )
    }

    fn cmd_active(&mut self, verb: &str, arg: &[u8]) -> io::Result<()> {
        let text = lossy(arg);
        let target = if verb == "PORT" {
            parse_port(&text)
        } else {
            parse_eprt(&text)
        };
        // Connect only to loopback: the test server must never be an FTP bounce relay.
        match target {
            Some(addr) if addr.ip().is_loopback() => {
                self.data = Some(DataSetup::Active { target: addr });
                self.reply(
                    200,
                    format!("{verb} command successful. Consider using PASV."),
                )
            }
            _ => self.reply(500, format!("Illegal {verb} command.")),
        }
    }

    // ---- the hooks every transfer goes through ---------------------------------------------

    /// Hooks "transfer starts", "connection opened", "secure it": open the data connection,
    /// send `150` and do the TLS handshake, or answer the command if any of that fails.
    /// `half_rtt`: download bytes to send as 0.5-RTT data (`Fault::LateTicket`).
    fn start_transfer(
        &mut self,
        opening: &str,
        together: bool,
        half_rtt: &[u8],
    ) -> io::Result<Start> {
        let Some(setup) = self.data.take() else {
            self.reply(425, "Use PORT or PASV first.")?;
            return Ok(Start::Done(Flow::Continue));
        };
        if self.plan.transfer_start != TransferStart::Normal {
            return Ok(Start::Done(self.fake_transfer(setup, opening)?));
        }
        let Ok(channel) = self.open_data(setup) else {
            self.reply(425, "Failed to establish connection.")?;
            return Ok(Start::Done(Flow::Continue));
        };
        if together {
            self.send_reply(format!("150 {opening}\r\n226 Transfer complete.\r\n").into_bytes())?;
        } else {
            self.reply(150, opening)?;
        }
        let log = DataConnLog {
            command: self.line.clone(),
            mode: channel.mode,
            peer: channel.peer,
            tls: false,
            resumed: false,
            tls_version: None,
            bytes: 0,
            client_sent_close_notify: false,
            key_updates_sent: 0,
            client_key_updates: None,
            half_rtt_bytes: 0,
            reply: String::new(),
        };
        self.secure_data(channel, log, half_rtt)
    }

    /// The transfer-start faults: no data connection, `425` or `421` instead of `150`.
    fn fake_transfer(&mut self, setup: DataSetup, opening: &str) -> io::Result<Flow> {
        match self.plan.transfer_start {
            TransferStart::Normal | TransferStart::Reply425 => {
                self.reply(425, "Can't open data connection.")?;
            }
            TransferStart::Reply421 => {
                self.reply(421, "Service not available, closing control connection.")?;
                return Ok(Flow::Quit);
            }
            TransferStart::NoConnection(give_up) => {
                self.reply(150, opening)?;
                match give_up {
                    Some(after) => {
                        self.sh.sleep(after);
                        drop(setup);
                        self.reply(425, "Failed to establish connection.")?;
                    }
                    // Keep the listener open: the client's connect succeeds, then nothing.
                    None => self.held = Some(setup),
                }
            }
        }
        Ok(Flow::Continue)
    }

    /// Accept (passive) or connect (active, after the racer if any) the data connection.
    fn open_data(&mut self, setup: DataSetup) -> io::Result<DataChannel> {
        let sh = self.sh.clone();
        let timeout = sh.cfg.data_timeout;
        let (tcp, mode) = match setup {
            DataSetup::Passive { listener, canary } => {
                let deadline = deadline_after(timeout);
                let tcp = data::accept(&sh, &listener, canary.as_ref(), deadline)?;
                (tcp, DataMode::Passive)
            }
            DataSetup::Active { target } => {
                if self.plan.active_racer {
                    data::race(&sh, self.id, target);
                }
                (data::connect(target, timeout)?, DataMode::Active)
            }
        };
        DataChannel::new(&sh, tcp, mode, timeout)
    }

    /// Under `PROT P`, the TLS handshake on the data connection and the session-reuse check;
    /// a refused connection is answered with `522` (as vsftpd does).
    fn secure_data(
        &mut self,
        mut channel: DataChannel,
        mut log: DataConnLog,
        half_rtt: &[u8],
    ) -> io::Result<Start> {
        let sh = self.sh.clone();
        let plan = self.plan.clone();
        if !self.prot_private || plan.data_plaintext {
            return Ok(Start::Ready(channel, log));
        }
        let (mut config, require_reuse) = if plan.different_cert_on_data {
            let fresh = Arc::new(AtomicUsize::new(0));
            let config = tls::session_config(&sh.certs, &sh.cfg.tls, Leaf::Other, fresh)?;
            (config, false)
        } else {
            (self.tls_config.clone(), sh.cfg.require_session_reuse)
        };
        // A copy of the session's config (same ticket key and session cache, so resumption
        // works as before) for the faults that need rustls settings of their own.
        let secrets = plan
            .key_update_every
            .map(|_| Arc::new(SecretCapture::default()));
        if secrets.is_some() || !half_rtt.is_empty() {
            let mut own = (*config).clone();
            if let Some(capture) = &secrets {
                own.enable_secret_extraction = true;
                own.key_log = capture.clone();
            }
            own.send_half_rtt_data = !half_rtt.is_empty();
            config = Arc::new(own);
        }
        let accept = |conn: &rustls::ServerConnection| {
            !require_reuse || conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
        };
        let handshake = channel.start_tls(
            config,
            deadline_after(sh.cfg.data_timeout),
            half_rtt,
            accept,
            secrets,
        );
        log.tls = channel.is_tls();
        log.resumed = channel.resumed();
        log.tls_version = channel.tls_version();
        let refusal = match handshake {
            Err(_) => Some("SSL connection failed."),
            Ok(_) if require_reuse && !log.resumed => {
                Some("SSL connection failed: session reuse required")
            }
            Ok(sent) => {
                log.half_rtt_bytes = sent as u64;
                None
            }
        };
        match refusal {
            None => Ok(Start::Ready(channel, log)),
            Some(text) => {
                channel.stop_watching_keys();
                channel.finish(DataEnd::Clean);
                self.finish_transfer(log, 522, text)?;
                Ok(Start::Done(Flow::Continue))
            }
        }
    }

    /// Record the data connection with its final reply, then send that reply.
    fn finish_transfer(&mut self, mut log: DataConnLog, code: u16, text: &str) -> io::Result<()> {
        log.reply = format!("{code} {text}");
        self.sh.rec.update(self.id, |s| s.data.push(log));
        if self.plan.busy_until_final {
            self.refuse_early_commands()?;
        }
        self.reply(code, text)
    }

    /// `Fault::BusyUntilFinal`: the commands that arrived during the transfer or within
    /// 200 ms after it are refused, as a server still in its transfer loop does.
    fn refuse_early_commands(&mut self) -> io::Result<()> {
        std::thread::sleep(std::time::Duration::from_millis(200));
        while self.ctrl.has_input() {
            let Some(line) = self.ctrl.read_line()? else {
                break;
            };
            self.queued.push_back(line);
        }
        while let Some(line) = self.queued.pop_front() {
            let text = lossy(&line);
            self.sh.rec.command(self.id, &text);
            let verb = split_command(&line).0.to_string();
            self.reply(450, format!("{verb}: data transfer in progress"))?;
        }
        Ok(())
    }

    /// Hook "file transfer starts" (a `RETR`/`STOR`/`APPE` data connection is ready): count
    /// it server-wide, if the plan cuts any, and say whether this one is cut.
    fn file_transfer_cut(&self) -> Option<Cut> {
        if !self.plan.counts_transfers() {
            return None;
        }
        self.plan.cut_for(self.sh.rec.file_transfer())
    }

    /// The data connection was cut (G6): RST it, count the cut, then answer `426`, or with
    /// `Fault::DropSessionMidTransfer` drop the control connection without a word.
    fn cut_transfer(
        &mut self,
        channel: DataChannel,
        mut log: DataConnLog,
        cut: Cut,
    ) -> io::Result<Flow> {
        channel.finish(DataEnd::Rst);
        self.sh.rec.cut();
        if cut.drop_session {
            log.reply = String::new();
            self.sh.rec.update(self.id, |s| s.data.push(log));
            return Ok(Flow::Reset);
        }
        self.finish_transfer(log, 426, CUT_REPLY)?;
        Ok(Flow::Continue)
    }

    /// During a download: has the client sent `ABOR` (or gone away)? Other commands are
    /// queued and answered after the transfer.
    fn abort_requested(&mut self) -> io::Result<bool> {
        if !self.ctrl.has_input() {
            return Ok(false);
        }
        let Some(line) = self.ctrl.read_line()? else {
            return Ok(true);
        };
        if split_command(&line).0 == "ABOR" {
            self.sh.rec.command(self.id, &lossy(&line));
            return Ok(true);
        }
        self.queued.push_back(line);
        Ok(false)
    }

    /// Hooks "send data" and "end it" for a download; `file`: a `RETR` (cuts apply), not a
    /// listing.
    fn download(&mut self, payload: &[u8], opening: &str, file: bool) -> io::Result<Flow> {
        let sh = self.sh.clone();
        let plan = self.plan.clone();
        let total = plan.download_len(payload.len());
        let half_rtt = match plan.late_ticket {
            Some(n) => &payload[..usize::try_from(n).unwrap_or(usize::MAX).min(total)],
            None => &[][..],
        };
        let start = self.start_transfer(opening, plan.together_150_226, half_rtt)?;
        let (mut channel, mut log) = match start {
            Start::Ready(channel, log) => (channel, log),
            Start::Done(flow) => return Ok(flow),
        };
        let cut = if file { self.file_transfer_cut() } else { None };
        // Cut only a download that has more than `after` bytes to send.
        let cut = cut.filter(|c| c.after < total as u64);
        let cut_at = cut.map(|c| usize::try_from(c.after).unwrap_or(usize::MAX));
        let early_at = plan.early_226.then_some(total / 2);
        let (chunk, pause) = plan.slow_data.unwrap_or((CHUNK, Duration::ZERO));
        let half_rtt_sent = usize::try_from(log.half_rtt_bytes).unwrap_or(usize::MAX);
        let (mut sent, mut early_sent, mut failed, mut aborted, mut cut_now) =
            (half_rtt_sent, false, false, false, false);
        // Where the next KeyUpdate goes: after every `every` bytes, never after the last.
        let every = plan
            .key_update_every
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        let next_update =
            |sent: usize| every.map(|n| (sent / n).saturating_add(1).saturating_mul(n));
        let mut update_at = next_update(sent);
        loop {
            if early_at.is_some_and(|at| !early_sent && sent >= at) {
                self.reply(226, "Transfer complete.")?;
                early_sent = true;
            }
            if sent >= total {
                break;
            }
            if cut_at.is_some_and(|at| sent >= at) {
                cut_now = true;
                break;
            }
            let mut end = (sent + chunk).min(total);
            if let Some(at) = early_at.filter(|&at| !early_sent && at > sent) {
                end = end.min(at);
            }
            if let Some(at) = update_at {
                end = end.min(at);
            }
            if let Some(at) = cut_at {
                end = end.min(at);
            }
            if channel.write_all(&payload[sent..end]).is_err() {
                failed = true;
                break;
            }
            sent = end;
            if update_at == Some(sent) {
                update_at = next_update(sent);
                if sent < total && channel.refresh_keys().is_err() {
                    failed = true;
                    break;
                }
            }
            if !pause.is_zero() {
                sh.sleep(pause);
            }
            if self.abort_requested()? {
                aborted = true;
                break;
            }
        }
        log.bytes = sent as u64;
        if let Some(cut) = cut.filter(|_| cut_now) {
            log.key_updates_sent = channel.key_updates_sent;
            sh.sleep(CUT_GRACE);
            return self.cut_transfer(channel, log, cut);
        }
        let end = match (failed, aborted) {
            (true, _) => DataEnd::Rst,
            (_, true) => DataEnd::Fin,
            _ => plan.data_end,
        };
        log.key_updates_sent = channel.key_updates_sent;
        log.client_key_updates = channel.finish(end);
        if aborted {
            self.finish_transfer(log, 426, "Connection closed; transfer aborted.")?;
            self.reply(226, "ABOR successful.")?;
        } else if failed {
            self.finish_transfer(log, 426, "Failure writing network stream.")?;
        } else if plan.together_150_226 || early_sent {
            log.reply = "226 Transfer complete.".into();
            self.sh.rec.update(self.id, |s| s.data.push(log));
        } else {
            self.finish_transfer(log, 226, "Transfer complete.")?;
        }
        Ok(Flow::Continue)
    }

    // ---- the transfer commands -------------------------------------------------------------

    fn cmd_retr(&mut self, arg: &[u8]) -> io::Result<Flow> {
        let offset = std::mem::take(&mut self.rest);
        let target = self.cwd.resolve(arg);
        let contents = match self.sh.fs.read(&target) {
            Ok(contents) if !arg.is_empty() => contents,
            _ => {
                self.data = None;
                self.reply(550, "Failed to open file.")?;
                return Ok(Flow::Continue);
            }
        };
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(contents.len());
        // ProFTPD announces the bytes to come, vsftpd the whole file.
        let announced = if self.plan.announce_whole {
            contents.len()
        } else {
            contents.len() - start
        };
        let opening = format!(
            "Opening BINARY mode data connection for {} ({announced} bytes).",
            lossy(target.name()),
        );
        self.download(&contents[start..], &opening, true)
    }

    fn cmd_list(&mut self, verb: &str, arg: &[u8]) -> io::Result<Flow> {
        if verb == "MLSD" && !self.sh.cfg.mlsd {
            self.reply(502, "Command not implemented.")?;
            return Ok(Flow::Continue);
        }
        self.rest = 0;
        let plan = self.plan.clone();
        if let Some(body) = plan.listing_body(verb) {
            return self.download(body, "Here comes the directory listing.", false);
        }
        let path = if verb == "MLSD" { arg } else { list_path(arg) };
        let target = self.cwd.resolve(path);
        let Some(meta) = self.sh.fs.stat(&target) else {
            if self.sh.cfg.missing_dirs_list_empty {
                return self.download(b"", "Here comes the directory listing.", false);
            }
            self.data = None;
            self.reply(550, "Failed to open directory.")?;
            return Ok(Flow::Continue);
        };
        let body = if meta.is_dir {
            let Ok(entries) = self.sh.fs.list(&target) else {
                self.data = None;
                self.reply(550, "Failed to open directory.")?;
                return Ok(Flow::Continue);
            };
            match verb {
                "LIST" => listing::list(&entries, SystemTime::now()),
                "NLST" => listing::nlst(&entries),
                _ => listing::mlsd(&meta, &entries),
            }
        } else {
            let entry = [(target.name().to_vec(), meta)];
            match verb {
                "LIST" => listing::list(&entry, SystemTime::now()),
                "NLST" => listing::nlst(&entry),
                _ => {
                    self.data = None;
                    self.reply(501, "Not a directory.")?;
                    return Ok(Flow::Continue);
                }
            }
        };
        self.download(&body, "Here comes the directory listing.", false)
    }

    fn cmd_store(&mut self, verb: &str, arg: &[u8]) -> io::Result<Flow> {
        let offset = std::mem::take(&mut self.rest);
        let mode = match (verb, offset) {
            ("APPE", _) => WriteMode::Append,
            (_, 0) => WriteMode::Replace,
            (_, n) => WriteMode::At(n),
        };
        let target = self.cwd.resolve(arg);
        let parent_ok = self.sh.fs.stat(&target.parent()).is_some_and(|m| m.is_dir);
        let is_dir = self.sh.fs.stat(&target).is_some_and(|m| m.is_dir);
        if arg.is_empty() || !parent_ok || is_dir {
            self.data = None;
            self.reply(553, "Could not create file.")?;
            return Ok(Flow::Continue);
        }
        let opening = "Ok to send data.";
        let (channel, log) = match self.start_transfer(opening, false, &[])? {
            Start::Ready(channel, log) => (channel, log),
            Start::Done(flow) => return Ok(flow),
        };
        self.upload(channel, log, &target, mode)
    }

    /// Read an upload until close_notify or EOF, storing it as it arrives (up to
    /// `max_upload` bytes), answer. A cut (`Fault::CutData` and kin) stops after exactly
    /// `after` bytes stored, once the client sends more than that.
    fn upload(
        &mut self,
        mut channel: DataChannel,
        mut log: DataConnLog,
        target: &VPath,
        mode: WriteMode,
    ) -> io::Result<Flow> {
        let sh = self.sh.clone();
        let cut = self.file_transfer_cut();
        let every = self.plan.key_update_every;
        let mut update_at = every;
        // A failure to store shows at the end (451); the data is read all the same.
        let mut writer = sh.fs.open_write(target, mode).ok();
        let mut write_failed = writer.is_none();
        let mut room = sh.cfg.max_upload;
        let mut buf = vec![0u8; CHUNK];
        let mut cut_now = false;
        let ended = loop {
            // Up to a cut, read no further than it, so that exactly `after` bytes are stored.
            let want = match cut {
                Some(c) if log.bytes < c.after => {
                    usize::try_from(c.after - log.bytes).map_or(CHUNK, |left| left.min(CHUNK))
                }
                _ => CHUNK,
            };
            match channel.read(&mut buf[..want]) {
                Ok(0) => break Ok(channel.is_tls()),
                Ok(n) => {
                    if cut.is_some_and(|c| log.bytes >= c.after) {
                        cut_now = true;
                        break Ok(false);
                    }
                    log.bytes += n as u64;
                    let keep = usize::try_from(room).map_or(n, |room| room.min(n));
                    if let Some(w) = writer.as_mut().filter(|_| keep > 0) {
                        if w.write(&buf[..keep]).is_ok() {
                            room -= keep as u64;
                        } else {
                            writer = None;
                            write_failed = true;
                        }
                    }
                    if let (Some(at), Some(n)) = (update_at, every)
                        && log.bytes >= at
                    {
                        update_at = Some((log.bytes / n).saturating_add(1).saturating_mul(n));
                        if let Err(e) = channel.refresh_keys() {
                            break Err(e);
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break Ok(false),
                Err(e) => break Err(e),
            }
        };
        // What came is stored (and on disk, the file closed) before any reply.
        drop(writer);
        log.key_updates_sent = channel.key_updates_sent;
        if let Some(cut) = cut.filter(|_| cut_now) {
            return self.cut_transfer(channel, log, cut);
        }
        let Ok(close_notify) = ended else {
            channel.finish(DataEnd::Rst);
            self.finish_transfer(log, 426, "Failure reading network stream.")?;
            return Ok(Flow::Continue);
        };
        log.client_sent_close_notify = close_notify;
        let strict_failure = log.tls && !close_notify && sh.cfg.strict_upload_eof;
        log.client_key_updates = channel.finish(DataEnd::Clean);
        if write_failed {
            self.finish_transfer(log, 451, "Failure writing to local file.")?;
        } else if strict_failure {
            self.finish_transfer(log, 426, "Failure reading network stream.")?;
        } else {
            self.finish_transfer(log, 226, "Transfer complete.")?;
        }
        Ok(Flow::Continue)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_arguments() {
        assert_eq!(
            parse_port("127,0,0,1,4,1"),
            Some("127.0.0.1:1025".parse().unwrap())
        );
        assert_eq!(parse_port("127,0,0,1,256,1"), None);
        assert_eq!(parse_port("127,0,0,1,0,0"), None);
        assert_eq!(
            parse_eprt("|2|::1|2121|"),
            Some("[::1]:2121".parse().unwrap())
        );
        assert_eq!(
            parse_eprt("!1!127.0.0.1!21!"),
            Some("127.0.0.1:21".parse().unwrap())
        );
        assert_eq!(parse_eprt("|1|::1|21|"), None);
        assert_eq!(parse_eprt("|1|127.0.0.1|21"), None);
    }

    #[test]
    fn list_options_are_skipped() {
        assert_eq!(list_path(b"-la dir"), b"dir");
        assert_eq!(list_path(b"-a"), b"");
        assert_eq!(list_path(b"dir"), b"dir");
    }
}
