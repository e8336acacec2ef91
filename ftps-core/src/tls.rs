//! TLS: building the rustls configuration, certificate pinning, and the per-session
//! store that lets every data connection resume the control connection's session.
//!
//! This is the one place that builds TLS connections. The control connection and all
//! its data connections get the same verifier and the same server name; the data
//! connections see the control connection's sessions through [`SessionStore`].

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{
    ClientSessionStore, Resumption, Tls12ClientSessionValue, Tls13ClientSessionValue,
};
use rustls::crypto::{CryptoProvider, SupportedKxGroup, WebPkiSupportedAlgorithms};
use rustls::{
    CertificateError, CipherSuite, ClientConfig, ClientConnection, DigitallySignedStruct,
    NamedGroup, SignatureScheme, SupportedCipherSuite,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use crate::config::{Pin, TlsVersion};
use crate::error::{Error, Result};

pub(crate) struct TlsSettings {
    pub roots: rustls::RootCertStore,
    pub pins: Vec<Pin>,
    pub pin_replaces_ca: bool,
    pub accept_invalid: bool,
    pub min: TlsVersion,
    pub max: TlsVersion,
    pub alpn: bool,
    pub client_cert: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
}

/// The crypto provider: aws-lc-rs's default one, with two changes.
///
/// - Randomness comes from the operating system ([`os_random`]): rustls's
///   `secure_random` and the ephemeral key shares of X25519, P-256 and P-384. aws-lc
///   seeds its own RAND once per process from CPU jitter entropy, which costs tens of
///   milliseconds of CPU, more than the rest of a short session together; a client
///   handshake now never touches that RAND. The post-quantum hybrid group
///   (X25519MLKEM768) is kept as aws-lc-rs has it, since ML-KEM key generation uses
///   aws-lc's RAND; it is offered last, so rustls never makes it the key share of its
///   first ClientHello, and it only costs the seeding when a server asks for it.
/// - AES-128-GCM is preferred over AES-256-GCM, then ChaCha20-Poly1305 (see
///   [`suite_preference`]). The set of suites is the default provider's.
///
/// Signature verification algorithms are the default provider's.
fn provider() -> Arc<CryptoProvider> {
    let base = rustls::crypto::aws_lc_rs::default_provider();
    let mut kx_groups: Vec<&'static dyn SupportedKxGroup> = base
        .kx_groups
        .iter()
        .map(|g| os_random::kx_group(*g))
        .collect();
    // Groups that still need aws-lc's RAND go last; the order is otherwise kept.
    kx_groups.sort_by_key(|g| !os_random::is_os_group(*g));
    let mut cipher_suites = base.cipher_suites.clone();
    cipher_suites.sort_by_key(suite_preference);
    Arc::new(CryptoProvider {
        cipher_suites,
        kx_groups,
        secure_random: &os_random::OsRandom,
        ..base
    })
}

/// Sort key of a cipher suite, lowest first: TLS 1.3 before TLS 1.2 (as in the default
/// provider), and within each version AES-128-GCM, then AES-256-GCM, then
/// ChaCha20-Poly1305. AES-128-GCM is about 30% cheaper per byte than AES-256-GCM and
/// fully secure; browsers prefer it too.
fn suite_preference(suite: &SupportedCipherSuite) -> (u8, u8) {
    let version = if suite.tls13().is_some() { 0 } else { 1 };
    let bulk = match suite.suite() {
        CipherSuite::TLS13_AES_128_GCM_SHA256
        | CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        | CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => 0,
        CipherSuite::TLS13_AES_256_GCM_SHA384
        | CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        | CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => 1,
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256
        | CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        | CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => 2,
        _ => 3,
    };
    (version, bulk)
}

/// Builds the base client configuration (no session store yet: each control
/// connection adds its own, see [`SessionTls::new`]).
pub(crate) fn build_client_config(s: TlsSettings) -> Result<ClientConfig> {
    let provider = provider();
    let mut versions: Vec<&'static rustls::SupportedProtocolVersion> = Vec::new();
    if s.min <= TlsVersion::Tls12 && s.max >= TlsVersion::Tls12 {
        versions.push(&rustls::version::TLS12);
    }
    if s.max >= TlsVersion::Tls13 {
        versions.push(&rustls::version::TLS13);
    }
    let algs = provider.signature_verification_algorithms;
    let chain: Option<Arc<dyn ServerCertVerifier>> = if s.accept_invalid || s.pin_replaces_ca {
        None
    } else {
        if s.roots.is_empty() {
            return Err(Error::Config(
                "no trusted CA certificates (system store empty and none given)".into(),
            ));
        }
        Some(
            rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(s.roots),
                provider.clone(),
            )
            .build()
            .map_err(|e| Error::Config(format!("certificate verifier: {e}")))?,
        )
    };
    let verifier = Arc::new(FtpsVerifier {
        chain,
        pins: s.pins,
        algs,
    });
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&versions)
        .map_err(|e| Error::Config(format!("tls versions: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut cfg = match s.client_cert {
        Some((chain, key)) => builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| Error::Config(format!("client certificate: {e}")))?,
        None => builder.with_no_client_auth(),
    };
    if s.alpn {
        cfg.alpn_protocols = vec![b"ftp".to_vec()];
    }
    Ok(cfg)
}

