"""Losing no data (docs/threats.md, classes G5 and G6) through the Python face:
transfers verified with the server's hash or size (``verify=``), atomic uploads
(``atomic=``), automatic resume after a lost connection (``resume_attempts=``),
``Client.reconnect()`` and ``Client.left_behind``; against the project's
ftps-testserver and its faults (``--fault-user NAME:ITEMS``, ``--no-hash``,
``--no-xsha``), serving a directory of its own (``--root``) so that the tests see the
server's files as they are.

The large-file run (``test_g6_every_second_transfer_cut_...``) moves a file of
``FTPS_BIG_MIB`` MiB (default 1024) three times.
"""

from __future__ import annotations

import hashlib
import io
import os
import pathlib
import re
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Tuple

import pytest

import ftps
from conftest import Srv

PART = re.compile(r"^\.(?P<name>.+)\.ftps-part\.[0-9a-f]{12}$")
BIG_MIB = int(os.environ.get("FTPS_BIG_MIB", "1024"))


def pattern(n: int, seed: int = 7) -> bytes:
    """Bytes that differ from one offset to the next (a resume at the wrong place shows)."""
    out = bytearray()
    block = hashlib.sha512(str(seed).encode()).digest()
    while len(out) < n:
        block = hashlib.sha512(block).digest()
        out += block
    return bytes(out[:n])


DATA = pattern(700_000)


@dataclass
class Transcript:
    """What a ``transcript=`` callback saw."""

    lines: List[Tuple[str, str]] = field(default_factory=list)

    def __call__(self, direction: str, line: str) -> None:
        self.lines.append((direction, line))

    def sent(self, *verbs: str) -> List[str]:
        out = [line for d, line in self.lines if d == "sent"]
        if verbs:
            out = [line for line in out if line.split(" ", 1)[0].upper() in verbs]
        return out

    def info(self) -> List[str]:
        return [line for d, line in self.lines if d == "info"]

    def clear(self) -> None:
        self.lines.clear()


def checks(t: Transcript) -> List[str]:
    """The commands of a verification: ``HASH``, ``OPTS HASH``, ``XSHA*``, ``SIZE``."""
    verbs = ("HASH", "XSHA1", "XSHA256", "XSHA512", "SIZE")
    return [line for line in t.sent() if line.split(" ", 1)[0].upper() in verbs or line.upper().startswith("OPTS HASH")]


def no_partials(d: pathlib.Path) -> None:
    assert [p.name for p in d.iterdir() if ".ftps-part" in p.name] == []


# -- G5: verification ------------------------------------------------------------


def test_g5_integrity_error_is_an_ftps_error() -> None:
    assert issubclass(ftps.IntegrityError, ftps.Error)
    assert ftps.IntegrityError.__module__ == "ftps" and "IntegrityError" in ftps.__all__
    e = ftps.IntegrityError("x")
    assert (e.path, e.check, e.local, e.remote, e.fatal) == ("", "", "", "", False)


def test_g5_a_download_is_verified_with_the_servers_strongest_hash(
    testserver_with: Callable[..., Srv], tmp_path: pathlib.Path
) -> None:
    srv = testserver_with()
    (srv.root / "f.bin").write_bytes(DATA)
    t = Transcript()
    with srv.connect(transcript=t) as c:
        assert any(f.upper().startswith("HASH ") for f in c.features)
        dst = tmp_path / "f.bin"
        assert c.download("f.bin", dst) == len(DATA)
        assert dst.read_bytes() == DATA
        # The strongest of FEAT's HASH SHA-256*;SHA-512;SHA-1, selected, then asked for.
        assert [line for line in t.sent("OPTS") if "HASH" in line] == ["OPTS HASH SHA-512"]
        assert t.sent("HASH") == ["HASH f.bin"]
        assert t.sent("SIZE") == []  # the hash said it all
        digest = hashlib.sha512(DATA).hexdigest()
        assert any("verified" in line and digest in line for line in t.info())
        assert t.sent("RETR", "HASH").index("HASH f.bin") == 1  # after the transfer
        # Into a file object too, and uploads: the hash of the bytes as they went.
        t.clear()
        out = io.BytesIO()
        assert c.download("f.bin", out) == len(DATA) and out.getvalue() == DATA
        assert c.upload(io.BytesIO(DATA), "up.bin") == len(DATA)
        assert t.sent("HASH") == ["HASH f.bin", "HASH up.bin"]
        assert [line for line in t.sent("OPTS") if "HASH" in line] == []  # selected once per connection
        assert (srv.root / "up.bin").read_bytes() == DATA
    no_partials(tmp_path)


