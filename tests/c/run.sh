#!/usr/bin/env bash
# The C suite of libftps (issue #4), in one command:
#   1. cargo: build the release library and ftps-testserver, run the header drift test;
#   2. the exported symbols equal the functions declared in include/ftps.h;
#   3. include/ftps.h compiles as C99 and as C++11 (and links from C++);
#   4. tests/c/test_ftps.c under ASan+UBSan, linked to libftps.so;
#   5. the same suite under valgrind, linked to libftps.a (no leaks, no errors); both
#      with the G6 big file at 8 MiB (FTPS_C_G6_BIG_MIB_SANITIZED);
#   5b. the G6 resume test with its big file at 1 GiB (FTPS_C_G6_BIG_MIB), built -O2
#      without sanitizers;
#   5c. the P1/P2/P3 tests on every server (ProFTPD, pure-ftpd too), the P2 file at
#      256 MiB (FTPS_C_P2_MIB), -O2;
#   6. `make -f mk/ffi.mk install PREFIX=/usr DESTDIR=<tmp>`, checked like a package;
#   7. examples/c/ftps_get.c built against the installed library via pkg-config (shared
#      and static), run against the private ftps-testserver and against vsftpd explicit.
# The online tests use the real servers of tests/servers (servers.env from
# $FTPS_SERVERS_ENV, default .servers/run/servers.env) and a private ftps-testserver.
# With CI=true a missing server or tool is a failure, never a skip.
#
# What this run includes (an explicit selection: what is left out is said, not skipped):
#   FTPS_REAL_SERVERS=0  no real server (`make check`): no servers.env is read, and the
#                        vsftpd tests and the example against vsftpd are not part of the run.
#                        Needs no root and nothing beyond loopback and ftps-testserver.
#   FTPS_REAL_SERVERS=1  the real servers are part of the run: missing ones fail, CI or not.
#   FTPS_LOCAL_TESTS=0   only what needs the real servers (`make test-real`, after
#                        `make check`): the builds, the install and the compile checks are
#                        then prerequisites ("# prerequisite: ..."), not counted again.
# Prints "N passed, M failed" last; exits non-zero on any failure.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT" || exit 1
CARGO="${CARGO:-cargo}"
CC="${CC:-gcc}"
CXX="${CXX:-g++}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
case "$CARGO_TARGET_DIR" in /*) ;; *) CARGO_TARGET_DIR="$ROOT/$CARGO_TARGET_DIR" ;; esac
LIBDIR_BUILT="$CARGO_TARGET_DIR/release"
CI="${CI:-false}"
REAL="${FTPS_REAL_SERVERS:-}"
LOCAL="${FTPS_LOCAL_TESTS:-1}"
[ "$LOCAL" = 0 ] || LOCAL=1
export FTPS_REAL_SERVERS="$REAL" FTPS_LOCAL_TESTS="$LOCAL"
if [ "$REAL" = 0 ] && [ "$LOCAL" = 0 ]; then
    echo "FTPS_REAL_SERVERS=0 and FTPS_LOCAL_TESTS=0: nothing is part of this run"; exit 2
fi
CFLAGS_STRICT=(-std=c99 -pedantic -Wall -Wextra -Werror)

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ftps-c.XXXXXX")"
RUN_ID="$$"
TS_PIDS=()   # the test servers started by start_ts
TS_FDS=()    # the write ends of their stdin
cleanup() {
    local fd pid
    for fd in "${TS_FDS[@]}"; do exec {fd}>&- 2>/dev/null || true; done  # closed stdin: they exit
    for pid in "${TS_PIDS[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
not_ok() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
# step NAME CMD...: runs CMD, output to a log shown on failure.
step() {
    local name="$1"; shift
    local log
    log="$WORK/step-$(echo "$name" | tr -c 'a-zA-Z0-9' '_').log"
    if "$@" >"$log" 2>&1; then ok "$name"; else not_ok "$name"; sed 's/^/    /' "$log" | tail -40; fi
}
# local_step NAME CMD...: a step of the local part. With FTPS_LOCAL_TESTS=0 it still runs
# when a later step needs what it makes, as a prerequisite: a failure counts, a success
# was counted by the run that included the local part.
local_step() {
    if [ "$LOCAL" = 1 ]; then step "$@"; return; fi
    local name="$1"; shift
    local log
    log="$WORK/prep-$(echo "$name" | tr -c 'a-zA-Z0-9' '_').log"
    if "$@" >"$log" 2>&1; then echo "# prerequisite: $name"; else not_ok "$name"; sed 's/^/    /' "$log" | tail -40; fi
}
local_ok() { if [ "$LOCAL" = 1 ]; then ok "$@"; else echo "# prerequisite: $*"; fi; }
# Adds the "N passed, M failed" of a test binary's output to the totals.
count_suite() {
    local label="$1" out="$2" rc="$3" line p f
    line="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n1)"
    if [ -z "$line" ]; then not_ok "$label: no result line (exit $rc)"; tail -30 "$out" | sed 's/^/    /'; return; fi
    p="$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')"
    f="$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')"
    PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then not_ok "$label: exit $rc"; tail -30 "$out" | sed 's/^/    /'; fi
    echo "# $label: $line"
}
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        (apt-get install -y -qq "$2" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2"; }) >/dev/null 2>&1
    fi
    command -v "$1" >/dev/null 2>&1
}

for tool in "$CC:gcc" "$CXX:g++" "pkg-config:pkg-config" "valgrind:valgrind" "make:make"; do
    need "${tool%%:*}" "${tool##*:}" || { not_ok "tool ${tool%%:*} is missing"; }
done

# ---- 1. cargo --------------------------------------------------------------------
[ "$REAL" = 0 ] && echo "# not part of this run: the real servers (FTPS_REAL_SERVERS=0; make test-real runs their tests)"
[ "$LOCAL" = 0 ] && echo "# not part of this run: the offline and ftps-testserver tests, the symbol, header and install checks (FTPS_LOCAL_TESTS=0; make check runs them)"
TS_BIN=""
if [ "$LOCAL" = 0 ]; then
    echo "# building libftps (release) in $CARGO_TARGET_DIR"
    local_step "cargo build --release -p ftps-ffi" "$CARGO" build --release -p ftps-ffi
else
    echo "# building libftps and ftps-testserver (release) in $CARGO_TARGET_DIR"
    if "$CARGO" build --release -p ftps-ffi -p ftps-testserver >"$WORK/build.log" 2>&1; then
        ok "cargo build --release -p ftps-ffi -p ftps-testserver"
        TS_BIN="$LIBDIR_BUILT/ftps-testserver"
    else
        # Tell a broken test server from a broken library.
        step "cargo build --release -p ftps-ffi" "$CARGO" build --release -p ftps-ffi
        if [ "$CI" = true ]; then
            not_ok "cargo build --release -p ftps-testserver"; tail -20 "$WORK/build.log" | sed 's/^/    /'
        else
            echo "# ftps-testserver does not build: its tests are skipped"
        fi
    fi
fi
# The header drift test, in the release profile to share the build above.
[ "$LOCAL" = 1 ] && step "cargo test --release -p ftps-ffi (header drift, version macros, unit tests)" \
    "$CARGO" test --release -p ftps-ffi
if [ ! -f "$LIBDIR_BUILT/libftps.so" ] || [ ! -f "$LIBDIR_BUILT/libftps.a" ]; then
    not_ok "libftps.so and libftps.a were built"
    echo "$PASSED passed, $FAILED failed"; exit 1
fi
# The test binaries find libftps.so by its soname.
mkdir -p "$WORK/lib"
ln -sf "$LIBDIR_BUILT/libftps.so" "$WORK/lib/libftps.so.0"

if [ "$LOCAL" = 1 ]; then
# ---- 2. symbols ------------------------------------------------------------------
header_fns() { grep -vE '^\s*(\*|/\*)' include/ftps.h | grep -oE '\bftps_[a-z0-9_]+\(' | tr -d '(' | sort -u; }
lib_fns() { nm -D --defined-only "$LIBDIR_BUILT/libftps.so" | awk '$3 ~ /^ftps_/ {print $3}' | sort -u; }
step "every exported symbol is declared in ftps.h, and every declared function exported" \
    diff <(header_fns) <(lib_fns)
step "libftps.so exports nothing but ftps_ functions" \
    bash -c "! nm -D --defined-only '$LIBDIR_BUILT/libftps.so' | awk '{print \$3}' | grep -v '^ftps_'"
step "libftps.so has the soname libftps.so.0" \
    bash -c "readelf -d '$LIBDIR_BUILT/libftps.so' | grep -q 'SONAME.*\[libftps.so.0\]'"

# ---- 3. the header as C99 and C++ -----------------------------------------------
step "ftps.h compiles as C99 (-std=c99 -pedantic -Wall -Wextra -Werror)" \
    "$CC" "${CFLAGS_STRICT[@]}" -Wstrict-prototypes -Iinclude -c tests/c/header_c99.c -o "$WORK/h99.o"
step "ftps.h compiles as C11 with -Wconversion" \
    "$CC" -std=c11 -pedantic -Wall -Wextra -Wconversion -Werror -Iinclude -c tests/c/header_c99.c -o "$WORK/h11.o"
step "ftps.h compiles and links as C++11 (-pedantic -Wall -Wextra -Werror)" \
    "$CXX" -std=c++11 -pedantic -Wall -Wextra -Werror -Iinclude tests/c/header_cxx.cpp \
    -o "$WORK/hcxx" -L"$LIBDIR_BUILT" -lftps
step "the C++ program runs" env LD_LIBRARY_PATH="$WORK/lib" "$WORK/hcxx"
fi # LOCAL

# ---- servers ---------------------------------------------------------------------
ENV_FILE="${FTPS_SERVERS_ENV:-$ROOT/.servers/run/servers.env}"
if [ "$REAL" = 0 ]; then
    echo "# the real servers are not part of this run (FTPS_REAL_SERVERS=0): $ENV_FILE is not read"
elif [ -f "$ENV_FILE" ]; then
    set -a
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    set +a
    echo "# real servers from $ENV_FILE"
elif [ "$CI" = true ] || [ "$REAL" = 1 ]; then
    not_ok "servers.env missing at $ENV_FILE (run tests/servers/start.sh)"
else
    echo "# $ENV_FILE missing: the real-server tests are skipped (run tests/servers/start.sh)"
fi
# The fault users of the G1 tests (t_g1_... in test_ftps.c, which has the same table):
# each logs in with the server's password and gets these data faults. pub/data.bin has
# 1048576 bytes; the tests resume at 100000, so 848576 = cut short by exactly the offset.
TS_FAULT_USERS=(
    g1whole:announce-whole
    g1nocn:no-close-notify
    g1wholenocn:announce-whole,no-close-notify
    g1cutoff:truncate-after=848576
    g1wholecut:announce-whole,truncate-after=848576
    g1cut:truncate-after=300007
    g1rst:rst
    g1rstcut:rst,truncate-after=300007
    g1cleancut:clean-cut-after=300007
    g1cleancutoff:clean-cut-after=848576
    g1ku:key-update-every=50000
    g1late:late-ticket=65536
)
# The fault users of the G5/G6 tests (t_g5_..., t_g6_... in test_ftps.c, which has the
# same table). The cut faults count file transfers over the whole server; the tests
# align themselves on that count.
TS_G56_USERS=(
    g5lie:lying-hash
    g5norename:no-rename-onto-existing
    g5left:drop-session-after=200003
    g6cut:cut-every-second=300007
    g6drop:drop-session-every-second=300007
    f8nosize:size-without-number
)
G56_ITEMS=(lying-hash no-rename-onto-existing drop-session-after= cut-every-second= drop-session-every-second= size-without-number)
TS_ARGS=()
if [ -n "$TS_BIN" ]; then
    # Read the help text whole first: `--help | grep -q` under pipefail fails when grep
    # quits at its match and the server dies of SIGPIPE writing the rest.
    ts_help="$("$TS_BIN" --help 2>/dev/null || true)"
    if [[ "$ts_help" == *--fault-user* ]]; then
        for fu in "${TS_FAULT_USERS[@]}"; do TS_ARGS+=(--fault-user "$fu"); done
        export FTPS_TESTSERVER_FAULT_USERS=1
        missing=""
        for item in "${G56_ITEMS[@]}"; do [[ "$ts_help" == *"$item"* ]] || missing="$missing $item"; done
        if [ -z "$missing" ]; then
            for fu in "${TS_G56_USERS[@]}"; do TS_ARGS+=(--fault-user "$fu"); done
            export FTPS_TESTSERVER_G56_USERS=1
        elif [ "$CI" = true ]; then
            not_ok "ftps-testserver has the G5/G6 fault items (missing:$missing)"
        else
            echo "# ftps-testserver lacks the fault items$missing: the G5/G6 tests are skipped"
        fi
    elif [ "$CI" = true ]; then
        not_ok "ftps-testserver has --fault-user (the G1 tests need it)"
    else
        echo "# ftps-testserver has no --fault-user: the G1 tests are skipped"
    fi
fi
# start_ts TAG ARGS...: starts an ftps-testserver with ARGS (its CA in $WORK/TAG-ca.pem),
# serving until this script ends, and sets TS_EXPLICIT, TS_IMPLICIT, TS_CA, TS_USER and
# TS_PASS from its JSON line; returns 1 (with the server's stderr shown) when it did not
# start.
start_ts() {
    local tag="$1" json fd; shift
    TS_EXPLICIT=""; TS_IMPLICIT=""; TS_CA=""; TS_USER=""; TS_PASS=""
    mkfifo "$WORK/$tag.in"
    "$TS_BIN" --quiet --ca-out "$WORK/$tag-ca.pem" "$@" <"$WORK/$tag.in" >"$WORK/$tag.out" 2>"$WORK/$tag.err" &
    TS_PIDS+=($!)
    exec {fd}>"$WORK/$tag.in"
    TS_FDS+=("$fd")
    for _ in $(seq 1 100); do [ -s "$WORK/$tag.out" ] && break; sleep 0.1; done
    json="$(head -n1 "$WORK/$tag.out")"
    field() { echo "$json" | sed -nE "s/.*\"$1\": \"([^\"]*)\".*/\1/p"; }
    TS_EXPLICIT="$(field explicit)"; TS_IMPLICIT="$(field implicit)"
    TS_CA="$(field ca)"; TS_USER="$(field user)"; TS_PASS="$(field password)"
    [ -n "$TS_EXPLICIT" ] && return 0
    sed 's/^/    /' "$WORK/$tag.err"
    return 1
}
if [ -n "$TS_BIN" ]; then
    if start_ts ts "${TS_ARGS[@]}"; then
        FTPS_TESTSERVER_EXPLICIT="$TS_EXPLICIT"; FTPS_TESTSERVER_IMPLICIT="$TS_IMPLICIT"
        FTPS_TESTSERVER_CA="$TS_CA"; FTPS_TESTSERVER_USER="$TS_USER"; FTPS_TESTSERVER_PASS="$TS_PASS"
        export FTPS_TESTSERVER_EXPLICIT FTPS_TESTSERVER_IMPLICIT FTPS_TESTSERVER_CA FTPS_TESTSERVER_USER FTPS_TESTSERVER_PASS
        echo "# ftps-testserver: explicit $FTPS_TESTSERVER_EXPLICIT, implicit $FTPS_TESTSERVER_IMPLICIT"
    else
        not_ok "ftps-testserver started"
    fi
    # A second one like vsftpd: no hash command, no MFMT (t_g5_verify_required_...).
    if [[ "$ts_help" == *--no-hash* ]] && [[ "$ts_help" == *--no-xsha* ]] && [[ "$ts_help" == *--no-mfmt* ]]; then
        if start_ts ts2 --no-hash --no-xsha --no-mfmt; then
            FTPS_TESTSERVER_NOHASH_EXPLICIT="$TS_EXPLICIT"; FTPS_TESTSERVER_NOHASH_CA="$TS_CA"
            export FTPS_TESTSERVER_NOHASH_EXPLICIT FTPS_TESTSERVER_NOHASH_CA
            echo "# ftps-testserver --no-hash --no-xsha --no-mfmt: explicit $FTPS_TESTSERVER_NOHASH_EXPLICIT"
        else
            not_ok "ftps-testserver --no-hash --no-xsha --no-mfmt started"
        fi
    elif [ "$CI" = true ]; then
        not_ok "ftps-testserver has --no-hash, --no-xsha and --no-mfmt (the G5 verify=required test needs them)"
    else
        echo "# ftps-testserver has no --no-hash/--no-xsha/--no-mfmt: the G5 verify=required test is skipped"
    fi
    # A third one that still reads commands for 300 ms after 234 (t_a5_...).
    if [[ "$ts_help" == *commands-after-234* ]]; then
        if start_ts ts3 --fault commands-after-234=300; then
            FTPS_TESTSERVER_A5_EXPLICIT="$TS_EXPLICIT"; FTPS_TESTSERVER_A5_CA="$TS_CA"
            export FTPS_TESTSERVER_A5_EXPLICIT FTPS_TESTSERVER_A5_CA
            echo "# ftps-testserver --fault commands-after-234=300: explicit $FTPS_TESTSERVER_A5_EXPLICIT"
        else
            not_ok "ftps-testserver --fault commands-after-234=300 started"
        fi
    elif [ "$CI" = true ]; then
        not_ok "ftps-testserver has --fault commands-after-234 (the A5 test needs it)"
    else
        echo "# ftps-testserver has no --fault commands-after-234: the A5 test is skipped"
    fi
    # A fourth one that lets a user log in twice at most: the third login gets 530
    # (t_p1_batch_shrinks_when_the_server_limits_sessions).
    if [[ "$ts_help" == *--max-sessions-per-user* ]]; then
        if start_ts ts4 --max-sessions-per-user 2; then
            FTPS_TESTSERVER_LIMITED_EXPLICIT="$TS_EXPLICIT"; FTPS_TESTSERVER_LIMITED_CA="$TS_CA"
            export FTPS_TESTSERVER_LIMITED_EXPLICIT FTPS_TESTSERVER_LIMITED_CA
            echo "# ftps-testserver --max-sessions-per-user 2: explicit $FTPS_TESTSERVER_LIMITED_EXPLICIT"
        else
            not_ok "ftps-testserver --max-sessions-per-user 2 started"
        fi
    elif [ "$CI" = true ]; then
        not_ok "ftps-testserver has --max-sessions-per-user (the P1 session-limit test needs it)"
    else
        echo "# ftps-testserver has no --max-sessions-per-user: the P1 session-limit test is skipped"
    fi
