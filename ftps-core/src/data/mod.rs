//! Data connections: opening them (passive or active), securing them with a TLS
//! session that resumes the control connection's, and closing them cleanly.
//!
//! [`open`] is the one place that builds a data connection. It sends the transfer
//! command before it waits for the data handshake, and waits on the control and data
//! sockets at once, so that neither an early error reply nor a server that answers
//! only after the handshake can stall it.

mod tls;

use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec};

use self::tls::{DataTls, Peeked};
use crate::config::{DataConnectionMode, DataProtection};
use crate::control::{Control, set_timeouts};
use crate::error::{Error, Phase, Result};
use crate::reply::{Reply, parse_227, parse_229};
use crate::tls::{SessionTls, TlsInfo};

/// An open data connection.
pub(crate) enum DataStream {
    Plain(TcpStream),
    /// TLS on rustls's unbuffered API (see [`tls`]).
    Tls(Box<DataTls>),
}

/// Why [`DataStream::read_into`] failed.
pub(crate) enum ReadFail {
    /// The data connection failed.
    Stream(io::Error),
    /// The caller's writer failed.
    Local(io::Error),
}

impl DataStream {
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            DataStream::Plain(s) => s,
            DataStream::Tls(t) => &t.sock,
        }
    }

    fn tls(&mut self) -> Option<&mut DataTls> {
        match self {
            DataStream::Tls(t) => Some(t),
            DataStream::Plain(_) => None,
        }
    }

    /// Reads the next piece of a download, at most `limit` bytes, and writes it to
    /// `out`: under TLS straight from the record rustls decrypted in place, in the clear
    /// through `scratch` (at least `limit` long there). Returns how much; 0 at the
    /// clean end.
    pub(crate) fn read_into(
        &mut self,
        out: &mut dyn Write,
        scratch: &mut [u8],
        limit: usize,
    ) -> std::result::Result<usize, ReadFail> {
        match self {
            DataStream::Plain(s) => {
                let n = s.read(&mut scratch[..limit]).map_err(ReadFail::Stream)?;
                out.write_all(&scratch[..n]).map_err(ReadFail::Local)?;
                Ok(n)
            }
            DataStream::Tls(t) => {
                let mut local = None;
                let r = t.read_at_most(limit, &mut |p| {
                    out.write_all(p).map_err(|e| {
                        local = Some(e);
                        io::Error::other("the writer failed")
                    })
                });
                match (r, local) {
                    (_, Some(e)) => Err(ReadFail::Local(e)),
                    (r, None) => r.map_err(ReadFail::Stream),
                }
            }
        }
    }

    /// Ends an upload: close_notify, half-close, then read until the server closes
    /// (draining TLS 1.3 tickets), so the server never sees a reset (docs/threats.md,
    /// class G2).
    pub(crate) fn finish_upload(&mut self, timeout: Duration) -> io::Result<()> {
        match self {
            DataStream::Plain(s) => s.flush()?,
            DataStream::Tls(t) => t.send_close_notify()?,
        }
        set_timeouts(self.tcp(), timeout)?;
        self.tcp().shutdown(Shutdown::Write)?;
        let mut sink = [0u8; 4096];
        loop {
            let r = match self {
                DataStream::Plain(s) => s.read(&mut sink),
                DataStream::Tls(t) => t.read_with(&mut |_| Ok(true)),
            };
            match r {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // The server closed without its own close_notify: the upload is complete
                // all the same; the final reply decides.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset
                    ) =>
                {
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Processes, without waiting, the TLS records that already arrived (new session
    /// tickets above all) before the connection is dropped early.
    pub(crate) fn harvest_tickets(&mut self) {
        if let Some(t) = self.tls() {
            t.harvest();
        }
    }
}

impl Read for DataStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            DataStream::Plain(s) => s.read(buf),
            DataStream::Tls(t) => t.read(buf),
        }
    }
}

