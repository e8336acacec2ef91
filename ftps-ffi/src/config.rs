//! `ftps_config_builder` and `ftps_config`: the client configuration.
//!
//! The handle holds an `ftps_core::ConfigBuilder`. A setter applies its value to a
//! copy, asks the core whether the value can work (`ConfigBuilder::check`) and keeps
//! the copy only then, so a refused call changes nothing; every rule is the core's.
//! A builder can build several configurations and keeps its own error message.
//! Every setting of the core is here;
//! the ones that weaken security say so in their names (`danger_`, `insecure_`,
//! `FTPS_MODE_INSECURE_PLAIN_FTP`, `FTPS_DATA_PROTECTION_INSECURE_CLEAR`).

use std::ffi::c_char;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use ftps_core::{
    AuthCommand, Config, ConfigBuilder, DataConnectionMode, DataProtection, Limits, Mode,
    Pipelining, TlsVersion, TransferType, Verify,
};

use crate::handle::{self, Handle, Kind};
use crate::panic::ffi_panic_boundary;
use crate::result::{Failure, ftps_result};
use crate::util::{check_out, copy_text_out, path_arg, raw_bytes_arg, str_arg, write_out};

/// How the control connection is secured (`ftps_config_builder_set_mode`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_mode {
    /// Explicit TLS (RFC 4217, default port 21): a plain greeting, then `AUTH TLS`.
    /// The default.
    Explicit = 1,
    /// Implicit TLS (default port 990): TLS from the first byte.
    Implicit = 2,
    /// Plain FTP: no TLS at all, password and data in clear text.
    InsecurePlainFtp = 3,
}

/// The argument of `AUTH` in explicit mode (`ftps_config_builder_set_auth_command`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_auth_command {
    /// `AUTH TLS` (default).
    Tls = 1,
    /// `AUTH SSL`, for old servers.
    Ssl = 2,
}

/// Whether data connections are encrypted (`ftps_config_builder_set_data_protection`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_data_protection {
    /// `PBSZ 0` + `PROT P`: every data connection is TLS (default).
    Private = 1,
    /// `PROT C`: file contents and listings in clear text.
    InsecureClear = 2,
}

/// Who opens data connections (`ftps_config_builder_set_data_connection_mode`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_data_connection_mode {
    /// The client connects: `EPSV`, then `PASV` (default).
    Passive = 1,
    /// The server connects back: `EPRT`, then `PORT`; only the control peer is accepted.
    Active = 2,
}

/// How file contents are transferred (`ftps_config_builder_set_transfer_type`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_transfer_type {
    /// `TYPE I`: bytes as they are (default).
    Binary = 1,
    /// `TYPE A`: the server may translate line endings.
    Ascii = 2,
}

/// A TLS protocol version, by its number on the wire.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_tls_version {
    /// TLS 1.2.
    Tls12 = 0x0303,
    /// TLS 1.3.
    Tls13 = 0x0304,
}

/// How the download and upload calls check a transfer once its bytes moved
/// (`ftps_config_builder_set_verify()`, `ftps_transfer_options.verify`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_verify {
    /// The server's strongest hash of the file when it offers one (`HASH`, else
    /// `XSHA512`/`XSHA256`/`XSHA1`), compared with the hash of the bytes as they
    /// streamed; otherwise the server's `SIZE`. The default.
    Auto = 1,
    /// A hash as with `FTPS_VERIFY_AUTO`; a server that offers none fails the call
    /// with `FTPS_RESULT_INTEGRITY` before anything is transferred.
    Required = 2,
    /// No check beyond TLS close_notify and the server's final 2xx.
    Off = 3,
}

/// An `ftps_verify` value as the core knows it.
pub(crate) fn verify_value(value: u32) -> Result<Verify, Failure> {
    enum_value(
        value,
        &[
            (ftps_verify::Auto as u32, Verify::Auto),
            (ftps_verify::Required as u32, Verify::Required),
            (ftps_verify::Off as u32, Verify::Off),
        ],
        "ftps_verify",
    )
}

