#!/usr/bin/env bash
# bindings/python/run-tests.sh: build the ftps wheel into a venv and run the pytest
# suite and mypy.stubtest against the real servers of tests/servers and the
# project's ftps-testserver. Works on a fresh Debian 12 machine.
#
#   bindings/python/run-tests.sh [pytest args...]
#
# Environment:
#   PYTHON                  interpreter for the venv (default: python3)
#   FTPS_PYTHON_VENV        the venv (default: bindings/python/.venv)
#   FTPS_PYTHON_TARGET_DIR  cargo target dir of the wheel build (default: target/python)
#   CI=true                 a missing server is a failure, and so is any skipped test
#   FTPS_REAL_SERVERS=0     the real servers are not part of this run (`make check`): they are
#                           neither set up nor started, and the tests that need them are
#                           deselected (tests/conftest.py says how many); no root needed
#   FTPS_REAL_SERVERS=1     they are part of it: a missing server fails, CI or not
#   FTPS_LOCAL_TESTS=0      only the real-server tests (`make test-real`): the other tests,
#                           mypy.stubtest and mypy ran in `make check`
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="${FTPS_PYTHON_VENV:-$HERE/.venv}"
TARGET="${FTPS_PYTHON_TARGET_DIR:-$REPO/target/python}"
T0=$SECONDS
# mypy's cache next to the wheel build, not in the source tree.
export MYPY_CACHE_DIR="${MYPY_CACHE_DIR:-$TARGET/mypy-cache}"

step() { printf '\n== %s (%ss)\n' "$*" "$((SECONDS - T0))"; }

REAL="${FTPS_REAL_SERVERS:-}"
LOCAL="${FTPS_LOCAL_TESTS:-1}"
export FTPS_REAL_SERVERS="$REAL" FTPS_LOCAL_TESTS="$LOCAL"
if [ "$REAL" = 0 ] && [ "$LOCAL" = 0 ]; then
    echo "FTPS_REAL_SERVERS=0 and FTPS_LOCAL_TESTS=0: nothing is part of this run" >&2
    exit 2
fi

step "venv $VENV"
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    if [ "$(id -u)" != 0 ]; then
        echo "$PYTHON has no venv/ensurepip: install python3-venv (as root: apt-get install python3-venv)" >&2
        exit 1
    fi
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
fi
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
"$VPY" -m pip install -q --disable-pip-version-check -r "$HERE/requirements-test.txt"

step "wheel (maturin build --release, target $TARGET)"
# Only the wheels go, not dist/ itself: the tree may be read-only but for dist/ (.ci/run).
mkdir -p "$HERE/dist"
rm -f "$HERE"/dist/*.whl
(cd "$HERE" && CARGO_TARGET_DIR="$TARGET" "$VENV/bin/maturin" build --release --quiet --out dist)
"$VPY" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$HERE"/dist/ftps_rs-*.whl

if [ "$LOCAL" != 0 ]; then
    step "ftps-testserver"
    # Built in the root workspace's own target dir, as `make test` builds it. If it does
    # not build, its tests fail (CI) or are skipped; the rest still runs.
    (cd "$REPO" && cargo build --quiet -p ftps-testserver) || echo "warning: ftps-testserver did not build"
    FTPS_TESTSERVER="$(cd "$REPO" && cargo metadata --format-version 1 --no-deps | "$VPY" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/ftps-testserver"
    export FTPS_TESTSERVER
else
    step "ftps-testserver: not part of this run (FTPS_LOCAL_TESTS=0)"
fi

ENV_FILE="$REPO/.servers/run/servers.env"
servers_up() {
    [ -f "$ENV_FILE" ] || return 1
    local port
    port="$(sed -n 's/^FTPS_TEST_VSFTPD_EXPLICIT_PORT=//p' "$ENV_FILE")"
    [ -n "$port" ] && "$VPY" -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 2).close()" "$port" 2>/dev/null
}
STARTED=0
if [ "$REAL" = 0 ]; then
    step "servers: the real servers are not part of this run (FTPS_REAL_SERVERS=0)"
else
    step "servers"
    if ! servers_up; then
        echo "the test servers are not running: starting them (tests/servers/start.sh)"
        "$REPO/tests/servers/setup.sh"
        "$REPO/tests/servers/start.sh"
        STARTED=1
    fi
fi
cleanup() { if [ "$STARTED" = 1 ]; then "$REPO/tests/servers/stop.sh" || true; fi; }
trap cleanup EXIT

step "pytest"
rc=0
# The package source lives in python/ftps, so the installed wheel is what gets imported.
(cd "$HERE" && "$VPY" -m pytest -p no:cacheprovider "$@" tests) || rc=$?

if [ "$LOCAL" != 0 ]; then
    step "mypy.stubtest"
    (cd "$HERE" && "$VPY" -m mypy.stubtest ftps --allowlist stubtest-allowlist.txt) || rc=$?

    step "mypy tests (the stubs as a caller sees them)"
    (cd "$HERE" && "$VPY" -m mypy --ignore-missing-imports --no-incremental tests) || rc=$?
else
    step "mypy.stubtest, mypy tests: not part of this run (FTPS_LOCAL_TESTS=0; make check runs them)"
fi

step "done: exit $rc"
exit "$rc"