/// The error a pin mismatch travels in, inside `CertificateError::Other`.
#[derive(Debug)]
pub(crate) struct PinMismatch {
    pub cert_sha256: String,
    pub spki_sha256: String,
}

impl fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "certificate sha-256 {} matches no pin", self.cert_sha256)
    }
}

impl std::error::Error for PinMismatch {}

/// Verifies the chain and host name (unless told not to), then the pins.
#[derive(Debug)]
struct FtpsVerifier {
    chain: Option<Arc<dyn ServerCertVerifier>>,
    pins: Vec<Pin>,
    algs: WebPkiSupportedAlgorithms,
}

/// SHA-256 of some bytes.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Lowercase hex of some bytes.
pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of a certificate and of its SubjectPublicKeyInfo.
pub(crate) fn cert_digests(cert: &CertificateDer<'_>) -> ([u8; 32], Option<[u8; 32]>) {
    let spki = webpki::EndEntityCert::try_from(cert)
        .ok()
        .map(|ee| sha256(ee.subject_public_key_info().as_ref()));
    (sha256(cert.as_ref()), spki)
}

impl ServerCertVerifier for FtpsVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if let Some(chain) = &self.chain {
            chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)?;
        }
        if !self.pins.is_empty() {
            let (cert, spki) = cert_digests(end_entity);
            let ok = self.pins.iter().any(|p| p.0 == cert || Some(p.0) == spki);
            if !ok {
                return Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                    rustls::OtherError(Arc::new(PinMismatch {
                        cert_sha256: hex(&cert),
                        spki_sha256: spki.map(|s| hex(&s)).unwrap_or_default(),
                    })),
                )));
            }
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// Counters of one control session's TLS sessions.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SessionStats {
    /// TLS 1.3 tickets received on the control connection.
    pub control_tickets: u64,
    /// TLS 1.3 tickets received on data connections.
    pub data_tickets: u64,
    /// Data connections that resumed the control session.
    pub data_resumed: u64,
    /// Data connections that did a full handshake.
    pub data_full: u64,
    /// Data connections that found no TLS 1.3 ticket left to resume with.
    pub tickets_exhausted: u64,
    /// Transfers retried once after a refused full handshake had brought fresh tickets.
    pub retried: u64,
}

const MAX_TICKETS: usize = 8;

#[derive(Default)]
struct StoreInner {
    kx_hint: Option<NamedGroup>,
    tls12: Option<Tls12ClientSessionValue>,
    control_tickets: VecDeque<Tls13ClientSessionValue>,
    data_tickets: VecDeque<Tls13ClientSessionValue>,
    stats: SessionStats,
}

/// The sessions of one control connection. Each control connection owns one; nothing
/// is shared between clients, so a session never crosses security settings.
///
/// TLS 1.3 tickets are single use (RFC 8446 C.4) and rustls hands each out once.
/// Tickets that arrive on the control connection are kept apart from those that
/// arrive on data connections: a data connection's ticket never replaces the
/// control's. A data connection first spends a ticket issued on an earlier data
/// connection (a resumption of a resumption of the control session, accepted by
/// vsftpd and ProFTPD alike), so the control connection's own tickets last for as
/// long as possible; they are the fallback.
///
/// Servers on OpenSSL send a fresh ticket on a resumed data connection only when they
/// write on it: downloads bring one, uploads to ProFTPD none. When the tickets run out
/// the next data connection needs a full handshake, which a reuse-enforcing server
/// refuses; that refused handshake brings new tickets, and the transfer is retried
/// once (see `Client::start`).
pub(crate) struct SessionStore {
    inner: Mutex<StoreInner>,
}

