//! The plain types of the configuration: modes, protection, data connections, transfer
//! type, timeouts and limits.

use std::net::IpAddr;
use std::time::Duration;

use crate::named::named_enum;

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
named_enum!(Verify, "verify", [Auto => "auto", Required => "required", Off => "off"]);

/// How a convenience transfer (a whole file, reader or writer) is checked once its bytes
/// moved, beyond TLS close_notify and the server's `2xx` (docs/threats.md, class G5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Verify {
    /// The server's hash of the file when it offers one (`HASH`, else `XSHA512`,
    /// `XSHA256`, `XSHA1`), strongest first, compared with the hash of the bytes as they
    /// streamed; otherwise the server's `SIZE` after the transfer (default).
    #[default]
    Auto,
    /// A hash as in `Auto`; a server that offers none fails the call before anything
    /// is transferred.
    Required,
    /// No check beyond close_notify and `2xx`.
    Off,
}

named_enum!(Pipelining, "pipelining", [Auto => "auto", Off => "off", Always => "always"]);

/// Whether the commands that follow a transfer (its check, `SIZE` or `HASH`, and the
/// next transfer's `EPSV` in a batch) are sent as soon as the data connection is closed
/// on both sides, before the transfer's final reply has arrived: one round trip or two
/// less per file. RFC 959 lets a client send while a reply is pending; a server that
/// reads the control connection during a transfer could take such a command for an
/// abort or refuse it, so it is done only where it was measured to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Pipelining {
    /// With the servers whose greeting names one measured to read ahead (vsftpd,
    /// ProFTPD, Pure-FTPd): docs/threats.md, class P3. Others wait for each reply
    /// (default).
    #[default]
    Auto,
    /// Every command waits for the reply of the one before.
    Off,
    /// With any server: the caller vouches that it queues the commands it receives
    /// while a transfer ends.
    Always,
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::tls::TlsVersion;

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
        for v in Pipelining::ALL {
            assert_eq!(v.to_string().parse::<Pipelining>().unwrap(), *v);
        }
        for v in Verify::ALL {
            assert_eq!(v.to_string().parse::<Verify>().unwrap(), *v);
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
}
