"""The client: :func:`ftps.connect` and :class:`ftps.Client`."""

from __future__ import annotations

import datetime as _dt
import os
from typing import (
    IO,
    TYPE_CHECKING,
    Any,
    Callable,
    Iterable,
    List,
    Literal,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Union,
    overload,
)

from . import _ftps
from ._errors import Error, InvalidArgumentError
from ._ftps import BatchProgress, DirDownload, DirUpload, Entry, Reply, SessionStats, SyncReport, TLSInfo

if TYPE_CHECKING:
    from ._io import RemoteReader, RemoteWriter

__all__ = ["Client", "connect"]

StrPath = Union[str, "os.PathLike[str]"]
RemotePath = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
Progress = Callable[[int, Optional[int]], object]
BatchProgressCallback = Callable[[BatchProgress], object]
TranscriptCallback = Callable[[str, str], object]


class Writable(Protocol):
    """What :meth:`Client.download` writes to: anything with ``write(bytes)``."""

    def write(self, data: bytes, /) -> object: ...


class Readable(Protocol):
    """What :meth:`Client.upload` reads from: anything with ``read(size) -> bytes``."""

    def read(self, size: int, /) -> bytes: ...


def _remote(path: RemotePath, what: str = "path") -> bytes:
    """A remote path as the bytes sent to the server: ``str`` as UTF-8 with
    ``surrogateescape`` (so names from listings go back byte for byte), ``bytes``
    as they are, ``os.PathLike`` through :func:`os.fspath`."""
    p = os.fspath(path)
    if isinstance(p, bytes):
        return p
    try:
        return p.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as e:
        err = InvalidArgumentError(f"invalid {what}: cannot be encoded as UTF-8 ({e.reason})")
        err.argument = what
        raise err from None


def _command(line: Union[str, bytes]) -> bytes:
    if isinstance(line, bytes):
        return line
    if isinstance(line, str):
        return _remote(line, "command")
    raise TypeError(f"a command is str or bytes, not {type(line).__name__}")


def _uint(value: Any, what: str) -> int:
    """An offset for the core's ``u64``: out of range is an InvalidArgumentError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if not 0 <= value < (1 << 64):
        err = InvalidArgumentError(f"invalid {what}: {value} is out of range")
        err.argument = what
        raise err
    return value


def _local(path: Any) -> str:
    return os.fsdecode(os.fspath(path))


def _sessions(value: Any, what: str) -> int:
    """A number of sessions (``parallel=``, ``segments=``): 1 to 32, else an
    InvalidArgumentError; not an ``int`` is a TypeError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if not 1 <= value <= _ftps.MAX_SESSIONS:
        err = InvalidArgumentError(f"invalid {what}: {value} is not between 1 and {_ftps.MAX_SESSIONS}")
        err.argument = what
        raise err
    return value


def _pairs(pairs: Iterable[Tuple[Any, Any]], names: Tuple[str, str]) -> List[Tuple[Any, Any]]:
    """The pairs of a batch as a list, each checked to be a pair (``names`` says of what)."""
    out = []
    for i, item in enumerate(pairs):
        try:
            if isinstance(item, (str, bytes)):
                raise TypeError
            first, second = item
        except (TypeError, ValueError):
            raise TypeError(f"pairs[{i}] must be a ({', '.join(names)}) pair, not {item!r:.80}") from None
        out.append((first, second))
    return out


def _seconds(when: Union[_dt.datetime, float, int]) -> Tuple[int, int, int, int, int, int, int]:
    if isinstance(when, (int, float)) and not isinstance(when, bool):
        when = _dt.datetime.fromtimestamp(when, _dt.timezone.utc)
    if not isinstance(when, _dt.datetime):
        raise TypeError(f"a time is a datetime or a POSIX timestamp, not {type(when).__name__}")
    # Naive datetimes are local time, as everywhere in Python.
    u = when.astimezone(_dt.timezone.utc)
    return (u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond * 1000)


class _CallbackWriter:
    def __init__(self, callback: Callable[[bytes], object]) -> None:
        self._cb = callback

    def write(self, data: bytes) -> int:
        self._cb(data)
        return len(data)


class _CallbackReader:
    def __init__(self, fp: Readable, callback: Optional[Callable[[bytes], object]]) -> None:
        self._fp = fp
        self._cb = callback

    def read(self, n: int) -> bytes:
        data = self._fp.read(n)
        if data and self._cb is not None:
            self._cb(data)
        return data


