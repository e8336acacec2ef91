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
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="${FTPS_PYTHON_VENV:-$HERE/.venv}"
TARGET="${FTPS_PYTHON_TARGET_DIR:-$REPO/target/python}"
T0=$SECONDS

step() { printf '\n== %s (%ss)\n' "$*" "$((SECONDS - T0))"; }

step "venv $VENV"
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
fi
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
VPY="$VENV/bin/python"
"$VPY" -m pip install -q --disable-pip-version-check -r "$HERE/requirements-test.txt"

step "wheel (maturin build --release, target $TARGET)"
rm -rf "$HERE/dist"
(cd "$HERE" && CARGO_TARGET_DIR="$TARGET" "$VENV/bin/maturin" build --release --quiet --out dist)
"$VPY" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$HERE"/dist/ftps_rs-*.whl

step "ftps-testserver"
# Built in the root workspace's own target dir, as `make test` builds it. If it does
# not build, its tests fail (CI) or are skipped; the rest still runs.
(cd "$REPO" && cargo build --quiet -p ftps-testserver) || echo "warning: ftps-testserver did not build"
FTPS_TESTSERVER="$(cd "$REPO" && cargo metadata --format-version 1 --no-deps | "$VPY" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/ftps-testserver"
export FTPS_TESTSERVER

step "servers"
ENV_FILE="$REPO/.servers/run/servers.env"
servers_up() {
    [ -f "$ENV_FILE" ] || return 1
    local port
    port="$(sed -n 's/^FTPS_TEST_VSFTPD_EXPLICIT_PORT=//p' "$ENV_FILE")"
    [ -n "$port" ] && "$VPY" -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 2).close()" "$port" 2>/dev/null
}
STARTED=0
if ! servers_up; then
    echo "the test servers are not running: starting them (tests/servers/start.sh)"
    "$REPO/tests/servers/setup.sh"
    "$REPO/tests/servers/start.sh"
    STARTED=1
fi
cleanup() { if [ "$STARTED" = 1 ]; then "$REPO/tests/servers/stop.sh" || true; fi; }
trap cleanup EXIT

step "pytest"
rc=0
# The package source lives in python/ftps, so the installed wheel is what gets imported.
(cd "$HERE" && "$VPY" -m pytest -p no:cacheprovider "$@" tests) || rc=$?

step "mypy.stubtest"
(cd "$HERE" && "$VPY" -m mypy.stubtest ftps --allowlist stubtest-allowlist.txt) || rc=$?

step "mypy tests (the stubs as a caller sees them)"
(cd "$HERE" && "$VPY" -m mypy --ignore-missing-imports --no-incremental tests) || rc=$?

step "done: exit $rc"
exit "$rc"