/// Whether the commands that follow a transfer (its check, the next transfer's `EPSV`
/// in a batch) go out before the transfer's final reply, one or two round trips less
/// per file (`ftps_config_builder_set_pipelining()`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ftps_pipelining {
    /// With the servers whose greeting names one measured to read ahead (vsftpd,
    /// ProFTPD, Pure-FTPd); others wait for each reply. The default.
    Auto = 1,
    /// Every command waits for the reply of the one before.
    Off = 2,
    /// With any server: the caller vouches that it queues commands sent while a
    /// transfer ends.
    Always = 3,
}

/// An `ftps_pipelining` value as the core knows it.
pub(crate) fn pipelining_value(value: u32) -> Result<Pipelining, Failure> {
    enum_value(
        value,
        &[
            (ftps_pipelining::Auto as u32, Pipelining::Auto),
            (ftps_pipelining::Off as u32, Pipelining::Off),
            (ftps_pipelining::Always as u32, Pipelining::Always),
        ],
        "ftps_pipelining",
    )
}

struct BuilderState {
    builder: ConfigBuilder,
    message: String,
}

/// A configuration being built. Create it with `ftps_config_builder_new()`, change it
/// with the `ftps_config_builder_set_*` functions, turn it into an `ftps_config` with
/// `ftps_config_builder_build()` (as often as you like), free it with
/// `ftps_config_builder_free()`. Safe to use from several threads (calls are
/// serialized).
pub struct ftps_config_builder {
    state: Mutex<BuilderState>,
}

impl Handle for ftps_config_builder {
    const KIND: Kind = Kind::ConfigBuilder;
}

/// An immutable client configuration, made by `ftps_config_builder_build()`. One
/// configuration can be shared by any number of clients and threads; each client
/// keeps its own reference, so the configuration may be freed as soon as the clients
/// are made.
pub struct ftps_config {
    pub(crate) config: Config,
}

impl Handle for ftps_config {
    const KIND: Kind = Kind::Config;
}

/// Runs `f` on the builder's state; records the message on failure, clears it on success.
fn with_builder(
    builder: *mut ftps_config_builder,
    f: impl FnOnce(&mut BuilderState) -> Result<(), Failure>,
) -> ftps_result {
    let b = match handle::get(builder.cast_const()) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let mut st = b.state.lock().unwrap_or_else(|e| e.into_inner());
    match f(&mut st) {
        Ok(()) => {
            st.message.clear();
            ftps_result::Ok
        }
        Err(fail) => {
            st.message = fail.message;
            fail.code
        }
    }
}

