# ftps: the two commands that matter are `make demo` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: all build demo test lint unit interop servers-setup servers-start servers-stop clean

all: build

build:
	$(CARGO) build --workspace --all-targets

## make demo: build, start the embedded test server, and walk through a session.
demo:
	$(CARGO) run --quiet -p ftps-demo

## make test: everything — lint, unit tests, the real-server interop matrix, the hostile suite.
test: lint servers-setup
	tests/servers/start.sh
	set +e; $(CARGO) test --workspace --all-targets && $(CARGO) test --workspace --doc; rc=$$?; tests/servers/stop.sh; exit $$rc

lint:
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
