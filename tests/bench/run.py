#!/usr/bin/env python3
"""The measuring half of `make bench` (tests/bench/bench.sh prepares servers, data and
binaries, then calls this).

For every case, server and client it runs the client as a fresh process under
`/usr/bin/time -f '%e %U %S %M'` (client user+sys CPU and peak RSS; the wall time is
taken around it with a monotonic clock, /usr/bin/time's %e only has 10 ms steps),
alternating the clients inside each repetition (the order rotates from one repetition
to the next), and prints one markdown table per case with the median of the runs, the
min and max wall time, and the ratio to curl on the same server. Every run is checked:
exit status 0, and for uploads and many-file downloads the files and their sizes.

Clients (all with certificate verification against the test CA, TLS on control and data):
  ftps-rust    tests/bench/client (ftps-bench), ftps-core            BIN/ftps-bench
  ftps-c       tests/bench/c/ftps_bench.c on libftps (ftps-ffi)      BIN/ftps-bench-c
  ftps-python  tests/bench/clients/ftps_py_bench.py, `import ftps`   --ftps-python PY
  curl         curl --ssl-reqd, several URLs / a -T glob in one invocation (one session)
  lftp         lftp -c with ssl-force/ssl-protect-data, mget/mput with explicit names
  ftplib       tests/bench/clients/ftplib_bench.py (session-reuse subclass of FTP_TLS)

Cases: latency (connect + login + LIST + QUIT), small-get / small-put (N x 4 KiB in one
session), big-get / big-put (the big file, to /dev/null and from tmpfs).

Baseline (--baseline-bin DIR --baseline-label REV): the Rust and C clients of another
commit (tests/bench/baseline.sh builds them into DIR) run as the extra clients
ftps-rust@REV and ftps-c@REV, in the same rotation; the tables then add "x baseline"
columns: each ftps face's figure divided by that of its @REV twin.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ALL_CLIENTS = ["ftps-rust", "ftps-c", "ftps-python", "curl", "lftp", "ftplib"]
# Several sessions at once (issue 13), opt-in with --clients: ftps-rust over P sessions
# (`--parallel P`, `--segments P`), lftp `mirror -P P` / `pget -n P`, rclone `--transfers P`.
PARALLEL = 8
PARALLEL_CLIENTS = [f"ftps-rust-p{PARALLEL}", f"lftp-p{PARALLEL}", f"rclone-p{PARALLEL}"]
# One session, the files as one batch (`--parallel 1`): each file's check and the next
# file's EPSV go ahead of the final reply (issue 13, scope 3); big-get as ftps-rust.
BATCH_ONE = "ftps-rust-b1"
FTPS_FACES = ["ftps-rust", "ftps-c", "ftps-python"]
PEERS = ["curl", "lftp", "ftplib"]
ALL_CASES = ["latency", "small-get", "small-put", "big-get", "big-put"]
BASELINE_FACES = {"ftps-rust": "ftps-bench", "ftps-c": "ftps-bench-c"}  # face -> binary
GIB = 1 << 30
MIB = 1 << 20
FTPUSER = "ftpuser"


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


# --- servers -------------------------------------------------------------------------------
def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                env[k] = v
    return env


class Server:
    def __init__(self, env, name, host=None):
        k = "FTPS_TEST_" + name.upper().replace("-", "_")
        self.name = name
        self.host = host or env["FTPS_TEST_HOST"]
        self.port = int(env[k + "_PORT"])
        self.mode = env[k + "_MODE"]
        self.ca = env["FTPS_TEST_CA"]
        self.user = env["FTPS_TEST_USER"]
        self.password = env["FTPS_TEST_PASS"]

    def url(self, path=""):
        scheme = "ftps" if self.mode == "implicit" else "ftp"
        return f"{scheme}://{self.user}:{self.password}@{self.host}:{self.port}/{path}"


# --- clients: each turns an abstract operation into an argv --------------------------------
# op is one of: ("get", remote, local) ("put", local, remote) ("many-get", rdir, n, ldir)
#               ("many-put", ldir, n, rdir) ("list",)
def fname(i):
    return f"f{i:03d}.bin"


def base_of(client):
    """The face of a baseline client ("ftps-rust@55d2e1d" -> "ftps-rust"), else None."""
    face, at, _ = client.partition("@")
    return face if at and face in BASELINE_FACES else None


def read_build_status(bin_dir):
    """build.sh's OUT/build-status as {client: "ok" | "n/a REASON"}; {} when absent."""
    status = {}
    try:
        with open(os.path.join(bin_dir, "build-status")) as f:
            for line in f:
                n, _, rest = line.strip().partition(" ")
                status[n] = rest
    except OSError:
        pass
    return status