impl BuilderState {
    /// Applies one setting to a copy of the builder and keeps it if the core accepts
    /// this value (an earlier refusal kept on purpose, a malformed pin, is not this
    /// call's failure: `_build` reports it).
    fn apply(&mut self, set: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> Result<(), Failure> {
        let before = self.builder.refusal_count();
        let next = set(self.builder.clone());
        match next.last_refusal() {
            Some(e) if next.refusal_count() > before => Err(e.into()),
            _ => {
                self.builder = next;
                Ok(())
            }
        }
    }
}

/// Applies one setting (see [`BuilderState::apply`]).
fn push(
    builder: *mut ftps_config_builder,
    set: impl FnOnce(ConfigBuilder) -> ConfigBuilder,
) -> ftps_result {
    with_builder(builder, |st| st.apply(set))
}

fn enum_value<T: Copy>(value: u32, all: &[(u32, T)], what: &str) -> Result<T, Failure> {
    all.iter()
        .find(|(v, _)| *v == value)
        .map(|(_, t)| *t)
        .ok_or_else(|| Failure::invalid(format!("unknown {what} value {value}")))
}

/// An `ftps_tls_version`: the version's number on the wire, as the core knows it.
pub(crate) fn tls_version(value: u32) -> Result<TlsVersion, Failure> {
    TlsVersion::ALL
        .iter()
        .copied()
        .find(|v| u32::from(v.wire()) == value)
        .ok_or_else(|| Failure::invalid(format!("unknown ftps_tls_version value {value}")))
}

/// Starts a configuration for `host` (a DNS name or an IP address, NUL-terminated
/// UTF-8) with the secure defaults: explicit TLS on port 21, certificate and host name
/// verified against the system trust store, `PROT P`, passive mode, binary transfers,
/// TLS 1.2 and 1.3, timeouts connect 30 s, reply 60 s, data connect 30 s, data idle
/// 120 s; transfers verified (`FTPS_VERIFY_AUTO`) and resumed up to 3 times after a
/// lost connection (1 s backoff), uploads not atomic.
///
/// On success writes a new builder to `*builder_out`; the caller owns it and frees it
/// with `ftps_config_builder_free()`. Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_ARGUMENT` (not UTF-8). The host is checked further (empty,
/// CR/LF) by `ftps_config_builder_build()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_new(
    host: *const c_char,
    builder_out: *mut *mut ftps_config_builder,
) -> ftps_result {
    ffi_panic_boundary! {
        let r = (|| {
            check_out(builder_out, "builder_out")?;
            let host = str_arg(host, "host")?.to_string();
            let b = ftps_config_builder {
                state: Mutex::new(BuilderState {
                    builder: Config::builder(host),
                    message: String::new(),
                }),
            };
            write_out(builder_out, handle::into_raw(b));
            Ok::<(), Failure>(())
        })();
        r.err().map_or(ftps_result::Ok, |f| f.code)
    }
}

/// Frees a builder. NULL, or a builder already freed, is ignored. Configurations
/// built from it stay valid.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_free(builder: *mut ftps_config_builder) {
    ffi_panic_boundary! {
        handle::free(builder.cast_const(), |_| true)
    }
}

/// Copies the detailed message of the builder's last failed call (empty after a
/// successful one) into `buf` (`len` bytes), NUL-terminated, and its length without
/// the NUL into `*out_n`. If `len` is too small: `FTPS_RESULT_INSUFFICIENT_SIZE`,
/// `buf` untouched, `*out_n` = the size needed (`buf` may be NULL with `len` 0 to ask
/// for it). Does not change the message itself.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_error_message(
    builder: *const ftps_config_builder,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> ftps_result {
    ffi_panic_boundary! {
        let b = match handle::get(builder) {
            Ok(b) => b,
            Err(code) => return code,
        };
        let st = b.state.lock().unwrap_or_else(|e| e.into_inner());
        match copy_text_out(st.message.as_bytes(), buf, len, out_n) {
            Ok(()) => ftps_result::Ok,
            Err(f) => f.code,
        }
    }
}

/// Sets the server port (1-65535; default 990 in implicit mode, 21 otherwise).
/// Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_INVALID_ARGUMENT` (port 0).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_port(
    builder: *mut ftps_config_builder,
    port: u16,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.port(port))
    }
}

/// Sets the security mode, one of `ftps_mode` (default `FTPS_MODE_EXPLICIT`).
/// `FTPS_MODE_INSECURE_PLAIN_FTP` sends the password in clear text.
/// Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_INVALID_ARGUMENT` (unknown value).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_mode(
    builder: *mut ftps_config_builder,
    mode: u32,
) -> ftps_result {
    ffi_panic_boundary! {
        with_builder(builder, |st| {
            let m = enum_value(
                mode,
                &[
                    (ftps_mode::Explicit as u32, Mode::Explicit),
                    (ftps_mode::Implicit as u32, Mode::Implicit),
                    (ftps_mode::InsecurePlainFtp as u32, Mode::InsecurePlainFtp),
                ],
                "ftps_mode",
            )?;
            st.apply(|b| b.mode(m))
        })
    }
}

