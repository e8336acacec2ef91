"""A scripted FTPS server (Python ssl) for error paths that well-behaved servers
do not produce: 4xx replies, 421, malformed numbers, silence, a refused
AUTH TLS, bytes after 234, a refused session reuse, a truncated download.

Each action in ``script`` answers one verb:
  bytes            sent as they are
  "silent"         nothing is sent (the client times out)
  "close"          the control connection is closed
  ("data", spec)   RETR/LIST: send 150, accept the data connection (TLS), then
                   spec = {"send": bytes, "close_notify": bool, "final": bytes}
  ("file", spec)   RETR of a file of ``files``, from the offset of the last ``REST``:
                   spec = {"count": "whole" | "to come" | None,  # the 150's byte count
                           "close_notify": bool,  # False: the TLS connection just ends
                           "short": int,          # leave this many bytes off the end
                           "final": bytes}
                   "whole" announces the whole file (as vsftpd does after REST),
                   "to come" the bytes from the offset on (as ProFTPD does), None none.
  [a1, a2, ...]    one action per use, in order; the last one then answers for good

With ``files`` ({name: bytes}), ``SIZE`` answers their sizes (550 for others) and
``REST n`` is taken (350) for the next ``RETR``; ``retrs`` counts the ``RETR``s.
"""

from __future__ import annotations

import socket
import ssl
import threading
from typing import Any, Dict, List, Optional


class FakeServer:
    def __init__(
        self,
        cert: str,
        key: str,
        *,
        implicit: bool = True,
        script: Optional[Dict[str, Any]] = None,
        auth_reply: bytes = b"234 go ahead\r\n",
        after_234: bytes = b"",
        tickets: bool = True,
        files: Optional[Dict[str, bytes]] = None,
    ) -> None:
        self.implicit = implicit
        self.script = {k.upper(): list(v) if isinstance(v, list) else v for k, v in (script or {}).items()}
        self.auth_reply = auth_reply
        self.after_234 = after_234
        self.files = dict(files or {})
        self.retrs = 0
        self.commands: List[str] = []
        self.errors: List[BaseException] = []
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.load_cert_chain(cert, key)
        if not tickets:
            ctx.num_tickets = 0
        ctx.set_alpn_protocols(["ftp"])
        self.ctx = ctx
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop = True
        self.sock.close()
        self._thread.join(5)

    def __enter__(self) -> "FakeServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                self._session(conn)
            except (OSError, ssl.SSLError, ValueError) as e:
                self.errors.append(e)
            finally:
                try:
                    conn.close()
                except OSError:
                    pass

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        s: Any = conn
        if self.implicit:
            s = self.ctx.wrap_socket(conn, server_side=True)
            s.sendall(b"220 fake implicit\r\n")
        else:
            conn.sendall(b"220 fake explicit\r\n")
        rfile = s.makefile("rb")
        pasv: Optional[socket.socket] = None
        rest = 0
        while True:
            line = rfile.readline(4096)
            if not line:
                return
            text = line.decode("latin-1").rstrip("\r\n")
            verb = text.split(" ", 1)[0].upper()
            self.commands.append(text if verb not in ("PASS",) else "PASS ****")
            if not self.implicit and verb == "AUTH" and not isinstance(s, ssl.SSLSocket):
                s.sendall(self.auth_reply + self.after_234)
                if not self.auth_reply.startswith(b"234"):
                    continue
                s = self.ctx.wrap_socket(conn, server_side=True)
                rfile = s.makefile("rb")
                continue
            action = self.script.get(verb)
            if isinstance(action, list):
                action = action.pop(0) if len(action) > 1 else action[0]
            arg = text.split(" ", 1)[1] if " " in text else ""
            if verb == "RETR":
                self.retrs += 1
            if action is None and self.files and verb in ("SIZE", "REST"):
                action = self._files_reply(verb, arg)
                if verb == "REST" and action.startswith(b"350"):
                    rest = int(arg)
            if action is None:
                action = self._default(verb)
            if action == "silent":
                continue
            if action == "close":
                return
            if verb == "EPSV":
                pasv = socket.create_server(("127.0.0.1", 0))
                s.sendall(b"229 Entering Extended Passive Mode (|||%d|)\r\n" % pasv.getsockname()[1])
                continue
            if isinstance(action, tuple) and action[0] == "data":
                assert pasv is not None
                self._data(s, pasv, action[1])
                pasv.close()
                pasv = None
                continue
            if isinstance(action, tuple) and action[0] == "file":
                assert pasv is not None
                self._file(s, pasv, arg, rest, action[1])
                pasv.close()
                pasv = None
                rest = 0
                continue
            s.sendall(action)
            if verb == "QUIT":
                return

    @staticmethod
    def _default(verb: str) -> Any:
        return {
            "USER": b"331 password please\r\n",
            "PASS": b"230 logged in\r\n",
            "PBSZ": b"200 PBSZ=0\r\n",
            "PROT": b"200 PROT now Private\r\n",
            "FEAT": b"211-Features:\r\n EPSV\r\n SIZE\r\n211 End\r\n",
            "TYPE": b"200 ok\r\n",
            "NOOP": b"200 NOOP ok\r\n",
            "PWD": b'257 "/" is the current directory\r\n',
            "QUIT": b"221 bye\r\n",
            "EPSV": b"",
        }.get(verb, b"502 not implemented\r\n")

    def _files_reply(self, verb: str, arg: str) -> bytes:
        if verb == "SIZE":
            data = self.files.get(arg.lstrip("/"))
            return b"550 no such file\r\n" if data is None else b"213 %d\r\n" % len(data)
        if not arg.isdigit():
            return b"501 bad REST\r\n"
        return b"350 Restarting at %s. Send STORE or RETRIEVE.\r\n" % arg.encode()

    def _file(self, s: Any, pasv: socket.socket, name: str, rest: int, spec: Dict[str, Any]) -> None:
        data = self.files.get(name.lstrip("/"))
        if data is None:
            s.sendall(b"550 no such file\r\n")
            return
        body = data[rest:]
        count = spec.get("count")
        announced = {"whole": len(data), "to come": len(body), None: None}[count]
        preliminary = b"150 Opening BINARY mode data connection for %s" % name.encode()
        if announced is not None:
            preliminary += b" (%d bytes)" % announced
        short = spec.get("short", 0)
        assert 0 <= short <= len(body)
        self._data(
            s,
            pasv,
            {
                "preliminary": preliminary + b".\r\n",
                "send": body[: len(body) - short],
                "close_notify": spec.get("close_notify", True),
                "final": spec.get("final", b"226 Transfer complete.\r\n"),
            },
        )

    def _data(self, s: Any, pasv: socket.socket, spec: Dict[str, Any]) -> None:
        s.sendall(spec.get("preliminary", b"150 here it comes\r\n"))
        pasv.settimeout(10)
        raw, _ = pasv.accept()
        d = self.ctx.wrap_socket(raw, server_side=True)
        if spec.get("send"):
            d.sendall(spec["send"])
        if spec.get("close_notify", True):
            try:
                d.unwrap()  # sends close_notify, then waits for the client to close
            except (ssl.SSLError, OSError):
                pass
        d.close()
        raw.close()
        s.sendall(spec.get("final", b"226 done\r\n"))
