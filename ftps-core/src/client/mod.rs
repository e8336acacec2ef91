//! The client: connecting, logging in, and the file and directory commands; its
//! transfer calls are in `transfers`.
//!
//! A [`Client`] owns a [`Session`] (the control connection and its command layer) and a
//! [`TransferState`] (data connections and the open transfer); the transfer code works
//! on the two of them, never on the client.

mod files;
mod transfers;

pub use files::is_partial_name;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::config::{Config, DataProtection, Mode};
use crate::control::{Control, Stream, Transcript, handshake, tcp_connect};
use crate::error::{Error, Phase, Result};
use crate::reply::{Reply, parse_213_time, parse_257};
use crate::session::Session;
use crate::time::DateTime;
use crate::tls::{SessionStats, SessionTls, TlsInfo};
use crate::transfer::TransferState;

/// How long a second connection waits between `234` and the ClientHello after a server
/// answered the first ClientHello in clear text ([`Client::connect`]); at most the reply
/// timeout.
const HELLO_WAIT: Duration = Duration::from_secs(1);

/// What the server offers, from its `FEAT` reply (RFC 2389).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Features {
    lines: Vec<String>,
}

impl Features {
    pub(crate) fn parse(reply: &Reply) -> Features {
        let n = reply.lines().len();
        let lines = reply
            .lines()
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 0 && *i + 1 != n)
            .map(|(_, l)| String::from_utf8_lossy(l).trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        Features { lines }
    }

    /// True when the server lists `name` (case-insensitive), e.g. `MLST`, `EPSV`, `UTF8`.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The parameters after a feature name, e.g. `STREAM` for `REST STREAM`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.lines.iter().find_map(|l| {
            let (head, rest) = l.split_once(' ').unwrap_or((l.as_str(), ""));
            head.eq_ignore_ascii_case(name).then_some(rest)
        })
    }

    /// Every feature line, as the server sent it (trimmed).
    pub fn lines(&self) -> &[String] {
        &self.lines
    }
}

/// A connection to an FTPS server.
///
/// ```no_run
/// use ftps_core::{Client, Config, Mode};
/// let cfg = Config::builder("ftp.example.com").mode(Mode::Explicit).build()?;
/// let mut ftp = Client::connect(&cfg)?;
/// ftp.login("user", "password")?;
/// let mut out = Vec::new();
/// ftp.download("remote.txt", &mut out, &mut Default::default())?;
/// ftp.quit()?;
/// # Ok::<(), ftps_core::Error>(())
/// ```
pub struct Client {
    session: Session,
    transfers: TransferState,
    features: Features,
    greeting: Reply,
    /// What the last successful login sent, for [`Client::reconnect`].
    login: Option<Login>,
    /// The directory the last `CWD`/`CDUP` went to (from `PWD`), for a reconnect.
    cwd: Option<Vec<u8>>,
    /// The algorithm `OPTS HASH` selected on this connection.
    hash_selected: Option<crate::verify::HashAlgorithm>,
    reconnects: u64,
    resumes: u64,
    left_behind: Vec<Vec<u8>>,
}

/// The credentials of a login, kept to log in again after a reconnect.
#[derive(Clone)]
struct Login {
    user: String,
    password: String,
    account: Option<String>,
}

/// A session's configuration, login and directory: what opens another one like it
/// ([`Client::sibling`], [`Client::reconnect`]), from any thread.
pub(crate) struct Seed {
    config: Config,
    login: Login,
    cwd: Option<Vec<u8>>,
}

impl Seed {
    /// Connects, logs in and goes to the directory.
    pub(crate) fn open(&self, transcript: Option<Transcript>) -> Result<Client> {
        let l = &self.login;
        let mut c = Client::open(&self.config, transcript, Duration::ZERO)?;
        c.login_with_account(&l.user, &l.password, l.account.as_deref())?;
        if let Some(dir) = &self.cwd {
            c.cwd(dir.clone())?;
        }
        Ok(c)
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.config().host())
            .field("port", &self.config().port())
            .field("logged_in", &self.is_logged_in())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Connects, secures the control connection as the configuration says, and
    /// reads the greeting. Call [`Client::login`] next.
    pub fn connect(config: &Config) -> Result<Client> {
        Self::connect_with_transcript(config, None)
    }