/// Sets the `AUTH` argument in explicit mode, one of `ftps_auth_command` (default
/// `FTPS_AUTH_COMMAND_TLS`). Errors as `ftps_config_builder_set_mode()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_auth_command(
    builder: *mut ftps_config_builder,
    auth: u32,
) -> ftps_result {
    ffi_panic_boundary! {
        with_builder(builder, |st| {
            let a = enum_value(
                auth,
                &[
                    (ftps_auth_command::Tls as u32, AuthCommand::Tls),
                    (ftps_auth_command::Ssl as u32, AuthCommand::Ssl),
                ],
                "ftps_auth_command",
            )?;
            st.apply(|b| b.auth_command(a))
        })
    }
}

/// Sets the data protection, one of `ftps_data_protection` (default
/// `FTPS_DATA_PROTECTION_PRIVATE`). `FTPS_DATA_PROTECTION_INSECURE_CLEAR` moves file
/// contents and listings in clear text. Errors as `ftps_config_builder_set_mode()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_data_protection(
    builder: *mut ftps_config_builder,
    protection: u32,
) -> ftps_result {
    ffi_panic_boundary! {
        with_builder(builder, |st| {
            let p = enum_value(
                protection,
                &[
                    (ftps_data_protection::Private as u32, DataProtection::Private),
                    (ftps_data_protection::InsecureClear as u32, DataProtection::InsecureClear),
                ],
                "ftps_data_protection",
            )?;
            st.apply(|b| b.data_protection(p))
        })
    }
}

/// Sets passive (default) or active data connections, one of
/// `ftps_data_connection_mode`. For `FTPS_DATA_CONNECTION_MODE_ACTIVE`,
/// `bind_address` is the local IP address to listen on (NUL-terminated, e.g.
/// `"127.0.0.1"` or `"::1"`), or NULL for the local address of the control
/// connection; for passive mode it must be NULL. Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_INVALID_ARGUMENT` (unknown mode, bad
/// address, address with passive mode).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_data_connection_mode(
    builder: *mut ftps_config_builder,
    mode: u32,
    bind_address: *const c_char,
) -> ftps_result {
    ffi_panic_boundary! {
        with_builder(builder, |st| {
            let bind = if bind_address.is_null() {
                None
            } else {
                let s = str_arg(bind_address, "bind_address")?;
                Some(s.parse::<IpAddr>().map_err(|e| {
                    Failure::invalid(format!("bind_address {s:?} is not an IP address: {e}"))
                })?)
            };
            let m = if mode == ftps_data_connection_mode::Passive as u32 {
                if bind.is_some() {
                    return Err(Failure::invalid("bind_address is only for active mode"));
                }
                DataConnectionMode::Passive
            } else if mode == ftps_data_connection_mode::Active as u32 {
                DataConnectionMode::Active { bind }
            } else {
                return Err(Failure::invalid(format!(
                    "unknown ftps_data_connection_mode value {mode}"
                )));
            };
            st.apply(|b| b.data_connection_mode(m))
        })
    }
}

/// DANGER: with `yes`, passive data connections go to the address in the server's
/// `227` reply instead of the control connection's peer, which lets a server point
/// the client at any host (default false). Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_insecure_trust_pasv_address(
    builder: *mut ftps_config_builder,
    yes: bool,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.insecure_trust_pasv_address(yes))
    }
}

/// Sets the TCP connect timeout in milliseconds (per address tried; default 30000).
/// Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_INVALID_ARGUMENT` (0).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_connect_timeout_ms(
    builder: *mut ftps_config_builder,
    ms: u64,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.connect_timeout(Duration::from_millis(ms)))
    }
}

/// Sets the timeout for each reply and for the control TLS handshake, in
/// milliseconds (default 60000). Errors as `ftps_config_builder_set_connect_timeout_ms()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_reply_timeout_ms(
    builder: *mut ftps_config_builder,
    ms: u64,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.reply_timeout(Duration::from_millis(ms)))
    }
}

/// Sets the timeout for opening or accepting a data connection, TLS handshake
/// included, in milliseconds (default 30000). Errors as
/// `ftps_config_builder_set_connect_timeout_ms()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_data_connect_timeout_ms(
    builder: *mut ftps_config_builder,
    ms: u64,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.data_connect_timeout(Duration::from_millis(ms)))
    }
}

