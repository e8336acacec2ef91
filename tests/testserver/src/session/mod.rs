//! One control session: the command loop, the reply choke point (where reply faults hook
//! in), login and the TLS upgrade. File commands live in `commands.rs`, data commands in
//! `transfer.rs`.

mod commands;
mod transfer;

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

use rustls::ServerConfig;

use crate::control::Control;
use crate::data::DataSetup;
use crate::faults::{CommandHook, GREETING, Plan};
use crate::fs::VPath;
use crate::hash::{self, HashAlgo};
use crate::limits::{ClientSlot, UserSlot};
use crate::server::{Shared, deadline_after};
use crate::tls::{self, Leaf};

/// What the command loop does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Read the next command.
    Continue,
    /// Close in an orderly way (close_notify, FIN).
    Quit,
    /// Close with an RST.
    Reset,
    /// The connection is gone or broken; just drop it.
    Drop,
}

/// Commands allowed before login.
const BEFORE_LOGIN: &[&str] = &[
    "USER", "PASS", "ACCT", "AUTH", "PBSZ", "PROT", "FEAT", "SYST", "QUIT", "NOOP", "OPTS", "HELP",
];

pub(crate) struct Session {
    sh: Arc<Shared>,
    /// The faults of this session: the server's, or from login on the user's own.
    plan: Arc<Plan>,
    id: usize,
    ctrl: Control,
    implicit: bool,
    tls_config: Arc<ServerConfig>,
    /// Verb of the command being answered (or `GREETING`): reply faults select on it.
    verb: String,
    /// The command line being answered, for data-connection logs.
    line: String,
    verb_counts: HashMap<String, usize>,
    commands: usize,
    pending_user: Option<String>,
    awaiting_acct: bool,
    user: Option<String>,
    /// This connection's place under [`Builder::max_clients`](crate::Builder::max_clients);
    /// `None`: over the limit, the connection is refused with 421.
    client_slot: Option<ClientSlot>,
    /// The logged-in user's place under
    /// [`Builder::max_sessions_per_user`](crate::Builder::max_sessions_per_user); held
    /// exactly while `user` is set.
    user_slot: Option<UserSlot>,
    pbsz: bool,
    prot_private: bool,
    cwd: VPath,
    rest: u64,
    rename_from: Option<VPath>,
    /// Algorithm of `HASH` (`OPTS HASH` selects it).
    hash_algo: HashAlgo,
    data: Option<DataSetup>,
    /// A data setup kept open but never used (`Fault::NoDataConnection`).
    held: Option<DataSetup>,
    /// Commands read while a download was running.
    queued: VecDeque<Vec<u8>>,
}

/// Serve one control connection until it ends. Errors just end the session. `slot` is the
/// connection's place under `max_clients` (`None`: refuse it with 421); it and the user's
/// place are given back when the session is dropped, however it ends.
pub(crate) fn run(sh: Arc<Shared>, tcp: TcpStream, implicit: bool, slot: Option<ClientSlot>) {
    let Ok(peer) = tcp.peer_addr() else { return };
    let timeout = Some(sh.cfg.control_timeout);
    if tcp.set_read_timeout(timeout).is_err() || tcp.set_write_timeout(timeout).is_err() {
        return;
    }
    let _ = tcp.set_nodelay(true);
    let _reg = sh.conns.register(&tcp);
    let tickets = Arc::new(AtomicUsize::new(0));
    let Ok(tls_config) = tls::session_config(&sh.certs, &sh.cfg.tls, Leaf::Main, tickets.clone())
    else {
        return;
    };
    let id = sh.rec.new_session(peer, implicit, tickets);
    let mut session = Session {
        plan: sh.plan.clone(),
        sh,
        id,
        ctrl: Control::new(tcp),
        implicit,
        tls_config,
        verb: String::new(),
        line: String::new(),
        verb_counts: HashMap::new(),
        commands: 0,
        pending_user: None,
        awaiting_acct: false,
        user: None,
        client_slot: slot,
        user_slot: None,
        pbsz: false,
        prot_private: false,
        cwd: VPath::root(),
        rest: 0,
        rename_from: None,
        hash_algo: HashAlgo::default(),
        data: None,
        held: None,
        queued: VecDeque::new(),
    };
    match session.serve().unwrap_or(Flow::Drop) {
        Flow::Quit => session.ctrl.close(),
        Flow::Reset => session.ctrl.reset(),
        Flow::Continue | Flow::Drop => {}
    }
}

