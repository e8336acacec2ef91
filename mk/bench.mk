# The benchmark of issue #6: ftps (through Rust, C and Python) against curl, lftp and
# Python's ftplib on the real servers of tests/servers/, on loopback and over an emulated
# 50 ms link. Not part of `make test`. Needs root; ~30-37 minutes on this 2-core machine
# shared with other jobs (BENCH_RUNS=3 brings it to ~20).
#
# Included from the root Makefile, or used alone from anywhere:
#   make -f mk/bench.mk bench
#
#   bench        everything; the tables go to tests/bench/results/latest.md (and stdout)
#   bench-quick  a smoke run: 256 MiB, 2 runs, 10 small files on the slow link
#
# Settings (environment or make variables), see tests/bench/bench.sh and tests/bench/README.md:
#   BENCH_RUNS=5 BENCH_BIG_MIB=1024 BENCH_CASES=latency,small-get,small-put,big-get,big-put
#   BENCH_SERVERS=vsftpd-explicit,vsftpd-implicit,proftpd-explicit,pure-ftpd-explicit
#   BENCH_CLIENTS=ftps-rust,ftps-c,ftps-python,curl,lftp,ftplib BENCH_NETEM=1 BENCH_NETEM_RUNS=3
#   BENCH_OUT=tests/bench/results/latest.md BENCH_PORT_BASE=25000 BENCH_FTPS_PYTHON=...
#
# Against an older commit: `make bench BENCH_BASELINE_REV=55d2e1d` also runs that commit's Rust
# and C clients (ftps-rust@55d2e1d, ftps-c@55d2e1d; built once by tests/bench/baseline.sh
# into BENCH_BASELINE_CACHE, default ~/.cache/ftps-bench-baseline/<commit>/) in the same
# rotation, and adds "x baseline" columns: ftps-rust and ftps-c divided by their @REV twins.

BENCH_REPO := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

.PHONY: bench bench-quick

bench:
	'$(BENCH_REPO)/tests/bench/bench.sh'

bench-quick:
	BENCH_RUNS=2 BENCH_BIG_MIB=256 BENCH_NETEM_RUNS=2 BENCH_NETEM_SMALL_N=5 \
	  BENCH_OUT='$(BENCH_REPO)/tests/bench/.work/quick.md' '$(BENCH_REPO)/tests/bench/bench.sh'