def test_g5_without_hash_the_x_commands_then_the_size_are_compared(
    testserver_with: Callable[..., Srv], tmp_path: pathlib.Path
) -> None:
    xsha = testserver_with("--no-hash")
    (xsha.root / "f.bin").write_bytes(DATA)
    t = Transcript()
    with xsha.connect(transcript=t) as c:
        assert c.download("f.bin", tmp_path / "a.bin") == len(DATA)
        assert checks(t) == ["XSHA512 f.bin"]
    bare = testserver_with("--no-hash", "--no-xsha")
    (bare.root / "f.bin").write_bytes(DATA)
    t = Transcript()
    with bare.connect(transcript=t) as c:
        assert c.download("f.bin", tmp_path / "b.bin") == len(DATA)
        assert c.upload(tmp_path / "b.bin", "up.bin") == len(DATA)
        assert checks(t) == ["SIZE f.bin", "SIZE up.bin"]
    assert (tmp_path / "b.bin").read_bytes() == DATA == (bare.root / "up.bin").read_bytes()


def test_g5_a_lying_hash_raises_integrity_error_and_replaces_nothing(
    testserver_with: Callable[..., Srv], tmp_path: pathlib.Path
) -> None:
    srv = testserver_with("--fault-user", "liar:lying-hash")
    (srv.root / "f.bin").write_bytes(DATA)
    old = b"the previous, complete version of the file\n"
    dst = tmp_path / "f.bin"
    dst.write_bytes(old)
    with srv.connect("liar") as c:
        with pytest.raises(ftps.IntegrityError) as e:
            c.download("f.bin", dst)
        err = e.value
        assert isinstance(err, ftps.Error) and not err.fatal
        assert err.path == "f.bin" and err.check == "SHA-512"
        assert err.local == hashlib.sha512(DATA).hexdigest()
        assert re.fullmatch(r"[0-9a-f]{128}", err.remote) and err.remote != err.local
        assert err.local in str(err) and err.remote in str(err)
        # The target is not replaced, and no temporary file is left beside it.
        assert dst.read_bytes() == old
        no_partials(tmp_path)
        # A file object got the bytes (they cannot be taken back), and the error.
        with pytest.raises(ftps.IntegrityError):
            c.download("f.bin", io.BytesIO())
        # An atomic upload fails before the rename: target untouched, temporary file gone.
        (srv.root / "target.bin").write_bytes(old)
        with pytest.raises(ftps.IntegrityError) as e:
            c.upload(io.BytesIO(DATA), "target.bin", atomic=True)
        assert e.value.check == "SHA-512" and e.value.path.startswith(".target.bin.ftps-part.")
        assert (srv.root / "target.bin").read_bytes() == old
        no_partials(srv.root)
        assert c.left_behind == []
        # verify="off" for one call: no check, so no error; the client was usable throughout.
        assert c.download("f.bin", dst, verify="off") == len(DATA)
        assert dst.read_bytes() == DATA


