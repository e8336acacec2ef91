"""File objects over transfers: :meth:`ftps.Client.open`."""

from __future__ import annotations

import io
from typing import IO, TYPE_CHECKING, Any, List, Optional, Union

from ._errors import Error, InvalidArgumentError
from ._ftps import Reply, TLSConnection

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["RemoteReader", "RemoteWriter", "open_remote"]

_CHUNK = 256 * 1024


class _RawDownload(io.RawIOBase):
    """The raw download stream: ``RETR``, restarted with ``REST`` after a seek."""

    def __init__(self, client: Client, path: bytes, offset: int, name: str, owns_client: bool) -> None:
        super().__init__()
        self._client = client
        self._raw = client._raw
        self._path = path
        self._pos = offset
        self._open = False
        self._eof = False
        self._owns = owns_client
        self.name = name
        self.reply: Optional[Reply] = None
        self.tls: Optional[TLSConnection] = None
        self._start()

    def _start(self) -> None:
        self._raw.start_download(self._path, self._pos)
        self._open = True
        self._eof = False
        self.tls = self._raw.data_tls_info()

    def _stop(self) -> None:
        if self._open:
            self._open = False
            self._raw.abort_transfer()

    @property
    def mode(self) -> str:
        return "rb"

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def _next(self, size: int) -> bytes:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        if self._eof or size <= 0:
            return b""
        if not self._open:
            self._start()
        data = self._raw.read_data(size)
        if not data:
            self._open = False
            self._eof = True
            self.reply = self._raw.finish_transfer()
            return b""
        self._pos += len(data)
        return data

    def readinto(self, b: Any) -> int:
        data = self._next(len(b))
        n = len(data)
        memoryview(b).cast("B")[:n] = data
        return n

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        return self._next(size)

    def readall(self) -> bytes:
        parts: List[bytes] = []
        while True:
            data = self._next(_CHUNK)
            if not data:
                return b"".join(parts)
            parts.append(data)

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        if whence == io.SEEK_SET:
            target = pos
        elif whence == io.SEEK_CUR:
            target = self._pos + pos
        elif whence == io.SEEK_END:
            self._stop()
            target = self._raw.size(self._path) + pos
        else:
            raise ValueError(f"invalid whence ({whence})")
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        if target != self._pos:
            self._stop()
            self._pos = target
            self._eof = False
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._stop()
        finally:
            super().close()
            if self._owns:
                self._client.close()


class _RawUpload(io.RawIOBase):
    """The raw upload stream: ``STOR``, ``REST``+``STOR`` or ``APPE``."""

    def __init__(self, client: Client, path: bytes, how: str, offset: int, name: str, owns_client: bool) -> None:
        super().__init__()
        self._client = client
        self._raw = client._raw
        self._done = False
        self._discard = False
        self._owns = owns_client
        self._mode = "ab" if how == "append" else "wb"
        self.name = name
        self.reply: Optional[Reply] = None
        self._raw.start_upload(path, how, offset)
        self.tls: Optional[TLSConnection] = self._raw.data_tls_info()

    @property
    def mode(self) -> str:
        return self._mode

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        data = bytes(b)
        if self._discard:
            return len(data)
        if self._done:
            raise ValueError("the upload was aborted")
        return self._raw.write_data(data)

    def abort(self) -> None:
        """Aborts the upload (``ABOR``); data not yet sent is dropped."""
        self._discard = True
        if not self._done:
            self._done = True
            self._raw.abort_transfer()

    def close(self) -> None:
        if self.closed:
            return
        try:
            if not self._done:
                self._done = True
                self.reply = self._raw.finish_transfer()
        finally:
            super().close()
            if self._owns:
                self._client.close()


class _TransferFacts:
    """The facts of the transfer behind a remote file object."""

    raw: Any

    @property
    def tls(self) -> Optional[TLSConnection]:
        """TLS facts of the data connection (``.resumed``)."""
        return self.raw.tls  # type: ignore[no-any-return]

    @property
    def reply(self) -> Optional[Reply]:
        """The server's final reply, once the transfer ended (end of file read, or closed)."""
        return self.raw.reply  # type: ignore[no-any-return]


class RemoteReader(_TransferFacts, io.BufferedReader):
    """A remote file opened for reading (``Client.open(path, "rb")``): a buffered,
    seekable binary file. Closing it before the end aborts the transfer."""


class RemoteWriter(_TransferFacts, io.BufferedWriter):
    """A remote file opened for writing (``"wb"``/``"ab"``). Closing it sends the
    rest, ends the upload cleanly and checks the server's final reply; leaving a
    ``with`` block by an exception aborts the upload instead."""

    def abort(self) -> None:
        """Aborts the upload (``ABOR``) and closes the file; buffered data is dropped."""
        try:
            self.raw.abort()
        finally:
            self.close()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
            return
        try:
            self.abort()
        except Error:
            pass


def open_remote(
    client: Client,
    path: bytes,
    mode: str,
    *,
    offset: int = 0,
    buffering: int = -1,
    encoding: Optional[str] = None,
    errors: Optional[str] = None,
    newline: Optional[str] = None,
    owns_client: bool = False,
) -> IO[Any]:
    """Opens ``path`` on ``client``; see :meth:`ftps.Client.open`."""
    m = mode.replace("t", "")
    if m not in ("rb", "wb", "ab", "r", "w", "a") or mode.count("t") > 1 or ("t" in mode and "b" in mode):
        raise InvalidArgumentError(f"mode must be 'rb', 'wb', 'ab' or their text forms, got {mode!r}")
    binary = "b" in m
    if binary and (encoding is not None or errors is not None or newline is not None):
        raise InvalidArgumentError("encoding, errors and newline are for text modes")
    if offset < 0:
        raise InvalidArgumentError(f"negative offset {offset}")
    if m[0] == "a" and offset:
        raise InvalidArgumentError("offset= cannot be combined with append mode")
    size = _CHUNK if buffering in (-1, 0, 1) else buffering
    name = path.decode("utf-8", "surrogateescape")
    buffered: Union[RemoteReader, RemoteWriter]
    if m[0] == "r":
        buffered = RemoteReader(_RawDownload(client, path, offset, name, owns_client), size)
    else:
        how = "append" if m[0] == "a" else "replace"
        buffered = RemoteWriter(_RawUpload(client, path, how, offset, name, owns_client), size)
    if binary:
        return buffered
    return io.TextIOWrapper(buffered, encoding=encoding or "utf-8", errors=errors, newline=newline)
