//! Data connections: passive listeners (and the canary), active connects (and the racer),
//! the TLS or clear channel, and how a channel ends.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::{HandshakeKind, ServerConfig, ServerConnection, SupportedCipherSuite};
use socket2::SockRef;

use crate::faults::DataEnd;
use crate::log::{DataMode, RacerLog};
use crate::server::{Registered, Shared, deadline_after};
use crate::tls::{self, SecretCapture, TlsVersion, other_err};

/// How long a download under `Fault::KeyUpdateEvery` waits for the client to close after
/// the server's close_notify (to see a `KeyUpdate` sent in front of the client's own).
const CLIENT_CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Where the canary of `Fault::PasvPointsToCanary` listens.
pub(crate) const CANARY_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
/// Where the racer of `Fault::ActiveRacer` connects from.
const RACER_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);

/// What `PASV`/`EPSV`/`PORT`/`EPRT` prepared for the next transfer command.
pub(crate) enum DataSetup {
    Passive {
        listener: TcpListener,
        canary: Option<TcpListener>,
    },
    Active {
        target: SocketAddr,
    },
}

/// A passive listener on `ip`; with `canary`, also a canary listener on 127.0.0.2 with the
/// same port number.
pub(crate) fn passive_listener(
    ip: IpAddr,
    canary: bool,
) -> io::Result<(TcpListener, Option<TcpListener>)> {
    if !canary {
        return Ok((TcpListener::bind((ip, 0))?, None));
    }
    for _ in 0..50 {
        let listener = TcpListener::bind((ip, 0))?;
        let port = listener.local_addr()?.port();
        if let Ok(canary) = TcpListener::bind((CANARY_IP, port)) {
            return Ok((listener, Some(canary)));
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        "no port free on both 127.0.0.1 and 127.0.0.2",
    ))
}

