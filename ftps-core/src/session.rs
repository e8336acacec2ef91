//! The control session: the control connection with its TLS, the configuration, and
//! the command layer every call goes through (the last reply kept, the transfer type
//! set once, the login state). It knows nothing of transfers: [`crate::transfer`]
//! builds on it, and [`crate::client::Client`] owns one next to its transfer state.

use crate::config::{Config, Pipelining, TransferType};
use crate::control::Control;
use crate::error::{Error, Result};
use crate::reply::{Reply, parse_213_size};
use crate::tls::SessionTls;

/// One control session.
pub(crate) struct Session {
    config: Config,
    ctl: Control,
    tls: Option<SessionTls>,
    logged_in: bool,
    current_type: Option<TransferType>,
    last_reply: Option<Reply>,
    /// Whether commands may be sent ahead at the end of a transfer (docs/threats.md,
    /// class P3): the configuration's [`Pipelining`], for `Auto` as the greeting names
    /// the server; turned off for good when the server refuses such a command.
    reads_ahead: bool,
    /// The server reads `ABOR` only after the transfer ([`reads_abor_late`]).
    abor_late: bool,
}

/// The servers measured to queue commands that arrive while a transfer ends, by a
/// word of their default greeting (`tests/interop.rs`, `p3_...`): vsftpd never reads
/// the control connection during a transfer, ProFTPD and Pure-FTPd read it for `ABOR`
/// only while data flows, and by the time the data connection is closed on both sides
/// each has left its transfer loop. A greeting an administrator changed names none of
/// them, and commands then wait for each reply.
const READ_AHEAD_SERVERS: &[&str] = &["vsFTPd", "ProFTPD", "Pure-FTPd", "ftps-testserver"];

/// The argument of `TYPE` for `t`.
pub(crate) fn type_arg(t: TransferType) -> &'static [u8] {
    match t {
        TransferType::Binary => b"I",
        TransferType::Ascii => b"A",
    }
}

/// vsftpd reads the control connection only once a transfer is over (`ABOR` included,
/// unless sent as urgent data, which TLS cannot carry).
fn reads_abor_late(greeting: &Reply) -> bool {
    greeting.text().contains("vsFTPd")
}

fn reads_ahead(p: Pipelining, greeting: &Reply) -> bool {
    match p {
        Pipelining::Off => false,
        Pipelining::Always => true,
        Pipelining::Auto => {
            let text = greeting.text();
            READ_AHEAD_SERVERS.iter().any(|name| text.contains(name))
        }
    }
}

