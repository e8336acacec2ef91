"""Directory trees through the Python face (docs/threats.md, classes H1, H2, H7):
``Client.download_dir``, ``Client.upload_dir`` and ``Client.sync``, against the
project's ftps-testserver serving a directory of its own (``--root``), so that the
tests see the server's files as they are. The test server offers ``MLSD`` (times to
the second), ``MFMT`` and ``HASH``.
"""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import pickle
from typing import Callable, Dict, List, Tuple, Union

import pytest

import ftps
from conftest import Srv

A = b"alpha\n" * 1000
B = bytes(range(256)) * 300
C = b"gamma\n"
# A local modification time in the past (whole seconds), so that a preserved time shows.
T = 1_600_000_000


def tree(root: pathlib.Path) -> Dict[str, bytes]:
    """Every file below ``root``, by its ``/``-separated relative path (bytes names
    decoded as ``os.fsdecode`` does)."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = pathlib.Path(dirpath, f)
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


def dirs_below(root: pathlib.Path) -> List[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir())


def write(path: pathlib.Path, data: bytes, mtime: int = T) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))


def files(root: pathlib.Path, content: Dict[Union[str, bytes], bytes]) -> pathlib.Path:
    """Writes ``content`` (relative path: bytes; a ``bytes`` path for a name that is
    not UTF-8) below ``root``, each file with the time ``T``; returns ``root``."""
    for rel, data in content.items():
        write(root / os.fsdecode(rel), data)
    return root


@pytest.fixture
def srv(testserver_with: Callable[..., Srv]) -> Srv:
    """An ftps-testserver serving a fresh directory of its own."""
    return testserver_with()


def sent_lines(log: List[Tuple[str, str]]) -> List[str]:
    return [line for d, line in log if d == "sent"]


def changes(log: List[Tuple[str, str]]) -> List[str]:
    """The commands sent that change the server's tree."""
    verbs = ("STOR", "APPE", "MKD", "RMD", "DELE", "RNFR", "RNTO", "MFMT")
    return [line for line in sent_lines(log) if line.split(" ", 1)[0].upper() in verbs]


def connect_logged(srv: Srv) -> Tuple[ftps.Client, List[Tuple[str, str]]]:
    log: List[Tuple[str, str]] = []
    return srv.connect(transcript=lambda d, line: log.append((d, line))), log


# -- upload_dir -----------------------------------------------------------------


def test_h7_upload_dir_sends_the_tree_and_skips_unsafe_names(srv: Srv, tmp_path: pathlib.Path) -> None:
    src = files(
        tmp_path / "src",
        {
            "a.txt": A,
            "sub/b.bin": B,
            "sub/deeper/c.txt": C,
            # A name that is not UTF-8 goes as its bytes, and comes back decoded as names are.
            b"caf\xe9.txt": C,
            "back\\slash.txt": b"never sent",
            "ctl\x01.txt": b"never sent",
        },
    )
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"outside the tree")
    (src / "out").symlink_to(outside)
    (src / "inlink").symlink_to(src / "a.txt")  # a link to a file inside goes as that file

    with srv.connect() as c:
        r = c.upload_dir(src, "dst")
        assert isinstance(r, ftps.DirUpload)
        assert r.files == ["dst/a.txt", "dst/caf\udce9.txt", "dst/inlink", "dst/sub/b.bin", "dst/sub/deeper/c.txt"]
        assert r.dirs == ["dst", "dst/sub", "dst/sub/deeper"]
        assert r.skipped == [
            (str(src / "back\\slash.txt"), "contains a path separator"),
            (str(src / "ctl\x01.txt"), "contains a control byte"),
            (str(src / "out"), "symbolic link out of the tree"),
        ]
        assert r.bytes == 2 * len(A) + len(B) + 2 * len(C)
        # What the server lists is what was sent, nothing more.
        assert {e.name: (e.type, e.size) for e in c.listdir("dst")} == {
            "a.txt": ("file", len(A)),
            "caf\udce9.txt": ("file", len(C)),
            "inlink": ("file", len(A)),
            "sub": ("dir", None),
        }
    # Byte for byte, and no skipped name, link target or temporary file arrived.
    assert tree(srv.root) == {
        "dst/a.txt": A,
        os.fsdecode(b"dst/caf\xe9.txt"): C,
        "dst/inlink": A,
        "dst/sub/b.bin": B,
        "dst/sub/deeper/c.txt": C,
    }
    assert not (srv.root / "dst" / "inlink").is_symlink()