impl Write for DataStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            DataStream::Plain(s) => s.write(buf),
            DataStream::Tls(t) => t.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            DataStream::Plain(s) => s.flush(),
            // Every write went out whole.
            DataStream::Tls(_) => Ok(()),
        }
    }
}

/// What a session knows about how to open data connections.
#[derive(Debug, Default)]
pub(crate) struct DataState {
    /// EPSV failed once: go straight to PASV.
    pub epsv_refused: bool,
    /// EPRT failed once: go straight to PORT.
    pub eprt_refused: bool,
}

pub(crate) struct OpenParams {
    pub mode: DataConnectionMode,
    pub protection: DataProtection,
    pub trust_pasv_address: bool,
    pub nodelay: bool,
    pub data_connect: Duration,
    pub tls: Option<SessionTls>,
    pub control_cert: Option<Vec<u8>>,
}

/// An opened transfer: the data connection, the `1xx` reply (or an early final
/// reply), and the TLS facts of the data connection.
pub(crate) struct Opened {
    pub stream: DataStream,
    pub preliminary: Option<Reply>,
    pub early_final: Option<Reply>,
    pub tls: Option<TlsInfo>,
}

enum Pending {
    /// Connected, maybe handshaking.
    Connected(DataStream),
    /// Active: waiting for the server to connect.
    Listening(TcpListener),
}

