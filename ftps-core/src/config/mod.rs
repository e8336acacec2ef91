//! The client configuration: built once, immutable, cheap to clone.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{Error, Result};

/// How the control connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// Implicit TLS: the TLS handshake starts as soon as TCP connects (port 990).
    Implicit,
    /// Explicit TLS (RFC 4217): a plain `220` greeting, then `AUTH TLS` and the
    /// handshake (port 21).
    Explicit,
    /// Plain FTP: no TLS at all, credentials and data in clear text.
    InsecurePlainFtp,
}

impl Mode {
    /// The port a server in this mode listens on by default.
    pub fn default_port(self) -> u16 {
        match self {
            Mode::Implicit => 990,
            Mode::Explicit | Mode::InsecurePlainFtp => 21,
        }
    }
}

/// Names and parsing for the enums the faces (C, Python, command line) take as text.
/// Each enum has one canonical name (what `Display` writes) and may accept a few
/// aliases; an unknown name is an [`Error::InvalidArgument`] listing the names.
macro_rules! named_enum {
    ($ty:ident, $what:literal, [$($variant:ident => $name:literal $(| $alias:literal)*),+ $(,)?]) => {
        impl $ty {
            /// Every value, in the order of the documentation.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];
            /// The canonical name, as accepted by `FromStr` and written by `Display`.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
        impl std::str::FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<$ty> {
                match s {
                    $($name $(| $alias)* => Ok($ty::$variant),)+
                    _ => Err(Error::invalid(
                        $what,
                        format!(
                            "{s:?} is not one of {}",
                            [$(concat!("\"", $name, "\"")),+].join(", ")
                        ),
                    )),
                }
            }
        }
    };
}

named_enum!(Mode, "mode", [
    Explicit => "explicit",
    Implicit => "implicit",
    InsecurePlainFtp => "insecure-plain" | "insecure-plain-ftp",
]);
named_enum!(AuthCommand, "auth_command", [Tls => "TLS" | "tls", Ssl => "SSL" | "ssl"]);
named_enum!(DataProtection, "data_protection", [
    Private => "private" | "P",
    InsecureClear => "insecure-clear" | "C",
]);
named_enum!(TransferType, "transfer_type", [Binary => "binary" | "I", Ascii => "ascii" | "A"]);
named_enum!(TlsVersion, "tls_version", [
    Tls12 => "1.2" | "TLSv1.2" | "TLSv1_2",
    Tls13 => "1.3" | "TLSv1.3" | "TLSv1_3",
]);

/// The argument of the `AUTH` command in explicit mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthCommand {
    /// `AUTH TLS`, the RFC 4217 command.
    Tls,
    /// `AUTH SSL`, the legacy spelling some old servers want.
    Ssl,
}

/// Whether data connections are encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataProtection {
    /// `PBSZ 0` + `PROT P`: every data connection is TLS (default, also in implicit mode).
    Private,
    /// `PROT C`: data connections in clear text while the control connection is TLS.
    InsecureClear,
}

/// Who opens data connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataConnectionMode {
    /// The client connects: `EPSV` first, `PASV` as fallback (default).
    Passive,
    /// The server connects back: `EPRT` first, `PORT` as fallback. The client listens
    /// on `bind` (default: the local address of the control connection) and accepts
    /// only the control connection's peer.
    Active {
        /// The local address to listen on.
        bind: Option<IpAddr>,
    },
}

/// How file contents are transferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransferType {
    /// `TYPE I`: bytes as they are (default).
    Binary,
    /// `TYPE A`: the server may translate line endings.
    Ascii,
}

/// A TLS protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

/// Timeouts for each phase of a session. Every wait of the client is bounded by one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Opening the TCP control connection (per address tried).
    pub connect: Duration,
    /// The control TLS handshake, and waiting for any one complete reply.
    pub reply: Duration,
    /// Opening or accepting a data connection, including its TLS handshake.
    pub data_connect: Duration,
    /// The longest pause of a data connection in the middle of a transfer.
    pub data_idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(30),
            reply: Duration::from_secs(60),
            data_connect: Duration::from_secs(30),
            data_idle: Duration::from_secs(120),
        }
    }
}

/// Limits on what the server may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest reply line accepted, in bytes.
    pub max_line: usize,
    /// The most bytes one (multi-line) reply may have.
    pub max_reply: usize,
    /// The most bytes a listing may have.
    pub max_listing: u64,
    /// The longest listing line; longer lines are skipped, not fatal.
    pub max_listing_line: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: 64 * 1024,
            max_reply: 1024 * 1024,
            max_listing: 1 << 30,
            max_listing_line: 64 * 1024,
        }
    }
}

/// A SHA-256 pin of the server certificate or of its public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pin(pub [u8; 32]);

