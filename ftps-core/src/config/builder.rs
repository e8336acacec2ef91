//! [`ConfigBuilder`]: the settings, their checks, and the building of a [`Config`]
//! (CA files, client certificate and the rustls configuration are loaded here).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::{
    AuthCommand, Config, DataConnectionMode, DataProtection, Inner, Limits, Mode, Pipelining,
    Timeouts, TransferType, Verify,
};
use crate::error::{Error, Result};
use crate::tls::{Pin, TlsVersion};

/// Builds a [`Config`]. Every weakening of the defaults has a method whose name says so.
///
/// The builder is a plain value: clone it to build variants, and call
/// [`build`](ConfigBuilder::build) as often as you like. Each setter takes any value
/// of its type; [`check`](ConfigBuilder::check) says at once whether the settings so
/// far hold one that can never work (port 0, a zero timeout or limit, a malformed
/// pin or server name), naming the option, and `build` refuses the same.
#[derive(Debug, Clone)]
pub struct ConfigBuilder {
    host: String,
    port: Option<u16>,
    mode: Mode,
    auth: AuthCommand,
    protection: DataProtection,
    data_mode: DataConnectionMode,
    trust_pasv_address: bool,
    timeouts: Timeouts,
    limits: Limits,
    keepalive: Option<Duration>,
    nodelay: bool,
    transfer_type: TransferType,
    utf8: bool,
    server_name: Option<String>,
    system_roots: Option<bool>,
    ca_files: Vec<PathBuf>,
    ca_pems: Vec<Vec<u8>>,
    client_cert: Option<(PathBuf, PathBuf)>,
    pins: Vec<Pin>,
    pin_replaces_ca: bool,
    min_tls: TlsVersion,
    max_tls: TlsVersion,
    accept_invalid_certs: bool,
    alpn: bool,
    buffer_size: usize,
    verify: Verify,
    pipelining: Pipelining,
    atomic_uploads: bool,
    resume_attempts: u32,
    resume_backoff: Duration,
    /// Every refused setting, in order: `check` reports the first.
    invalid: Vec<Invalid>,
}

/// A setting [`ConfigBuilder`] refused.
#[derive(Debug, Clone)]
enum Invalid {
    Argument { what: &'static str, reason: String },
    Config(String),
}

impl Invalid {
    fn to_error(&self) -> Error {
        match self {
            Invalid::Argument { what, reason } => Error::invalid(what, reason.clone()),
            Invalid::Config(m) => Error::Config(m.clone()),
        }
    }
}

fn check_timeout(what: &'static str, d: Duration) -> std::result::Result<(), Invalid> {
    if d < Duration::from_millis(1) {
        return Err(Invalid::Argument {
            what,
            reason: format!("must be at least 1 ms, got {d:?}"),
        });
    }
    Ok(())
}

fn check_limits(l: &Limits) -> std::result::Result<(), Invalid> {
    for (what, n) in [
        ("max_line", l.max_line as u64),
        ("max_reply", l.max_reply as u64),
        ("max_listing", l.max_listing),
        ("max_listing_line", l.max_listing_line as u64),
    ] {
        if n == 0 {
            return Err(Invalid::Argument {
                what,
                reason: "must be at least 1 byte".into(),
            });
        }
    }
    Ok(())
}

fn check_path(what: &'static str, p: &Path) -> std::result::Result<(), Invalid> {
    if p.as_os_str().is_empty() {
        return Err(Invalid::Argument {
            what,
            reason: "the path is empty".into(),
        });
    }
    Ok(())
}

impl ConfigBuilder {
    pub(super) fn new(host: String) -> Self {
        ConfigBuilder {
            host,
            port: None,
            mode: Mode::Explicit,
            auth: AuthCommand::Tls,
            protection: DataProtection::Private,
            data_mode: DataConnectionMode::Passive,
            trust_pasv_address: false,
            timeouts: Timeouts::default(),
            limits: Limits::default(),
            keepalive: Some(Duration::from_secs(60)),
            nodelay: true,
            transfer_type: TransferType::Binary,
            utf8: true,
            server_name: None,
            system_roots: None,
            ca_files: Vec::new(),
            ca_pems: Vec::new(),
            client_cert: None,
            pins: Vec::new(),
            pin_replaces_ca: false,
            min_tls: TlsVersion::Tls12,
            max_tls: TlsVersion::Tls13,
            accept_invalid_certs: false,
            alpn: true,
            buffer_size: 256 * 1024,
            verify: Verify::Auto,
            pipelining: Pipelining::Auto,
            atomic_uploads: false,
            resume_attempts: 3,
            resume_backoff: Duration::from_secs(1),
            invalid: Vec::new(),
        }
    }

