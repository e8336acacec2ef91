#!/usr/bin/env bash
# baseline.sh REV -- the bench clients of another revision, for `make bench BENCH_BASELINE_REV=REV`.
#
# Exports the tree of REV (`git archive`, so the repository's own checkout, index and
# worktree list stay untouched) into a cache directory outside the repository and builds
# its clients there with REV's own tests/bench/build.sh, once per commit:
#   $BENCH_BASELINE_CACHE/<commit>/src     the tree of REV
#   $BENCH_BASELINE_CACHE/<commit>/target  its cargo target dir (the repository's is left alone)
#   $BENCH_BASELINE_CACHE/<commit>/bin     ftps-bench, ftps-bench-c, build-status (for run.py)
# BENCH_BASELINE_CACHE defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/ftps-bench-baseline.
#
# Build settings: REV is built with this tree's .cargo/config.toml (copied over REV's), so
# that the comparison is of the code, not of build switches such as
# AWS_LC_SYS_NO_JITTER_ENTROPY (which commits before 2f8f1b5 lack). BENCH_BASELINE_OWN_CONFIG=1
# builds REV with its own .cargo/config.toml, if any. A changed config means a new build.
#
# Prints three lines KEY=VALUE on stdout for bench.sh: BENCH_BASELINE_BIN, BENCH_BASELINE_LABEL
# (the short commit) and BENCH_BASELINE_NOTE (one sentence for the report).
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
REV=${1:?usage: baseline.sh REV}
CACHE=${BENCH_BASELINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ftps-bench-baseline}
log() { printf 'bench/baseline: %s\n' "$*" >&2; }
die() { printf 'bench/baseline: ERROR: %s\n' "$*" >&2; exit 1; }

SHA=$(git -C "$REPO" rev-parse --verify --quiet "$REV^{commit}") ||
  die "BENCH_BASELINE_REV=$REV is not a commit of $REPO"
SHORT=$(git -C "$REPO" rev-parse --short=7 "$SHA")
D=$CACHE/$SHA
SRC=$D/src
BIN=$D/bin
case "$D/" in "$REPO"/*) die "BENCH_BASELINE_CACHE=$CACHE lies inside the repository" ;; esac

if [ "${BENCH_BASELINE_OWN_CONFIG:-0}" = 1 ]; then
  CONFIG_FROM="$SHORT's own"
  CONFIG_SUM=own:$(git -C "$REPO" show "$SHA:.cargo/config.toml" 2>/dev/null | sha256sum | cut -c1-16)
else
  CONFIG_FROM="this tree's"
  CONFIG_SUM=tree:$(sha256sum < "$REPO/.cargo/config.toml" | cut -c1-16)
fi
STAMP="$SHA $CONFIG_SUM"

if [ -f "$D/stamp" ] && [ "$(cat "$D/stamp")" = "$STAMP" ] && [ -x "$BIN/ftps-bench" ] && [ -f "$BIN/build-status" ]; then
  log "reusing the clients of $SHORT in $BIN"
else
  log "building the clients of $SHORT in $D (once per commit)"
  mkdir -p "$D"
  rm -rf "$SRC" "$BIN" "$D/stamp"
  mkdir -p "$SRC"
  git -C "$REPO" archive --format=tar "$SHA" | tar -x -C "$SRC"
  [ -x "$SRC/tests/bench/build.sh" ] || die "$SHORT has no tests/bench/build.sh: no bench clients to build"
  if [ "${BENCH_BASELINE_OWN_CONFIG:-0}" != 1 ]; then
    mkdir -p "$SRC/.cargo"
    cp "$REPO/.cargo/config.toml" "$SRC/.cargo/config.toml"
  fi
  BENCH_TARGET_DIR=$D/target "$SRC/tests/bench/build.sh" "$BIN" >&2 ||
    die "the bench clients of $SHORT did not build (see above)"
  echo "$STAMP" > "$D/stamp"
fi
JENT=$(nm "$BIN/ftps-bench" 2>/dev/null | grep -c jent_ || true)
NOTE="\`x baseline\`: the figure divided by that of the same client built from $SHORT ($(git -C "$REPO" log -1 --format=%s "$SHA")), \
measured in the same run and alternating with the others (lower is better for wall, CPU and RSS; higher for MB/s and files/s). \
Built with $CONFIG_FROM .cargo/config.toml: ${JENT:-?} jent_ symbols in its ftps-bench."
echo "BENCH_BASELINE_BIN=$BIN"
echo "BENCH_BASELINE_LABEL=$SHORT"
echo "BENCH_BASELINE_NOTE=$NOTE"
