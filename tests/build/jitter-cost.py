#!/usr/bin/env python3
"""What aws-lc's CPU-jitter entropy costs a process: a measurement, not a test (no limits).

    tests/build/jitter-cost.py [--runs 40] [--env .servers/run/servers.env] WITH WITHOUT

WITH and WITHOUT are two builds of tests/bench's ftps-bench, one with jitter entropy
(AWS_LC_SYS_NO_JITTER_ENTROPY=0 overrides .cargo/config.toml) and one without, e.g.

    AWS_LC_SYS_NO_JITTER_ENTROPY=0 CARGO_TARGET_DIR=/tmp/jitter cargo build --release -p ftps-bench
    cargo build --release -p ftps-bench
    tests/build/jitter-cost.py /tmp/jitter/release/ftps-bench target/release/ftps-bench

Each run is a fresh process; the two binaries alternate; CPU is user+sys from wait4().
Cases, against the test servers of tests/servers (make servers-start):
  no-tls     bad arguments: the process starts and exits, no TLS, no randomness drawn
  handshake  vsftpd implicit: TCP connect, one TLS handshake, login, then exit (no QUIT)
  latency    vsftpd explicit: connect, AUTH TLS, login, LIST (a second, resumed handshake), QUIT
Prints the median and min CPU ms of each case and binary and the difference.
"""
import argparse
import os
import statistics
import subprocess
import time


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                k, v = line.strip().split("=", 1)
                env[k] = v
    return env


def run(argv):
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    return (ru.ru_utime + ru.ru_stime) * 1000, (time.perf_counter() - t0) * 1000, status


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("with_jitter")
    ap.add_argument("without_jitter")
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--env", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                  ".servers", "run", "servers.env"))
    a = ap.parse_args()
    e = read_env(a.env)

    def common(name):
        k = "FTPS_TEST_" + name
        return ["--host", e["FTPS_TEST_HOST"], "--port", e[k + "_PORT"], "--mode", e[k + "_MODE"],
                "--ca", e["FTPS_TEST_CA"], "--user", e["FTPS_TEST_USER"], "--pass", e["FTPS_TEST_PASS"]]

    cases = {
        "no-tls": ["--no-such-option"],
        "handshake": common("VSFTPD_IMPLICIT") + ["no-such-command"],
        "latency": common("VSFTPD_EXPLICIT") + ["list"],
    }
    bins = {"with jitter": a.with_jitter, "without": a.without_jitter}
    print(f"{a.runs} runs each, alternating; CPU = user+sys of the process (wait4)")
    print(f"{'case':10} {'build':12} {'CPU ms median':>14} {'min':>7} {'wall ms median':>15}")
    for case, args in cases.items():
        res = {b: [] for b in bins}
        for _ in range(2):  # warm-up
            for b, exe in bins.items():
                run([exe] + args)
        for _ in range(a.runs):
            for b, exe in bins.items():
                res[b].append(run([exe] + args))
        med = {}
        for b in bins:
            cpu = [r[0] for r in res[b]]
            wall = [r[1] for r in res[b]]
            med[b] = statistics.median(cpu)
            print(f"{case:10} {b:12} {med[b]:14.1f} {min(cpu):7.1f} {statistics.median(wall):15.1f}")
        print(f"{case:10} {'difference':12} {med['with jitter'] - med['without']:14.1f}")


if __name__ == "__main__":
    main()
