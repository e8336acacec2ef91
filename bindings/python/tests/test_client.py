"""Every client operation against vsftpd Explicit and vsftpd Implicit (both
require TLS session reuse on data connections)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import pathlib

import pytest

import ftps
from conftest import Server, Workdir, chown_like_root


def payload(n: int, seed: int = 1) -> bytes:
    out = bytearray()
    block = hashlib.sha256(str(seed).encode()).digest()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:n])


def test_connect_login_and_tls_facts(server: Server) -> None:
    with server.connect() as c:
        assert c.logged_in
        assert c.greeting.code == 220
        assert "vsFTPd" in c.greeting.text
        assert "EPSV" in c.features
        info = c.tls_info
        assert info is not None
        assert info.version in ("TLSv1.3", "TLSv1.2")
        assert info.cipher
        assert info.control.resumed is False
        assert info.data is None
        assert repr(c).startswith(f"<ftps.Client {server.mode} ")
    assert c.closed


def test_connect_without_user_then_login(server: Server) -> None:
    c = server.connect(user=None, password=None)
    try:
        assert not c.logged_in
        with pytest.raises(ftps.StateError, match="not logged in"):
            c.pwd()
        c.login(server.user, server.password)
        assert c.logged_in
        assert c.pwd() == "/"
    finally:
        c.close()


def test_c1_c3_every_data_connection_resumes_the_control_session(client: ftps.Client) -> None:
    client.upload(io.BytesIO(b"x" * 1000), "f.bin")
    for _ in range(12):
        out = io.BytesIO()
        client.download("f.bin", out)
        assert out.getvalue() == b"x" * 1000
        info = client.tls_info
        assert info is not None and info.data is not None
        assert info.data.resumed is True
    info = client.tls_info
    assert info is not None
    assert info.stats.data_full == 0
    assert info.stats.data_resumed >= 13
    assert info.all_data_resumed


def test_pwd_cwd_cdup_mkdir_rmdir(client: ftps.Client, workdir: Workdir) -> None:
    assert client.pwd() == workdir.remote
    made = client.mkdir("sub")
    assert made in (f"{workdir.remote}/sub", None)
    client.cwd("sub")
    assert client.pwd() == f"{workdir.remote}/sub"
    client.cdup()
    assert client.pwd() == workdir.remote
    assert workdir.local is not None and (workdir.local / "sub").is_dir()
    client.rmdir("sub")
    assert not (workdir.local / "sub").exists()
    with pytest.raises(ftps.PermanentReplyError) as e:
        client.cwd("sub")
    assert e.value.code == 550


def test_upload_download_paths_and_metadata(client: ftps.Client, workdir: Workdir, tmp_path: pathlib.Path) -> None:
    data = payload(3 * 1024 * 1024 + 17)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    assert client.upload(src, "data.bin") == len(data)
    assert workdir.local is not None
    assert (workdir.local / "data.bin").read_bytes() == data  # the server has the file
    assert client.size("data.bin") == len(data)
    mtime = client.mtime("data.bin")
    assert mtime.tzinfo is not None
    assert abs((dt.datetime.now(dt.timezone.utc) - mtime).total_seconds()) < 120
    dst = tmp_path / "dst.bin"
    assert client.download("data.bin", dst) == len(data)
    assert dst.read_bytes() == data
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".ftps-part")]


@pytest.mark.parametrize("records_in_place", [False, True])
def test_tls_records_in_place_is_accepted_and_harmless(server: Server, workdir: Workdir, records_in_place: bool) -> None:
    # The option has no effect any more (data connections always run on rustls's own
    # record layer); both values are accepted and transfers work the same. More than
    # one MiB, where the option once made a difference.
    data = payload(3 * 1024 * 1024 + 5, 9)
    with server.connect(tls_records_in_place=records_in_place) as c:
        c.cwd(workdir.remote)
        assert c.upload(io.BytesIO(data), "rip.bin") == len(data)
        assert workdir.local is not None
        assert (workdir.local / "rip.bin").read_bytes() == data
        out = io.BytesIO()
        assert c.download("rip.bin", out) == len(data)
        assert out.getvalue() == data


def test_pathlike_and_bytes_paths(client: ftps.Client, tmp_path: pathlib.Path) -> None:
    src = tmp_path / "p.txt"
    src.write_bytes(b"pathlike\n")
    client.upload(src, pathlib.PurePosixPath("p.txt"))
    assert client.size(b"p.txt") == 9
    client.download(pathlib.PurePosixPath("p.txt"), str(tmp_path / "q.txt"))
    assert (tmp_path / "q.txt").read_bytes() == b"pathlike\n"
    client.mkdir(pathlib.PurePosixPath("d"))
    client.cwd(b"d")
    client.cdup()
    client.rmdir(pathlib.PurePosixPath("d"))


def test_download_to_file_object_with_offset(client: ftps.Client) -> None:
    data = payload(700_000, 2)
    client.upload(io.BytesIO(data), "o.bin")
    out = io.BytesIO()
    assert client.download("o.bin", out, offset=500_000) == 200_000
    assert out.getvalue() == data[500_000:]


def test_upload_from_file_object_with_offset(client: ftps.Client, workdir: Workdir) -> None:
    data = payload(300_000, 3)
    client.upload(io.BytesIO(data[:100_000]), "r.bin")
    src = io.BytesIO(data)
    src.seek(100_000)
    assert client.upload(src, "r.bin", offset=100_000) == 200_000
    assert workdir.local is not None
    assert (workdir.local / "r.bin").read_bytes() == data


def test_resume_download_and_upload(server: Server, client: ftps.Client, workdir: Workdir, tmp_path: pathlib.Path) -> None:
    data = payload(1_000_000, 4)
    src = tmp_path / "full.bin"
    src.write_bytes(data)
    client.upload(src, "full.bin")
    part = tmp_path / "part.bin"
    part.write_bytes(data[:400_000])
    assert client.download("full.bin", part, resume=True) == 600_000
    assert part.read_bytes() == data
    assert client.download("full.bin", part, resume=True) == 0  # already complete

    assert workdir.local is not None
    (workdir.local / "half.bin").write_bytes(data[:250_000])
    chown_like_root(server, workdir.local / "half.bin")
    assert client.upload(src, "half.bin", resume=True) == 750_000
    assert (workdir.local / "half.bin").read_bytes() == data


def test_progress_callback(client: ftps.Client, tmp_path: pathlib.Path) -> None:
    data = payload(2_000_000, 5)
    seen: list = []
    client.upload(io.BytesIO(data), "p.bin", progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == len(data)
    seen.clear()
    client.download("p.bin", tmp_path / "p.bin", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1][0] == len(data)
    assert all(b >= a for (a, _), (b, _) in zip(seen, seen[1:]))
    src = tmp_path / "p.bin"
    seen.clear()
    client.upload(src, "p2.bin", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (len(data), len(data))


def test_progress_false_cancels_and_client_stays_usable(client: ftps.Client, tmp_path: pathlib.Path) -> None:
    client.upload(io.BytesIO(payload(3_000_000, 6)), "big.bin")
    with pytest.raises(ftps.CancelledError):
        client.download("big.bin", tmp_path / "big.bin", progress=lambda d, t: False)
    assert not (tmp_path / "big.bin").exists()
    assert not list(tmp_path.iterdir())  # the temporary file is gone too
    client.noop()
    assert client.size("big.bin") == 3_000_000


def test_rename_and_delete(client: ftps.Client, workdir: Workdir) -> None:
    client.upload(io.BytesIO(b"abc"), "a.txt")
    client.rename("a.txt", "b.txt")
    assert workdir.local is not None
    assert (workdir.local / "b.txt").read_bytes() == b"abc"
    assert not (workdir.local / "a.txt").exists()
    client.delete("b.txt")
    assert not (workdir.local / "b.txt").exists()
    with pytest.raises(ftps.PermanentReplyError) as e:
        client.delete("b.txt")
    assert e.value.code == 550 and e.value.permanent and not e.value.transient


def test_site_and_quote(client: ftps.Client, workdir: Workdir) -> None:
    client.upload(io.BytesIO(b"abc"), "m.txt")
    reply = client.site("CHMOD 600 m.txt")
    assert reply.code == 200
    assert workdir.local is not None
    assert (workdir.local / "m.txt").stat().st_mode & 0o777 == 0o600
    syst = client.quote("SYST")
    assert syst.code == 215 and "UNIX" in syst.text
    bad = client.quote(b"XYZZY")  # any code comes back, no exception
    assert bad.code >= 500
    assert str(bad).startswith(str(bad.code))
    assert client.last_reply is not None and client.last_reply.code == bad.code


def test_noop_close_and_quit(server: Server) -> None:
    c = server.connect()
    c.noop()
    c.quit()
    assert c.closed
    c.quit()  # a second call does nothing
    c.close()
    with pytest.raises(ftps.StateError, match="closed"):
        c.noop()


def test_listdir_and_nlst(client: ftps.Client) -> None:
    client.upload(io.BytesIO(b"12345"), "five.txt")
    client.mkdir("dir")
    entries = {e.name: e for e in client.listdir()}
    assert set(entries) == {"five.txt", "dir"}
    f = entries["five.txt"]
    assert f.type == "file" and f.is_file() and f.size == 5 and f.name_bytes == b"five.txt"
    assert isinstance(f.mtime, dt.datetime) and f.mtime.tzinfo is not None
    assert f.permissions == "rw-r--r--"
    assert b"five.txt" in f.raw
    assert entries["dir"].is_dir()
    assert sorted(client.nlst()) == ["dir", "five.txt"]
    assert [e.name for e in client.listdir("dir")] == []


def test_h6_non_utf8_name_survives_listing_and_goes_back_byte_for_byte(client: ftps.Client, workdir: Workdir) -> None:
    raw_name = b"caf\xe9-\xff.txt"  # Latin-1, not UTF-8
    client.upload(io.BytesIO(b"latin"), raw_name)
    assert workdir.local is not None
    assert (workdir.local / os.fsdecode(raw_name)).read_bytes() == b"latin"
    (entry,) = client.listdir()
    assert entry.name_bytes == raw_name
    assert entry.name == raw_name.decode("utf-8", "surrogateescape")
    out = io.BytesIO()
    client.download(entry.name, out)  # str with surrogates goes back as the same bytes
    assert out.getvalue() == b"latin"
    assert client.nlst() == [entry.name]
    client.delete(entry.name)


def test_open_read_iterate_readinto_seek(client: ftps.Client) -> None:
    lines = b"".join(b"line %d\n" % i for i in range(20_000))
    client.upload(io.BytesIO(lines), "lines.txt")
    with client.open("lines.txt") as f:
        assert isinstance(f, ftps.RemoteReader)
        assert f.readable() and f.seekable() and not f.writable()
        assert f.tls is not None and f.tls.resumed
        assert f.readline() == b"line 0\n"
        buf = bytearray(7)
        assert f.readinto(buf) == 7 and bytes(buf) == b"line 1\n"
        rest = list(f)
        assert rest[0] == b"line 2\n" and rest[-1] == b"line 19999\n"
        assert f.reply is not None and f.reply.code == 226
        assert f.seek(5) == 5
        assert f.read(6) == b"0\nline"
        assert f.tell() == 11
        f.seek(-8, os.SEEK_END)
        assert f.read() == lines[-8:]
    with client.open("lines.txt", "r", encoding="ascii") as t:
        assert t.readline() == "line 0\n"
    with client.open("lines.txt", offset=len(lines) - 3) as f:
        assert f.read() == lines[-3:]
    client.noop()


def test_open_closed_early_aborts_and_client_stays_usable(client: ftps.Client) -> None:
    client.upload(io.BytesIO(payload(5_000_000, 7)), "big.bin")
    with client.open("big.bin") as f:
        assert len(f.read(1000)) == 1000
    client.noop()
    assert client.size("big.bin") == 5_000_000


def test_open_write_append_and_text(client: ftps.Client, workdir: Workdir) -> None:
    with client.open("w.bin", "wb") as f:
        assert isinstance(f, ftps.RemoteWriter)
        assert f.writable() and not f.readable()
        for i in range(1000):
            f.write(b"%04d" % i)
    assert f.reply is not None and f.reply.code == 226
    with client.open("w.bin", "ab") as f:
        f.write(b"END")
    assert workdir.local is not None
    assert (workdir.local / "w.bin").read_bytes() == b"".join(b"%04d" % i for i in range(1000)) + b"END"
    with client.open("t.txt", "w", encoding="utf-8") as t:
        t.write("héllo\n")
    assert (workdir.local / "t.txt").read_bytes() == "héllo\n".encode()
    with client.open("w.bin", "wb", offset=4) as f:
        f.write(b"XXXX")
    assert (workdir.local / "w.bin").read_bytes()[:12] == b"0000XXXX0002"


def test_open_file_blocks_other_calls_until_closed(client: ftps.Client) -> None:
    client.upload(io.BytesIO(b"x" * 100), "x.bin")
    f = client.open("x.bin")
    with pytest.raises(ftps.StateError, match="transfer is still open"):
        client.noop()
    f.close()
    client.noop()


def test_exception_in_with_block_aborts_upload(client: ftps.Client) -> None:
    with pytest.raises(RuntimeError):
        with client.open("abort.bin", "wb") as f:
            f.write(b"partial")
            raise RuntimeError("stop")
    client.noop()  # still usable


def test_open_missing_file_and_bad_mode(client: ftps.Client) -> None:
    with pytest.raises(ftps.PermanentReplyError) as e:
        client.open("missing.bin")
    assert e.value.code == 550 and e.value.command == "RETR"
    with pytest.raises(ftps.InvalidArgumentError):
        client.open("x", "r+b")
    client.noop()


def test_ftplib_style_retrbinary_storbinary_and_mlsd_unpacking(client: ftps.Client) -> None:
    assert client.storbinary("STOR s.bin", io.BytesIO(b"ftplib style")).startswith("226")
    chunks: list = []
    assert client.retrbinary("RETR s.bin", chunks.append).startswith("226")
    assert b"".join(chunks) == b"ftplib style"
    client.storbinary("APPE s.bin", io.BytesIO(b"!"))
    assert client.size("s.bin") == len(b"ftplib style!")
    for name, facts in client.listdir():
        assert name == "s.bin" and isinstance(facts, dict)