/// Sets the longest pause of a data connection during a transfer, in milliseconds
/// (default 120000). Errors as `ftps_config_builder_set_connect_timeout_ms()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_data_idle_timeout_ms(
    builder: *mut ftps_config_builder,
    ms: u64,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.data_idle_timeout(Duration::from_millis(ms)))
    }
}

/// Changes one of the limits, keeping the others.
fn set_limit(builder: *mut ftps_config_builder, change: impl FnOnce(&mut Limits)) -> ftps_result {
    push(builder, |b| {
        let mut l = b.current_limits();
        change(&mut l);
        b.limits(l)
    })
}

/// Sets the longest reply line accepted, in bytes (default 65536). Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_INVALID_ARGUMENT` (0).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_max_reply_line(
    builder: *mut ftps_config_builder,
    bytes: usize,
) -> ftps_result {
    ffi_panic_boundary! {
        set_limit(builder, |l| l.max_line = bytes)
    }
}

/// Sets the most bytes one (multi-line) reply may have (default 1048576). Errors as
/// `ftps_config_builder_set_max_reply_line()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_max_reply(
    builder: *mut ftps_config_builder,
    bytes: usize,
) -> ftps_result {
    ffi_panic_boundary! {
        set_limit(builder, |l| l.max_reply = bytes)
    }
}

/// Sets the most bytes a listing may have (default 1 GiB). Errors as
/// `ftps_config_builder_set_max_reply_line()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_max_listing(
    builder: *mut ftps_config_builder,
    bytes: u64,
) -> ftps_result {
    ffi_panic_boundary! {
        set_limit(builder, |l| l.max_listing = bytes)
    }
}

/// Sets the longest listing line; longer lines are skipped, not fatal (default
/// 65536). Errors as `ftps_config_builder_set_max_reply_line()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_max_listing_line(
    builder: *mut ftps_config_builder,
    bytes: usize,
) -> ftps_result {
    ffi_panic_boundary! {
        set_limit(builder, |l| l.max_listing_line = bytes)
    }
}

/// Sets TCP keepalive on the control connection, in milliseconds; 0 turns it off
/// (default 60000). Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_tcp_keepalive_ms(
    builder: *mut ftps_config_builder,
    ms: u64,
) -> ftps_result {
    ffi_panic_boundary! {
        let d = (ms > 0).then(|| Duration::from_millis(ms));
        push(builder, |b| b.tcp_keepalive(d))
    }
}

/// Sets TCP_NODELAY on all sockets (default true). Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_tcp_nodelay(
    builder: *mut ftps_config_builder,
    yes: bool,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.tcp_nodelay(yes))
    }
}

/// Does nothing; kept because functions of the C ABI are never removed. Data
/// connections used to leave rustls after their first MiB and open and seal their TLS
/// records in place; every data connection now runs on rustls's own record layer, at
/// the speed that option used to buy, whatever `yes` says. Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_tls_records_in_place(
    builder: *mut ftps_config_builder,
    yes: bool,
) -> ftps_result {
    ffi_panic_boundary! {
        let _ = yes;
        with_builder(builder, |_| Ok(()))
    }
}

/// Sets binary (default) or ASCII transfers, one of `ftps_transfer_type`. Errors as
/// `ftps_config_builder_set_mode()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_transfer_type(
    builder: *mut ftps_config_builder,
    transfer_type: u32,
) -> ftps_result {
    ffi_panic_boundary! {
        with_builder(builder, |st| {
            let t = enum_value(
                transfer_type,
                &[
                    (ftps_transfer_type::Binary as u32, TransferType::Binary),
                    (ftps_transfer_type::Ascii as u32, TransferType::Ascii),
                ],
                "ftps_transfer_type",
            )?;
            st.apply(|b| b.transfer_type(t))
        })
    }
}

/// Sends `OPTS UTF8 ON` after login when the server offers UTF8 (default true).
/// Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_utf8(
    builder: *mut ftps_config_builder,
    yes: bool,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.utf8(yes))
    }
}