/// Split a command line into its upper-cased verb and raw argument.
pub(crate) fn split_command(line: &[u8]) -> (String, Vec<u8>) {
    let (verb, arg) = match line.iter().position(|&b| b == b' ') {
        Some(i) => (&line[..i], &line[i + 1..]),
        None => (line, &[][..]),
    };
    let verb = String::from_utf8_lossy(&verb[..verb.len().min(16)]).to_ascii_uppercase();
    (verb, arg.to_vec())
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Code used for the lines of an endless reply to `verb`.
fn endless_code(verb: &str) -> u16 {
    match verb {
        GREETING => 220,
        "FEAT" | "STAT" => 211,
        "PWD" | "XPWD" | "MKD" => 257,
        "SYST" => 215,
        "HELP" => 214,
        "USER" => 331,
        "PASS" => 230,
        _ => 200,
    }
}

impl Session {
    fn serve(&mut self) -> io::Result<Flow> {
        if self.implicit {
            if let Some(bytes) = self.plan.instead_of_server_hello.clone() {
                self.ctrl.write_raw(&bytes, None)?;
                return Ok(Flow::Quit);
            }
            self.start_tls(Vec::new())?;
        }
        self.verb = GREETING.to_string();
        if self.client_slot.is_none() {
            // vsftpd's max_clients: the refusal takes the greeting's place.
            self.reply(421, "There are too many connected users, please try later.")?;
            return Ok(Flow::Quit);
        }
        match self.plan.on_command(GREETING, 0, 1) {
            CommandHook::Override(bytes) => self.send_raw(&bytes)?,
            CommandHook::Endless(delay) => {
                self.endless(delay)?;
                return Ok(Flow::Drop);
            }
            _ => self.reply(220, "ftps-testserver ready.")?,
        }
        loop {
            let Some(line) = self.next_line()? else {
                return Ok(Flow::Drop);
            };
            let flow = self.on_line(&line)?;
            if flow != Flow::Continue {
                return Ok(flow);
            }
        }
    }

    fn next_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        if let Some(line) = self.queued.pop_front() {
            return Ok(Some(line));
        }
        let result = self.ctrl.read_line();
        if let Err(e) = &result {
            // Best effort: tell the client why it is being dropped.
            let last_words: &[u8] = match e.kind() {
                io::ErrorKind::InvalidData => b"500 Command line too long.\r\n",
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => b"421 Timeout.\r\n",
                _ => b"",
            };
            if !last_words.is_empty() {
                let _ = self.ctrl.write_raw(last_words, None);
            }
        }
        result
    }

    /// Hook "command received", then the normal handler.
    fn on_line(&mut self, line: &[u8]) -> io::Result<Flow> {
        self.line = lossy(line);
        self.sh.rec.command(self.id, &self.line);
        let (verb, arg) = split_command(line);
        self.commands += 1;
        let nth = {
            let count = self.verb_counts.entry(verb.clone()).or_insert(0);
            *count += 1;
            *count
        };
        self.verb.clone_from(&verb);
        match self.plan.on_command(&verb, self.commands, nth) {
            CommandHook::Normal => self.dispatch(&verb, &arg),
            CommandHook::Ignore => Ok(Flow::Continue),
            CommandHook::Override(bytes) => {
                self.send_raw(&bytes)?;
                Ok(Flow::Continue)
            }
            CommandHook::Endless(delay) => {
                self.endless(delay)?;
                Ok(Flow::Drop)
            }
            CommandHook::Close => {
                self.reply(421, "Service not available, closing control connection.")?;
                Ok(Flow::Quit)
            }
            CommandHook::Reset => Ok(Flow::Reset),
        }
    }

    fn dispatch(&mut self, verb: &str, arg: &[u8]) -> io::Result<Flow> {
        if self.user.is_none() && !BEFORE_LOGIN.contains(&verb) {
            self.reply(530, "Please login with USER and PASS.")?;
            return Ok(Flow::Continue);
        }
        match verb {
            "AUTH" => return self.cmd_auth(arg),
            "QUIT" => {
                // Give the places back first: a client that saw 221 may come back at once.
                self.user_slot = None;
                self.client_slot = None;
                self.reply(221, "Goodbye.")?;
                return Ok(Flow::Quit);
            }
            "PASV" | "EPSV" | "PORT" | "EPRT" | "REST" | "RETR" | "STOR" | "APPE" | "LIST"
            | "NLST" | "MLSD" | "ABOR" => return self.data_command(verb, arg),
            "USER" => self.cmd_user(arg)?,
            "PASS" => self.cmd_pass(arg)?,
            "ACCT" => self.cmd_acct()?,
            "PBSZ" => self.cmd_pbsz()?,
            "PROT" => self.cmd_prot(arg)?,
            "FEAT" => self.cmd_feat()?,
            "OPTS" => self.cmd_opts(arg)?,
            "SYST" => self.reply(215, "UNIX Type: L8")?,
            "NOOP" => self.reply(200, "NOOP ok.")?,
            "HELP" => self.reply(214, "Help OK.")?,
            "SITE" => self.reply(200, "SITE command ok.")?,
            "ALLO" => self.reply(202, "ALLO command ignored.")?,
            "STAT" => self.reply(211, "ftps-testserver status OK.")?,
            "TYPE" | "MODE" | "STRU" => self.cmd_transfer_param(verb, arg)?,
            _ => {
                if !self.fs_command(verb, arg)? {
                    self.reply(502, "Command not implemented.")?;
                }
            }
        }
        Ok(Flow::Continue)
    }

    // ---- the reply choke point -------------------------------------------------------------

    /// Send a one-line reply.
    fn reply(&mut self, code: u16, text: impl AsRef<[u8]>) -> io::Result<()> {
        let mut bytes = format!("{code} ").into_bytes();
        bytes.extend_from_slice(text.as_ref());
        bytes.extend_from_slice(b"\r\n");
        self.send_reply(bytes)
    }

    /// Send a multi-line reply: `code-first`, the lines as given, `code last`.
    fn reply_multi(
        &mut self,
        code: u16,
        first: &str,
        lines: &[Vec<u8>],
        last: &str,
    ) -> io::Result<()> {
        let mut bytes = format!("{code}-{first}\r\n").into_bytes();
        for line in lines {
            bytes.extend_from_slice(line);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(format!("{code} {last}\r\n").as_bytes());
        self.send_reply(bytes)
    }

    /// Hook "send reply": mangle the normal reply bytes, then write them.
    fn send_reply(&mut self, bytes: Vec<u8>) -> io::Result<()> {
        let bytes = self.plan.mangle_reply(&self.verb, bytes);
        self.send_raw(&bytes)
    }

    /// Write bytes to the control connection as they are (slowly under `SlowReplies`).
    fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.ctrl.write_raw(bytes, self.plan.slow_replies)
    }

    /// A multi-line reply that never ends (F2).
    fn endless(&mut self, delay: Duration) -> io::Result<()> {
        let code = endless_code(&self.verb);
        let mut n: u64 = 0;
        while !self.sh.stopping() {
            let lines = if delay.is_zero() { 64 } else { 1 };
            let mut chunk = Vec::new();
            for _ in 0..lines {
                chunk.extend_from_slice(format!("{code}-endless reply line {n}\r\n").as_bytes());
                n += 1;
            }
            self.send_raw(&chunk)?;
            if !delay.is_zero() && !self.sh.sleep(delay) {
                break;
            }
        }
        Ok(())
    }

    // ---- TLS and login ---------------------------------------------------------------------

    fn start_tls(&mut self, early: Vec<u8>) -> io::Result<()> {
        let deadline = deadline_after(self.sh.cfg.control_timeout);
        self.ctrl
            .start_tls(self.tls_config.clone(), early, deadline)?;
        let version = self.ctrl.tls_version();
        self.sh.rec.update(self.id, |log| {
            log.tls = true;
            log.tls_version = version;
        });
        self.pbsz = false;
        self.prot_private = false;
        Ok(())
    }

    fn cmd_auth(&mut self, arg: &[u8]) -> io::Result<Flow> {
        let mechanism = lossy(arg).trim().to_ascii_uppercase();
        if !matches!(mechanism.as_str(), "TLS" | "SSL" | "TLS-C" | "TLS-P") {
            self.reply(504, "Unknown AUTH type.")?;
            return Ok(Flow::Continue);
        }
        if self.ctrl.tls().is_some() {
            self.reply(503, "Already using TLS.")?;
            return Ok(Flow::Continue);
        }
        let early = self.ctrl.take_buffered();
        let pipelined = early.len();
        self.sh
            .rec
            .update(self.id, |log| log.bytes_after_auth = pipelined);
        let plan = self.plan.clone();
        let mut reply =
            plan.mangle_reply(&self.verb, b"234 Proceed with negotiation.\r\n".to_vec());
        if let Some(junk) = &plan.junk_after_234 {
            reply.extend_from_slice(junk);
        }
        self.send_raw(&reply)?;
        if let Some(window) = plan.commands_after_234 {
            let until = Instant::now() + window;
            let mut early = early;
            while let Some(left) = until.checked_duration_since(Instant::now()) {
                let got = if early.is_empty() {
                    self.ctrl.read_raw_within(16 * 1024, left)?
                } else {
                    std::mem::take(&mut early)
                };
                if got.is_empty() {
                    // Nothing yet, or the client hung up: look again shortly.
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                }
                let shown: String = got.iter().take(8).map(|b| format!("\\x{b:02x}")).collect();
                self.send_raw(format!("502 Command not allowed: {shown}\r\n").as_bytes())?;
            }
            self.start_tls(Vec::new())?;
            return Ok(Flow::Continue);
        }
        if let Some(bytes) = &plan.instead_of_server_hello {
            if early.is_empty() {
                let _ = self.ctrl.read_raw(16 * 1024);
            }
            self.ctrl.write_raw(bytes, None)?;
            return Ok(Flow::Quit);
        }
        self.start_tls(early)?;
        Ok(Flow::Continue)
    }

    fn cmd_user(&mut self, arg: &[u8]) -> io::Result<()> {
        if self.ctrl.tls().is_none() && !self.sh.cfg.allow_plain {
            return self.reply(530, "Non-anonymous sessions must use encryption.");
        }
        self.user = None;
        self.user_slot = None;
        self.awaiting_acct = false;
        self.pending_user = Some(lossy(arg));
        self.reply(331, "Please specify the password.")
    }

    fn cmd_pass(&mut self, arg: &[u8]) -> io::Result<()> {
        let Some(name) = self.pending_user.take() else {
            return self.reply(503, "Login with USER first.");
        };
        let password = lossy(arg);
        let ok = self
            .sh
            .cfg
            .users
            .iter()
            .any(|(u, p)| *u == name && *p == password);
        if !ok {
            return self.reply(530, "Login incorrect.");
        }
        if self.plan.acct_332 {
            self.pending_user = Some(name);
            self.awaiting_acct = true;
            return self.reply(332, "Need account for login.");
        }
        self.logged_in(name)
    }

    fn cmd_acct(&mut self) -> io::Result<()> {
        if self.awaiting_acct
            && let Some(name) = self.pending_user.take()
        {
            self.awaiting_acct = false;
            return self.logged_in(name);
        }
        if self.user.is_some() {
            return self.reply(202, "ACCT not needed.");
        }
        self.reply(503, "Login with USER first.")
    }

    fn logged_in(&mut self, name: String) -> io::Result<()> {
        let max = self.sh.cfg.max_sessions_per_user;
        let Some(slot) = self.sh.limits.user(&name, max) else {
            // ProFTPD's MaxClientsPerUser; the session stays not logged in.
            let max = max.unwrap_or_default();
            return self.reply(
                530,
                format!("Sorry, the maximum number of clients ({max}) for this user are already connected."),
            );
        };
        self.user_slot = Some(slot);
        let logged = name.clone();
        self.sh.rec.update(self.id, |log| log.user = Some(logged));
        if let Some(plan) = self.sh.user_plans.get(&name) {
            self.plan = plan.clone();
        }
        self.user = Some(name);
        self.reply(230, "Login successful.")?;
        if let Some(bytes) = self.plan.unsolicited_after_login.clone() {
            self.send_raw(&bytes)?;
        }
        Ok(())
    }

    fn cmd_pbsz(&mut self) -> io::Result<()> {
        if self.user.is_none() {
            return self.reply(530, "Please login with USER and PASS.");
        }
        if self.plan.refuse_pbsz {
            return self.reply(502, "PBSZ not implemented.");
        }
        if self.ctrl.tls().is_none() {
            return self.reply(503, "PBSZ not allowed on insecure control connection.");
        }
        self.pbsz = true;
        self.reply(200, "PBSZ=0")
    }

    fn cmd_prot(&mut self, arg: &[u8]) -> io::Result<()> {
        if self.user.is_none() {
            return self.reply(530, "Please login with USER and PASS.");
        }
        if self.plan.refuse_prot {
            return self.reply(534, "PROT request denied for policy reasons.");
        }
        if self.ctrl.tls().is_none() {
            return self.reply(503, "PROT not allowed on insecure control connection.");
        }
        if !self.pbsz {
            return self.reply(503, "PBSZ must precede PROT.");
        }
        match lossy(arg).trim().to_ascii_uppercase().as_str() {
            "P" => {
                self.prot_private = true;
                self.reply(200, "PROT now Private.")
            }
            "C" => {
                self.prot_private = false;
                self.reply(200, "PROT now Clear.")
            }
            "S" | "E" => self.reply(536, "PROT level not supported."),
            _ => self.reply(504, "Bad PROT argument."),
        }
    }

    fn cmd_feat(&mut self) -> io::Result<()> {
        let mut features = vec![" AUTH TLS", " PBSZ", " PROT", " EPRT", " EPSV"];
        if self.sh.cfg.mlsd {
            features.push(" MLST type*;size*;modify*;perm*;");
        }
        features.extend([" SIZE", " MDTM"]);
        if self.sh.cfg.mfmt {
            features.push(" MFMT");
        }
        features.extend([" REST STREAM", " UTF8", " TVFS"]);
        let hash_line = hash::feat_line(self.hash_algo);
        if self.sh.cfg.hash {
            features.push(&hash_line);
        }
        if self.sh.cfg.xsha {
            features.extend([" XSHA1", " XSHA256", " XSHA512"]);
        }
        let lines: Vec<Vec<u8>> = features.iter().map(|f| f.as_bytes().to_vec()).collect();
        self.reply_multi(211, "Features:", &lines, "End")
    }

    fn cmd_opts(&mut self, arg: &[u8]) -> io::Result<()> {
        let text = lossy(arg).to_ascii_uppercase();
        if text.starts_with("UTF8") {
            self.reply(200, "Always in UTF8 mode.")
        } else if text.starts_with("MLST") && self.sh.cfg.mlsd {
            self.reply(200, "MLST OPTS type;size;modify;perm;")
        } else if self.sh.cfg.hash && text.split_ascii_whitespace().next() == Some("HASH") {
            match text.split_ascii_whitespace().nth(1) {
                None => self.reply(200, self.hash_algo.name()),
                Some(name) => match HashAlgo::parse(name) {
                    Some(algo) => {
                        self.hash_algo = algo;
                        self.reply(200, algo.name())
                    }
                    None => self.reply(504, "Unsupported algorithm"),
                },
            }
        } else {
            self.reply(501, "Option not understood.")
        }
    }

    fn cmd_transfer_param(&mut self, verb: &str, arg: &[u8]) -> io::Result<()> {
        let value = lossy(arg).trim().to_ascii_uppercase();
        match (verb, value.as_str()) {
            ("TYPE", "A" | "A N") => self.reply(200, "Switching to ASCII mode."),
            ("TYPE", "I" | "L 8") => self.reply(200, "Switching to Binary mode."),
            ("MODE", "S") => self.reply(200, "Mode set to S."),
            ("STRU", "F") => self.reply(200, "Structure set to F."),
            _ => self.reply(504, format!("Bad {verb} command.")),
        }
    }
}
