#!/usr/bin/env python3
"""Download and upload a 1 GiB file through ftps (Python), the Rust core, and
ftplib (with the usual session-reuse subclass), against vsftpd-explicit, in one
run. Prints a table of wall times, throughput and ratios to the Rust core.

    .venv/bin/python bench_1gib.py [--size-mib 1024] [--server vsftpd-explicit] [--skip-rust]

Needs the running test servers (tests/servers/start.sh) and the ftps wheel in the
interpreter. The Rust number comes from examples/bench_core.rs, built here with
cargo (--skip-rust leaves it out; BENCH_CORE=path uses a prebuilt binary).
The remote file lives in the server's root (its chroot); local files go to
/dev/shm when it exists, so the local disk is not what is measured.
"""

from __future__ import annotations

import argparse
import ftplib
import hashlib
import os
import re
import resource
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import ftps

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def load_env() -> Dict[str, str]:
    f = REPO / ".servers" / "run" / "servers.env"
    return dict(line.split("=", 1) for line in f.read_text().splitlines() if "=" in line)


class ReuseFTP_TLS(ftplib.FTP_TLS):
    """The usual fix: data connections resume the control connection's TLS session."""

    def ntransfercmd(self, cmd, rest=None):  # type: ignore[no-untyped-def]
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:  # type: ignore[attr-defined]
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
        return conn, size


def timed(fn: Callable[[], object]) -> Tuple[float, float]:
    """Wall seconds and CPU seconds of this process."""
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def make_file(path: Path, size: int) -> str:
    block = hashlib.sha256(b"ftps bench").digest()
    chunk = bytearray()
    while len(chunk) < 16 << 20:
        block = hashlib.sha256(block).digest()
        chunk += block
    h = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            part = bytes(chunk[: min(left, len(chunk))])
            f.write(part)
            h.update(part)
            left -= len(part)
    return h.hexdigest()


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(16 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


def build_core() -> Optional[Path]:
    exe = os.environ.get("BENCH_CORE")
    if exe:
        return Path(exe)
    target = os.environ.get("CARGO_TARGET_DIR") or str(REPO / "target" / "python")
    print(f"building examples/bench_core.rs (release, target {target}) ...", file=sys.stderr)
    subprocess.run(
        ["cargo", "build", "--quiet", "--release", "--example", "bench_core"],
        cwd=HERE, check=True, env={**os.environ, "CARGO_TARGET_DIR": target},
    )
    return Path(target) / "release" / "examples" / "bench_core"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--server", default="vsftpd-explicit")
    ap.add_argument("--skip-rust", action="store_true")
    args = ap.parse_args()
    size = args.size_mib << 20

    env = load_env()
    key = "FTPS_TEST_" + re.sub(r"[^A-Z0-9]", "_", args.server.upper())
    host, port, mode = env.get("FTPS_TEST_HOST", "127.0.0.1"), int(env[key + "_PORT"]), env[key + "_MODE"]
    root, ca = Path(env[key + "_ROOT"]), env["FTPS_TEST_CA"]
    user, password = env["FTPS_TEST_USER"], env["FTPS_TEST_PASS"]
    core = None if args.skip_rust else build_core()

    remote_dir = f"bench-{os.getpid()}"
    (root / remote_dir).mkdir()
    st = root.stat()
    os.chown(root / remote_dir, st.st_uid, st.st_gid)
    local = Path(tempfile.mkdtemp(prefix="ftps-bench-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    results: List[Tuple[str, str, float, Optional[float], str]] = []
    try:
        print(f"creating {args.size_mib} MiB in {root / remote_dir} and {local} ...", file=sys.stderr)
        want = make_file(root / remote_dir / "src.bin", size)
        os.chown(root / remote_dir / "src.bin", st.st_uid, st.st_gid)
        shutil.copyfile(root / remote_dir / "src.bin", local / "src.bin")
        remote_src = f"/{remote_dir}/src.bin"

        def check_down(path: Path) -> str:
            ok = digest(path) == want
            path.unlink()
            return "ok" if ok else "MISMATCH"

        def check_up(name: str) -> str:
            p = root / remote_dir / name
            ok = digest(p) == want
            p.unlink()
            return "ok" if ok else "MISMATCH"

        # ftps (Python binding)
        with ftps.connect(host, port, mode=mode, user=user, password=password, ca_file=ca) as c:
            wall, cpu = timed(lambda: c.download(remote_src, local / "down.bin"))
            results.append(("ftps (Python)", "download", wall, cpu, check_down(local / "down.bin")))
            wall, cpu = timed(lambda: c.upload(local / "src.bin", f"/{remote_dir}/up-ftps.bin"))
            results.append(("ftps (Python)", "upload", wall, cpu, check_up("up-ftps.bin")))
            info = c.tls_info
            assert info is not None and info.stats.data_full == 0
            tls = f"{info.version} {info.cipher}"

        # Rust core, directly
        if core is not None:
            for direction, a, b, chk in (
                ("download", remote_src, str(local / "down.bin"), lambda: check_down(local / "down.bin")),
                ("upload", str(local / "src.bin"), f"/{remote_dir}/up-core.bin", lambda: check_up("up-core.bin")),
            ):
                out = subprocess.run(
                    [str(core), host, str(port), mode, ca, user, password, direction, a, b],
                    check=True, capture_output=True, text=True,
                ).stdout.split()
                results.append(("Rust core", direction, float(out[0]), None, chk()))

        # ftplib with the session-reuse subclass
        ctx = ssl.create_default_context(cafile=ca)
        ftp = ReuseFTP_TLS(context=ctx, timeout=60)
        ftp.connect(host, port)
        ftp.login(user, password)
        ftp.prot_p()
        with open(local / "down.bin", "wb") as f:
            wall, cpu = timed(lambda: ftp.retrbinary(f"RETR {remote_src}", f.write, blocksize=256 * 1024))
        results.append(("ftplib + reuse", "download", wall, cpu, check_down(local / "down.bin")))
        with open(local / "src.bin", "rb") as f:
            wall, cpu = timed(lambda: ftp.storbinary(f"STOR /{remote_dir}/up-ftplib.bin", f, blocksize=256 * 1024))
        results.append(("ftplib + reuse", "upload", wall, cpu, check_up("up-ftplib.bin")))
        ftp.quit()
    finally:
        shutil.rmtree(local, ignore_errors=True)
        shutil.rmtree(root / remote_dir, ignore_errors=True)

    base = {d: w for (who, d, w, _, _) in results if who == "Rust core"}
    mib = size / (1 << 20)
    print(f"\n{args.size_mib} MiB against {args.server} ({mode}, {tls}), one run, {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"| {'client':<15} | {'direction':<9} | {'seconds':>7} | {'MiB/s':>7} | {'vs core':>7} | {'CPU s (py)':>10} | data |")
    print(f"|{'-' * 17}|{'-' * 11}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 12}|------|")
    for who, d, wall, cpu, ok in results:
        ratio = f"{wall / base[d]:.2f}x" if d in base else "-"
        cpu_s = f"{cpu:.2f}" if cpu is not None else "-"
        print(f"| {who:<15} | {d:<9} | {wall:7.2f} | {mib / wall:7.0f} | {ratio:>7} | {cpu_s:>10} | {ok:<4} |")
    return 0 if all(ok == "ok" for *_, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
