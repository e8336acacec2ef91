//! `ftps-testserver`: the ftps project's own scriptable, fault-injecting FTPS server.
//!
//! It serves Implicit TLS and Explicit (`AUTH TLS`) FTPS on 127.0.0.1 with certificates made
//! at start-up (a CA "ftps-testserver CA" and a leaf for `localhost`, `127.0.0.1`, `::1`),
//! behaves like a strict real server by default (vsftpd's rules: TLS required for login,
//! `PBSZ` before `PROT`, data connections must resume the control session's TLS session,
//! uploads must end with close_notify), and can be told to misbehave in the ways listed in
//! the threat catalogue (`docs/threats.md`) through [`Fault`]s. Everything it saw is
//! logged for assertions ([`TestServer::commands`], [`TestServer::sessions`]).
//!
//! ```no_run
//! use ftps_testserver::{Fault, TLS13, TestServer};
//!
//! let srv = TestServer::builder()
//!     .user("alice", "secret")
//!     .file("hello.txt", b"hello\n")
//!     .tls_versions(&[TLS13])
//!     .tls13_tickets(2)
//!     .fault(Fault::reply_override("PWD", b"257 \"/a\"\"b\" quoted\r\n".to_vec()))
//!     .start()?;
//! let ca_pem: &str = srv.ca_pem();
//! // ... point a client at srv.explicit_addr() trusting ca_pem ...
//! # let _ = ca_pem;
//! for session in srv.sessions() {
//!     assert!(session.data.iter().all(|d| d.resumed));
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Behaviour worth knowing
//! - Data connections: `150` is sent after the TCP connection is made (accepted in passive
//!   mode, connected in active mode) and before the TLS handshake on it, as vsftpd does.
//!   Passive listeners accept once; every wait is bounded by [`Builder::data_timeout`].
//! - A download sends all bytes, close_notify, FIN, and only then `226`. An upload is read
//!   until close_notify (or FIN), the server answers with its own close_notify, then `226`.
//! - `TYPE A` is accepted but no line-ending conversion is done (vsftpd's default).
//! - `PORT`/`EPRT` to a non-loopback address is refused (no bounce).
//! - Uploads are stored as they arrive, so an upload that breaks off leaves what came, as on
//!   a real server (`REST n` + `STOR` and `APPE` can resume it). `HASH` and the `XSHA*`
//!   commands hash the stored file ([`Builder::hash`], [`Builder::xsha`]). Files of a few
//!   GiB work: a download shares the file's buffer instead of copying it.
//! - Faults apply to every session, or, with [`Builder::fault_user`], only to the sessions of
//!   one user from its login on (the binary's `--fault-user NAME:FAULTS`).
//! - Connection limits, off by default: [`Builder::max_clients`] (vsftpd's `421` when too many
//!   connections are open) and [`Builder::max_sessions_per_user`] (ProFTPD's `530` when a
//!   user has too many sessions logged in).
//! - Threads: one per listener, one per control session; nothing blocks without a timeout,
//!   and shutdown closes every socket so stuck clients cannot hold it up.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod control;
mod data;
mod faults;
mod fs;
mod hash;
mod limits;
mod listing;
mod log;
mod server;
mod session;
mod tls;

pub use config::{Builder, DEFAULT_PASSWORD, DEFAULT_USER};
pub use faults::{EVERY_REPLY, Fault, GREETING};
pub use log::{DataConnLog, DataMode, RacerLog, SessionLog};
pub use server::TestServer;
pub use tls::{TLS12, TLS13, TlsVersion};