/// Opens a data connection for `verb arg`, sends the command, and returns once the
/// server has answered `1xx` and the data connection (and its TLS) is up.
pub(crate) fn open(
    ctl: &mut Control,
    state: &mut DataState,
    p: &OpenParams,
    verb: &str,
    arg: Option<&[u8]>,
) -> Result<Opened> {
    let peer = ctl.peer_addr()?;
    let private = p.protection == DataProtection::Private;
    // A connected data socket, with the TLS handshake under way (the ClientHello
    // travels while the command does) under PROT P.
    let connected = |sock: TcpStream| -> Result<Pending> {
        let _ = sock.set_nodelay(p.nodelay);
        let conn = match (private, p.tls.as_ref()) {
            (true, Some(t)) => t.data_connection()?,
            (true, None) => return Err(Error::State("PROT P without TLS")),
            (false, _) => return Ok(Pending::Connected(DataStream::Plain(sock))),
        };
        set_timeouts(&sock, p.data_connect)
            .and_then(|_| DataTls::start(conn, sock))
            .map(|t| Pending::Connected(DataStream::Tls(Box::new(t))))
            .map_err(|e| Error::from_io(e, "data connection", Phase::DataConnect))
    };
    let started = Instant::now();
    let mut pending = match p.mode {
        DataConnectionMode::Passive => {
            let addr = passive_address(ctl, state, peer, p.trust_pasv_address)?;
            let sock = TcpStream::connect_timeout(&addr, p.data_connect).map_err(|e| {
                if e.kind() == io::ErrorKind::TimedOut {
                    Error::Timeout {
                        phase: Phase::DataConnect,
                    }
                } else {
                    Error::Connect {
                        addr: Some(addr),
                        source: e,
                    }
                }
            })?;
            connected(sock)?
        }
        DataConnectionMode::Active { bind } => {
            Pending::Listening(active_listener(ctl, state, bind)?)
        }
    };

    ctl.send(verb, arg)?;

    let deadline = Instant::now() + p.data_connect.max(Duration::from_millis(1));
    let mut preliminary: Option<Reply> = None;
    let mut early_final: Option<Reply> = None;
    loop {
        // Done when the server has said 1xx (or already its final reply) and the
        // data connection is up.
        let data_ready = match &mut pending {
            Pending::Connected(s) => s.tls().is_none_or(|t| !t.is_handshaking()),
            Pending::Listening(_) => false,
        };
        if data_ready && (preliminary.is_some() || early_final.is_some()) {
            break;
        }
        let want_reply = preliminary.is_none() && early_final.is_none();
        // A reply already buffered in our reader would never wake poll. (A data
        // connection's buffer never holds a whole record that rustls has not seen.)
        let (ctl_ready, data_readable) = if want_reply && ctl.has_buffered() {
            (true, false)
        } else {
            let left = deadline
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
                .ok_or(Error::Timeout {
                    phase: Phase::DataConnect,
                })?;
            let flags = |on: bool| {
                if on {
                    PollFlags::IN
                } else {
                    PollFlags::empty()
                }
            };
            let data_fd = match &pending {
                Pending::Connected(s) => PollFd::new(s.tcp(), flags(!data_ready)),
                Pending::Listening(l) => PollFd::new(l, PollFlags::IN),
            };
            let mut fds = [PollFd::new(ctl.tcp(), flags(want_reply)), data_fd];
            let ts = Timespec {
                tv_sec: left.as_secs() as _,
                tv_nsec: left.subsec_nanos() as _,
            };
            match rustix::event::poll(&mut fds, Some(&ts)) {
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => {
                    return Err(Error::Io {
                        during: "waiting for the data connection",
                        source: e.into(),
                    });
                }
            }
            let ready = |f: &PollFd<'_>| {
                f.revents()
                    .intersects(PollFlags::IN | PollFlags::HUP | PollFlags::ERR)
            };
            (ready(&fds[0]), ready(&fds[1]))
        };
        if ctl_ready && want_reply {
            let reply = ctl.read_reply()?;
            handle_reply(
                reply,
                &mut pending,
                &mut preliminary,
                &mut early_final,
                verb,
            )?;
            continue;
        }
        if data_readable {
            pending = match pending {
                Pending::Listening(l) => match accept_from(&l, peer.ip())? {
                    Some(sock) => connected(sock)?,
                    None => Pending::Listening(l),
                },
                Pending::Connected(DataStream::Tls(mut t)) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if let Err(e) = step_handshake(&mut t, left) {
                        return Err(data_handshake_failed(ctl, e, verb));
                    }
                    Pending::Connected(DataStream::Tls(t))
                }
                other => other,
            };
        }
    }

    let Pending::Connected(stream) = pending else {
        return Err(Error::State("data connection not established"));
    };
    let (stream, tls) = match stream {
        DataStream::Plain(sock) => (DataStream::Plain(sock), None),
        DataStream::Tls(mut t) => {
            let info = TlsInfo::of(t.state());
            if let Some(session) = p.tls.as_ref() {
                session.store.count_data(info.resumed);
                let stats = session.store.stats();
                if !info.resumed && stats.control_tickets > 0 && early_final.is_none() {
                    // A server that hands out tickets got a full handshake (the tickets ran
                    // out, expired, or were not accepted): it most likely refuses it (vsftpd
                    // says 522 at once, ProFTPD closes the data connection, then says 425).
                    // Wait a little for that verdict, so the transfer can be retried before
                    // any data is sent.
                    let wait = (started.elapsed() * 4)
                        .clamp(Duration::from_millis(100), Duration::from_secs(2));
                    if let Some(reply) = verdict(ctl, &mut t, wait)? {
                        if reply.is_success() {
                            early_final = Some(reply);
                        } else {
                            let mut pc = Pending::Connected(DataStream::Tls(t));
                            handle_reply(reply, &mut pc, &mut preliminary, &mut early_final, verb)?;
                            return Err(Error::protocol(
                                "unexpected reply after the data handshake",
                            ));
                        }
                    }
                }
            }
            if !info.resumed {
                let data_cert = t
                    .state()
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .map(|c| c.as_ref().to_vec());
                if data_cert.is_none() || data_cert != p.control_cert {
                    return Err(Error::DataCertificateMismatch);
                }
            }
            (DataStream::Tls(t), Some(info))
        }
    };
    Ok(Opened {
        stream,
        preliminary,
        early_final,
        tls,
    })
}

