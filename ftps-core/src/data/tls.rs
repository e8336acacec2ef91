//! The TLS layer of a data connection: rustls's unbuffered API over a socket, with
//! buffers this module owns.
//!
//! rustls decrypts each record in place inside [`DataTls`]'s input buffer and encrypts
//! into its output buffer, so the project chooses their sizes and alignment; every
//! byte of TLS, the record layer included, is rustls's. Compared with rustls's
//! buffered `ClientConnection`, this saves the copy of every received record out of a
//! buffer whose alignment makes glibc's `memcpy` slow on AMD Zen, and it hands the
//! plaintext of each record straight to the consumer ([`DataTls::read_with`]).
//! (rustls 0.23.x moves each decrypted payload into a `Vec` of its own before lending
//! it out, `ReadTraffic::next_record`; that copy runs at full speed, since a record's
//! offset from the fresh allocation changes from one record to the next.)
//!
//! rustls handles everything that arrives after the handshake: TLS 1.3 session tickets
//! (into the session store, at any point of a transfer), `KeyUpdate` requests (answered
//! before the next record we send), warning and fatal alerts, and close_notify.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use rustix::event::{PollFd, PollFlags, Timespec};
use rustls::client::UnbufferedClientConnection;
use rustls::unbuffered::{ConnectionState, EncodeError, EncryptError, InsufficientSizeError};

/// How much one read from the socket asks for: ~4,000 reads per GiB.
const SOCKET_READ: usize = 256 * 1024;
/// The input buffer never grows past this (a handshake message, such as a long
/// certificate chain, must fit in it whole).
const MAX_INPUT: usize = 4 * 1024 * 1024;
/// Plaintext encrypted per [`DataTls::write`] call.
const WRITE_CHUNK: usize = 256 * 1024;
/// Where, modulo a page, the first record of a write starts in the output buffer. glibc
/// (before 2.39) copies at a fraction of its speed on AMD Zen when source and
/// destination are 1-31 bytes apart modulo 4 KiB; the payload of each record of a
/// batch lands 64 bytes and more past the page offset of the plaintext (a page-aligned
/// file buffer), clear of that window.
const OUT_PAGE_OFFSET: usize = 64;
const PAGE: usize = 4096;

fn tls_err(e: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// What a call to [`DataTls::process`] is after.
enum Goal<'a> {
    /// The handshake: stop when rustls needs more bytes or the handshake is over.
    Handshake,
    /// Application data: stop at the first record, without taking it.
    Peek,
    /// Application data, each record handed to the sink until it returns `false`.
    Deliver(&'a mut dyn FnMut(&[u8]) -> io::Result<bool>),
    /// Encrypt and send this plaintext.
    Send(&'a [u8]),
    /// Send close_notify.
    Close,
}

/// Where [`DataTls::process`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// rustls needs more bytes from the peer.
    NeedData,
    /// An application data record is waiting ([`Goal::Peek`]).
    Data,
    /// The sink said it has enough ([`Goal::Deliver`]).
    SinkFull,
    /// The plaintext or close_notify went out ([`Goal::Send`], [`Goal::Close`]).
    Sent,
    /// The handshake is over and nothing is waiting.
    Idle,
    /// The peer's close_notify arrived: no more data will.
    PeerClosed,
}

/// What [`DataTls::peek`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Peeked {
    /// Application data is waiting.
    Data,
    /// The peer closed (close_notify, or TCP).
    Closed,
    /// Neither, yet.
    Nothing,
}

/// A TLS data connection on rustls's unbuffered API.
pub(crate) struct DataTls {
    conn: UnbufferedClientConnection,
    pub(crate) sock: TcpStream,
    /// TLS bytes read from the socket; `inb[start..end]` is not yet discarded by rustls.
    inb: Vec<u8>,
    start: usize,
    end: usize,
    /// TLS bytes on their way out.
    out: Vec<u8>,
    /// Plaintext of a record that [`Read::read`] had no room for.
    pending: Vec<u8>,
    pending_at: usize,
    /// The peer's close_notify arrived.
    peer_closed: bool,
    /// The first error rustls reported: the connection is dead from then on.
    failed: Option<rustls::Error>,
}

impl DataTls {
    /// Takes a connected socket and a fresh rustls connection, and sends the
    /// ClientHello.
    pub(crate) fn start(conn: UnbufferedClientConnection, sock: TcpStream) -> io::Result<DataTls> {
        let mut t = DataTls {
            conn,
            sock,
            inb: Vec::new(),
            start: 0,
            end: 0,
            out: Vec::new(),
            pending: Vec::new(),
            pending_at: 0,
            peer_closed: false,
            failed: None,
        };
        t.process(Goal::Handshake)?;
        Ok(t)
    }

