#!/usr/bin/env bash
# tests/build/no-jitter.sh: every way the project gets built leaves out aws-lc's CPU-jitter
# entropy source. aws-lc-sys builds it unless AWS_LC_SYS_NO_JITTER_ENTROPY=1 is set at build
# time (`[env]` of .cargo/config.toml; `[tool.maturin] config` of bindings/python/pyproject.toml
# for builds that do not run below the repository root, such as pip's build of an sdist).
# With it, every process pays ~45 ms of CPU (measured here, tests/build/jitter-cost.py) to
# seed aws-lc's DRBG. Its functions are all named jent_*, so: no jent_ symbol in
#   1. the release libftps.a and libftps.so (cargo's target dir: CARGO_TARGET_DIR, else
#      `cargo metadata`), built by `make -f mk/ffi.mk ffi-build` (a no-op after ffi-test);
#   2. what `make -f mk/ffi.mk install PREFIX=/usr DESTDIR=<tmp>` installs;
#   3. the bench clients of tests/bench/build.sh (Rust ftps-bench, C ftps-bench-c);
#   4. the fuzz targets of `make -f mk/fuzz.mk fuzz-build` (fuzz/ is a workspace of its own;
#      its targets link no aws-lc RAND, so the aws-lc static library cargo built for them,
#      <fuzz target dir>/<host>/release/build/aws-lc-sys-*/out/libaws_lc_*crypto.a, too);
#   5. the Python extension module ftps/_ftps*.so:
#      a. in the wheel of bindings/python/run-tests.sh (`maturin build`, bindings/python/dist);
#      b. as `pip install ./bindings/python` builds it, into a fresh venv;
#      c. as pip builds it from the sdist (`maturin sdist`, then `pip install ftps_rs-*.tar.gz`:
#         pip unpacks and builds it below /tmp, where the repository's .cargo/config.toml is
#         not found).
# Each artifact must also hold aws-lc (a RAND_bytes symbol), so that a stripped or an
# aws-lc-free file cannot pass for one without jitter entropy.
# The variable is removed from this script's environment first: only the project's own
# files may supply it.
#
# Environment: CARGO, PYTHON (python3), CARGO_TARGET_DIR, FTPS_PYTHON_TARGET_DIR (cargo target
# dir of the Python builds, default <target>/python, shared with run-tests.sh), CI=true
# (nothing is skipped: a missing wheel or cargo-fuzz is a failure; cargo-fuzz gets installed).
# Prints one "ok - ..." / "not ok - ..." line a check and "N passed, M failed" last; exits
# non-zero on any failure.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT" || exit 1
CARGO="${CARGO:-cargo}"
PYTHON="${PYTHON:-python3}"
CI="${CI:-false}"
T0=$SECONDS

for v in $(compgen -e | grep '^AWS_LC_SYS_NO_JITTER_ENTROPY' || true); do
    echo "# $v=${!v} was set in the environment: removed (only the project's files count)"
    unset "$v"
done