impl fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionStore")
            .field("stats", &self.lock().stats)
            .finish()
    }
}

impl SessionStore {
    fn lock(&self) -> MutexGuard<'_, StoreInner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn stats(&self) -> SessionStats {
        self.lock().stats
    }

    /// True when a TLS 1.3 ticket is waiting to be used.
    pub(crate) fn has_tickets(&self) -> bool {
        let g = self.lock();
        !g.data_tickets.is_empty() || !g.control_tickets.is_empty()
    }

    pub(crate) fn count_retry(&self) {
        self.lock().stats.retried += 1;
    }

    pub(crate) fn count_data(&self, resumed: bool) {
        let mut g = self.lock();
        if resumed {
            g.stats.data_resumed += 1;
        } else {
            g.stats.data_full += 1;
        }
    }
}

/// The view a connection has of the store: the control connection records
/// everything; data connections only add their tickets to the data queue.
#[derive(Debug)]
struct StoreView {
    store: Arc<SessionStore>,
    data: bool,
}

fn push_bounded<T>(q: &mut VecDeque<T>, v: T) {
    if q.len() == MAX_TICKETS {
        q.pop_front();
    }
    q.push_back(v);
}

impl ClientSessionStore for StoreView {
    fn set_kx_hint(&self, _: ServerName<'static>, group: NamedGroup) {
        self.store.lock().kx_hint = Some(group);
    }

    fn kx_hint(&self, _: &ServerName<'_>) -> Option<NamedGroup> {
        self.store.lock().kx_hint
    }

    fn set_tls12_session(&self, _: ServerName<'static>, value: Tls12ClientSessionValue) {
        if !self.data {
            self.store.lock().tls12 = Some(value);
        }
    }

    fn tls12_session(&self, _: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.store.lock().tls12.clone()
    }

    fn remove_tls12_session(&self, _: &ServerName<'static>) {
        // A data connection's failed resumption must not erase the control session:
        // the next data connection tries it again.
        if !self.data {
            self.store.lock().tls12 = None;
        }
    }

    fn insert_tls13_ticket(&self, _: ServerName<'static>, value: Tls13ClientSessionValue) {
        let mut g = self.store.lock();
        if self.data {
            g.stats.data_tickets += 1;
            push_bounded(&mut g.data_tickets, value);
        } else {
            g.stats.control_tickets += 1;
            push_bounded(&mut g.control_tickets, value);
        }
    }

    fn take_tls13_ticket(&self, _: &ServerName<'static>) -> Option<Tls13ClientSessionValue> {
        let mut g = self.store.lock();
        if !self.data {
            // The control connection connects once; it never resumes.
            return None;
        }
        // Newest data ticket first, then the control connection's, oldest first.
        let t = g
            .data_tickets
            .pop_back()
            .or_else(|| g.control_tickets.pop_front());
        if t.is_none() {
            g.stats.tickets_exhausted += 1;
        }
        t
    }
}

/// The TLS side of one control session: the control and data configurations sharing
/// one session store, and the server name both verify against.
#[derive(Clone)]
pub(crate) struct SessionTls {
    control: Arc<ClientConfig>,
    data: Arc<ClientConfig>,
    pub store: Arc<SessionStore>,
    pub server_name: ServerName<'static>,
}

impl SessionTls {
    pub(crate) fn new(base: &Arc<ClientConfig>, name: &str) -> Result<SessionTls> {
        let server_name = ServerName::try_from(name.to_string())
            .map_err(|_| Error::Config(format!("invalid TLS server name {name:?}")))?;
        let store = Arc::new(SessionStore {
            inner: Mutex::new(StoreInner::default()),
        });
        let with_view = |data: bool| {
            let mut cfg = (**base).clone();
            cfg.resumption = Resumption::store(Arc::new(StoreView {
                store: store.clone(),
                data,
            }));
            // Data connections may be handed to kernel TLS after their handshake
            // (`ClientConnection::dangerous_into_kernel_connection`), which needs the
            // traffic secrets. The control connection never is.
            cfg.enable_secret_extraction = data;
            Arc::new(cfg)
        };
        Ok(SessionTls {
            control: with_view(false),
            data: with_view(true),
            store: store.clone(),
            server_name,
        })
    }

