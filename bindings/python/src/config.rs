//! `ftps.connect(...)` keyword arguments to an `ftps_core::Config`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use ftps_core::{
    AuthCommand, Config, DataConnectionMode, DataProtection, Mode, TlsVersion, TransferType,
};
use pyo3::prelude::*;

use crate::errors::invalid;

/// Everything `ftps.connect` accepts besides the credentials.
pub(crate) struct Options {
    pub host: String,
    pub port: Option<u16>,
    pub mode: String,
    pub ca_file: Vec<PathBuf>,
    pub ca_pem: Vec<Vec<u8>>,
    pub pin_sha256: Vec<String>,
    pub pin_replaces_ca: bool,
    pub system_roots: Option<bool>,
    pub tls_server_name: Option<String>,
    pub client_cert: Option<(PathBuf, PathBuf)>,
    pub timeouts: [Option<f64>; 4],
    pub min_tls: Option<String>,
    pub max_tls: Option<String>,
    pub passive: bool,
    pub active_bind: Option<String>,
    pub insecure_trust_pasv_address: bool,
    pub insecure_clear_data: bool,
    pub ascii: bool,
    pub utf8: bool,
    pub buffer_size: Option<usize>,
    pub danger_accept_invalid_certs: bool,
    pub alpn: bool,
    pub auth_ssl: bool,
    pub tcp_keepalive: Option<f64>,
    pub tcp_nodelay: bool,
    pub tls_records_in_place: bool,
}

/// Seconds as a float to a `Duration`: only the conversion (NaN, negative, too
/// large); whether the value can work is the core's rule (`ConfigBuilder::check`).
fn seconds(py: Python<'_>, what: &str, v: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(v).map_err(|e| {
        invalid(
            py,
            what,
            &format!("{what} must be a number of seconds, got {v}: {e}"),
        )
    })
}

/// A name the core parses (`FromStr`), with the error naming the keyword argument.
fn parse<T: std::str::FromStr<Err = ftps_core::Error>>(
    py: Python<'_>,
    what: &str,
    v: &str,
) -> PyResult<T> {
    v.parse::<T>().map_err(|e| match e {
        ftps_core::Error::InvalidArgument { reason, .. } => {
            invalid(py, what, &format!("{what}: {reason}"))
        }
        e => crate::errors::core_error(py, e),
    })
}

impl Options {
    /// Builds the core configuration (reads CA files and keys now).
    pub(crate) fn build(self, py: Python<'_>) -> PyResult<Config> {
        let mode: Mode = parse(py, "mode", &self.mode)?;
        let mut b = Config::builder(self.host).mode(mode);
        if let Some(p) = self.port {
            b = b.port(p);
        }
        for f in self.ca_file {
            b = b.ca_file(f);
        }
        for p in self.ca_pem {
            b = b.ca_pem(p);
        }
        for p in self.pin_sha256 {
            b = b.pin_sha256(p);
        }
        b = b.pin_replaces_ca(self.pin_replaces_ca);
        if let Some(s) = self.system_roots {
            b = b.system_roots(s);
        }
        if let Some(n) = self.tls_server_name {
            b = b.tls_server_name(n);
        }
        if let Some((cert, key)) = self.client_cert {
            b = b.client_cert_files(cert, key);
        }
        let [connect, reply, data_connect, data_idle] = self.timeouts;
        if let Some(t) = connect {
            b = b.connect_timeout(seconds(py, "connect_timeout", t)?);
        }
        if let Some(t) = reply {
            b = b.reply_timeout(seconds(py, "reply_timeout", t)?);
        }
        if let Some(t) = data_connect {
            b = b.data_connect_timeout(seconds(py, "data_connect_timeout", t)?);
        }
        if let Some(t) = data_idle {
            b = b.data_idle_timeout(seconds(py, "data_timeout", t)?);
        }
        if let Some(v) = &self.min_tls {
            b = b.min_tls_version(parse::<TlsVersion>(py, "min_tls", v)?);
        }
        if let Some(v) = &self.max_tls {
            b = b.max_tls_version(parse::<TlsVersion>(py, "max_tls", v)?);
        }
        if !self.passive {
            let bind =
                match &self.active_bind {
                    Some(a) => Some(a.parse::<IpAddr>().map_err(|e| {
                        invalid(py, "active_bind", &format!("active_bind {a:?}: {e}"))
                    })?),
                    None => None,
                };
            b = b.data_connection_mode(DataConnectionMode::Active { bind });
        }
        b = b.insecure_trust_pasv_address(self.insecure_trust_pasv_address);
        if self.insecure_clear_data {
            b = b.data_protection(DataProtection::InsecureClear);
        }
        if self.ascii {
            b = b.transfer_type(TransferType::Ascii);
        }
        b = b.utf8(self.utf8);
        if let Some(n) = self.buffer_size {
            b = b.buffer_size(n);
        }
        b = b.danger_accept_invalid_certs(self.danger_accept_invalid_certs);
        b = b.alpn(self.alpn);
        if self.auth_ssl {
            b = b.auth_command(AuthCommand::Ssl);
        }
        b = b.tcp_keepalive(match self.tcp_keepalive {
            Some(s) => Some(seconds(py, "tcp_keepalive", s)?),
            None => None,
        });
        b = b.tcp_nodelay(self.tcp_nodelay);
        // `tls_records_in_place` has no effect any more (kept for compatibility).
        let _ = self.tls_records_in_place;
        b.build().map_err(|e| crate::errors::core_error(py, e))
    }
}
