"""Servers that misbehave in ways users meet (docs/threats.md, classes A5 and F8),
through the Python face, against the project's ftps-testserver and its faults:
``--fault commands-after-234=MS`` (the control connection still reads FTP commands
for a moment after ``234``) and ``--fault-user NAME:size-without-number`` (``SIZE``
answers ``213 File status``, no number).
"""

from __future__ import annotations

import io
from typing import Callable, List, Tuple

import pytest

import ftps
from conftest import Srv


def test_a5_clienthello_answered_in_clear_text_is_tried_again_after_a_wait(
    testserver_with: Callable[..., Srv],
) -> None:
    srv = testserver_with("--fault", "commands-after-234=300")
    (srv.root / "hello.txt").write_bytes(b"hello\n")
    lines: List[Tuple[str, str]] = []
    with srv.connect(transcript=lambda d, line: lines.append((d, line))) as c:
        got = io.BytesIO()
        assert c.download("hello.txt", got) == 6
        assert got.getvalue() == b"hello\n"
    sent = [line for d, line in lines if d == "sent"]
    # One AUTH per connection, the credentials only once, over the second one.
    assert sum(1 for line in sent if line.startswith("AUTH")) == 2, sent
    assert sum(1 for line in sent if line.startswith("USER")) == 1, sent


def test_a5_a_server_that_keeps_answering_in_clear_text_is_a_protocol_error(
    testserver_with: Callable[..., Srv],
) -> None:
    srv = testserver_with("--fault", "commands-after-234=5000")
    with pytest.raises(ftps.ProtocolError, match="in clear text") as e:
        srv.connect()
    assert "502 Command not allowed" in str(e.value)


def test_f8_size_213_without_a_number_falls_back_to_mlst(testserver_with: Callable[..., Srv]) -> None:
    srv = testserver_with("--fault-user", "nosize:size-without-number")
    (srv.root / "five.bin").write_bytes(b"12345")
    (srv.root / "empty.bin").write_bytes(b"")
    lines: List[Tuple[str, str]] = []
    with srv.connect("nosize", transcript=lambda d, line: lines.append((d, line))) as c:
        assert c.size("five.bin") == 5
        assert c.size("empty.bin") == 0
    assert ("received", "213 File status") in lines
    assert ("sent", "MLST five.bin") in lines
