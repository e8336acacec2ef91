import datetime as _dt
import os
from typing import IO, Any, Callable, List, Literal, Optional, Protocol, Sequence, Tuple, Union, overload

from . import _ftps
from ._io import RemoteReader, RemoteWriter
from ._types import Entry, Reply, TLSInfo

__all__ = ["Client", "connect"]

StrPath = Union[str, os.PathLike[str]]
RemotePath = Union[str, bytes, os.PathLike[str], os.PathLike[bytes]]
Progress = Callable[[int, Optional[int]], object]

class Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...

class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...

class Client:
    host: str
    port: int
    mode: str
    def __init__(self, raw: _ftps.RawClient, *, host: str, port: int, mode: str) -> None: ...
    def __enter__(self) -> Client: ...
    def __exit__(self, *exc: object) -> None: ...
    def login(self, user: str = "anonymous", password: str = "anonymous@", account: Optional[str] = None) -> None: ...
    @property
    def logged_in(self) -> bool: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def quit(self) -> None: ...
    def noop(self) -> None: ...
    @property
    def greeting(self) -> Reply: ...
    @property
    def last_reply(self) -> Optional[Reply]: ...
    @property
    def features(self) -> List[str]: ...
    @property
    def tls_info(self) -> Optional[TLSInfo]: ...
    def pwd(self) -> str: ...
    def cwd(self, path: RemotePath) -> None: ...
    def cdup(self) -> None: ...
    def mkdir(self, path: RemotePath) -> Optional[str]: ...
    def rmdir(self, path: RemotePath) -> None: ...
    def delete(self, path: RemotePath) -> None: ...
    def rename(self, src: RemotePath, dst: RemotePath) -> None: ...
    def size(self, path: RemotePath) -> int: ...
    def mtime(self, path: RemotePath) -> _dt.datetime: ...
    def set_mtime(self, path: RemotePath, when: Union[_dt.datetime, float]) -> None: ...
    def site(self, command: Union[str, bytes]) -> Reply: ...
    def quote(self, line: Union[str, bytes]) -> Reply: ...
    def listdir(self, path: Optional[RemotePath] = None) -> List[Entry]: ...
    def mlsd(self, path: Optional[RemotePath] = None) -> List[Entry]: ...
    def nlst(self, path: Optional[RemotePath] = None) -> List[str]: ...
    def mlst(self, path: RemotePath) -> Entry: ...
    def download(
        self,
        remote: RemotePath,
        local: Union[StrPath, Writable],
        *,
        resume: bool = False,
        offset: int = 0,
        progress: Optional[Progress] = None,
    ) -> int: ...
    def upload(
        self,
        local: Union[StrPath, Readable],
        remote: RemotePath,
        *,
        resume: bool = False,
        offset: int = 0,
        progress: Optional[Progress] = None,
    ) -> int: ...
    @overload
    def open(
        self,
        remote: RemotePath,
        mode: Literal["rb"] = "rb",
        *,
        offset: int = 0,
        buffering: int = -1,
        encoding: None = None,
        errors: None = None,
        newline: None = None,
    ) -> RemoteReader: ...
    @overload
    def open(
        self,
        remote: RemotePath,
        mode: Literal["wb", "ab"],
        *,
        offset: int = 0,
        buffering: int = -1,
        encoding: None = None,
        errors: None = None,
        newline: None = None,
    ) -> RemoteWriter: ...
    @overload
    def open(
        self,
        remote: RemotePath,
        mode: Literal["r", "rt", "w", "wt", "a", "at"],
        *,
        offset: int = 0,
        buffering: int = -1,
        encoding: Optional[str] = None,
        errors: Optional[str] = None,
        newline: Optional[str] = None,
    ) -> IO[str]: ...
    @overload
    def open(
        self,
        remote: RemotePath,
        mode: str,
        *,
        offset: int = 0,
        buffering: int = -1,
        encoding: Optional[str] = None,
        errors: Optional[str] = None,
        newline: Optional[str] = None,
    ) -> IO[Any]: ...
    def retrbinary(
        self, cmd: str, callback: Callable[[bytes], Any], blocksize: int = 8192, rest: Optional[int] = None
    ) -> str: ...
    def storbinary(
        self,
        cmd: str,
        fp: Readable,
        blocksize: int = 8192,
        callback: Optional[Callable[[bytes], Any]] = None,
        rest: Optional[int] = None,
    ) -> str: ...

def connect(
    host: str,
    port: Optional[int] = None,
    *,
    mode: Literal["explicit", "implicit", "insecure-plain"] = "explicit",
    user: Optional[str] = None,
    password: Optional[str] = None,
    account: Optional[str] = None,
    ca_file: Union[StrPath, Sequence[StrPath], None] = None,
    ca_pem: Union[str, bytes, None] = None,
    pin_sha256: Union[str, Sequence[str], None] = None,
    pin_replaces_ca: bool = False,
    system_roots: Optional[bool] = None,
    tls_server_name: Optional[str] = None,
    client_cert: Optional[Tuple[StrPath, StrPath]] = None,
    timeout: Optional[float] = None,
    connect_timeout: Optional[float] = None,
    reply_timeout: Optional[float] = None,
    data_connect_timeout: Optional[float] = None,
    data_timeout: Optional[float] = None,
    min_tls: Optional[Literal["1.2", "1.3"]] = None,
    max_tls: Optional[Literal["1.2", "1.3"]] = None,
    passive: bool = True,
    active_bind: Optional[str] = None,
    insecure_trust_pasv_address: bool = False,
    insecure_clear_data: bool = False,
    ascii: bool = False,
    utf8: bool = True,
    buffer_size: Optional[int] = None,
    danger_accept_invalid_certs: bool = False,
    alpn: bool = True,
    auth_ssl: bool = False,
    tcp_keepalive: Optional[float] = 60.0,
    tcp_nodelay: bool = True,
    # No effect any more (data connections always use rustls's own record layer);
    # accepted for compatibility.
    tls_records_in_place: bool = True,
) -> Client: ...