def test_g5_verify_required_without_a_hash_fails_before_transferring(
    testserver_with: Callable[..., Srv], tmp_path: pathlib.Path
) -> None:
    srv = testserver_with("--no-hash", "--no-xsha")
    (srv.root / "f.bin").write_bytes(DATA)
    (tmp_path / "src.bin").write_bytes(DATA)
    dst = tmp_path / "dst.bin"
    t = Transcript()
    with srv.connect(verify="required", transcript=t) as c:
        calls: List[Callable[[], Any]] = [
            lambda: c.download("f.bin", dst),
            lambda: c.download("f.bin", io.BytesIO()),
            lambda: c.upload(tmp_path / "src.bin", "up.bin"),
            lambda: c.upload(io.BytesIO(DATA), "up.bin", atomic=True),
        ]
        for call in calls:
            with pytest.raises(ftps.IntegrityError) as e:
                call()
            assert e.value.check == "none" and e.value.local == "" and e.value.remote == ""
            assert "no hash" in str(e.value)
        # Nothing was transferred: no data command at all, no file on either side.
        assert t.sent("RETR", "STOR", "APPE", "REST", "EPSV", "PASV") == []
        assert not dst.exists() and srv.names() == ["f.bin"]
        no_partials(tmp_path)
        # The session default is overridden per call.
        assert c.download("f.bin", dst, verify="auto") == len(DATA)
    with srv.connect(transcript=t) as c:
        with pytest.raises(ftps.IntegrityError):
            c.download("f.bin", dst, verify="required")


def test_g5_verify_off_sends_no_hash_and_no_size(
    testserver_with: Callable[..., Srv], tmp_path: pathlib.Path
) -> None:
    srv = testserver_with()
    (srv.root / "f.bin").write_bytes(DATA)
    t = Transcript()
    with srv.connect(verify="off", transcript=t) as c:
        assert c.download("f.bin", tmp_path / "a.bin") == len(DATA)
        assert c.download("f.bin", io.BytesIO()) == len(DATA)
        assert c.upload(tmp_path / "a.bin", "up.bin") == len(DATA)
        assert c.upload(io.BytesIO(DATA), "up2.bin", atomic=True) == len(DATA)
        assert checks(t) == []
        assert len(t.sent("RETR")) == 2 and len(t.sent("STOR")) == 2
        # Per call the other way round: verified.
        assert c.download("f.bin", tmp_path / "b.bin", verify="auto") == len(DATA)
        assert t.sent("HASH") == ["HASH f.bin"]
    assert (srv.root / "up.bin").read_bytes() == DATA == (srv.root / "up2.bin").read_bytes()
    with srv.connect(transcript=t) as c:
        t.clear()
        c.download("f.bin", io.BytesIO(), verify="off")
        assert checks(t) == []


def test_g5_bad_verify_and_atomic_arguments(testserver_with: Callable[..., Srv]) -> None:
    srv = testserver_with()
    with pytest.raises(ftps.InvalidArgumentError) as e:
        srv.connect(verify="sometimes")  # type: ignore[arg-type]
    assert e.value.argument == "verify"
    with pytest.raises(ftps.InvalidArgumentError) as e:
        srv.connect(resume_attempts=-1)
    assert e.value.argument == "resume_attempts"
    with pytest.raises(ftps.InvalidArgumentError) as e:
        srv.connect(resume_backoff=-1.0)
    assert e.value.argument == "resume_backoff"
    with pytest.raises(ftps.InvalidArgumentError) as e:
        srv.connect(resume_backoff=7200.0)
    assert e.value.argument == "resume_backoff"
    with srv.connect() as c:
        with pytest.raises(ftps.InvalidArgumentError) as e:
            c.download("f.bin", io.BytesIO(), verify="maybe")  # type: ignore[arg-type]
        assert e.value.argument == "verify"
        with pytest.raises(ftps.InvalidArgumentError) as e:
            c.upload(io.BytesIO(b"x"), "f.bin", offset=1, atomic=True)
        assert e.value.argument == "atomic"
        with pytest.raises(ftps.InvalidArgumentError):
            c.download("f.bin", io.BytesIO(), resume_attempts=-1)
        with pytest.raises(TypeError):
            srv.connect(transcript="not callable")  # type: ignore[arg-type]
        c.noop()


# -- G5: atomic uploads ----------------------------------------------------------


