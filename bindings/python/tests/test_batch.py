"""Several sessions at once through the Python face (docs/threats.md, classes P1, P2):
``Client.download_many`` / ``Client.upload_many`` (a batch of files over up to N
sessions, one result per file, never raised halfway) and ``Client.download(...,
segments=K)`` (one file in K ranges over K sessions), against the project's
ftps-testserver serving a directory of its own (``--root``). The test server offers
``HASH``, so every file is verified. Only the calling session has a transcript; the
further sessions are seen through ``BatchProgress.sessions`` and the files. The last
tests run the same against every real server of tests/servers (vsftpd explicit and
implicit, ProFTPD explicit and implicit, pure-ftpd), with a 256 MiB segmented file.
"""

from __future__ import annotations

import io
import os
import pathlib
import random
import shutil
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

import pytest

import ftps
from conftest import Server, Srv, _server

Log = List[Tuple[str, str]]


def data(seed: int, size: int) -> bytes:
    """Bytes that differ at every offset from one file to the next."""
    return random.Random(seed).randbytes(size)


def serve(srv: Srv, names: Dict[str, bytes]) -> None:
    for name, content in names.items():
        path = srv.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def connect_logged(srv: Srv, **kw: Any) -> Tuple[ftps.Client, Log]:
    log: Log = []
    return srv.connect(transcript=lambda d, line: log.append((d, line)), **kw), log


def sent(log: Log) -> List[str]:
    return [line for d, line in log if d == "sent"]


@pytest.fixture
def srv(testserver_with: Callable[..., Srv]) -> Srv:
    return testserver_with()


def fsspec_fs(srv: Srv, **kw: Any) -> Any:
    """An ``ftpes://`` filesystem on the test server, not cached."""
    from ftps.fsspec import FTPESFileSystem

    host, port = srv.info["explicit"].rsplit(":", 1)
    return FTPESFileSystem(
        host,
        int(port),
        username=srv.info["user"],
        password=srv.info["password"],
        ca_file=srv.info["ca"],
        skip_instance_cache=True,
        **kw,
    )


# -- download_many / upload_many -----------------------------------------------------


def test_p1_download_many_100_files_4_sessions_one_missing_gives_one_error_and_99_exact_files(
    srv: Srv, tmp_path: pathlib.Path
) -> None:
    # Sizes from empty to several buffers, so that some files take several chunks.
    files = {f"f{i:03}.bin": data(i, (i * 7919) % 300_000) for i in range(100)}
    missing = "f037.bin"
    del files[missing]
    serve(srv, files)
    out = tmp_path / "out"
    out.mkdir()
    names = [f"f{i:03}.bin" for i in range(100)]
    seen: List[ftps.BatchProgress] = []
    with srv.connect() as c:
        results = c.download_many([(n, out / n) for n in names], parallel=4, progress=seen.append)
        c.noop()  # the client is still usable

    assert len(results) == 100
    for name, r in zip(names, results):
        if name == missing:
            assert isinstance(r, ftps.PermanentReplyError), r
            assert r.code == 550
        else:
            assert r == len(files[name]), (name, r)
            assert (out / name).read_bytes() == files[name], name
    # Nothing under the missing name, and no temporary file left behind.
    assert sorted(p.name for p in out.iterdir()) == sorted(files)
    # The progress saw the whole batch, over more than one session and never more than 4.
    assert seen and all(p.total == 100 for p in seen)
    last = seen[-1]
    assert (last.done, last.failed, last.bytes) == (99, 1, sum(map(len, files.values())))
    assert 2 <= max(p.sessions for p in seen) <= 4