    pub(crate) fn control_connection(&self) -> Result<ClientConnection> {
        ClientConnection::new(self.control.clone(), self.server_name.clone())
            .map_err(|e| Error::from_tls(e, "control connection"))
    }

    pub(crate) fn data_connection(&self) -> Result<ClientConnection> {
        ClientConnection::new(self.data.clone(), self.server_name.clone())
            .map_err(|e| Error::from_tls(e, "data connection"))
    }
}

/// What was negotiated on one TLS connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// The protocol version, such as `TLSv1.3`.
    pub version: String,
    /// The cipher suite, such as `TLS13_AES_256_GCM_SHA384`.
    pub cipher: String,
    /// The key exchange group, such as `secp256r1`, when known.
    pub kx_group: Option<String>,
    /// Whether the handshake resumed an earlier session.
    pub resumed: bool,
    /// The ALPN protocol the server chose, if any.
    pub alpn: Option<Vec<u8>>,
}

impl TlsInfo {
    pub(crate) fn of(conn: &ClientConnection) -> TlsInfo {
        let version = match conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_string(),
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_string(),
            Some(v) => format!("{v:?}"),
            None => "unknown".to_string(),
        };
        let cipher = conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
            .unwrap_or_else(|| "unknown".into());
        let kx_group = conn
            .negotiated_key_exchange_group()
            .map(|g| format!("{:?}", g.name()).to_lowercase());
        TlsInfo {
            version,
            cipher,
            kx_group,
            resumed: conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
            alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
        }
    }
}

/// Randomness from the operating system, and the ECDHE key shares built from it.
///
/// aws-lc draws its randomness from a DRBG that it seeds, once per process, from CPU
/// jitter entropy: tens of milliseconds of CPU, paid by every process that makes one
/// TLS handshake. `getrandom(2)` costs microseconds. The ephemeral private keys are
/// drawn here and handed to aws-lc-rs as raw scalars; aws-lc-rs does the curve
/// arithmetic and the agreement as in its own groups.
///
/// None of this claims FIPS status (`fips()` is false): the FIPS-validated DRBG is the
/// one these replace.
mod os_random {
    use std::fmt;

    use aws_lc_rs::agreement::{self, PrivateKey, UnparsedPublicKey};
    use rustls::crypto::{
        ActiveKeyExchange, GetRandomFailed, SecureRandom, SharedSecret, SupportedKxGroup,
    };
    use rustls::{NamedGroup, PeerMisbehaved};
    use zeroize::Zeroizing;