fi
{ [ "$CI" = true ] || [ "$REAL" = 1 ]; } && export FTPS_C_REQUIRE_SERVERS=1
export FTPS_C_TMPDIR="$WORK"

# ---- 4. ASan + UBSan ----------------------------------------------------------
# The big file of t_g6_cut_transfers_resume_byte_exact: 1 GiB would take too long under
# the sanitizers and valgrind; step 5b runs it at full size.
G6_SMALL_MIB="${FTPS_C_G6_BIG_MIB_SANITIZED:-8}"
# shellcheck disable=SC2054
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1)
if "$CC" "${CFLAGS_STRICT[@]}" "${SAN[@]}" -Iinclude -Itests/c tests/c/test_ftps.c \
    -o "$WORK/test_asan" -L"$LIBDIR_BUILT" -lftps -pthread >"$WORK/asan-build.log" 2>&1; then
    local_ok "test_ftps.c compiles with -std=c99 -pedantic -Wall -Wextra -Werror (ASan+UBSan)"
    echo "# running the suite under ASan+UBSan"
    FTPS_C_RUN_ID="asan$RUN_ID" LD_LIBRARY_PATH="$WORK/lib" FTPS_C_G6_BIG_MIB="$G6_SMALL_MIB" \
        ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=23" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
        timeout 300 "$WORK/test_asan" >"$WORK/asan.out" 2>&1
    rc=$?
    grep -E '^(ok|not ok|skip) ' "$WORK/asan.out" | sed 's/^/  asan: /'
    grep -E '^not ok|^    ' "$WORK/asan.out" >/dev/null && grep -E '^    ' "$WORK/asan.out" | head -40
    grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$WORK/asan.out" &&
        { not_ok "ASan/UBSan found errors"; grep -A25 -E 'ERROR: |runtime error:' "$WORK/asan.out" | head -60 | sed 's/^/    /'; }
    count_suite "ASan+UBSan" "$WORK/asan.out" "$rc"