/// Sets the name the server certificate must carry when it differs from the host
/// connected to (NUL-terminated UTF-8; also sent as SNI when it is a DNS name).
/// Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_INVALID_ARGUMENT` (not UTF-8, or neither a DNS name nor an IP address).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_tls_server_name(
    builder: *mut ftps_config_builder,
    name: *const c_char,
) -> ftps_result {
    ffi_panic_boundary! {
        with_builder(builder, |st| {
            let name = str_arg(name, "name")?;
            st.apply(|b| b.tls_server_name(name))
        })
    }
}

/// Trusts (or not) the system's CA store. By default it is trusted unless a CA file
/// or PEM is added; this call decides explicitly. Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_system_roots(
    builder: *mut ftps_config_builder,
    yes: bool,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.system_roots(yes))
    }
}

/// Trusts the CA certificates in the PEM file at `path` (NUL-terminated). The file is
/// read by `ftps_config_builder_build()`, which fails with `FTPS_RESULT_LOCAL_IO` or
/// `FTPS_RESULT_CONFIG` if it cannot be used. May be called several times. Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_INVALID_ARGUMENT` (empty path).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_add_ca_file(
    builder: *mut ftps_config_builder,
    path: *const c_char,
) -> ftps_result {
    ffi_panic_boundary! {
        with_builder(builder, |st| {
            let path = path_arg(path, "path")?;
            st.apply(|b| b.ca_file(&path))
        })
    }
}

/// Trusts the CA certificates in the PEM text `pem` of `len` bytes (copied; need not
/// be NUL-terminated). Checked by `ftps_config_builder_build()`. Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_INVALID_ARGUMENT` (length 0).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_add_ca_pem(
    builder: *mut ftps_config_builder,
    pem: *const u8,
    len: usize,
) -> ftps_result {
    ffi_panic_boundary! {
        with_builder(builder, |st| {
            let pem = raw_bytes_arg(pem, len, "pem")?;
            st.apply(|b| b.ca_pem(pem))
        })
    }
}

/// Presents a client certificate: the chain in the PEM file `cert_path` and its
/// private key in the PEM file `key_path` (both NUL-terminated; read by
/// `ftps_config_builder_build()`). Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_INVALID_ARGUMENT` (empty path).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_client_cert_files(
    builder: *mut ftps_config_builder,
    cert_path: *const c_char,
    key_path: *const c_char,
) -> ftps_result {
    ffi_panic_boundary! {
        with_builder(builder, |st| {
            let cert = path_arg(cert_path, "cert_path")?;
            let key = path_arg(key_path, "key_path")?;
            st.apply(|b| b.client_cert_files(&cert, &key))
        })
    }
}

/// Requires the server certificate, or its public key, to have this SHA-256, in
/// addition to the normal checks: 64 hex digits (colons allowed) or `sha256//` and
/// base64 (curl's form), NUL-terminated. May be given several times (any one
/// matches). A malformed pin makes `ftps_config_builder_build()` fail with
/// `FTPS_RESULT_CONFIG`. Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`, `FTPS_RESULT_INVALID_ARGUMENT` (not UTF-8).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_add_pin_sha256(
    builder: *mut ftps_config_builder,
    pin: *const c_char,
) -> ftps_result {
    ffi_panic_boundary! {
        with_builder(builder, |st| {
            let pin = str_arg(pin, "pin")?;
            // Not `apply`: a malformed pin stays recorded in the core builder, so that
            // `_build` fails with FTPS_RESULT_CONFIG even for a caller that ignored this
            // call's result; a pin silently left out would weaken the check asked for.
            st.builder = st.builder.clone().pin_sha256(pin);
            Ok(())
        })
    }
}

/// With `yes` and at least one pin: the pin alone identifies the server; no CA chain
/// or host name is checked (for self-signed devices). Without a pin,
/// `ftps_config_builder_build()` fails. Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_pin_replaces_ca(
    builder: *mut ftps_config_builder,
    yes: bool,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.pin_replaces_ca(yes))
    }
}