def _ftplib_path(cmd: str, verbs: Sequence[str]) -> Tuple[str, str]:
    verb, _, arg = cmd.partition(" ")
    verb = verb.upper()
    if verb not in verbs or not arg:
        raise InvalidArgumentError(f"expected {' or '.join(repr(v + ' <path>') for v in verbs)}, got {cmd!r}")
    return verb, arg


class Client:
    """A connection to an FTPS server. Make one with :func:`ftps.connect`.

    A client is a context manager (``with ftps.connect(...) as ftp:``) that closes
    the connection at the end. Every network call releases the interpreter, so
    other threads run meanwhile; one client serves one call at a time (calls from
    other threads wait). Paths are ``str``, ``bytes`` or ``os.PathLike``.
    """

    def __init__(self, raw: _ftps.RawClient, *, host: str, port: int, mode: str) -> None:
        """Wraps a native client; use :func:`ftps.connect` instead."""
        self._raw = raw
        self.host = host
        """The server host name or address."""
        self.port = port
        """The server port."""
        self.mode = mode
        """``"explicit"``, ``"implicit"`` or ``"insecure-plain"``."""

    # -- session -----------------------------------------------------------------

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<ftps.Client {self.mode} {self.host}:{self.port} {state}>"

    def login(self, user: str = "anonymous", password: str = "anonymous@", account: Optional[str] = None) -> None:
        """Logs in (``USER``, ``PASS``, and ``ACCT`` when the server asks and
        ``account`` is given); then sets up ``PBSZ 0``/``PROT P`` and binary mode.

        Raises :class:`ftps.LoginError` when the server rejects the credentials.
        """
        self._raw.login(user, password, account)

    @property
    def logged_in(self) -> bool:
        """``True`` once logged in."""
        return self._raw.logged_in

    @property
    def closed(self) -> bool:
        """``True`` after :meth:`close` or :meth:`quit`."""
        return self._raw.closed

    def close(self) -> None:
        """Sends ``QUIT`` and closes the connection; never raises for network
        errors. A second call does nothing."""
        try:
            self._raw.quit()
        except Error:
            pass

    def quit(self) -> None:
        """Sends ``QUIT`` and closes the connection, raising if ``QUIT`` failed
        (the connection is closed in any case)."""
        self._raw.quit()

    def noop(self) -> None:
        """``NOOP``: keeps the session alive and checks that it works."""
        self._raw.noop()

    @property
    def pipelining(self) -> bool:
        """Whether this session sends the commands after a transfer before its final
        reply (``connect(pipelining=...)`` applied to this server; false once the
        server refused one)."""
        return self._raw.pipelining()

    @property
    def greeting(self) -> Reply:
        """The server's greeting (``220 ...``)."""
        return self._raw.greeting()

    @property
    def last_reply(self) -> Optional[Reply]:
        """The last reply the server sent."""
        return self._raw.last_reply()

    @property
    def features(self) -> List[str]:
        """The server's ``FEAT`` lines, e.g. ``["EPSV", "MDTM", "REST STREAM", ...]``."""
        return self._raw.features()

    @property
    def tls_info(self) -> Optional[TLSInfo]:
        """TLS facts of the session: the control connection's version and cipher,
        the last data connection (``.data.resumed``) and reuse counters
        (``.stats``). ``None`` for plain FTP."""
        return self._raw.tls_info()

    @property
    def session_stats(self) -> SessionStats:
        """The counters of the session: TLS session reuse (as in ``tls_info.stats``),
        and, also for plain FTP, ``reconnects`` and automatic ``resumes``."""
        return self._raw.session_stats()

    def reconnect(self) -> None:
        """Opens a new control connection with the same options, logs in again as
        the last login did and goes back to the current directory, then closes the
        old connection. :meth:`download` and :meth:`upload` do this themselves after
        a lost connection (``resume_attempts`` of :func:`ftps.connect`).

        Raises :class:`ftps.StateError` when the client never logged in or is closed.
        """
        self._raw.reconnect()

    @property
    def left_behind(self) -> List[str]:
        """Remote temporary files (``.NAME.ftps-part.*``) of failed atomic uploads
        that could not be deleted, because the connection was gone and no new one
        could be made. Names decode as :attr:`ftps.Entry.name` does. Still readable
        after :meth:`close`."""
        return self._raw.left_behind

    # -- directories and files -----------------------------------------------

    def pwd(self) -> str:
        """``PWD``: the current directory."""
        return self._raw.pwd()

    def cwd(self, path: RemotePath) -> None:
        """``CWD``: changes the current directory."""
        self._raw.cwd(_remote(path))

    def cdup(self) -> None:
        """``CDUP``: goes to the parent directory."""
        self._raw.cdup()

    def mkdir(self, path: RemotePath) -> Optional[str]:
        """``MKD``: creates a directory; returns its path when the server says it."""
        return self._raw.mkdir(_remote(path))

    def rmdir(self, path: RemotePath) -> None:
        """``RMD``: removes an empty directory."""
        self._raw.rmdir(_remote(path))

    def delete(self, path: RemotePath) -> None:
        """``DELE``: deletes a file."""
        self._raw.delete(_remote(path))

    def rename(self, src: RemotePath, dst: RemotePath) -> None:
        """``RNFR`` + ``RNTO``: renames or moves ``src`` to ``dst``."""
        self._raw.rename(_remote(src), _remote(dst))

    def size(self, path: RemotePath) -> int:
        """``SIZE``: the size of a file in bytes."""
        return self._raw.size(_remote(path))

    def mtime(self, path: RemotePath) -> _dt.datetime:
        """``MDTM``: the modification time of a file, as an aware UTC datetime."""
        return self._raw.mdtm(_remote(path))

    def set_mtime(self, path: RemotePath, when: Union[_dt.datetime, float]) -> None:
        """``MFMT``: sets the modification time of a file (a datetime, naive meaning
        local time, or a POSIX timestamp)."""
        self._raw.set_mtime(_remote(path), _seconds(when))

    def site(self, command: Union[str, bytes]) -> Reply:
        """``SITE``: a server-specific command, e.g. ``site("CHMOD 644 f.txt")``.
        Returns the reply; a ``4xx``/``5xx`` raises :class:`ftps.ReplyError`."""
        return self._raw.site(_command(command))

    def quote(self, line: Union[str, bytes]) -> Reply:
        """Sends a raw command line and returns the reply, whatever its code.

        Commands that would break the session (``PORT``, ``PASV``, ``AUTH``,
        ``PROT``, ``CCC``...) are refused; CR, LF and NUL are refused everywhere.
        """
        return self._raw.quote(_command(line))

    # -- listings --------------------------------------------------------------

    def listdir(self, path: Optional[RemotePath] = None) -> List[Entry]:
        """Lists a directory (the current one by default): ``MLSD`` when the server
        offers it, ``LIST`` (Unix and DOS formats) otherwise. ``.`` and ``..`` are
        left out; a line that does not parse is skipped, never fatal."""
        return self._raw.list(None if path is None else _remote(path), "auto")

    def mlsd(self, path: Optional[RemotePath] = None) -> List[Entry]:
        """``MLSD`` (RFC 3659) only. Entries also unpack as ``(name, facts)`` like
        :meth:`ftplib.FTP.mlsd`."""
        return self._raw.list(None if path is None else _remote(path), "mlsd")

    def nlst(self, path: Optional[RemotePath] = None) -> List[str]:
        """``NLST``: names only."""
        return self._raw.nlst(None if path is None else _remote(path))

    def mlst(self, path: RemotePath) -> Entry:
        """``MLST``: the facts of one path, over the control connection."""
        return self._raw.mlst(_remote(path))

    # -- transfers ---------------------------------------------------------------

    def download(
        self,
        remote: RemotePath,
        local: Union[StrPath, Writable],
        *,
        resume: bool = False,
        offset: int = 0,
        progress: Optional[Progress] = None,
        verify: Optional[Literal["auto", "required", "off"]] = None,
        resume_attempts: Optional[int] = None,
        segments: int = 1,
    ) -> int:
        """Downloads ``remote`` to ``local`` and returns the number of bytes received.

        ``local`` is a path or a binary file object with ``write()``. To a path the
        data first goes to a temporary file that replaces ``local`` only once the
        transfer succeeded and was verified; ``resume=True`` instead continues an
        existing ``local`` from its length (``REST``). For a file object, ``offset``
        skips that much of the remote file. ``resume=True`` keeps what arrived when
        the transfer fails (``local`` is then a longer partial file, and the next
        ``resume=True`` goes on from its end).

        A download is complete only when every byte is certain to have come: a TLS
        close_notify with no fewer bytes than the known size, or, when the data
        connection just ends, a byte count that proves it (the ``150`` reply's count,
        or ``SIZE`` minus the offset; from an offset the size is asked first).
        Otherwise it raises :class:`ftps.TruncatedError`.

        Then the file is verified as ``verify`` says (``None``: the session's, see
        :func:`ftps.connect`): ``"auto"`` compares the server's strongest hash
        (``HASH``, else ``XSHA512``/``XSHA256``/``XSHA1``) with that of the bytes
        received, or its ``SIZE`` when it offers no hash; ``"required"`` insists on a
        hash (without one the call fails before transferring); ``"off"`` checks
        nothing more. A mismatch raises :class:`ftps.IntegrityError`.

        A lost connection, a data-connection timeout, a short transfer or a
        ``421``/``425``/``426`` reconnects when needed and goes on from the bytes
        already received, up to ``resume_attempts`` times (``None``: the session's).

        ``progress(done, total)`` is called with the bytes so far and the total
        when known, every 1 MiB or 0.1 s and once at the end; returning ``False``
        aborts (:class:`ftps.CancelledError`). Ctrl-C aborts within 0.1 s of data
        flow too; either way the transfer is stopped with ``ABOR`` and the client
        stays usable.

        ``segments`` > 1 (at most 32; default 1) fetches the file in that many ranges
        at once, each over a session of its own: this one and up to ``segments - 1``
        more, opened with the same options and login and closed afterwards (``REST``
        to each range's start, ``ABOR`` at its end). The ranges go into one temporary
        file, checked as a whole as the session's ``verify`` says before it replaces
        ``local``; a range that a lost connection cut short is resumed as the
        session's ``resume_attempts`` allow. Ranges are at least 4 MiB, so a smaller
        file is one plain download; a server that refuses more sessions leaves more
        ranges to those it took. It needs a local path and the session's checks:
        ``resume``, ``offset``, a file object, ``verify`` and ``resume_attempts``
        cannot be combined with it (:class:`ftps.InvalidArgumentError`). ``progress``
        then gets ``(done, None)`` while the ranges arrive and ``(size, size)`` at the
        end.
        """
        r = _remote(remote)
        if _sessions(segments, "segments") > 1:
            given = [
                name
                for name, on in (
                    ("a file object", hasattr(local, "write")),
                    ("resume=", resume),
                    ("offset=", offset),
                    ("verify=", verify is not None),
                    ("resume_attempts=", resume_attempts is not None),
                )
                if on
            ]
            if given:
                err = InvalidArgumentError(
                    f"segments= cannot be combined with {', '.join(given)}: a segmented download goes to a "
                    "local path from the start, checked as the session's verify and resume_attempts say"
                )
                err.argument = "segments"
                raise err
            return self._raw.download_segmented(r, _local(local), segments, progress)
        attempts = None if resume_attempts is None else _uint(resume_attempts, "resume_attempts")
        if hasattr(local, "write"):
            if resume:
                raise InvalidArgumentError("resume= needs a local path; pass offset= with a file object")
            return self._raw.download_to(r, local, _uint(offset, "offset"), verify, attempts, progress)
        if offset:
            raise InvalidArgumentError("offset= is for file objects; use resume=True with a path")
        return self._raw.download_file(r, _local(local), resume, verify, attempts, progress)

    def upload(
        self,
        local: Union[StrPath, Readable],
        remote: RemotePath,
        *,
        resume: bool = False,
        offset: int = 0,
        progress: Optional[Progress] = None,
        verify: Optional[Literal["auto", "required", "off"]] = None,
        atomic: Optional[bool] = None,
        resume_attempts: Optional[int] = None,
    ) -> int:
        """Uploads ``local`` to ``remote`` and returns the number of bytes sent.

        ``local`` is a path or a binary file object with ``read()``. With
        ``resume=True`` (paths only) the remote file's current size is skipped and
        the rest written from there on. With a file object, ``offset`` > 0 writes
        the remote file from that offset on (``REST`` + ``STOR``); the file object
        must already be at the matching position. ``progress`` as in :meth:`download`.

        ``atomic=True`` (``None``: the session's) uploads to a temporary name in the
        same directory, ``.NAME.ftps-part.RANDOM``, verifies it there and only then
        renames it onto ``remote`` (``RNFR``/``RNTO``), so that nobody sees a partial
        file under the name; a failure deletes the temporary file (see
        :attr:`left_behind`). It cannot be combined with ``resume=True`` or an
        ``offset``, which continue the file under its own name.

        ``verify`` as in :meth:`download`. From a path, a lost connection is resumed
        as in :meth:`download` (``REST`` + ``STOR`` from what the server kept, when it
        offers ``REST STREAM``); a file object cannot be read again, so its upload is
        not resumed.
        """
        r = _remote(remote)
        attempts = None if resume_attempts is None else _uint(resume_attempts, "resume_attempts")
        if atomic and (resume or offset):
            err = InvalidArgumentError("atomic=True cannot be combined with resume= or offset=")
            err.argument = "atomic"
            raise err
        if hasattr(local, "read"):
            if resume:
                raise InvalidArgumentError("resume= needs a local path; pass offset= with a file object")
            return self._raw.upload_from(local, r, _uint(offset, "offset"), verify, atomic, attempts, progress)
        if offset:
            raise InvalidArgumentError("offset= is for file objects; use resume=True with a path")
        return self._raw.upload_file(_local(local), r, resume, verify, atomic, attempts, progress)

    # -- batches -------------------------------------------------------------------

    def download_many(
        self,
        pairs: Iterable[Tuple[RemotePath, StrPath]],
        *,
        parallel: int = 4,
        progress: Optional[BatchProgressCallback] = None,
    ) -> List[Union[int, Error]]:
        """Downloads many files at once: each ``(remote, local)`` pair (the order of
        :meth:`download`'s arguments) over this session and up to ``parallel - 1``
        more (default 4 sessions in all, at most 32).

        The further sessions open as they are needed, with the same options, login and
        current directory as this one, and close (``QUIT``) when the files run out. A
        server that refuses another session (too many connections: ``421``, or ``530``
        to the login that just worked) shrinks the batch to the sessions it has: no
        file fails for that.

        Returns one element per pair, in order: the number of bytes received, or the
        :class:`ftps.Error` instance that file failed with (the exception
        :meth:`download` would have raised, e.g. :class:`ftps.PermanentReplyError`
        ``550`` for a missing file). A failed file does not stop the others and
        nothing is raised for it. Each file is downloaded as :meth:`download` does to
        a path: complete, verified, atomic (a temporary file replaces ``local`` once
        verified) and resumed after a lost connection, as the session's ``verify`` and
        ``resume_attempts`` say (:func:`ftps.connect`).

        ``progress(p)`` gets an :class:`ftps.BatchProgress` (``total``, ``done``,
        ``failed``, ``bytes``, ``sessions``) after each file and every 1 MiB or 0.1 s
        of data, from whichever session's thread moved it (one call at a time);
        returning ``False`` cancels the batch: the transfers under way are stopped with
        ``ABOR`` and those not done are :class:`ftps.CancelledError` elements. An
        exception the callback raises (or Ctrl-C) cancels the batch too, and is raised
        once the batch ended, as :meth:`download` raises it. The callback cannot use
        this client (:class:`ftps.StateError`). Either way the client stays usable.

        Bad arguments (a pair that is not one, a path of the wrong type, ``parallel``
        not between 1 and 32) raise before anything is sent.
        """
        todo = [(_remote(r), _local(loc)) for r, loc in _pairs(pairs, ("remote", "local"))]
        return self._raw.download_many(todo, _sessions(parallel, "parallel"), progress)

    def upload_many(
        self,
        pairs: Iterable[Tuple[StrPath, RemotePath]],
        *,
        parallel: int = 4,
        progress: Optional[BatchProgressCallback] = None,
    ) -> List[Union[int, Error]]:
        """Uploads many files at once: each ``(local, remote)`` pair (the order of
        :meth:`upload`'s arguments) over this session and up to ``parallel - 1`` more
        (default 4 sessions in all, at most 32). The mirror image of
        :meth:`download_many`: the same sessions, the same result (per pair the bytes
        sent or the :class:`ftps.Error` instance, never raised), the same
        ``progress``. Each file is sent as :meth:`upload` sends a path: verified,
        atomic and resumed as the session's ``verify``, ``atomic`` and
        ``resume_attempts`` say (:func:`ftps.connect`).
        """
        todo = [(_local(loc), _remote(r)) for loc, r in _pairs(pairs, ("local", "remote"))]
        return self._raw.upload_many(todo, _sessions(parallel, "parallel"), progress)

    # -- directory trees -----------------------------------------------------------

    def download_dir(self, remote: RemotePath, local: StrPath, recursive: bool = True) -> DirDownload:
        """Downloads the files of the remote directory ``remote`` into the local
        directory ``local`` (created when missing), and with ``recursive`` (the
        default) its subdirectories too, at most 32 levels deep.

        Names from the server are checked before any becomes a local path: unsafe
        names (``..``, ``/`` or ``\\``, a drive letter, a control byte), duplicates and
        symbolic links are skipped and listed in :attr:`ftps.DirDownload.skipped`, so
        every path written stays under ``local``. Each file is written as
        :meth:`download` writes to a path: through a temporary file that replaces it
        once verified, with the session's ``verify`` and ``resume_attempts`` (see
        :func:`ftps.connect`). An error stops the call; the files written until then
        stay.
        """
        return self._raw.download_dir(_remote(remote), _local(local), recursive)

    def upload_dir(self, local: StrPath, remote: RemotePath, recursive: bool = True) -> DirUpload:
        """Uploads the files of the local directory ``local`` into the remote
        directory ``remote``, and with ``recursive`` (the default) its subdirectories
        too, at most 32 levels deep. The mirror image of :meth:`download_dir`.

        Remote directories are created with ``MKD``, ``remote`` too unless it is
        ``""`` (the current directory); a ``5xx`` refusal is taken to mean that the
        directory exists already. Local names are checked as :meth:`download_dir`
        checks remote ones: a name with a control byte (CR, LF...) or a backslash
        cannot be sent, and is skipped and listed in :attr:`ftps.DirUpload.skipped`, as
        are temporary files of unfinished transfers (``.NAME.ftps-part.*``). Symbolic
        links are never followed out of the tree: a link to a file inside ``local`` is
        uploaded as that file; a link whose target is outside it, and a link to a
        directory (it could loop), are skipped. Each file is sent as :meth:`upload`
        sends a path, verified, atomic and resumed as the session's ``verify``,
        ``atomic`` and ``resume_attempts`` say (see :func:`ftps.connect`). An error
        stops the call; the files sent until then stay.
        """
        return self._raw.upload_dir(_local(local), _remote(remote), recursive)

    def sync(
        self,
        local: StrPath,
        remote: RemotePath,
        direction: Literal["upload", "download"],
        *,
        delete: bool = False,
        dry_run: bool = False,
        recursive: bool = True,
        preserve_mtime: bool = True,
    ) -> SyncReport:
        """One-way synchronisation: makes the destination (the server for
        ``direction="upload"``, ``local`` for ``"download"``) hold what the source
        holds, transferring only what differs. Returns what was done, in order
        (:class:`ftps.SyncReport`).

        A file is copied when the destination has none of that name (reason
        ``"missing"``), when the sizes differ (``"size"``), or when the modification
        times differ to the second (``"mtime"``). When the sizes are equal and the
        times differ or are unknown (the listing gives none to the second) and the
        server offers a hash, the hash decides: different contents are copied
        (``"hash"``), equal ones are not, and get the source's time (a ``"set_mtime"``
        action) when the times differed. With no hash and no known time, the same size
        counts as the same file. Uploading to a server without ``MFMT`` (vsftpd), where
        a file's time is that of its upload, a remote file newer than the local one
        counts as sent since the local change.

        ``preserve_mtime`` (default on) gives each copied file its source's
        modification time (``MFMT`` when the server offers it; a refusal is listed in
        ``skipped``) and compares times; off, only sizes (then the hash) are compared.
        ``recursive`` (default on) descends into subdirectories; off, only the files
        of the top directory are compared, and no directory is created or removed.
        ``dry_run`` changes nothing, not even ``MKD``: the report is the plan.
        ``delete`` also removes what the destination has and the source does not:
        files, and directories after their content (one holding anything sync leaves
        alone is kept), after the transfers of each directory. It is off by default
        because it deletes files: look at a ``dry_run=True`` report first.

        Names are checked on both sides as :meth:`download_dir` and
        :meth:`upload_dir` check them; unsafe names, symbolic links (remote ones
        always; local ones as :meth:`upload_dir` treats them when uploading, all of
        them when downloading), temporary files and a name that is a file on one side
        and a directory on the other are skipped, listed in ``skipped``, and never
        written, compared or deleted. A missing destination directory is created; a
        missing source directory is an error (``ReplyError`` 550), also on servers
        that list it as an empty one. Files move as :meth:`upload` and
        :meth:`download` move them to and from paths: verified, atomic and resumed as
        the session's ``verify``, ``atomic`` and ``resume_attempts`` say. An error
        stops the sync and the report of what was done is lost; run it again: what
        was done is not done twice.
        """
        return self._raw.sync(_local(local), _remote(remote), direction, delete, dry_run, recursive, preserve_mtime)

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
    def open(
        self,
        remote: RemotePath,
        mode: str = "rb",
        *,
        offset: int = 0,
        buffering: int = -1,
        encoding: Optional[str] = None,
        errors: Optional[str] = None,
        newline: Optional[str] = None,
    ) -> IO[Any]:
        """Opens a remote file as a file object, like the builtin :func:`open`.

        ``mode`` is ``"rb"`` (download; seekable: a seek restarts the transfer with
        ``REST``), ``"wb"`` (upload, ``STOR``; from ``offset`` with ``REST``), or
        ``"ab"`` (append, ``APPE``); without ``b`` the file is text, decoded with
        ``encoding``. Use it as a context manager: closing it ends the transfer and
        checks the server's final reply (a download closed before its end is
        aborted). While it is open the client can do nothing else.
        """
        from ._io import open_remote

        return open_remote(
            self,
            _remote(remote),
            mode,
            offset=_uint(offset, "offset"),
            buffering=buffering,
            encoding=encoding,
            errors=errors,
            newline=newline,
        )

    # -- ftplib-style helpers ------------------------------------------------------

    def retrbinary(
        self,
        cmd: str,
        callback: Callable[[bytes], Any],
        blocksize: int = 8192,
        rest: Optional[int] = None,
    ) -> str:
        """ftplib-compatible download: ``retrbinary("RETR name", callback)`` calls
        ``callback(chunk)`` for each chunk. ``blocksize`` is accepted and ignored
        (chunks are ~256 KiB). Returns the transfer's final reply as text; so, as in
        ftplib, no check follows the transfer (``verify`` does not apply; use
        :meth:`download` for that), while a lost connection is resumed as in
        :meth:`download`."""
        _, path = _ftplib_path(cmd, ("RETR",))
        self._raw.download_to(
            _remote(path), _CallbackWriter(callback), _uint(int(rest or 0), "rest"), "off", None, None
        )
        reply = self.last_reply
        return "" if reply is None else str(reply)

    def storbinary(
        self,
        cmd: str,
        fp: Readable,
        blocksize: int = 8192,
        callback: Optional[Callable[[bytes], Any]] = None,
        rest: Optional[int] = None,
    ) -> str:
        """ftplib-compatible upload: ``storbinary("STOR name", fp)`` (or
        ``"APPE name"``) sends what ``fp.read()`` yields. Returns the transfer's final
        reply; as in ftplib, no check follows (``verify`` and ``atomic`` do not apply;
        use :meth:`upload` for them)."""
        verb, path = _ftplib_path(cmd, ("STOR", "APPE"))
        reader = _CallbackReader(fp, callback)
        if verb == "APPE":
            with self.open(path, "ab") as out:
                while True:
                    data = reader.read(max(blocksize, 1 << 16))
                    if not data:
                        break
                    out.write(data)
        else:
            self._raw.upload_from(reader, _remote(path), _uint(int(rest or 0), "rest"), "off", False, None, None)
        reply = self.last_reply
        return "" if reply is None else str(reply)


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
    tls_records_in_place: bool = True,
    verify: Literal["auto", "required", "off"] = "auto",
    pipelining: Literal["auto", "off", "always"] = "auto",
    atomic: bool = False,
    resume_attempts: int = 3,
    resume_backoff: float = 1.0,
    transcript: Optional[TranscriptCallback] = None,
) -> Client:
    """Connects to an FTPS server and, when ``user`` is given, logs in.

    Secure by default: the certificate chain and host name are verified (system
    roots, or ``ca_file``/``ca_pem``, plus ``pin_sha256`` if given), data
    connections are encrypted (``PROT P``) and resume the control connection's TLS
    session (as vsftpd, ProFTPD and FileZilla Server require), and the address in a
    ``227`` reply is ignored.

    Args:
        host: DNS name or IP address.
        port: default 990 for ``mode="implicit"``, 21 otherwise.
        mode: ``"explicit"`` (``AUTH TLS``, RFC 4217), ``"implicit"`` (TLS from the
            first byte) or ``"insecure-plain"`` (no TLS at all).
        user, password, account: log in right away (else call :meth:`Client.login`).
        ca_file: PEM file(s) of CA certificates to trust instead of the system's.
        ca_pem: PEM text of CA certificates to trust.
        pin_sha256: SHA-256 of the server certificate or its public key (64 hex
            digits, or ``"sha256//<base64>"``); several may be given.
        pin_replaces_ca: trust the pin alone (self-signed servers).
        system_roots: force the system trust store on or off.
        tls_server_name: the name the certificate must carry, if not ``host``.
        client_cert: ``(cert_pem_path, key_pem_path)`` to present.
        timeout: sets all four timeouts below at once (seconds).
        connect_timeout: TCP connect (default 30 s).
        reply_timeout: the control TLS handshake and each reply (default 60 s).
        data_connect_timeout: opening a data connection (default 30 s).
        data_timeout: the longest pause in a transfer (default 120 s).
        min_tls, max_tls: ``"1.2"`` or ``"1.3"``.
        passive: passive (``EPSV``/``PASV``, default) or active (``EPRT``/``PORT``).
        active_bind: local address to listen on in active mode.
        insecure_trust_pasv_address: connect to the address in ``227`` replies.
        insecure_clear_data: ``PROT C``: data connections in clear text.
        ascii: ``TYPE A`` transfers instead of binary.
        utf8: send ``OPTS UTF8 ON`` when offered (default on).
        buffer_size: transfer chunk size (default 256 KiB).
        danger_accept_invalid_certs: accept any certificate (tests only).
        alpn: offer ALPN ``ftp`` (default on).
        auth_ssl: send ``AUTH SSL`` instead of ``AUTH TLS``.
        tcp_keepalive: TCP keepalive interval in seconds, ``None`` for off.
        tcp_nodelay: ``TCP_NODELAY`` (default on).
        tls_records_in_place: no effect; accepted (``True`` or ``False``) for
            compatibility with earlier versions. Data connections always run on
            rustls's own record layer, so a TLS 1.3 ``KeyUpdate`` and uploads of
            any size work either way.
        verify: how :meth:`Client.download` and :meth:`Client.upload` check each
            transfer: ``"auto"`` (the server's hash, else its ``SIZE``),
            ``"required"`` (a hash, or the call fails before transferring) or
            ``"off"``; a call's ``verify=`` overrides it.
        pipelining: whether the commands after a transfer (its check, the next
            ``EPSV`` of :meth:`Client.download_many`) go out before its final reply,
            a round trip or two less per file: ``"auto"`` (with servers whose
            greeting names one known to read ahead: vsftpd, ProFTPD, Pure-FTPd),
            ``"off"`` or ``"always"`` (the caller vouches for the server).
            :attr:`Client.pipelining` says what the session does.
        atomic: uploads go to a temporary name first and are renamed onto the target
            once verified (default off: it needs the right to rename and delete,
            which upload-only accounts often lack); a call's ``atomic=`` overrides it.
        resume_attempts: how many times a transfer that a lost connection
            interrupted reconnects and resumes (default 3; 0 for never).
        resume_backoff: the wait before the first resume, in seconds (default 1); it
            doubles with each further attempt, up to 30 s.
        transcript: ``transcript(direction, line)`` sees every line of the control
            connection as it goes: ``direction`` is ``"sent"`` (passwords masked),
            ``"received"`` or ``"info"`` (notes of the client, e.g. a verification
            or a resume). It runs inside the call that made the line; it cannot use
            the client, and what it raises is reported through
            :func:`sys.unraisablehook`, never stopping the call.
    """
    # Every argument goes to the native connect as it is: it converts and checks them,
    # connects and logs in. The options are named here, in the Args above and in
    # src/config.rs; tests/test_api.py checks that the three agree.
    raw = _ftps.connect(**locals())
    return Client(raw, host=host, port=raw.port, mode=raw.mode)
