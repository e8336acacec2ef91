//! Data connections: opening them (passive or active), securing them with a TLS
//! session that resumes the control connection's, and closing them cleanly.
//!
//! [`open`] is the one place that builds a data connection. It sends the transfer
//! command before it waits for the data handshake, and waits on the control and data
//! sockets at once, so that neither an early error reply nor a server that answers
//! only after the handshake can stall it.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec};
use rustls::{ClientConnection, StreamOwned};

use crate::config::{DataConnectionMode, DataProtection};
use crate::control::{Control, set_timeouts};
use crate::error::{Error, Phase, Result};
use crate::record::{Direct, TlsSock};
use crate::reply::{Reply, parse_227, parse_229};
use crate::tls::{SessionTls, TlsInfo};

/// An open data connection.
pub(crate) enum DataStream {
    Plain(TcpStream),
    /// TLS through rustls: for the first [`DIRECT_AFTER`] bytes, or all along.
    Tls(Box<Rustls>),
    /// TLS records opened and sealed in place (see [`crate::record`]).
    Direct(Box<Direct>),
    /// Only while moving from `Tls` to `Direct`.
    Gone,
}

/// A data connection moves to [`Direct`] after this many bytes through rustls: by
/// then the server's TLS 1.3 session tickets, sent right after the handshake, have
/// arrived and gone to the session store, and small transfers never move.
const DIRECT_AFTER: u64 = 1024 * 1024;

/// A TLS data connection on rustls.
pub(crate) struct Rustls {
    s: StreamOwned<ClientConnection, TlsSock>,
    /// Bytes moved so far; `None` when the connection stays on rustls.
    moved: Option<u64>,
}

impl Rustls {
    /// Counts `n` more bytes moved; returns `n`.
    fn count(&mut self, n: usize) -> usize {
        if let Some(m) = self.moved.as_mut() {
            *m += n as u64;
        }
        n
    }
}

fn gone() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "data connection lost while switching record layers",
    )
}

impl DataStream {
    pub(crate) fn tcp(&self) -> Option<&TcpStream> {
        match self {
            DataStream::Plain(s) => Some(s),
            DataStream::Tls(t) => Some(&t.s.sock.sock),
            DataStream::Direct(d) => Some(d.tcp()),
            DataStream::Gone => None,
        }
    }

    /// Moves a TLS data connection from rustls to [`Direct`] once rustls holds
    /// nothing that the move would lose: the handshake is over, no record is waiting
    /// to be sent, no plaintext waiting to be read, and the socket is at a record
    /// boundary. Until then (and for a peer that already closed) rustls goes on.
    fn go_direct(&mut self, reading: bool) -> io::Result<()> {
        let DataStream::Tls(t) = self else {
            return Ok(());
        };
        if t.moved.is_none_or(|m| m < DIRECT_AFTER) {
            return Ok(());
        }
        let s = &mut t.s;
        if s.conn.is_handshaking() || s.conn.wants_write() {
            return Ok(());
        }
        if !reading {
            // An upload reads nothing: take in what already arrived (the server's
            // tickets), without waiting. A download has read them in order.
            harvest_tickets(&mut s.conn, &mut s.sock);
        }
        if !s.sock.at_record_boundary() {
            return Ok(());
        }
        match s.conn.process_new_packets() {
            Ok(st) if st.plaintext_bytes_to_read() == 0 && !st.peer_has_closed() => {}
            _ => return Ok(()),
        }
        let DataStream::Tls(t) = std::mem::replace(self, DataStream::Gone) else {
            return Err(gone());
        };
        let (conn, sock) = t.s.into_parts();
        *self = DataStream::Direct(Box::new(Direct::take_over(conn, sock)?));
        Ok(())
    }

    /// Makes downloaded data available without copying it: returns how much is
    /// in [`DataStream::held`] (0 at the clean end), or `None` when this stream
    /// has no buffer of its own to lend (then use `read`).
    pub(crate) fn fill(&mut self) -> Option<io::Result<usize>> {
        if let Err(e) = self.go_direct(true) {
            return Some(Err(e));
        }
        match self {
            DataStream::Direct(d) => Some(d.fill()),
            _ => None,
        }
    }

