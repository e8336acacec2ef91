//! [`Download`] and [`Upload`]: an open transfer handed to the caller as a stream. Both
//! are a [`Guard`], which owns how a transfer handed out ends: [`Guard::finish`] (the
//! checks of [`Transfer::finish`]: a download read to its clean end, an upload closed
//! with close_notify, then the server's `2xx`), [`Guard::abort`], or an abort when it
//! is dropped unfinished.

use std::io::{self, Read, Write};

use super::Transfer;
use crate::error::Result;
use crate::reply::Reply;
use crate::tls::TlsInfo;

/// An open transfer that ends exactly once: finished, aborted, or aborted on drop.
struct Guard<'a> {
    transfer: Transfer<'a>,
    done: bool,
}

impl<'a> Guard<'a> {
    fn new(transfer: Transfer<'a>) -> Guard<'a> {
        Guard {
            transfer,
            done: false,
        }
    }

    /// Ends the transfer and returns the server's final reply.
    fn finish(mut self) -> Result<Reply> {
        self.done = true;
        self.transfer.finish()
    }

    /// Stops the transfer early with `ABOR`.
    fn abort(mut self) -> Result<()> {
        self.done = true;
        self.transfer.abort()
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.transfer.abort();
        }
    }
}

/// A download in progress, readable as a stream. End it with [`Download::finish`];
/// dropping it aborts the transfer.
pub struct Download<'a> {
    guard: Guard<'a>,
}

impl<'a> Download<'a> {
    /// Wraps a transfer whose download was started.
    pub(crate) fn new(transfer: Transfer<'a>) -> Download<'a> {
        Download {
            guard: Guard::new(transfer),
        }
    }
}

impl Download<'_> {
    /// Ends the download: needs the data read to its clean end, and the server's
    /// `2xx`. Returns the final reply.
    pub fn finish(self) -> Result<Reply> {
        self.guard.finish()
    }

    /// Stops early with `ABOR`.
    pub fn abort(self) -> Result<()> {
        self.guard.abort()
    }

    /// The TLS facts of this data connection.
    pub fn tls_info(&self) -> Option<&TlsInfo> {
        self.guard.transfer.state.last_data_tls()
    }
}

impl Read for Download<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.guard.transfer.read_data(buf).map_err(io::Error::from)
    }
}

/// An upload in progress, writable as a stream. End it with [`Upload::finish`];
/// dropping it aborts the transfer.
pub struct Upload<'a> {
    guard: Guard<'a>,
}

impl<'a> Upload<'a> {
    /// Wraps a transfer whose upload was started.
    pub(crate) fn new(transfer: Transfer<'a>) -> Upload<'a> {
        Upload {
            guard: Guard::new(transfer),
        }
    }
}

impl Upload<'_> {
    /// Ends the upload: close_notify, wait for the server to close, and its `2xx`.
    pub fn finish(self) -> Result<Reply> {
        self.guard.finish()
    }

    /// Stops early with `ABOR`.
    pub fn abort(self) -> Result<()> {
        self.guard.abort()
    }
}

impl Write for Upload<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.guard.transfer.write_data(buf).map_err(io::Error::from)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
