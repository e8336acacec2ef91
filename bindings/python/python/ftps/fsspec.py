"""An `fsspec <https://filesystem-spec.readthedocs.io>`_ filesystem over ``ftps``.

Registered through the ``fsspec.specs`` entry point, so after installing
``ftps-rs`` these work without any import:

>>> import fsspec, pandas as pd                                     # doctest: +SKIP
>>> with fsspec.open("ftpes://alice:secret@ftp.example.com/data.csv") as f:
...     f.read()
>>> pd.read_csv("ftps://alice:secret@ftp.example.com/data.csv",
...             storage_options={"ca_file": "my-ca.pem"})

``ftps://`` is implicit TLS (port 990), ``ftpes://`` explicit TLS (``AUTH TLS``,
port 21). Every other keyword of :func:`ftps.connect` can be given as a storage
option. Each opened file gets its own connection (FTP allows one transfer per
connection); listings and metadata share one. Data connections resume the
control connection's TLS session, so servers that require it (vsftpd, ProFTPD)
work.

``verify`` and ``atomic`` are storage options as they are keywords of
:func:`ftps.connect`: ``get_file``, ``put_file`` and ``pipe_file`` verify each file
(``verify="auto"`` by default: the server's hash, else its size) and, with
``atomic=True``, upload to a temporary name renamed onto the target once verified.
``atomic`` stays off by default here too, as in :func:`ftps.connect`: it needs the
right to rename and delete, which upload-only accounts often lack. Files opened with
``open()`` are streams (``STOR`` under the final name), neither verified nor atomic.

``get`` and ``put`` pick the files as fsspec does (lists, globs, ``recursive``), make
the directories, then move all the files in one :meth:`ftps.Client.download_many` or
:meth:`ftps.Client.upload_many` batch over up to ``parallel`` sessions (a storage
option, default 4; 1 for one session). Every file of the batch is tried; then the
first failure, in the order of the files, is raised (a missing remote file as
:class:`FileNotFoundError`). fsspec's ``callback`` counts files. ``cat`` of several
paths is one such batch too.
"""

from __future__ import annotations

import io
import posixpath
import threading
from datetime import datetime
from typing import Any, Callable, Dict, List, Literal, Optional, Tuple, Union
from urllib.parse import unquote, urlsplit

from fsspec.callbacks import DEFAULT_CALLBACK, NoOpCallback  # type: ignore[import-untyped]
from fsspec.spec import AbstractFileSystem  # type: ignore[import-untyped]

from ._client import Client, _sessions, connect
from ._errors import Error, PermanentReplyError
from ._ftps import BatchProgress, Entry
from ._io import open_remote

__all__ = ["FTPSFileSystem", "FTPESFileSystem"]


# Storage options meant for fsspec itself, not for ftps.connect().
_FS_OPTIONS = ("skip_instance_cache", "use_listings_cache", "listings_expiry_time", "max_paths")


def _not_found(path: str, e: Exception) -> FileNotFoundError:
    err = FileNotFoundError(2, f"No such file or directory: {e}", path)
    err.__cause__ = e
    return err