def test_h7_upload_dir_not_recursive_sends_the_top_files_only(srv: Srv, tmp_path: pathlib.Path) -> None:
    src = files(tmp_path / "src", {"a.txt": A, "sub/b.bin": B})
    (srv.root / "dst").mkdir()
    with srv.connect() as c:
        r = c.upload_dir(str(src), "dst", recursive=False)
    # "dst" existed: MKD was refused, and it is not reported as created.
    assert (r.files, r.dirs, r.skipped, r.bytes) == (["dst/a.txt"], [], [], len(A))
    assert tree(srv.root) == {"dst/a.txt": A}


# -- download_dir -----------------------------------------------------------------


def test_h7_download_dir_writes_the_tree(srv: Srv, tmp_path: pathlib.Path) -> None:
    files(
        srv.root / "tree",
        {
            "a.txt": A,
            "sub/b.bin": B,
            "sub/deep/c.txt": C,
            b"caf\xe9.txt": C,
            # Names that are fine on the server's disk but never become local paths.
            "back\\slash.txt": b"never written",
            "ctl\x01.txt": b"never written",
        },
    )
    dst = tmp_path / "dst"  # created by the call

    with srv.connect() as c:
        r = c.download_dir("tree", dst)
        assert isinstance(r, ftps.DirDownload)
        assert sorted(r.files) == sorted(
            str(p) for p in (dst / "a.txt", dst / "caf\udce9.txt", dst / "sub" / "b.bin", dst / "sub/deep/c.txt")
        )
        assert r.dirs == [str(dst / "sub"), str(dst / "sub" / "deep")]
        assert sorted(r.skipped) == [
            ("tree/back\\slash.txt", "contains a path separator"),
            ("tree/ctl\x01.txt", "contains a control byte"),
        ]
        assert r.bytes == len(A) + len(B) + 2 * len(C)
        assert tree(dst) == {"a.txt": A, "caf\udce9.txt": C, "sub/b.bin": B, "sub/deep/c.txt": C}
        assert os.path.exists(os.path.join(os.fsencode(dst), b"caf\xe9.txt"))

        # Not recursive: the top files only, no local subdirectory.
        flat = tmp_path / "flat"
        r = c.download_dir("tree", str(flat), recursive=False)
        assert sorted(r.files) == [str(flat / "a.txt"), str(flat / "caf\udce9.txt")] and r.dirs == []
        assert tree(flat) == {"a.txt": A, "caf\udce9.txt": C} and dirs_below(flat) == []


def test_h7_errors_come_through_as_for_single_files(
    testserver_with: Callable[..., Srv], tmp_path: pathlib.Path
) -> None:
    srv = testserver_with("--fault-user", "liar:lying-hash")
    files(srv.root / "tree", {"f.bin": B})
    files(tmp_path / "up", {"f.bin": B})
    dst = tmp_path / "dst"
    with srv.connect("liar") as c:
        # Each file is verified as Client.download verifies one: the lie is caught and
        # nothing is left under the name.
        with pytest.raises(ftps.IntegrityError) as e:
            c.download_dir("tree", dst)
        assert e.value.path == "tree/f.bin" and e.value.check == "SHA-512"
        assert tree(dst) == {}
        with pytest.raises(ftps.IntegrityError):
            c.upload_dir(tmp_path / "up", "up")
        with pytest.raises(ftps.IntegrityError):
            c.sync(dst, "tree", "download")
        with pytest.raises(ftps.LocalFileError) as le:
            c.upload_dir(tmp_path / "missing", "x")
        assert le.value.filename == str(tmp_path / "missing")
        c.noop()  # the client stayed usable throughout


# -- sync -----------------------------------------------------------------------


