import datetime as _dt
from dataclasses import dataclass
from typing import Any, Dict, Iterator, Optional, Tuple, Union

__all__ = ["Reply", "Entry", "TLSConnection", "TLSInfo", "SessionStats"]

@dataclass(frozen=True)
class Reply:
    code: int
    text: str
    lines: Tuple[bytes, ...] = ()
    @property
    def ok(self) -> bool: ...
    @classmethod
    def _from_tuple(cls, t: Tuple[int, str, Any]) -> Reply: ...

@dataclass(frozen=True)
class Entry:
    name: str
    name_bytes: bytes
    type: str
    size: Optional[int]
    mtime: Optional[_dt.datetime]
    link_target: Optional[str] = None
    permissions: Optional[str] = None
    facts: Dict[str, str] = ...
    raw: bytes = b""
    def is_dir(self) -> bool: ...
    def is_file(self) -> bool: ...
    def is_symlink(self) -> bool: ...
    def __iter__(self) -> Iterator[Union[str, Dict[str, str]]]: ...
    @classmethod
    def _from_tuple(cls, t: Tuple[Any, ...]) -> Entry: ...

@dataclass(frozen=True)
class TLSConnection:
    version: str
    cipher: str
    kx_group: Optional[str]
    resumed: bool
    alpn: Optional[bytes]
    @classmethod
    def _from_tuple(cls, t: Optional[Tuple[Any, ...]]) -> Optional[TLSConnection]: ...

@dataclass(frozen=True)
class SessionStats:
    control_tickets: int
    data_tickets: int
    data_resumed: int
    data_full: int
    tickets_exhausted: int
    retried: int

@dataclass(frozen=True)
class TLSInfo:
    control: TLSConnection
    data: Optional[TLSConnection]
    stats: SessionStats
    @property
    def version(self) -> str: ...
    @property
    def cipher(self) -> str: ...
    @property
    def all_data_resumed(self) -> bool: ...

def _decode(b: bytes) -> str: ...
def _datetime(t: Optional[Tuple[int, int, int, int, int, int, int]]) -> Optional[_dt.datetime]: ...
