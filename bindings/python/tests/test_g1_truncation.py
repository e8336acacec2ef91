"""G1, silent truncation, through the Python face.

A TLS download whose data connection ends without a close_notify is complete only
when the byte count proves it: the 150 reply's count equals the bytes received, or
the size known from ``SIZE`` minus the ``REST`` offset does. Servers differ in that
count after ``REST o``: vsftpd announces the whole file, ProFTPD the bytes still to
come. So "offset + received == the 150 count" proves nothing: it is a complete
download from a whole-file server and one cut exactly ``offset`` bytes short from a
to-come server; that is why, from an offset, the client asks ``SIZE`` first, and on a
server without ``SIZE`` both raise. Anything short must raise
:class:`ftps.TruncatedError`.

The matrix (scripted server, tests/fakeserver.py): 150 count {whole file, bytes to
come, none} x end {close_notify, FIN without close_notify at full length, cut
``offset`` bytes short, cut elsewhere} x offset {0, >0}, through every Python
download call: ``download`` to a path (with and without ``resume``), to a file
object with ``offset``, ``open(offset=)`` and ``retrbinary(rest=)``. What a user
checks: complete downloads are byte-exact, short ones raise, a local target is
never replaced by a short file (a ``resume`` partial stays a correct, longer
partial that the next resume completes), and the client works afterwards.
"""

from __future__ import annotations

import io
import pathlib
import random
import re
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

import ftps
from conftest import Server, Workdir, _make_workdir, _server, fake_connect

N = 300_000  # the remote file: several TLS records
O = 100_000  # the REST offset; N - 2*O > 0, so "cut O bytes short" leaves data
OTHER_SHORT = 12_345  # a cut that matches no count
DATA = random.Random(0x61).randbytes(N)
NAME = "g1.bin"

COUNTS = ["whole", "to come", None]
ENDS = ["close_notify", "fin_full", "cut_by_offset", "cut_other"]


def _short(end: str, offset: int) -> int:
    return {"close_notify": 0, "fin_full": 0, "cut_by_offset": offset, "cut_other": OTHER_SHORT}[end]


def _cases(offsets: List[int]) -> List[Any]:
    out = []
    for offset in offsets:
        for count in COUNTS:
            for end in ENDS:
                if end == "cut_by_offset" and offset == 0:
                    continue  # the same as fin_full
                out.append(pytest.param(count, end, offset, id=f"{count or 'nocount'}-{end}-off{offset}".replace(" ", "")))
    return out


def complete(count: Optional[str], end: str, offset: int, size_known: bool) -> bool:
    """Whether the download must succeed. Short data never does; full-length data
    without close_notify does only where the counts prove it."""
    if end == "close_notify":
        return True
    if end != "fin_full":
        return False
    if size_known:  # SIZE - offset == received
        return True
    if count == "to come":  # the 150 count == received
        return True
    if count == "whole":  # == received only without an offset
        return offset == 0
    return False  # no count and no SIZE: nothing proves it


def action(count: Optional[str], end: str, offset: int) -> Any:
    return ("file", {"count": count, "close_notify": end == "close_notify", "short": _short(end, offset)})


CLEAN = ("file", {"count": "whole", "close_notify": True})


def sent(end: str, offset: int) -> int:
    return N - offset - _short(end, offset)


@pytest.fixture
def g1(fake: Callable[..., Any], servers_env: Dict[str, str]) -> Callable[..., Any]:
    """A scripted server holding ``NAME``: its first RETR answers as ``first``,
    every later one cleanly."""

    def make(first: Any) -> Any:
        return fake(files={NAME: DATA}, script={"RETR": [first, CLEAN]})

    return make


def still_usable(c: ftps.Client, s: Any) -> None:
    c.noop()
    assert c.size(NAME) == N
    out = io.BytesIO()
    assert c.download(NAME, out) == N
    assert out.getvalue() == DATA
    assert s.retrs == 2


def no_leftovers(d: pathlib.Path) -> None:
    assert [p.name for p in d.iterdir() if p.name.endswith(".ftps-part")] == []


# -- download to a path, no resume ---------------------------------------------------


@pytest.mark.parametrize("target_exists", [True, False], ids=["old-target", "no-target"])
@pytest.mark.parametrize("count,end,offset", _cases([0]))
def test_g1_download_to_path(
    g1: Any, servers_env: Dict[str, str], tmp_path: pathlib.Path,
    count: Optional[str], end: str, offset: int, target_exists: bool,
) -> None:
    s = g1(action(count, end, offset))
    dst = tmp_path / "dst.bin"
    old = b"the previous, complete version of the file\n"
    if target_exists:
        dst.write_bytes(old)
    with fake_connect(s, servers_env) as c:
        if complete(count, end, offset, size_known=False):
            assert c.download(NAME, dst) == N
            assert dst.read_bytes() == DATA
        else:
            with pytest.raises(ftps.TruncatedError) as e:
                c.download(NAME, dst)
            assert e.value.received == sent(end, offset)
            # The target is not replaced by (or created as) a short file.
            if target_exists:
                assert dst.read_bytes() == old
            else:
                assert not dst.exists()
        no_leftovers(tmp_path)
        still_usable(c, s)


