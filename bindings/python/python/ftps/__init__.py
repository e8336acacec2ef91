"""ftps: FTP over TLS for Python, on a Rust core.

``import ftps`` replaces :class:`ftplib.FTP_TLS` where it falls short: implicit
TLS (port 990), TLS session reuse on data connections (which vsftpd, ProFTPD and
FileZilla Server require), certificates verified by default, and transfers that
run in Rust with the interpreter released.

>>> import ftps
>>> with ftps.connect("ftp.example.com", mode="implicit",
...                   user="alice", password="secret") as ftp:   # doctest: +SKIP
...     ftp.download("reports/q3.pdf", "q3.pdf")
...     for entry in ftp.listdir("reports"):
...         print(entry.name, entry.size, entry.mtime)
"""

from __future__ import annotations

from ._client import Client, connect
from ._errors import (
    CancelledError,
    CertificateError,
    ConfigError,
    ConnectError,
    ConnectionLostError,
    Error,
    IntegrityError,
    InvalidArgumentError,
    LocalFileError,
    LoginError,
    PermanentReplyError,
    PinMismatchError,
    ProtocolError,
    ReplyError,
    SessionReuseError,
    StateError,
    TimeoutError,
    TLSError,
    TLSNotAvailableError,
    TransientReplyError,
    TruncatedError,
)
from ._ftps import (
    BatchProgress,
    DirDownload,
    DirUpload,
    Entry,
    Reply,
    SessionStats,
    SyncAction,
    SyncReport,
    TLSConnection,
    TLSInfo,
)
from ._ftps import __version__ as __version__  # the wheel's version (Cargo.toml)
from ._io import RemoteReader, RemoteWriter

__all__ = [
    "connect",
    "Client",
    "Entry",
    "Reply",
    "TLSInfo",
    "TLSConnection",
    "SessionStats",
    "BatchProgress",
    "DirDownload",
    "DirUpload",
    "SyncReport",
    "SyncAction",
    "RemoteReader",
    "RemoteWriter",
    "Error",
    "InvalidArgumentError",
    "ConfigError",
    "LocalFileError",
    "ConnectError",
    "ConnectionLostError",
    "TimeoutError",
    "TLSError",
    "TLSNotAvailableError",
    "CertificateError",
    "PinMismatchError",
    "SessionReuseError",
    "ReplyError",
    "TransientReplyError",
    "PermanentReplyError",
    "LoginError",
    "ProtocolError",
    "TruncatedError",
    "IntegrityError",
    "CancelledError",
    "StateError",
]

# Public classes show (and pickle) as ftps.X rather than ftps._module.X (the native
# classes are made with that module name already).
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and _obj.__module__ != __name__:
        _obj.__module__ = __name__
del _name, _obj