    /// The data made available by [`DataStream::fill`].
    pub(crate) fn held(&self) -> &[u8] {
        match self {
            DataStream::Direct(d) => d.plain(),
            _ => &[],
        }
    }

    /// Marks `n` bytes of [`DataStream::held`] as consumed.
    pub(crate) fn consume(&mut self, n: usize) {
        if let DataStream::Direct(d) = self {
            d.consume(n);
        }
    }

    /// Ends an upload: close_notify, half-close, then read until the server closes
    /// (draining TLS 1.3 tickets), so the server never sees a reset (HOSTILE.md G2).
    pub(crate) fn finish_upload(&mut self, timeout: Duration) -> io::Result<()> {
        match self {
            DataStream::Plain(s) => {
                s.flush()?;
                s.shutdown(Shutdown::Write)?;
            }
            DataStream::Tls(t) => {
                let s = &mut t.s;
                s.flush()?;
                s.conn.send_close_notify();
                while s.conn.wants_write() {
                    s.conn.write_tls(&mut s.sock)?;
                }
                s.sock.sock.shutdown(Shutdown::Write)?;
            }
            DataStream::Direct(d) => {
                d.send_close_notify()?;
                d.tcp().shutdown(Shutdown::Write)?;
            }
            DataStream::Gone => return Err(gone()),
        }
        if let Some(t) = self.tcp() {
            set_timeouts(t, timeout)?;
        }
        let mut sink = [0u8; 4096];
        loop {
            let r = match self {
                DataStream::Plain(s) => s.read(&mut sink),
                DataStream::Tls(t) => t.s.read(&mut sink),
                DataStream::Direct(d) => d.read(&mut sink),
                DataStream::Gone => Err(gone()),
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
}

impl DataStream {
    /// Processes, without waiting, the TLS records that already arrived (new session
    /// tickets above all) before the connection is dropped early.
    pub(crate) fn harvest_tickets(&mut self) {
        match self {
            DataStream::Tls(t) => harvest_tickets(&mut t.s.conn, &mut t.s.sock),
            DataStream::Direct(d) => d.harvest(),
            _ => {}
        }
    }
}

impl Read for DataStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.go_direct(true)?;
        match self {
            DataStream::Plain(s) => s.read(buf),
            DataStream::Tls(t) => t.s.read(buf).map(|n| t.count(n)),
            DataStream::Direct(d) => d.read(buf),
            DataStream::Gone => Err(gone()),
        }
    }
}

impl Write for DataStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.go_direct(false)?;
        match self {
            DataStream::Plain(s) => s.write(buf),
            DataStream::Tls(t) => t.s.write(buf).map(|n| t.count(n)),
            DataStream::Direct(d) => d.write(buf),
            DataStream::Gone => Err(gone()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            DataStream::Plain(s) => s.flush(),
            DataStream::Tls(t) => {
                let s = &mut t.s;
                s.flush()?;
                while s.conn.wants_write() {
                    s.conn.write_tls(&mut s.sock)?;
                }
                Ok(())
            }
            DataStream::Direct(_) => Ok(()),
            DataStream::Gone => Err(gone()),
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
    pub records_in_place: bool,
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

#[allow(clippy::large_enum_variant)] // one value per transfer, on the stack briefly
enum Pending {
    /// Passive: connected, maybe handshaking.
    Connected(TlsSock, Option<ClientConnection>),
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
    let new_tls = || -> Result<Option<ClientConnection>> {
        match (private, p.tls.as_ref()) {
            (true, Some(t)) => t.data_connection().map(Some),
            (true, None) => Err(Error::State("PROT P without TLS")),
            (false, _) => Ok(None),
        }
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
            let _ = sock.set_nodelay(p.nodelay);
            let mut conn = new_tls()?;
            if let Some(c) = conn.as_mut() {
                // Send the ClientHello now, so it travels while the command does.
                set_timeouts(&sock, p.data_connect)
                    .and_then(|_| write_all_tls(c, &sock))
                    .map_err(|e| Error::from_io(e, "data connection", Phase::DataConnect))?;
            }
            Pending::Connected(TlsSock::new(sock), conn)
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
        let data_ready = matches!(&pending, Pending::Connected(_, c) if c.as_ref().is_none_or(|c| !c.is_handshaking()));
        if data_ready && (preliminary.is_some() || early_final.is_some()) {
            break;
        }
        let want_reply = preliminary.is_none() && early_final.is_none();
        // A reply already buffered (in our reader or in rustls) would never wake poll.
        let data_buffered =
            !data_ready && matches!(&pending, Pending::Connected(s, _) if s.has_buffered());
        let (ctl_ready, data_readable) = if want_reply && ctl.has_buffered() {
            (true, false)
        } else if data_buffered {
            (false, true)
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
                Pending::Connected(s, _) => PollFd::new(&s.sock, flags(!data_ready)),
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
                Pending::Listening(l) => match accept_from(&l, peer.ip(), p)? {
                    Some(sock) => {
                        let mut conn = new_tls()?;
                        if let Some(c) = conn.as_mut() {
                            write_all_tls(c, &sock).map_err(|e| {
                                Error::from_io(e, "data connection", Phase::DataConnect)
                            })?;
                        }
                        Pending::Connected(TlsSock::new(sock), conn)
                    }
                    None => Pending::Listening(l),
                },
                Pending::Connected(mut sock, Some(mut conn)) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if let Err(e) = step_handshake(&mut conn, &mut sock, left) {
                        return Err(data_handshake_failed(ctl, e, verb));
                    }
                    Pending::Connected(sock, Some(conn))
                }
                other => other,
            };
        }
    }

    let Pending::Connected(mut sock, conn) = pending else {
        return Err(Error::State("data connection not established"));
    };
    let (stream, tls) = match conn {
        None => (DataStream::Plain(sock.sock), None),
        Some(mut conn) => {
            let info = TlsInfo::of(&conn);
            if let Some(t) = p.tls.as_ref() {
                t.store.count_data(info.resumed);
                let stats = t.store.stats();
                if !info.resumed && stats.control_tickets > 0 && early_final.is_none() {
                    // A server that hands out tickets got a full handshake (the tickets ran
                    // out, expired, or were not accepted): it most likely refuses it (vsftpd
                    // says 522 at once, ProFTPD closes the data connection, then says 425).
                    // Wait a little for that verdict, so the transfer can be retried before
                    // any data is sent.
                    let wait = (started.elapsed() * 4)
                        .clamp(Duration::from_millis(100), Duration::from_secs(2));
                    if let Some(reply) = verdict(ctl, &mut conn, &mut sock, wait)? {
                        if reply.is_success() {
                            early_final = Some(reply);
                        } else {
                            let mut pc = Pending::Connected(sock, Some(conn));
                            handle_reply(reply, &mut pc, &mut preliminary, &mut early_final, verb)?;
                            return Err(Error::protocol(
                                "unexpected reply after the data handshake",
                            ));
                        }
                    }
                }
            }
            if !info.resumed {
                let data_cert = conn
                    .peer_certificates()
                    .and_then(|c| c.first())
                    .map(|c| c.as_ref().to_vec());
                if data_cert.is_none() || data_cert != p.control_cert {
                    return Err(Error::DataCertificateMismatch);
                }
            }
            (
                DataStream::Tls(Box::new(Rustls {
                    s: StreamOwned::new(conn, sock),
                    moved: p.records_in_place.then_some(0),
                })),
                Some(info),
            )
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
        Pending::Connected(_, Some(c)) => {
            !c.is_handshaking() && c.handshake_kind() != Some(rustls::HandshakeKind::Resumed)
        }
        _ => false,
    };
    let text = reply.text().to_ascii_lowercase();
    if full_handshake || text.contains("reuse") || (reply.code() == 522) {
        let tls13 = match pending {
            Pending::Connected(sock, Some(c)) => {
                harvest_tickets(c, sock);
                c.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3)
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
fn verdict(
    ctl: &mut Control,
    conn: &mut ClientConnection,
    sock: &mut TlsSock,
    wait: Duration,
) -> Result<Option<Reply>> {
    let deadline = Instant::now() + wait;
    loop {
        if ctl.has_buffered() {
            return ctl.read_reply().map(Some);
        }
        let (ctl_ready, data_ready) = if sock.has_buffered() {
            (false, true)
        } else {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return Ok(None);
            };
            let ts = Timespec {
                tv_sec: left.as_secs() as _,
                tv_nsec: left.subsec_nanos() as _,
            };
            let mut fds = [
                PollFd::new(ctl.tcp(), PollFlags::IN),
                PollFd::new(&sock.sock, PollFlags::IN),
            ];
            match rustix::event::poll(&mut fds, Some(&ts)) {
                Ok(0) => return Ok(None),
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(_) => return Ok(None),
            }
            (!fds[0].revents().is_empty(), !fds[1].revents().is_empty())
        };
        if ctl_ready {
            return ctl.read_reply().map(Some);
        }
        if data_ready {
            let n = conn.read_tls(sock).unwrap_or(0);
            let state = conn.process_new_packets();
            match state {
                Ok(st) if st.plaintext_bytes_to_read() > 0 => return Ok(None),
                Ok(st) if n > 0 && !st.peer_has_closed() => continue,
                _ => {
                    // Closed at once: answer with our close_notify and read the reply.
                    conn.send_close_notify();
                    let _ = write_all_tls(conn, &sock.sock);
                    return ctl.read_reply().map(Some);
                }
            }
        }
    }
}

/// Reads whatever TLS records already arrived on a refused data connection, without
/// waiting: after a full handshake the server's fresh TLS 1.3 tickets are there, and
/// the retry needs them.
fn harvest_tickets(conn: &mut ClientConnection, sock: &mut TlsSock) {
    if sock.sock.set_nonblocking(true).is_err() {
        return;
    }
    for _ in 0..16 {
        match conn.read_tls(sock) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                if conn.process_new_packets().is_err() {
                    break;
                }
            }
        }
    }
    let _ = sock.sock.set_nonblocking(false);
}

fn write_all_tls(conn: &mut ClientConnection, mut sock: &TcpStream) -> io::Result<()> {
    while conn.wants_write() {
        conn.write_tls(&mut sock)?;
    }
    Ok(())
}

/// One step of a data handshake: read what arrived, process it, send what is due.
fn step_handshake(
    conn: &mut ClientConnection,
    sock: &mut TlsSock,
    timeout: Duration,
) -> Result<()> {
    set_timeouts(&sock.sock, timeout)
        .map_err(|e| Error::from_io(e, "data connection", Phase::DataConnect))?;
    match conn.read_tls(sock) {
        Ok(0) => {
            return Err(Error::ConnectionLost {
                during: "data connection handshake",
                reply: None,
                source: None,
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
        Err(e) => return Err(Error::from_io(e, "data connection", Phase::DataConnect)),
    }
    let processed = conn.process_new_packets();
    // Send alerts too when processing failed.
    let _ = write_all_tls(conn, &sock.sock);
    processed.map_err(|e| Error::from_tls(e, "data connection"))?;
    Ok(())
}

/// Asks for a passive data port: EPSV first, PASV when EPSV is refused (HOSTILE.md D3).
/// The address in a `227` reply is ignored unless trusted by option (D1).
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

/// Accepts one connection on the active-mode listener, only from the control
/// connection's peer (HOSTILE.md C4). Others are closed at once; `None` means keep waiting.
fn accept_from(l: &TcpListener, want: IpAddr, p: &OpenParams) -> Result<Option<TcpStream>> {
    match l.accept() {
        Ok((sock, from)) => {
            if from.ip() != want {
                let _ = sock.shutdown(Shutdown::Both);
                return Ok(None);
            }
            let _ = sock.set_nodelay(p.nodelay);
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

#[cfg(test)]
mod direct_tests {
    //! The in-place record layer against a rustls server, for every protocol version
    //! and cipher suite: byte-exact both ways across the switch, clean and unclean
    //! ends, a tampered record, and a key update.
    use super::*;
    use rustls::crypto::{CryptoProvider, aws_lc_rs as provider};
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
    use rustls::{ServerConfig, ServerConnection, SupportedCipherSuite, SupportedProtocolVersion};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::thread;

    const MIB: usize = 1024 * 1024;

    fn pattern(n: usize) -> Vec<u8> {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    fn suites() -> Vec<(&'static SupportedProtocolVersion, SupportedCipherSuite)> {
        use provider::cipher_suite as cs;
        vec![
            (&rustls::version::TLS13, cs::TLS13_AES_128_GCM_SHA256),
            (&rustls::version::TLS13, cs::TLS13_AES_256_GCM_SHA384),
            (&rustls::version::TLS13, cs::TLS13_CHACHA20_POLY1305_SHA256),
            (
                &rustls::version::TLS12,
                cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            ),
            (
                &rustls::version::TLS12,
                cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            ),
            (
                &rustls::version::TLS12,
                cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            ),
        ]
    }

    struct Pair {
        client: DataStream,
        server: thread::JoinHandle<Vec<u8>>,
    }

    /// A rustls server on loopback running `serve`, and a client data stream to it.
    fn pair(
        version: &'static SupportedProtocolVersion,
        suite: SupportedCipherSuite,
        serve: impl FnOnce(&mut ServerConnection, &mut TcpStream) -> Vec<u8> + Send + 'static,
    ) -> Pair {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let der: CertificateDer<'static> = cert.der().clone();
        let prov = Arc::new(CryptoProvider {
            cipher_suites: vec![suite],
            ..provider::default_provider()
        });
        let scfg = ServerConfig::builder_with_provider(prov.clone())
            .with_protocol_versions(&[version])
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(der).unwrap();
        let mut ccfg = rustls::ClientConfig::builder_with_provider(prov)
            .with_protocol_versions(&[version])
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        ccfg.enable_secret_extraction = true;
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let server = thread::spawn(move || {
            let (mut sock, _) = l.accept().unwrap();
            sock.set_read_timeout(Some(Duration::from_secs(20)))
                .unwrap();
            let mut conn = ServerConnection::new(Arc::new(scfg)).unwrap();
            conn.set_buffer_limit(None);
            while conn.is_handshaking() {
                conn.complete_io(&mut sock).unwrap();
            }
            serve(&mut conn, &mut sock)
        });
        let sock = TcpStream::connect(addr).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let conn =
            ClientConnection::new(Arc::new(ccfg), ServerName::try_from("localhost").unwrap())
                .unwrap();
        let client = DataStream::Tls(Box::new(Rustls {
            s: StreamOwned::new(conn, TlsSock::new(sock)),
            moved: Some(0),
        }));
        Pair { client, server }
    }

    /// Sends `data` as records, flipping one ciphertext byte past `tamper_at`.
    fn send(
        conn: &mut ServerConnection,
        sock: &mut TcpStream,
        data: &[u8],
        tamper_at: Option<usize>,
    ) {
        let mut sent = 0;
        let mut tampered = false;
        for chunk in data.chunks(100_000) {
            conn.writer().write_all(chunk).unwrap();
            let mut wire = Vec::new();
            while conn.wants_write() {
                conn.write_tls(&mut wire).unwrap();
            }
            if let Some(at) = tamper_at
                && !tampered
                && sent + wire.len() > at + 64
            {
                let i = at.saturating_sub(sent) + 40;
                wire[i] ^= 0x40;
                tampered = true;
            }
            sent += wire.len();
            if sock.write_all(&wire).is_err() {
                return;
            }
        }
    }

    fn close(conn: &mut ServerConnection, sock: &mut TcpStream) {
        conn.send_close_notify();
        while conn.wants_write() {
            let _ = conn.write_tls(sock);
        }
    }

    fn read_all(s: &mut DataStream) -> io::Result<Vec<u8>> {
        let mut got = Vec::new();
        let mut buf = vec![0u8; 70_000];
        loop {
            // Half through `fill` (in place), half through `read` (copied).
            if got.len() % 2 == 0
                && let Some(r) = s.fill()
            {
                let n = r?;
                if n == 0 {
                    return Ok(got);
                }
                let take = n.min(5000);
                got.extend_from_slice(&s.held()[..take]);
                s.consume(take);
                continue;
            }
            let n = s.read(&mut buf)?;
            if n == 0 {
                return Ok(got);
            }
            got.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn download_is_byte_exact_across_the_switch_for_every_suite() {
        for (v, suite) in suites() {
            let data = pattern(3 * MIB + 12345);
            let d = data.clone();
            let mut p = pair(v, suite, move |c, s| {
                send(c, s, &d, None);
                close(c, s);
                Vec::new()
            });
            let got = read_all(&mut p.client).unwrap_or_else(|e| panic!("{suite:?}: {e}"));
            assert!(
                got == data,
                "{suite:?}: {} bytes, want {}",
                got.len(),
                data.len()
            );
            assert!(
                matches!(p.client, DataStream::Direct(_)),
                "{suite:?} stayed on rustls"
            );
            p.server.join().unwrap();
        }
    }

    #[test]
    fn upload_is_byte_exact_and_ends_with_close_notify_for_every_suite() {
        for (v, suite) in suites() {
            let data = pattern(3 * MIB + 777);
            let mut p = pair(v, suite, |c, s| {
                let mut got = Vec::new();
                let mut rs = rustls::Stream::new(c, s);
                // Ok(0) only after the client's close_notify; an unclean end is an error.
                rs.read_to_end(&mut got).unwrap();
                close(c, s);
                got
            });
            let mut rest = &data[..];
            while !rest.is_empty() {
                let n = p.client.write(&rest[..rest.len().min(200_000)]).unwrap();
                rest = &rest[n..];
            }
            assert!(
                matches!(p.client, DataStream::Direct(_)),
                "{suite:?} stayed on rustls"
            );
            p.client.finish_upload(Duration::from_secs(10)).unwrap();
            let got = p.server.join().unwrap();
            assert!(
                got == data,
                "{suite:?}: server got {} bytes, want {}",
                got.len(),
                data.len()
            );
        }
    }

    #[test]
    fn a_close_without_close_notify_is_unexpected_eof_not_the_end() {
        for (v, suite) in suites().into_iter().step_by(3) {
            let mut p = pair(v, suite, |c, s| {
                send(c, s, &pattern(2 * MIB), None);
                let _ = s.shutdown(Shutdown::Both);
                Vec::new()
            });
            let e = read_all(&mut p.client).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{suite:?}: {e}");
            assert!(matches!(p.client, DataStream::Direct(_)));
            p.server.join().unwrap();
        }
    }

    #[test]
    fn a_tampered_record_after_the_switch_fails_authentication() {
        for (v, suite) in suites() {
            let mut p = pair(v, suite, |c, s| {
                send(c, s, &pattern(3 * MIB), Some(2 * MIB));
                close(c, s);
                Vec::new()
            });
            let e = read_all(&mut p.client).unwrap_err();
            let tls = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
            assert_eq!(tls, Some(&rustls::Error::DecryptError), "{suite:?}: {e}");
            p.server.join().unwrap();
        }
    }

    #[test]
    fn a_key_update_after_the_switch_is_a_clear_error_never_garbage() {
        let (v, suite) = suites()[0];
        let mut p = pair(v, suite, |c, s| {
            send(c, s, &pattern(2 * MIB), None);
            c.refresh_traffic_keys().unwrap();
            send(c, s, &pattern(MIB), None);
            close(c, s);
            Vec::new()
        });
        let e = read_all(&mut p.client).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("KeyUpdate"), "{e}");
        p.server.join().unwrap();
    }

    #[test]
    fn small_transfers_stay_on_rustls() {
        let (v, suite) = suites()[0];
        let data = pattern(100_000);
        let d = data.clone();
        let mut p = pair(v, suite, move |c, s| {
            send(c, s, &d, None);
            close(c, s);
            Vec::new()
        });
        assert_eq!(read_all(&mut p.client).unwrap(), data);
        assert!(matches!(p.client, DataStream::Tls(_)));
        p.server.join().unwrap();
    }
}