    /// Fills `buf` from the kernel's CSPRNG: `getrandom(2)`, which blocks only until
    /// the kernel pool is first initialised. Falls back to `/dev/urandom` where there
    /// is no `getrandom(2)` (not Linux, a kernel before 3.17, or a seccomp filter).
    pub(super) fn fill(buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use rustix::io::Errno;
            use rustix::rand::{GetRandomFlags, getrandom};
            let mut done = 0;
            while done < buf.len() {
                match getrandom(&mut buf[done..], GetRandomFlags::empty()) {
                    Ok(0) => return Err(GetRandomFailed),
                    Ok(n) => done += n,
                    Err(Errno::INTR) => continue,
                    Err(Errno::NOSYS | Errno::PERM) => return fill_from_device(&mut buf[done..]),
                    Err(_) => return Err(GetRandomFailed),
                }
            }
            Ok(())
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            fill_from_device(buf)
        }
    }

    fn fill_from_device(buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        use std::io::Read;
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(buf))
            .map_err(|_| GetRandomFailed)
    }

    /// rustls's source of randomness (client random, session id, ...).
    #[derive(Debug)]
    pub(super) struct OsRandom;

    impl SecureRandom for OsRandom {
        fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
            fill(buf)
        }

        fn fips(&self) -> bool {
            false
        }
    }

    /// An ECDHE group whose private keys come from [`fill`].
    struct OsKxGroup {
        name: NamedGroup,
        alg: &'static agreement::Algorithm,
        /// Length of a private key (a big-endian scalar for the NIST curves).
        private_len: usize,
        /// The shape of a valid key share: aws-lc-rs also accepts compressed points,
        /// which TLS forbids. aws-lc-rs checks that the point is on the curve.
        share_ok: fn(&[u8]) -> bool,
    }

    impl fmt::Debug for OsKxGroup {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.name.fmt(f)
        }
    }

    const MAX_PRIVATE_LEN: usize = 48;

    /// Draws for a NIST scalar before giving up. A draw is out of range (zero, or
    /// not below the group order) with probability about 2^-32 for P-256 and 2^-190
    /// for P-384.
    const ATTEMPTS: usize = 16;

    static X25519_OS: OsKxGroup = OsKxGroup {
        name: NamedGroup::X25519,
        alg: &agreement::X25519,
        private_len: 32,
        share_ok: |share| share.len() == 32,
    };

    static SECP256R1_OS: OsKxGroup = OsKxGroup {
        name: NamedGroup::secp256r1,
        alg: &agreement::ECDH_P256,
        private_len: 32,
        share_ok: |share| share.len() == 65 && share[0] == 0x04,
    };

    static SECP384R1_OS: OsKxGroup = OsKxGroup {
        name: NamedGroup::secp384r1,
        alg: &agreement::ECDH_P384,
        private_len: 48,
        share_ok: |share| share.len() == 97 && share[0] == 0x04,
    };

    /// X25519 with a private key from the OS.
    pub(super) static X25519: &dyn SupportedKxGroup = &X25519_OS;
    /// P-256 with a private key from the OS.
    pub(super) static SECP256R1: &dyn SupportedKxGroup = &SECP256R1_OS;
    /// P-384 with a private key from the OS.
    pub(super) static SECP384R1: &dyn SupportedKxGroup = &SECP384R1_OS;

    /// This module's version of `group`, or `group` itself if there is none.
    pub(super) fn kx_group(group: &'static dyn SupportedKxGroup) -> &'static dyn SupportedKxGroup {
        match group.name() {
            NamedGroup::X25519 => X25519,
            NamedGroup::secp256r1 => SECP256R1,
            NamedGroup::secp384r1 => SECP384R1,
            _ => group,
        }
    }

    /// Whether `group` is one of this module's.
    pub(super) fn is_os_group(group: &dyn SupportedKxGroup) -> bool {
        [X25519, SECP256R1, SECP384R1]
            .iter()
            .any(|g| std::ptr::addr_eq(*g, group))
    }

    impl OsKxGroup {
        fn private_key(&self) -> Result<PrivateKey, rustls::Error> {
            let mut buf = Zeroizing::new([0u8; MAX_PRIVATE_LEN]);
            let scalar = &mut buf[..self.private_len];
            for _ in 0..ATTEMPTS {
                fill(scalar)?;
                // Any 32 bytes are an X25519 key. A NIST scalar must lie in [1, n-1]:
                // aws-lc rejects any other, and a fresh draw keeps the key uniform.
                if let Ok(key) = PrivateKey::from_private_key(self.alg, scalar) {
                    return Ok(key);
                }
            }
            Err(rustls::Error::General(format!(
                "no valid {:?} private key from the random source",
                self.name
            )))
        }
    }

    impl SupportedKxGroup for OsKxGroup {
        fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, rustls::Error> {
            let priv_key = self.private_key()?;
            let pub_key = priv_key.compute_public_key().map_err(|_| {
                rustls::Error::General(format!("computing a {:?} public key", self.name))
            })?;
            Ok(Box::new(OsKeyExchange {
                name: self.name,
                alg: self.alg,
                share_ok: self.share_ok,
                priv_key,
                pub_key,
            }))
        }

        fn ffdhe_group(&self) -> Option<rustls::ffdhe_groups::FfdheGroup<'static>> {
            None
        }

        fn name(&self) -> NamedGroup {
            self.name
        }

        fn fips(&self) -> bool {
            false
        }
    }

    /// One key exchange in progress: our private key and key share.
    struct OsKeyExchange {
        name: NamedGroup,
        alg: &'static agreement::Algorithm,
        share_ok: fn(&[u8]) -> bool,
        priv_key: PrivateKey,
        pub_key: agreement::PublicKey,
    }

    impl ActiveKeyExchange for OsKeyExchange {
        fn complete(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, rustls::Error> {
            if !(self.share_ok)(peer) {
                return Err(PeerMisbehaved::InvalidKeyShare.into());
            }
            agreement::agree(
                &self.priv_key,
                UnparsedPublicKey::new(self.alg, peer),
                rustls::Error::from(PeerMisbehaved::InvalidKeyShare),
                |secret| Ok(SharedSecret::from(secret)),
            )
        }

        fn pub_key(&self) -> &[u8] {
            self.pub_key.as_ref()
        }

        fn ffdhe_group(&self) -> Option<rustls::ffdhe_groups::FfdheGroup<'static>> {
            None
        }

        fn group(&self) -> NamedGroup {
            self.name
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::agreement;
    use rustls::crypto::{SecureRandom, aws_lc_rs::kx_group as lc};

    #[test]
    fn os_random_fills() {
        let mut a = [0u8; 64];
        let mut b = [0u8; 64];
        os_random::OsRandom.fill(&mut a).unwrap();
        os_random::OsRandom.fill(&mut b).unwrap();
        assert_ne!(a, [0u8; 64]);
        assert_ne!(b, [0u8; 64]);
        assert_ne!(a, b);
        // Empty, and larger than one getrandom(2) call may return.
        os_random::fill(&mut []).unwrap();
        let mut big = vec![0u8; 1 << 20];
        os_random::fill(&mut big).unwrap();
        assert!(big.iter().filter(|&&x| x == 0).count() < 8192);
        assert!(big[big.len() - 64..].iter().any(|&x| x != 0));
    }

    const OS_GROUPS: [(&str, usize); 3] = [("X25519", 32), ("secp256r1", 65), ("secp384r1", 97)];

    fn os_group(name: &str) -> (&'static dyn SupportedKxGroup, &'static agreement::Algorithm) {
        match name {
            "X25519" => (os_random::X25519, &agreement::X25519),
            "secp256r1" => (os_random::SECP256R1, &agreement::ECDH_P256),
            _ => (os_random::SECP384R1, &agreement::ECDH_P384),
        }
    }

    #[test]
    fn os_groups_agree_with_themselves() {
        for (name, share_len) in OS_GROUPS {
            let (g, _) = os_group(name);
            assert_eq!(format!("{:?}", g.name()), name);
            assert!(!g.fips());
            assert!(g.ffdhe_group().is_none());
            let a = g.start().unwrap();
            let b = g.start().unwrap();
            assert_eq!(a.group(), g.name());
            assert_eq!(a.pub_key().len(), share_len, "{name}");
            assert_eq!(b.pub_key().len(), share_len, "{name}");
            if share_len != 32 {
                assert_eq!(a.pub_key()[0], 0x04, "{name}: uncompressed point");
            }
            assert_ne!(a.pub_key(), b.pub_key(), "{name}");
            let (pa, pb) = (a.pub_key().to_vec(), b.pub_key().to_vec());
            let sa = a.complete(&pb).unwrap();
            let sb = b.complete(&pa).unwrap();
            assert_eq!(sa.secret_bytes(), sb.secret_bytes(), "{name}");
            // X25519: 32 bytes; P-256, P-384: the x coordinate.
            let secret_len = if share_len == 32 { 32 } else { share_len / 2 };
            assert_eq!(sa.secret_bytes().len(), secret_len, "{name}");
        }
    }

    #[test]
    fn os_groups_agree_with_aws_lc_rs() {
        for (name, _) in OS_GROUPS {
            let (g, alg) = os_group(name);
            // aws-lc-rs's own agreement.
            let theirs = agreement::PrivateKey::generate(alg).unwrap();
            let their_pub = theirs.compute_public_key().unwrap();
            let ours = g.start().unwrap();
            let expected = agreement::agree(
                &theirs,
                agreement::UnparsedPublicKey::new(alg, ours.pub_key()),
                (),
                |s| Ok(s.to_vec()),
            )
            .unwrap();
            let got = ours.complete(their_pub.as_ref()).unwrap();
            assert_eq!(got.secret_bytes(), &expected[..], "{name}");

            // rustls's own aws-lc-rs group of the same name.
            let lc_group = rustls::crypto::aws_lc_rs::ALL_KX_GROUPS
                .iter()
                .find(|x| x.name() == g.name())
                .unwrap();
            let theirs = lc_group.start().unwrap();
            let ours = g.start().unwrap();
            let (po, pt) = (ours.pub_key().to_vec(), theirs.pub_key().to_vec());
            let so = ours.complete(&pt).unwrap();
            let st = theirs.complete(&po).unwrap();
            assert_eq!(so.secret_bytes(), st.secret_bytes(), "{name}");
        }
    }

    #[test]
    fn os_groups_refuse_bad_shares() {
        for (name, share_len) in OS_GROUPS {
            let (g, _) = os_group(name);
            let peer = g.start().unwrap().pub_key().to_vec();
            // Wrong length, compressed point, not on the curve / all zero.
            let short = &peer[..share_len - 1];
            assert!(g.start().unwrap().complete(short).is_err(), "{name}");
            if share_len != 32 {
                let mut compressed = peer[..1 + share_len / 2].to_vec();
                compressed[0] = 0x02 | (peer[share_len - 1] & 1);
                assert!(g.start().unwrap().complete(&compressed).is_err(), "{name}");
                let mut off_curve = peer.clone();
                off_curve[share_len - 1] ^= 1;
                assert!(g.start().unwrap().complete(&off_curve).is_err(), "{name}");
            }
            let zeros = vec![0u8; share_len];
            assert!(g.start().unwrap().complete(&zeros).is_err(), "{name}");
        }
    }

    #[test]
    fn provider_uses_os_random_and_prefers_aes_128() {
        let p = provider();
        let default = rustls::crypto::aws_lc_rs::default_provider();

        let names =
            |gs: &[&'static dyn SupportedKxGroup]| gs.iter().map(|g| g.name()).collect::<Vec<_>>();
        assert_eq!(names(&p.kx_groups), names(&default.kx_groups));
        assert_eq!(
            names(&p.kx_groups),
            [
                NamedGroup::X25519,
                NamedGroup::secp256r1,
                NamedGroup::secp384r1,
                NamedGroup::X25519MLKEM768
            ]
        );
        for g in &p.kx_groups {
            let os = os_random::is_os_group(*g);
            assert_eq!(os, g.name() != NamedGroup::X25519MLKEM768, "{g:?}");
        }
        assert!(!os_random::is_os_group(lc::X25519));
        let mut buf = [0u8; 32];
        p.secure_random.fill(&mut buf).unwrap();
        assert!(!p.secure_random.fips());

        let suites: Vec<CipherSuite> = p.cipher_suites.iter().map(|s| s.suite()).collect();
        assert_eq!(
            suites,
            [
                CipherSuite::TLS13_AES_128_GCM_SHA256,
                CipherSuite::TLS13_AES_256_GCM_SHA384,
                CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            ]
        );
        let mut mine = suites.clone();
        let mut theirs: Vec<CipherSuite> =
            default.cipher_suites.iter().map(|s| s.suite()).collect();
        mine.sort_by_key(|s| u16::from(*s));
        theirs.sort_by_key(|s| u16::from(*s));
        assert_eq!(mine, theirs, "same set of suites as the default provider");

        assert_eq!(
            p.signature_verification_algorithms.supported_schemes(),
            default
                .signature_verification_algorithms
                .supported_schemes()
        );
    }

    #[test]
    fn secret_extraction_only_on_data_connections() {
        let base = build_client_config(TlsSettings {
            roots: rustls::RootCertStore::empty(),
            pins: Vec::new(),
            pin_replaces_ca: false,
            accept_invalid: true,
            min: TlsVersion::Tls12,
            max: TlsVersion::Tls13,
            alpn: false,
            client_cert: None,
        })
        .unwrap();
        assert!(!base.enable_secret_extraction);
        let tls = SessionTls::new(&Arc::new(base), "localhost").unwrap();
        assert!(tls.data.enable_secret_extraction);
        assert!(!tls.control.enable_secret_extraction);
    }
}