# -- download to a path with resume ------------------------------------------------


@pytest.mark.parametrize("count,end,offset", _cases([0, O]))
def test_g1_download_to_path_resume(
    g1: Any, servers_env: Dict[str, str], tmp_path: pathlib.Path,
    count: Optional[str], end: str, offset: int,
) -> None:
    s = g1(action(count, end, offset))
    dst = tmp_path / "dst.bin"
    if offset:
        dst.write_bytes(DATA[:offset])  # the partial of an earlier attempt
    with fake_connect(s, servers_env) as c:
        # With a partial the client asks SIZE first, so SIZE - offset is known.
        size_known = offset > 0
        if complete(count, end, offset, size_known):
            assert c.download(NAME, dst, resume=True) == N - offset
            assert dst.read_bytes() == DATA
        else:
            with pytest.raises(ftps.TruncatedError) as e:
                c.download(NAME, dst, resume=True)
            assert e.value.received == sent(end, offset)
            # A resume keeps what arrived: a correct, longer partial, never a file
            # that claims to be complete.
            got = dst.read_bytes()
            assert got == DATA[: offset + sent(end, offset)]
            c.noop()
            # The next resume completes it byte-exact (the server answers cleanly now).
            assert c.download(NAME, dst, resume=True) == N - len(got)
            assert dst.read_bytes() == DATA
        if offset:
            assert f"REST {offset}" in s.commands and f"SIZE {NAME}" in s.commands
        no_leftovers(tmp_path)
        c.noop()
        out = io.BytesIO()
        assert c.download(NAME, out) == N and out.getvalue() == DATA


# -- streams at an offset: file object, open(), retrbinary ---------------------------------


def _via_file_object(c: ftps.Client, offset: int, out: List[bytes]) -> int:
    buf = io.BytesIO()
    try:
        return c.download(NAME, buf, offset=offset)
    finally:
        out.append(buf.getvalue())


def _via_open(c: ftps.Client, offset: int, out: List[bytes]) -> int:
    with c.open(NAME, offset=offset) as f:
        data = f.read()
        out.append(data)
        assert f.reply is not None and f.reply.code == 226
    return len(data)


def _via_retrbinary(c: ftps.Client, offset: int, out: List[bytes]) -> int:
    chunks: List[bytes] = []
    try:
        reply = c.retrbinary(f"RETR {NAME}", chunks.append, rest=offset or None)
        assert reply.startswith("226")
    finally:
        out.append(b"".join(chunks))
    return len(out[-1])


STREAMS: Dict[str, Callable[[ftps.Client, int, List[bytes]], int]] = {
    "file_object": _via_file_object,
    "open": _via_open,
    "retrbinary": _via_retrbinary,
}


@pytest.mark.parametrize("how", sorted(STREAMS))
@pytest.mark.parametrize("count,end,offset", _cases([0, O]))
def test_g1_stream_at_offset(
    g1: Any, servers_env: Dict[str, str], how: str, count: Optional[str], end: str, offset: int,
) -> None:
    s = g1(action(count, end, offset))
    with fake_connect(s, servers_env) as c:
        out: List[bytes] = []
        # From an offset the client asks SIZE first: SIZE - offset is known.
        if complete(count, end, offset, size_known=offset > 0):
            assert STREAMS[how](c, offset, out) == N - offset
            assert out[-1] == DATA[offset:]
        else:
            with pytest.raises(ftps.TruncatedError) as e:
                STREAMS[how](c, offset, out)
            assert e.value.received == sent(end, offset)
            # Whatever reached the caller is a true prefix of the data.
            if out:
                assert DATA[offset:].startswith(out[-1])
        if offset:
            assert f"REST {offset}" in s.commands and f"SIZE {NAME}" in s.commands
        still_usable(c, s)


# -- the ambiguous pair, side by side ----------------------------------------------------


@pytest.mark.parametrize("how", sorted(STREAMS))
def test_g1_ambiguous_150_count_is_truncated_without_size(
    fake: Callable[..., Any], servers_env: Dict[str, str], how: str,
) -> None:
    # A whole-file server at full length and a to-come server cut exactly `offset`
    # bytes short put the same numbers on the wire: 150 count == offset + received.
    # On a server without SIZE nothing tells them apart, so both must raise.
    for first, received in [
        (action("whole", "fin_full", O), N - O),
        (action("to come", "cut_by_offset", O), N - 2 * O),
    ]:
        s = fake(files={NAME: DATA}, script={"RETR": [first, CLEAN], "SIZE": b"502 no SIZE here\r\n"})
        with fake_connect(s, servers_env) as c:
            with pytest.raises(ftps.TruncatedError, match="may be the whole file") as e:
                STREAMS[how](c, O, [])
            assert e.value.received == received
            assert s.commands.count("SIZE " + NAME) == 1
            c.noop()
            out: List[bytes] = []
            assert STREAMS[how](c, O, out) == N - O  # the next answer is clean
            assert out[-1] == DATA[O:]


