//! Certificates, per-session TLS configurations, handshakes.
//!
//! Session reuse is enforced by giving every control session its own [`ServerConfig`]: its own
//! session-id cache and its own ticket key. A data connection can only resume with a session
//! that this control session's config issued, so "resumed" means "resumed THIS control session".

use std::io;
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::crypto::tls13::{HkdfExpander, OkmBlock};
use rustls::crypto::{CryptoProvider, aws_lc_rs};
use rustls::server::{ClientHello, ProducesTickets, ResolvesServerCert, ServerSessionMemoryCache};
use rustls::sign::CertifiedKey;
use rustls::{
    ConnectionTrafficSecrets, KeyLog, ServerConfig, ServerConnection, SupportedProtocolVersion,
    Tls13CipherSuite,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A TLS protocol version the server may allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlsVersion {
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

/// TLS 1.2, for [`Builder::tls_versions`](crate::Builder::tls_versions).
pub const TLS12: TlsVersion = TlsVersion::Tls12;
/// TLS 1.3, for [`Builder::tls_versions`](crate::Builder::tls_versions).
pub const TLS13: TlsVersion = TlsVersion::Tls13;

impl TlsVersion {
    fn rustls(self) -> &'static SupportedProtocolVersion {
        match self {
            TlsVersion::Tls12 => &rustls::version::TLS12,
            TlsVersion::Tls13 => &rustls::version::TLS13,
        }
    }

    /// The version a connection negotiated, if it is one of ours.
    pub(crate) fn of(conn: &ServerConnection) -> Option<TlsVersion> {
        match conn.protocol_version()? {
            rustls::ProtocolVersion::TLSv1_2 => Some(TlsVersion::Tls12),
            rustls::ProtocolVersion::TLSv1_3 => Some(TlsVersion::Tls13),
            _ => None,
        }
    }
}

pub(crate) fn other_err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// The CA and the two leaves made at start-up.
pub(crate) struct Certs {
    pub ca_pem: String,
    pub ca_der: CertificateDer<'static>,
    pub leaf_der: CertificateDer<'static>,
    pub other_leaf_der: CertificateDer<'static>,
    leaf: Arc<CertifiedKey>,
    other_leaf: Arc<CertifiedKey>,
}

impl Certs {
    /// Make a CA ("ftps-testserver CA") and two leaves for localhost, 127.0.0.1 and ::1.
    pub fn generate() -> io::Result<Certs> {
        let provider = aws_lc_rs::default_provider();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(other_err)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "ftps-testserver CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate().map_err(other_err)?;
        let ca_cert = ca_params.self_signed(&ca_key).map_err(other_err)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let make_leaf = |cn: &str| -> io::Result<(CertificateDer<'static>, Arc<CertifiedKey>)> {
            let names = vec!["localhost".to_string(), "127.0.0.1".into(), "::1".into()];
            let mut params = CertificateParams::new(names).map_err(other_err)?;
            params.distinguished_name.push(DnType::CommonName, cn);
            params.use_authority_key_identifier_extension = true;
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            let key = KeyPair::generate().map_err(other_err)?;
            let cert = params.signed_by(&key, &issuer).map_err(other_err)?;
            let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
            let signer = provider
                .key_provider
                .load_private_key(key_der)
                .map_err(other_err)?;
            let der = cert.der().clone();
            Ok((der.clone(), Arc::new(CertifiedKey::new(vec![der], signer))))
        };
        let (leaf_der, leaf) = make_leaf("localhost")?;
        let (other_leaf_der, other_leaf) = make_leaf("localhost (other)")?;
        Ok(Certs {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().clone(),
            leaf_der,
            other_leaf_der,
            leaf,
            other_leaf,
        })
    }
}

/// TLS settings shared by all sessions.
#[derive(Debug, Clone)]
pub(crate) struct TlsPolicy {
    pub versions: Vec<TlsVersion>,
    pub tls13_tickets: usize,
    pub ticket_lifetime: Duration,
    pub only_p256: bool,
}

/// Which certificate a config presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leaf {
    Main,
    Other,
}

#[derive(Debug)]
struct FixedCert(Arc<CertifiedKey>);

impl ResolvesServerCert for FixedCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// A fresh config with its own session cache and ticket key: nothing another config issued
/// resumes here. `tickets` counts the tickets it issues.
pub(crate) fn session_config(
    certs: &Certs,
    policy: &TlsPolicy,
    leaf: Leaf,
    tickets: Arc<AtomicUsize>,
) -> io::Result<Arc<ServerConfig>> {
    let mut provider: CryptoProvider = aws_lc_rs::default_provider();
    if policy.only_p256 {
        provider.kx_groups = vec![aws_lc_rs::kx_group::SECP256R1];
    }
    let versions: Vec<_> = policy.versions.iter().map(|v| v.rustls()).collect();
    let key = match leaf {
        Leaf::Main => certs.leaf.clone(),
        Leaf::Other => certs.other_leaf.clone(),
    };
    let mut config = ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&versions)
        .map_err(other_err)?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(FixedCert(key)));
    config.session_storage = ServerSessionMemoryCache::new(256);
    config.ticketer = Arc::new(ExpiringTicketer {
        inner: aws_lc_rs::Ticketer::new().map_err(other_err)?,
        lifetime: policy.ticket_lifetime,
        issued: tickets,
    });
    config.send_tls13_tickets = policy.tls13_tickets;
    // Like vsftpd 3.0.5: a client that offers ALPN must offer "ftp".
    config.alpn_protocols = vec![b"ftp".to_vec()];
    Ok(Arc::new(config))
}