class Clients:
    def __init__(self, a, tmp):
        self.a = a
        self.tmp = tmp
        self.available = {}  # name -> None (ok) or the reason it is n/a
        status = read_build_status(a.bin)
        base_status = read_build_status(a.baseline_bin) if a.baseline_bin else {}
        for c in a.clients:
            if base_of(c):
                exe = os.path.join(a.baseline_bin, BASELINE_FACES[base_of(c)])
                self.available[c] = None if os.access(exe, os.X_OK) else (
                    base_status.get(base_of(c)) or f"n/a ({exe} missing)")
            elif c == "ftps-rust":
                ok = os.access(os.path.join(a.bin, "ftps-bench"), os.X_OK)
                self.available[c] = None if ok else "n/a (BIN/ftps-bench missing)"
            elif c == "ftps-c":
                ok = os.access(os.path.join(a.bin, "ftps-bench-c"), os.X_OK)
                self.available[c] = None if ok else (
                    status.get("ftps-c") or "n/a (C face not built yet)")
            elif c == "ftps-python":
                self.available[c] = self.check_ftps_python()
            elif c in (f"ftps-rust-p{PARALLEL}", BATCH_ONE):
                ok = os.access(os.path.join(a.bin, "ftps-bench"), os.X_OK)
                self.available[c] = None if ok else "n/a (BIN/ftps-bench missing)"
            elif c in ("curl", "lftp", f"lftp-p{PARALLEL}", f"rclone-p{PARALLEL}"):
                tool = c.split("-")[0]
                self.available[c] = None if shutil.which(tool) else f"n/a ({tool} not installed)"
            elif c == "ftplib":
                self.available[c] = None
            else:
                raise SystemExit(f"unknown client {c}")

    def check_ftps_python(self):
        py = self.a.ftps_python
        if not py:
            return "n/a (the Python face did not build; see the log, or set BENCH_FTPS_PYTHON)"
        r = subprocess.run([py, "-c", "import ftps, ftps._ftps; print(ftps._ftps.__file__)"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            last = (r.stderr.strip().splitlines() or ["?"])[-1]
            return f"n/a (Python face not importable with {py}: {last})"
        self.ftps_python_module = r.stdout.strip()
        return None

    def common(self, s):
        return ["--host", s.host, "--port", str(s.port), "--mode", s.mode, "--ca", s.ca,
                "--user", s.user, "--pass", s.password]

    def argv(self, client, s, op):
        a = self.a
        if base_of(client):
            exe = os.path.join(a.baseline_bin, BASELINE_FACES[base_of(client)])
            return [exe] + self.common(s) + [str(x) for x in op]
        if client == f"ftps-rust-p{PARALLEL}":
            flag = ["--segments" if op[0] == "get" else "--parallel", str(PARALLEL)]
            return ([os.path.join(a.bin, "ftps-bench")] + self.common(s) + flag
                    + [str(x) for x in op])
        if client == f"rclone-p{PARALLEL}":
            return self.rclone(s, op)
        if client == BATCH_ONE:
            flag = ["--parallel", "1"] if op[0] in ("many-get", "many-put") else []
            return ([os.path.join(a.bin, "ftps-bench")] + self.common(s) + flag
                    + [str(x) for x in op])
        if client in ("ftps-rust", "ftps-c", "ftps-python", "ftplib"):
            pre = {
                "ftps-rust": [os.path.join(a.bin, "ftps-bench")],
                "ftps-c": [os.path.join(a.bin, "ftps-bench-c")],
                "ftps-python": [a.ftps_python, os.path.join(HERE, "clients", "ftps_py_bench.py")],
                "ftplib": [a.python, os.path.join(HERE, "clients", "ftplib_bench.py")],
            }[client]
            return pre + self.common(s) + [str(x) for x in op]
        if client == "curl":
            base = ["curl", "-sS", "--ssl-reqd", "--cacert", s.ca, "--max-time", "600"]
            kind = op[0]
            if kind == "get":
                return base + [s.url(op[1]), "-o", op[2]]
            if kind == "put":
                return base + ["-T", op[1], s.url(op[2])]
            if kind == "many-get":
                _, rdir, n, ldir = op
                # one invocation, one session: curl's URL globbing
                return base + [s.url(f"{rdir}/f[001-{n:03d}].bin"), "-o", f"{ldir}/f#1.bin"]
            if kind == "many-put":
                _, ldir, n, rdir = op
                # curl 7.88 under TLS 1.3 loses files here: the 2nd upload of a session
                # ends as a 0-byte file and the 3rd gets 522 (vsftpd) / 425 (ProFTPD), yet
                # it exits 0. Under TLS 1.2 all files arrive.
                return base + ["--tls-max", "1.2", "-T", f"{ldir}/f[001-{n:03d}].bin",
                               s.url(rdir + "/")]
            if kind == "list":
                return base + [s.url(""), "-o", "/dev/null"]
        if client in ("lftp", f"lftp-p{PARALLEL}"):
            scheme = "ftps" if s.mode == "implicit" else "ftp"
            kind = op[0]
            par = client != "lftp"
            if kind == "get" and par:
                act = f"pget -n {PARALLEL} {op[1]} -o {op[2]}"
            elif kind == "many-get" and par:
                # mirror copies the whole directory (the N files): one LIST first.
                _, rdir, n, ldir = op
                act = f"mirror -P {PARALLEL} {rdir} {ldir}"
            elif kind == "many-put" and par:
                _, ldir, n, rdir = op
                act = f"mirror -R -P {PARALLEL} {ldir} {rdir}"
            elif kind == "get":
                act = f"get {op[1]} -o {op[2]}"
            elif kind == "put":
                act = f"put {op[1]} -o {op[2]}"
            elif kind == "many-get":
                _, rdir, n, ldir = op
                act = f"mget -O {ldir} " + " ".join(f"{rdir}/{fname(i)}" for i in range(1, n + 1))
            elif kind == "many-put":
                _, ldir, n, rdir = op
                act = f"mput -O {rdir} " + " ".join(f"{ldir}/{fname(i)}" for i in range(1, n + 1))
            elif kind == "list":
                act = "ls"
            rc = os.path.join(self.tmp, f"lftprc-{os.path.basename(s.ca)}")
            if not os.path.exists(rc):
                with open(rc, "w") as f:
                    f.write("\n".join([
                        f"set ssl:ca-file {s.ca}",
                        "set ssl:verify-certificate true",
                        "set ssl:check-hostname true",
                        "set ftp:ssl-force true",
                        "set ftp:ssl-protect-data true",
                        "set ftp:ssl-protect-list true",
                        "set ftp:passive-mode true",
                        "set net:max-retries 1",
                        "set net:timeout 30",
                        "set cmd:fail-exit true",
                        "set xfer:clobber on",
                        "set cmd:interactive false",
                        ""]))
            return ["lftp", "-c",
                    f"source {rc}; open -u {s.user},{s.password} {scheme}://{s.host}:{s.port}; {act}"]
        raise ValueError(client)


    def rclone(self, s, op):
        """rclone (Debian's 1.60) with an on-the-fly remote: it has no option for a CA file, so
        it runs with no_check_certificate (the only client here that does not verify)."""
        if not os.environ.get("RCLONE_FTP_PASS"):
            # Through the environment, so that rclone's error messages (they quote the
            # remote) do not carry it into the tables.
            r = subprocess.run(["rclone", "obscure", s.password], capture_output=True, text=True)
            os.environ["RCLONE_FTP_PASS"] = r.stdout.strip()
        tls = "tls=true" if s.mode == "implicit" else "explicit_tls=true"
        remote = f":ftp,host={s.host},port={s.port},user={s.user},{tls},no_check_certificate=true:"
        base = ["rclone", "--config", "/dev/null", "-q", "--retries", "1",
                "--low-level-retries", "1", "--transfers", str(PARALLEL),
                "--multi-thread-streams", str(PARALLEL)]
        kind = op[0]
        if kind == "get":
            return base + ["copyto", remote + op[1], op[2]]
        if kind == "put":
            return base + ["copyto", op[1], remote + op[2]]
        if kind == "many-get":
            _, rdir, n, ldir = op
            return base + ["copy", remote + rdir, ldir]
        if kind == "many-put":
            _, ldir, n, rdir = op
            return base + ["copy", ldir, remote + rdir]
        if kind == "list":
            return base + ["lsf", remote]
        raise ValueError(op)


# --- one timed run ----------------------------------------------------------------------------
def timed(argv, wrap, timeout):
    fd, tf = tempfile.mkstemp(prefix="bench-time-")
    os.close(fd)
    full = wrap + ["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf] + argv
    ef = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    p = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=ef)
    killed, reaped = [], []

    def kill():
        if not reaped:
            killed.append(1)
            p.kill()
    timer = threading.Timer(timeout, kill)
    timer.start()
    _, status, ru = os.wait4(p.pid, 0)   # blocks; wall time exact to the syscall
    wall = time.perf_counter() - t0
    reaped.append(1)
    timer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    rc = -1 if killed else p.returncode
    ef.seek(0)
    err = ef.read().decode(errors="replace")
    ef.close()
    if killed:
        err = f"timeout after {timeout} s; " + err
    user = sys_ = rss = tu = ts = None
    try:
        with open(tf) as f:
            lines = f.read().strip().splitlines()
        _, u, s_, m = lines[-1].split()
        rss = int(m) / 1024.0
        # CPU: the rusage of the whole /usr/bin/time process tree from wait4() (1 us
        # resolution; time's own share is ~1 ms), not time's %U/%S (10 ms steps)
        user, sys_ = ru.ru_utime, ru.ru_stime
        tu, ts = float(u), float(s_)
    except (OSError, ValueError, IndexError):
        pass
    os.unlink(tf)
    return {"rc": rc, "wall": wall, "user": user, "sys": sys_, "rss": rss,
            "time_user": tu, "time_sys": ts, "err": err.strip()[-600:]}


def count_commands(path, offset):
    """FTP commands the server logged since `offset` (vsftpd with log_ftp_protocol=YES)."""
    time.sleep(0.05)  # let the server's session process write its last lines
    with open(path, "rb") as f:
        f.seek(offset)
        text = f.read()
    return text.count(b"FTP command:")


# --- the cases ----------------------------------------------------------------------------------
def reset_dir(path, owner=None):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    if owner:
        shutil.chown(path, owner, owner)


def check_files(d, n, size):
    try:
        names = sorted(os.listdir(d))
    except OSError as e:
        return f"{d}: {e}"
    want = [fname(i) for i in range(1, n + 1)]
    missing = sorted(set(want) - set(names))
    if missing:
        return f"{len(missing)} of {n} files missing in {d} (e.g. {missing[0]})"
    bad = [x for x in want if os.path.getsize(os.path.join(d, x)) != size]
    if bad:
        return f"{len(bad)} files with the wrong size in {d} (e.g. {bad[0]})"
    return None


class Bench:
    def __init__(self, a):
        self.a = a
        self.tmp = tempfile.mkdtemp(prefix="ftps-bench-run-")
        self.env = read_env(a.env)
        self.servers = [Server(self.env, n, a.host) for n in a.servers]
        self.clients = Clients(a, self.tmp)
        self.big = os.path.join(a.data, "big.bin")
        self.big_size = os.path.getsize(self.big)
        self.small_dir = os.path.join(a.data, "small")
        self.small_size = os.path.getsize(os.path.join(self.small_dir, fname(1)))
        self.n_for = {}  # (case, server, client) -> files per run of a small-file case
        self.small_n = {c: a.small_n for c in ALL_CLIENTS + PARALLEL_CLIENTS + [BATCH_ONE] + a.clients}
        for spec in filter(None, a.small_n_for.split(",")):
            c, n = spec.split("=")
            self.small_n[c] = min(int(n), a.small_n)
        for c in a.clients:
            if base_of(c):
                self.small_n[c] = self.small_n[base_of(c)]
        self.results = {}  # (case, server, client) -> [run]

    def up_local(self, s):
        return os.path.join(self.a.data, "up", s.name)

    def up_remote(self, s):
        return f"{self.a.remote}/up/{s.name}"

    def op(self, case, s, c):
        """(operation, before(), check() -> error or None, units)"""
        a = self.a
        if case == "latency":
            return ("list",), None, None
        if case == "big-get" and c in PARALLEL_CLIENTS:
            # Ranges at their offsets need a real file: on tmpfs, removed after.
            dst = os.path.join(a.local, f"big-{c}.bin")

            def check():
                try:
                    got = os.path.getsize(dst)
                    os.unlink(dst)
                except OSError as e:
                    return str(e)
                return None if got == self.big_size else f"downloaded {got} of {self.big_size} bytes"
            return ("get", f"{a.remote}/big.bin", dst), None, check
        if case == "big-get":
            return ("get", f"{a.remote}/big.bin", "/dev/null"), None, None
        if case == "big-put":
            def before():
                reset_dir(self.up_local(s), FTPUSER)

            def check():
                p = os.path.join(self.up_local(s), "big.bin")
                try:
                    got = os.path.getsize(p)
                except OSError as e:
                    return str(e)
                finally:
                    shutil.rmtree(self.up_local(s), ignore_errors=True)
                return None if got == self.big_size else f"uploaded {got} of {self.big_size} bytes"
            return ("put", self.big, f"{self.up_remote(s)}/big.bin"), before, check
        n = self.n_for.get((case, s.name, c), a.small_n)
        if case == "small-get":
            ldir = os.path.join(a.local, c)

            def before():
                reset_dir(ldir)

            def check():
                e = check_files(ldir, n, self.small_size)
                shutil.rmtree(ldir, ignore_errors=True)
                return e
            return ("many-get", f"{a.remote}/small", n, ldir), before, check
        if case == "small-put":
            ldir = os.path.join(self.up_local(s), "small")

            def before():
                reset_dir(self.up_local(s), FTPUSER)
                reset_dir(ldir, FTPUSER)

            def check():
                e = check_files(ldir, n, self.small_size)
                shutil.rmtree(self.up_local(s), ignore_errors=True)
                return e
            return ("many-put", self.small_dir, n, f"{self.up_remote(s)}/small"), before, check
        raise ValueError(case)

    def run_case(self, case):
        a = self.a
        live = [c for c in a.clients if self.clients.available[c] is None]
        for s in self.servers:
            for c in live:
                self.n_for[(case, s.name, c)] = self.small_n[c]
        warm = a.warmup if case == "latency" else 0
        reps = warm + a.runs
        t_case = time.perf_counter()
        for rep in range(reps):
            order = live[rep % len(live):] + live[:rep % len(live)] if live else []
            for s in self.servers:
                for c in order:
                    op, before, check = self.op(case, s, c)
                    if before:
                        before()
                    log_at = os.path.getsize(a.server_log) if a.server_log else 0
                    r = timed(self.clients.argv(c, s, op), a.wrap, a.timeout)
                    if a.server_log:
                        r["cmds"] = count_commands(a.server_log, log_at)
                    if r["rc"] == 0 and check:
                        e = check()
                        if e:
                            r["rc"], r["err"] = -2, e
                    elif check:
                        check()  # clean up
                    r["n"] = self.n_for[(case, s.name, c)] if case.startswith("small") else 1
                    tag = "warm-up" if rep < warm else f"{rep - warm + 1}/{a.runs}"
                    status = "ok" if r["rc"] == 0 else f"FAILED rc={r['rc']}: {r['err']}"
                    log(f"[{case}] {tag} {s.name} {c} {r['wall']:.3f} s {status}")
                    if rep >= warm:
                        self.results.setdefault((case, s.name, c), []).append(r)
        log(f"[{case}] done in {time.perf_counter() - t_case:.0f} s")

    # --- figures ---------------------------------------------------------------------------
    def fig(self, case, server, client):
        runs = self.results.get((case, server, client))
        if not runs:
            return None
        good = [r for r in runs if r["rc"] == 0 and r["user"] is not None]
        f = {"runs": len(runs), "failed": len(runs) - len(good), "n": runs[0]["n"],
             "err": next((r["err"] for r in runs if r["rc"] != 0), "")}
        if not good:
            return f
        walls = [r["wall"] for r in good]
        cpu = statistics.median(r["user"] + r["sys"] for r in good)
        if all("cmds" in r for r in good):
            f["cmds"] = statistics.median(r["cmds"] for r in good)
        f.update(wall=statistics.median(walls), wmin=min(walls), wmax=max(walls), cpu=cpu,
                 rss=statistics.median(r["rss"] for r in good), rss_max=max(r["rss"] for r in good))
        if case.startswith("big"):
            f["rate"] = self.big_size / f["wall"] / 1e6            # MB/s
            f["cpu_unit"] = cpu / (self.big_size / GIB)            # CPU s per GiB
        elif case.startswith("small"):
            f["rate"] = f["n"] / f["wall"]                          # files/s
            f["cpu_unit"] = cpu / f["n"] * 1000                     # CPU ms per file
        else:
            f["rate"] = None
            f["cpu_unit"] = cpu * 1000                              # CPU ms per session
        return f


def wan_tables(b):
    """Round trips: the figures of a run over an emulated wide-area link (--rtt-ms)."""
    a = b.a
    rtt = a.rtt_ms / 1000.0
    out = [f"### Round trips at {a.rtt_ms:g} ms RTT", ""]
    out.append("Small files: `RTTs/file` = (median wall of the N-file run - median wall of "
               "connect+login+LIST+QUIT) / (N - 1) / RTT, i.e. the round trips each further file "
               "costs (the LIST of the latency case stands in for the first file); `cmds/file` = "
               "(commands the server logged in the N-file session - in the LIST session) / (N - 1). "
               "Latency: `RTTs` = wall / RTT. Big files: `in flight` = MB/s x RTT, the window the "
               "transfer actually kept open.")
    out.append("")
    out.append(f"Floor for a client that waits for each reply: {a.floor_text}")
    out.append("")
    out.append("| server | client | latency RTTs | latency cmds | get RTTs/file | get cmds/file "
               "| put RTTs/file | put cmds/file | big get in flight KiB | big put in flight KiB |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for s in b.servers:
        for c in a.clients:
            if b.clients.available[c]:
                continue
            lat = b.fig("latency", s.name, c) or {}
            cells = [fmt(lat["wall"] / rtt, 1) if "wall" in lat else "–",
                     fmt(lat.get("cmds"), 0)]
            for case in ("small-get", "small-put"):
                f = b.fig(case, s.name, c) or {}
                if "wall" in f and "wall" in lat and f["n"] > 1:
                    cells.append(fmt((f["wall"] - lat["wall"]) / (f["n"] - 1) / rtt, 1))
                    if "cmds" in f and "cmds" in lat:
                        cells.append(fmt((f["cmds"] - lat["cmds"]) / (f["n"] - 1), 1))
                    else:
                        cells.append("–")
                else:
                    cells += ["–", "–"]
            for case in ("big-get", "big-put"):
                f = b.fig(case, s.name, c) or {}
                cells.append(fmt(f["rate"] * 1e6 * rtt / 1024, 0) if "rate" in f else "–")
            out.append(f"| {s.name} | {c} | " + " | ".join(cells) + " |")
    out.append("")
    return out


def f_get(b, case, server, client, key):
    return (b.fig(case, server, client) or {}).get(key)


def ratio(x, y):
    if x is None or y is None or y == 0:
        return "–"
    return f"{x / y:.2f}x"


def fmt(x, d=2):
    return "–" if x is None else f"{x:.{d}f}"


def render(b, loads, started, finished):
    a = b.a
    out = []
    w = out.append
    w(f"# {a.title}")
    w("")
    w(f"Generated by `make bench` (tests/bench/) on {time.strftime('%Y-%m-%d %H:%M:%S %Z', time.localtime(started))}, "
      f"{finished - started:.0f} s of measuring. Host: {platform.node()}, {os.cpu_count()} CPUs, "
      f"Linux {platform.release()}.")
    w(f"Load average (1/5/15 min) before: {loads[0]}; after: {loads[1]}.")
    w("")
    w(f"- Each figure is the median of {a.runs} runs (min and max wall time shown); the clients "
      "alternate inside each repetition (the order rotates). Every run is a fresh client process "
      "timed by `/usr/bin/time -f '%e %U %S %M'` (client user+sys CPU, peak RSS); wall time from a "
      "monotonic clock around it (process start included).")
    w(f"- Data on tmpfs: big file {b.big_size / MIB:.0f} MiB of random bytes (downloads go to "
      f"/dev/null, uploads come from tmpfs), small files {b.small_size} bytes each. TLS on control "
      "and data, certificate verified against the test CA, passive mode, data connections resume "
      "the control session.")
    fewer = {c: n for c, n in b.small_n.items() if c in a.clients and n != a.small_n}
    if any(c.startswith("small") for c in a.cases) and fewer:
        w("- Small files: " + ", ".join(f"{c} moves {n}" for c, n in fewer.items()) +
          f" of the {a.small_n} files per run, every other client all {a.small_n}: curl 7.88 needs "
          "0.2-0.9 s per downloaded file (and stalls 1 s on about every fourth upload), lftp ~50 ms per "
          f"download; {a.small_n} files x runs x servers would not fit the time budget. files/s "
          "includes connect and login (which slightly favours the clients that move all files).")
    w("- `x curl`: the figure divided by curl's on the same server (throughput: higher is "
      "better; CPU, RSS, latency: lower is better).")
    if a.note:
        for n in a.note:
            w(f"- {n}")
    w("")
    na = {c: r for c, r in b.clients.available.items() if r}
    if na:
        w("Clients not measured: " + "; ".join(f"**{c}** {r}" for c, r in na.items()) + ".")
        w("")
    titles = {
        "big-get": f"Download of {b.big_size / MIB:.0f} MiB (RETR to /dev/null)",
        "big-put": f"Upload of {b.big_size / MIB:.0f} MiB (STOR from tmpfs)",
        "small-get": f"{a.small_n} x {b.small_size // 1024} KiB downloads in one session",
        "small-put": f"{a.small_n} x {b.small_size // 1024} KiB uploads in one session",
        "latency": "connect + login + LIST + QUIT",
    }
    # With a baseline: three more columns, each face against its @REV twin.
    xb = bool(a.baseline_label)
    for case in a.cases:
        w(f"## {titles[case]}")
        w("")
        lead = "MB/s" if case.startswith("big") else "files/s" if case.startswith("small") else "wall"
        xb_head = f" {lead} x baseline | CPU x baseline | RSS x baseline |" if xb else ""
        xb_rule = "---|---|---|" if xb else ""
        if case.startswith("big"):
            w("| server | client | runs | wall s | min | max | MB/s | CPU s/GiB | peak RSS MiB "
              "| MB/s x curl | CPU x curl | RSS x curl |" + xb_head)
            w("|---|---|---|---|---|---|---|---|---|---|---|---|" + xb_rule)
        elif case.startswith("small"):
            w("| server | client | files | runs | wall s | min | max | files/s | CPU ms/file "
              "| peak RSS MiB | files/s x curl | CPU x curl | RSS x curl |" + xb_head)
            w("|---|---|---|---|---|---|---|---|---|---|---|---|---|" + xb_rule)
        else:
            w("| server | client | runs | wall ms | min | max | CPU ms | peak RSS MiB "
              "| wall x curl | CPU x curl | RSS x curl |" + xb_head)
            w("|---|---|---|---|---|---|---|---|---|---|---|" + xb_rule)
        for s in b.servers:
            cf = b.fig(case, s.name, "curl") or {}
            for c in a.clients:
                if b.clients.available[c]:
                    cols = 10 if case.startswith("big") else 11 if case.startswith("small") else 9
                    cols += 3 if xb else 0
                    w(f"| {s.name} | {c} | " + " | ".join([b.clients.available[c]] + [""] * (cols - 1)) + " |")
                    continue
                twin = f"{c}@{a.baseline_label}" if xb and c in BASELINE_FACES else None
                bf = (b.fig(case, s.name, twin) or {}) if twin and not b.clients.available.get(twin, "-") else None
                if not xb:
                    xb_cells = ""
                elif bf is None:
                    xb_cells = " | | |"
                else:
                    key = "rate" if lead != "wall" else "wall"
                    xb_cells = (f" {ratio(f_get(b, case, s.name, c, key), bf.get(key))} "
                                f"| {ratio(f_get(b, case, s.name, c, 'cpu_unit'), bf.get('cpu_unit'))} "
                                f"| {ratio(f_get(b, case, s.name, c, 'rss'), bf.get('rss'))} |")
                f = b.fig(case, s.name, c)
                if f is None:
                    continue
                runs = f"{f['runs']}" + (f" ({f['failed']} failed)" if f["failed"] else "")
                if "wall" not in f:
                    # The cause comes last (rclone: "Failed to create file system for ...:
                    # 2 errors occurred: * remote error: tls: illegal parameter ...").
                    e = " ".join(f["err"].replace("|", "/").split())
                    e = e if len(e) <= 200 else "... " + e[-200:]
                    w(f"| {s.name} | {c} | " + ("" if not case.startswith("small") else f"{f['n']} | ") +
                      f"{runs} | all failed: {e} |" + xb_cells)
                    continue
                if case.startswith("big"):
                    w(f"| {s.name} | {c} | {runs} | {f['wall']:.2f} | {f['wmin']:.2f} | {f['wmax']:.2f} "
                      f"| {f['rate']:.0f} | {f['cpu_unit']:.2f} | {f['rss']:.1f} "
                      f"| {ratio(f['rate'], cf.get('rate'))} | {ratio(f['cpu_unit'], cf.get('cpu_unit'))} "
                      f"| {ratio(f['rss'], cf.get('rss'))} |" + xb_cells)
                elif case.startswith("small"):
                    w(f"| {s.name} | {c} | {f['n']} | {runs} | {f['wall']:.2f} | {f['wmin']:.2f} | {f['wmax']:.2f} "
                      f"| {f['rate']:.1f} | {f['cpu_unit']:.2f} | {f['rss']:.1f} "
                      f"| {ratio(f['rate'], cf.get('rate'))} | {ratio(f['cpu_unit'], cf.get('cpu_unit'))} "
                      f"| {ratio(f['rss'], cf.get('rss'))} |" + xb_cells)
                else:
                    w(f"| {s.name} | {c} | {runs} | {f['wall'] * 1000:.0f} | {f['wmin'] * 1000:.0f} "
                      f"| {f['wmax'] * 1000:.0f} | {f['cpu_unit']:.0f} | {f['rss']:.1f} "
                      f"| {ratio(f['wall'], cf.get('wall'))} | {ratio(f['cpu_unit'], cf.get('cpu_unit'))} "
                      f"| {ratio(f['rss'], cf.get('rss'))} |" + xb_cells)
        w("")
    if a.rtt_ms:
        out += wan_tables(b)
    if not a.no_goals:
        out += goals(b)
    if a.parallel_goals:
        out += parallel_goals(b)
    return "\n".join(out) + "\n"


def parallel_goals(b):
    """The goals of issue #13 (several sessions at once), on the wide-area link."""
    p, one, lftp = f"ftps-rust-p{PARALLEL}", "ftps-rust", f"lftp-p{PARALLEL}"
    rows = []
    for s in b.servers:
        for case, x_one, x_lftp in (("small-get", 6, 1.5), ("small-put", 6, 1.5), ("big-get", 4, 1.2)):
            f, fo, fl = (b.fig(case, s.name, c) or {} for c in (p, one, lftp))
            if "rate" not in f or "rate" not in fo:
                continue
            unit = "MB/s" if case.startswith("big") else "files/s"
            r1 = f["rate"] / fo["rate"]
            rl = f["rate"] / fl["rate"] if "rate" in fl else None
            ok = r1 >= x_one and (rl is None or rl >= x_lftp)
            vs = f"{rl:.2f}x {lftp}" if rl is not None else f"{lftp} n/a"
            rows.append(f"| {unit} {case} | {s.name} | {f['rate']:.1f} = {r1:.1f}x {one}, {vs} "
                        f"| >= {x_one}x {one} and >= {x_lftp}x {lftp} | {'yes' if ok else '**no**'} |")
            if "rss" in f and "rss" in fo:
                rows.append(f"| peak RSS {case} | {s.name} | {f['rss']:.1f} MiB vs {fo['rss']:.1f} MiB "
                            f"for one session | <= {PARALLEL}x one session's "
                            f"| {'yes' if f['rss'] <= PARALLEL * fo['rss'] else '**no**'} |")
    for s in b.servers:
        for case in ("small-get", "small-put"):
            f, fo = (b.fig(case, s.name, c) or {} for c in (BATCH_ONE, one))
            if "rate" in f and "rate" in fo:
                rows.append(f"| files/s {case}, one session | {s.name} | {f['rate']:.1f} as one batch "
                            f"({BATCH_ONE}) = {f['rate'] / fo['rate']:.2f}x {one} (file by file) "
                            f"| check and next EPSV sent ahead | (measured) |")
    if not rows:
        return []
    return ["## Goals of issue #13 (wide-area link, several sessions)", "",
            "| goal | server | measured | target | met |", "|---|---|---|---|---|", *rows, ""]


def goals(b):
    """The goals of issue #6, checked against the figures above."""
    a = b.a
    faces = [c for c in FTPS_FACES if c in a.clients and not b.clients.available[c]]
    peers = [c for c in PEERS if c in a.clients and not b.clients.available[c]]
    rows = []

    def row(goal, server, face, value, target, ok):
        rows.append(f"| {goal} | {server} | {face} | {value} | {target} | {'yes' if ok else '**no**'} |")

    for s in b.servers:
        for face in faces:
            lim = 0.6 if face == "ftps-python" else 0.5
            for case in ("big-get", "big-put"):
                f, cf = b.fig(case, s.name, face), b.fig(case, s.name, "curl")
                if f and cf and "cpu_unit" in f and "cpu_unit" in cf:
                    r = f["cpu_unit"] / cf["cpu_unit"]
                    row(f"CPU/GiB {case}", s.name, face, f"{f['cpu_unit']:.2f} s = {r:.2f}x curl",
                        f"<= {lim}x curl", r <= lim)
            for case in ("big-get", "big-put"):
                f = b.fig(case, s.name, face)
                pf = [b.fig(case, s.name, p) for p in peers]
                pf = [(p, x) for p, x in zip(peers, pf) if x and "rate" in x]
                if f and "rate" in f and pf:
                    best_p, best = max(pf, key=lambda t: t[1]["rate"])
                    row(f"MB/s {case}", s.name, face, f"{f['rate']:.0f}",
                        f">= best peer ({best_p} {best['rate']:.0f})", f["rate"] >= best["rate"])
            for case in ("small-get", "small-put"):
                f, cf = b.fig(case, s.name, face), b.fig(case, s.name, "curl")
                pf = [(p, b.fig(case, s.name, p)) for p in peers]
                pf = [(p, x) for p, x in pf if x and "rate" in x]
                if f and "rate" in f and cf and "rate" in cf and pf:
                    best_p, best = max(pf, key=lambda t: t[1]["rate"])
                    ok = f["rate"] >= 10 * cf["rate"] and f["rate"] >= 1.5 * best["rate"]
                    row(f"files/s {case}", s.name, face,
                        f"{f['rate']:.0f} = {f['rate'] / cf['rate']:.1f}x curl, "
                        f"{f['rate'] / best['rate']:.2f}x {best_p}",
                        ">= 10x curl and >= 1.5x best peer", ok)
            if face != "ftps-python":
                fb, fl, cb = (b.fig("big-get", s.name, face), b.fig("latency", s.name, face),
                              b.fig("big-get", s.name, "curl"))
                if fb and fl and cb and "rss" in fb and "rss" in fl and "rss" in cb:
                    grow = fb["rss"] - fl["rss"]
                    ok = grow <= 2.0 and fb["rss"] <= cb["rss"]
                    row("peak RSS", s.name, face,
                        f"{fb['rss']:.1f} MiB at {b.big_size // MIB} MiB vs {fl['rss']:.1f} MiB for a LIST "
                        f"(+{grow:.1f}); curl {cb['rss']:.1f}",
                        "constant in file size (+<= 2 MiB), <= curl", ok)
    if a.rtt_ms:
        rows = []
        rtt = a.rtt_ms / 1000.0
        for s in b.servers:
            for face in faces:
                lat = b.fig("latency", s.name, face) or {}
                for case in ("small-get", "small-put"):
                    f = b.fig(case, s.name, face) or {}
                    floor = a.floor.get(case)
                    if "wall" in f and "wall" in lat and f["n"] > 1 and floor:
                        r = (f["wall"] - lat["wall"]) / (f["n"] - 1) / rtt
                        row(f"RTTs per file {case}", s.name, face, f"{r:.1f}",
                            f"<= {floor:g} (+0.5 for noise)", r <= floor + 0.5)
    if not rows:
        return []
    return [f"## Goals of issue #6{' (wide-area link)' if a.rtt_ms else ''}", "",
            "| goal | server | client | measured | target | met |", "|---|---|---|---|---|---|",
            *rows, ""]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--env", required=True, help="servers.env of tests/servers/start.sh")
    ap.add_argument("--servers", default="vsftpd-explicit,vsftpd-implicit,proftpd-explicit,pure-ftpd-explicit")
    ap.add_argument("--host", help="override FTPS_TEST_HOST")
    ap.add_argument("--clients", default=",".join(ALL_CLIENTS))
    ap.add_argument("--cases", default=",".join(ALL_CASES))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1, help="warm-up repetitions of the latency case")
    ap.add_argument("--bin", required=True, help="directory of ftps-bench, ftps-bench-c, build-status")
    ap.add_argument("--data", required=True, help="local data dir (big.bin, small/, up/), on tmpfs")
    ap.add_argument("--remote", default="bench", help="the data dir as seen in each server's root")
    ap.add_argument("--local", required=True, help="scratch dir for downloaded small files, on tmpfs")
    ap.add_argument("--small-n", type=int, default=200)
    ap.add_argument("--small-n-for", default="curl=10,lftp=50",
                    help="fewer small files for slow clients: CLIENT=N,...")
    ap.add_argument("--python", default=sys.executable, help="python for ftplib")
    ap.add_argument("--ftps-python", default="", help="python that can `import ftps`")
    ap.add_argument("--wrap", default="", help="prefix for every client command, e.g. 'ip netns exec NS'")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--title", default="ftps benchmark (issue #6)")
    ap.add_argument("--note", action="append", default=[])
    ap.add_argument("--no-goals", action="store_true")
    ap.add_argument("--parallel-goals", action="store_true", help="add the table of issue #13's goals")
    ap.add_argument("--rtt-ms", type=float, default=0, help="the emulated link's RTT: adds the round-trip table")
    ap.add_argument("--floor-rtts", default="small-get=4,small-put=4",
                    help="round trips per file a client cannot avoid: CASE=N,...")
    ap.add_argument("--floor-text", default="4 round trips per file (EPSV; TCP connect; RETR/STOR "
                    "with the TLS ClientHello; Finished -> data and 226).")
    ap.add_argument("--server-log", help="vsftpd protocol log: count the commands of each run")
    ap.add_argument("--baseline-bin", default="",
                    help="ftps-bench and ftps-bench-c of another commit (tests/bench/baseline.sh)")
    ap.add_argument("--baseline-label", default="", help="that commit, e.g. 55d2e1d")
    ap.add_argument("--out", required=True, help="markdown file to write")
    ap.add_argument("--json", help="raw results to write")
    a = ap.parse_args()
    a.servers = [x for x in a.servers.split(",") if x]
    a.clients = [x for x in a.clients.split(",") if x]
    if a.baseline_bin:
        a.baseline_label = a.baseline_label or "baseline"
        # each face's twin right after it: ftps-rust, ftps-rust@REV, ftps-c, ftps-c@REV, ...
        a.clients = [y for x in a.clients
                     for y in ([x, f"{x}@{a.baseline_label}"] if x in BASELINE_FACES else [x])]
    else:
        a.baseline_label = ""
    a.cases = [x for x in a.cases.split(",") if x]
    a.wrap = a.wrap.split()
    a.floor = {k: float(v) for k, v in (x.split("=") for x in a.floor_rtts.split(",") if x)}
    for c in a.cases:
        if c not in ALL_CASES:
            raise SystemExit(f"unknown case {c}; cases: {', '.join(ALL_CASES)}")
    b = Bench(a)
    for c, why in b.clients.available.items():
        log(f"client {c}: {'ok' if why is None else why}")
    loads = [open("/proc/loadavg").read().split()[:3]]
    started = time.time()
    try:
        for case in a.cases:
            b.run_case(case)
    finally:
        loads.append(open("/proc/loadavg").read().split()[:3])
        finished = time.time()
        loads = [" ".join(x) for x in loads]
        md = render(b, loads, started, finished)
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w") as f:
            f.write(md)
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"args": vars(a), "load": loads,
                           "results": [{"case": k[0], "server": k[1], "client": k[2], "runs": v}
                                       for k, v in b.results.items()]}, f, indent=1)
        shutil.rmtree(b.tmp, ignore_errors=True)
    print(md)
    failed = sum(1 for v in b.results.values() for r in v if r["rc"] != 0)
    if failed:
        log(f"{failed} runs failed (see the tables)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