def test_p1_upload_many_arrives_whole(srv: Srv, tmp_path: pathlib.Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    files = {f"u{i:02}.bin": data(1000 + i, (i * 104_729) % 700_000) for i in range(30)}
    files["empty.bin"] = b""
    files["big.bin"] = data(7, 5 * 1024 * 1024 + 3)
    for name, content in files.items():
        (src / name).write_bytes(content)
    (srv.root / "in").mkdir()
    # Atomic uploads: each file shows under its name only once it is whole and verified.
    with srv.connect(atomic=True) as c:
        results = c.upload_many([(src / n, f"in/{n}") for n in files], parallel=4)
    assert results == [len(v) for v in files.values()]
    # Every file whole, and no temporary name left (nor anything else).
    assert {p.name: p.read_bytes() for p in (srv.root / "in").iterdir()} == files
    assert srv.names() == ["in"]


def test_p1_progress_sees_the_whole_batch_and_can_cancel(srv: Srv, tmp_path: pathlib.Path) -> None:
    files = {f"c{i:02}.bin": data(200 + i, 200_000 + i) for i in range(20)}
    serve(srv, files)
    out = tmp_path / "out"
    out.mkdir()
    pairs = [(n, out / n) for n in files]
    with srv.connect() as c:
        # The whole batch: counts only grow, and end with every file and every byte.
        seen: List[ftps.BatchProgress] = []
        assert c.download_many(pairs, parallel=3, progress=seen.append) == [len(v) for v in files.values()]
        assert all(p.total == 20 and 1 <= p.sessions <= 3 for p in seen)
        for a, b in zip(seen, seen[1:]):
            assert b.done >= a.done and b.failed >= a.failed and b.bytes >= a.bytes
        assert seen[-1] == ftps.BatchProgress(20, 20, 0, sum(map(len, files.values())), seen[-1].sessions)

        # Cancelled once 3 files are done: those done are whole, the rest cancelled.
        for p in out.iterdir():
            p.unlink()
        calls: List[ftps.BatchProgress] = []

        def three(p: ftps.BatchProgress) -> bool:
            calls.append(p)
            return p.done < 3

        results = c.download_many(pairs, parallel=3, progress=three)
        done = [n for n, r in zip(files, results) if isinstance(r, int)]
        cancelled = [n for n, r in zip(files, results) if isinstance(r, ftps.CancelledError)]
        assert len(done) >= 3 and cancelled and len(done) + len(cancelled) == 20
        assert calls[-1].done == 3  # not called again once it said stop
        assert sorted(p.name for p in out.iterdir()) == sorted(done)
        for n in done:
            assert (out / n).read_bytes() == files[n]

        # The client stays usable, and the batch can be run again for the rest.
        c.noop()
        again = c.download_many([(n, out / n) for n in cancelled])
        assert again == [len(files[n]) for n in cancelled]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == files


def test_p1_an_exception_in_progress_cancels_the_batch_and_is_raised_after_it(
    srv: Srv, tmp_path: pathlib.Path
) -> None:
    files = {f"e{i:02}.bin": data(300 + i, 100_000) for i in range(12)}
    serve(srv, files)
    out = tmp_path / "out"
    out.mkdir()
    pairs = [(n, out / n) for n in files]
    with srv.connect() as c:
        calls: List[int] = []

        def boom(p: ftps.BatchProgress) -> None:
            calls.append(p.done)
            if p.done >= 2:
                raise ZeroDivisionError("from the callback")

        with pytest.raises(ZeroDivisionError, match="from the callback"):
            c.download_many(pairs, parallel=3, progress=boom)
        assert len([n for n in files if (out / n).exists()]) < 12
        # A callback cannot use its own client (it would wait for the call it runs in).
        with pytest.raises(ftps.StateError):
            c.download_many(pairs, parallel=3, progress=lambda p: c.noop())
        assert c.download_many(pairs, parallel=3) == [100_000] * 12
    assert {p.name: p.read_bytes() for p in out.iterdir()} == files


def test_p1_argument_errors_raise_before_anything_runs(srv: Srv, tmp_path: pathlib.Path) -> None:
    serve(srv, {"f.bin": b"x" * 1000})
    (tmp_path / "up.bin").write_bytes(b"y" * 10)
    good = ("f.bin", tmp_path / "f.bin")
    c, log = connect_logged(srv)
    with c:
        before = len(sent(log))
        for parallel in (0, 33, -1):
            with pytest.raises(ftps.InvalidArgumentError) as e:
                c.download_many([good], parallel=parallel)
            assert e.value.argument == "parallel"
        with pytest.raises(TypeError):
            c.download_many([good], parallel="4")  # type: ignore[arg-type]
        bad_pairs: List[Any] = [("g.bin", 5), ("g.bin",), "ab", None, (b"\xff", "x", "y")]
        for bad in bad_pairs:
            with pytest.raises(TypeError):
                c.download_many([good, bad])
            with pytest.raises(TypeError):
                c.upload_many([(tmp_path / "up.bin", "up.bin"), bad])
        with pytest.raises(ftps.InvalidArgumentError, match=r"pairs\[1\]"):
            c.download_many([good, ("g\r\nDELE f.bin", tmp_path / "g.bin")])
        with pytest.raises(ftps.InvalidArgumentError, match=r"pairs\[1\]"):
            c.upload_many([(tmp_path / "up.bin", "up.bin"), (tmp_path / "up.bin", "u\nDELE f.bin")])
        assert sent(log)[before:] == []
        assert c.download_many([]) == [] and c.upload_many([]) == []
    assert not (tmp_path / "f.bin").exists() and srv.names() == ["f.bin"]


def test_p1_download_many_shrinks_when_the_server_limits_sessions(
    testserver_with: Callable[..., Srv], tmp_path: pathlib.Path
) -> None:
    srv = testserver_with("--max-sessions-per-user", "2")
    files = {f"s{i:02}.bin": data(400 + i, 150_000 + 17 * i) for i in range(20)}
    serve(srv, files)
    out = tmp_path / "out"
    out.mkdir()
    seen: List[ftps.BatchProgress] = []
    with srv.connect() as c:
        results = c.download_many([(n, out / n) for n in files], parallel=8, progress=seen.append)
        c.noop()
    # The refused sessions cost no file: every one arrived, over at most 2 sessions.
    assert results == [len(v) for v in files.values()]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == files
    assert max(p.sessions for p in seen) <= 2


# -- download(segments=K) ----------------------------------------------------------


BIG = 20 * 1024 * 1024 + 12_345


def test_p2_segmented_download_is_byte_exact(srv: Srv, tmp_path: pathlib.Path) -> None:
    content = data(5, BIG)
    serve(srv, {"big.bin": content})
    dl = tmp_path / "dl"
    dl.mkdir()
    local = dl / "big.bin"
    local.write_bytes(b"the old file")
    progress: List[Tuple[int, Optional[int]]] = []
    c, log = connect_logged(srv)
    with c:
        n = c.download("big.bin", local, segments=4, progress=lambda d, t: progress.append((d, t)))
        c.noop()
    assert n == BIG
    assert local.read_bytes() == content
    assert list(dl.iterdir()) == [local]  # no temporary file left
    # The calling session checked the whole file (HASH: the test server's hash), and
    # the progress ended with the whole size.
    assert any(line.startswith("HASH ") for line in sent(log))
    assert progress[-1] == (BIG, BIG)
    assert all(d <= BIG for d, _ in progress)


def test_p2_segmented_download_is_checked_as_a_whole(testserver_with: Callable[..., Srv], tmp_path: pathlib.Path) -> None:
    srv = testserver_with("--fault-user", "liar:lying-hash")
    serve(srv, {"big.bin": data(6, BIG)})
    dl = tmp_path / "dl"
    dl.mkdir()
    local = dl / "big.bin"
    with srv.connect(user="liar") as c:
        with pytest.raises(ftps.IntegrityError):
            c.download("big.bin", local, segments=4)
    # Nothing replaced the target, and the temporary file is gone.
    assert list(dl.iterdir()) == []


def test_p2_segmented_download_resumes_a_cut_range(testserver_with: Callable[..., Srv], tmp_path: pathlib.Path) -> None:
    srv = testserver_with("--fault-user", "cut:cut-once=1000000")
    content = data(8, BIG)
    serve(srv, {"big.bin": content})
    dl = tmp_path / "dl"
    dl.mkdir()
    local = dl / "big.bin"
    with srv.connect(user="cut") as c:
        assert c.download("big.bin", local, segments=3) == BIG
    assert local.read_bytes() == content


def test_p2_segments_refuse_resume_and_file_objects(srv: Srv, tmp_path: pathlib.Path) -> None:
    serve(srv, {"f.bin": data(9, 10_000)})
    local = tmp_path / "f.bin"
    c, log = connect_logged(srv)
    with c:
        before = len(sent(log))
        conflicts: List[Tuple[Union[pathlib.Path, io.BytesIO], Dict[str, Any], str]] = [
            (local, {"resume": True}, "resume="),
            (io.BytesIO(), {}, "a file object"),
            (io.BytesIO(), {"offset": 10}, "offset="),
            (local, {"verify": "off"}, "verify="),
            (local, {"resume_attempts": 1}, "resume_attempts="),
        ]
        for target, kw, named in conflicts:
            with pytest.raises(ftps.InvalidArgumentError, match=named) as e:
                c.download("f.bin", target, segments=4, **kw)
            assert e.value.argument == "segments"
        for segments in (0, 33):
            with pytest.raises(ftps.InvalidArgumentError) as e:
                c.download("f.bin", local, segments=segments)
            assert e.value.argument == "segments"
        assert sent(log)[before:] == []
        assert not local.exists()
        # segments=1 is the plain download, resume and file objects included.
        buf = io.BytesIO()
        assert c.download("f.bin", buf, segments=1) == 10_000 and buf.getvalue() == data(9, 10_000)
        # A file smaller than a segment is one plain download.
        assert c.download("f.bin", local, segments=4) == 10_000
    assert local.read_bytes() == data(9, 10_000)


# -- fsspec -------------------------------------------------------------------------


def test_p1_fsspec_get_and_put_move_many_files_in_one_batch(srv: Srv, tmp_path: pathlib.Path) -> None:
    with pytest.raises(ftps.InvalidArgumentError):
        fsspec_fs(srv, parallel=0)
    f = fsspec_fs(srv, parallel=3)
    src = tmp_path / "src"
    files = {"a.bin": data(10, 300_000), "sub/b.bin": data(11, 5), "sub/deep/c.bin": data(12, 70_000)}
    for rel, content in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(content)

    f.put(str(src), "/up", recursive=True)
    assert {p.relative_to(srv.root / "up").as_posix(): p.read_bytes() for p in (srv.root / "up").rglob("*.bin")} == files
    assert sorted(f.find("/up")) == ["/up/a.bin", "/up/sub/b.bin", "/up/sub/deep/c.bin"]

    back = tmp_path / "back"
    f.get("/up", str(back), recursive=True)
    assert {p.relative_to(back).as_posix(): p.read_bytes() for p in back.rglob("*.bin")} == files

    # Every file of a batch is tried; then the first failure is raised.
    many = tmp_path / "many"
    many.mkdir()
    with pytest.raises(FileNotFoundError):
        f.get(["/up/missing.bin", "/up/a.bin", "/up/sub/b.bin"], [str(many / n) for n in ("m", "a", "b")])
    assert sorted(p.name for p in many.iterdir()) == ["a", "b"]
    assert (many / "a").read_bytes() == files["a.bin"]


def test_p1_fsspec_cat_of_many_paths_is_one_batch(
    srv: Srv, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"c/a.bin": data(20, 100_000), "c/b.bin": data(21, 3), "c/sub/d.bin": data(22, 4000)}
    serve(srv, files)
    f = fsspec_fs(srv, parallel=3)
    batches: List[int] = []
    real = ftps.Client.download_many

    def spy(self: ftps.Client, pairs: Any, **kw: Any) -> Any:
        batches.append(len(pairs))
        return real(self, pairs, **kw)

    monkeypatch.setattr(ftps.Client, "download_many", spy)
    assert f.cat(["/c/a.bin", "/c/b.bin", "/c/sub/d.bin"]) == {"/" + k: v for k, v in files.items()}
    assert f.cat("/c/*.bin") == {"/c/a.bin": files["c/a.bin"], "/c/b.bin": files["c/b.bin"]}
    assert batches == [3, 2]
    # One path alone is its bytes, not a dict.
    assert f.cat("/c/b.bin") == files["c/b.bin"]
    # on_error as fsspec's: the first failure raised, the path left out, or its error kept.
    with pytest.raises(FileNotFoundError):
        f.cat(["/c/a.bin", "/c/missing.bin"])
    assert f.cat(["/c/missing.bin", "/c/b.bin"], on_error="omit") == {"/c/b.bin": files["c/b.bin"]}
    got = f.cat(["/c/missing.bin", "/c/b.bin"], on_error="return")
    assert isinstance(got["/c/missing.bin"], FileNotFoundError) and got["/c/b.bin"] == files["c/b.bin"]
    # A range is read as cat_file reads it.
    assert f.cat(["/c/a.bin", "/c/b.bin"], start=1, end=3) == {"/c/a.bin": files["c/a.bin"][1:3], "/c/b.bin": files["c/b.bin"][1:3]}


# -- pipelining (P3) -----------------------------------------------------------------


def test_p3_download_many_in_one_session_sends_each_check_and_the_next_epsv_ahead(
    srv: Srv, tmp_path: pathlib.Path
) -> None:
    files = {f"p{i:02}.bin": data(300 + i, 2000 + 31 * i) for i in range(10)}
    serve(srv, files)
    out = tmp_path / "out"
    out.mkdir()
    c, log = connect_logged(srv)
    with c:
        assert c.pipelining is True
        results = c.download_many([(n, out / n) for n in files], parallel=1)
        assert c.pipelining is True
    assert results == [len(b) for b in files.values()]
    for name, body in files.items():
        assert (out / name).read_bytes() == body, name
    info = [line for d, line in log if d == "info"]
    # Each file's HASH and each next EPSV: the replies were taken from what went ahead.
    assert sum("was sent ahead" in line and line.startswith("HASH ") for line in info) == 10
    assert sum(line.startswith("EPSV was sent ahead") for line in info) == 9

    # pipelining="off": the same files, nothing sent ahead.
    c, log = connect_logged(srv, pipelining="off")
    with c:
        assert c.pipelining is False
        assert c.download_many([(n, out / n) for n in files], parallel=1) == results
    assert not [line for d, line in log if d == "info" and "sent ahead" in line]


def test_p3_pipelining_names_are_checked() -> None:
    with pytest.raises(ftps.InvalidArgumentError, match="pipelining"):
        ftps.connect("127.0.0.1", 1, pipelining="sometimes")  # type: ignore[arg-type]


# -- the real servers (P1, P2, P3) ---------------------------------------------------

REAL_NAMES = ["vsftpd-explicit", "vsftpd-implicit", "proftpd-explicit", "proftpd-implicit", "pure-ftpd-explicit"]


@pytest.fixture(params=REAL_NAMES)
def real(request: pytest.FixtureRequest, servers_env: Dict[str, str]) -> Server:
    return _server(servers_env, request.param)


@pytest.fixture
def real_dir(real: Server, request: pytest.FixtureRequest) -> Iterator[Tuple[str, pathlib.Path]]:
    """A directory of this test in the server's root (written locally, read through FTPS)."""
    assert real.root is not None
    name = f"py-{os.getpid()}-{request.node.name}".replace("[", "-").replace("]", "")
    path = real.root / name
    path.mkdir()
    path.chmod(0o777)
    try:
        yield name, path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def test_p1_real_servers_download_many_100_over_4_sessions_one_missing(
    real: Server, real_dir: Tuple[str, pathlib.Path], tmp_path: pathlib.Path
) -> None:
    name, path = real_dir
    files = {f"f{i:03}.bin": data(500 + i, 4096 + i) for i in range(100)}
    missing = "f042.bin"
    del files[missing]
    for n, body in files.items():
        (path / n).write_bytes(body)
    out = tmp_path / "out"
    out.mkdir()
    names = [f"f{i:03}.bin" for i in range(100)]
    with real.connect() as c:
        results = c.download_many([(f"{name}/{n}", out / n) for n in names], parallel=4)
        c.noop()
    for n, r in zip(names, results):
        if n == missing:
            assert isinstance(r, ftps.PermanentReplyError) and r.code == 550, r
        else:
            assert r == len(files[n]), (n, r)
            assert (out / n).read_bytes() == files[n], n
    assert sorted(p.name for p in out.iterdir()) == sorted(files)


def test_p2_real_servers_segmented_256_mib_download_is_byte_exact(
    real: Server, real_dir: Tuple[str, pathlib.Path], tmp_path: pathlib.Path
) -> None:
    name, path = real_dir
    size = 256 * (1 << 20) + 77
    content = os.urandom(size)
    (path / "big.bin").write_bytes(content)
    local = tmp_path / "big.bin"
    with real.connect() as c:
        assert c.download(f"{name}/big.bin", local, segments=8) == size
    assert local.stat().st_size == size
    with open(local, "rb") as f:
        assert f.read() == content
    assert [p.name for p in tmp_path.iterdir()] == ["big.bin"]


def test_p3_real_servers_pipeline_in_one_session_and_none_is_refused(
    real: Server, real_dir: Tuple[str, pathlib.Path], tmp_path: pathlib.Path
) -> None:
    name, path = real_dir
    files = {f"s{i:02}.bin": data(700 + i, 1000 + 13 * i) for i in range(20)}
    for n, body in files.items():
        (path / n).write_bytes(body)
    out = tmp_path / "out"
    out.mkdir()
    log: Log = []
    with real.connect(transcript=lambda d, line: log.append((d, line))) as c:
        assert c.pipelining is True, c.greeting
        assert c.download_many([(f"{name}/{n}", out / n) for n in files], parallel=1) == [
            len(b) for b in files.values()
        ]
        assert c.pipelining is True
    for n, body in files.items():
        assert (out / n).read_bytes() == body, n
    info = [line for d, line in log if d == "info"]
    assert sum(line.startswith("EPSV was sent ahead") for line in info) == len(files) - 1
    assert not [line for line in info if "did not take" in line]