def _atomic_steps(t: Transcript, remote: str) -> str:
    """Checks that ``remote`` went up as STOR of a temporary name in its directory, its
    verification there, then RNFR/RNTO onto ``remote``; returns the temporary name."""
    steps = t.sent("STOR", "HASH", "RNFR", "RNTO", "DELE")
    assert len(steps) == 4, steps
    verb, temp = steps[0].split(" ", 1)
    head, sep, name = remote.rpartition("/")
    assert verb == "STOR" and temp.startswith(head + sep)
    m = PART.match(temp[len(head + sep) :])
    assert m is not None and m.group("name") == name
    assert steps[1:] == [f"HASH {temp}", f"RNFR {temp}", f"RNTO {remote}"]
    return temp


def test_g5_atomic_upload_goes_to_a_temporary_name_then_is_renamed(
    testserver_with: Callable[..., Srv], tmp_path: pathlib.Path
) -> None:
    srv = testserver_with()
    src = tmp_path / "src.bin"
    src.write_bytes(DATA)
    (srv.root / "b.bin").write_bytes(b"old")
    t = Transcript()
    with srv.connect(atomic=True, transcript=t) as c:
        assert c.upload(src, "a.bin") == len(DATA)  # the session's atomic=True
        _atomic_steps(t, "a.bin")
        t.clear()
        assert c.upload(io.BytesIO(DATA), "b.bin") == len(DATA)  # a reader, onto an existing file
        _atomic_steps(t, "b.bin")
        t.clear()
        assert c.upload(src, "c.bin", atomic=False) == len(DATA)  # per call: straight there
        assert t.sent("STOR", "RNFR", "RNTO") == ["STOR c.bin"]
        t.clear()
        # resume continues the remote file under its own name: never atomic.
        (srv.root / "d.bin").write_bytes(DATA[:1000])
        assert c.upload(src, "d.bin", resume=True) == len(DATA) - 1000
        assert t.sent("STOR", "RNFR", "RNTO") == ["STOR d.bin"]
        assert c.left_behind == []
    with srv.connect(transcript=t) as c:  # the library default: off
        t.clear()
        c.upload(src, "e.bin")
        assert t.sent("STOR", "RNFR", "RNTO") == ["STOR e.bin"]
        t.clear()
        c.upload(src, "f.bin", atomic=True)  # per call: on
        _atomic_steps(t, "f.bin")
    for name in "abcdef":
        assert (srv.root / f"{name}.bin").read_bytes() == DATA, name
    no_partials(srv.root)


def test_g5_atomic_upload_onto_a_server_that_will_not_rename_onto_a_file(
    testserver_with: Callable[..., Srv],
) -> None:
    srv = testserver_with("--fault-user", "win:no-rename-onto-existing")
    (srv.root / "t.bin").write_bytes(b"old")
    t = Transcript()
    with srv.connect("win", atomic=True, transcript=t) as c:
        assert c.upload(io.BytesIO(DATA), "t.bin") == len(DATA)
        rn = t.sent("RNFR", "RNTO", "DELE")
        temp = rn[0].split(" ", 1)[1]
        assert rn == [f"RNFR {temp}", "RNTO t.bin", "DELE t.bin", f"RNFR {temp}", "RNTO t.bin"]
    assert (srv.root / "t.bin").read_bytes() == DATA
    no_partials(srv.root)


def test_g5_a_failed_atomic_upload_leaves_neither_a_partial_target_nor_a_temporary_file(
    testserver_with: Callable[..., Srv], tmp_path: pathlib.Path
) -> None:
    srv = testserver_with("--fault-user", "cut:cut-data-after=100000")
    (srv.root / "t.bin").write_bytes(b"old")
    (tmp_path / "src.bin").write_bytes(DATA)
    with srv.connect("cut", atomic=True, resume_attempts=0) as c:
        with pytest.raises(ftps.Error) as e:
            c.upload(tmp_path / "src.bin", "t.bin")
        assert not isinstance(e.value, ftps.IntegrityError)
        assert c.left_behind == []
        c.noop()
    assert srv.names() == ["t.bin"] and (srv.root / "t.bin").read_bytes() == b"old"


