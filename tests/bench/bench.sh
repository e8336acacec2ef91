#!/usr/bin/env bash
# bench.sh -- `make bench` (issue #6): ftps against curl, lftp and Python's ftplib on the
# real servers of tests/servers/, on loopback and over an emulated 50 ms link.
#
#   1. tests/servers/setup.sh (idempotent); /usr/bin/time from apt if missing
#   2. tests/bench/build.sh: the Rust and C bench clients, release mode
#   3. data on tmpfs ($BENCH_DATA): big.bin ($BENCH_BIG_MIB MiB, random) and small/ (200 x 4 KiB)
#   4. a private server instance: tests/servers/start.sh with FTPS_SERVERS_RUN=$BENCH_RUN_DIR
#      and FTPS_SERVERS_PORT_BASE=$BENCH_PORT_BASE (the default instance of `make test` on
#      23000+ is left alone), the data bind-mounted as bench/ into each server's root
#   5. run.py: every case x server x client, results in $BENCH_OUT
#   6. netem.sh (unless BENCH_NETEM=0): vsftpd explicit across a veth pair between two
#      private network namespaces with 25 ms netem delay each way
#   7. cleanup on any exit: namespaces, mounts, servers, data
#
# Settings (environment): BENCH_RUNS (5), BENCH_BIG_MIB (1024), BENCH_CASES, BENCH_SERVERS,
# BENCH_CLIENTS (see run.py --help), BENCH_NETEM (1), BENCH_NETEM_RUNS (3),
# BENCH_NETEM_BIG_MIB (64), BENCH_NETEM_SMALL_N (10), BENCH_OUT (tests/bench/results/latest.md),
# BENCH_PORT_BASE (25000), BENCH_RUN_DIR (.servers/bench), BENCH_DATA (/dev/shm/ftps-bench),
# BENCH_KEEP_DATA (0: delete the data at the end), BENCH_TARGET_DIR (cargo target dir),
# BENCH_FTPS_PYTHON (a python that can `import ftps`; default: this tree's wheel, built into
# .servers/bench-work/venv), BENCH_BASELINE_REV (a commit: its Rust and C clients, built once
# by baseline.sh into BENCH_BASELINE_CACHE, run alongside as ftps-rust@REV and ftps-c@REV,
# with "x baseline" ratios in the tables).
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

RUNS=${BENCH_RUNS:-5}
BIG_MIB=${BENCH_BIG_MIB:-1024}
SMALL_N=200
OUT=${BENCH_OUT:-$HERE/results/latest.md}
PORT_BASE=${BENCH_PORT_BASE:-25000}
RUN_DIR=${BENCH_RUN_DIR:-$REPO/.servers/bench}
DATA=${BENCH_DATA:-/dev/shm/ftps-bench}
LOCAL=$DATA-local
WORK=$REPO/.servers/bench-work
SERVERS=${BENCH_SERVERS:-vsftpd-explicit,vsftpd-implicit,proftpd-explicit,pure-ftpd-explicit}
export BENCH_RUN_DIR=$RUN_DIR BENCH_PORT_BASE=$PORT_BASE

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: ERROR: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (servers, bind mounts, network namespaces)"
case $DATA in /dev/shm/?*) ;; *) die "BENCH_DATA=$DATA must be below /dev/shm (tmpfs)" ;; esac

# --- cleanup, whatever happens -----------------------------------------------------------------
unmount_under() { # DIR: every mount point below DIR, deepest first
  local m
  [ -d "$1" ] || return 0
  findmnt -rn -o TARGET | awk -v d="$1/" 'index($0, d) == 1' | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  "$HERE/netem.sh" cleanup >/dev/null 2>&1 || true
  unmount_under "$RUN_DIR"
  if [ -d "$RUN_DIR" ]; then
    FTPS_SERVERS_RUN=$RUN_DIR "$REPO/tests/servers/stop.sh" >/dev/null 2>&1 || true
  fi
  if [ "${BENCH_KEEP_DATA:-0}" != 1 ]; then
    rm -rf "$DATA" "$LOCAL" "$DATA-netem"
  else
    rm -rf "$DATA/up" "$LOCAL"
  fi
  [ "$rc" -eq 0 ] || log "failed (exit $rc); servers stopped, mounts and namespaces removed"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

T0=$(date +%s)
# --- 1. tools and servers ------------------------------------------------------------------------
log "setup: tests/servers/setup.sh"
"$REPO/tests/servers/setup.sh" > /dev/null
if [ ! -x /usr/bin/time ]; then
  log "installing GNU time"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time > /dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time > /dev/null; }
