"""A scripted FTPS server (Python ssl) for error paths that well-behaved servers
do not produce: 4xx replies, 421, malformed numbers, silence, a refused
AUTH TLS, bytes after 234, a refused session reuse, a truncated download.

Each action in ``script`` answers one verb:
  bytes            sent as they are
  "silent"         nothing is sent (the client times out)
  "close"          the control connection is closed
  ("data", spec)   RETR/LIST: send 150, accept the data connection (TLS), then
                   spec = {"send": bytes, "close_notify": bool, "final": bytes}
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
    ) -> None:
        self.implicit = implicit
        self.script = {k.upper(): v for k, v in (script or {}).items()}
        self.auth_reply = auth_reply
        self.after_234 = after_234
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

    def _data(self, s: Any, pasv: socket.socket, spec: Dict[str, Any]) -> None:
        s.sendall(b"150 here it comes\r\n")
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
