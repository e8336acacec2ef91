//! The control connection: the socket (plain or TLS), the one command writer and the
//! one bounded reply reader.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use rustls::{ClientConnection, StreamOwned};

use crate::command;
use crate::config::{Limits, Timeouts};
use crate::error::{Error, Phase, Result};
use crate::reply::{Reply, ReplyAssembler, split_line};
use crate::tls::{SessionTls, TlsInfo};

/// Which way a transcript line went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A command the client sent (passwords masked).
    Sent,
    /// A reply line the server sent.
    Received,
    /// A note from the client (TLS handshake done, data connection opened...).
    Info,
}

/// A callback that sees every line of the control conversation.
pub type Transcript = Box<dyn FnMut(Direction, &[u8]) + Send>;

pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Stream {
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => &s.sock,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => {
                s.flush()?;
                // Push out everything rustls still holds.
                while s.conn.wants_write() {
                    s.conn.write_tls(&mut s.sock)?;
                }
                Ok(())
            }
        }
    }
}

/// Opens a TCP connection to `host:port`, trying each resolved address in turn.
pub(crate) fn tcp_connect(
    host: &str,
    port: u16,
    timeout: Duration,
    nodelay: bool,
) -> Result<TcpStream> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| Error::Connect {
            addr: None,
            source: e,
        })?
        .collect();
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                s.set_nodelay(nodelay)
                    .map_err(|e| Error::from_io(e, "connect", Phase::Connect))?;
                return Ok(s);
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                last = Some(Error::Timeout {
                    phase: Phase::Connect,
                })
            }
            Err(e) => {
                last = Some(Error::Connect {
                    addr: Some(addr),
                    source: e,
                })
            }
        }
    }
    Err(last.unwrap_or_else(|| Error::Connect {
        addr: None,
        source: io::Error::new(io::ErrorKind::NotFound, "host name resolved to no address"),
    }))
}

/// Runs a TLS handshake on `sock` to completion within `timeout`.
/// `answered_in_clear` starts the message of the [`Error::Protocol`] given when the
/// server's first bytes are an FTP reply rather than TLS ([`IMPLICIT_PORT_GREETED_IN_CLEAR`],
/// [`HELLO_ANSWERED_IN_CLEAR`]).
pub(crate) fn handshake(
    mut conn: ClientConnection,
    mut sock: TcpStream,
    timeout: Duration,
    during: &'static str,
    phase: Phase,
    answered_in_clear: &'static str,
) -> Result<StreamOwned<ClientConnection, TcpStream>> {
    let deadline = Instant::now() + timeout;
    let mut first = Sniff {
        sock: &mut sock,
        seen: Vec::new(),
    };
    while conn.is_handshaking() {
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(Error::Timeout { phase })?;
        set_timeouts(first.sock, left).map_err(|e| Error::from_io(e, during, phase))?;
        match conn.complete_io(&mut first) {
            Ok((0, 0)) if conn.is_handshaking() => {
                return Err(Error::ConnectionLost {
                    during,
                    reply: None,
                    source: None,
                });
            }
            Ok(_) => {}
            Err(e) => {
                if let Some(text) = first.ftp_reply() {
                    return Err(Error::protocol(format!("{answered_in_clear}: {text:?}")));
                }
                return Err(Error::from_io(e, during, phase));
            }
        }
    }
    Ok(StreamOwned::new(conn, sock))
}

/// Implicit mode: the port greeted in clear text instead of a ServerHello.
pub(crate) const IMPLICIT_PORT_GREETED_IN_CLEAR: &str = "the server answered the TLS \
     ClientHello with an FTP reply in clear text: is this an explicit-TLS port (AUTH TLS, \
     usually 21)? Then use explicit mode";

/// Explicit mode: the start of the message of the error for a ClientHello answered with an
/// FTP reply after `234`.
pub(crate) const HELLO_ANSWERED_IN_CLEAR: &str = "the server answered the TLS ClientHello with an FTP reply \
     in clear text (it was still reading commands after 234)";