class FTPSFileSystem(AbstractFileSystem):  # type: ignore[misc]
    """FTPS with implicit TLS (``ftps://user:password@host:port/path``, port 990).

    Args:
        host: server name or address.
        port: server port (default 990; 21 for :class:`FTPESFileSystem`).
        username, password: credentials (default anonymous).
        parallel: the most sessions a ``get`` or ``put`` of several files uses at once
            (default 4, at most 32).
        **connect_options: any keyword of :func:`ftps.connect`, e.g. ``ca_file``,
            ``pin_sha256``, ``timeout``, ``verify``, ``atomic``.
    """

    protocol = ("ftps",)
    root_marker = "/"
    cachable = True
    _mode: Literal["implicit", "explicit"] = "implicit"

    def __init__(
        self,
        host: str,
        port: Optional[int] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        parallel: int = 4,
        **connect_options: Any,
    ) -> None:
        fs_options = {k: connect_options.pop(k) for k in list(connect_options) if k in _FS_OPTIONS}
        super().__init__(**fs_options)
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.parallel = _sessions(parallel, "parallel")
        self._options = connect_options
        self._client: Optional[Client] = None
        self._lock = threading.RLock()
        # While fsspec's get/put pick the files (_gather): the pairs their get_file/put_file calls name.
        self._gathering = threading.local()

    # -- URLs --------------------------------------------------------------------

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        path = str(path)
        if "://" in path:
            path = urlsplit(path).path
            path = unquote(path)
        path = "/" + path.lstrip("/")
        return path.rstrip("/") or "/"

    @staticmethod
    def _get_kwargs_from_urls(path: str) -> Dict[str, Any]:
        u = urlsplit(path)
        out: Dict[str, Any] = {}
        if u.hostname:
            out["host"] = u.hostname
        if u.port:
            out["port"] = u.port
        if u.username:
            out["username"] = unquote(u.username)
        if u.password:
            out["password"] = unquote(u.password)
        return out

    # -- connections ---------------------------------------------------------------

    def _connect(self) -> Client:
        return connect(
            self.host,
            self.port,
            mode=self._mode,
            user=self.username or "anonymous",
            password=self.password if self.password is not None else ("anonymous@" if not self.username else ""),
            **self._options,
        )

    @property
    def client(self) -> Client:
        """The connection used for listings and metadata (made on first use)."""
        with self._lock:
            if self._client is None or self._client.closed:
                self._client = self._connect()
            return self._client

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            try:
                return getattr(self.client, method)(*args, **kwargs)
            except Error as e:
                if e.fatal and self._client is not None:
                    self._client.close()
                    self._client = None
                raise

    # -- listings ----------------------------------------------------------------

    def _info(self, parent: str, e: Entry) -> Dict[str, Any]:
        kind = {"file": "file", "dir": "directory", "link": "link"}.get(e.type, "other")
        return {
            "name": posixpath.join(parent, e.name),
            "size": e.size if e.size is not None else 0,
            "type": kind,
            "mtime": e.mtime,
            "islink": e.type == "link",
            "link_target": e.link_target,
            "permissions": e.permissions,
            "facts": e.facts,
        }

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> List[Any]:
        """Lists a directory (MLSD when offered, else LIST); cached until a change here."""
        path = self._strip_protocol(path)
        cached = None if kwargs.get("refresh") else self.dircache.get(path)
        if cached is None:
            try:
                entries = self._call("listdir", path)
            except PermanentReplyError as e:
                raise _not_found(path, e) from e
            cached = [self._info(path, e) for e in entries]
            self.dircache[path] = cached
        return cached if detail else [i["name"] for i in cached]

    def info(self, path: str, **kwargs: Any) -> Dict[str, Any]:
        """Name, size, type, mtime... of one path, from its parent's listing."""
        path = self._strip_protocol(path)
        if path == "/":
            return {"name": "/", "size": 0, "type": "directory", "mtime": None, "islink": False}
        parent = posixpath.dirname(path) or "/"
        fresh = kwargs.pop("refresh", False) or parent not in self.dircache
        try:
            listing = self.ls(parent, detail=True, refresh=fresh)
        except FileNotFoundError:
            listing = []
        for item in listing:
            if item["name"] == path:
                return dict(item)
        if not fresh:  # a cached listing may predate the file: look again once
            return self.info(path, refresh=True)
        raise FileNotFoundError(2, "No such file or directory", path)

    def modified(self, path: str) -> datetime:
        """The modification time (``MDTM``), an aware UTC datetime."""
        path = self._strip_protocol(path)
        try:
            return self._call("mtime", path)  # type: ignore[no-any-return]
        except PermanentReplyError as e:
            raise _not_found(path, e) from e

    def size(self, path: str) -> int:
        """The size of a file (``SIZE``)."""
        path = self._strip_protocol(path)
        try:
            return self._call("size", path)  # type: ignore[no-any-return]
        except PermanentReplyError as e:
            raise _not_found(path, e) from e

    # -- changes -----------------------------------------------------------------

    def invalidate_cache(self, path: Optional[str] = None) -> None:
        """Forgets cached listings: all of them, or those of ``path`` and its parent."""
        if path is None:
            self.dircache.clear()
        else:
            path = self._strip_protocol(path)
            self.dircache.pop(path, None)
            self.dircache.pop(posixpath.dirname(path) or "/", None)
        super().invalidate_cache(path)

    def mkdir(self, path: str, create_parents: bool = True, **kwargs: Any) -> None:
        """Creates a directory (and its parents, by default)."""
        path = self._strip_protocol(path)
        if create_parents:
            self.makedirs(path, exist_ok=True)
        else:
            self._call("mkdir", path)
            self.invalidate_cache(path)

    def _is_dir_now(self, path: str) -> bool:
        """Asks the server (``CWD``), bypassing the listings cache."""
        try:
            self._call("cwd", path)
        except PermanentReplyError:
            return False
        return True

    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        """Creates a directory and every missing parent."""
        path = self._strip_protocol(path)
        if path == "/" or self._is_dir_now(path):
            if not exist_ok:
                raise FileExistsError(17, "File exists", path)
            return
        current = ""
        for part in path.strip("/").split("/"):
            current += "/" + part
            try:
                self._call("mkdir", current)
            except PermanentReplyError:
                if not self._is_dir_now(current):  # not "exists already": a real failure
                    raise
            self.invalidate_cache(current)

    def rmdir(self, path: str) -> None:
        """Removes an empty directory (``RMD``)."""
        path = self._strip_protocol(path)
        self._call("rmdir", path)
        self.invalidate_cache(path)

    def rm_file(self, path: str) -> None:
        """Deletes a file (``DELE``)."""
        path = self._strip_protocol(path)
        try:
            self._call("delete", path)
        except PermanentReplyError as e:
            raise _not_found(path, e) from e
        finally:
            self.invalidate_cache(path)

    _rm = rm_file

    def rm(self, path: Union[str, List[str]], recursive: bool = False, maxdepth: Optional[int] = None) -> None:
        """Deletes files, and directories with ``recursive=True`` (deepest first)."""
        for p in reversed(self.expand_path(path, recursive=recursive, maxdepth=maxdepth)):
            if self.isdir(p):
                self.rmdir(p)
            else:
                self.rm_file(p)

    def mv(
        self, path1: str, path2: str, recursive: bool = False, maxdepth: Optional[int] = None, **kwargs: Any
    ) -> None:
        """Renames or moves on the server (``RNFR``/``RNTO``), directories included."""
        p1, p2 = self._strip_protocol(path1), self._strip_protocol(path2)
        if p1 == p2:
            return
        self._call("rename", p1, p2)
        self.invalidate_cache(p1)
        self.invalidate_cache(p2)

    # -- contents ------------------------------------------------------------------

    def _open(
        self,
        path: str,
        mode: str = "rb",
        block_size: Optional[int] = None,
        autocommit: bool = True,
        cache_options: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> Any:
        if not autocommit:
            raise NotImplementedError("ftps files are written directly; transactions are not supported")
        path = self._strip_protocol(path)
        if mode not in ("rb", "wb", "ab"):
            raise ValueError(f"unsupported mode {mode!r}")
        client = self._connect()
        try:
            f = open_remote(
                client, path.encode("utf-8", "surrogateescape"), mode, buffering=block_size or -1, owns_client=True
            )
        except PermanentReplyError as e:
            client.close()
            if mode == "rb":
                raise _not_found(path, e) from e
            raise
        except BaseException:
            client.close()
            raise
        if mode != "rb":
            self.invalidate_cache(path)
        return f

    def cat_file(self, path: str, start: Optional[int] = None, end: Optional[int] = None, **kwargs: Any) -> bytes:
        """The bytes of a file, or of ``[start, end)`` (a download from ``REST start``)."""
        path = self._strip_protocol(path)
        if (start is not None and start < 0) or (end is not None and end < 0):
            size = self.size(path)
            start = size + start if start is not None and start < 0 else start
            end = size + end if end is not None and end < 0 else end
        offset = start or 0
        with self._lock:
            try:
                with self.client.open(path, "rb", offset=offset) as f:
                    return f.read() if end is None else f.read(max(0, end - offset))
            except PermanentReplyError as e:
                raise _not_found(path, e) from e

    def cat(self, path: Any, recursive: bool = False, on_error: str = "raise", **kwargs: Any) -> Any:
        """As fsspec's ``cat``: the bytes of one file, or a dict of path to bytes for
        several (a list, a glob, ``recursive``); several files are fetched in one
        batch over up to ``parallel`` sessions. ``on_error``: ``"raise"`` the first
        failure (in the order of the paths), ``"omit"`` the path, or ``"return"`` the
        exception as its value. With ``start``/``end`` each file is read as by
        :meth:`cat_file`."""
        if kwargs.get("start") is not None or kwargs.get("end") is not None:
            return super().cat(path, recursive=recursive, on_error=on_error, **kwargs)
        paths = self.expand_path(path, recursive=recursive, maxdepth=kwargs.get("maxdepth"))
        if not (len(paths) > 1 or isinstance(path, list) or paths[0] != self._strip_protocol(path)):
            return self.cat_file(paths[0])
        import tempfile

        out: Dict[str, Any] = {}
        with tempfile.TemporaryDirectory(prefix="ftps-cat-") as tmp:
            pairs = [(p, posixpath.join(tmp, str(i))) for i, p in enumerate(paths)]
            with self._lock:
                results = self._call("download_many", pairs, parallel=self.parallel)
            for (remote, local), r in zip(pairs, results):
                if not isinstance(r, Error):
                    with open(local, "rb") as f:
                        out[remote] = f.read()
                    continue
                e: Exception = _not_found(remote, r) if isinstance(r, PermanentReplyError) else r
                if on_error == "raise":
                    raise e from r
                if on_error == "return":
                    out[remote] = e
        return out

    def pipe_file(self, path: str, value: bytes, mode: str = "overwrite", **kwargs: Any) -> None:
        """Writes ``value`` to a file."""
        path = self._strip_protocol(path)
        self._call("upload", io.BytesIO(value), path)
        self.invalidate_cache(path)

    def get_file(self, rpath: str, lpath: Any, callback: Any = None, outfile: Any = None, **kwargs: Any) -> None:
        """Downloads one file to a local path (in Rust, no Python loop)."""
        rpath = self._strip_protocol(rpath)
        if self.isdir(rpath):
            import os

            os.makedirs(lpath, exist_ok=True)
            return
        if outfile is None and self._gathered(rpath, lpath):
            return
        try:
            self._call("download", rpath, outfile if outfile is not None else lpath)
        except PermanentReplyError as e:
            raise _not_found(rpath, e) from e

    def put_file(self, lpath: Any, rpath: str, callback: Any = None, mode: str = "overwrite", **kwargs: Any) -> None:
        """Uploads one local file (in Rust, no Python loop)."""
        import os

        rpath = self._strip_protocol(rpath)
        if os.path.isdir(lpath):
            self.makedirs(rpath, exist_ok=True)
            return
        if self._gathered(lpath, rpath):
            return
        self._call("upload", lpath, rpath)
        self.invalidate_cache(rpath)

    def get(self, rpath: Any, lpath: Any, recursive: bool = False, **kwargs: Any) -> None:
        """Copies remote files to local ones, chosen as fsspec's ``get`` chooses them
        (``callback``, ``maxdepth`` as there); the files in one batch over up to
        ``parallel`` sessions (see the module)."""
        self._copy(super().get, "download_many", rpath, lpath, recursive=recursive, **kwargs)

    def put(self, lpath: Any, rpath: Any, recursive: bool = False, **kwargs: Any) -> None:
        """Copies local files to remote ones, chosen as fsspec's ``put`` chooses them
        (``callback``, ``maxdepth`` as there); the files in one batch over up to
        ``parallel`` sessions (see the module)."""
        self._copy(super().put, "upload_many", lpath, rpath, recursive=recursive, **kwargs)

    def _copy(
        self, pick: Callable[..., Any], method: str, *args: Any, callback: Any = DEFAULT_CALLBACK, **kwargs: Any
    ) -> None:
        """The files ``pick`` (fsspec's ``get`` or ``put``) chooses, through ``Client.<method>``;
        then the first failure is raised, a missing remote file as ``FileNotFoundError``."""
        pairs = self._gather(pick, *args, **kwargs)
        download = method == "download_many"
        try:
            failed = self._batch(method, pairs, callback)
        finally:
            if not download:
                for _, r in pairs:
                    self.invalidate_cache(r)
        if failed:
            (src, _), e = failed[0]
            if download and isinstance(e, PermanentReplyError):
                raise _not_found(src, e) from e
            raise e

    def _gather(self, pick: Callable[..., Any], *args: Any, **kwargs: Any) -> List[Tuple[str, str]]:
        """The (source, destination) file pairs that fsspec's ``pick`` (``get`` or
        ``put``) would copy one by one; the directories it names are made meanwhile."""
        pairs: List[Tuple[str, str]] = []
        self._gathering.pairs = pairs
        try:
            pick(*args, callback=NoOpCallback(), **kwargs)
        finally:
            del self._gathering.pairs
        return pairs

    def _gathered(self, src: Any, dst: Any) -> bool:
        """While :meth:`_gather` runs on this thread: keeps the pair and says so."""
        pairs: Optional[List[Tuple[str, str]]] = getattr(self._gathering, "pairs", None)
        if pairs is None:
            return False
        pairs.append((src, dst))
        return True

    def _batch(self, method: str, pairs: List[Tuple[str, str]], callback: Any) -> List[Tuple[Tuple[str, str], Error]]:
        """Runs ``Client.<method>`` over ``pairs``; the pairs that failed and why, in order."""
        if not pairs:
            return []
        callback.set_size(len(pairs))
        progress: Optional[Callable[[BatchProgress], object]] = None
        if not isinstance(callback, NoOpCallback):
            progress = lambda p: callback.absolute_update(p.done + p.failed)  # noqa: E731
        with self._lock:
            results = self._call(method, pairs, parallel=self.parallel, progress=progress)
            failed = [(pair, r) for pair, r in zip(pairs, results) if isinstance(r, Error)]
            if any(e.fatal for _, e in failed) and self._client is not None:
                # Perhaps this session's: the next call connects afresh.
                self._client.close()
                self._client = None
        return failed

    def __del__(self) -> None:
        c = getattr(self, "_client", None)
        if c is not None:
            try:
                c.close()
            except Exception:
                pass


class FTPESFileSystem(FTPSFileSystem):
    """FTPS with explicit TLS (``ftpes://user:password@host:port/path``, ``AUTH TLS``, port 21)."""

    protocol = ("ftpes",)
    _mode = "explicit"