else
    not_ok "test_ftps.c compiles (ASan+UBSan)"; sed 's/^/    /' "$WORK/asan-build.log" | head -40
fi

# ---- 5. valgrind, static library ---------------------------------------------------
if "$CC" "${CFLAGS_STRICT[@]}" -g -O1 -Iinclude -Itests/c tests/c/test_ftps.c -o "$WORK/test_static" \
    "$LIBDIR_BUILT/libftps.a" -lgcc_s -lutil -lrt -lpthread -lm -ldl >"$WORK/static-build.log" 2>&1; then
    local_ok "test_ftps.c links against libftps.a"
    echo "# running the suite under valgrind (memcheck, leak check)"
    FTPS_C_RUN_ID="vg$RUN_ID" FTPS_C_G6_BIG_MIB="$G6_SMALL_MIB" timeout 540 valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=42 --track-fds=no \
        --suppressions=tests/c/valgrind.supp --log-file="$WORK/valgrind.log" \
        "$WORK/test_static" >"$WORK/vg.out" 2>&1
    rc=$?
    grep -E '^(ok|not ok|skip) ' "$WORK/vg.out" | sed 's/^/  valgrind: /'
    grep -E '^    ' "$WORK/vg.out" | head -40
    if [ "$rc" -eq 42 ] || [ -s "$WORK/valgrind.log" ]; then
        not_ok "valgrind: errors or leaks"; head -80 "$WORK/valgrind.log" | sed 's/^/    /'
    else
        ok "valgrind: no errors, no leaks (definite, indirect, possible)"
    fi
    count_suite "valgrind" "$WORK/vg.out" "$([ "$rc" -eq 42 ] && echo 0 || echo "$rc")"
