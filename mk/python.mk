# mk/python.mk: the Python binding (bindings/python, distribution ftps-rs, import ftps).
#
# Included by the root Makefile, or used alone:
#   make -f mk/python.mk test-python    # venv + wheel + pytest (real servers) + mypy.stubtest
#   make -f mk/python.mk python-lint    # cargo fmt --check + clippy of the binding crate;
#                                       # ruff (check, format --check) + mypy --strict of python/ftps
#   make -f mk/python.mk python-bench   # bench_1gib.py: ftps vs the Rust core vs ftplib, 1 GiB
#
# bindings/python is its own cargo workspace (the root one excludes it); its wheel
# builds into $(FTPS_PYTHON_TARGET_DIR). run-tests.sh starts tests/servers when they are
# not running (and stops them again); with CI=true a missing server or a skipped test fails.

FTPS_PY_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
FTPS_PY_DIR := $(FTPS_PY_ROOT)/bindings/python
FTPS_PYTHON_TARGET_DIR ?= $(FTPS_PY_ROOT)/target/python
export FTPS_PYTHON_TARGET_DIR
# The venv of run-tests.sh (same default, same variable), with the pinned tools of
# requirements-test.txt (ruff and mypy among them).
FTPS_PYTHON_VENV ?= $(FTPS_PY_DIR)/.venv
FTPS_PY_PYTHON ?= python3

.PHONY: test-python python-lint python-venv python-bench

test-python:
	$(FTPS_PY_DIR)/run-tests.sh

python-venv:
	test -x $(FTPS_PYTHON_VENV)/bin/python || $(FTPS_PY_PYTHON) -m venv $(FTPS_PYTHON_VENV)
	$(FTPS_PYTHON_VENV)/bin/python -m pip install -q --disable-pip-version-check -r $(FTPS_PY_DIR)/requirements-test.txt

# ruff and mypy --strict read the package source (python/ftps, its annotations and the
# native module's stub _ftps.pyi); no wheel is needed. Settings: pyproject.toml.
python-lint: python-venv
	cd $(FTPS_PY_DIR) && cargo fmt --check
	cd $(FTPS_PY_DIR) && CARGO_TARGET_DIR=$(FTPS_PYTHON_TARGET_DIR) cargo clippy --all-targets -- -D warnings
	cd $(FTPS_PY_DIR) && $(FTPS_PYTHON_VENV)/bin/ruff check python/ftps
	cd $(FTPS_PY_DIR) && $(FTPS_PYTHON_VENV)/bin/ruff format --check python/ftps
	cd $(FTPS_PY_DIR) && $(FTPS_PYTHON_VENV)/bin/python -m mypy --strict --no-incremental python/ftps

python-bench: test-python
	cd $(FTPS_PY_DIR) && CARGO_TARGET_DIR=$(FTPS_PYTHON_TARGET_DIR) .venv/bin/python bench_1gib.py