    /// The connection's TLS state: versions, suites, handshake kind, certificates.
    pub(crate) fn state(&self) -> &rustls::CommonState {
        &self.conn
    }

    /// Feeds what is buffered to rustls and acts on what it asks for, until `goal` is
    /// met or rustls needs more bytes.
    fn process(&mut self, mut goal: Goal<'_>) -> io::Result<Stop> {
        if let Some(e) = &self.failed {
            return Err(tls_err(e.clone()));
        }
        let r = self.process_inner(&mut goal);
        if let Err(e) = &r
            && let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>())
        {
            self.failed = Some(tls.clone());
            self.send_alert();
        }
        r
    }

    fn process_inner(&mut self, goal: &mut Goal<'_>) -> io::Result<Stop> {
        loop {
            let DataTls {
                conn,
                sock,
                inb,
                start,
                end,
                out,
                peer_closed,
                ..
            } = self;
            let status = conn.process_tls_records(&mut inb[*start..*end]);
            let mut discard = status.discard;
            let state = match status.state {
                Ok(state) => state,
                Err(e) => {
                    *start += discard;
                    return Err(tls_err(e));
                }
            };
            let stop = match state {
                ConnectionState::EncodeTlsData(mut enc) => {
                    encode(out, |buf| enc.encode(buf))?;
                    None
                }
                ConnectionState::TransmitTlsData(t) => {
                    sock.write_all(out)?;
                    out.clear();
                    t.done();
                    None
                }
                ConnectionState::BlockedHandshake => Some(Stop::NeedData),
                ConnectionState::ReadTraffic(mut records) => match goal {
                    // Data right behind the server's Finished: the handshake is over.
                    Goal::Handshake | Goal::Peek => Some(Stop::Data),
                    Goal::Deliver(sink) => {
                        let mut more = true;
                        while more && let Some(record) = records.next_record() {
                            let record = record.map_err(tls_err)?;
                            discard += record.discard;
                            more = sink(record.payload)?;
                        }
                        (!more).then_some(Stop::SinkFull)
                    }
                    // Application data during an upload: nobody wants it.
                    Goal::Send(_) | Goal::Close => {
                        while let Some(record) = records.next_record() {
                            discard += record.map_err(tls_err)?.discard;
                        }
                        None
                    }
                },
                ConnectionState::PeerClosed => {
                    *peer_closed = true;
                    None
                }
                ConnectionState::Closed => Some(Stop::PeerClosed),
                ConnectionState::WriteTraffic(mut w) => match goal {
                    Goal::Send(data) => {
                        encrypt(out, |buf| w.encrypt(data, buf))?;
                        Some(Stop::Sent)
                    }
                    Goal::Close => {
                        encrypt(out, |buf| w.queue_close_notify(buf))?;
                        Some(Stop::Sent)
                    }
                    _ if *peer_closed => Some(Stop::PeerClosed),
                    Goal::Handshake => Some(Stop::Idle),
                    _ => Some(Stop::NeedData),
                },
                _ => {
                    return Err(tls_err(rustls::Error::General(
                        "unexpected TLS state".into(),
                    )));
                }
            };
            self.start += discard;
            if self.start == self.end {
                self.start = 0;
                self.end = 0;
            }
            if let Some(stop) = stop {
                if stop == Stop::Sent {
                    let pad = self.out_pad();
                    self.sock.write_all(&self.out[pad..])?;
                    self.out.clear();
                }
                return Ok(stop);
            }
        }
    }

    /// The offset at which encrypted records start in `out` (see [`OUT_PAGE_OFFSET`]).
    fn out_pad(&self) -> usize {
        (OUT_PAGE_OFFSET + PAGE - self.out.as_ptr() as usize % PAGE) % PAGE
    }

    /// After a TLS error: sends the alert rustls queued, if it can, without waiting.
    fn send_alert(&mut self) {
        for _ in 0..4 {
            let status = self.conn.process_tls_records(&mut []);
            match status.state {
                Ok(ConnectionState::EncodeTlsData(mut enc)) => {
                    if encode(&mut self.out, |buf| enc.encode(buf)).is_err() {
                        return;
                    }
                }
                Ok(ConnectionState::TransmitTlsData(t)) => {
                    let _ = self.sock.write_all(&self.out);
                    self.out.clear();
                    t.done();
                    return;
                }
                _ => return,
            }
        }
    }

    /// Reads once from the socket into the input buffer. `Ok(0)`: the peer closed TCP.
    fn read_socket(&mut self) -> io::Result<usize> {
        if self.inb.is_empty() {
            self.inb = vec![0u8; SOCKET_READ];
        }
        if self.end == self.inb.len() {
            if self.start > 0 {
                // The record in progress runs past the end: move it to the front.
                self.inb.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else if self.inb.len() < MAX_INPUT {
                self.inb.resize(self.inb.len() * 2, 0);
            } else {
                return Err(tls_err(rustls::Error::General(
                    "a TLS message on the data connection is larger than 4 MiB".into(),
                )));
            }
        }
        loop {
            match self.sock.read(&mut self.inb[self.end..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => {
                    let n = r?;
                    self.end += n;
                    return Ok(n);
                }
            }
        }
    }

    /// The socket closed where TLS had not: a truncation, never the end of the data.
    fn unexpected_eof(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            if self.start == self.end {
                "the data connection closed without a TLS close_notify"
            } else {
                "the data connection closed in the middle of a TLS record"
            },
        )
    }

    /// Whether the handshake is still going on.
    pub(crate) fn is_handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    /// One step of the handshake: reads what arrived (waiting up to the socket's read
    /// timeout), processes it, and sends what rustls answers. `Ok(false)`: the peer
    /// closed TCP.
    pub(crate) fn step_handshake(&mut self) -> io::Result<bool> {
        if self.read_socket()? == 0 {
            return Ok(false);
        }
        self.process(Goal::Handshake)?;
        Ok(true)
    }

    /// Reads what arrived on the (readable) socket and processes it without taking any
    /// application data: tells whether data is waiting, or the peer closed.
    pub(crate) fn peek(&mut self) -> io::Result<Peeked> {
        if self.read_socket()? == 0 {
            return Ok(Peeked::Closed);
        }
        Ok(match self.process(Goal::Peek)? {
            Stop::Data => Peeked::Data,
            Stop::PeerClosed => Peeked::Closed,
            _ if self.peer_closed => Peeked::Closed,
            _ => Peeked::Nothing,
        })
    }

    /// Hands the plaintext of the records that arrive to `sink`, record by record, until
    /// it returns `false` or at least one record was handed over and no other is
    /// buffered. Returns the bytes handed over: 0 only at the peer's close_notify. A
    /// socket that closes before close_notify is `UnexpectedEof`. An error of the sink
    /// comes back as it is.
    pub(crate) fn read_with(
        &mut self,
        sink: &mut dyn FnMut(&[u8]) -> io::Result<bool>,
    ) -> io::Result<usize> {
        let mut handed = 0;
        if self.pending_at < self.pending.len() {
            let rest = &self.pending[self.pending_at..];
            handed = rest.len();
            let more = sink(rest)?;
            self.pending.clear();
            self.pending_at = 0;
            if !more {
                return Ok(handed);
            }
        }
        loop {
            let mut counting = |p: &[u8]| {
                handed += p.len();
                sink(p)
            };
            let stop = self.process(Goal::Deliver(&mut counting))?;
            if handed > 0 || stop == Stop::SinkFull {
                return Ok(handed);
            }
            if self.peer_closed {
                return Ok(0);
            }
            if self.read_socket()? == 0 {
                return Err(self.unexpected_eof());
            }
        }
    }

    /// Like [`DataTls::read_with`], but hands `put` at most `max` bytes in all (in one or
    /// more pieces); what is left of the last record waits for the next call. Returns
    /// how much `put` took: 0 only at the peer's close_notify (or when `max` is 0).
    pub(crate) fn read_at_most(
        &mut self,
        max: usize,
        put: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<usize> {
        if max == 0 {
            return Ok(0);
        }
        let mut taken = 0;
        let mut spill = Vec::new();
        self.read_with(&mut |p| {
            let n = p.len().min(max - taken);
            put(&p[..n])?;
            taken += n;
            if n < p.len() {
                spill.extend_from_slice(&p[n..]);
            }
            Ok(taken < max)
        })?;
        if !spill.is_empty() {
            self.pending = spill;
            self.pending_at = 0;
        }
        Ok(taken)
    }

    /// Processes, without waiting, the TLS records that already arrived (TLS 1.3 tickets
    /// above all; application data is dropped) before the connection is given up.
    pub(crate) fn harvest(&mut self) {
        for _ in 0..64 {
            if self.process(Goal::Deliver(&mut |_| Ok(true))).is_err()
                || self.peer_closed
                || !readable(&self.sock, Duration::ZERO).unwrap_or(false)
                || self.read_socket().unwrap_or(0) == 0
            {
                return;
            }
        }
    }

    /// Encrypts and sends up to 256 KiB of `data`; returns how much. First takes in, without
    /// waiting, what the server sent meanwhile (tickets, a `KeyUpdate`, an alert).
    pub(crate) fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if readable(&self.sock, Duration::ZERO)? {
            self.take_in()?;
        }
        if self.peer_closed {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "the server closed the data connection (TLS close_notify) during the upload",
            ));
        }
        let take = data.len().min(WRITE_CHUNK);
        match self.process(Goal::Send(&data[..take]))? {
            Stop::Sent => Ok(take),
            _ => Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the data connection cannot send (TLS handshake not complete)",
            )),
        }
    }

    /// Reads what is waiting on the socket (it is readable) and processes it, dropping
    /// application data. A closed socket here means the server gave up on the upload.
    fn take_in(&mut self) -> io::Result<()> {
        if self.read_socket()? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "the server closed the data connection during the upload",
            ));
        }
        self.process(Goal::Deliver(&mut |_| Ok(true)))?;
        Ok(())
    }

    /// Sends close_notify.
    pub(crate) fn send_close_notify(&mut self) -> io::Result<()> {
        match self.process(Goal::Close)? {
            Stop::Sent | Stop::PeerClosed => Ok(()),
            _ => Err(io::Error::new(
                io::ErrorKind::NotConnected,
                "the data connection cannot send (TLS handshake not complete)",
            )),
        }
    }
}