else
    not_ok "test_ftps.c links against libftps.a"; sed 's/^/    /' "$WORK/static-build.log" | head -40
fi

# ---- 5b. G6 with the big file at full size ------------------------------------------
if [ "$LOCAL" = 1 ] && [ "${FTPS_TESTSERVER_G56_USERS:-0}" = 1 ]; then
    G6_MIB="${FTPS_C_G6_BIG_MIB:-1024}"
    if "$CC" "${CFLAGS_STRICT[@]}" -O2 -Iinclude -Itests/c tests/c/test_ftps.c -o "$WORK/test_o2" \
        -L"$LIBDIR_BUILT" -lftps -pthread >"$WORK/o2-build.log" 2>&1; then
        echo "# running t_g6_cut_transfers_resume_byte_exact with a $G6_MIB MiB file (-O2, no sanitizer)"
        FTPS_C_RUN_ID="big$RUN_ID" LD_LIBRARY_PATH="$WORK/lib" FTPS_C_G6_BIG_MIB="$G6_MIB" \
            timeout 600 "$WORK/test_o2" g6_cut_transfers_resume_byte_exact >"$WORK/o2.out" 2>&1
        rc=$?
        grep -E '^(ok|not ok|skip) ' "$WORK/o2.out" | sed "s/^/  ${G6_MIB} MiB: /"
        grep -E '^    ' "$WORK/o2.out" | head -40
        count_suite "G6 $G6_MIB MiB" "$WORK/o2.out" "$rc"
    else
        not_ok "test_ftps.c compiles with -O2"; sed 's/^/    /' "$WORK/o2-build.log" | head -40
    fi