# -- G6: resume and reconnect ------------------------------------------------------


def test_g6_a_cut_download_and_upload_are_resumed(
    testserver_with: Callable[..., Srv], tmp_path: pathlib.Path
) -> None:
    srv = testserver_with("--fault-user", "cut:cut-every-second=250000")
    (srv.root / "f.bin").write_bytes(DATA)
    t = Transcript()
    progress: List[Tuple[int, Optional[int]]] = []
    with srv.connect("cut", transcript=t) as c:
        assert c.download("f.bin", tmp_path / "a.bin") == len(DATA)  # 1st transfer: whole
        assert c.download("f.bin", tmp_path / "b.bin", progress=lambda d, n: progress.append((d, n))) == len(DATA)
        assert t.sent("REST") == ["REST 250000"]  # 2nd cut, 3rd from there on
        assert any("resuming after 250000 bytes" in line for line in t.info())
        assert progress[-1] == (len(DATA), len(DATA))  # counts the whole file, not the last attempt
        # 4th cut: a reader cannot be read again, so its upload is not resumed.
        with pytest.raises(ftps.TransientReplyError) as e:
            c.upload(io.BytesIO(DATA), "up.bin")
        assert e.value.code == 426
        assert c.upload(tmp_path / "a.bin", "up2.bin") == len(DATA)  # 5th: whole
        assert c.upload(tmp_path / "a.bin", "up3.bin") == len(DATA)  # 6th cut, 7th REST+STOR
        assert t.sent("REST") == ["REST 250000", "REST 250000"]
        stats = c.session_stats
        assert (stats.resumes, stats.reconnects) == (2, 0)
        info = c.tls_info
        assert info is not None and info.stats == stats
    for name in ("a.bin", "b.bin"):
        assert (tmp_path / name).read_bytes() == DATA
    for name in ("up2.bin", "up3.bin"):
        assert (srv.root / name).read_bytes() == DATA


def test_g6_resume_attempts_0_does_not_resume(
    testserver_with: Callable[..., Srv], tmp_path: pathlib.Path
) -> None:
    srv = testserver_with("--fault-user", "cut:cut-once=100000")
    (srv.root / "f.bin").write_bytes(DATA)
    dst = tmp_path / "f.bin"
    with srv.connect("cut", resume_attempts=0) as c:
        with pytest.raises(ftps.Error) as e:
            c.download("f.bin", dst)
        assert not dst.exists()
        assert c.session_stats.resumes == 0
        assert c.download("f.bin", dst) == len(DATA)  # cut once only
    srv = testserver_with("--fault-user", "cut:cut-once=100000")
    (srv.root / "f.bin").write_bytes(DATA)
    with srv.connect("cut") as c:
        with pytest.raises(ftps.Error):
            c.download("f.bin", io.BytesIO(), resume_attempts=0)  # per call


def test_g6_a_lost_session_reconnects_logs_in_again_and_resumes_in_the_same_directory(
    testserver_with: Callable[..., Srv], tmp_path: pathlib.Path
) -> None:
    srv = testserver_with("--fault-user", "drop:drop-session-every-second=300000")
    (srv.root / "sub").mkdir()
    (srv.root / "sub" / "f.bin").write_bytes(DATA)
    t = Transcript()
    with srv.connect("drop", transcript=t) as c:
        c.cwd("sub")
        assert c.download("f.bin", tmp_path / "a.bin") == len(DATA)  # 1st: whole
        assert c.download("f.bin", tmp_path / "b.bin") == len(DATA)  # 2nd: session dropped
        stats = c.session_stats
        assert (stats.reconnects, stats.resumes) == (1, 1)
        assert c.pwd() == "/sub"
        assert len(t.sent("USER")) == 2 and t.sent("REST") == ["REST 300000"]
        assert any("reconnected" in line for line in t.info())  # the transcript moved along
        # 4th dropped as well: reconnect, then REST + STOR from what the server kept.
        assert c.upload(tmp_path / "b.bin", "up.bin") == len(DATA)
        stats = c.session_stats
        assert (stats.reconnects, stats.resumes) == (2, 2)
        assert t.sent("REST") == ["REST 300000", "REST 300000"]
    assert (tmp_path / "b.bin").read_bytes() == DATA == (srv.root / "sub" / "up.bin").read_bytes()