impl Session {
    /// A session on a control connection whose greeting was read.
    pub(crate) fn new(
        config: Config,
        ctl: Control,
        tls: Option<SessionTls>,
        greeting: Reply,
    ) -> Session {
        Session {
            reads_ahead: reads_ahead(config.pipelining(), &greeting),
            abor_late: reads_abor_late(&greeting),
            config,
            ctl,
            tls,
            logged_in: false,
            current_type: None,
            last_reply: Some(greeting),
        }
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn control(&self) -> &Control {
        &self.ctl
    }

    pub(crate) fn control_mut(&mut self) -> &mut Control {
        &mut self.ctl
    }

    /// The TLS side of the session (`None` for plain FTP).
    pub(crate) fn tls(&self) -> Option<&SessionTls> {
        self.tls.as_ref()
    }

    /// Whether commands may be sent ahead at the end of a transfer.
    pub(crate) fn reads_ahead(&self) -> bool {
        self.reads_ahead
    }

    /// Whether the server reads `ABOR` only once the transfer is over (vsftpd): its data
    /// connection is closed at once instead of waiting for the server to close it.
    pub(crate) fn reads_abor_late(&self) -> bool {
        self.abor_late
    }

    /// The server refused a command sent ahead: never again in this session.
    pub(crate) fn stop_reading_ahead(&mut self) {
        self.reads_ahead = false;
    }

    /// Sends `cmds` at once and reads their replies, for the calls that ask them next,
    /// when the server reads ahead (docs/threats.md, class P3); nothing otherwise.
    pub(crate) fn ask_ahead(&mut self, cmds: &[(&str, Option<&[u8]>)]) -> Result<()> {
        if !self.reads_ahead {
            return Ok(());
        }
        let ahead = self.ctl.send_ahead(cmds)?;
        if !self.ctl.collect_ahead(ahead)? {
            self.stop_reading_ahead();
        }
        Ok(())
    }

    /// Whether `SIZE` can go out without a `TYPE I` first.
    pub(crate) fn is_binary(&self) -> bool {
        self.current_type == Some(TransferType::Binary)
    }

    pub(crate) fn is_logged_in(&self) -> bool {
        self.logged_in
    }

    pub(crate) fn set_logged_in(&mut self) {
        self.logged_in = true;
    }

    pub(crate) fn last_reply(&self) -> Option<&Reply> {
        self.last_reply.as_ref()
    }

    pub(crate) fn set_last_reply(&mut self, r: Reply) {
        self.last_reply = Some(r);
    }

    /// True once the control connection is known to be unusable.
    pub(crate) fn is_broken(&self) -> bool {
        self.ctl.broken
    }

    /// The control connection can no longer be trusted to be in step with the server.
    pub(crate) fn mark_broken(&mut self) {
        self.ctl.broken = true;
    }

    /// Fails when the connection was lost.
    pub(crate) fn check_usable(&self) -> Result<()> {
        if self.ctl.broken {
            return Err(Error::State("the control connection was lost earlier"));
        }
        Ok(())
    }

    /// Fails before login.
    pub(crate) fn check_logged_in(&self) -> Result<()> {
        if !self.logged_in {
            return Err(Error::State("not logged in"));
        }
        Ok(())
    }

    /// Upgrades the control connection to TLS (after `234`) and notes the result.
    pub(crate) fn upgrade(&mut self) -> Result<()> {
        let tls = self
            .tls
            .as_ref()
            .ok_or(Error::State("explicit mode without TLS configuration"))?;
        self.ctl.upgrade(tls)?;
        if let Some(i) = self.ctl.tls_info() {
            let msg = format!("TLS handshake done: {} {}", i.version, i.cipher);
            self.ctl.note(&msg);
        }
        Ok(())
    }

    /// Sends a command and reads its reply, keeping it as the last reply.
    pub(crate) fn raw_cmd(&mut self, verb: &str, arg: Option<&[u8]>) -> Result<Reply> {
        let r = self.ctl.cmd(verb, arg);
        if let Ok(reply) = &r {
            self.last_reply = Some(reply.clone());
        }
        r
    }

    /// Reads a reply, keeping it as the last reply.
    pub(crate) fn read_reply(&mut self) -> Result<Reply> {
        let r = self.ctl.read_reply();
        if let Ok(reply) = &r {
            self.last_reply = Some(reply.clone());
        }
        r
    }

    /// Sends a command and requires a `2xx` reply.
    pub(crate) fn expect_ok(&mut self, verb: &str, arg: Option<&[u8]>) -> Result<Reply> {
        let reply = self.raw_cmd(verb, arg)?;
        if reply.is_success() {
            Ok(reply)
        } else {
            Err(Error::Reply {
                command: verb.to_string(),
                reply,
            })
        }
    }

    /// `TYPE`, unless the type is already set.
    pub(crate) fn set_type(&mut self, t: TransferType) -> Result<()> {
        if self.current_type == Some(t) {
            return Ok(());
        }
        self.expect_ok("TYPE", Some(type_arg(t)))?;
        self.current_type = Some(t);
        Ok(())
    }

    /// `SIZE` in binary mode (the configured type restored after it). The caller checks
    /// that the session is ready.
    pub(crate) fn size(&mut self, path: &[u8]) -> Result<u64> {
        let reply = self.size_reply(path)?;
        parse_213_size(reply.first_line_text())
    }

    /// `SIZE` in binary mode (the type restored after): the `213` reply, unparsed.
    pub(crate) fn size_reply(&mut self, path: &[u8]) -> Result<Reply> {
        self.set_type(TransferType::Binary)?;
        if path.is_empty() {
            return Err(Error::invalid("path", "empty"));
        }
        let reply = self.expect_ok("SIZE", Some(path))?;
        let restore = self.config.transfer_type();
        self.set_type(restore)?;
        if reply.code() != 213 {
            return Err(Error::protocol(format!("SIZE answered {reply}")));
        }
        Ok(reply)
    }

    /// Writes a note into the transcript.
    pub(crate) fn note(&mut self, msg: &str) {
        self.ctl.note(msg);
    }
}
