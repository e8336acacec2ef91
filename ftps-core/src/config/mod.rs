//! The client configuration: built once, immutable, cheap to clone.
//!
//! [`Config`] is here, its builder in `builder`, the plain types of its settings in
//! `types` (and the TLS ones, [`Pin`](crate::Pin) and [`TlsVersion`](crate::TlsVersion),
//! in [`crate::tls`]).

mod builder;
mod types;

use std::sync::Arc;
use std::time::Duration;

pub use builder::ConfigBuilder;
pub use types::{
    AuthCommand, DataConnectionMode, DataProtection, Limits, Mode, Pipelining, Timeouts,
    TransferType, Verify,
};

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
    pub verify: Verify,
    pub pipelining: Pipelining,
    pub atomic_uploads: bool,
    pub resume_attempts: u32,
    pub resume_backoff: Duration,
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
    /// How the convenience calls check a transfer (default [`Verify::Auto`]).
    pub fn verify(&self) -> Verify {
        self.inner.verify
    }
    /// Whether commands after a transfer go out before its final reply (default
    /// [`Pipelining::Auto`]).
    pub fn pipelining(&self) -> Pipelining {
        self.inner.pipelining
    }
    /// Whether uploads of the convenience calls go to a temporary name first (default no).
    pub fn atomic_uploads(&self) -> bool {
        self.inner.atomic_uploads
    }
    /// How many times a convenience call reconnects and resumes after a lost connection.
    pub fn resume_attempts(&self) -> u32 {
        self.inner.resume_attempts
    }
    /// The wait before the first automatic resume; it doubles with each further one.
    pub fn resume_backoff(&self) -> Duration {
        self.inner.resume_backoff
    }
}