def test_g6_reconnect_on_request(testserver_with: Callable[..., Srv]) -> None:
    srv = testserver_with()
    (srv.root / "d").mkdir()
    t = Transcript()
    host, port = srv.info["explicit"].rsplit(":", 1)
    with ftps.connect(host, int(port), ca_file=srv.info["ca"], timeout=10) as c:
        with pytest.raises(ftps.StateError):
            c.reconnect()  # never logged in: nothing to log in again with
    with srv.connect(transcript=t) as c:
        c.cwd("d")
        c.reconnect()
        c.reconnect()
        assert c.pwd() == "/d" and c.logged_in
        assert c.session_stats.reconnects == 2
        assert len(t.sent("USER")) == 3
        assert all("PASS ****" == line for line in t.sent("PASS"))  # masked, also on reconnect
    with pytest.raises(ftps.StateError):
        c.reconnect()  # closed


def test_g6_a_temporary_file_that_cannot_be_deleted_is_left_behind(
    testserver_with: Callable[..., Srv],
) -> None:
    srv = testserver_with("--fault-user", "drop:drop-session-after=100000")
    with srv.connect("drop", atomic=True, resume_attempts=0) as c:
        # The session is gone with the data connection, and no reconnect is allowed:
        # the temporary file stays, and the client says so.
        with pytest.raises(ftps.ConnectionLostError):
            c.upload(io.BytesIO(DATA), "t.bin")
        [left] = c.left_behind
        assert PART.match(left) and PART.match(left).group("name") == "t.bin"  # type: ignore[union-attr]
        assert srv.names() == [left]
        # Kept across an explicit reconnect, so that the caller can clean up.
        c.reconnect()
        assert c.left_behind == [left]
        c.delete(left)
    assert srv.names() == []
    with srv.connect("drop", atomic=True, resume_attempts=0) as c:
        with pytest.raises(ftps.ConnectionLostError):
            c.upload(io.BytesIO(DATA), "t.bin")
    [left] = c.left_behind  # still readable once the client is closed
    assert srv.names() == [left]


def test_g5_a_failing_transcript_callback_does_not_stop_the_call(
    testserver_with: Callable[..., Srv], monkeypatch: pytest.MonkeyPatch
) -> None:
    srv = testserver_with()
    (srv.root / "f.bin").write_bytes(DATA)
    seen: List[Any] = []
    monkeypatch.setattr("sys.unraisablehook", lambda u: seen.append(u.exc_value))

    def boom(direction: str, line: str) -> None:
        raise RuntimeError(f"{direction}: {line}")

    with srv.connect(transcript=boom) as c:
        out = io.BytesIO()
        assert c.download("f.bin", out) == len(DATA) and out.getvalue() == DATA
    assert seen and all(isinstance(e, RuntimeError) for e in seen)
    assert any(str(e).startswith("sent: HASH f.bin") for e in seen)

    holder: List[ftps.Client] = []

    def reenter(direction: str, line: str) -> None:
        if holder:
            holder[0].noop()  # a callback cannot use the client that is running it

    with srv.connect(transcript=reenter) as c2:
        holder.append(c2)
        seen.clear()
        c2.noop()
        assert seen and all(isinstance(e, ftps.StateError) for e in seen)
        holder.clear()


def test_g6_session_stats_have_reconnects_and_resumes() -> None:
    s = ftps.SessionStats(1, 2, 3, 0, 0, 0, 4, 5)
    assert (s.reconnects, s.resumes) == (4, 5)
    assert ftps.SessionStats(1, 2, 3, 0, 0, 0) == ftps.SessionStats(1, 2, 3, 0, 0, 0, 0, 0)
    assert ftps.SessionStats.__match_args__[-2:] == ("reconnects", "resumes")
    assert "reconnects=4, resumes=5" in repr(s)