    /// Like [`Client::connect`], with a callback that sees every command (passwords
    /// masked) and reply line, from the first one on.
    pub fn connect_with_transcript(
        config: &Config,
        transcript: Option<Transcript>,
    ) -> Result<Client> {
        Client::open(config, transcript, Duration::ZERO)
    }

    /// Connects; in explicit mode waits `hello_wait` between `234` and the ClientHello.
    /// Some servers go on reading the control connection as FTP commands for a moment
    /// after `234` and answer a ClientHello sent at once with `502 ...` in clear text:
    /// that is tried once more on a new connection, waiting [`HELLO_WAIT`] first
    /// (docs/threats.md, class A5). Nothing was sent but `AUTH`, so nothing leaks.
    fn open(
        config: &Config,
        transcript: Option<Transcript>,
        hello_wait: Duration,
    ) -> Result<Client> {
        let c = &config.inner;
        let sock = tcp_connect(&c.host, c.port, c.timeouts.connect, c.nodelay)?;
        if let Some(ka) = c.keepalive {
            let _ = socket2::SockRef::from(&sock)
                .set_tcp_keepalive(&socket2::TcpKeepalive::new().with_time(ka));
        }
        let tls = match &c.tls {
            Some(base) => Some(SessionTls::new(base, &c.tls_server_name)?),
            None => None,
        };
        let stream = match (c.mode, &tls) {
            (Mode::Implicit, Some(t)) => Stream::Tls(Box::new(handshake(
                t.control_connection()?,
                sock,
                c.timeouts.reply,
                "control connection",
                Phase::ControlHandshake,
                crate::control::IMPLICIT_PORT_GREETED_IN_CLEAR,
            )?)),
            _ => Stream::Plain(sock),
        };
        let mut ctl = Control::new(stream, c.limits, c.timeouts);
        ctl.transcript = transcript;
        if ctl.is_tls() {
            let info = ctl.tls_info();
            if let Some(i) = info {
                ctl.note(&format!("TLS handshake done: {} {}", i.version, i.cipher));
            }
        }
        let greeting = read_greeting(&mut ctl)?;
        let mut client = Client {
            session: Session::new(config.clone(), ctl, tls, greeting.clone()),
            transfers: TransferState::default(),
            features: Features::default(),
            greeting,
            login: None,
            cwd: None,
            hash_selected: None,
            reconnects: 0,
            resumes: 0,
            left_behind: Vec::new(),
        };
        if c.mode == Mode::Explicit
            && let Err(e) = client.auth_tls(hello_wait)
        {
            if !hello_wait.is_zero() || !crate::control::hello_answered_in_clear(&e) {
                return Err(e);
            }
            let wait = HELLO_WAIT.min(c.timeouts.reply);
            let ctl = client.session.control_mut();
            ctl.note(&format!(
                "{e}; connecting again, waiting {wait:?} after 234 before the ClientHello"
            ));
            let transcript = ctl.transcript.take();
            drop(client);
            return Client::open(config, transcript, wait);
        }
        Ok(client)
    }

    /// `AUTH TLS` and the handshake (docs/threats.md, classes A1-A5): sent whatever the
    /// greeting said, nothing is sent after it until its reply is read, and anything but
    /// `234` ends the session before credentials are sent.
    fn auth_tls(&mut self, hello_wait: Duration) -> Result<()> {
        let arg: &[u8] = match self.config().inner.auth {
            crate::config::AuthCommand::Tls => b"TLS",
            crate::config::AuthCommand::Ssl => b"SSL",
        };
        let reply = self.session.control_mut().cmd("AUTH", Some(arg))?;
        self.session.set_last_reply(reply.clone());
        if reply.code() != 234 {
            self.session.control_mut().shutdown();
            return Err(Error::TlsNotAvailable { reply });
        }
        if !hello_wait.is_zero() {
            std::thread::sleep(hello_wait);
        }
        self.session.upgrade()
    }

    /// Logs in with a user name and password.
    pub fn login(&mut self, user: &str, password: &str) -> Result<()> {
        self.login_with_account(user, password, None)
    }

