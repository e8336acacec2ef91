//! # ftps-core: a blocking FTPS client
//!
//! FTP over TLS, in both of its forms:
//!
//! - **Implicit TLS** ([`Mode::Implicit`], port 990): TLS starts the moment TCP
//!   connects; the `220` greeting already comes encrypted.
//! - **Explicit TLS** ([`Mode::Explicit`], port 21, RFC 4217): a plain `220`, then
//!   `AUTH TLS`, the handshake, and only then the login.
//!
//! Secure by default: the server certificate and host name are verified (system roots,
//! or your CA file, or a SHA-256 pin), data connections are encrypted (`PBSZ 0` +
//! `PROT P`, in both modes) and every data connection resumes the control
//! connection's TLS session, as vsftpd, ProFTPD, FileZilla Server and most others
//! require. The address in a `227` reply is ignored. Every wait is bounded by a
//! timeout, every reply by a size limit. Every weakening is an option whose name says so.
//!
//! ```no_run
//! use ftps_core::{Client, Config, Mode};
//!
//! let config = Config::builder("ftp.example.com")
//!     .mode(Mode::Implicit)
//!     .ca_file("/etc/ssl/my-ca.pem")
//!     .build()?;
//! let mut ftp = Client::connect(&config)?;
//! ftp.login("alice", "secret")?;
//! for entry in ftp.list(None)? {
//!     println!("{} {:?}", entry.name_lossy(), entry.size);
//! }
//! ftp.upload_file("report.pdf", "incoming/report.pdf", false, None)?;
//! ftp.download_file("outgoing/data.csv", "data.csv", false, None)?;
//! ftp.quit()?;
//! # Ok::<(), ftps_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod command;
mod config;
mod control;
mod data;
mod error;
mod list;
mod listing;
mod mirror;
mod named;
mod pool;
mod reply;
mod session;
mod sync;
mod time;
mod tls;
mod transfer;
mod types;
mod verify;

pub use client::{Client, Features, is_partial_name};
pub use config::{
    AuthCommand, Config, ConfigBuilder, DataConnectionMode, DataProtection, Limits, Mode,
    Pipelining, Timeouts, TransferType, Verify,
};
pub use control::{Direction, Transcript};
pub use error::{Error, Phase, Result};
pub use list::{Entry, EntryKind, Listing};
pub use mirror::{DirDownload, unsafe_name_reason};
pub use pool::{BatchProgress, BatchProgressFn, BatchReport, Job, MAX_SESSIONS, MIN_SEGMENT};
pub use reply::Reply;
pub use sync::{
    DirUpload, SyncAction, SyncActionKind, SyncDirection, SyncOptions, SyncReason, SyncReport,
};
pub use time::DateTime;
pub use tls::{CipherSuite, KxGroup, Pin, SessionStats, TlsInfo, TlsVersion};
pub use transfer::{Download, Progress, TransferOptions, Upload, UploadMode};
pub use verify::HashAlgorithm;

/// The parsers behind the client, for the fuzz targets in `fuzz/` only: not part of
/// the API, no stability promise.
#[doc(hidden)]
pub mod parsers {
    pub use crate::command::{check_arg, encode, split_raw};
    pub use crate::list::{
        FUTURE_GRACE_SECS, LineSplitter, LineTooLong, parse_list, parse_list_line, parse_mlsd,
        parse_mlsx_line, parse_nlst, parse_nlst_line,
    };
    pub use crate::reply::{
        ReplyAssembler, parse_150_size, parse_213_size, parse_213_time, parse_227, parse_229,
        parse_257, parse_u64, split_line,
    };
}
