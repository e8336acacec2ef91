//! What the server saw: commands, sessions, data connections. Tests assert on these.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::tls::TlsVersion;

/// How a data connection was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataMode {
    /// The client connected to the server (`PASV` / `EPSV`).
    Passive,
    /// The server connected to the client (`PORT` / `EPRT`).
    Active,
}

/// One data connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataConnLog {
    /// The transfer command that used it, e.g. `"RETR hello.txt"`.
    pub command: String,
    /// Passive or active.
    pub mode: DataMode,
    /// The client's end of the connection.
    pub peer: SocketAddr,
    /// Whether a TLS handshake completed on it.
    pub tls: bool,
    /// Whether that handshake resumed a session of this control connection.
    pub resumed: bool,
    /// The negotiated TLS version.
    pub tls_version: Option<TlsVersion>,
    /// Payload bytes sent (download) or received (upload).
    pub bytes: u64,
    /// Upload only: whether the client ended with a TLS close_notify (false for clear data).
    pub client_sent_close_notify: bool,
    /// `KeyUpdate`s (each asking for the client's) the server sent on it
    /// ([`Fault::KeyUpdateEvery`](crate::Fault::KeyUpdateEvery)).
    pub key_updates_sent: u32,
    /// How many times the client changed its sending keys on it, i.e. the `KeyUpdate`s the
    /// client sent, counted from the traffic secrets rustls ends with (the generation of the
    /// client's key, RFC 8446 7.2). Only with
    /// [`Fault::KeyUpdateEvery`](crate::Fault::KeyUpdateEvery) on a TLS 1.3 connection that
    /// did not end with an RST; `None` otherwise. A client answers a `KeyUpdate` before its
    /// next application data, so in an upload it equals
    /// [`DataConnLog::key_updates_sent`] when the client answered every one sent before its
    /// last data; in a download a client that sends nothing may leave it at `0`.
    pub client_key_updates: Option<u32>,
    /// Download bytes sent as 0.5-RTT data, before the client's Finished was read
    /// ([`Fault::LateTicket`](crate::Fault::LateTicket)); part of [`DataConnLog::bytes`].
    pub half_rtt_bytes: u64,
    /// The final reply line the server sent for the transfer, e.g. `"226 Transfer complete."`;
    /// empty when the control connection was dropped instead
    /// ([`Fault::DropSessionMidTransfer`](crate::Fault::DropSessionMidTransfer)).
    pub reply: String,
}

/// A third-party connection made by [`Fault::ActiveRacer`](crate::Fault::ActiveRacer).
///
/// A careful client (C4) either never accepts the racer or accepts it, sees the wrong peer
/// address and closes it without a word: `bytes_received == 0`. A client that speaks TLS to
/// the racer shows `bytes_received > 0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RacerLog {
    /// The client's PORT/EPRT address the racer aimed at.
    pub target: SocketAddr,
    /// Whether the TCP connect succeeded (it does whenever the client listens).
    pub connected: bool,
    /// Bytes the client sent to the racer.
    pub bytes_received: usize,
    /// Whether the client closed (or reset) the racer's connection within a few seconds.
    pub closed_by_client: bool,
}

impl RacerLog {
    /// Whether the client used the racer's connection as its data connection (sent it bytes).
    pub fn used_by_client(&self) -> bool {
        self.bytes_received > 0
    }
}

/// One control connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionLog {
    /// The client's address.
    pub peer: SocketAddr,
    /// Whether it came in on the implicit TLS port.
    pub implicit: bool,
    /// Every command line received, without its line ending, in order.
    pub commands: Vec<String>,
    /// Whether the control connection completed a TLS handshake.
    pub tls: bool,
    /// The control connection's TLS version.
    pub tls_version: Option<TlsVersion>,
    /// The user who logged in, if any.
    pub user: Option<String>,
    /// Bytes the client had already sent after `AUTH TLS\r\n` when the server read it (A4:
    /// a client that pipelines shows a non-zero count).
    pub bytes_after_auth: usize,
    /// Data connections, in order.
    pub data: Vec<DataConnLog>,
    /// Connections made by the active-mode racer.
    pub racers: Vec<RacerLog>,
    /// TLS tickets issued on this session's control and data connections.
    pub tickets_issued: usize,
}

struct SessionRecord {
    log: SessionLog,
    tickets: Arc<AtomicUsize>,
}

#[derive(Default)]
struct State {
    commands: Vec<String>,
    sessions: Vec<SessionRecord>,
    canary: usize,
    /// File-transfer data connections counted for cuts (`Fault::CutData` and its kin).
    file_transfers: usize,
    /// Data connections cut by those faults.
    cuts: usize,
}

/// Thread-safe sink for everything the logs show.
#[derive(Default)]
pub(crate) struct Recorder {
    state: Mutex<State>,
}

impl Recorder {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Start a session record; returns its index.
    pub fn new_session(
        &self,
        peer: SocketAddr,
        implicit: bool,
        tickets: Arc<AtomicUsize>,
    ) -> usize {
        let mut state = self.lock();
        state.sessions.push(SessionRecord {
            log: SessionLog {
                peer,
                implicit,
                commands: Vec::new(),
                tls: false,
                tls_version: None,
                user: None,
                bytes_after_auth: 0,
                data: Vec::new(),
                racers: Vec::new(),
                tickets_issued: 0,
            },
            tickets,
        });
        state.sessions.len() - 1
    }

    pub fn command(&self, session: usize, line: &str) {
        let mut state = self.lock();
        state.commands.push(line.to_string());
        if let Some(rec) = state.sessions.get_mut(session) {
            rec.log.commands.push(line.to_string());
        }
    }

    /// Change a session's log.
    pub fn update(&self, session: usize, f: impl FnOnce(&mut SessionLog)) {
        if let Some(rec) = self.lock().sessions.get_mut(session) {
            f(&mut rec.log);
        }
    }

    pub fn canary_hit(&self) {
        self.lock().canary += 1;
    }

    pub fn commands(&self) -> Vec<String> {
        self.lock().commands.clone()
    }

    pub fn sessions(&self) -> Vec<SessionLog> {
        self.lock()
            .sessions
            .iter()
            .map(|rec| {
                let mut log = rec.log.clone();
                log.tickets_issued = rec.tickets.load(Ordering::Relaxed);
                log
            })
            .collect()
    }

    pub fn canary(&self) -> usize {
        self.lock().canary
    }

    /// Count one more file-transfer data connection; returns its 1-based number.
    pub fn file_transfer(&self) -> usize {
        let mut state = self.lock();
        state.file_transfers += 1;
        state.file_transfers
    }

    pub fn cut(&self) {
        self.lock().cuts += 1;
    }

    pub fn cuts(&self) -> usize {
        self.lock().cuts
    }
}