def test_h7_sync_upload_dry_run_returns_the_plan_and_changes_nothing(srv: Srv, tmp_path: pathlib.Path) -> None:
    src = files(tmp_path / "src", {"a.txt": A, "sub/b.bin": B})
    files(srv.root / "dst", {"a.txt": b"older, shorter", "extra.txt": b"only on the server"})
    before = tree(srv.root)
    mtimes = {p: p.stat().st_mtime_ns for p in srv.root.rglob("*")}
    plan = [
        ftps.SyncAction("upload", "a.txt", "size"),
        ftps.SyncAction("mkdir", "sub"),
        ftps.SyncAction("upload", "sub/b.bin", "missing"),
        ftps.SyncAction("delete", "extra.txt"),
    ]

    c, log = connect_logged(srv)
    with c:
        r = c.sync(src, "dst", "upload", dry_run=True, delete=True)
        assert isinstance(r, ftps.SyncReport) and r.dry_run is True
        assert r.actions == plan
        assert r.bytes == len(A) + len(B)  # what would be sent
        assert r.skipped == []
        # Nothing was changed, not even a directory made or a time set.
        assert changes(log) == []
        assert tree(srv.root) == before
        assert {p: p.stat().st_mtime_ns for p in srv.root.rglob("*")} == mtimes
        # The plan is what a real run then does.
        done = c.sync(src, "dst", "upload", delete=True)
        assert done.dry_run is False and done.actions == plan and done.bytes == len(A) + len(B)
    assert tree(srv.root) == {"dst/a.txt": A, "dst/sub/b.bin": B}


def test_h7_sync_upload_then_second_run_does_nothing(srv: Srv, tmp_path: pathlib.Path) -> None:
    src = files(tmp_path / "src", {"a.txt": A, "c.txt": C, "sub/b.bin": B})

    c, log = connect_logged(srv)
    with c:
        assert "MFMT" in c.features  # so the times are preserved
        first = c.sync(src, "dst", "upload")
        assert first.actions == [
            ftps.SyncAction("mkdir", ""),  # the destination directory itself
            ftps.SyncAction("upload", "a.txt", "missing"),
            ftps.SyncAction("upload", "c.txt", "missing"),
            ftps.SyncAction("mkdir", "sub"),
            ftps.SyncAction("upload", "sub/b.bin", "missing"),
        ]
        assert first.bytes == len(A) + len(B) + len(C) and first.skipped == []
        assert tree(srv.root / "dst") == {"a.txt": A, "c.txt": C, "sub/b.bin": B}
        when = dt.datetime.fromtimestamp(T, dt.timezone.utc)
        for name in ("a.txt", "c.txt", "sub/b.bin"):
            assert c.mtime(f"dst/{name}") == when, name

        log.clear()
        second = c.sync(src, "dst", "upload")
        assert (second.actions, second.skipped, second.bytes) == ([], [], 0)
        assert changes(log) == []

        # What changed is found again, each for its reason.
        write(src / "a.txt", A + b"more")  # another size
        write(src / "c.txt", C.upper(), mtime=T + 60)  # same size, other bytes: the hash tells
        os.utime(src / "sub" / "b.bin", (T + 60, T + 60))  # only the time
        third = c.sync(src, "dst", "upload")
        assert third.actions == [
            ftps.SyncAction("upload", "a.txt", "size"),
            ftps.SyncAction("upload", "c.txt", "hash"),
            ftps.SyncAction("set_mtime", "sub/b.bin"),
        ]
        assert third.bytes == len(A) + 4 + len(C)
        assert tree(srv.root / "dst") == {"a.txt": A + b"more", "c.txt": C.upper(), "sub/b.bin": B}
        assert c.mtime("dst/sub/b.bin") == dt.datetime.fromtimestamp(T + 60, dt.timezone.utc)
        assert c.sync(src, "dst", "upload").actions == []


def test_h7_sync_download_delete_removes_extraneous_local_files_only_when_asked(
    srv: Srv, tmp_path: pathlib.Path
) -> None:
    files(srv.root / "src", {"a.txt": A, "sub/b.bin": B})
    remote_before = tree(srv.root)
    dst = files(tmp_path / "dst", {"extra.txt": b"only here", "olddir/x.txt": b"only here too"})

    c, log = connect_logged(srv)
    with c:
        r = c.sync(dst, "src", "download")
        assert r.actions == [
            ftps.SyncAction("download", "a.txt", "missing"),
            ftps.SyncAction("mkdir", "sub"),
            ftps.SyncAction("download", "sub/b.bin", "missing"),
        ]
        assert r.bytes == len(A) + len(B)
        # Without delete=True, what the server lacks stays.
        assert tree(dst) == {"a.txt": A, "sub/b.bin": B, "extra.txt": b"only here", "olddir/x.txt": b"only here too"}
        # The local files got the server's times.
        assert (dst / "a.txt").stat().st_mtime == T

        r = c.sync(dst, "src", "download", delete=True)
        assert r.actions == [
            ftps.SyncAction("delete", "extra.txt"),
            ftps.SyncAction("delete", "olddir/x.txt"),
            ftps.SyncAction("rmdir", "olddir"),
        ]
        assert r.bytes == 0
        assert tree(dst) == {"a.txt": A, "sub/b.bin": B} and dirs_below(dst) == ["sub"]
        assert c.sync(dst, "src", "download", delete=True).actions == []
        # Downloading changes nothing on the server.
        assert changes(log) == []
    assert tree(srv.root) == remote_before


