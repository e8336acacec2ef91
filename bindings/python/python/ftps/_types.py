"""The values ``ftps`` returns: replies, listing entries, TLS facts."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, Optional, Tuple, Union

__all__ = ["Reply", "Entry", "TLSConnection", "TLSInfo", "SessionStats"]

_UTC = _dt.timezone.utc


def _decode(b: bytes) -> str:
    """Server bytes as ``str``: UTF-8, invalid bytes kept as lone surrogates
    (``surrogateescape``), so the name encodes back to the very same bytes."""
    return b.decode("utf-8", "surrogateescape")


def _datetime(t: Optional[Tuple[int, int, int, int, int, int, int]]) -> Optional[_dt.datetime]:
    if t is None:
        return None
    y, mo, d, h, mi, s, ns = t
    try:
        return _dt.datetime(y, mo, d, h, mi, s, ns // 1000, tzinfo=_UTC)
    except ValueError:  # year 0 and the like: a time Python cannot hold
        return None


@dataclass(frozen=True)
class Reply:
    """A reply of the server: the code, the text and the raw lines.

    ``str(reply)`` gives ``"226 Transfer complete."``.
    """

    code: int
    """The three-digit reply code."""
    text: str
    """The text without the codes, lines joined by ``"\\n"`` (invalid UTF-8 replaced)."""
    lines: Tuple[bytes, ...] = ()
    """The raw lines as the server sent them, without line endings."""

    def __str__(self) -> str:
        return f"{self.code} {self.text}"

    @property
    def ok(self) -> bool:
        """``True`` for ``1xx``, ``2xx`` and ``3xx`` replies."""
        return self.code < 400

    @classmethod
    def _from_tuple(cls, t: Tuple[int, str, Any]) -> "Reply":
        code, text, lines = t
        return cls(int(code), str(text), tuple(lines))


@dataclass(frozen=True)
class Entry:
    """One entry of a directory listing (:meth:`ftps.Client.listdir`, ``mlsd``).

    For ftplib compatibility an entry also unpacks as ``(name, facts)``:
    ``for name, facts in ftp.mlsd(): ...`` works as with :meth:`ftplib.FTP.mlsd`.
    """

    name: str
    """The name as ``str`` (invalid UTF-8 kept with ``surrogateescape``)."""
    name_bytes: bytes
    """The name exactly as the server sent it."""
    type: str
    """``"file"``, ``"dir"``, ``"link"`` or ``"other"``."""
    size: Optional[int]
    """Size in bytes, when the listing says."""
    mtime: Optional[_dt.datetime]
    """Modification time (timezone-aware, UTC), when the listing says."""
    link_target: Optional[str] = None
    """The target of a symbolic link, when the listing says."""
    permissions: Optional[str] = None
    """``"rwxr-xr-x"``-style permissions (or MLSD's ``perm`` fact), when known."""
    facts: Dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    """The raw MLSD/MLST facts, names lowercased (empty for ``LIST``)."""
    raw: bytes = b""
    """The listing line as the server sent it."""

    def is_dir(self) -> bool:
        """``True`` for a directory."""
        return self.type == "dir"

    def is_file(self) -> bool:
        """``True`` for a regular file."""
        return self.type == "file"

    def is_symlink(self) -> bool:
        """``True`` for a symbolic link."""
        return self.type == "link"

    def __iter__(self) -> Iterator[Union[str, Dict[str, str]]]:
        """Unpacks as ``(name, facts)``, like the items of :meth:`ftplib.FTP.mlsd`."""
        yield self.name
        yield self.facts

    @classmethod
    def _from_tuple(cls, t: Tuple[Any, ...]) -> "Entry":
        name, kind, size, mtime, link, perms, facts, raw = t
        return cls(
            name=_decode(name),
            name_bytes=bytes(name),
            type=kind,
            size=size,
            mtime=_datetime(mtime),
            link_target=None if link is None else _decode(link),
            permissions=perms,
            facts={k: _decode(v) for k, v in facts},
            raw=bytes(raw),
        )


@dataclass(frozen=True)
class TLSConnection:
    """What was negotiated on one TLS connection (control or data)."""

    version: str
    """``"TLSv1.3"`` or ``"TLSv1.2"``."""
    cipher: str
    """The cipher suite, e.g. ``"TLS13_AES_256_GCM_SHA384"``."""
    kx_group: Optional[str]
    """The key exchange group, e.g. ``"x25519"``, when known."""
    resumed: bool
    """``True`` when the handshake resumed an earlier session. Every data connection
    should: it resumes the control connection's session."""
    alpn: Optional[bytes]
    """The ALPN protocol the server chose (``b"ftp"``), if any."""

    @classmethod
    def _from_tuple(cls, t: Optional[Tuple[Any, ...]]) -> Optional["TLSConnection"]:
        if t is None:
            return None
        version, cipher, kx, resumed, alpn = t
        return cls(version, cipher, kx, bool(resumed), None if alpn is None else bytes(alpn))


@dataclass(frozen=True)
class SessionStats:
    """Counters of the TLS session reuse of one client."""

    control_tickets: int
    """TLS 1.3 tickets received on the control connection."""
    data_tickets: int
    """TLS 1.3 tickets received on data connections."""
    data_resumed: int
    """Data connections that resumed the control session."""
    data_full: int
    """Data connections that did a full handshake (a server that requires reuse refuses them)."""
    tickets_exhausted: int
    """Data connections that found no TLS 1.3 ticket left to resume with."""
    retried: int
    """Transfers retried once with a fresh ticket after a refused full handshake."""


@dataclass(frozen=True)
class TLSInfo:
    """The TLS facts of a session: :attr:`ftps.Client.tls_info`."""

    control: TLSConnection
    """The control connection."""
    data: Optional[TLSConnection]
    """The last data connection (``None`` before the first transfer or listing)."""
    stats: SessionStats
    """How many data connections resumed the session, and the tickets seen."""

    @property
    def version(self) -> str:
        """The control connection's TLS version."""
        return self.control.version

    @property
    def cipher(self) -> str:
        """The control connection's cipher suite."""
        return self.control.cipher

    @property
    def all_data_resumed(self) -> bool:
        """``True`` when no data connection so far needed a full handshake."""
        return self.stats.data_full == 0