/// Wraps a ticketer: announces `lifetime` and refuses tickets older than it (the stamp of
/// issue travels inside the encrypted ticket); counts issued tickets.
#[derive(Debug)]
struct ExpiringTicketer {
    inner: Arc<dyn ProducesTickets>,
    lifetime: Duration,
    issued: Arc<AtomicUsize>,
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl ProducesTickets for ExpiringTicketer {
    fn enabled(&self) -> bool {
        self.inner.enabled()
    }

    fn lifetime(&self) -> u32 {
        u32::try_from(self.lifetime.as_secs()).unwrap_or(u32::MAX)
    }

    fn encrypt(&self, plain: &[u8]) -> Option<Vec<u8>> {
        let mut stamped = now_millis().to_be_bytes().to_vec();
        stamped.extend_from_slice(plain);
        let ticket = self.inner.encrypt(&stamped)?;
        self.issued.fetch_add(1, Ordering::Relaxed);
        Some(ticket)
    }

    fn decrypt(&self, cipher: &[u8]) -> Option<Vec<u8>> {
        let plain = self.inner.decrypt(cipher)?;
        let (stamp, rest) = plain.split_at_checked(8)?;
        let issued = u64::from_be_bytes(stamp.try_into().ok()?);
        let age = now_millis().saturating_sub(issued);
        let max = u64::try_from(self.lifetime.as_millis()).unwrap_or(u64::MAX);
        (age <= max).then(|| rest.to_vec())
    }
}

/// A key log that keeps one secret: the client's first TLS 1.3 application traffic secret
/// of the one connection whose config logs into it.
#[derive(Debug, Default)]
pub(crate) struct SecretCapture(Mutex<Option<Vec<u8>>>);

const CLIENT_TRAFFIC_SECRET_0: &str = "CLIENT_TRAFFIC_SECRET_0";

impl SecretCapture {
    /// The captured secret, if the handshake logged one.
    pub fn client_secret(&self) -> Option<Vec<u8>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl KeyLog for SecretCapture {
    fn log(&self, label: &str, _client_random: &[u8], secret: &[u8]) {
        if label == CLIENT_TRAFFIC_SECRET_0 {
            *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(secret.to_vec());
        }
    }

    fn will_log(&self, label: &str) -> bool {
        label == CLIENT_TRAFFIC_SECRET_0
    }
}

/// HKDF-Expand-Label(secret, label, "", out.len()) of RFC 8446 7.1.
fn expand_label(expander: &dyn HkdfExpander, label: &[u8], out: &mut [u8]) -> Option<()> {
    let len = u16::try_from(out.len()).ok()?.to_be_bytes();
    let label_len = [u8::try_from(b"tls13 ".len() + label.len()).ok()?];
    expander
        .expand_slice(&[&len, &label_len, b"tls13 ", label, &[0]], out)
        .ok()
}

/// Generations a TLS 1.3 traffic secret went through (KeyUpdates, RFC 8446 7.2) from
/// `secret0` to the one whose key is in `current`; `None` if none of the first 100,000
/// matches.
pub(crate) fn key_generation(
    suite: &Tls13CipherSuite,
    secret0: &[u8],
    current: &ConnectionTrafficSecrets,
) -> Option<u32> {
    let key = match current {
        ConnectionTrafficSecrets::Aes128Gcm { key, .. }
        | ConnectionTrafficSecrets::Aes256Gcm { key, .. }
        | ConnectionTrafficSecrets::Chacha20Poly1305 { key, .. } => key.as_ref(),
        _ => return None,
    };
    let mut secret = secret0.to_vec();
    let mut derived = vec![0u8; key.len()];
    for generation in 0..100_000 {
        let expander = suite
            .hkdf_provider
            .expander_for_okm(&OkmBlock::new(&secret));
        expand_label(expander.as_ref(), b"key", &mut derived)?;
        if derived == key {
            return Some(generation);
        }
        let mut next = vec![0u8; expander.hash_len()];
        expand_label(expander.as_ref(), b"traffic upd", &mut next)?;
        secret = next;
    }
    None
}

/// Drive a server handshake on `tcp` (whose timeouts bound it) and flush what follows it
/// (TLS 1.3 tickets). `deadline` guards against a peer that trickles bytes forever.
pub(crate) fn handshake(
    conn: &mut ServerConnection,
    tcp: &mut TcpStream,
    deadline: Instant,
) -> io::Result<()> {
    while conn.is_handshaking() {
        if Instant::now() > deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "handshake timed out",
            ));
        }
        let (read, written) = conn.complete_io(tcp)?;
        if read == 0 && written == 0 && conn.is_handshaking() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "peer closed during handshake",
            ));
        }
    }
    while conn.wants_write() {
        conn.write_tls(tcp)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_expire_and_are_counted() {
        let issued = Arc::new(AtomicUsize::new(0));
        let t = ExpiringTicketer {
            inner: aws_lc_rs::Ticketer::new().unwrap(),
            lifetime: Duration::from_millis(50),
            issued: issued.clone(),
        };
        let ticket = t.encrypt(b"state").unwrap();
        assert_eq!(t.decrypt(&ticket).as_deref(), Some(&b"state"[..]));
        assert_eq!(issued.load(Ordering::Relaxed), 1);
        std::thread::sleep(Duration::from_millis(80));
        assert_eq!(t.decrypt(&ticket), None);
        assert_eq!(t.decrypt(b"short"), None);
    }
}
