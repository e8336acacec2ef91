//! The TLS record layer of a data connection once its handshake is done.
//!
//! rustls 0.23 copies every decrypted record into a fresh `Vec` before handing it
//! out, and on AMD Zen CPUs with glibc before 2.39 that copy runs at ~2 GB/s instead
//! of ~50 (`rep movsb` with source and destination 1-31 bytes apart modulo 4 KiB,
//! which is exactly how rustls lays out its buffers). For a bulk transfer that copy
//! cost more than AES-GCM itself. So, as a kTLS offload would, a data connection
//! leaves rustls once its first MiB has moved (`dangerous_extract_secrets`), and
//! this module opens and seals its records in place, in the socket buffer, with
//! the same aws-lc AEADs.
//!
//! What rustls would still have done after that point, and this module does not:
//! take TLS 1.3 session tickets (they are dropped; servers send theirs right after
//! the handshake, long before the switch), follow a TLS 1.3 `KeyUpdate` (a typed
//! error), and replace an AES-GCM sending key after 2^24.5 records, ~360 GiB (a
//! typed error). `Config::tls_records_in_place(false)` keeps rustls throughout.
//!
//! [`TlsSock`] is the socket under rustls during the handshake. It never hands
//! rustls bytes past the end of the record in progress, so when rustls has
//! processed what it was given, its buffers are empty and every byte still to come
//! is here, at a record boundary: nothing is lost or read twice by the switch.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::ops::Range;

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use rustls::{AlertDescription, ConnectionTrafficSecrets, ProtocolVersion};

/// How much one read from a TLS data socket asks for: ~4,000 reads per GiB.
const SOCKET_READ: usize = 256 * 1024;
const HEADER: usize = 5;
const TAG: usize = 16;
/// The largest ciphertext a record may carry (TLS 1.2 allows 2^14 + 2048).
const MAX_CIPHERTEXT: usize = 16384 + 2048;
/// The largest plaintext of one record.
const MAX_PLAINTEXT: usize = 16384;
/// Records sealed with one AES-GCM key before the connection refuses to go on
/// (rustls's bound too; it would replace a TLS 1.3 key there).
const GCM_RECORD_LIMIT: u64 = 23_726_566;

const KEY_UPDATE: &str = "the server sent a TLS 1.3 KeyUpdate, which the in-place record \
layer cannot follow; set Config tls_records_in_place(false) for this server";
const KEY_WORN_OUT: &str = "2^24.5 records sealed with one AES-GCM key; set Config \
tls_records_in_place(false) for transfers this large";

const CONTENT_CHANGE_CIPHER_SPEC: u8 = 20;
const CONTENT_ALERT: u8 = 21;
const CONTENT_HANDSHAKE: u8 = 22;
const CONTENT_APPLICATION_DATA: u8 = 23;
const HANDSHAKE_NEW_SESSION_TICKET: u8 = 4;
const HANDSHAKE_KEY_UPDATE: u8 = 24;
const HANDSHAKE_HELLO_REQUEST: u8 = 0;

