"""Why this package exists: ftplib.FTP_TLS cannot talk to vsftpd with
require_ssl_reuse=YES (the default), ftps can."""

from __future__ import annotations

import ftplib
import io
import ssl

import pytest

import ftps
from conftest import Server


def test_ftplib_ftp_tls_is_refused_by_vsftpd_where_ftps_succeeds(vsftpd_explicit: Server) -> None:
    s = vsftpd_explicit
    ctx = ssl.create_default_context(cafile=s.ca)
    ftp = ftplib.FTP_TLS(context=ctx, timeout=10)
    ftp.connect(s.host, s.port)
    ftp.login(s.user, s.password)
    ftp.prot_p()
    chunks: list = []
    with pytest.raises(ftplib.error_perm, match="522.*session reuse required"):
        ftp.retrbinary("RETR hello.txt", chunks.append)
    assert chunks == []
    ftp.close()

    with s.connect() as c:
        out = io.BytesIO()
        c.download("hello.txt", out)
        assert out.getvalue() == b"hello from vsftpd-explicit\n"
        info = c.tls_info
        assert info is not None and info.data is not None and info.data.resumed


def test_ftplib_has_no_implicit_mode_ftps_does(vsftpd_implicit: Server) -> None:
    s = vsftpd_implicit
    ftp = ftplib.FTP_TLS(context=ssl.create_default_context(cafile=s.ca), timeout=2)
    with pytest.raises((TimeoutError, OSError, EOFError, ftplib.Error)):
        ftp.connect(s.host, s.port)  # waits for a plain 220 that never comes
    ftp.close()
    with s.connect() as c:
        assert c.greeting.code == 220


def test_ftplib_verifies_no_certificate_by_default_ftps_does(vsftpd_explicit: Server) -> None:
    s = vsftpd_explicit
    ftp = ftplib.FTP_TLS(timeout=10)  # default context: CERT_NONE, no host name check
    ftp.connect(s.host, s.port)
    ftp.login(s.user, s.password)  # succeeds against a server no one vouched for
    ftp.close()
    with pytest.raises(ftps.CertificateError):
        ftps.connect(s.host, s.port, user=s.user, password=s.password, timeout=10)  # system roots only