/// The socket of a handshake, keeping the first bytes the server sent, to tell an FTP reply
/// in clear text from a TLS failure. rustls reads and judges the records; this only looks.
struct Sniff<'a> {
    sock: &'a mut TcpStream,
    seen: Vec<u8>,
}

impl Sniff<'_> {
    /// The server's first line, when it is an FTP reply (`ddd `/`ddd-`, printable).
    fn ftp_reply(&self) -> Option<String> {
        let line = self.seen.split(|&b| b == b'\n').next()?;
        let reply = matches!(line, [a, b, c, sep, ..]
            if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit()
                && (*sep == b' ' || *sep == b'-'));
        reply.then(|| String::from_utf8_lossy(line).trim_end().to_string())
    }
}

impl io::Read for Sniff<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.sock.read(buf)?;
        let keep = n.min(256usize.saturating_sub(self.seen.len()));
        self.seen.extend_from_slice(&buf[..keep]);
        Ok(n)
    }
}

impl io::Write for Sniff<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sock.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.sock.flush()
    }
}

/// Whether `e` says that the server answered the ClientHello with an FTP reply.
pub(crate) fn hello_answered_in_clear(e: &Error) -> bool {
    matches!(e, Error::Protocol(m) if m.starts_with(HELLO_ANSWERED_IN_CLEAR))
}

pub(crate) fn set_timeouts(sock: &TcpStream, d: Duration) -> io::Result<()> {
    let d = d.max(Duration::from_millis(1));
    sock.set_read_timeout(Some(d))?;
    sock.set_write_timeout(Some(d))
}

/// The control connection.
pub(crate) struct Control {
    stream: Stream,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    assembler: ReplyAssembler,
    limits: Limits,
    timeouts: Timeouts,
    pub(crate) transcript: Option<Transcript>,
    /// Set once the connection is known to be unusable.
    pub(crate) broken: bool,
    /// Commands sent ahead ([`Control::send_ahead`]) with the replies read for them: the
    /// next [`Control::cmd`] of the same line takes its reply from here; any other
    /// command sent makes them stale.
    answered: VecDeque<(Vec<u8>, Reply)>,
}

/// Commands written by [`Control::send_ahead`] whose replies are still to be read.
#[must_use = "the replies of commands sent ahead must be read (Control::collect_ahead)"]
pub(crate) struct Ahead {
    lines: Vec<Vec<u8>>,
    refused: bool,
}

impl Ahead {
    /// `reply`, read where the transfer's final reply was expected, is the refusal of
    /// the first command sent ahead by a server still in its transfer: that command
    /// is done with, and the final reply is still to come.
    pub(crate) fn refused_first(&mut self, reply: &Reply) -> bool {
        // Never a reply a transfer can end with (426, 451, 552...).
        let not_final = matches!(reply.code(), 450 | 500..=503);
        if self.lines.is_empty() || !not_final || !refused_ahead(reply) {
            return false;
        }
        self.lines.remove(0);
        self.refused = true;
        true
    }
}

/// A reply that refuses a command because a transfer is under way (ProFTPD's "450 SIZE:
/// data transfer in progress", Pure-FTPd's refusals while it transfers).
fn refused_ahead(reply: &Reply) -> bool {
    let text = reply.text().to_ascii_lowercase();
    matches!(reply.code(), 425 | 426 | 450 | 503)
        || text.contains("in progress")
        || text.contains("during")
}

impl Control {
    pub(crate) fn new(stream: Stream, limits: Limits, timeouts: Timeouts) -> Control {
        Control {
            stream,
            buf: vec![0; 16 * 1024],
            start: 0,
            end: 0,
            assembler: ReplyAssembler::default(),
            limits,
            timeouts,
            transcript: None,
            broken: false,
            answered: VecDeque::new(),
        }
    }

    pub(crate) fn tcp(&self) -> &TcpStream {
        self.stream.tcp()
    }