fn tls_err(e: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

fn bad(what: &'static str) -> io::Error {
    tls_err(rustls::Error::General(format!(
        "TLS record on the data connection: {what}"
    )))
}

/// A data socket with a read buffer that hands out TLS bytes one record at a time.
pub(crate) struct TlsSock {
    pub(crate) sock: TcpStream,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// The record header being handed out, and how much of it was.
    header: [u8; HEADER],
    header_have: usize,
    /// Bytes of the current record's body not yet handed out.
    body_left: usize,
}

impl TlsSock {
    pub(crate) fn new(sock: TcpStream) -> TlsSock {
        TlsSock {
            sock,
            buf: Vec::new(),
            start: 0,
            end: 0,
            header: [0; HEADER],
            header_have: 0,
            body_left: 0,
        }
    }

    /// Bytes read from the socket and not yet handed out: poll(2) does not see them.
    pub(crate) fn has_buffered(&self) -> bool {
        self.start < self.end
    }

    /// True when everything handed out so far ends with a whole record.
    pub(crate) fn at_record_boundary(&self) -> bool {
        self.header_have == 0 && self.body_left == 0
    }

    /// How many of `avail` buffered bytes may be handed out without crossing the
    /// end of the record in progress.
    fn allowed(&self, avail: &[u8]) -> usize {
        if self.header_have < HEADER {
            let need = HEADER - self.header_have;
            if self.header_have == 0 && avail.len() >= HEADER {
                // A whole header is here: allow it and its body at once.
                let len = u16::from_be_bytes([avail[3], avail[4]]) as usize;
                return avail.len().min(HEADER + len);
            }
            return avail.len().min(need);
        }
        avail.len().min(self.body_left)
    }

    fn handed_out(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.header_have < HEADER {
                let n = (HEADER - self.header_have).min(bytes.len());
                self.header[self.header_have..self.header_have + n].copy_from_slice(&bytes[..n]);
                self.header_have += n;
                bytes = &bytes[n..];
                if self.header_have == HEADER {
                    self.body_left = u16::from_be_bytes([self.header[3], self.header[4]]) as usize;
                }
            } else {
                let n = self.body_left.min(bytes.len());
                self.body_left -= n;
                bytes = &bytes[n..];
            }
            if self.header_have == HEADER && self.body_left == 0 {
                self.header_have = 0;
            }
        }
    }
}

impl Read for TlsSock {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.start == self.end {
            if self.buf.is_empty() {
                self.buf = vec![0u8; SOCKET_READ];
            }
            self.start = 0;
            self.end = 0;
            self.end = self.sock.read(&mut self.buf)?;
        }
        let avail = &self.buf[self.start..self.end];
        let n = out.len().min(self.allowed(avail));
        out[..n].copy_from_slice(&avail[..n]);
        self.start += n;
        self.handed_out(&out[..n]);
        Ok(n)
    }
}

impl Write for TlsSock {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sock.write(buf)
    }
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.sock.write_vectored(bufs)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.sock.flush()
    }
}

/// One direction's AEAD state.
struct Cipher {
    key: LessSafeKey,
    iv: [u8; 12],
    seq: u64,
    /// TLS 1.2 AES-GCM: an 8-byte explicit nonce leads each record.
    explicit_nonce: bool,
    /// Records this key may seal before it must be replaced.
    limit: u64,
}

impl Cipher {
    fn new(tls13: bool, seq: u64, secrets: ConnectionTrafficSecrets) -> io::Result<Cipher> {
        let (alg, key, iv, gcm) = match &secrets {
            ConnectionTrafficSecrets::Aes128Gcm { key, iv } => (&aead::AES_128_GCM, key, iv, true),
            ConnectionTrafficSecrets::Aes256Gcm { key, iv } => (&aead::AES_256_GCM, key, iv, true),
            ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv } => {
                (&aead::CHACHA20_POLY1305, key, iv, false)
            }
            _ => return Err(bad("unsupported cipher")),
        };
        let iv: [u8; 12] = iv
            .as_ref()
            .try_into()
            .map_err(|_| bad("unexpected IV length"))?;
        let key = UnboundKey::new(alg, key.as_ref()).map_err(|_| bad("unusable key"))?;
        Ok(Cipher {
            key: LessSafeKey::new(key),
            iv,
            seq,
            explicit_nonce: gcm && !tls13,
            limit: if gcm { GCM_RECORD_LIMIT } else { u64::MAX },
        })
    }

    /// The per-record nonce: the IV xor the sequence number (RFC 8446 5.3; RFC 7905;
    /// and what rustls sends as the TLS 1.2 GCM explicit nonce).
    fn nonce(&self) -> [u8; 12] {
        let mut n = self.iv;
        for (b, s) in n[4..].iter_mut().zip(self.seq.to_be_bytes()) {
            *b ^= s;
        }
        n
    }

    fn next_seq(&mut self) -> io::Result<()> {
        self.seq = self
            .seq
            .checked_add(1)
            .ok_or_else(|| bad("sequence number exhausted"))?;
        Ok(())
    }
}