/// Sets the lowest TLS version offered, one of `ftps_tls_version` (default TLS 1.2).
/// Errors as `ftps_config_builder_set_mode()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_min_tls_version(
    builder: *mut ftps_config_builder,
    version: u32,
) -> ftps_result {
    ffi_panic_boundary! {
        with_builder(builder, |st| {
            let v = tls_version(version)?;
            st.apply(|b| b.min_tls_version(v))
        })
    }
}

/// Sets the highest TLS version offered, one of `ftps_tls_version` (default TLS 1.3).
/// Errors as `ftps_config_builder_set_mode()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_max_tls_version(
    builder: *mut ftps_config_builder,
    version: u32,
) -> ftps_result {
    ffi_panic_boundary! {
        with_builder(builder, |st| {
            let v = tls_version(version)?;
            st.apply(|b| b.max_tls_version(v))
        })
    }
}

/// DANGER: with `yes`, accepts any server certificate for any name, so anyone on the
/// path can read and change the session. For tests only (default false). Errors:
/// `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_danger_accept_invalid_certs(
    builder: *mut ftps_config_builder,
    yes: bool,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.danger_accept_invalid_certs(yes))
    }
}

/// Offers ALPN `ftp` (default true; vsftpd 3.0.5 and other RFC 4217 servers check
/// it). Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_alpn(
    builder: *mut ftps_config_builder,
    yes: bool,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.alpn(yes))
    }
}

/// Sets the transfer buffer size of the download and upload calls, in bytes (default
/// 262144; clamped to 4 KiB..16 MiB). Errors: `FTPS_RESULT_NULL_PARAMETER`,
/// `FTPS_RESULT_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_buffer_size(
    builder: *mut ftps_config_builder,
    bytes: usize,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.buffer_size(bytes))
    }
}

/// Sets how the download and upload calls (`ftps_client_download_*`,
/// `ftps_client_upload_*`; not the streaming calls) check a transfer once its bytes
/// moved, one of `ftps_verify` (default `FTPS_VERIFY_AUTO`: the server's hash, else
/// its size). A failed check is `FTPS_RESULT_INTEGRITY`. `ftps_transfer_options`
/// overrides it for one call. Errors as `ftps_config_builder_set_mode()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_verify(
    builder: *mut ftps_config_builder,
    verify: u32,
) -> ftps_result {
    ffi_panic_boundary! {
        with_builder(builder, |st| {
            let v = verify_value(verify)?;
            st.apply(|b| b.verify(v))
        })
    }
}

/// Sets whether the commands after a transfer go out before its final reply, one of
/// `ftps_pipelining` (default `FTPS_PIPELINING_AUTO`); `ftps_client_pipelining()` says
/// what a session does. A server that refuses such a command gets each again, and the
/// session stops. Errors as `ftps_config_builder_set_mode()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_pipelining(
    builder: *mut ftps_config_builder,
    pipelining: u32,
) -> ftps_result {
    ffi_panic_boundary! {
        with_builder(builder, |st| {
            let p = pipelining_value(pipelining)?;
            st.apply(|b| b.pipelining(p))
        })
    }
}

/// With `yes`, the upload calls write to a temporary name in the target's directory
/// (`.NAME.ftps-part.RANDOM`), verify it there and only then rename it onto the
/// target (`RNFR`/`RNTO`; a server that will not rename onto an existing file gets
/// the target deleted first), so that nobody sees a partial file under the target's
/// name. Needs the right to rename and delete (default false). A resumed upload
/// (`resume`, or an `offset`) is never atomic. `ftps_transfer_options` overrides it
/// for one call. Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_atomic_uploads(
    builder: *mut ftps_config_builder,
    yes: bool,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.atomic_uploads(yes))
    }
}

