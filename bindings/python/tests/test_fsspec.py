"""The fsspec filesystem: ftps:// (implicit) and ftpes:// (explicit), through the
entry point, fsspec.open and pandas, against vsftpd with session reuse required."""

from __future__ import annotations

import io
import pathlib
from typing import Any, Dict

import fsspec
import pandas as pd
import pytest

import ftps
from ftps.fsspec import FTPESFileSystem, FTPSFileSystem
from conftest import Server, Workdir


def url(server: Server, path: str) -> str:
    scheme = "ftps" if server.mode == "implicit" else "ftpes"
    return f"{scheme}://{server.user}:{server.password}@{server.host}:{server.port}{path}"


def fs_for(server: Server) -> Any:
    proto = "ftps" if server.mode == "implicit" else "ftpes"
    return fsspec.filesystem(
        proto, host=server.host, port=server.port, username=server.user, password=server.password,
        ca_file=server.ca, skip_instance_cache=True,
    )


def test_entry_points_register_both_schemes() -> None:
    assert fsspec.get_filesystem_class("ftps") is FTPSFileSystem
    assert fsspec.get_filesystem_class("ftpes") is FTPESFileSystem


def test_url_parsing() -> None:
    kw = FTPSFileSystem._get_kwargs_from_urls("ftps://al%40ice:p%3Ass@example.org:990/a/b.csv")
    assert kw == {"host": "example.org", "port": 990, "username": "al@ice", "password": "p:ss"}
    assert FTPSFileSystem._strip_protocol("ftps://u:p@h:1/a/b/") == "/a/b"
    assert FTPSFileSystem._strip_protocol("a/b") == "/a/b"


def test_fsspec_open_read_and_write_with_session_reuse(server: Server, workdir: Workdir) -> None:
    with fsspec.open(url(server, "/hello.txt"), "rb", ca_file=server.ca) as f:
        assert f.read() == f"hello from {server.name}\n".encode()
        assert f.tls is not None and f.tls.resumed  # vsftpd would have refused otherwise
    target = url(server, f"{workdir.remote}/new.txt")
    with fsspec.open(target, "w", ca_file=server.ca) as t:
        t.write("written through fsspec\n")
    assert workdir.local is not None
    assert (workdir.local / "new.txt").read_text() == "written through fsspec\n"
    with fsspec.open(target, "r", ca_file=server.ca) as t:
        assert t.read() == "written through fsspec\n"


def test_pandas_round_trip(server: Server, workdir: Workdir) -> None:
    df = pd.DataFrame({"n": [1, 2, 3], "s": ["a", "b", "ü"]})
    target = url(server, f"{workdir.remote}/sub/frame.csv")
    opts: Dict[str, Any] = {"ca_file": server.ca}
    df.to_csv(target, index=False, storage_options=opts)
    back = pd.read_csv(target, storage_options=opts)
    assert back.equals(df)
    assert workdir.local is not None and (workdir.local / "sub" / "frame.csv").is_file()


def test_filesystem_operations(server: Server, workdir: Workdir, tmp_path: pathlib.Path) -> None:
    fs = fs_for(server)
    d = workdir.remote
    fs.pipe_file(f"{d}/a.bin", b"0123456789")
    assert fs.cat_file(f"{d}/a.bin") == b"0123456789"
    assert fs.cat_file(f"{d}/a.bin", start=2, end=5) == b"234"
    assert fs.cat_file(f"{d}/a.bin", start=-3) == b"789"
    info = fs.info(f"{d}/a.bin")
    assert info["type"] == "file" and info["size"] == 10 and info["name"] == f"{d}/a.bin"
    assert fs.size(f"{d}/a.bin") == 10
    assert fs.modified(f"{d}/a.bin").tzinfo is not None
    fs.makedirs(f"{d}/x/y", exist_ok=True)
    assert fs.isdir(f"{d}/x/y") and not fs.isfile(f"{d}/x")
    assert sorted(fs.ls(d, detail=False)) == [f"{d}/a.bin", f"{d}/x"]
    fs.mv(f"{d}/a.bin", f"{d}/x/b.bin")
    assert fs.exists(f"{d}/x/b.bin") and not fs.exists(f"{d}/a.bin")
    fs.get_file(f"{d}/x/b.bin", str(tmp_path / "b.bin"))
    assert (tmp_path / "b.bin").read_bytes() == b"0123456789"
    (tmp_path / "c.bin").write_bytes(b"put")
    fs.put_file(str(tmp_path / "c.bin"), f"{d}/x/y/c.bin")
    assert fs.cat_file(f"{d}/x/y/c.bin") == b"put"
    assert sorted(fs.find(d)) == [f"{d}/x/b.bin", f"{d}/x/y/c.bin"]
    with pytest.raises(FileNotFoundError):
        fs.cat_file(f"{d}/missing")
    with pytest.raises(FileNotFoundError):
        fs.info(f"{d}/missing")
    with pytest.raises(FileNotFoundError):
        fs.open(f"{d}/missing", "rb")
    fs.rm(f"{d}/x", recursive=True)
    assert fs.ls(d, detail=False) == []
    assert workdir.local is not None and list(workdir.local.iterdir()) == []
    stats = fs.client.tls_info
    assert stats is not None and stats.stats.data_full == 0