if [ -n "${CARGO_TARGET_DIR:-}" ]; then
    case "$CARGO_TARGET_DIR" in /*) TARGET="$CARGO_TARGET_DIR" ;; *) TARGET="$ROOT/$CARGO_TARGET_DIR" ;; esac
else
    TARGET="$("$CARGO" metadata --format-version 1 --no-deps 2>/dev/null |
        "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
    [ -n "$TARGET" ] || TARGET="$ROOT/target"
fi
# Passed to each step explicitly, not exported: fuzz/ keeps the target dir it has in
# `make fuzz-smoke` (fuzz/target unless CARGO_TARGET_DIR is set).
PY_TARGET="${FTPS_PYTHON_TARGET_DIR:-$TARGET/python}"

# Scratch space outside the repository: the sdist must be built where the repository's
# .cargo/config.toml is not an ancestor, as on a user's machine.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ftps-no-jitter.XXXXXX")"
case "$WORK/" in "$ROOT"/*) rm -rf "$WORK"; WORK="$(mktemp -d /tmp/ftps-no-jitter.XXXXXX)" ;; esac
trap 'rm -rf "$WORK"' EXIT

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
not_ok() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
skip() {
    if [ "$CI" = true ]; then not_ok "$1 (CI=true: $2)"; else PASSED=$((PASSED + 1)); echo "ok - $1 # SKIP $2"; fi
}
# run LOG CMD...: runs CMD with its output in LOG; on failure shows the end of LOG.
run() {
    local log="$1"; shift
    if "$@" >"$log" 2>&1; then return 0; fi
    echo "# failed: $*"; tail -n 30 "$log" | sed 's/^/    /'
    return 1
}
# check LABEL FILE [any]: FILE has a symbol table, holds aws-lc's RAND (unless "any"), and
# no jent_ symbol.
check() {
    local label="$1" file="$2" need_rand="${3:-rand}" syms jent rand
    if [ ! -f "$file" ]; then not_ok "$label: $file is missing"; return; fi
    syms="$WORK/syms.txt"
    if ! nm "$file" >"$syms" 2>"$WORK/nm.err" || ! [ -s "$syms" ]; then
        not_ok "$label: no symbol table in $file ($(head -c 200 "$WORK/nm.err"))"
        return
    fi
    jent="$(grep -c 'jent_' "$syms")"
    rand="$(grep -c 'RAND_bytes$' "$syms")"
    if [ "$jent" -gt 0 ]; then
        not_ok "$label: $jent jent_ symbols in $file (built without AWS_LC_SYS_NO_JITTER_ENTROPY=1)"
        grep -m 3 'jent_' "$syms" | sed 's/^/    /'
    elif [ "$rand" -eq 0 ] && [ "$need_rand" = rand ]; then
        not_ok "$label: no aws-lc in $file (no RAND_bytes symbol): nothing was checked"
    elif [ "$rand" -eq 0 ]; then
        ok "$label: no jent_ symbol (aws-lc's RAND not linked in)"
    else
        ok "$label: no jent_ symbol (aws-lc present)"
    fi
}

# ---- 1. libftps.a and libftps.so ---------------------------------------------------------
echo "# target dir $TARGET"
if run "$WORK/ffi-build.log" make --no-print-directory -s -f mk/ffi.mk ffi-build CARGO="$CARGO" CARGO_TARGET_DIR="$TARGET"; then
    check "libftps.a (release)" "$TARGET/release/libftps.a"
    check "libftps.so (release)" "$TARGET/release/libftps.so"
else
    not_ok "make -f mk/ffi.mk ffi-build"
fi

# ---- 2. make install ----------------------------------------------------------------------
DEST="$WORK/destdir"
if run "$WORK/install.log" make --no-print-directory -s -f mk/ffi.mk install PREFIX=/usr DESTDIR="$DEST" \
    CARGO="$CARGO" CARGO_TARGET_DIR="$TARGET"; then
    so="$(find "$DEST/usr/lib" -maxdepth 1 -type f -name 'libftps.so.*' | head -n 1)"
    check "make install: ${so#"$DEST"}" "${so:-$DEST/usr/lib/libftps.so.<version>}"
    check "make install: /usr/lib/libftps.a" "$DEST/usr/lib/libftps.a"
else
    not_ok "make -f mk/ffi.mk install PREFIX=/usr DESTDIR=<tmp>"
fi

# ---- 3. the bench clients -----------------------------------------------------------------
if run "$WORK/bench-build.log" env BENCH_TARGET_DIR="$TARGET" tests/bench/build.sh "$WORK/bench"; then
    check "bench: ftps-bench" "$WORK/bench/ftps-bench"
    if grep -q '^ftps-c ok' "$WORK/bench/build-status"; then
        check "bench: ftps-bench-c" "$WORK/bench/ftps-bench-c"
    else
        not_ok "bench: ftps-bench-c did not build ($(grep '^ftps-c' "$WORK/bench/build-status"))"
    fi
else
    not_ok "tests/bench/build.sh"
fi

# ---- 4. the fuzz targets ------------------------------------------------------------------
if [ "$CI" != true ] && ! "$CARGO" fuzz --version >/dev/null 2>&1; then
    skip "fuzz targets" "cargo-fuzz is not installed (make fuzz-tools)"
elif run "$WORK/fuzz-build.log" make --no-print-directory -s -f mk/fuzz.mk fuzz-build CARGO="$CARGO"; then
    FUZZ_TARGET="$("$CARGO" metadata --manifest-path fuzz/Cargo.toml --format-version 1 --no-deps |
        "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
    HOST="$(rustc -vV | sed -n 's/^host: //p')"
    FUZZ_OUT="$FUZZ_TARGET/$HOST/release"
    # The parsers draw no randomness: the linker leaves aws-lc's RAND out of the targets.
    # So the aws-lc that cargo built for them is checked as well (every copy in the fuzz
    # target dir; a stale one from an old build goes away with `cargo clean` there).
    n=0
    for src in fuzz/fuzz_targets/*.rs; do
        t="$(basename "$src" .rs)"
        check "fuzz: $t" "$FUZZ_OUT/$t" any
        n=$((n + 1))
    done
    [ "$n" -gt 0 ] || not_ok "fuzz: no targets in fuzz/fuzz_targets"
    n=0
    for lib in "$FUZZ_OUT"/build/aws-lc-sys-*/out/libaws_lc_*crypto.a; do
        [ -f "$lib" ] || continue
        check "fuzz: aws-lc as built for the targets (${lib#"$FUZZ_OUT"/build/})" "$lib"
        n=$((n + 1))
    done
    [ "$n" -gt 0 ] || not_ok "fuzz: no aws-lc-sys build in $FUZZ_OUT/build"