def _write_big(path: pathlib.Path, size: int) -> str:
    """Writes ``size`` random bytes to ``path``; returns their SHA-256."""
    h = hashlib.sha256()
    chunk = 16 << 20
    with open(path, "wb") as f:
        left = size
        while left:
            b = os.urandom(min(chunk, left))
            h.update(b)
            f.write(b)
            left -= len(b)
    return h.hexdigest()


def _sha256(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(16 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


def test_g6_every_second_transfer_cut_a_large_file_still_arrives_whole(
    testserver_with: Callable[..., Srv], tmp_path: pathlib.Path
) -> None:
    size = BIG_MIB << 20
    srv = testserver_with("--fault-user", f"cut:cut-every-second={size // 3}")
    want = _write_big(srv.root / "big.bin", size)
    local, back = tmp_path / "big.bin", tmp_path / "back.bin"
    t = Transcript()
    try:
        with srv.connect("cut", transcript=t, data_timeout=120) as c:
            assert c.download("big.bin", local) == size  # 1st transfer: whole
            assert c.upload(local, "up.bin") == size  # 2nd cut, 3rd REST + STOR
            assert c.download("up.bin", back) == size  # 4th cut, 5th REST + RETR
            stats = c.session_stats
            assert stats.resumes == 2 and stats.reconnects == 0
            assert t.sent("REST") == [f"REST {size // 3}"] * 2
            assert len(t.sent("HASH")) == 3  # each one verified
        assert _sha256(local) == want
        assert _sha256(srv.root / "up.bin") == want
        assert _sha256(back) == want
        no_partials(tmp_path)
    finally:
        for p in (local, back, srv.root / "big.bin", srv.root / "up.bin"):
            p.unlink(missing_ok=True)


# -- fsspec ------------------------------------------------------------------------


def test_g5_fsspec_passes_verify_and_atomic_to_connect(
    testserver_with: Callable[..., Srv], tmp_path: pathlib.Path
) -> None:
    fsspec = pytest.importorskip("fsspec")
    srv = testserver_with()
    host, port = srv.info["explicit"].rsplit(":", 1)
    t = Transcript()
    fs = fsspec.filesystem(
        "ftpes", host=host, port=int(port), username=srv.info["user"], password=srv.info["password"],
        ca_file=srv.info["ca"], verify="required", atomic=True, transcript=t, skip_instance_cache=True,
    )
    src = tmp_path / "src.bin"
    src.write_bytes(DATA)
    fs.put_file(str(src), "/p.bin")
    _atomic_steps(t, "/p.bin")
    t.clear()
    fs.get_file("/p.bin", str(tmp_path / "back.bin"))
    assert t.sent("HASH") == ["HASH /p.bin"]
    assert (tmp_path / "back.bin").read_bytes() == DATA == (srv.root / "p.bin").read_bytes()
    # fsspec's default is the library's: atomic off.
    plain = fsspec.filesystem(
        "ftpes", host=host, port=int(port), username=srv.info["user"], password=srv.info["password"],
        ca_file=srv.info["ca"], transcript=t, skip_instance_cache=True,
    )
    t.clear()
    plain.pipe_file("/q.bin", DATA)
    assert t.sent("STOR", "RNFR") == ["STOR /q.bin"]
    bare = testserver_with("--no-hash", "--no-xsha")
    (bare.root / "f.bin").write_bytes(DATA)
    host, port = bare.info["explicit"].rsplit(":", 1)
    strict = fsspec.filesystem(
        "ftpes", host=host, port=int(port), username=bare.info["user"], password=bare.info["password"],
        ca_file=bare.info["ca"], verify="required", skip_instance_cache=True,
    )
    with pytest.raises(ftps.IntegrityError):
        strict.get_file("/f.bin", str(tmp_path / "f.bin"))
    assert not (tmp_path / "f.bin").exists()
