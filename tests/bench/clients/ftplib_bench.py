"""The benchmark cases through Python's ftplib.FTP_TLS, with the usual session-reuse
subclass (without it vsftpd answers 522 and ProFTPD 425 on every data connection) and
an implicit-TLS variant. Default block size (8192), as most ftplib code uses it.
See common.py for the command line."""
import ftplib
import os
import socket
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import name, parse  # noqa: E402


class ReusingFTP_TLS(ftplib.FTP_TLS):
    """Explicit FTPS (AUTH TLS) whose data connections resume the control session."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                            session=self.sock.session)
        return conn, size


class ImplicitFTP_TLS(ReusingFTP_TLS):
    """Implicit FTPS: TLS right after the TCP connect."""

    def connect(self, host="", port=0, timeout=-999, source_address=None):
        if host:
            self.host = host
        if port:
            self.port = port
        if timeout != -999:
            self.timeout = timeout
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self.context.wrap_socket(sock, server_hostname=self.host)
        self.af = self.sock.family
        self.file = self.sock.makefile("r", encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome


def main():
    a = parse()
    ctx = ssl.create_default_context(cafile=a.ca)
    if a.tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if a.mode == "implicit":
        ftp = ImplicitFTP_TLS(context=ctx)
        ftp.connect(a.host, a.port, timeout=60)
        ftp.login(a.user, a.password, secure=False)
    else:
        ftp = ReusingFTP_TLS(context=ctx)
        ftp.connect(a.host, a.port, timeout=60)
        ftp.login(a.user, a.password)
    ftp.prot_p()
    c = a.cmd
    if c[0] == "get":
        with open(c[2], "wb") as f:
            ftp.retrbinary("RETR " + c[1], f.write)
    elif c[0] == "put":
        with open(c[1], "rb") as f:
            ftp.storbinary("STOR " + c[2], f)
    elif c[0] == "many-get":
        for i in range(1, int(c[2]) + 1):
            with open(os.path.join(c[3], name(i)), "wb") as f:
                ftp.retrbinary(f"RETR {c[1]}/{name(i)}", f.write)
    elif c[0] == "many-put":
        for i in range(1, int(c[2]) + 1):
            with open(os.path.join(c[1], name(i)), "rb") as f:
                ftp.storbinary(f"STOR {c[3]}/{name(i)}", f)
    elif c[0] == "list":
        lines = []
        ftp.retrlines("LIST" + (" " + c[1] if len(c) > 1 else ""), lines.append)
    ftp.quit()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001
        print(f"ftplib_bench: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