/// Sorts the reply to the transfer command: `1xx` goes on, `2xx` is an early end,
/// anything else fails the transfer.
fn handle_reply(
    reply: Reply,
    pending: &mut Pending,
    preliminary: &mut Option<Reply>,
    early_final: &mut Option<Reply>,
    verb: &str,
) -> Result<()> {
    if reply.is_preliminary() {
        *preliminary = Some(reply);
        return Ok(());
    }
    if reply.is_success() {
        *early_final = Some(reply);
        return Ok(());
    }
    // The server refused. If our data handshake was a full one, or a handshake was
    // still going on when a reuse-enforcing server (vsftpd 522, ProFTPD 425) gave up,
    // say so.
    let full_handshake = match pending {
        Pending::Connected(DataStream::Tls(t)) => {
            !t.is_handshaking()
                && t.state().handshake_kind() != Some(rustls::HandshakeKind::Resumed)
        }
        _ => false,
    };
    let text = reply.text().to_ascii_lowercase();
    if full_handshake || text.contains("reuse") || (reply.code() == 522) {
        let tls13 = match pending {
            Pending::Connected(DataStream::Tls(t)) => {
                t.harvest();
                t.state().protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3)
            }
            _ => false,
        };
        return Err(Error::SessionReuseRefused {
            detail: if full_handshake && tls13 {
                "the data connection could not resume the control connection's TLS session: \
                 no unused TLS 1.3 ticket was left (tickets are single use, or expired)"
                    .into()
            } else if full_handshake {
                "the data connection did not resume the control connection's TLS session".into()
            } else {
                "the server refused the data connection's TLS session".into()
            },
            reply: Some(reply),
        });
    }
    Err(Error::Reply {
        command: verb.to_string(),
        reply,
    })
}

/// A data handshake failed: read the server's explanation from the control
/// connection when there is one in time.
fn data_handshake_failed(ctl: &mut Control, e: Error, verb: &str) -> Error {
    match ctl.read_reply_within(Duration::from_secs(2)) {
        Ok(reply) if reply.is_transient() || reply.is_permanent() => {
            let text = reply.text().to_ascii_lowercase();
            if reply.code() == 522
                || text.contains("reuse")
                || text.contains("tls")
                || text.contains("ssl")
            {
                Error::SessionReuseRefused {
                    reply: Some(reply),
                    detail: format!("data connection handshake failed: {e}"),
                }
            } else {
                Error::Reply {
                    command: verb.to_string(),
                    reply,
                }
            }
        }
        _ => e,
    }
}

/// Waits up to `wait` for the server's verdict on a data connection that did a full
/// handshake: a reply on the control connection, or the data connection closed at
/// once (then our close_notify lets the server go on and reply). `None` when data
/// arrived or nothing happened in time: the connection was accepted.
fn verdict(ctl: &mut Control, t: &mut DataTls, wait: Duration) -> Result<Option<Reply>> {
    let deadline = Instant::now() + wait;
    loop {
        if ctl.has_buffered() {
            return ctl.read_reply().map(Some);
        }
        let Some(left) = deadline.checked_duration_since(Instant::now()) else {
            return Ok(None);
        };
        let ts = Timespec {
            tv_sec: left.as_secs() as _,
            tv_nsec: left.subsec_nanos() as _,
        };
        let mut fds = [
            PollFd::new(ctl.tcp(), PollFlags::IN),
            PollFd::new(&t.sock, PollFlags::IN),
        ];
        match rustix::event::poll(&mut fds, Some(&ts)) {
            Ok(0) => return Ok(None),
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return Ok(None),
        }
        if !fds[0].revents().is_empty() {
            return ctl.read_reply().map(Some);
        }
        if !fds[1].revents().is_empty() {
            match t.peek() {
                Ok(Peeked::Data) => return Ok(None),
                Ok(Peeked::Nothing) => {}
                Ok(Peeked::Closed) | Err(_) => {
                    // Closed at once: answer with our close_notify and read the reply.
                    let _ = t.send_close_notify();
                    return ctl.read_reply().map(Some);
                }
            }
        }
    }
}

