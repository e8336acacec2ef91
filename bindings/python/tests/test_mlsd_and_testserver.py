"""MLSD/MLST and MFMT (ProFTPD, the project's ftps-testserver), and a full
session against the ftps-testserver in both modes."""

from __future__ import annotations

import datetime as dt
import io
from typing import Iterator

import pytest

import ftps
from conftest import Server, Workdir, _make_workdir


@pytest.fixture
def pro(proftpd_explicit: Server, request: pytest.FixtureRequest) -> Iterator[ftps.Client]:
    for w in _make_workdir(proftpd_explicit, request):
        with proftpd_explicit.connect() as c:
            c.cwd(w.remote)
            yield c


def test_mlsd_entries_and_ftplib_unpacking(pro: ftps.Client) -> None:
    pro.upload(io.BytesIO(b"12345"), "f.txt")
    pro.mkdir("d")
    entries = {e.name: e for e in pro.mlsd()}
    assert set(entries) == {"f.txt", "d"}  # "." and ".." left out
    f = entries["f.txt"]
    assert f.type == "file" and f.size == 5 and f.facts["type"] == "file" and f.facts["size"] == "5"
    assert isinstance(f.mtime, dt.datetime) and f.mtime.tzinfo is dt.timezone.utc
    assert entries["d"].is_dir()
    assert {name: facts["type"] for name, facts in pro.mlsd()} == {"f.txt": "file", "d": "dir"}  # type: ignore[index]
    assert {e.name for e in pro.listdir()} == {"f.txt", "d"}  # MLSD chosen by FEAT


def test_mlst_and_set_mtime(pro: ftps.Client) -> None:
    pro.upload(io.BytesIO(b"abc"), "t.txt")
    e = pro.mlst("t.txt")
    assert e.size == 3 and e.type == "file"
    when = dt.datetime(2020, 2, 29, 12, 34, 56, tzinfo=dt.timezone.utc)
    pro.set_mtime("t.txt", when)
    assert pro.mtime("t.txt") == when
    pro.set_mtime("t.txt", when.timestamp() + 60)
    assert pro.mtime("t.txt") == when + dt.timedelta(seconds=60)


def test_testserver_session(testserver: Server) -> None:
    with testserver.connect() as c:
        info = c.tls_info
        assert info is not None and info.version in ("TLSv1.3", "TLSv1.2")
        name = f"/py-{testserver.mode}-{id(c)}.bin"
        data = bytes(range(256)) * 4000
        c.upload(io.BytesIO(data), name)
        out = io.BytesIO()
        c.download(name, out)
        assert out.getvalue() == data
        assert c.size(name) == len(data)
        names = {e.name for e in c.mlsd("/")}
        assert name.lstrip("/") in names
        with c.open(name) as f:
            f.seek(1000)
            assert f.read(4) == data[1000:1004]
        c.delete(name)
        info = c.tls_info
        assert info is not None and info.stats.data_full == 0 and info.stats.data_resumed >= 4


@pytest.mark.parametrize("records_in_place", [False, True])
def test_testserver_tls_records_in_place_is_accepted_and_harmless(testserver: Server, records_in_place: bool) -> None:
    # No effect any more; accepted for compatibility, and transfers work either way.
    data = bytes(range(251)) * 12_000  # about 2.9 MiB: past the first MiB
    with testserver.connect(tls_records_in_place=records_in_place) as c:
        name = f"/py-rip-{testserver.mode}-{records_in_place}-{id(c)}.bin"
        assert c.upload(io.BytesIO(data), name) == len(data)
        out = io.BytesIO()
        assert c.download(name, out) == len(data)
        assert out.getvalue() == data
        c.delete(name)