    /// The server port (default: 990 for implicit, 21 otherwise).
    pub fn port(mut self, port: u16) -> Self {
        if port == 0 {
            return self.refuse_arg("port", "0 is not a port (1-65535)");
        }
        self.port = Some(port);
        self
    }
    /// Implicit or explicit TLS (default explicit). See [`Mode`].
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
    /// Sends `AUTH SSL` instead of `AUTH TLS` in explicit mode, for old servers.
    pub fn auth_command(mut self, auth: AuthCommand) -> Self {
        self.auth = auth;
        self
    }
    /// Data protection (default private: `PBSZ 0` + `PROT P`).
    pub fn data_protection(mut self, p: DataProtection) -> Self {
        self.protection = p;
        self
    }
    /// Passive (default) or active data connections.
    pub fn data_connection_mode(mut self, m: DataConnectionMode) -> Self {
        self.data_mode = m;
        self
    }
    /// Connects passive data connections to the address in the `227` reply instead of
    /// the control connection's peer. Lets a server point the client at any host.
    pub fn insecure_trust_pasv_address(mut self, yes: bool) -> Self {
        self.trust_pasv_address = yes;
        self
    }
    /// All timeouts at once.
    /// Each must be at least 1 ms.
    pub fn timeouts(mut self, t: Timeouts) -> Self {
        let each = [
            ("connect_timeout", t.connect),
            ("reply_timeout", t.reply),
            ("data_connect_timeout", t.data_connect),
            ("data_idle_timeout", t.data_idle),
        ];
        if let Some(bad) = each
            .into_iter()
            .find_map(|(w, d)| check_timeout(w, d).err())
        {
            return self.refuse(bad);
        }
        self.timeouts = t;
        self
    }
    /// The TCP connect timeout (at least 1 ms).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        if let Err(bad) = check_timeout("connect_timeout", d) {
            return self.refuse(bad);
        }
        self.timeouts.connect = d;
        self
    }
    /// The reply (and control handshake) timeout (at least 1 ms).
    pub fn reply_timeout(mut self, d: Duration) -> Self {
        if let Err(bad) = check_timeout("reply_timeout", d) {
            return self.refuse(bad);
        }
        self.timeouts.reply = d;
        self
    }
    /// The data connect/accept timeout (at least 1 ms).
    pub fn data_connect_timeout(mut self, d: Duration) -> Self {
        if let Err(bad) = check_timeout("data_connect_timeout", d) {
            return self.refuse(bad);
        }
        self.timeouts.data_connect = d;
        self
    }
    /// The data idle timeout (at least 1 ms).
    pub fn data_idle_timeout(mut self, d: Duration) -> Self {
        if let Err(bad) = check_timeout("data_idle_timeout", d) {
            return self.refuse(bad);
        }
        self.timeouts.data_idle = d;
        self
    }
    /// Limits on what the server may send; each at least 1 byte.
    pub fn limits(mut self, l: Limits) -> Self {
        if let Err(bad) = check_limits(&l) {
            return self.refuse(bad);
        }
        self.limits = l;
        self
    }
    /// The current limits, to change one of them: `b.limits(Limits { max_line: 4096,
    /// ..b.current_limits() })`.
    pub fn current_limits(&self) -> Limits {
        self.limits
    }
    /// TCP keepalive on the control connection (default 60 s; `None` turns it off;
    /// `Some` of zero is refused).
    pub fn tcp_keepalive(mut self, d: Option<Duration>) -> Self {
        if d.is_some_and(|d| d.is_zero()) {
            return self.refuse_arg("tcp_keepalive", "must be longer than 0 (None turns it off)");
        }
        self.keepalive = d;
        self
    }
    /// TCP_NODELAY on all sockets (default on).
    pub fn tcp_nodelay(mut self, yes: bool) -> Self {
        self.nodelay = yes;
        self
    }
    /// Does nothing, kept so that code written for ftps 0.1's in-place record layer
    /// still builds. Every data connection now runs on rustls's own record layer
    /// (its unbuffered API, records decrypted inside a buffer of ours), with the
    /// speed that option used to buy, whatever `yes` says.
    #[deprecated(note = "has no effect: data connections always use rustls's record layer")]
    pub fn tls_records_in_place(self, yes: bool) -> Self {
        let _ = yes;
        self
    }
    /// Binary (default) or ASCII transfers.
    pub fn transfer_type(mut self, t: TransferType) -> Self {
        self.transfer_type = t;
        self
    }
    /// Sends `OPTS UTF8 ON` when the server offers UTF8 (default on).
    pub fn utf8(mut self, yes: bool) -> Self {
        self.utf8 = yes;
        self
    }
    /// The name the certificate must carry, when it differs from the host connected to.
    /// It must be a DNS name or an IP address.
    pub fn tls_server_name(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        if let Err(e) = rustls_pki_types::ServerName::try_from(name.as_str()) {
            return self.refuse_arg(
                "tls_server_name",
                format!("{name:?} is not a DNS name or an IP address: {e}"),
            );
        }
        self.server_name = Some(name);
        self
    }
    /// Trusts the system's CA store. On by default, off by default once a CA file or
    /// PEM is given; this call decides explicitly.
    pub fn system_roots(mut self, yes: bool) -> Self {
        self.system_roots = Some(yes);
        self
    }
    /// Trusts the CA certificates in this PEM file.
    /// The file is read by `build`.
    pub fn ca_file(mut self, path: impl AsRef<Path>) -> Self {
        if let Err(bad) = check_path("ca_file", path.as_ref()) {
            return self.refuse(bad);
        }
        self.ca_files.push(path.as_ref().to_path_buf());
        self
    }
    /// Trusts the CA certificates in this PEM text (parsed by `build`; empty is refused).
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        let pem = pem.into();
        if pem.is_empty() {
            return self.refuse_arg("ca_pem", "is empty");
        }
        self.ca_pems.push(pem);
        self
    }
    /// Presents this client certificate chain (PEM) and private key (PEM), both read
    /// by `build`.
    pub fn client_cert_files(mut self, cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Self {
        let (cert, key) = (cert.as_ref(), key.as_ref());
        if let Err(bad) = check_path("client_cert", cert).and(check_path("client_key", key)) {
            return self.refuse(bad);
        }
        self.client_cert = Some((cert.to_path_buf(), key.to_path_buf()));
        self
    }
    /// Requires the server certificate (or its public key) to have this SHA-256, in
    /// addition to the normal verification. See [`Pin::parse`] for the forms accepted.
    /// May be given more than once (any one matches).
    /// A malformed pin is refused as an [`Error::Config`].
    pub fn pin_sha256(mut self, pin: impl AsRef<str>) -> Self {
        match Pin::parse(pin.as_ref()) {
            Ok(p) => self.pins.push(p),
            Err(Error::Config(m)) => return self.refuse(Invalid::Config(m)),
            Err(e) => return self.refuse(Invalid::Config(e.to_string())),
        }
        self
    }
    /// With pins set: the pin alone identifies the server, no CA chain or host name is
    /// checked (for self-signed devices). Without a pin, `build` fails.
    pub fn pin_replaces_ca(mut self, yes: bool) -> Self {
        self.pin_replaces_ca = yes;
        self
    }
    /// The lowest TLS version offered (default 1.2).
    pub fn min_tls_version(mut self, v: TlsVersion) -> Self {
        self.min_tls = v;
        self
    }
    /// The highest TLS version offered (default 1.3).
    pub fn max_tls_version(mut self, v: TlsVersion) -> Self {
        self.max_tls = v;
        self
    }
    /// Accepts any server certificate, for any name. Anyone on the path can read and
    /// change the session. For tests only.
    pub fn danger_accept_invalid_certs(mut self, yes: bool) -> Self {
        self.accept_invalid_certs = yes;
        self
    }
    /// Offers ALPN `ftp` (default on; RFC 4217 servers such as vsftpd 3.0.5 check it).
    pub fn alpn(mut self, yes: bool) -> Self {
        self.alpn = yes;
        self
    }
    /// The size of the transfer buffer used by the convenience calls (default 256 KiB).
    pub fn buffer_size(mut self, n: usize) -> Self {
        self.buffer_size = n.clamp(4096, 16 << 20);
        self
    }

    /// How the convenience calls (`download`, `upload`, `download_file`, `upload_file`,
    /// `download_dir`, `upload_dir`, `sync`) check a transfer: [`Verify::Auto`] (the
    /// default: the server's strongest hash when it has one, else its `SIZE`),
    /// [`Verify::Required`] (a hash, or the call fails before transferring) or
    /// [`Verify::Off`]. A call's `TransferOptions::verify` overrides it.
    pub fn verify(mut self, v: Verify) -> Self {
        self.verify = v;
        self
    }

    /// Whether the commands after a transfer go out before its final reply:
    /// [`Pipelining::Auto`] (the default: with the servers measured to read ahead),
    /// [`Pipelining::Off`] or [`Pipelining::Always`].
    pub fn pipelining(mut self, p: Pipelining) -> Self {
        self.pipelining = p;
        self
    }

    /// Uploads of the convenience calls go to a temporary name in the target's directory
    /// (`.NAME.ftps-part.RANDOM`), are verified there, and are renamed onto the target
    /// only then, so that nobody on the server sees a partial file under its name
    /// (default off: it needs the right to rename and delete, which upload-only
    /// accounts often lack). A call's `TransferOptions::atomic` overrides it.
    pub fn atomic_uploads(mut self, yes: bool) -> Self {
        self.atomic_uploads = yes;
        self
    }

    /// How many times a convenience call reconnects (same configuration, same login)
    /// and resumes a transfer that a lost connection, a data-connection timeout, a
    /// truncated download or a `421`/`425`/`426` interrupted (default 3; 0 turns it
    /// off). The streaming calls (`retr`, `stor`, `start_download`...) never do.
    pub fn resume_attempts(mut self, n: u32) -> Self {
        self.resume_attempts = n;
        self
    }

    /// The wait before the first automatic resume (default 1 s); it doubles with each
    /// further attempt, up to 30 s.
    pub fn resume_backoff(mut self, d: Duration) -> Self {
        if d > Duration::from_secs(3600) {
            return self.refuse_arg("resume_backoff", format!("at most 1 h, got {d:?}"));
        }
        self.resume_backoff = d;
        self
    }

    /// The first setting so far that can never work, if any: an
    /// [`Error::InvalidArgument`] whose `what` is the option's name (`port`,
    /// `connect_timeout`, `max_listing`, `tls_server_name`...), or an
    /// [`Error::Config`] for a malformed pin. A refused value is not taken: the
    /// option keeps its previous value. Reads no file; [`build`](ConfigBuilder::build)
    /// returns the same error, then checks the host, the settings that only conflict
    /// with each other (TLS minimum above maximum, `pin_replaces_ca` without a pin)
    /// and the files.
    pub fn check(&self) -> Result<()> {
        self.invalid
            .first()
            .map_or(Ok(()), |bad| Err(bad.to_error()))
    }

    /// How many settings were refused so far. A face that reports each setter's
    /// result on its own (the C builder) compares the count before and after one
    /// setting and reports [`last_refusal`](ConfigBuilder::last_refusal) when it grew.
    pub fn refusal_count(&self) -> usize {
        self.invalid.len()
    }

    /// The most recent refused setting, as the error `check` would give for it.
    pub fn last_refusal(&self) -> Option<Error> {
        self.invalid.last().map(Invalid::to_error)
    }

    /// Records a refused setting.
    fn refuse(mut self, bad: Invalid) -> Self {
        self.invalid.push(bad);
        self
    }

    fn refuse_arg(self, what: &'static str, reason: impl Into<String>) -> Self {
        self.refuse(Invalid::Argument {
            what,
            reason: reason.into(),
        })
    }

    /// Checks everything and builds the configuration, loading CA files and keys now.
    /// The builder is left as it was.
    pub fn build(&self) -> Result<Config> {
        self.check()?;
        if self.host.is_empty() {
            return Err(Error::invalid("host", "is empty"));
        }
        crate::command::check_arg("host", self.host.as_bytes())?;
        if self.min_tls > self.max_tls {
            return Err(Error::Config(
                "minimum TLS version above the maximum".into(),
            ));
        }
        if self.pin_replaces_ca && self.pins.is_empty() {
            return Err(Error::Config("pin_replaces_ca without a pin".into()));
        }
        let tls_server_name = self.server_name.clone().unwrap_or_else(|| {
            self.host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string()
        });
        let tls = if self.mode == Mode::InsecurePlainFtp {
            None
        } else {
            Some(Arc::new(self.build_tls()?))
        };
        Ok(Config {
            inner: Arc::new(Inner {
                port: self.port.unwrap_or(self.mode.default_port()),
                host: self.host.clone(),
                mode: self.mode,
                auth: self.auth,
                protection: if self.mode == Mode::InsecurePlainFtp {
                    DataProtection::InsecureClear
                } else {
                    self.protection
                },
                data_mode: self.data_mode,
                trust_pasv_address: self.trust_pasv_address,
                timeouts: self.timeouts,
                limits: self.limits,
                keepalive: self.keepalive,
                nodelay: self.nodelay,
                transfer_type: self.transfer_type,
                utf8: self.utf8,
                tls_server_name,
                tls,
                buffer_size: self.buffer_size,
                verify: self.verify,
                pipelining: self.pipelining,
                atomic_uploads: self.atomic_uploads,
                resume_attempts: self.resume_attempts,
                resume_backoff: self.resume_backoff,
            }),
        })
    }

    fn build_tls(&self) -> Result<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        for path in &self.ca_files {
            let pem = std::fs::read(path).map_err(|e| Error::LocalIo {
                path: path.clone(),
                source: e,
            })?;
            add_pem_roots(&mut roots, &pem, &path.display().to_string())?;
        }
        for pem in &self.ca_pems {
            add_pem_roots(&mut roots, pem, "CA PEM")?;
        }
        let want_system = self
            .system_roots
            .unwrap_or(self.ca_files.is_empty() && self.ca_pems.is_empty());
        if want_system && !self.accept_invalid_certs && !self.pin_replaces_ca {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = roots.add(cert);
            }
        }
        let pins = self.pins.clone();
        let client_cert = match &self.client_cert {
            Some((cert, key)) => Some(load_client_cert(cert, key)?),
            None => None,
        };
        crate::tls::build_client_config(crate::tls::TlsSettings {
            roots,
            pins,
            pin_replaces_ca: self.pin_replaces_ca,
            accept_invalid: self.accept_invalid_certs,
            min: self.min_tls,
            max: self.max_tls,
            alpn: self.alpn,
            client_cert,
        })
    }
}

