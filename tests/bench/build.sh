#!/usr/bin/env bash
# build.sh OUT -- build the benchmark clients of ftps in release mode into OUT/:
#   OUT/ftps-bench     Rust, through ftps-core (crate tests/bench/client)
#   OUT/ftps-bench-c   C, through the C ABI (tests/bench/c/ftps_bench.c + libftps.a of ftps-ffi)
# and OUT/build-status (one "NAME ok|n/a REASON" line per client) for run.py.
# A client that fails to build is reported as n/a; only the Rust client is required.
#
# Cargo's target directory: $BENCH_TARGET_DIR, default the workspace's own target/.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${1:?usage: build.sh OUT}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CARGO=${CARGO:-cargo}
TARGET=${BENCH_TARGET_DIR:-$REPO/target}
STATUS=$OUT/build-status
: > "$STATUS"
log() { printf 'bench/build: %s\n' "$*" >&2; }

# --- Rust: ftps-bench ----------------------------------------------------------------------
# Normally a member of the root workspace. Until it is, build a copy of the crate as a
# workspace of its own (same Cargo.lock, same release profile).
rm -f "$OUT/ftps-bench"
if grep -q '"tests/bench/client"' "$REPO/Cargo.toml"; then
  log "cargo build --release -p ftps-bench"
  (cd "$REPO" && CARGO_TARGET_DIR=$TARGET $CARGO build --release --quiet -p ftps-bench) &&
    cp "$TARGET/release/ftps-bench" "$OUT/ftps-bench"
else
  log "tests/bench/client is not a workspace member yet: building a standalone copy"
  SA=$OUT/standalone
  rm -rf "$SA" && mkdir -p "$SA" && cp -r "$HERE/client/src" "$HERE/client/Cargo.toml" "$SA/"
  sed -i "s|path = \"../../../ftps-core\"|path = \"$REPO/ftps-core\"|" "$SA/Cargo.toml"
  printf '\n[workspace]\n\n[profile.release]\ndebug = 1\npanic = "unwind"\n' >> "$SA/Cargo.toml"
  cp "$REPO/Cargo.lock" "$SA/Cargo.lock"
  (cd "$SA" && CARGO_TARGET_DIR=$TARGET $CARGO build --release --quiet) &&
    cp "$TARGET/release/ftps-bench" "$OUT/ftps-bench"
fi
if [ -x "$OUT/ftps-bench" ]; then
  echo "ftps-rust ok" >> "$STATUS"
else
  log "ERROR: the Rust bench client did not build"
  exit 1
fi

# --- C: ftps-bench-c on libftps.a ---------------------------------------------------------
rm -f "$OUT/ftps-bench-c"
CC=${CC:-cc}
if [ ! -f "$REPO/include/ftps.h" ] || ! grep -q 'ftps_client_download_fd' "$REPO/include/ftps.h"; then
  echo "ftps-c n/a (C face not built yet: no include/ftps.h with ftps_client_download_fd)" >> "$STATUS"
elif ! (cd "$REPO" && CARGO_TARGET_DIR=$TARGET $CARGO build --release --quiet -p ftps-ffi) \
      > "$OUT/ftps-ffi.build.log" 2>&1; then
  log "ftps-ffi did not build (see $OUT/ftps-ffi.build.log)"
  echo "ftps-c n/a (C face not built yet: cargo build -p ftps-ffi failed)" >> "$STATUS"
elif ! $CC -O2 -Wall -I "$REPO/include" "$HERE/c/ftps_bench.c" "$TARGET/release/libftps.a" \
      -lpthread -ldl -lm -o "$OUT/ftps-bench-c" > "$OUT/ftps-bench-c.build.log" 2>&1; then
  log "ftps_bench.c did not compile/link (see $OUT/ftps-bench-c.build.log)"
  echo "ftps-c n/a (C face not built yet: tests/bench/c/ftps_bench.c does not build against include/ftps.h)" >> "$STATUS"
else
  echo "ftps-c ok" >> "$STATUS"
fi
cat "$STATUS" >&2
