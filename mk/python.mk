# mk/python.mk: the Python binding (bindings/python, distribution ftps-rs, import ftps).
#
# Included by the root Makefile, or used alone:
#   make -f mk/python.mk test-python    # venv + wheel + pytest (real servers) + mypy.stubtest
#   make -f mk/python.mk python-lint    # cargo fmt --check + clippy of the binding crate
#   make -f mk/python.mk python-bench   # bench_1gib.py: ftps vs the Rust core vs ftplib, 1 GiB
#
# bindings/python is its own cargo workspace (the root one excludes it); its wheel
# builds into $(FTPS_PYTHON_TARGET_DIR). run-tests.sh starts tests/servers when they are
# not running (and stops them again); with CI=true a missing server or a skipped test fails.

FTPS_PY_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
FTPS_PY_DIR := $(FTPS_PY_ROOT)/bindings/python
FTPS_PYTHON_TARGET_DIR ?= $(FTPS_PY_ROOT)/target/python
export FTPS_PYTHON_TARGET_DIR

.PHONY: test-python python-lint python-bench

test-python:
	$(FTPS_PY_DIR)/run-tests.sh

python-lint:
	cd $(FTPS_PY_DIR) && cargo fmt --check
	cd $(FTPS_PY_DIR) && CARGO_TARGET_DIR=$(FTPS_PYTHON_TARGET_DIR) cargo clippy --all-targets -- -D warnings

python-bench: test-python
	cd $(FTPS_PY_DIR) && CARGO_TARGET_DIR=$(FTPS_PYTHON_TARGET_DIR) .venv/bin/python bench_1gib.py
