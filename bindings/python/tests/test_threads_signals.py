"""The interpreter is released during network I/O: two threads' transfers
overlap; Ctrl-C interrupts a long transfer within a second and leaves the client
usable."""

from __future__ import annotations

import _thread
import io
import os
import pathlib
import tempfile
import threading
import time
from typing import Iterator, List, Tuple

import pytest

import ftps
from conftest import Server, Workdir, chown_like_root, _make_workdir


def sparse(server: Server, workdir: Workdir, name: str, size: int) -> None:
    """A big file on the server that costs no disk: zeros, read at memory speed."""
    assert workdir.local is not None
    p = workdir.local / name
    with open(p, "wb") as f:
        f.truncate(size)
    chown_like_root(server, p)


@pytest.fixture
def shm_dir() -> Iterator[pathlib.Path]:
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    with tempfile.TemporaryDirectory(dir=base) as d:
        yield pathlib.Path(d)


@pytest.fixture
def vworkdir(vsftpd_explicit: Server, request: pytest.FixtureRequest) -> Iterator[Workdir]:
    yield from _make_workdir(vsftpd_explicit, request)


def test_two_threads_downloads_overlap(vsftpd_explicit: Server, vworkdir: Workdir, shm_dir: pathlib.Path) -> None:
    size = 192 << 20
    sparse(vsftpd_explicit, vworkdir, "big.bin", size)
    clients = [vsftpd_explicit.connect() for _ in range(2)]
    for c in clients:
        c.cwd(vworkdir.remote)
    barrier = threading.Barrier(3)
    spans: List[Tuple[float, float]] = []
    errors: List[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            t0 = time.monotonic()
            n = clients[i].download("big.bin", shm_dir / f"out{i}.bin")
            spans.append((t0, time.monotonic()))
            assert n == size
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    barrier.wait()
    ticks = 0
    while any(t.is_alive() for t in threads):  # the main thread keeps running Python meanwhile
        ticks += 1
        time.sleep(0.001)
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    assert not errors, errors
    (a0, a1), (b0, b1) = spans
    overlap = min(a1, b1) - max(a0, b0)
    shorter = min(a1 - a0, b1 - b0)
    assert overlap > 0.5 * shorter, f"downloads did not overlap: {spans}"
    assert ticks > 10
    for i in range(2):
        assert (shm_dir / f"out{i}.bin").stat().st_size == size


def test_two_threads_sharing_one_client_take_turns(client: ftps.Client) -> None:
    client.upload(io.BytesIO(b"s" * 500_000), "s.bin")
    errors: List[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                out = io.BytesIO()
                client.download("s.bin", out)
                assert out.getvalue() == b"s" * 500_000
                client.noop()
        except BaseException as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


def interrupt_after(seconds: float) -> List[float]:
    fired: List[float] = []

    def fire() -> None:
        fired.append(time.monotonic())
        _thread.interrupt_main()  # what Ctrl-C does: SIGINT handling in the main thread

    threading.Timer(seconds, fire).start()
    return fired


def test_ctrl_c_interrupts_a_long_download_to_a_path(
    vsftpd_explicit: Server, vworkdir: Workdir, shm_dir: pathlib.Path
) -> None:
    sparse(vsftpd_explicit, vworkdir, "huge.bin", 8 << 30)
    with vsftpd_explicit.connect() as c:
        c.cwd(vworkdir.remote)
        fired = interrupt_after(0.3)
        with pytest.raises(KeyboardInterrupt):
            c.download("huge.bin", shm_dir / "huge.bin")
        assert time.monotonic() - fired[0] < 1.0
        assert list(shm_dir.iterdir()) == []  # neither the file nor its temporary
        c.noop()  # usable
        assert c.size("huge.bin") == 8 << 30


class Null:
    def write(self, b: bytes) -> int:
        return len(b)


@pytest.mark.parametrize("how", ["upload_path", "download_file_object", "upload_file_object", "open_read_loop"])
def test_ctrl_c_interrupts_uploads_and_file_object_transfers(
    vsftpd_explicit: Server, vworkdir: Workdir, tmp_path: pathlib.Path, how: str
) -> None:
    src = tmp_path / "sparse.bin"
    with open(src, "wb") as f:
        f.truncate(8 << 30)
    sparse(vsftpd_explicit, vworkdir, "huge.bin", 8 << 30)
    with vsftpd_explicit.connect() as c, open(src, "rb") as local:
        c.cwd(vworkdir.remote)

        def read_loop() -> None:
            with c.open("huge.bin") as f:
                while f.read(1 << 20):
                    pass

        run = {
            "upload_path": lambda: c.upload(src, "up.bin"),
            "download_file_object": lambda: c.download("huge.bin", Null()),
            "upload_file_object": lambda: c.upload(local, "up.bin"),
            "open_read_loop": read_loop,
        }[how]
        fired = interrupt_after(0.3)
        with pytest.raises(KeyboardInterrupt):
            run()
        assert time.monotonic() - fired[0] < 1.0
        c.noop()  # the client is still usable: the transfer was aborted with ABOR
        out = io.BytesIO()
        c.download("huge.bin", out, offset=(8 << 30) - 10)
        assert out.getvalue() == bytes(10)


def test_cancel_from_progress_callback(vsftpd_explicit: Server, vworkdir: Workdir) -> None:
    sparse(vsftpd_explicit, vworkdir, "huge.bin", 1 << 30)
    with vsftpd_explicit.connect() as c:
        c.cwd(vworkdir.remote)
        with pytest.raises(ftps.CancelledError):
            c.download("huge.bin", Null(), progress=lambda d, t: d < 1_000_000)
        c.noop()
        assert c.size("huge.bin") == 1 << 30
