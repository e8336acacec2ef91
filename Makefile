# ftps: the commands that matter are `make demo`, `make check` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
FTPS_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
# cargo's target directory (relative: to the repository root). The Python builds go to its
# python/ subdirectory (mk/python.mk takes FTPS_PYTHON_TARGET_DIR from here when it is set).
CARGO_TARGET_DIR ?= target
FTPS_PYTHON_TARGET_DIR ?= $(abspath $(if $(filter /%,$(CARGO_TARGET_DIR)),$(CARGO_TARGET_DIR),$(FTPS_ROOT)/$(CARGO_TARGET_DIR)))/python

# The Rust test targets that need the real servers of tests/servers: run by `make test-real`,
# not by `make check`, which runs every other target of the workspace (found by cargo
# metadata, so that a new test file is part of `make check` without being named here).
REAL_SERVER_TESTS := interop

.PHONY: all build demo check check-rust check-c check-python check-locks test test-real test-real-rust test-rest \
	lint servers-setup servers-start servers-stop clean

all: build

build:
	$(CARGO) build --workspace --all-targets

## make demo: build, start the embedded test server, and walk through a session.
demo:
	$(CARGO) run --quiet -p ftps-demo

## make check: everything that runs without root and without the real servers, on loopback
## only, against the in-repo servers (ftps-testserver, the Python suite's scripted servers):
## lint; the Rust tests but REAL_SERVER_TESTS (unit, hostile suite, test server, FFI, doc
## tests); the C suite (ASan+UBSan, valgrind, install + pkg-config, the example); the Python
## suite (wheel, pytest, stubtest, mypy). FTPS_REAL_SERVERS=0 tells each suite that the real
## servers are not part of this run: their tests are not selected (and each suite says so),
## rather than skipped. With CI=true nothing is skipped.
check:
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory check-rust
	$(MAKE) --no-print-directory check-c
	$(MAKE) --no-print-directory check-python

## make test: everything: `make check`, then `make test-rest` (the real-server suites, the
## fuzz smoke runs, the build check). Needs root (tests/servers/ installs and starts vsftpd,
## ProFTPD and pure-ftpd on loopback).
test:
	$(MAKE) --no-print-directory check
	$(MAKE) --no-print-directory test-rest

## make test-rest: what `make test` runs beyond `make check` (.ci/run runs `make check` as an
## unprivileged user, then this as root): the real-server suites; the fuzz smoke runs; the
## build check (every build path without aws-lc's jitter entropy, tests/build/no-jitter.sh).
test-rest:
	$(MAKE) --no-print-directory test-real
	$(MAKE) --no-print-directory fuzz-smoke
	$(MAKE) --no-print-directory test-build

## make test-real: only the tests that need the real servers, which it sets up, starts and
## stops (root): the interop matrix (REAL_SERVER_TESTS), the C suite's and the Python suite's
## real-server tests (FTPS_LOCAL_TESTS=0: what `make check` ran is not run again).
test-real: servers-setup
	tests/servers/start.sh
	@set +e; rc=0; \
	$(MAKE) --no-print-directory test-real-rust || rc=1; \
	FTPS_REAL_SERVERS=1 FTPS_LOCAL_TESTS=0 $(MAKE) --no-print-directory ffi-test || rc=1; \
	FTPS_REAL_SERVERS=1 FTPS_LOCAL_TESTS=0 $(MAKE) --no-print-directory test-python || rc=1; \
	tests/servers/stop.sh; exit $$rc

## make test-real-rust: the Rust real-server tests (the servers must be running).
test-real-rust:
	FTPS_REAL_SERVERS=1 $(CARGO) test --workspace $(addprefix --test ,$(REAL_SERVER_TESTS))

# The arguments of `cargo test` for every target of the workspace (as --all-targets) but the
# REAL_SERVER_TESTS; fails when one of those is no test target (any more).
define FTPS_CHECK_TARGETS_PY
import json, sys
real = sys.argv[1:]
tests = sorted({t["name"] for p in json.load(sys.stdin)["packages"] for t in p["targets"] if "test" in t["kind"]})
missing = [r for r in real if r not in tests]
if missing:
    sys.exit("Makefile: REAL_SERVER_TESTS names no test target of the workspace: " + " ".join(missing))
print(" ".join(["--lib", "--bins", "--examples", "--benches"] + ["--test " + t for t in tests if t not in real]))
endef
export FTPS_CHECK_TARGETS_PY

## make check-rust: the Rust tests of `make check`.
check-rust:
	@set -eo pipefail; \
	targets="$$($(CARGO) metadata --no-deps --format-version 1 | python3 -c "$$FTPS_CHECK_TARGETS_PY" $(REAL_SERVER_TESTS))"; \
	echo "# not part of this run: --test $(REAL_SERVER_TESTS) (the real servers; make test-real runs them)"; \
	echo "$(CARGO) test --workspace $$targets"; \
	FTPS_REAL_SERVERS=0 $(CARGO) test --workspace $$targets
	$(CARGO) test --workspace --doc

## make check-c: the C suite of `make check` (tests/c/run.sh, FTPS_REAL_SERVERS=0).
check-c:
	FTPS_REAL_SERVERS=0 $(MAKE) --no-print-directory ffi-test

## make check-python: the Python suite of `make check` (run-tests.sh, FTPS_REAL_SERVERS=0).
check-python:
	FTPS_REAL_SERVERS=0 $(MAKE) --no-print-directory test-python

lint: check-locks python-lint
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## make check-locks: each of the three Cargo.lock files (the workspace, bindings/python, fuzz)
## is up to date, so that no build of `make test` or `make bench` changes a committed file.
check-locks:
	@for m in Cargo.toml bindings/python/Cargo.toml fuzz/Cargo.toml; do \
	  $(CARGO) metadata --locked --format-version 1 --manifest-path '$(FTPS_ROOT)/'$$m >/dev/null || \
	    { echo "check-locks: $${m%Cargo.toml}Cargo.lock is out of date: build once, then commit it"; exit 1; }; \
	done; echo "check-locks: Cargo.lock, bindings/python/Cargo.lock, fuzz/Cargo.lock are up to date"

servers-setup:
	tests/servers/setup.sh

servers-start: servers-setup
	tests/servers/start.sh

servers-stop:
	tests/servers/stop.sh

clean:
	$(CARGO) clean
	rm -rf .servers

include mk/ffi.mk
include mk/python.mk
include mk/fuzz.mk
include mk/bench.mk
include mk/build.mk
