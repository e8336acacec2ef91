//! The client's transfer calls. The work is [`crate::transfer`]'s: each call hands it
//! the client's session and transfer state together ([`Client::transfer`]).

use super::Client;
use crate::error::Result;
use crate::reply::Reply;
use crate::transfer::{Download, Transfer, Upload, UploadMode};

impl Client {
    /// The session and the transfer state, borrowed together for a transfer call.
    pub(crate) fn transfer(&mut self) -> Transfer<'_> {
        Transfer::new(&mut self.session, &mut self.transfers)
    }

    /// Starts a download (`RETR`), from `offset` on (`REST`) when it is not 0. Read it
    /// with [`Client::read_data`], then call [`Client::finish_transfer`]. Most callers
    /// want [`Client::retr`] or [`Client::download`] instead.
    pub fn start_download(&mut self, path: impl AsRef<[u8]>, offset: u64) -> Result<()> {
        self.transfer().start_download(path.as_ref(), offset, None)
    }

    /// Starts an upload. Write it with [`Client::write_data`], then call
    /// [`Client::finish_transfer`]. Most callers want [`Client::stor`] or
    /// [`Client::upload`] instead.
    pub fn start_upload(&mut self, path: impl AsRef<[u8]>, mode: UploadMode) -> Result<()> {
        self.transfer().start_upload(path.as_ref(), mode)
    }

    /// Reads downloaded bytes; `Ok(0)` at the clean end of the data.
    pub fn read_data(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.transfer().read_data(buf)
    }

    /// Writes bytes of an upload.
    pub fn write_data(&mut self, buf: &[u8]) -> Result<usize> {
        self.transfer().write_data(buf)
    }

    /// Ends the open transfer and returns the server's final reply.
    ///
    /// A download must have been read to its end (`read_data` returned 0); otherwise
    /// it is aborted and this returns [`Error::Truncated`](crate::Error::Truncated). An
    /// upload is closed with close_notify first.
    pub fn finish_transfer(&mut self) -> Result<Reply> {
        self.transfer().finish()
    }

    /// Aborts the open transfer (`ABOR`), closes its data connection and reads the
    /// server's replies until the control connection is in step again.
    pub fn abort_transfer(&mut self) -> Result<()> {
        self.transfer().abort()
    }

    /// True while a transfer is open.
    pub fn transfer_open(&self) -> bool {
        self.transfers.is_open()
    }

    /// Downloads `path` as a `Read` stream. Call [`Download::finish`] at the end.
    pub fn retr(&mut self, path: impl AsRef<[u8]>) -> Result<Download<'_>> {
        self.retr_from(path, 0)
    }

    /// Downloads `path` from byte `offset` on (`REST`).
    pub fn retr_from(&mut self, path: impl AsRef<[u8]>, offset: u64) -> Result<Download<'_>> {
        let mut t = self.transfer();
        t.start_download(path.as_ref(), offset, None)?;
        Ok(Download::new(t))
    }

    /// Uploads to `path` as a `Write` stream (`STOR`, `APPE` or `REST`+`STOR`). Call
    /// [`Upload::finish`] at the end.
    pub fn stor(&mut self, path: impl AsRef<[u8]>, mode: UploadMode) -> Result<Upload<'_>> {
        let mut t = self.transfer();
        t.start_upload(path.as_ref(), mode)?;
        Ok(Upload::new(t))
    }
}
