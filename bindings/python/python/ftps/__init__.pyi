"""ftps: FTP over TLS for Python, on a Rust core."""

from ._client import Client, connect
from ._errors import (
    CancelledError,
    CertificateError,
    ConfigError,
    ConnectError,
    ConnectionLostError,
    Error,
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
from ._io import RemoteReader, RemoteWriter
from ._types import Entry, Reply, SessionStats, TLSConnection, TLSInfo

__version__: str

__all__ = [
    "connect",
    "Client",
    "Entry",
    "Reply",
    "TLSInfo",
    "TLSConnection",
    "SessionStats",
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
    "CancelledError",
    "StateError",
]
