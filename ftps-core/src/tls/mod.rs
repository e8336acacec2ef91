//! TLS: building the rustls configuration, certificate pinning, and the per-session
//! store that lets every data connection resume the control connection's session.
//!
//! This is the one place that builds TLS connections. The control connection and all
//! its data connections get the same verifier and the same server name; the data
//! connections see the control connection's sessions through [`SessionStore`].

mod types;

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{
    ClientSessionStore, Resumption, Tls12ClientSessionValue, Tls13ClientSessionValue,
    UnbufferedClientConnection,
};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::{
    CertificateError, CipherSuite as Suite, ClientConfig, ClientConnection, CommonState,
    DigitallySignedStruct, NamedGroup, SignatureScheme, SupportedCipherSuite,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use crate::error::{Error, PinMismatch, Result};

pub use types::{CipherSuite, KxGroup, Pin, TlsVersion};

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

/// The crypto provider: aws-lc-rs's default one, with its key-exchange groups in
/// rustls's own order (X25519MLKEM768 first, through rustls's `prefer-post-quantum`
/// feature) and its own randomness. The one change: AES-128-GCM is preferred over
/// AES-256-GCM, then ChaCha20-Poly1305 (see [`suite_preference`]); the set of suites
/// is the default provider's.
///
/// aws-lc seeds its DRBG once per process; the CPU-jitter entropy source that made
/// that seeding cost ~55 ms of CPU is switched off at build time
/// (`AWS_LC_SYS_NO_JITTER_ENTROPY=1` in the repository's `.cargo/config.toml`), so the
/// seed comes from the operating system alone.
fn provider() -> Arc<CryptoProvider> {
    let base = rustls::crypto::aws_lc_rs::default_provider();
    let mut cipher_suites = base.cipher_suites.clone();
    cipher_suites.sort_by_key(suite_preference);
    Arc::new(CryptoProvider {
        cipher_suites,
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
        Suite::TLS13_AES_128_GCM_SHA256
        | Suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        | Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => 0,
        Suite::TLS13_AES_256_GCM_SHA384
        | Suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        | Suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => 1,
        Suite::TLS13_CHACHA20_POLY1305_SHA256
        | Suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        | Suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => 2,
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

/// Verifies the chain and host name (unless told not to), then the pins.
#[derive(Debug)]
struct FtpsVerifier {
    chain: Option<Arc<dyn ServerCertVerifier>>,
    pins: Vec<Pin>,
    algs: WebPkiSupportedAlgorithms,
}

/// SHA-256 of some bytes.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Lowercase hex of some bytes.
pub(crate) fn hex(data: &[u8]) -> String {
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
#[non_exhaustive]
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
    /// Times the client reconnected ([`Client::reconnect`](crate::Client::reconnect)),
    /// itself or when asked; the other counters are of the current control connection.
    pub reconnects: u64,
    /// Automatic resumes of interrupted transfers (each a new attempt).
    pub resumes: u64,
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
/// once (see `Transfer::start` in `crate::transfer`).
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

    pub(crate) fn data_connection(&self) -> Result<UnbufferedClientConnection> {
        UnbufferedClientConnection::new(self.data.clone(), self.server_name.clone())
            .map_err(|e| Error::from_tls(e, "data connection"))
    }
}

/// What was negotiated on one TLS connection. Each face formats the typed values
/// (`Display` gives the names ftps has always shown).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsInfo {
    /// The protocol version (`Display`: `TLSv1.3`).
    pub version: TlsVersion,
    /// The cipher suite (`Display`: `TLS13_AES_256_GCM_SHA384`).
    pub cipher: CipherSuite,
    /// The key exchange group (`Display`: `secp256r1`), when known (a TLS 1.2
    /// resumption does not repeat it).
    pub kx_group: Option<KxGroup>,
    /// Whether the handshake resumed an earlier session.
    pub resumed: bool,
    /// The ALPN protocol the server chose, if any.
    pub alpn: Option<Vec<u8>>,
}

impl TlsInfo {
    /// Called once the handshake is done, when rustls knows the version and the
    /// suite; only TLS 1.2 and 1.3 are ever enabled.
    pub(crate) fn of(conn: &CommonState) -> TlsInfo {
        debug_assert!(
            conn.protocol_version().is_some() && conn.negotiated_cipher_suite().is_some(),
            "TlsInfo::of before the handshake was done"
        );
        let version = match conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_2) => TlsVersion::Tls12,
            _ => TlsVersion::Tls13,
        };
        let cipher = CipherSuite(
            conn.negotiated_cipher_suite()
                .map_or(0, |s| u16::from(s.suite())),
        );
        let kx_group = conn
            .negotiated_key_exchange_group()
            .map(|g| KxGroup(u16::from(g.name())));
        TlsInfo {
            version,
            cipher,
            kx_group,
            resumed: conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
            alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_is_aws_lc_rs_in_rustls_order_with_aes_128_first() {
        let p = provider();
        let default = rustls::crypto::aws_lc_rs::default_provider();

        // The provider's own groups, in rustls's order: post-quantum hybrid first.
        let names = |p: &CryptoProvider| p.kx_groups.iter().map(|g| g.name()).collect::<Vec<_>>();
        assert_eq!(names(&p), names(&default));
        assert_eq!(
            names(&p),
            [
                NamedGroup::X25519MLKEM768,
                NamedGroup::X25519,
                NamedGroup::secp256r1,
                NamedGroup::secp384r1,
            ]
        );
        for (ours, theirs) in p.kx_groups.iter().zip(&default.kx_groups) {
            assert!(
                std::ptr::addr_eq(*ours, *theirs),
                "{ours:?} is not the provider's"
            );
        }
        assert!(std::ptr::addr_eq(p.secure_random, default.secure_random));
        assert!(std::ptr::addr_eq(p.key_provider, default.key_provider));

        let suites: Vec<Suite> = p.cipher_suites.iter().map(|s| s.suite()).collect();
        assert_eq!(
            suites,
            [
                Suite::TLS13_AES_128_GCM_SHA256,
                Suite::TLS13_AES_256_GCM_SHA384,
                Suite::TLS13_CHACHA20_POLY1305_SHA256,
                Suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                Suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                Suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                Suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                Suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            ]
        );
        let mut mine = suites.clone();
        let mut theirs: Vec<Suite> = default.cipher_suites.iter().map(|s| s.suite()).collect();
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
    fn no_connection_allows_secret_extraction() {
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
        assert!(!tls.data.enable_secret_extraction);
        assert!(!tls.control.enable_secret_extraction);
    }
}