elif [ "$LOCAL" = 1 ] && [ "$CI" = true ]; then
    not_ok "ftps-testserver with the G5/G6 fault users for the 1 GiB G6 test"
fi

# ---- 5c. P1/P2/P3 on every server, the P2 file at 256 MiB ----------------------------
# ProFTPD and pure-ftpd too (FTPS_C_MORE_SERVERS=1); -O2, no sanitizer.
P2_MIB="${FTPS_C_P2_MIB:-256}"
if [ -x "$WORK/test_o2" ] || "$CC" "${CFLAGS_STRICT[@]}" -O2 -Iinclude -Itests/c tests/c/test_ftps.c \
    -o "$WORK/test_o2" -L"$LIBDIR_BUILT" -lftps -pthread >"$WORK/o2-build.log" 2>&1; then
    echo "# running the P1/P2/P3 tests on every server, P2 with a $P2_MIB MiB file (-O2)"
    for t in p1_batch_of_100 p2_segmented p3_batch; do
        FTPS_C_RUN_ID="p$RUN_ID" LD_LIBRARY_PATH="$WORK/lib" FTPS_C_P2_MIB="$P2_MIB" FTPS_C_MORE_SERVERS=1 \
            timeout 600 "$WORK/test_o2" "$t" >"$WORK/p-$t.out" 2>&1
        rc=$?
        grep -E '^(ok|not ok|skip) ' "$WORK/p-$t.out" | sed "s/^/  every server: /"
        grep -E '^    ' "$WORK/p-$t.out" | head -40
        count_suite "$t, every server" "$WORK/p-$t.out" "$rc"
    done