    /// Logs in, giving `account` if the server asks for one (`332`).
    pub fn login_with_account(
        &mut self,
        user: &str,
        password: &str,
        account: Option<&str>,
    ) -> Result<()> {
        self.idle()?;
        crate::command::check_arg("user name", user.as_bytes())?;
        crate::command::check_arg("password", password.as_bytes())?;
        if let Some(a) = account {
            crate::command::check_arg("account", a.as_bytes())?;
        }
        let mut reply = self.session.raw_cmd("USER", Some(user.as_bytes()))?;
        if reply.code() == 331 {
            reply = self.session.raw_cmd("PASS", Some(password.as_bytes()))?;
        }
        if reply.code() == 332 {
            let Some(acct) = account else {
                return Err(Error::LoginRejected { reply });
            };
            reply = self.session.raw_cmd("ACCT", Some(acct.as_bytes()))?;
        }
        if !matches!(reply.code(), 230 | 202) {
            return Err(Error::LoginRejected { reply });
        }
        // Logged in only once PBSZ/PROT (and TYPE) are through: a server that refuses
        // PROT P leaves a client that refuses every later call, not one that would try
        // data connections the server expects in clear text (docs/threats.md, class A9).
        self.after_login()?;
        self.session.set_logged_in();
        self.login = Some(Login {
            user: user.to_string(),
            password: password.to_string(),
            account: account.map(str::to_string),
        });
        Ok(())
    }