impl Read for DataTls {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        self.read_at_most(buf.len(), &mut |p| {
            buf[filled..filled + p.len()].copy_from_slice(p);
            filled += p.len();
            Ok(())
        })
    }
}

/// Whether `sock` becomes readable (data, FIN or error) within `wait`.
fn readable(sock: &TcpStream, wait: Duration) -> io::Result<bool> {
    let ts = Timespec {
        tv_sec: wait.as_secs() as _,
        tv_nsec: wait.subsec_nanos() as _,
    };
    let mut fds = [PollFd::new(sock, PollFlags::IN)];
    loop {
        match rustix::event::poll(&mut fds, Some(&ts)) {
            Ok(n) => return Ok(n > 0),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Appends what `f` encodes to `out`, growing it as rustls asks.
fn encode(
    out: &mut Vec<u8>,
    mut f: impl FnMut(&mut [u8]) -> Result<usize, EncodeError>,
) -> io::Result<()> {
    let mut want = 4096;
    loop {
        let at = out.len();
        out.resize(at + want, 0);
        match f(&mut out[at..]) {
            Ok(n) => {
                out.truncate(at + n);
                return Ok(());
            }
            Err(EncodeError::InsufficientSize(InsufficientSizeError { required_size })) => {
                out.truncate(at);
                want = required_size;
            }
            Err(e) => {
                out.truncate(at);
                return Err(tls_err(rustls::Error::General(e.to_string())));
            }
        }
    }
}

/// Puts what `f` encrypts into `out` (emptied first) at the page offset
/// [`OUT_PAGE_OFFSET`], growing `out` as rustls asks.
fn encrypt(
    out: &mut Vec<u8>,
    mut f: impl FnMut(&mut [u8]) -> Result<usize, EncryptError>,
) -> io::Result<()> {
    let mut want = WRITE_CHUNK + 16 * 1024;
    loop {
        out.clear();
        if out.capacity() < want + PAGE {
            *out = Vec::with_capacity(want + PAGE);
        }
        let pad = (OUT_PAGE_OFFSET + PAGE - out.as_ptr() as usize % PAGE) % PAGE;
        out.resize(pad + want, 0);
        match f(&mut out[pad..]) {
            Ok(n) => {
                out.truncate(pad + n);
                return Ok(());
            }
            Err(EncryptError::InsufficientSize(InsufficientSizeError { required_size })) => {
                want = required_size;
            }
            Err(EncryptError::EncryptExhausted) => {
                out.clear();
                return Err(tls_err(rustls::Error::EncryptError));
            }
        }
    }
}

#[cfg(test)]
mod tests;
