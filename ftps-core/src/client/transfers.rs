//! The client's transfer calls. The work is [`crate::transfer`]'s: each call hands it
//! the client's session and transfer state together ([`Client::transfer`]).

use std::io::{Read, Write};
use std::path::Path;

use super::Client;
use crate::error::Result;
use crate::reply::Reply;
use crate::transfer::{Download, Progress, Transfer, TransferOptions, Upload, UploadMode};

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

    /// Downloads `path` into `out`; returns the bytes written.
    pub fn download(
        &mut self,
        path: impl AsRef<[u8]>,
        out: &mut dyn Write,
        opts: &mut TransferOptions<'_>,
    ) -> Result<u64> {
        self.transfer().download(path.as_ref(), out, opts, None)
    }

    /// Uploads everything `input` yields to `path`; returns the bytes sent. With
    /// `opts.offset` > 0 the remote file is overwritten from that offset on, and
    /// `input` must already be positioned at the matching place.
    pub fn upload(
        &mut self,
        input: &mut dyn Read,
        path: impl AsRef<[u8]>,
        opts: &mut TransferOptions<'_>,
    ) -> Result<u64> {
        self.transfer().upload(input, path.as_ref(), opts, None)
    }

    /// Downloads `remote` to the local file `local`; returns the bytes written.
    ///
    /// Without `resume`, the data goes to a temporary file beside `local` that
    /// replaces it only once the transfer succeeded: a failed download never
    /// clobbers an existing file. With `resume`, an existing `local` is continued
    /// from its length (`REST`) and kept as it is if the transfer fails.
    pub fn download_file(
        &mut self,
        remote: impl AsRef<[u8]>,
        local: impl AsRef<Path>,
        resume: bool,
        progress: Option<Progress<'_>>,
    ) -> Result<u64> {
        self.transfer()
            .download_file(remote.as_ref(), local.as_ref(), resume, progress)
    }

    /// Uploads the local file `local` to `remote`; returns the bytes sent. With
    /// `resume`, the remote file's current size (`SIZE`) is skipped in the local file
    /// and the rest written from there on (`REST` + `STOR`).
    pub fn upload_file(
        &mut self,
        local: impl AsRef<Path>,
        remote: impl AsRef<[u8]>,
        resume: bool,
        progress: Option<Progress<'_>>,
    ) -> Result<u64> {
        self.transfer()
            .upload_file(local.as_ref(), remote.as_ref(), resume, progress)
    }
}
