//! Data connections: opening them (passive or active), securing them with a TLS
//! session that resumes the control connection's, and closing them cleanly.
//!
//! [`open()`] is the one place that builds a data connection. It sends the transfer
//! command before it waits for the data handshake, and waits on the control and data
//! sockets at once, so that neither an early error reply nor a server that answers
//! only after the handshake can stall it.
//!
//! Each concern has a file: `open` ([`open()`] itself), `address` (passive and active
//! addresses: `EPSV`/`PASV`, `EPRT`/`PORT`), `stream` ([`DataStream`]) and `tls` (the
//! TLS layer on rustls's unbuffered API).

mod address;
mod open;
mod stream;
mod tls;

pub(crate) use address::DataState;
pub(crate) use open::{OpenParams, open};
pub(crate) use stream::{DataStream, ReadFail};