/// Accept one connection before `deadline`, counting (and closing) canary hits meanwhile.
pub(crate) fn accept(
    sh: &Shared,
    listener: &TcpListener,
    canary: Option<&TcpListener>,
    deadline: Instant,
) -> io::Result<TcpStream> {
    listener.set_nonblocking(true)?;
    if let Some(c) = canary {
        c.set_nonblocking(true)?;
    }
    loop {
        if let Some(c) = canary
            && let Ok((hit, _)) = c.accept()
        {
            sh.rec.canary_hit();
            drop(hit);
        }
        match listener.accept() {
            Ok((tcp, _)) => {
                tcp.set_nonblocking(false)?;
                return Ok(tcp);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        if sh.stopping() || Instant::now() > deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no data connection",
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Connect to the client for active mode.
pub(crate) fn connect(target: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
    TcpStream::connect_timeout(&target, timeout)
}

/// The active-mode racer: connect from 127.0.0.3 before the server does, then watch in the
/// background whether the client talks to it (see `RacerLog`).
pub(crate) fn race(sh: &Arc<Shared>, session: usize, target: SocketAddr) {
    let entry = RacerLog {
        target,
        connected: false,
        bytes_received: 0,
        closed_by_client: false,
    };
    let socket = match socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None) {
        Ok(s) => s,
        Err(_) => return,
    };
    let bound = socket.bind(&SocketAddr::from((RACER_IP, 0)).into());
    let connected = bound.is_ok()
        && socket
            .connect_timeout(&target.into(), Duration::from_secs(2))
            .is_ok();
    let mut index = 0;
    sh.rec.update(session, |log| {
        log.racers.push(RacerLog { connected, ..entry });
        index = log.racers.len() - 1;
    });
    if !connected {
        return;
    }
    let mut tcp: TcpStream = socket.into();
    let reg = sh.conns.register(&tcp);
    let sh = sh.clone();
    let _ = std::thread::Builder::new()
        .name("ftps-testserver-racer".into())
        .spawn(move || {
            let _reg = reg;
            let _ = tcp.set_read_timeout(Some(Duration::from_millis(100)));
            let end = Instant::now() + Duration::from_secs(3);
            let mut buf = [0u8; 4096];
            while Instant::now() < end && !sh.stopping() {
                let (bytes, closed) = match tcp.read(&mut buf) {
                    Ok(0) => (0, true),
                    Ok(n) => (n, false),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) if e.kind() == io::ErrorKind::TimedOut => continue,
                    Err(_) => (0, true),
                };
                sh.rec.update(session, |log| {
                    if let Some(r) = log.racers.get_mut(index) {
                        r.bytes_received += bytes;
                        r.closed_by_client |= closed;
                    }
                });
                if closed {
                    break;
                }
            }
        });
    // Give the client a moment to accept the racer before the real connection arrives.
    std::thread::sleep(Duration::from_millis(100));
}

/// An open data connection, TLS or clear.
pub(crate) struct DataChannel {
    tcp: TcpStream,
    tls: Option<Box<ServerConnection>>,
    reg: Registered,
    pub peer: SocketAddr,
    pub mode: DataMode,
    /// The client's first application traffic secret, when the client's key changes are
    /// counted at the end (`Fault::KeyUpdateEvery`).
    secrets: Option<Arc<SecretCapture>>,
    /// `KeyUpdate`s the server sent.
    pub key_updates_sent: u32,
}

impl DataChannel {
    pub fn new(sh: &Shared, tcp: TcpStream, mode: DataMode, timeout: Duration) -> io::Result<Self> {
        tcp.set_read_timeout(Some(timeout))?;
        tcp.set_write_timeout(Some(timeout))?;
        let _ = tcp.set_nodelay(true);
        let peer = tcp.peer_addr()?;
        let reg = sh.conns.register(&tcp);
        Ok(DataChannel {
            tcp,
            tls: None,
            reg,
            peer,
            mode,
            secrets: None,
            key_updates_sent: 0,
        })
    }

    /// Server side of a TLS handshake on this connection. With `half_rtt` data (and a
    /// config with `send_half_rtt_data`), a TLS 1.3 handshake that `accept` allows sends
    /// that data right behind the server's Finished, before reading the client's; returns
    /// how much of it went out that way. `secrets` captures the client's traffic secret
    /// (the config must log into it and allow secret extraction).
    pub fn start_tls(
        &mut self,
        config: Arc<ServerConfig>,
        deadline: Instant,
        half_rtt: &[u8],
        accept: impl Fn(&ServerConnection) -> bool,
        secrets: Option<Arc<SecretCapture>>,
    ) -> io::Result<usize> {
        let mut conn = ServerConnection::new(config).map_err(other_err)?;
        let mut sent = 0;
        if !half_rtt.is_empty() {
            // ClientHello in, the server's flight (up to its Finished) out.
            while conn.is_handshaking() && !conn.wants_write() {
                if Instant::now() > deadline {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "handshake timed out",
                    ));
                }
                if conn.read_tls(&mut self.tcp)? == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "peer closed during handshake",
                    ));
                }
                conn.process_new_packets().map_err(other_err)?;
            }
            while conn.wants_write() {
                conn.write_tls(&mut self.tcp)?;
            }
            let tls13 = TlsVersion::of(&conn) == Some(TlsVersion::Tls13);
            if conn.is_handshaking() && tls13 && accept(&conn) {
                while sent < half_rtt.len() {
                    let n = conn.writer().write(&half_rtt[sent..])?;
                    while conn.wants_write() {
                        conn.write_tls(&mut self.tcp)?;
                    }
                    if n == 0 {
                        break;
                    }
                    sent += n;
                }
            }
        }
        tls::handshake(&mut conn, &mut self.tcp, deadline)?;
        self.tls = Some(Box::new(conn));
        self.secrets = secrets;
        Ok(sent)
    }

    /// Count no key changes of the client at the end after all (a refused connection).
    pub fn stop_watching_keys(&mut self) {
        self.secrets = None;
    }

    /// Renew the server's sending keys: a `KeyUpdate` with `update_requested`. Nothing
    /// happens on a clear or TLS 1.2 connection.
    pub fn refresh_keys(&mut self) -> io::Result<()> {
        if self.tls_version() != Some(TlsVersion::Tls13) {
            return Ok(());
        }
        if let Some(conn) = self.tls.as_deref_mut() {
            conn.refresh_traffic_keys().map_err(other_err)?;
            while conn.wants_write() {
                conn.write_tls(&mut self.tcp)?;
            }
            self.key_updates_sent += 1;
        }
        Ok(())
    }

    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    pub fn resumed(&self) -> bool {
        self.tls
            .as_ref()
            .is_some_and(|c| c.handshake_kind() == Some(HandshakeKind::Resumed))
    }

    pub fn tls_version(&self) -> Option<TlsVersion> {
        self.tls.as_deref().and_then(TlsVersion::of)
    }

    pub fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self.tls.as_deref_mut() {
            None => self.tcp.write_all(data),
            Some(conn) => {
                let mut stream = rustls::Stream::new(conn, &mut self.tcp);
                stream.write_all(data)?;
                stream.flush()
            }
        }
    }

    /// Read payload. `Ok(0)`: clean end (close_notify under TLS, FIN in clear);
    /// `UnexpectedEof` error: FIN without close_notify.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.tls.as_deref_mut() {
            None => self.tcp.read(buf),
            Some(conn) => rustls::Stream::new(conn, &mut self.tcp).read(buf),
        }
    }

    /// End the connection the way `end` says. When the client's key changes are counted
    /// (see [`DataChannel::start_tls`]), returns how many there were; after a clean end the
    /// server first waits a moment for the client to close, so that a `KeyUpdate` the
    /// client sends in front of its close_notify is counted too.
    pub fn finish(mut self, end: DataEnd) -> Option<u32> {
        let mut client_key_updates = None;
        match end {
            DataEnd::Clean => {
                if let Some(conn) = &mut self.tls {
                    conn.send_close_notify();
                    while conn.wants_write() {
                        if conn.write_tls(&mut self.tcp).is_err() {
                            break;
                        }
                    }
                }
                if self.secrets.is_some() {
                    self.await_client_close();
                    client_key_updates = self.client_key_updates();
                }
                self.fin_and_drain();
            }
            DataEnd::Fin => {
                client_key_updates = self.client_key_updates();
                self.fin_and_drain();
            }
            DataEnd::Rst => {
                let _ = SockRef::from(&self.tcp).set_linger(Some(Duration::ZERO));
            }
        }
        client_key_updates
    }

    /// Process what the client sends until its close_notify, its FIN or
    /// [`CLIENT_CLOSE_WAIT`].
    fn await_client_close(&mut self) {
        let Some(conn) = self.tls.as_deref_mut() else {
            return;
        };
        let deadline = deadline_after(CLIENT_CLOSE_WAIT);
        let mut sink = vec![0u8; 64 * 1024];
        loop {
            match conn.process_new_packets() {
                Ok(state) if state.peer_has_closed() => return,
                Ok(state) if state.plaintext_bytes_to_read() > 0 => {
                    let _ = conn.reader().read(&mut sink);
                    continue;
                }
                Ok(_) => {}
                Err(_) => return,
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.tcp.set_read_timeout(Some(left)).is_err() {
                return;
            }
            match conn.read_tls(&mut self.tcp) {
                Ok(n) if n > 0 => {}
                _ => return,
            }
        }
    }

    /// How often the client changed its sending keys on this connection: found by
    /// deriving the generations of its first application traffic secret (RFC 8446 7.2)
    /// until one matches the receiving key rustls ends with. Consumes the TLS state.
    fn client_key_updates(&mut self) -> Option<u32> {
        let secret0 = self.secrets.take()?.client_secret()?;
        let conn = self.tls.take()?;
        let Some(SupportedCipherSuite::Tls13(suite)) = conn.negotiated_cipher_suite() else {
            return None;
        };
        let extracted = conn.dangerous_extract_secrets().ok()?;
        tls::key_generation(suite, &secret0, &extracted.rx.1)
    }

    /// FIN, then read what the client still sends (its close_notify) in the background, so
    /// closing never turns into an RST and never delays the final reply.
    fn fin_and_drain(self) {
        let _ = self.tcp.shutdown(Shutdown::Write);
        let DataChannel { mut tcp, reg, .. } = self;
        let _ = std::thread::Builder::new()
            .name("ftps-testserver-drain".into())
            .spawn(move || {
                let _reg = reg;
                let _ = tcp.set_read_timeout(Some(Duration::from_millis(250)));
                let end = Instant::now() + Duration::from_secs(2);
                let mut sink = [0u8; 4096];
                while Instant::now() < end {
                    match tcp.read(&mut sink) {
                        Ok(n) if n > 0 => {}
                        _ => break,
                    }
                }
            });
    }
}