/// Sets how many times a download or upload call reconnects (same configuration,
/// same login, same directory) and resumes a transfer that a lost connection, a
/// data-connection timeout, a truncated download or a `421`/`425`/`426` reply
/// interrupted (default 3; 0 turns it off). Uploads from a file descriptor or a
/// callback cannot be read again and are not resumed; the streaming calls never are.
/// Each resume counts in `FTPS_SESSION_STAT_RESUMES`, each reconnect in
/// `FTPS_SESSION_STAT_RECONNECTS`. `ftps_transfer_options` overrides it for one call.
/// Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_resume_attempts(
    builder: *mut ftps_config_builder,
    attempts: u32,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.resume_attempts(attempts))
    }
}

/// Sets the wait before the first automatic resume, in milliseconds (default 1000;
/// 0 resumes at once); it doubles with each further attempt of the same call, up to
/// 30 s. Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_INVALID_ARGUMENT` (more than one hour).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_set_resume_backoff_ms(
    builder: *mut ftps_config_builder,
    ms: u64,
) -> ftps_result {
    ffi_panic_boundary! {
        push(builder, |b| b.resume_backoff(Duration::from_millis(ms)))
    }
}

/// Checks every setting, loads CA files, PEM and keys, and writes a new configuration
/// to `*config_out`. The caller owns it and frees it with `ftps_config_free()`. The
/// builder is not consumed: change it and build again, or free it.
///
/// Errors: `FTPS_RESULT_NULL_PARAMETER`, `FTPS_RESULT_INVALID_HANDLE`,
/// `FTPS_RESULT_INVALID_ARGUMENT` (host empty or with CR/LF/NUL),
/// `FTPS_RESULT_CONFIG` (bad pin, bad PEM, TLS minimum above maximum, pin_replaces_ca
/// without pin), `FTPS_RESULT_LOCAL_IO` (unreadable file). The detailed message is
/// in `ftps_config_builder_error_message()`.
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_builder_build(
    builder: *const ftps_config_builder,
    config_out: *mut *const ftps_config,
) -> ftps_result {
    ffi_panic_boundary! {
        with_builder(builder.cast_mut(), |st| {
            check_out(config_out, "config_out")?;
            let config = st.builder.build()?;
            write_out(config_out, handle::into_raw(ftps_config { config }).cast_const());
            Ok(())
        })
    }
}

/// Frees a configuration. NULL, or a configuration already freed, is ignored.
/// Clients made from it keep working (each holds its own reference).
#[unsafe(no_mangle)]
pub extern "C" fn ftps_config_free(config: *const ftps_config) {
    ffi_panic_boundary! {
        handle::free(config, |_| true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_c_tls_version_numbers_are_the_cores() {
        assert_eq!(
            ftps_tls_version::Tls12 as u32,
            u32::from(TlsVersion::Tls12.wire())
        );
        assert_eq!(
            ftps_tls_version::Tls13 as u32,
            u32::from(TlsVersion::Tls13.wire())
        );
        for v in TlsVersion::ALL {
            assert_eq!(tls_version(u32::from(v.wire())).unwrap(), *v);
        }
        assert!(tls_version(0x0301).is_err());
    }

    #[test]
    fn the_c_pipelining_values_are_the_cores_names() {
        for (c, name) in [
            (ftps_pipelining::Auto, "auto"),
            (ftps_pipelining::Off, "off"),
            (ftps_pipelining::Always, "always"),
        ] {
            assert_eq!(pipelining_value(c as u32).unwrap().to_string(), name);
        }
        assert_eq!(Pipelining::ALL.len(), 3);
        assert!(pipelining_value(0).is_err() && pipelining_value(4).is_err());
    }

    #[test]
    fn the_c_verify_values_are_the_cores_names() {
        for (c, name) in [
            (ftps_verify::Auto, "auto"),
            (ftps_verify::Required, "required"),
            (ftps_verify::Off, "off"),
        ] {
            assert_eq!(verify_value(c as u32).unwrap().to_string(), name);
        }
        assert_eq!(Verify::ALL.len(), 3);
        assert!(verify_value(0).is_err() && verify_value(4).is_err());
    }
}