else
    not_ok "make -f mk/fuzz.mk fuzz-build"
fi

# ---- 5. the Python extension module -------------------------------------------------------
# so_of_wheel WHEEL DIR: unpacks WHEEL into DIR, prints the path of ftps/_ftps*.so.
so_of_wheel() {
    mkdir -p "$2" && "$PYTHON" -m zipfile -e "$1" "$2" && find "$2/ftps" -maxdepth 1 -name '_ftps*.so' | head -n 1
}
# so_of_venv VENV: the installed ftps/_ftps*.so.
so_of_venv() {
    "$1/bin/python" -c 'import ftps._ftps as m; print(m.__file__)' 2>/dev/null
}

# a. the wheel run-tests.sh built (make test-python)
whl="$(ls -t bindings/python/dist/ftps_rs-*.whl 2>/dev/null | head -n 1)"
if [ -z "$whl" ]; then
    skip "python: wheel of run-tests.sh" "no bindings/python/dist/ftps_rs-*.whl (make test-python builds it)"
else
    so="$(so_of_wheel "$whl" "$WORK/wheel")"
    check "python: ${whl#bindings/python/} (maturin build, run-tests.sh)" "${so:-$WORK/wheel/ftps/_ftps.so}"
fi

# b. and c. pip, as users build it. CARGO_TARGET_DIR only moves cargo's output (it does not
# change which .cargo/config.toml files apply): the target dir of run-tests.sh, so that its
# build is reused. Should the switch be missing, aws-lc-sys is rebuilt (its build script
# declares rerun-if-env-changed) and the check sees it.
VENV="$WORK/venv"
PIP=(env CARGO_TARGET_DIR="$PY_TARGET" "$VENV/bin/python" -m pip --disable-pip-version-check)
if ! { "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null ||
        { apt-get update -qq && apt-get install -y -qq python3-venv; } >/dev/null 2>&1; } ||
    ! run "$WORK/venv.log" "$PYTHON" -m venv "$VENV"; then
    not_ok "python: a venv for the pip builds"
else
    if run "$WORK/pip-dir.log" "${PIP[@]}" install --no-deps "$ROOT/bindings/python"; then
        check "python: pip install ./bindings/python" "$(so_of_venv "$VENV")"
    else
        not_ok "python: pip install ./bindings/python"
    fi
    maturin_req="$(grep '^maturin==' bindings/python/requirements-test.txt || echo maturin)"
    if run "$WORK/maturin.log" "${PIP[@]}" install -q "$maturin_req" &&
        run "$WORK/sdist.log" bash -c "cd bindings/python && '$VENV/bin/maturin' sdist --out '$WORK/sdist'"; then
        sdist="$(ls "$WORK"/sdist/ftps_rs-*.tar.gz 2>/dev/null | head -n 1)"
        "${PIP[@]}" uninstall -q -y ftps-rs maturin >/dev/null 2>&1
        if [ -n "$sdist" ] && run "$WORK/pip-sdist.log" env TMPDIR="$WORK" "${PIP[@]}" install --no-deps "$sdist"; then
            check "python: pip install ${sdist##*/} (the sdist, built outside the repository)" "$(so_of_venv "$VENV")"
        else
            not_ok "python: pip install of the sdist"
        fi
    else
        not_ok "python: maturin sdist"
    fi
fi

echo "# $((SECONDS - T0)) s"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
