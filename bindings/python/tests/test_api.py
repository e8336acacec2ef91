"""The public surface: names, docstrings, typing files."""

from __future__ import annotations

import inspect
import pathlib

import ftps
import ftps.fsspec


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
            if isinstance(member, (property, staticmethod, classmethod)) or inspect.isfunction(member):
                if not inspect.getdoc(getattr(cls, name)):
                    missing.append(f"{cls.__qualname__}.{name}")
    assert missing == []


def test_typing_files_ship_with_the_package() -> None:
    pkg = pathlib.Path(ftps.__file__).parent
    assert (pkg / "py.typed").is_file()
    for mod in ("__init__", "_ftps", "_client", "_errors", "_io", "_types", "fsspec"):
        assert (pkg / f"{mod}.pyi").is_file(), mod


def test_version_and_reply_type() -> None:
    assert ftps.__version__ == "0.1.0"
    r = ftps.Reply(226, "Transfer complete.", (b"226 Transfer complete.",))
    assert str(r) == "226 Transfer complete." and r.ok
    assert not ftps.Reply(550, "no").ok