    /// Opens a new control connection with the same configuration, logs in again with
    /// the credentials of the last login, goes back to the directory of the last
    /// [`Client::cwd`], and replaces this session with it (the old one is closed). The
    /// convenience transfer calls do this themselves after a lost connection. The
    /// transcript callback moves to the new session.
    pub fn reconnect(&mut self) -> Result<()> {
        let Ok(seed) = self.seed() else {
            return Err(Error::State(
                "not logged in: there is no session to reconnect",
            ));
        };
        self.transfers.discard();
        // The transcript goes to the new session through a forwarder, and comes back
        // here whole if the new session fails.
        let shared = Arc::new(Mutex::new(self.session.control_mut().transcript.take()));
        let fwd = Arc::clone(&shared);
        let forward: Transcript = Box::new(move |d, line| {
            if let Some(t) = fwd.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
                t(d, line);
            }
        });
        let fresh = seed.open(Some(forward));
        let mut fresh = match fresh {
            Ok(c) => c,
            Err(e) => {
                let back = shared.lock().unwrap_or_else(PoisonError::into_inner).take();
                self.session.control_mut().transcript = back;
                return Err(e);
            }
        };
        fresh.reconnects = self.reconnects + 1;
        fresh.resumes = self.resumes;
        fresh.left_behind = std::mem::take(&mut self.left_behind);
        fresh.session.note(&format!(
            "reconnected (reconnect {} of this client)",
            fresh.reconnects
        ));
        drop(std::mem::replace(self, fresh));
        Ok(())
    }

    /// A new session like this one: a control connection with the same configuration,
    /// logged in with the credentials of the last login, in the directory of the last
    /// [`Client::cwd`]. This client is left as it is. What [`Client::run_batch`] opens
    /// its further sessions with.
    pub fn sibling(&self) -> Result<Client> {
        self.seed()?.open(None)
    }

    /// What it takes to open a session like this one, apart from the client.
    pub(crate) fn seed(&self) -> Result<Seed> {
        let Some(login) = self.login.clone() else {
            return Err(Error::State(
                "not logged in: there is no login to open another session with",
            ));
        };
        Ok(Seed {
            config: self.config().clone(),
            login,
            cwd: self.cwd.clone(),
        })
    }

    /// Remote temporary files of failed atomic uploads that could not be deleted (the
    /// connection was gone and no new one could be made): named `.NAME.ftps-part.*`.
    pub fn left_behind(&self) -> &[Vec<u8>] {
        &self.left_behind
    }

    fn after_login(&mut self) -> Result<()> {
        let tls = self.session.control().is_tls();
        let prot: &[u8] = match self.config().inner.protection {
            DataProtection::Private => b"P",
            DataProtection::InsecureClear => b"C",
        };
        // With a server that reads ahead, these go in two writes instead of one command
        // per round trip; each reply is then taken in turn below (class P3).
        let mut first: Vec<(&str, Option<&[u8]>)> = Vec::new();
        if tls {
            first.extend([("PBSZ", Some(&b"0"[..])), ("PROT", Some(prot))]);
        }
        first.push(("FEAT", None));
        if first.len() > 1 {
            self.session.ask_ahead(&first)?;
        }
        if tls {
            // docs/threats.md, class A9: PBSZ 0 + PROT P, also in implicit mode; refusal
            // is fatal.
            self.expect_ok("PBSZ", Some(b"0"))?;
            self.expect_ok("PROT", Some(prot))?;
        }
        let feat = self.session.raw_cmd("FEAT", None)?;
        if feat.code() == 211 {
            self.features = Features::parse(&feat);
        }
        let opts_utf8 = self.config().inner.utf8 && self.features.has("UTF8");
        let t = self.config().transfer_type();
        let mut then: Vec<(&str, Option<&[u8]>)> = Vec::new();
        if opts_utf8 {
            then.push(("OPTS", Some(b"UTF8 ON")));
        }
        then.push(("TYPE", Some(crate::session::type_arg(t))));
        if then.len() > 1 {
            self.session.ask_ahead(&then)?;
        }
        if opts_utf8 {
            // Best effort: some servers say 501/202 and use UTF-8 all the same.
            let _ = self.session.raw_cmd("OPTS", Some(b"UTF8 ON"))?;
        }
        self.session.set_type(t)
    }

    /// Fails when a transfer is still open, or the connection was lost.
    fn idle(&self) -> Result<()> {
        self.transfers.check_idle(&self.session)
    }

    /// [`Client::idle`], and logged in.
    pub(crate) fn ready(&self) -> Result<()> {
        self.transfers.check_ready(&self.session)
    }

    /// Sends a command and requires a `2xx` reply.
    pub(crate) fn expect_ok(&mut self, verb: &str, arg: Option<&[u8]>) -> Result<Reply> {
        self.session.expect_ok(verb, arg)
    }

    fn path_cmd(&mut self, verb: &str, path: &[u8]) -> Result<Reply> {
        self.ready()?;
        if path.is_empty() {
            return Err(Error::invalid("path", "empty"));
        }
        self.expect_ok(verb, Some(path))
    }

    /// The configuration this client was made with.
    pub fn config(&self) -> &Config {
        self.session.config()
    }

    /// The greeting the server sent.
    pub fn greeting(&self) -> &Reply {
        &self.greeting
    }

    /// The last reply the server sent.
    pub fn last_reply(&self) -> Option<&Reply> {
        self.session.last_reply()
    }

    /// Whether this session sends the commands that follow a transfer (its check, the
    /// next `EPSV` of a batch) before the transfer's final reply: the configuration's
    /// [`crate::Pipelining`] applied to this server's greeting, and false for good once
    /// the server refused such a command (docs/threats.md, class P3).
    pub fn pipelining(&self) -> bool {
        self.session.reads_ahead()
    }

    /// Another transfer follows the current one (a batch): its `EPSV` may go ahead.
    pub(crate) fn set_more_follow(&mut self, yes: bool) {
        self.transfers.more_follow = yes;
    }

    /// The batch is over: no `EPSV` goes ahead any more, and one sent ahead for a job
    /// another session took is forgotten.
    pub(crate) fn end_batch(&mut self) {
        self.transfers.more_follow = false;
        self.session.control_mut().forget_answered();
    }

    /// What the server listed in `FEAT` (empty before login or without `FEAT`).
    pub fn features(&self) -> &Features {
        &self.features
    }

    /// True once logged in.
    pub fn is_logged_in(&self) -> bool {
        self.session.is_logged_in()
    }

    /// The TLS facts of the control connection (`None` for plain FTP).
    pub fn tls_info(&self) -> Option<TlsInfo> {
        self.session.control().tls_info()
    }

    /// The DER certificate the server presented on the control connection.
    pub fn peer_certificate(&self) -> Option<Vec<u8>> {
        self.session.control().peer_certificate()
    }

    /// The TLS facts of the last data connection.
    pub fn last_data_tls(&self) -> Option<&TlsInfo> {
        self.transfers.last_data_tls()
    }

    /// How many data connections resumed the control session, and how many tickets arrived.
    pub fn session_stats(&self) -> SessionStats {
        let mut s = self
            .session
            .tls()
            .map(|t| t.store.stats())
            .unwrap_or_default();
        s.reconnects = self.reconnects;
        s.resumes = self.resumes;
        s
    }

    /// Replaces the transcript callback.
    pub fn set_transcript(&mut self, t: Option<Transcript>) {
        self.session.control_mut().transcript = t;
    }

    /// `PWD`: the current directory, as bytes (RFC 959 quoting undone).
    pub fn pwd(&mut self) -> Result<Vec<u8>> {
        self.ready()?;
        let reply = self.expect_ok("PWD", None)?;
        parse_257(reply.first_line_text())
    }

    /// `CWD`: changes the current directory. The directory it went to (`PWD`) is kept,
    /// so that [`Client::reconnect`] goes back to it.
    pub fn cwd(&mut self, path: impl AsRef<[u8]>) -> Result<()> {
        self.path_cmd("CWD", path.as_ref())?;
        self.remember_cwd();
        Ok(())
    }

    /// `CDUP`: goes to the parent directory.
    pub fn cdup(&mut self) -> Result<()> {
        self.ready()?;
        self.expect_ok("CDUP", None)?;
        self.remember_cwd();
        Ok(())
    }

    fn remember_cwd(&mut self) {
        self.cwd = self.pwd().ok();
    }

    /// `MKD`: creates a directory; returns its path when the server says it.
    pub fn mkdir(&mut self, path: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        let reply = self.path_cmd("MKD", path.as_ref())?;
        Ok(parse_257(reply.first_line_text()).ok())
    }

    /// `RMD`: removes an empty directory.
    pub fn rmdir(&mut self, path: impl AsRef<[u8]>) -> Result<()> {
        self.path_cmd("RMD", path.as_ref()).map(drop)
    }

    /// `DELE`: deletes a file.
    pub fn delete(&mut self, path: impl AsRef<[u8]>) -> Result<()> {
        self.path_cmd("DELE", path.as_ref()).map(drop)
    }

    /// `RNFR` + `RNTO`: renames or moves.
    pub fn rename(&mut self, from: impl AsRef<[u8]>, to: impl AsRef<[u8]>) -> Result<()> {
        self.ready()?;
        let (from, to) = (from.as_ref(), to.as_ref());
        if from.is_empty() || to.is_empty() {
            return Err(Error::invalid("path", "empty"));
        }
        crate::command::check_arg("path", to)?;
        let reply = self.session.raw_cmd("RNFR", Some(from))?;
        if reply.code() != 350 {
            return Err(Error::Reply {
                command: "RNFR".into(),
                reply,
            });
        }
        self.expect_ok("RNTO", Some(to)).map(drop)
    }

    /// `SIZE`: the size of a file in bytes (in binary mode).
    ///
    /// A `213` that carries no number at all (one server answers `SIZE` of an empty
    /// file with `213 File status`) is not an answer: the size then comes from `MLST`,
    /// else from a `LIST` of the file. A malformed number (`213 12abc`, `213 -1`) is
    /// still an [`Error::Protocol`] (docs/threats.md, class F8).
    pub fn size(&mut self, path: impl AsRef<[u8]>) -> Result<u64> {
        self.ready()?;
        let path = path.as_ref();
        let reply = self.session.size_reply(path)?;
        let text = reply.first_line_text();
        let first = text.iter().find(|b| !b.is_ascii_whitespace());
        if first.is_some_and(|b| b.is_ascii_digit() || *b == b'+' || *b == b'-') {
            return crate::reply::parse_213_size(text);
        }
        self.session
            .note("SIZE gave 213 without a number: asking MLST, then LIST");
        self.size_from_listing(path)?.ok_or_else(|| {
            Error::protocol(format!(
                "SIZE answered {reply} (no number), and neither MLST nor LIST gave the size"
            ))
        })
    }

    /// The size of a file from `MLST`, else from `LIST` of it (one file entry, or the
    /// entry with the file's name). A refusal of either is `None`; an error that ends
    /// the session is returned.
    fn size_from_listing(&mut self, path: &[u8]) -> Result<Option<u64>> {
        let keep_fatal = |e: Error| if e.is_fatal() { Err(e) } else { Ok(None) };
        let mlst = match self.mlst(path) {
            Ok(e) => e.size,
            Err(e) => keep_fatal(e)?,
        };
        if mlst.is_some() {
            return Ok(mlst);
        }
        let listing = match self.list_unix(Some(path)) {
            Ok(l) => l,
            Err(e) => return keep_fatal(e),
        };
        let base = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
        let files: Vec<&crate::list::Entry> = listing.iter().filter(|e| e.is_file()).collect();
        Ok(match files.as_slice() {
            [only] => only.size,
            many => many.iter().find(|e| e.name == base).and_then(|e| e.size),
        })
    }

    /// `MDTM`: the modification time of a file (UTC).
    pub fn mdtm(&mut self, path: impl AsRef<[u8]>) -> Result<DateTime> {
        let reply = self.path_cmd("MDTM", path.as_ref())?;
        if reply.code() != 213 {
            return Err(Error::protocol(format!("MDTM answered {reply}")));
        }
        parse_213_time(reply.first_line_text())
    }

    /// `MFMT`: sets the modification time of a file (UTC).
    pub fn set_mtime(&mut self, path: impl AsRef<[u8]>, t: DateTime) -> Result<()> {
        let path = path.as_ref();
        if path.is_empty() {
            return Err(Error::invalid("path", "empty"));
        }
        let mut arg = t.to_ftp().into_bytes();
        arg.push(b' ');
        arg.extend_from_slice(path);
        self.ready()?;
        self.expect_ok("MFMT", Some(&arg)).map(drop)
    }

    /// `SITE`: a server-specific command (e.g. `CHMOD 644 file`). Returns the reply.
    pub fn site(&mut self, command: impl AsRef<[u8]>) -> Result<Reply> {
        self.ready()?;
        self.expect_ok("SITE", Some(command.as_ref()))
    }

    /// `NOOP`: keeps the session alive and checks it works.
    pub fn noop(&mut self) -> Result<()> {
        self.idle()?;
        self.expect_ok("NOOP", None).map(drop)
    }

    /// Sends a raw command line and returns the server's reply, whatever its code.
    /// Commands that set up data connections or change the TLS state (`PORT`, `EPRT`,
    /// `PASV`, `EPSV`, `AUTH`, `PROT`, `PBSZ`, `CCC`, `REIN`...) are refused: they would
    /// break the session's invariants (docs/threats.md, classes D5, A8).
    pub fn quote(&mut self, line: impl AsRef<[u8]>) -> Result<Reply> {
        self.idle()?;
        let (verb, arg) = crate::command::split_raw(line.as_ref())?;
        if crate::command::reserved_verb(&verb) {
            return Err(Error::invalid(
                "raw command",
                format!("{verb} is managed by the client and cannot be sent raw"),
            ));
        }
        let reply = self.session.raw_cmd(&verb, arg.as_deref())?;
        if reply.is_preliminary() {
            // A raw command that opened a transfer: the client cannot serve it.
            self.session.mark_broken();
            return Err(Error::protocol(format!(
                "raw command {verb} started a transfer ({reply}); use the transfer calls"
            )));
        }
        Ok(reply)
    }

    /// `QUIT` and close. The connection is closed even if `QUIT` fails.
    pub fn quit(mut self) -> Result<()> {
        self.transfers.discard();
        let r = if self.session.is_broken() {
            Ok(())
        } else {
            let quit = self.session.control_mut().cmd("QUIT", None);
            quit.map(drop).or_else(|e| match e {
                Error::ConnectionLost { .. } => Ok(()),
                e => Err(e),
            })
        };
        self.session.control_mut().shutdown();
        r
    }
}

/// Reads the greeting: `220` (after any `120`), or `230` when a server skips the
/// login (docs/threats.md, class A1: TLS still goes on). Anything else ends the session.
fn read_greeting(ctl: &mut Control) -> Result<Reply> {
    let mut reply = ctl.read_reply().map_err(|e| match e {
        Error::Timeout { .. } => Error::Timeout {
            phase: Phase::Greeting,
        },
        e => e,
    })?;
    let mut waits = 0;
    while reply.code() == 120 && waits < 5 {
        reply = ctl.read_reply()?;
        waits += 1;
    }
    match reply.code() {
        220 | 230 => Ok(reply),
        _ => {
            ctl.shutdown();
            Err(Error::Reply {
                command: "greeting".into(),
                reply,
            })
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.transfers.discard();
        let broken = self.session.is_broken();
        let ctl = self.session.control_mut();
        if !broken {
            // Politely, but without waiting long.
            let _ = crate::control::set_timeouts(ctl.tcp(), Duration::from_millis(500));
            let _ = ctl.send("QUIT", None);
        }
        ctl.shutdown();
    }
}
