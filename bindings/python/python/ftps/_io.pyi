import io
from typing import Any, Optional

from ._client import Client
from ._types import Reply, TLSConnection

__all__ = ["RemoteReader", "RemoteWriter", "open_remote"]

class _TransferFacts:
    raw: Any
    @property
    def tls(self) -> Optional[TLSConnection]: ...
    @property
    def reply(self) -> Optional[Reply]: ...

class RemoteReader(_TransferFacts, io.BufferedReader): ...

class RemoteWriter(_TransferFacts, io.BufferedWriter):
    def abort(self) -> None: ...
    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None: ...

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
) -> Any: ...
