"""The exception mapping (one class per kind of failure), caller-side bad input
(docs/threats.md, classes E1/E2, via Python), and error paths that a scripted server produces."""

from __future__ import annotations

import builtins
import io
import pathlib
import socket
import threading
import time
from typing import Any, Callable, Dict

import pytest

import ftps
from conftest import Server, fake_connect


# -- the hierarchy -----------------------------------------------------------


def test_exception_hierarchy() -> None:
    assert issubclass(ftps.TimeoutError, builtins.TimeoutError)
    assert issubclass(ftps.TimeoutError, ftps.Error)
    assert issubclass(ftps.ConnectError, ConnectionError)
    assert issubclass(ftps.ConnectionLostError, ConnectionError)
    assert issubclass(ftps.LocalFileError, OSError)
    assert issubclass(ftps.InvalidArgumentError, ValueError)
    assert issubclass(ftps.CertificateError, ftps.TLSError)
    assert issubclass(ftps.PinMismatchError, ftps.CertificateError)
    assert issubclass(ftps.SessionReuseError, ftps.TLSError)
    assert issubclass(ftps.TLSNotAvailableError, ftps.TLSError)
    for c in (ftps.TransientReplyError, ftps.PermanentReplyError, ftps.LoginError):
        assert issubclass(c, ftps.ReplyError)
    for name in ftps.__all__:
        obj = getattr(ftps, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert issubclass(obj, ftps.Error)
            assert obj.__module__ == "ftps"


# -- real servers: what they refuse ----------------------------------------------


def test_login_rejected(vsftpd_explicit: Server) -> None:
    with pytest.raises(ftps.LoginError) as e:
        vsftpd_explicit.connect(password="wrong")
    assert e.value.code == 530
    assert e.value.message == "Login incorrect."
    assert isinstance(e.value, ftps.ReplyError) and e.value.permanent
    assert e.value.reply is not None and e.value.reply.code == 530
    assert "530" in str(e.value)


def test_b1_untrusted_ca_is_a_certificate_error(server: Server, servers_env: Dict[str, str]) -> None:
    with pytest.raises(ftps.CertificateError, match="UnknownIssuer") as e:
        server.connect(ca_file=servers_env["FTPS_TEST_WRONG_CA"])
    assert e.value.fatal


def test_b1_wrong_host_name_is_a_certificate_error(server: Server) -> None:
    with pytest.raises(ftps.CertificateError, match="(?i)name"):
        server.connect(tls_server_name="not-this-server.example")


def test_pins(server: Server, servers_env: Dict[str, str]) -> None:
    good = servers_env["FTPS_TEST_CERT_SHA256"]
    server.connect(pin_sha256=good).close()
    server.connect(pin_sha256=servers_env["FTPS_TEST_SPKI_SHA256"]).close()
    with pytest.raises(ftps.PinMismatchError) as e:
        server.connect(pin_sha256="00" * 32)
    assert e.value.cert_sha256 == good
    assert e.value.spki_sha256 == servers_env["FTPS_TEST_SPKI_SHA256"]
    # The pin alone identifies a server whose CA is not trusted.
    server.connect(ca_file=servers_env["FTPS_TEST_WRONG_CA"], pin_sha256=good, pin_replaces_ca=True).close()


def test_a6_implicit_against_an_explicit_port_fails_fast(vsftpd_explicit: Server) -> None:
    t0 = time.monotonic()
    with pytest.raises((ftps.TLSError, ftps.TimeoutError, ftps.ConnectionLostError, ftps.ProtocolError)):
        vsftpd_explicit.connect(mode="implicit", timeout=3)
    assert time.monotonic() - t0 < 5


def test_a6_explicit_against_an_implicit_port_times_out_in_the_greeting(vsftpd_implicit: Server) -> None:
    t0 = time.monotonic()
    with pytest.raises(ftps.TimeoutError) as e:
        vsftpd_implicit.connect(mode="explicit", timeout=1)
    assert isinstance(e.value, builtins.TimeoutError)
    assert e.value.phase == "greeting"
    assert time.monotonic() - t0 < 4


def test_connect_refused_is_a_connection_error() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(ConnectionError) as e:
        ftps.connect("127.0.0.1", port, timeout=3)
    assert isinstance(e.value, ftps.ConnectError)
    assert e.value.address == f"127.0.0.1:{port}"


def test_g4_silent_server_times_out_as_builtin_timeout_error() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    held = []
    t = threading.Thread(target=lambda: held.append(listener.accept()), daemon=True)
    t.start()
    try:
        t0 = time.monotonic()
        with pytest.raises(builtins.TimeoutError) as e:
            ftps.connect("127.0.0.1", listener.getsockname()[1], timeout=0.5)
        assert isinstance(e.value, ftps.TimeoutError) and e.value.phase == "greeting"
        assert time.monotonic() - t0 < 3
    finally:
        listener.close()


def test_local_file_errors(client: ftps.Client, tmp_path: pathlib.Path) -> None:
    with pytest.raises(ftps.LocalFileError) as e:
        client.upload(tmp_path / "does-not-exist", "x")
    assert isinstance(e.value, OSError) and e.value.errno == 2
    assert e.value.filename == str(tmp_path / "does-not-exist")
    client.upload(io.BytesIO(b"x"), "x")
    with pytest.raises(ftps.LocalFileError):
        client.download("x", tmp_path / "no-such-dir" / "x")
    client.noop()


def test_values_that_cannot_work_name_the_keyword_argument() -> None:
    # Refused by the core before any connection is tried, named as the caller wrote them.
    for kwargs, argument in [
        ({"port": 0}, "port"),
        ({"connect_timeout": 0}, "connect_timeout"),
        ({"data_timeout": 0}, "data_timeout"),
        ({"timeout": 0}, "connect_timeout"),
        ({"tcp_keepalive": 0}, "tcp_keepalive"),
        ({"tls_server_name": "bad name!"}, "tls_server_name"),
        ({"client_cert": ("c.pem", "")}, "client_cert"),
        ({"mode": "sftp"}, "mode"),
    ]:
        with pytest.raises(ftps.InvalidArgumentError) as e:
            ftps.connect("127.0.0.1", **kwargs)  # type: ignore[arg-type]
        assert e.value.argument == argument, (kwargs, e.value.argument, str(e.value))
        assert argument in str(e.value)


def test_config_errors(vsftpd_explicit: Server, tmp_path: pathlib.Path) -> None:
    with pytest.raises(ftps.ConfigError):
        vsftpd_explicit.connect(pin_sha256="not a pin")
    with pytest.raises(ftps.ConfigError):
        vsftpd_explicit.connect(ca_pem="not a pem")
    with pytest.raises(ftps.LocalFileError):
        vsftpd_explicit.connect(ca_file=tmp_path / "missing.pem")
    with pytest.raises(ftps.InvalidArgumentError):
        vsftpd_explicit.connect(mode="sftp")  # type: ignore[arg-type]
    with pytest.raises(ftps.InvalidArgumentError):
        vsftpd_explicit.connect(timeout=-1)
    with pytest.raises(ftps.InvalidArgumentError):
        vsftpd_explicit.connect(min_tls="1.0")  # type: ignore[arg-type]


# -- E1/E2: CR, LF, NUL through every Python entry point ---------------------------

BAD = ["a\r\nDELE hello.txt", "a\nb", "a\x00b", "a\rb"]

CALLS: Dict[str, Callable[[ftps.Client, Any], Any]] = {
    "cwd": lambda c, p: c.cwd(p),
    "mkdir": lambda c, p: c.mkdir(p),
    "rmdir": lambda c, p: c.rmdir(p),
    "delete": lambda c, p: c.delete(p),
    "rename_src": lambda c, p: c.rename(p, "ok"),
    "rename_dst": lambda c, p: c.rename("ok.txt", p),
    "size": lambda c, p: c.size(p),
    "mtime": lambda c, p: c.mtime(p),
    "site": lambda c, p: c.site("CHMOD 644 " + p),
    "quote": lambda c, p: c.quote("NOOP " + p),
    "download": lambda c, p: c.download(p, io.BytesIO()),
    "upload": lambda c, p: c.upload(io.BytesIO(b"x"), p),
    "open": lambda c, p: c.open(p),
    "open_wb": lambda c, p: c.open(p, "wb"),
    "listdir": lambda c, p: c.listdir(p),
    "nlst": lambda c, p: c.nlst(p),
    "bytes_cwd": lambda c, p: c.cwd(p.encode()),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_e1_control_bytes_are_refused_before_anything_is_sent(client: ftps.Client, call: str, workdir: Any) -> None:
    client.upload(io.BytesIO(b"ok"), "ok.txt")
    for bad in BAD:
        before = client.last_reply
        with pytest.raises(ftps.InvalidArgumentError) as e:
            CALLS[call](client, bad)
        assert isinstance(e.value, ValueError) and not e.value.fatal
        assert client.last_reply == before  # nothing went to the server
    client.noop()
    assert workdir.local is not None and (workdir.local / "ok.txt").exists()


@pytest.mark.parametrize("field", ["user", "password", "account"])
def test_e1_control_bytes_in_credentials(server: Server, field: str) -> None:
    kw = {"user": server.user, "password": server.password, field: "x\r\nDELE hello.txt"}
    with pytest.raises(ftps.InvalidArgumentError):
        server.connect(**kw)


def test_e2_unencodable_str_and_wrong_types(client: ftps.Client) -> None:
    with pytest.raises(ftps.InvalidArgumentError):
        client.size("\ud800")  # a lone surrogate that surrogateescape cannot encode
    with pytest.raises(TypeError):
        client.size(42)  # type: ignore[arg-type]
    with pytest.raises(ftps.InvalidArgumentError, match="empty"):
        client.size("")
    with pytest.raises(ftps.InvalidArgumentError):
        client.quote("PORT 127,0,0,1,1,1")  # D5: data set-up is not for raw commands
    with pytest.raises(ftps.InvalidArgumentError):
        client.download("x", io.BytesIO(), offset=-1)
    with pytest.raises(ftps.InvalidArgumentError):
        client.download("x", io.BytesIO(), offset=1 << 64)
    with pytest.raises(ftps.InvalidArgumentError):
        client.open("x", offset=-5)
    client.noop()


def test_file_object_raising_mid_upload_leaves_client_usable(client: ftps.Client) -> None:
    class Boom(io.RawIOBase):
        n = 0

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            self.n += 1
            if self.n > 3:
                raise OSError("disk on fire")
            return b"x" * min(size, 100_000)

    with pytest.raises(OSError, match="disk on fire"):
        client.upload(Boom(), "boom.bin")
    client.noop()


def test_file_object_raising_mid_download_leaves_client_usable(client: ftps.Client) -> None:
    client.upload(io.BytesIO(b"y" * 3_000_000), "big.bin")

    class Full:
        def write(self, b: bytes) -> int:
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        client.download("big.bin", Full())
    client.noop()
    with pytest.raises(TypeError):
        client.upload(io.StringIO("text, not bytes"), "t.txt")  # type: ignore[arg-type]
    client.noop()


def test_callback_reentering_its_client_is_refused(client: ftps.Client) -> None:
    client.upload(io.BytesIO(b"z" * 1_000_000), "z.bin")
    with pytest.raises(ftps.StateError, match="callback"):
        client.download("z.bin", io.BytesIO(), progress=lambda d, t: client.noop())
    with pytest.raises(ftps.StateError):
        client.download("z.bin", io.BytesIO(), progress=lambda d, t: client.quit())
    client.noop()
    assert client.size("z.bin") == 1_000_000


def test_callback_exception_propagates(client: ftps.Client) -> None:
    client.upload(io.BytesIO(b"z" * 1_000_000), "z.bin")
    with pytest.raises(ZeroDivisionError):
        client.download("z.bin", io.BytesIO(), progress=lambda d, t: 1 / 0)
    client.noop()


# -- a scripted server for what real servers do not do ------------------------------


def test_transient_4xx_reply(fake: Any, servers_env: Dict[str, str]) -> None:
    s = fake(script={"SIZE": b"450 file busy, try later\r\n"})
    with fake_connect(s, servers_env) as c:
        with pytest.raises(ftps.TransientReplyError) as e:
            c.size("x")
        assert e.value.code == 450 and e.value.message == "file busy, try later"
        assert e.value.transient and not e.value.fatal and e.value.command == "SIZE"
        c.noop()


def test_f9_421_is_connection_lost_and_the_session_is_over(fake: Any, servers_env: Dict[str, str]) -> None:
    s = fake(script={"NOOP": b"421 shutting down\r\n"})
    with fake_connect(s, servers_env) as c:
        with pytest.raises(ftps.ConnectionLostError) as e:
            c.noop()
        assert e.value.fatal and e.value.code == 421
        assert isinstance(e.value, ConnectionError)
        with pytest.raises(ftps.StateError, match="lost"):
            c.pwd()


def test_f9_server_closing_is_connection_lost(fake: Any, servers_env: Dict[str, str]) -> None:
    s = fake(script={"PWD": "close"})
    with fake_connect(s, servers_env) as c:
        with pytest.raises(ftps.ConnectionLostError):
            c.pwd()


def test_f8_malformed_number_is_a_protocol_error(fake: Any, servers_env: Dict[str, str]) -> None:
    s = fake(script={"SIZE": b"213 12x\r\n"})
    with fake_connect(s, servers_env) as c:
        with pytest.raises(ftps.ProtocolError):
            c.size("x")


def test_f1_overlong_reply_is_a_protocol_error(fake: Any, servers_env: Dict[str, str]) -> None:
    s = fake(script={"PWD": b'257 "/' + b"x" * 100_000 + b'"\r\n'})
    with fake_connect(s, servers_env) as c:
        with pytest.raises(ftps.ProtocolError):
            c.pwd()


def test_g4_silent_reply_times_out(fake: Any, servers_env: Dict[str, str]) -> None:
    s = fake(script={"NOOP": "silent"})
    with fake_connect(s, servers_env, reply_timeout=0.5) as c:
        t0 = time.monotonic()
        with pytest.raises(builtins.TimeoutError) as e:
            c.noop()
        assert isinstance(e.value, ftps.TimeoutError) and e.value.phase == "reply"
        assert time.monotonic() - t0 < 3


def test_a2_auth_tls_refused_sends_no_credentials(fake: Any, servers_env: Dict[str, str]) -> None:
    s = fake(implicit=False, auth_reply=b"502 AUTH not supported\r\n")
    with pytest.raises(ftps.TLSNotAvailableError) as e:
        fake_connect(s, servers_env)
    assert e.value.code == 502
    time.sleep(0.2)
    assert s.commands == ["AUTH TLS"]


def test_a3_bytes_after_234_are_a_tls_error(fake: Any, servers_env: Dict[str, str]) -> None:
    s = fake(implicit=False, after_234=b"230 injected\r\n")
    with pytest.raises(ftps.TLSError, match="234"):
        fake_connect(s, servers_env)
    assert not any(c.startswith(("USER", "PASS")) for c in s.commands)


def test_c2_refused_session_reuse_is_its_own_error(fake: Any, servers_env: Dict[str, str]) -> None:
    refuse = ("data", {"close_notify": False, "final": b"522 SSL connection failed: session reuse required\r\n"})
    s = fake(tickets=False, script={"RETR": refuse})
    with fake_connect(s, servers_env) as c:
        with pytest.raises(ftps.SessionReuseError) as e:
            c.download("x", io.BytesIO())
        assert isinstance(e.value, ftps.TLSError)
        assert e.value.code == 522 and "reuse" in e.value.message


def test_g1_download_without_close_notify_is_truncated(fake: Any, servers_env: Dict[str, str]) -> None:
    cut = ("data", {"send": b"a" * 100, "close_notify": False, "final": b"226 done\r\n"})
    s = fake(script={"RETR": cut})
    with fake_connect(s, servers_env) as c:
        out = io.BytesIO()
        with pytest.raises(ftps.TruncatedError) as e:
            c.download("x", out)
        assert e.value.received == 100


def test_g1_clean_download_from_the_scripted_server(fake: Any, servers_env: Dict[str, str]) -> None:
    ok = ("data", {"send": b"b" * 100, "close_notify": True, "final": b"226 done\r\n"})
    s = fake(script={"RETR": ok})
    with fake_connect(s, servers_env) as c:
        out = io.BytesIO()
        assert c.download("x", out) == 100