else
    not_ok "test_ftps.c compiles with -O2"; sed 's/^/    /' "$WORK/o2-build.log" | head -40
fi

# ---- 6. install, like a distribution package ---------------------------------------
DEST="$WORK/dest"
local_step "make -f mk/ffi.mk install PREFIX=/usr DESTDIR=..." make -s -f mk/ffi.mk install PREFIX=/usr DESTDIR="$DEST"
P="$DEST/usr"
local_step "installed: libftps.so.0.1.0, symlinks .so.0 and .so, libftps.a, ftps.h, ftps.pc" bash -c "
    v=\$(sed -n 's/^version *= *\"\\(.*\\)\"/\\1/p' Cargo.toml | head -n1)
    test -f $P/lib/libftps.so.\$v && test ! -L $P/lib/libftps.so.\$v &&
    test \"\$(readlink $P/lib/libftps.so.0)\" = libftps.so.\$v &&
    test \"\$(readlink $P/lib/libftps.so)\" = libftps.so.0 &&
    test -f $P/lib/libftps.a && cmp -s $P/include/ftps.h include/ftps.h &&
    test -f $P/lib/pkgconfig/ftps.pc"
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
local_step "pkg-config knows ftps at the crate version" bash -c \
    "test \"\$(pkg-config --modversion ftps)\" = \"\$(sed -n 's/^version *= *\"\\(.*\\)\"/\\1/p' Cargo.toml | head -n1)\""
