# ftps: the two commands that matter are `make demo` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
# The fuzz smoke run inside `make test`: seconds per target.
FUZZ_SECONDS ?= 20

.PHONY: all build demo test lint test-rust unit interop servers-setup servers-start servers-stop clean

all: build

build:
	$(CARGO) build --workspace --all-targets

## make demo: build, start the embedded test server, and walk through a session.
demo:
	$(CARGO) run --quiet -p ftps-demo

## make test: everything. Lint; the Rust tests (unit, interop matrix against real servers,
## hostile suite, test server); the C suite (ASan+UBSan, valgrind, install + pkg-config);
## the Python suite (wheel, pytest, stubtest); the fuzz smoke runs; the build check (every
## build path without aws-lc's jitter entropy, tests/build/no-jitter.sh).
test: lint servers-setup
	tests/servers/start.sh
	set +e; $(MAKE) --no-print-directory test-rust ffi-test test-python; rc=$$?; tests/servers/stop.sh; exit $$rc
	$(MAKE) --no-print-directory fuzz-smoke FUZZ_SECONDS=$(FUZZ_SECONDS)
	$(MAKE) --no-print-directory test-build

test-rust:
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

lint: python-lint
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

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