def test_g1_ambiguous_150_count_resume_uses_size(
    g1: Any, servers_env: Dict[str, str], tmp_path: pathlib.Path,
) -> None:
    # With SIZE (resume of a partial) the pair is told apart: the whole-file server's
    # download is complete, the cut one is truncated and stays a partial.
    for first, ok in [(action("whole", "fin_full", O), True), (action("to come", "cut_by_offset", O), False)]:
        s = g1(first)
        dst = tmp_path / f"resume-{ok}.bin"
        dst.write_bytes(DATA[:O])
        with fake_connect(s, servers_env) as c:
            if ok:
                assert c.download(NAME, dst, resume=True) == N - O
                assert dst.read_bytes() == DATA
            else:
                with pytest.raises(ftps.TruncatedError):
                    c.download(NAME, dst, resume=True)
                assert dst.read_bytes() == DATA[: N - O]
                assert c.download(NAME, dst, resume=True) == O
                assert dst.read_bytes() == DATA
            c.noop()


# -- close_notify before the end that the client knows ---------------------------------


EARLY = [
    # (call, offset, 150 count): in each the client knows how many bytes must come,
    # from the 150 count at offset 0, from SIZE on resume, or from a whole-file count
    # (the fewest it can mean is count - offset).
    ("path", 0, "whole"),
    ("path", 0, "to come"),
    ("resume", O, None),
    ("resume", O, "whole"),
    ("resume", O, "to come"),
    ("file_object", 0, "whole"),
    ("open", 0, "to come"),
    ("retrbinary", 0, "whole"),
    ("open", O, "whole"),
    ("file_object", O, "whole"),
]


@pytest.mark.parametrize(
    "how,offset,count", [pytest.param(*e, id=f"{e[0]}-off{e[1]}-{e[2] or 'nocount'}".replace(" ", "")) for e in EARLY]
)
def test_g1_close_notify_short_of_the_known_length_is_truncated(
    g1: Any, servers_env: Dict[str, str], tmp_path: pathlib.Path, how: str, offset: int, count: Optional[str],
) -> None:
    # The server ends TLS cleanly (close_notify, then 226) OTHER_SHORT bytes before the
    # end the client knows for sure. A clean TLS end does not make the file complete:
    # the download is short and must not succeed (the clear-text rule of the core,
    # "fewer bytes than the least the server can have meant", applies as well).
    s = g1(("file", {"count": count, "close_notify": True, "short": OTHER_SHORT}))
    got = N - offset - OTHER_SHORT
    dst = tmp_path / "dst.bin"
    old = b"the previous, complete version of the file\n"
    with fake_connect(s, servers_env) as c:
        if how == "path":
            dst.write_bytes(old)
            with pytest.raises(ftps.TruncatedError) as e:
                c.download(NAME, dst)
            assert dst.read_bytes() == old  # not replaced by a short file
        elif how == "resume":
            dst.write_bytes(DATA[:offset])
            with pytest.raises(ftps.TruncatedError) as e:
                c.download(NAME, dst, resume=True)
            assert dst.read_bytes() == DATA[: offset + got]  # a partial, kept as one
            assert c.download(NAME, dst, resume=True) == OTHER_SHORT
            assert dst.read_bytes() == DATA
        else:
            with pytest.raises(ftps.TruncatedError) as e:
                STREAMS[how](c, offset, [])
        assert e.value.received == got
        no_leftovers(tmp_path)
        c.noop()
        out = io.BytesIO()
        assert c.download(NAME, out) == N and out.getvalue() == DATA


# -- real servers: both kinds of 150 count, resumed and read at an offset -------------------


@pytest.fixture(params=["vsftpd-explicit", "proftpd-explicit"])
def real(request: pytest.FixtureRequest, servers_env: Dict[str, str]) -> Server:
    return _server(servers_env, request.param)


@pytest.fixture
def real_workdir(real: Server, request: pytest.FixtureRequest) -> Iterator[Workdir]:
    yield from _make_workdir(real, request)


def test_g1_real_servers_resume_and_offset_reads_are_byte_exact(
    real: Server, real_workdir: Workdir, tmp_path: pathlib.Path,
) -> None:
    with real.connect() as c:
        c.cwd(real_workdir.remote)
        assert c.upload(io.BytesIO(DATA), NAME) == N
        # The 150 count after REST: vsftpd the whole file, ProFTPD the bytes to come.
        with c.open(NAME, offset=O) as f:
            first = c.last_reply
            assert f.read() == DATA[O:]
        assert first is not None and first.code == 150
        m = re.search(r"\((\d+) bytes\)", first.text)
        if m is not None:
            want = N if real.name.startswith("vsftpd") else N - O
            assert int(m.group(1)) == want, first.text
        out = io.BytesIO()
        assert c.download(NAME, out, offset=O) == N - O and out.getvalue() == DATA[O:]
        dst = tmp_path / "dst.bin"
        dst.write_bytes(DATA[:O])
        assert c.download(NAME, dst, resume=True) == N - O
        assert dst.read_bytes() == DATA
        assert c.download(NAME, dst) == N and dst.read_bytes() == DATA
        no_leftovers(tmp_path)