# --define-prefix: the .pc says prefix=/usr; the staged copy lives under DESTDIR.
PCF=(--define-prefix)
read -r -a PC_FLAGS <<<"$(pkg-config "${PCF[@]}" --cflags --libs ftps)"
local_step "examples/c/ftps_get.c builds against the installed library (pkg-config)" \
    "$CC" "${CFLAGS_STRICT[@]}" examples/c/ftps_get.c -o "$WORK/ftps_get" "${PC_FLAGS[@]}"
read -r -a PC_CFLAGS <<<"$(pkg-config "${PCF[@]}" --cflags ftps)"
read -r -a PC_STATIC_LIBS <<<"$(pkg-config "${PCF[@]}" --static --libs-only-l ftps | sed 's/-lftps//')"
local_step "examples/c/ftps_get.c links statically (pkg-config --static)" \
    "$CC" "${CFLAGS_STRICT[@]}" examples/c/ftps_get.c -o "$WORK/ftps_get_static" \
    "${PC_CFLAGS[@]}" "$P/lib/libftps.a" "${PC_STATIC_LIBS[@]}"
local_step "ftps_get finds libftps.so.0 by its soname" bash -c \
    "LD_LIBRARY_PATH=$P/lib ldd $WORK/ftps_get | grep -q 'libftps.so.0 => $P/lib/libftps.so.0'"