fn add_pem_roots(roots: &mut rustls::RootCertStore, pem: &[u8], what: &str) -> Result<()> {
    let mut n = 0;
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| Error::Config(format!("{what}: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| Error::Config(format!("{what}: {e}")))?;
        n += 1;
    }
    if n == 0 {
        return Err(Error::Config(format!("{what}: no certificate found")));
    }
    Ok(())
}

fn load_client_cert(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let read = |p: &Path| {
        std::fs::read(p).map_err(|e| Error::LocalIo {
            path: p.to_path_buf(),
            source: e,
        })
    };
    let chain = CertificateDer::pem_slice_iter(&read(cert)?)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Config(format!("client certificate: {e}")))?;
    if chain.is_empty() {
        return Err(Error::Config("client certificate: none found".into()));
    }
    let key = PrivateKeyDer::from_pem_slice(&read(key)?)
        .map_err(|e| Error::Config(format!("client key: {e}")))?;
    Ok((chain, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_secure() {
        let c = Config::builder("127.0.0.1").build().unwrap();
        assert_eq!(c.mode(), Mode::Explicit);
        assert_eq!(c.port(), 21);
        assert_eq!(c.data_protection(), DataProtection::Private);
        assert_eq!(c.data_connection_mode(), DataConnectionMode::Passive);
        assert!(!c.inner.trust_pasv_address);
        let c = Config::builder("h").mode(Mode::Implicit).build().unwrap();
        assert_eq!(c.port(), 990);
    }

    fn refused_option(b: &ConfigBuilder) -> &'static str {
        match b.check() {
            Err(Error::InvalidArgument { what, .. }) => what,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn setters_refuse_values_that_cannot_work_and_name_the_option() {
        let ok = Config::builder("h");
        let zero = Duration::ZERO;
        for (b, what) in [
            (ok.clone().port(0), "port"),
            (ok.clone().connect_timeout(zero), "connect_timeout"),
            (ok.clone().reply_timeout(zero), "reply_timeout"),
            (
                ok.clone().data_connect_timeout(zero),
                "data_connect_timeout",
            ),
            (
                ok.clone().data_idle_timeout(Duration::from_micros(999)),
                "data_idle_timeout",
            ),
            (
                ok.clone().timeouts(Timeouts {
                    reply: zero,
                    ..Timeouts::default()
                }),
                "reply_timeout",
            ),
            (
                ok.clone().limits(Limits {
                    max_listing: 0,
                    ..Limits::default()
                }),
                "max_listing",
            ),
            (
                ok.clone().limits(Limits {
                    max_line: 0,
                    ..Limits::default()
                }),
                "max_line",
            ),
            (ok.clone().tcp_keepalive(Some(zero)), "tcp_keepalive"),
            (ok.clone().tls_server_name("bad name!"), "tls_server_name"),
            (ok.clone().ca_file(""), "ca_file"),
            (ok.clone().ca_pem(Vec::new()), "ca_pem"),
            (ok.clone().client_cert_files("c.pem", ""), "client_key"),
        ] {
            assert_eq!(refused_option(&b), what);
            // build refuses the same, with the same option named.
            assert!(matches!(b.build(), Err(Error::InvalidArgument { what: w, .. }) if w == what));
        }
        assert!(matches!(
            ok.clone().pin_sha256("abc").check(),
            Err(Error::Config(_))
        ));
        // Each refusal is counted; the last one is at hand for a face that reports
        // setters one by one.
        let b = ok.clone().pin_sha256("abc");
        assert_eq!(b.refusal_count(), 1);
        let b = b.port(2121);
        assert_eq!(b.refusal_count(), 1);
        let b = b.port(0);
        assert_eq!(b.refusal_count(), 2);
        assert!(matches!(
            b.last_refusal(),
            Some(Error::InvalidArgument { what: "port", .. })
        ));
        assert!(matches!(b.check(), Err(Error::Config(_))));
        // The first refusal is the one reported, and the refused value is not taken.
        let b = ok.clone().port(2121).port(0).connect_timeout(zero);
        assert_eq!(refused_option(&b), "port");
        assert!(ok.clone().tcp_keepalive(None).check().is_ok());
    }

    #[test]
    fn a_builder_builds_again_and_clones_into_variants() {
        let base = Config::builder("h").port(2121);
        let a = base.build().unwrap();
        let b = base.clone().mode(Mode::Implicit).build().unwrap();
        let c = base.build().unwrap();
        assert_eq!((a.port(), a.mode()), (2121, Mode::Explicit));
        assert_eq!((b.port(), b.mode()), (2121, Mode::Implicit));
        assert_eq!(c.port(), 2121);
        // The default port follows the mode when none is set.
        let d = Config::builder("h").mode(Mode::Implicit).build().unwrap();
        assert_eq!(d.port(), Mode::Implicit.default_port());
    }

    #[test]
    fn bad_config_is_refused() {
        assert!(Config::builder("").build().is_err());
        assert!(Config::builder("a\r\nb").build().is_err());
        assert!(
            Config::builder("h")
                .min_tls_version(TlsVersion::Tls13)
                .max_tls_version(TlsVersion::Tls12)
                .build()
                .is_err()
        );
        assert!(Config::builder("h").pin_replaces_ca(true).build().is_err());
        assert!(matches!(
            Config::builder("h").ca_file("/nonexistent/ca.pem").build(),
            Err(Error::LocalIo { .. })
        ));
        assert!(matches!(
            Config::builder("h").ca_pem(b"not a pem".to_vec()).build(),
            Err(Error::Config(_))
        ));
    }
}