def test_h7_sync_download_from_a_missing_directory_is_an_error_and_deletes_nothing(
    srv: Srv, tmp_path: pathlib.Path
) -> None:
    local = files(tmp_path / "mine", {"a.txt": A, "sub/b.bin": B})
    fresh = tmp_path / "fresh"
    with srv.connect() as c:
        with pytest.raises(ftps.PermanentReplyError) as e:
            c.sync(local, "mistyped", "download", delete=True)
        assert e.value.code == 550
        assert tree(local) == {"a.txt": A, "sub/b.bin": B}
        with pytest.raises(ftps.PermanentReplyError):
            c.sync(fresh, "mistyped", "download")
        with pytest.raises(ftps.PermanentReplyError):
            c.download_dir("mistyped", fresh)
        assert not fresh.exists()


def test_h7_sync_rejects_an_unknown_direction(srv: Srv, tmp_path: pathlib.Path) -> None:
    src = files(tmp_path / "src", {"a.txt": A})
    c, log = connect_logged(srv)
    with c:
        sent = len(sent_lines(log))
        with pytest.raises(ftps.InvalidArgumentError) as e:
            c.sync(src, "dst", "both", delete=True)  # type: ignore[arg-type]
        assert isinstance(e.value, ValueError) and e.value.argument == "direction"
        assert '"both"' in str(e.value) and '"upload"' in str(e.value) and '"download"' in str(e.value)
        # Refused before anything was sent or touched.
        assert len(sent_lines(log)) == sent
        c.noop()
    assert tree(srv.root) == {} and tree(src) == {"a.txt": A}


def test_h7_sync_action_values() -> None:
    a = ftps.SyncAction("upload", "d/caf\udce9", "mtime")
    assert (a.kind, a.path, a.reason) == ("upload", "d/caf\udce9", "mtime")
    assert repr(a) == "SyncAction(kind='upload', path='d/caf\\udce9', reason='mtime')"
    assert repr(ftps.SyncAction("rmdir", "d")) == "SyncAction(kind='rmdir', path='d', reason=None)"
    assert a == ftps.SyncAction("upload", "d/caf\udce9", "mtime") and hash(a) == hash(pickle.loads(pickle.dumps(a)))
    assert a != ftps.SyncAction("upload", "d/caf\udce9", "size") and a != ("upload", "d/caf\udce9", "mtime")
    # The names are the core's: another one is refused, naming the argument.
    with pytest.raises(ftps.InvalidArgumentError) as e:
        ftps.SyncAction("copy", "d")  # type: ignore[arg-type]
    assert e.value.argument == "kind"
    with pytest.raises(ftps.InvalidArgumentError) as e:
        ftps.SyncAction("upload", "d", "whim")  # type: ignore[arg-type]
    assert e.value.argument == "reason"
    report = ftps.SyncReport([a], [("x", "why")], 3, True)
    assert report.actions == [a] and report.skipped == [("x", "why")] and (report.bytes, report.dry_run) == (3, True)
    report.actions.clear()  # a copy: the report stays as it was
    assert report.actions == [a]
    assert repr(report) == (
        "SyncReport(actions=[SyncAction(kind='upload', path='d/caf\\udce9', reason='mtime')], "
        "skipped=[('x', 'why')], bytes=3, dry_run=True)"
    )
    d = ftps.DirDownload(["/l/a"], ["/l"], [("r/..", "dot or dot-dot")], 5)
    assert repr(d) == "DirDownload(files=['/l/a'], dirs=['/l'], skipped=[('r/..', 'dot or dot-dot')], bytes=5)"
    assert d != ftps.DirUpload(["/l/a"], ["/l"], [("r/..", "dot or dot-dot")], 5)