# ---- 7. the example against ftps-testserver and vsftpd explicit ----------------------
if [ "$LOCAL" = 1 ] && [ -n "${FTPS_TESTSERVER_EXPLICIT:-}" ]; then
    TS_PORT="${FTPS_TESTSERVER_EXPLICIT##*:}" TS_IMPL_PORT="${FTPS_TESTSERVER_IMPLICIT##*:}"
    printf 'hello\n' >"$WORK/ts-hello.want"
    step "ftps_get downloads hello.txt from ftps-testserver explicit (shared)" bash -c "
        FTPS_PASSWORD='$FTPS_TESTSERVER_PASS' LD_LIBRARY_PATH='$P/lib' '$WORK/ftps_get' -p '$TS_PORT' \
            -c '$FTPS_TESTSERVER_CA' -u '$FTPS_TESTSERVER_USER' 127.0.0.1 hello.txt '$WORK/ts-hello.txt' 2>'$WORK/ts-get.err' &&
        cmp '$WORK/ts-hello.txt' '$WORK/ts-hello.want' && grep -q 'resumed the TLS session' '$WORK/ts-get.err' || { cat '$WORK/ts-get.err'; false; }"
    step "ftps_get (static) writes to stdout, implicit TLS, from ftps-testserver" bash -c "
        FTPS_PASSWORD='$FTPS_TESTSERVER_PASS' '$WORK/ftps_get_static' -i -p '$TS_IMPL_PORT' \
            -c '$FTPS_TESTSERVER_CA' -u '$FTPS_TESTSERVER_USER' 127.0.0.1 hello.txt 2>/dev/null | cmp - '$WORK/ts-hello.want'"
    step "ftps_get reports a wrong password with ftps-testserver's reply" bash -c "
        ! FTPS_PASSWORD=wrong LD_LIBRARY_PATH='$P/lib' '$WORK/ftps_get' -p '$TS_PORT' \
            -c '$FTPS_TESTSERVER_CA' -u '$FTPS_TESTSERVER_USER' 127.0.0.1 hello.txt '$WORK/x' 2>'$WORK/ts-bad.err' &&
        grep -q 'login rejected' '$WORK/ts-bad.err' && grep -q 'server said 530' '$WORK/ts-bad.err' || { cat '$WORK/ts-bad.err'; false; }"
elif [ "$LOCAL" = 1 ] && [ "$CI" = true ]; then
    not_ok "ftps-testserver running for the example"
elif [ "$LOCAL" = 1 ]; then
    echo "# ftps-testserver is not running: the example against it is not run"
fi
if [ "$REAL" = 0 ]; then
    echo "# the example against vsftpd explicit: not part of this run (FTPS_REAL_SERVERS=0)"
elif [ -n "${FTPS_TEST_VSFTPD_EXPLICIT_PORT:-}" ]; then
    want="${FTPS_TEST_VSFTPD_EXPLICIT_ROOT:-}/hello.txt"
    step "ftps_get downloads hello.txt from vsftpd explicit (shared)" bash -c "
        FTPS_PASSWORD='$FTPS_TEST_PASS' LD_LIBRARY_PATH='$P/lib' '$WORK/ftps_get' -p '$FTPS_TEST_VSFTPD_EXPLICIT_PORT' \
            -c '$FTPS_TEST_CA' -u '$FTPS_TEST_USER' '$FTPS_TEST_HOST' hello.txt '$WORK/hello.txt' 2>'$WORK/get.err' &&
        cmp '$WORK/hello.txt' '$want' && grep -q 'resumed the TLS session' '$WORK/get.err' || { cat '$WORK/get.err'; false; }"
    step "ftps_get (static) writes to stdout" bash -c "
        FTPS_PASSWORD='$FTPS_TEST_PASS' '$WORK/ftps_get_static' -p '$FTPS_TEST_VSFTPD_EXPLICIT_PORT' \
            -c '$FTPS_TEST_CA' -u '$FTPS_TEST_USER' '$FTPS_TEST_HOST' hello.txt 2>/dev/null | cmp - '$want'"
    step "ftps_get reports a wrong password with the server's reply" bash -c "
        ! FTPS_PASSWORD=wrong LD_LIBRARY_PATH='$P/lib' '$WORK/ftps_get' -p '$FTPS_TEST_VSFTPD_EXPLICIT_PORT' \
            -c '$FTPS_TEST_CA' -u '$FTPS_TEST_USER' '$FTPS_TEST_HOST' hello.txt '$WORK/x' 2>'$WORK/bad.err' &&
        grep -q 'login rejected' '$WORK/bad.err' && grep -q 'server said 530' '$WORK/bad.err' || { cat '$WORK/bad.err'; false; }"
elif [ "$CI" = true ] || [ "$REAL" = 1 ]; then
    not_ok "vsftpd explicit configured for the example"
else
    echo "# vsftpd explicit not configured: the example is not run"
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