/// TLS 1.2 additional data: sequence number, type, version, plaintext length.
fn aad12(seq: u64, typ: u8, len: usize) -> [u8; 13] {
    let mut a = [0u8; 13];
    a[..8].copy_from_slice(&seq.to_be_bytes());
    a[8] = typ;
    a[9..11].copy_from_slice(&[3, 3]);
    a[11..].copy_from_slice(&(len as u16).to_be_bytes());
    a
}

/// A data connection past its handshake, its records opened and sealed here.
pub(crate) struct Direct {
    sock: TlsSock,
    tls13: bool,
    rx: Cipher,
    tx: Cipher,
    /// Decrypted application data not yet handed out, within `sock.buf`.
    plain: Range<usize>,
    /// The peer's close_notify arrived.
    closed: bool,
    /// Records being sealed.
    out: Vec<u8>,
}

impl Direct {
    /// Takes a data connection over from rustls. The caller has made sure that rustls
    /// holds nothing: no unsent records, no unread plaintext, and that the socket is
    /// at a record boundary.
    pub(crate) fn take_over(conn: rustls::ClientConnection, sock: TlsSock) -> io::Result<Direct> {
        let tls13 = match conn.protocol_version() {
            Some(ProtocolVersion::TLSv1_3) => true,
            Some(ProtocolVersion::TLSv1_2) => false,
            _ => return Err(bad("unsupported protocol version")),
        };
        let secrets = conn.dangerous_extract_secrets().map_err(tls_err)?;
        let rx = Cipher::new(tls13, secrets.rx.0, secrets.rx.1)?;
        let tx = Cipher::new(tls13, secrets.tx.0, secrets.tx.1)?;
        Ok(Direct {
            sock,
            tls13,
            rx,
            tx,
            plain: 0..0,
            closed: false,
            out: Vec::new(),
        })
    }

    pub(crate) fn tcp(&self) -> &TcpStream {
        &self.sock.sock
    }

    /// Makes decrypted application data available; returns how much (0: the peer's
    /// clean end, close_notify). A close without close_notify is `UnexpectedEof`.
    pub(crate) fn fill(&mut self) -> io::Result<usize> {
        while self.plain.is_empty() {
            if self.closed {
                return Ok(0);
            }
            let record = self.next_record()?;
            self.open(record)?;
        }
        Ok(self.plain.len())
    }

    /// The decrypted application data available now (after [`Direct::fill`]).
    pub(crate) fn plain(&self) -> &[u8] {
        &self.sock.buf[self.plain.clone()]
    }

    /// Marks `n` bytes of [`Direct::plain`] as handed out.
    pub(crate) fn consume(&mut self, n: usize) {
        self.plain.start += n.min(self.plain.len());
    }

