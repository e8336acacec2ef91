# Fuzzing of ftps-core's parsers (issue #3): the cargo-fuzz project in fuzz/.
#
# Included from the root Makefile, or used alone from anywhere:
#   make -f mk/fuzz.mk fuzz-tools fuzz-smoke FUZZ_SECONDS=20
#
#   fuzz-tools  installs cargo-fuzz unless `cargo fuzz --version` already works.
#   fuzz-build  builds every target (stable toolchain, RUSTC_BOOTSTRAP=1 for -Z flags).
#   fuzz-smoke  runs every target for FUZZ_SECONDS from a scratch copy of the committed
#               seeds (fuzz/corpus/<target>/ never grows) and fails on any crash; the
#               crashing input is left in fuzz/artifacts/<target>/ and shown in hex.
#
# One target by hand, with a growing corpus of its own:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run list_line     (from the repo root)
# Reproduce a crash:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run list_line fuzz/artifacts/list_line/crash-...

FUZZ_REPO := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
CARGO ?= cargo
# Seconds per target of fuzz-smoke (part of `make test`): the one default, for the root
# Makefile too (`make test FUZZ_SECONDS=60` overrides it).
FUZZ_SECONDS ?= 20
FUZZ_TARGETS ?= reply_reader pasv_epsv pwd_257 numbers_213 mlsd_line list_line line_splitter command_encode
# Passed to both `cargo fuzz build` and `cargo fuzz run`, so that run never rebuilds.
# No sanitizer by default: ftps-core is `#![forbid(unsafe_code)]`, so AddressSanitizer
# finds nothing more there, while it costs 3-4x the executions per second and ~40%
# more build time. Panics, failed assertions, overflow checks (debug assertions are
# on), hangs and runaway memory are still caught. FUZZ_BUILD_FLAGS= brings ASan back.
FUZZ_BUILD_FLAGS ?= --sanitizer none
# libFuzzer flags for the smoke run: inputs up to 4 KiB, 10 s per input counts as a hang.
FUZZ_LIBFUZZER_FLAGS ?= -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1

.PHONY: fuzz-tools fuzz-build fuzz-smoke

fuzz-tools:
	@if $(CARGO) fuzz --version >/dev/null 2>&1; then \
	  echo "fuzz-tools: $$($(CARGO) fuzz --version) already installed"; \
	else \
	  echo "fuzz-tools: installing cargo-fuzz"; \
	  $(CARGO) install cargo-fuzz --locked; \
	fi

fuzz-build: fuzz-tools
	cd '$(FUZZ_REPO)' && RUSTC_BOOTSTRAP=1 $(CARGO) fuzz build $(FUZZ_BUILD_FLAGS)

fuzz-smoke: fuzz-build
	@set -u; cd '$(FUZZ_REPO)'; \
	scratch=$$(mktemp -d "$${TMPDIR:-/tmp}/ftps-fuzz.XXXXXX"); \
	trap 'rm -rf "$$scratch"' EXIT; \
	failed=""; summary=""; \
	for t in $(FUZZ_TARGETS); do \
	  test -d "fuzz/corpus/$$t" || { echo "fuzz-smoke: no seeds in fuzz/corpus/$$t"; exit 1; }; \
	  mkdir -p "$$scratch/$$t" "fuzz/artifacts/$$t"; \
	  cp fuzz/corpus/$$t/* "$$scratch/$$t/"; \
	  echo "fuzz-smoke: $$t for $(FUZZ_SECONDS) s"; \
	  start=$$(date +%s); \
	  RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run $(FUZZ_BUILD_FLAGS) "$$t" "$$scratch/$$t" -- \
	    -max_total_time=$(FUZZ_SECONDS) $(FUZZ_LIBFUZZER_FLAGS) >"$$scratch/$$t.log" 2>&1; \
	  rc=$$?; \
	  secs=$$(( $$(date +%s) - start )); \
	  execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' "$$scratch/$$t.log" | tail -n 1); \
	  cov=$$(sed -n 's/^#[0-9][0-9]*[[:space:]].*cov: \([0-9]*\).*/\1/p' "$$scratch/$$t.log" | tail -n 1); \
	  if [ "$$rc" -eq 0 ]; then \
	    summary="$$summary$$(printf '  %-15s ok     %8s execs  cov %5s  %3ss' "$$t" "$${execs:-?}" "$${cov:-?}" "$$secs")\n"; \
	  else \
	    failed="$$failed $$t"; \
	    summary="$$summary$$(printf '  %-15s FAILED (exit %s) after %ss' "$$t" "$$rc" "$$secs")\n"; \
	    echo "fuzz-smoke: $$t FAILED:"; \
	    grep -m 1 -A 6 -E 'panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer' "$$scratch/$$t.log"; \
	    echo "fuzz-smoke: the end of its log:"; \
	    tail -n 30 "$$scratch/$$t.log"; \
	    for a in $$(sed -n 's/.*Test unit written to \(.*\)$$/\1/p' "$$scratch/$$t.log"); do \
	      echo "fuzz-smoke: crashing input $$a:"; od -A d -c "$$a" | head -n 40; \
	    done; \
	  fi; \
	done; \
	printf "fuzz-smoke summary:\n$$summary"; \
	if [ -n "$$failed" ]; then echo "fuzz-smoke: crashes in:$$failed"; exit 1; fi