    pub(crate) fn peer_addr(&self) -> Result<SocketAddr> {
        self.tcp()
            .peer_addr()
            .map_err(|e| Error::from_io(e, "control connection", Phase::Reply))
    }

    pub(crate) fn tls_info(&self) -> Option<TlsInfo> {
        match &self.stream {
            Stream::Tls(s) => Some(TlsInfo::of(&s.conn)),
            Stream::Plain(_) => None,
        }
    }

    pub(crate) fn peer_certificate(&self) -> Option<Vec<u8>> {
        match &self.stream {
            Stream::Tls(s) => s
                .conn
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.as_ref().to_vec()),
            Stream::Plain(_) => None,
        }
    }

    pub(crate) fn is_tls(&self) -> bool {
        matches!(self.stream, Stream::Tls(_))
    }

    pub(crate) fn note(&mut self, msg: &str) {
        if let Some(t) = self.transcript.as_mut() {
            t(Direction::Info, msg.as_bytes());
        }
    }

    /// True when bytes of a reply are already buffered (in this reader or in rustls),
    /// so waiting on the socket would be wrong.
    pub(crate) fn has_buffered(&mut self) -> bool {
        if self.start < self.end {
            return true;
        }
        match &mut self.stream {
            // Decrypt whatever records already arrived; on an error, let the read report it.
            Stream::Tls(s) => s
                .conn
                .process_new_packets()
                .map_or(true, |st| st.plaintext_bytes_to_read() > 0),
            Stream::Plain(_) => false,
        }
    }

    /// Sends one command. The only place that writes to the control connection.
    ///
    /// Replies nobody asked for (docs/threats.md, class F5) are read and dropped first,
    /// so they can never be taken for the answer to this command; a `421` among them ends
    /// the session.
    pub(crate) fn send(&mut self, verb: &str, arg: Option<&[u8]>) -> Result<()> {
        self.check_usable()?;
        let line = command::encode(verb, arg)?;
        self.answered.clear();
        self.drop_unsolicited()?;
        self.write_lines(&[line], &[verb])
    }

    /// Writes whole command lines in one go (transcript first, passwords masked).
    fn write_lines(&mut self, lines: &[Vec<u8>], verbs: &[&str]) -> Result<()> {
        if let Some(t) = self.transcript.as_mut() {
            for (line, verb) in lines.iter().zip(verbs) {
                if command::is_secret(verb) {
                    t(Direction::Sent, format!("{verb} ****").as_bytes());
                } else {
                    t(Direction::Sent, &line[..line.len() - 2]);
                }
            }
        }
        let all = lines.concat();
        let res = set_timeouts(self.tcp(), self.timeouts.reply)
            .and_then(|_| self.stream.write_all(&all))
            .and_then(|_| self.stream.flush());
        res.map_err(|e| self.fail(e, "sending a command", Phase::Send))
    }

    /// Sends `cmds` in one write while the reply the caller waits for (a transfer's
    /// final one) is still to come; the caller reads that reply, then the replies of
    /// `cmds` with [`Control::collect_ahead`] (docs/threats.md, class P3).
    pub(crate) fn send_ahead(&mut self, cmds: &[(&str, Option<&[u8]>)]) -> Result<Ahead> {
        self.check_usable()?;
        let lines = cmds
            .iter()
            .map(|(verb, arg)| command::encode(verb, *arg))
            .collect::<Result<Vec<_>>>()?;
        let verbs: Vec<&str> = cmds.iter().map(|(v, _)| *v).collect();
        self.answered.clear();
        self.write_lines(&lines, &verbs)?;
        Ok(Ahead {
            lines,
            refused: false,
        })
    }

    /// Reads the replies of the commands `ahead` sent and keeps them for the
    /// [`Control::cmd`] calls that ask the same. Returns `false` when the server
    /// answered one as a server that reads commands during a transfer does ("450
    /// transfer in progress", or an error the command cannot cause): that reply is not
    /// kept, so the command is sent again, and the caller stops sending ahead.
    pub(crate) fn collect_ahead(&mut self, ahead: Ahead) -> Result<bool> {
        let mut in_step = !ahead.refused;
        for line in ahead.lines {
            let reply = self.read_reply()?;
            if refused_ahead(&reply) || !in_step {
                in_step = false;
                continue;
            }
            self.answered.push_back((line, reply));
        }
        if !in_step {
            self.answered.clear();
            self.note("the server did not take the commands sent ahead: sending each in turn");
        }
        Ok(in_step)
    }

    /// Forgets the replies of commands sent ahead (an `EPSV` for a transfer that will not
    /// come: a port the server opened then should not be used long after).
    pub(crate) fn forget_answered(&mut self) {
        self.answered.clear();
    }

    /// The reply of a command sent ahead, when the next command asked is that one.
    fn take_answered(&mut self, verb: &str, arg: Option<&[u8]>) -> Result<Option<Reply>> {
        let Some((line, _)) = self.answered.front() else {
            return Ok(None);
        };
        if *line != command::encode(verb, arg)? {
            self.answered.clear();
            return Ok(None);
        }
        let (line, reply) = self.answered.pop_front().expect("checked above");
        let msg = format!(
            "{} was sent ahead: {reply}",
            String::from_utf8_lossy(&line[..line.len() - 2])
        );
        self.note(&msg);
        Ok(Some(reply))
    }

    /// Reads, without waiting, whatever arrived since the last reply; complete replies
    /// found there are unsolicited and dropped (noted in the transcript).
    fn drop_unsolicited(&mut self) -> Result<()> {
        let mut last: Option<Reply> = None;
        loop {
            if !self.assembler.in_progress()
                && split_line(&self.buf[self.start..self.end]).is_none()
            {
                if self.start > 0 {
                    self.buf.copy_within(self.start..self.end, 0);
                    self.end -= self.start;
                    self.start = 0;
                }
                if self.end == self.buf.len() {
                    return Ok(()); // a partial overlong line: the next read reports it
                }
                let tcp = self.stream.tcp();
                tcp.set_nonblocking(true)
                    .map_err(|e| Error::from_io(e, "control connection", Phase::Send))?;
                let r = self.stream.read(&mut self.buf[self.end..]);
                let _ = self.stream.tcp().set_nonblocking(false);
                match r {
                    Ok(0) => {
                        // Keep the server's last word (e.g. vsftpd's 522 before it hangs up).
                        self.broken = true;
                        return Err(Error::ConnectionLost {
                            during: "sending a command",
                            reply: last,
                            source: None,
                        });
                    }
                    Ok(n) => self.end += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(self.fail(e, "control connection", Phase::Send)),
                }
                if self.start == self.end {
                    return Ok(());
                }
            }
            let reply = self.read_reply()?;
            let msg = format!("dropped an unsolicited reply: {reply}");
            self.note(&msg);
            last = Some(reply);
        }
    }

    fn check_usable(&self) -> Result<()> {
        if self.broken {
            Err(Error::State("the control connection was lost earlier"))
        } else {
            Ok(())
        }
    }

    fn fail(&mut self, e: io::Error, during: &'static str, phase: Phase) -> Error {
        self.broken = true;
        Error::from_io(e, during, phase)
    }

    /// Reads one complete reply within the reply timeout and the size limits.
    pub(crate) fn read_reply(&mut self) -> Result<Reply> {
        self.read_reply_within(self.timeouts.reply)
    }

    pub(crate) fn read_reply_within(&mut self, timeout: Duration) -> Result<Reply> {
        self.check_usable()?;
        let deadline = Instant::now() + timeout;
        let r = self.read_reply_until(deadline);
        if let Err(e) = &r
            && e.is_fatal()
        {
            self.broken = true;
        }
        let reply = r?;
        if reply.code() == 421 {
            self.broken = true;
            return Err(Error::ConnectionLost {
                during: "session",
                reply: Some(reply),
                source: None,
            });
        }
        Ok(reply)
    }

    fn read_reply_until(&mut self, deadline: Instant) -> Result<Reply> {
        loop {
            while let Some((len, used)) = split_line(&self.buf[self.start..self.end]) {
                let line_start = self.start;
                self.start += used;
                let line = &self.buf[line_start..line_start + len];
                if let Some(t) = self.transcript.as_mut() {
                    t(Direction::Received, line);
                }
                if let Some(reply) = self.assembler.push_line(line, self.limits.max_reply)? {
                    return Ok(reply);
                }
            }
            // No complete line buffered: make room and read more.
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.end == self.buf.len() {
                if self.buf.len() >= self.limits.max_line {
                    return Err(Error::protocol(format!(
                        "reply line longer than {} bytes",
                        self.limits.max_line
                    )));
                }
                let new_len = (self.buf.len() * 2).min(self.limits.max_line);
                self.buf.resize(new_len, 0);
            }
            let left = deadline
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
                .ok_or(Error::Timeout {
                    phase: Phase::Reply,
                })?;
            set_timeouts(self.stream.tcp(), left)
                .map_err(|e| Error::from_io(e, "reading a reply", Phase::Reply))?;
            match self.stream.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    return Err(Error::ConnectionLost {
                        during: "reading a reply",
                        reply: None,
                        source: None,
                    });
                }
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::from_io(e, "reading a reply", Phase::Reply)),
            }
        }
    }

    /// Sends a command and reads its reply.
    /// A command sent ahead gets the reply read for it then.
    pub(crate) fn cmd(&mut self, verb: &str, arg: Option<&[u8]>) -> Result<Reply> {
        if let Some(reply) = self.take_answered(verb, arg)? {
            return Ok(reply);
        }
        self.send(verb, arg)?;
        self.read_reply()
    }

    /// Sends a command and requires a reply in `ok` (2xx codes usually).
    pub(crate) fn cmd_expect(
        &mut self,
        verb: &str,
        arg: Option<&[u8]>,
        ok: impl Fn(u16) -> bool,
    ) -> Result<Reply> {
        let reply = self.cmd(verb, arg)?;
        if ok(reply.code()) {
            Ok(reply)
        } else {
            Err(Error::Reply {
                command: verb.to_string(),
                reply,
            })
        }
    }

    /// Upgrades the plain control connection to TLS after `234`. Bytes already buffered
    /// after the `234` line are an injection attempt (docs/threats.md, class A3) and end
    /// the session.
    pub(crate) fn upgrade(&mut self, tls: &SessionTls) -> Result<()> {
        if self.start < self.end || self.assembler.in_progress() {
            self.broken = true;
            return Err(Error::DataAfterAuthReply);
        }
        let Stream::Plain(sock) = &self.stream else {
            return Err(Error::State("control connection already uses TLS"));
        };
        let sock = sock
            .try_clone()
            .map_err(|e| Error::from_io(e, "control connection", Phase::ControlHandshake))?;
        let conn = tls.control_connection()?;
        let stream = handshake(
            conn,
            sock,
            self.timeouts.reply,
            "control connection",
            Phase::ControlHandshake,
            HELLO_ANSWERED_IN_CLEAR,
        )
        .inspect_err(|_| self.broken = true)?;
        self.stream = Stream::Tls(Box::new(stream));
        Ok(())
    }

    /// Sends close_notify on a TLS control connection (best effort) and shuts the socket.
    pub(crate) fn shutdown(&mut self) {
        if let Stream::Tls(s) = &mut self.stream {
            s.conn.send_close_notify();
            let _ = set_timeouts(&s.sock, Duration::from_secs(1));
            let _ = s.conn.write_tls(&mut s.sock);
        }
        let _ = self.tcp().shutdown(std::net::Shutdown::Both);
        self.broken = true;
    }
}
