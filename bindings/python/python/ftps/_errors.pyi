import builtins
from typing import Any, Dict, Optional

from ._types import Reply

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
    "CancelledError",
    "StateError",
]

class Error(Exception):
    code: Optional[int]
    reply: Optional[Reply]
    fatal: bool
    message: str
    def __init__(self, message: str = "", *args: Any) -> None: ...

class InvalidArgumentError(Error, ValueError):
    argument: Optional[str]

class ConfigError(Error, ValueError): ...
class LocalFileError(Error, OSError): ...

class ConnectError(Error, ConnectionError):
    address: Optional[str]

class ConnectionLostError(Error, ConnectionError): ...

class TimeoutError(Error, builtins.TimeoutError):
    phase: Optional[str]

class TLSError(Error): ...
class TLSNotAvailableError(TLSError): ...
class CertificateError(TLSError): ...

class PinMismatchError(CertificateError):
    cert_sha256: str
    spki_sha256: str

class SessionReuseError(TLSError): ...

class ReplyError(Error):
    command: Optional[str]
    @property
    def transient(self) -> bool: ...
    @property
    def permanent(self) -> bool: ...

class TransientReplyError(ReplyError): ...
class PermanentReplyError(ReplyError): ...
class LoginError(ReplyError): ...
class ProtocolError(Error): ...

class TruncatedError(Error):
    received: int
    expected: Optional[int]

class CancelledError(Error): ...
class StateError(Error): ...

def _make(class_name: str, message: str, attrs: Dict[str, Any], fatal: bool) -> Error: ...