    /// Reads until a whole record is buffered; returns its range in the buffer.
    fn next_record(&mut self) -> io::Result<Range<usize>> {
        let s = &mut self.sock;
        if s.buf.len() < SOCKET_READ {
            s.buf.resize(SOCKET_READ, 0);
        }
        loop {
            let avail = s.end - s.start;
            if avail >= HEADER {
                let h = &s.buf[s.start..s.start + HEADER];
                let len = u16::from_be_bytes([h[3], h[4]]) as usize;
                if h[1] != 3 {
                    return Err(bad("not a TLS record"));
                }
                if len > MAX_CIPHERTEXT {
                    return Err(bad("record too large"));
                }
                if avail >= HEADER + len {
                    let r = s.start..s.start + HEADER + len;
                    s.start = r.end;
                    return Ok(r);
                }
            }
            if s.end == s.buf.len() {
                // The record in progress runs past the end: move it to the front.
                s.buf.copy_within(s.start..s.end, 0);
                s.end -= s.start;
                s.start = 0;
            }
            let n = loop {
                match s.sock.read(&mut s.buf[s.end..]) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    r => break r?,
                }
            };
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    if avail == 0 {
                        "the data connection closed without a TLS close_notify"
                    } else {
                        "the data connection closed in the middle of a TLS record"
                    },
                ));
            }
            s.end += n;
        }
    }

    /// Decrypts one record in place and acts on it.
    fn open(&mut self, r: Range<usize>) -> io::Result<()> {
        let outer = self.sock.buf[r.start];
        let body = r.start + HEADER..r.end;
        let (typ, plain) = if self.tls13 {
            if outer == CONTENT_CHANGE_CIPHER_SPEC {
                return Err(bad("change_cipher_spec after the handshake"));
            }
            if outer != CONTENT_APPLICATION_DATA {
                return Err(bad("unencrypted record"));
            }
            let mut header = [0u8; HEADER];
            header.copy_from_slice(&self.sock.buf[r.start..body.start]);
            let nonce = Nonce::assume_unique_for_key(self.rx.nonce());
            let opened = self
                .rx
                .key
                .open_in_place(nonce, Aad::from(header), &mut self.sock.buf[body.clone()])
                .map_err(|_| tls_err(rustls::Error::DecryptError))?;
            // TLSInnerPlaintext: content, the real type, zero padding.
            let end = opened
                .iter()
                .rposition(|&b| b != 0)
                .ok_or_else(|| bad("record without a content type"))?;
            let typ = opened[end];
            if end > MAX_PLAINTEXT {
                return Err(bad("plaintext too long"));
            }
            (typ, body.start..body.start + end)
        } else {
            let explicit = if self.rx.explicit_nonce { 8 } else { 0 };
            if body.len() < explicit + TAG {
                return Err(tls_err(rustls::Error::DecryptError));
            }
            let len = body.len() - explicit - TAG;
            if len > MAX_PLAINTEXT {
                return Err(bad("plaintext too long"));
            }
            let nonce = if explicit > 0 {
                let mut n = [0u8; 12];
                n[..4].copy_from_slice(&self.rx.iv[..4]);
                n[4..].copy_from_slice(&self.sock.buf[body.start..body.start + 8]);
                n
            } else {
                self.rx.nonce()
            };
            let aad = aad12(self.rx.seq, outer, len);
            let ct = body.start + explicit..body.end;
            self.rx
                .key
                .open_in_place(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(aad),
                    &mut self.sock.buf[ct.clone()],
                )
                .map_err(|_| tls_err(rustls::Error::DecryptError))?;
            (outer, ct.start..ct.start + len)
        };
        self.rx.next_seq()?;
        match typ {
            CONTENT_APPLICATION_DATA => {
                self.plain = plain;
                Ok(())
            }
            CONTENT_ALERT => {
                let a = &self.sock.buf[plain];
                if a.len() != 2 {
                    return Err(bad("malformed alert"));
                }
                match AlertDescription::from(a[1]) {
                    AlertDescription::CloseNotify => {
                        self.closed = true;
                        Ok(())
                    }
                    // A warning before close_notify (some servers cancel that way).
                    AlertDescription::UserCanceled => Ok(()),
                    // TLS 1.2 warnings are not fatal.
                    _ if !self.tls13 && a[0] == 1 => Ok(()),
                    d => Err(tls_err(rustls::Error::AlertReceived(d))),
                }
            }
            CONTENT_HANDSHAKE => {
                let msgs = self.sock.buf[plain].to_vec();
                self.handshake(&msgs)
            }
            _ => Err(bad("unexpected content type")),
        }
    }

    /// Post-handshake messages after the switch.
    fn handshake(&mut self, mut msgs: &[u8]) -> io::Result<()> {
        while !msgs.is_empty() {
            let [typ, a, b, c, rest @ ..] = msgs else {
                return Err(bad("truncated handshake message"));
            };
            let len = u32::from_be_bytes([0, *a, *b, *c]) as usize;
            if rest.len() < len {
                return Err(bad("handshake message split across records"));
            }
            match (*typ, self.tls13) {
                // rustls's session store cannot take a ticket any more: dropped.
                (HANDSHAKE_NEW_SESSION_TICKET, true) => {}
                (HANDSHAKE_KEY_UPDATE, true) => return Err(bad(KEY_UPDATE)),
                // TLS 1.2 renegotiation is not supported; like rustls, ignore the request.
                (HANDSHAKE_HELLO_REQUEST, false) => {}
                _ => return Err(bad("unexpected handshake message")),
            }
            msgs = &rest[len..];
        }
        Ok(())
    }

    /// Appends one sealed record carrying `data` (at most 16 KiB) to `out`.
    fn seal(&mut self, out: &mut Vec<u8>, typ: u8, data: &[u8]) -> io::Result<()> {
        debug_assert!(data.len() <= MAX_PLAINTEXT);
        if self.tx.seq >= self.tx.limit {
            return Err(bad(KEY_WORN_OUT));
        }
        let start = out.len();
        let nonce = self.tx.nonce();
        // The additional data: TLS 1.3 the record header, TLS 1.2 its own 13 bytes.
        let mut aad = [0u8; 13];
        let (aad_len, body) = if self.tls13 {
            let len = data.len() + 1 + TAG;
            let header = [CONTENT_APPLICATION_DATA, 3, 3, (len >> 8) as u8, len as u8];
            out.extend_from_slice(&header);
            out.extend_from_slice(data);
            out.push(typ);
            aad[..HEADER].copy_from_slice(&header);
            (HEADER, start + HEADER)
        } else {
            let explicit = if self.tx.explicit_nonce { 8 } else { 0 };
            let len = explicit + data.len() + TAG;
            out.extend_from_slice(&[typ, 3, 3, (len >> 8) as u8, len as u8]);
            if explicit > 0 {
                out.extend_from_slice(&nonce[4..]);
            }
            out.extend_from_slice(data);
            aad = aad12(self.tx.seq, typ, data.len());
            (aad.len(), start + HEADER + explicit)
        };
        let tag = self
            .tx
            .key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&aad[..aad_len]),
                &mut out[body..],
            )
            .map_err(|_| bad("sealing failed"))?;
        out.extend_from_slice(tag.as_ref());
        self.tx.next_seq()
    }

    /// Seals and sends up to 256 KiB of `data`; returns how much.
    pub(crate) fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let take = data.len().min(SOCKET_READ);
        let mut out = std::mem::take(&mut self.out);
        // Copying a page-aligned source (a file read) to a destination 1-31 bytes
        // further modulo 4 KiB is ~20x slower on AMD Zen (see the module docs): start
        // the records where no record of a batch lands in that window.
        const ROOM: usize = SOCKET_READ + 32 * (HEADER + 8 + 1 + TAG) + 4096;
        if out.capacity() < ROOM {
            out = Vec::with_capacity(ROOM);
        }
        let pad = (64 + 4096 - HEADER - out.as_ptr() as usize % 4096) % 4096;
        out.clear();
        out.resize(pad, 0);
        let mut r = Ok(());
        for chunk in data[..take].chunks(MAX_PLAINTEXT) {
            r = self.seal(&mut out, CONTENT_APPLICATION_DATA, chunk);
            if r.is_err() {
                break;
            }
        }
        let r = r.and_then(|_| self.sock.sock.write_all(&out[pad..]));
        self.out = out;
        r.map(|_| take)
    }

    /// Sends close_notify.
    pub(crate) fn send_close_notify(&mut self) -> io::Result<()> {
        let mut out = std::mem::take(&mut self.out);
        out.clear();
        let r = self
            .seal(&mut out, CONTENT_ALERT, &[1, 0])
            .and_then(|_| self.sock.sock.write_all(&out));
        self.out = out;
        r
    }

    /// Processes, without waiting, the records that already arrived (tickets).
    pub(crate) fn harvest(&mut self) {
        if self.sock.sock.set_nonblocking(true).is_err() {
            return;
        }
        for _ in 0..64 {
            if self.closed || self.next_record().and_then(|r| self.open(r)).is_err() {
                break;
            }
            self.plain = 0..0;
        }
        let _ = self.sock.sock.set_nonblocking(false);
    }
}

impl Read for Direct {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.fill()?.min(out.len());
        out[..n].copy_from_slice(&self.plain()[..n]);
        self.consume(n);
        Ok(n)
    }
}