/// One step of a data handshake: read what arrived, process it, send what is due.
fn step_handshake(t: &mut DataTls, timeout: Duration) -> Result<()> {
    set_timeouts(&t.sock, timeout)
        .map_err(|e| Error::from_io(e, "data connection", Phase::DataConnect))?;
    match t.step_handshake() {
        Ok(true) => Ok(()),
        Ok(false) => Err(Error::ConnectionLost {
            during: "data connection handshake",
            reply: None,
            source: None,
        }),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
        Err(e) => Err(Error::from_io(e, "data connection", Phase::DataConnect)),
    }
}

/// Asks for a passive data port: EPSV first, PASV when EPSV is refused (docs/threats.md,
/// class D3). The address in a `227` reply is ignored unless trusted by option (D1).
fn passive_address(
    ctl: &mut Control,
    state: &mut DataState,
    peer: SocketAddr,
    trust_pasv: bool,
) -> Result<SocketAddr> {
    if !state.epsv_refused {
        let reply = ctl.cmd("EPSV", None)?;
        if reply.code() == 229 {
            let port = parse_229(reply.first_line_text())?;
            return Ok(SocketAddr::new(peer.ip(), port));
        }
        if !reply.is_permanent() {
            return Err(Error::Reply {
                command: "EPSV".into(),
                reply,
            });
        }
        state.epsv_refused = true;
    }
    if peer.is_ipv6() {
        return Err(Error::protocol(
            "EPSV refused on an IPv6 connection, and PASV cannot work there",
        ));
    }
    let reply = ctl.cmd("PASV", None)?;
    if reply.code() != 227 {
        return Err(Error::Reply {
            command: "PASV".into(),
            reply,
        });
    }
    let (ip, port) = parse_227(reply.first_line_text())?;
    let ip = if trust_pasv {
        IpAddr::V4(ip)
    } else {
        peer.ip()
    };
    Ok(SocketAddr::new(ip, port))
}

/// Opens a listener for active mode and tells the server with EPRT (or PORT).
fn active_listener(
    ctl: &mut Control,
    state: &mut DataState,
    bind: Option<IpAddr>,
) -> Result<TcpListener> {
    let local = ctl
        .tcp()
        .local_addr()
        .map_err(|e| Error::from_io(e, "control connection", Phase::DataConnect))?;
    let ip = bind.unwrap_or(local.ip());
    let listener = TcpListener::bind((ip, 0))
        .map_err(|e| Error::from_io(e, "opening an active-mode listener", Phase::DataConnect))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::from_io(e, "active-mode listener", Phase::DataConnect))?;
    if !state.eprt_refused {
        let proto = if addr.is_ipv4() { 1 } else { 2 };
        let arg = format!("|{proto}|{}|{}|", addr.ip(), addr.port());
        let reply = ctl.cmd("EPRT", Some(arg.as_bytes()))?;
        if reply.is_success() {
            return Ok(listener);
        }
        if !reply.is_permanent() || addr.is_ipv6() {
            return Err(Error::Reply {
                command: "EPRT".into(),
                reply,
            });
        }
        state.eprt_refused = true;
    }
    let IpAddr::V4(v4) = addr.ip() else {
        return Err(Error::protocol("PORT cannot carry an IPv6 address"));
    };
    let o = v4.octets();
    let arg = format!(
        "{},{},{},{},{},{}",
        o[0],
        o[1],
        o[2],
        o[3],
        addr.port() >> 8,
        addr.port() & 0xff
    );
    ctl.cmd_expect("PORT", Some(arg.as_bytes()), |c| (200..300).contains(&c))?;
    Ok(listener)
}

/// Accepts one connection on the active-mode listener, only from the control connection's
/// peer (docs/threats.md, class C4). Others are closed at once; `None` means keep
/// waiting.
fn accept_from(l: &TcpListener, want: IpAddr) -> Result<Option<TcpStream>> {
    match l.accept() {
        Ok((sock, from)) => {
            if from.ip() != want {
                let _ = sock.shutdown(Shutdown::Both);
                return Ok(None);
            }
            Ok(Some(sock))
        }
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(None),
        Err(e) => Err(Error::from_io(
            e,
            "accepting the data connection",
            Phase::DataConnect,
        )),
    }
}