impl Pin {
    /// Parses a pin: 64 hex digits (colons allowed, any case), or `sha256//` followed
    /// by the base64 of the digest (the curl `--pinnedpubkey` form).
    pub fn parse(s: &str) -> Result<Pin> {
        let s = s.trim();
        let bytes = if let Some(b64) = s.strip_prefix("sha256//") {
            base64_decode(b64).ok_or_else(|| Error::Config(format!("bad base64 pin {s:?}")))?
        } else {
            let hex: Vec<u8> = s.bytes().filter(|&b| b != b':').collect();
            if hex.len() != 64 {
                return Err(Error::Config(format!(
                    "a sha-256 pin has 64 hex digits, got {:?}",
                    s
                )));
            }
            hex.chunks(2)
                .map(|p| {
                    let hi = (p[0] as char).to_digit(16)?;
                    let lo = (p[1] as char).to_digit(16)?;
                    Some((hi * 16 + lo) as u8)
                })
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| Error::Config(format!("bad hex pin {s:?}")))?
        };
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::Config(format!("a sha-256 pin is 32 bytes: {s:?}")))?;
        Ok(Pin(arr))
    }
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// The client configuration. Build it with [`Config::builder`]; it cannot change
/// afterwards, and cloning it is cheap.
///
/// ```
/// use ftps_core::{Config, Mode};
/// let cfg = Config::builder("ftp.example.com").mode(Mode::Implicit).build().unwrap();
/// assert_eq!(cfg.port(), 990);
/// ```
#[derive(Clone)]
pub struct Config {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub host: String,
    pub port: u16,
    pub mode: Mode,
    pub auth: AuthCommand,
    pub protection: DataProtection,
    pub data_mode: DataConnectionMode,
    pub trust_pasv_address: bool,
    pub timeouts: Timeouts,
    pub limits: Limits,
    pub keepalive: Option<Duration>,
    pub nodelay: bool,
    pub transfer_type: TransferType,
    pub utf8: bool,
    pub tls_server_name: String,
    pub tls: Option<Arc<rustls::ClientConfig>>,
    pub buffer_size: usize,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let i = &self.inner;
        f.debug_struct("Config")
            .field("host", &i.host)
            .field("port", &i.port)
            .field("mode", &i.mode)
            .field("protection", &i.protection)
            .field("data_mode", &i.data_mode)
            .field("timeouts", &i.timeouts)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Starts a configuration for `host` (a DNS name or an IP address) with the
    /// secure defaults: explicit TLS, certificate and host name verified against the
    /// system trust store, `PROT P`, passive mode, binary transfers.
    pub fn builder(host: impl Into<String>) -> ConfigBuilder {
        ConfigBuilder::new(host.into())
    }

    /// The server host name or address.
    pub fn host(&self) -> &str {
        &self.inner.host
    }
    /// The server port.
    pub fn port(&self) -> u16 {
        self.inner.port
    }
    /// The security mode.
    pub fn mode(&self) -> Mode {
        self.inner.mode
    }
    /// The data protection level.
    pub fn data_protection(&self) -> DataProtection {
        self.inner.protection
    }
    /// Passive or active data connections.
    pub fn data_connection_mode(&self) -> DataConnectionMode {
        self.inner.data_mode
    }
    /// The timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.inner.timeouts
    }
    /// The limits.
    pub fn limits(&self) -> Limits {
        self.inner.limits
    }
    /// The transfer type set after login.
    pub fn transfer_type(&self) -> TransferType {
        self.inner.transfer_type
    }
}

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
    invalid: Option<Invalid>,
}

/// A setting [`ConfigBuilder`] refused.
#[derive(Debug, Clone)]
enum Invalid {
    Argument { what: &'static str, reason: String },
    Config(String),
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
    fn new(host: String) -> Self {
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
            invalid: None,
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

    /// The first setting so far that can never work, if any: an
    /// [`Error::InvalidArgument`] whose `what` is the option's name (`port`,
    /// `connect_timeout`, `max_listing`, `tls_server_name`...), or an
    /// [`Error::Config`] for a malformed pin. A refused value is not taken: the
    /// option keeps its previous value. Reads no file; [`build`](ConfigBuilder::build)
    /// returns the same error, then checks the host, the settings that only conflict
    /// with each other (TLS minimum above maximum, `pin_replaces_ca` without a pin)
    /// and the files.
    pub fn check(&self) -> Result<()> {
        match &self.invalid {
            None => Ok(()),
            Some(Invalid::Argument { what, reason }) => Err(Error::invalid(what, reason.clone())),
            Some(Invalid::Config(m)) => Err(Error::Config(m.clone())),
        }
    }

    /// Records the first refused setting.
    fn refuse(mut self, bad: Invalid) -> Self {
        self.invalid.get_or_insert(bad);
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

    #[test]
    fn pins_parse_in_both_forms() {
        let hex = "AB".repeat(32);
        assert_eq!(Pin::parse(&hex).unwrap().0, [0xab; 32]);
        let colons = vec!["ab"; 32].join(":");
        assert_eq!(Pin::parse(&colons).unwrap().0, [0xab; 32]);
        // base64 of 32 bytes of 0xab
        let b64 = "sha256//q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=";
        assert_eq!(Pin::parse(b64).unwrap().0, [0xab; 32]);
        assert!(Pin::parse("abc").is_err());
        assert!(Pin::parse(&"zz".repeat(32)).is_err());
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
    fn enums_parse_their_names_and_display_them() {
        for m in Mode::ALL {
            assert_eq!(m.to_string().parse::<Mode>().unwrap(), *m);
        }
        for v in TlsVersion::ALL {
            assert_eq!(v.to_string().parse::<TlsVersion>().unwrap(), *v);
        }
        for t in TransferType::ALL {
            assert_eq!(t.to_string().parse::<TransferType>().unwrap(), *t);
        }
        for p in DataProtection::ALL {
            assert_eq!(p.to_string().parse::<DataProtection>().unwrap(), *p);
        }
        for a in AuthCommand::ALL {
            assert_eq!(a.to_string().parse::<AuthCommand>().unwrap(), *a);
        }
        assert_eq!(
            "insecure-plain".parse::<Mode>().unwrap(),
            Mode::InsecurePlainFtp
        );
        assert_eq!("TLSv1.3".parse::<TlsVersion>().unwrap(), TlsVersion::Tls13);
        match "sftp".parse::<Mode>() {
            Err(Error::InvalidArgument {
                what: "mode",
                reason,
            }) => {
                assert!(
                    reason.contains("\"explicit\", \"implicit\", \"insecure-plain\""),
                    "{reason}"
                )
            }
            other => panic!("{other:?}"),
        }
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