fi
PY=$(python3 -c 'import sys; print(sys.executable)')
FTPS_PY=${BENCH_FTPS_PYTHON:-}
if [ -z "$FTPS_PY" ]; then
  # The Python face of this tree: its wheel, built here into a venv of the bench's own
  # (a venv of run-tests.sh may hold an older wheel).
  VENV=$WORK/venv
  REQ=$REPO/bindings/python/requirements-test.txt
  log "building the Python face (maturin wheel into $VENV)"
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv > /dev/null
  fi
  mkdir -p "$WORK"
  if { [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"; } &&
    "$VENV/bin/pip" install -q --disable-pip-version-check "$(grep '^maturin==' "$REQ")" &&
    rm -rf "$WORK/dist" &&
    (cd "$REPO/bindings/python" &&
      CARGO_TARGET_DIR="${BENCH_TARGET_DIR:-$REPO/target}/python" \
        "$VENV/bin/maturin" build --release --quiet --out "$WORK/dist") &&
    "$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps \
      "$WORK"/dist/ftps_rs-*.whl; then
    FTPS_PY=$VENV/bin/python
  else
    log "the Python face did not build: it is reported as n/a"
  fi
fi

# --- 2. clients ----------------------------------------------------------------------------------
log "building the bench clients (release)"
"$HERE/build.sh" "$WORK/bin"
BASE_ARGS=()
if [ -n "${BENCH_BASELINE_REV:-}" ]; then
  # The clients of another commit, measured next to these ones (tests/bench/baseline.sh).
  BASE_OUT=$("$HERE/baseline.sh" "$BENCH_BASELINE_REV") || die "no baseline clients for $BENCH_BASELINE_REV"
  while IFS='=' read -r k v; do
    case $k in BENCH_BASELINE_BIN | BENCH_BASELINE_LABEL | BENCH_BASELINE_NOTE) export "$k=$v" ;; esac
  done <<< "$BASE_OUT"
  BASE_ARGS=(--baseline-bin "$BENCH_BASELINE_BIN" --baseline-label "$BENCH_BASELINE_LABEL"
             --note "$BENCH_BASELINE_NOTE")
fi

# --- 3. data on tmpfs ---------------------------------------------------------------------------
mkdir -p "$DATA/small"
if [ "$(stat -c %s "$DATA/big.bin" 2>/dev/null || echo 0)" != $((BIG_MIB * 1048576)) ]; then
  log "making $DATA/big.bin ($BIG_MIB MiB of random bytes)"
  dd if=/dev/urandom of="$DATA/big.bin" bs=1M count="$BIG_MIB" status=none
fi
for i in $(seq -f %03g 1 $SMALL_N); do
  [ "$(stat -c %s "$DATA/small/f$i.bin" 2>/dev/null || echo 0)" = 4096 ] ||
    head -c 4096 /dev/urandom > "$DATA/small/f$i.bin"
done
rm -rf "$DATA/up" "$LOCAL"
mkdir -p "$DATA/up" "$LOCAL"
chown -R ftpuser:ftpuser "$DATA"
chmod 755 "$DATA"

# --- 4. servers ----------------------------------------------------------------------------------
unmount_under "$RUN_DIR"   # never let start.sh wipe a directory with our data mounted in it
log "starting a private server instance in $RUN_DIR (ports $PORT_BASE+)"
FTPS_SERVERS_RUN=$RUN_DIR FTPS_SERVERS_PORT_BASE=$PORT_BASE "$REPO/tests/servers/start.sh" > "$WORK/start.log" 2>&1 ||
  { cat "$WORK/start.log" >&2; die "tests/servers/start.sh failed"; }
ENV=$RUN_DIR/servers.env
IFS=, read -r -a SERVER_LIST <<< "$SERVERS"
for s in "${SERVER_LIST[@]}"; do
  k=FTPS_TEST_$(echo "${s^^}" | tr - _)_ROOT
  root=$(sed -n "s/^$k=//p" "$ENV")
  [ -n "$root" ] || die "no $k in $ENV"
  mkdir -p "$root/bench"
  mount --bind "$DATA" "$root/bench"
  runuser -u ftpuser -- test -r "$root/bench/big.bin" -a -w "$root/bench/up" ||
    die "ftpuser cannot read $root/bench/big.bin or write $root/bench/up"
done

# --- 5. loopback ---------------------------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
LOOP_MD=$WORK/loopback.md
log "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" "$HERE/run.py" --env "$ENV" --servers "$SERVERS" --bin "$WORK/bin" \
  --data "$DATA" --local "$LOCAL" --runs "$RUNS" --small-n $SMALL_N \
  ${BENCH_CASES:+--cases "$BENCH_CASES"} ${BENCH_CLIENTS:+--clients "$BENCH_CLIENTS"} \
  --python "$PY" --ftps-python "$FTPS_PY" "${BASE_ARGS[@]}" \
  --title "ftps benchmark (issue #6): loopback, $BIG_MIB MiB and $SMALL_N x 4 KiB" \
  --out "$LOOP_MD" --json "$WORK/loopback.json" > /dev/null

# --- 6. wide-area link ---------------------------------------------------------------------------
NETEM_MD=$WORK/netem.md
rm -f "$NETEM_MD"
if [ "${BENCH_NETEM:-1}" = 1 ]; then
  BENCH_PY=$PY BENCH_FTPS_PY=$FTPS_PY BENCH_WORK=$WORK BENCH_ENV=$ENV BENCH_DATA=$DATA \
    "$HERE/netem.sh" run "$NETEM_MD"
fi

# --- the report ----------------------------------------------------------------------------------
{
  cat "$LOOP_MD"
  if [ -s "$NETEM_MD" ]; then echo; cat "$NETEM_MD"; fi
  echo
  echo "Total time of \`make bench\`: $(( $(date +%s) - T0 )) s (builds included)."
} > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
log "written to $OUT"
