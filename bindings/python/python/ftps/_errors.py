"""The exceptions of ``ftps``.

Every error the library raises is an :class:`ftps.Error`. Subclasses say what went
wrong, so a caller can tell a rejected login from an untrusted certificate from a
refused TLS session reuse without reading messages. Some also derive from the
builtin a Python user would catch: :class:`ftps.TimeoutError` is a
:class:`TimeoutError`, :class:`ftps.ConnectError` and
:class:`ftps.ConnectionLostError` are :class:`ConnectionError`,
:class:`ftps.LocalFileError` is an :class:`OSError`, bad arguments are
:class:`ValueError`.

The native module decides which class a core error becomes and sets its attributes
(one mapping, in ``src/errors.rs``, which imports these classes once).
"""

from __future__ import annotations

import builtins
from typing import Any, Optional

from ._ftps import Reply

__all__ = [
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


class Error(Exception):
    """The root of every ``ftps`` error.

    Attributes:
        message: the server's reply text when the error carries a reply, otherwise
            the description (the same as ``str(error)``).
        code: the FTP reply code when the server replied, else ``None``.
        reply: the whole :class:`ftps.Reply`, when there is one.
        fatal: ``True`` when the session cannot be used any more (connection lost,
            TLS failure...); reconnect. ``False`` for errors after which the client
            can go on (a ``550``, a bad argument, a local file error...).
    """

    code: Optional[int] = None
    reply: Optional[Reply] = None
    fatal: bool = False
    message: str

    def __init__(self, message: str = "", *args: Any) -> None:
        super().__init__(message, *args)
        self.message = message

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class InvalidArgumentError(Error, ValueError):
    """An argument was refused before anything was sent: CR, LF or NUL in a path,
    command, user name or password (docs/threats.md, classes E1/E2), an empty path, a bad option.

    Attributes:
        argument: which argument, e.g. ``"path"``.
    """

    argument: Optional[str] = None


class ConfigError(Error, ValueError):
    """The connection options cannot be used (unreadable CA PEM, malformed pin...)."""


class LocalFileError(Error, OSError):
    """A local file could not be read or written; ``errno`` and ``filename`` are set."""


class ConnectError(Error, ConnectionError):
    """The TCP connection to the server could not be opened.

    Attributes:
        address: the address tried last, as ``"host:port"``, when known.
    """

    address: Optional[str] = None


class ConnectionLostError(Error, ConnectionError):
    """The server closed or reset the connection, or said ``421``. The session is over."""


class TimeoutError(Error, builtins.TimeoutError):
    """A wait ran past its timeout; also a builtin :class:`TimeoutError`.

    Attributes:
        phase: what was being waited for: ``"connect"``, ``"greeting"``,
            ``"control_handshake"``, ``"reply"``, ``"send"``, ``"data_connect"`` or
            ``"data_idle"``.
    """

    phase: Optional[str] = None


class TLSError(Error):
    """The TLS layer failed (handshake, alert, bad record), or the server sent bytes
    after its ``234`` reply before the handshake."""


class TLSNotAvailableError(TLSError):
    """The server refused ``AUTH TLS``. No credentials were sent."""


class CertificateError(TLSError):
    """The server certificate is not trusted: unknown CA, wrong host name, expired,
    or a data connection showed another certificate than the control connection."""


class PinMismatchError(CertificateError):
    """The server certificate does not match ``pin_sha256``.

    Attributes:
        cert_sha256: SHA-256 of the certificate the server presented (hex).
        spki_sha256: SHA-256 of its public key (hex).
    """

    cert_sha256: str = ""
    spki_sha256: str = ""


class SessionReuseError(TLSError):
    """A data connection was refused because it did not resume the control
    connection's TLS session (vsftpd ``522``, ProFTPD ``425``), or no session was
    left to resume. ``code`` and ``message`` give the server's reply when it sent one."""


class ReplyError(Error):
    """The server answered a command with an error reply.

    Attributes:
        code: the reply code (``int``).
        message: the server's text, e.g. ``"Failed to open file."``.
        command: the command verb (never its argument), e.g. ``"RETR"``.
    """

    command: Optional[str] = None

    @property
    def transient(self) -> bool:
        """``True`` for a ``4xx`` reply: the same command may work later."""
        return self.reply is not None and self.reply.transient

    @property
    def permanent(self) -> bool:
        """``True`` for a ``5xx`` reply: the command failed for good."""
        return self.reply is not None and self.reply.permanent


class TransientReplyError(ReplyError):
    """A ``4xx`` reply (ftplib's ``error_temp``)."""


class PermanentReplyError(ReplyError):
    """A ``5xx`` reply (ftplib's ``error_perm``), e.g. ``550`` for a missing file."""


class LoginError(ReplyError):
    """The server rejected the user name, password or account."""


class ProtocolError(Error):
    """The server broke the protocol: a malformed, unexpected or oversized reply,
    a bad ``227``/``229``, a number out of range."""


class TruncatedError(Error):
    """A transfer ended before all its bytes arrived (no TLS close_notify, fewer
    bytes than announced), or an upload could not be closed cleanly.

    Attributes:
        received: bytes moved.
        expected: bytes announced by the server, when known.
    """

    received: int = 0
    expected: Optional[int] = None


class IntegrityError(Error):
    """A transferred file is not what the server holds: the server's hash of it
    (``HASH``, ``XSHA512``...) or its ``SIZE`` differs from that of the bytes that
    moved, or ``verify="required"`` found no hash to check with (then nothing was
    transferred). A download's local target was not replaced; the temporary file of
    an atomic upload was deleted. The client is still usable.

    Attributes:
        path: the remote path.
        check: what was compared: ``"SHA-512"``, ``"SHA-256"``, ``"SHA-1"`` or
            ``"size"``; ``"none"`` when the server offers no hash.
        local: the value of the bytes transferred (lowercase hex, or a byte count);
            ``""`` for ``"none"``.
        remote: the server's value; ``""`` for ``"none"``.
    """

    path: str = ""
    check: str = ""
    local: str = ""
    remote: str = ""


class CancelledError(Error):
    """The progress callback returned ``False``; the transfer was aborted (``ABOR``)
    and the client is still usable."""


class StateError(Error):
    """The client cannot serve this call now: it is closed, not logged in, a file
    opened with :meth:`ftps.Client.open` is still open, the connection was lost
    earlier, or a callback tried to use the client that is running it."""
