"""The public surface: names, docstrings, typing files, the version, the value
classes, and the one list of ``connect`` options."""

from __future__ import annotations

import copy
import datetime as dt
import importlib.metadata
import inspect
import pathlib
import pickle
import re
from typing import List

import ftps
import ftps.fsspec
from ftps import _ftps

HERE = pathlib.Path(__file__).resolve().parent


def _public_classes() -> list:
    out = [getattr(ftps, n) for n in ftps.__all__ if inspect.isclass(getattr(ftps, n))]
    return out + [ftps.fsspec.FTPSFileSystem, ftps.fsspec.FTPESFileSystem]


def test_every_public_function_method_and_property_has_a_docstring() -> None:
    missing = []
    assert ftps.connect.__doc__
    for cls in _public_classes():
        if not cls.__doc__:
            missing.append(cls.__qualname__)
        for name, member in vars(cls).items():
            if name.startswith("_") and name not in ("__init__", "__iter__"):
                continue
            native = inspect.ismethoddescriptor(member) or inspect.isgetsetdescriptor(member)
            if isinstance(member, (property, staticmethod, classmethod)) or inspect.isfunction(member) or native:
                if not inspect.getdoc(getattr(cls, name)):
                    missing.append(f"{cls.__qualname__}.{name}")
    assert missing == []


def test_typing_files_ship_with_the_package() -> None:
    # Only the native module has a stub; the pure-Python modules' own annotations are
    # what type checkers read (py.typed).
    pkg = pathlib.Path(ftps.__file__).parent
    assert (pkg / "py.typed").is_file()
    assert sorted(p.name for p in pkg.glob("*.pyi")) == ["_ftps.pyi"]
    for mod in ("__init__", "_client", "_errors", "_io", "fsspec"):
        assert (pkg / f"{mod}.py").is_file(), mod


def test_version_comes_from_the_native_module() -> None:
    assert ftps.__version__ == _ftps.__version__ == importlib.metadata.version("ftps-rs")
    cargo = (HERE.parent / "Cargo.toml").read_text()
    m = re.search(r'^version = "([^"]+)"', cargo, re.M)
    assert m is not None and m.group(1) == ftps.__version__
    pyproject = (HERE.parent / "pyproject.toml").read_text()
    assert re.search(r'^dynamic = \["version"\]', pyproject, re.M)
    assert not re.search(r"^version =", pyproject, re.M)


def test_reply_type() -> None:
    r = ftps.Reply(226, "Transfer complete.", (b"226 Transfer complete.",))
    assert str(r) == "226 Transfer complete." and r.ok
    assert not ftps.Reply(550, "no").ok
    assert ftps.Reply(550, "no").permanent and ftps.Reply(450, "no").transient
    assert r.lines == (b"226 Transfer complete.",) and ftps.Reply(550, "no").lines == ()
    assert r == ftps.Reply(226, "Transfer complete.", [b"226 Transfer complete."])
    assert r != ftps.Reply(226, "Transfer complete.") and r != (226, "Transfer complete.")
    assert repr(r) == "Reply(code=226, text='Transfer complete.', lines=(b'226 Transfer complete.',))"
    assert type(r).__module__ == "ftps"


def test_value_types_are_frozen_comparable_hashable_and_pickle() -> None:
    when = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)
    control = ftps.TLSConnection("TLSv1.3", "TLS13_AES_256_GCM_SHA384", "x25519", False, b"ftp")
    values = [
        ftps.Reply(226, "ok", (b"226 ok",)),
        ftps.Entry("a\udcff", b"a\xff", "file", 5, when, permissions="rw-r--r--", facts={"type": "file"}),
        control,
        ftps.SessionStats(1, 2, 3, 0, 0, 0),
        ftps.TLSInfo(control, None, ftps.SessionStats(1, 2, 3, 0, 0, 0)),
        ftps.DirDownload(["/l/a\udcff"], ["/l"], [("r/..", "dot or dot-dot")], 5),
        ftps.DirUpload(["r/a"], ["r"], [("/l/b\\c", "contains a path separator")], 1),
        ftps.SyncAction("download", "a/b", "size"),
        ftps.SyncReport([ftps.SyncAction("mkdir", "")], [("x", "why")], 0, True),
        ftps.BatchProgress(10, 3, 1, 12345, 4),
    ]
    for v in values:
        pickled = [pickle.loads(pickle.dumps(v, protocol=p)) for p in range(pickle.HIGHEST_PROTOCOL + 1)]
        for again in (*pickled, copy.copy(v), copy.deepcopy(v)):
            assert again == v and hash(again) == hash(v) and repr(again) == repr(v)
        assert repr(v).startswith(type(v).__name__ + "(")
        # Positional patterns, in constructor order, as with the dataclasses of 0.1.
        first = getattr(type(v), "__match_args__")[0]
        assert hasattr(v, first), (type(v).__name__, first)
        fields = ("code", "name", "version", "data_full", "total", "control", "files", "kind", "actions")
        name = next(n for n in fields if hasattr(v, n))
        try:
            setattr(v, name, None)
        except AttributeError:
            pass
        else:
            raise AssertionError(f"{type(v).__name__}.{name} could be set")
    entry = values[1]
    assert isinstance(entry, ftps.Entry)
    assert list(entry) == ["a\udcff", {"type": "file"}] and entry.is_file() and not entry.is_dir()
    assert entry.raw == b"" and entry.link_target is None and entry.mtime == when
    # As before: the facts are not compared.
    assert entry == ftps.Entry("a\udcff", b"a\xff", "file", 5, when, permissions="rw-r--r--")
    info = values[4]
    assert isinstance(info, ftps.TLSInfo)
    assert info.version == "TLSv1.3" and info.all_data_resumed and info.data is None


def _args_of_docstring(doc: str) -> List[str]:
    """The names that the ``Args:`` section of a Google-style docstring describes."""
    section = doc.split("Args:\n", 1)[1]
    names: List[str] = []
    for line in section.splitlines():
        m = re.match(r"^    ([a-z_][a-z0-9_, ]*): ", line)
        if m:
            names += [n.strip() for n in m.group(1).split(",")]
        elif line.strip() and not line.startswith("     "):
            break
    return names


def test_connect_options_are_the_same_everywhere() -> None:
    """ftps.connect passes every argument to the native connect: both name the same
    arguments in the same order and kinds, and the docstring describes each one."""
    public = inspect.signature(ftps.connect).parameters
    native = inspect.signature(_ftps.connect).parameters
    assert [(p.name, p.kind) for p in public.values()] == [(p.name, p.kind) for p in native.values()]
    assert _args_of_docstring(inspect.getdoc(ftps.connect) or "") == list(public)
    # The defaults live in ftps.connect alone.
    assert all(p.default is inspect.Parameter.empty for p in native.values())
