//! [`open`]: the one place that builds a data connection, from the transfer command to
//! the `1xx` reply and the data connection's TLS handshake, with the verdict of a
//! server that refuses a full handshake.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec};

use super::address::{DataState, accept_from, active_listener, passive_address};
use super::stream::DataStream;
use super::tls::{DataTls, Peeked};
use crate::config::{DataConnectionMode, DataProtection};
use crate::control::{Control, set_timeouts};
use crate::error::{Error, Phase, Result};
use crate::reply::Reply;
use crate::tls::{SessionTls, TlsInfo};

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
