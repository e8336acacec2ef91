# mk/build.mk: checks of how the project gets built (tests/build/).
#
# Included by the root Makefile (part of `make test`), or used alone:
#   make -f mk/build.mk test-build
#
#   test-build  tests/build/no-jitter.sh: no build path loses AWS_LC_SYS_NO_JITTER_ENTROPY=1
#               (aws-lc's CPU-jitter entropy source, ~45 ms of CPU per process here): libftps.a
#               and .so, `make install`, the bench clients, the fuzz targets, and the Python
#               module as run-tests.sh, `pip install ./bindings/python` and pip from the sdist
#               build it. Reuses the builds of ffi-test, test-python and fuzz-smoke; the two
#               pip builds add ~1-3 min. With CI=true nothing is skipped.

BUILD_CHECK_REPO := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

.PHONY: test-build

test-build:
	'$(BUILD_CHECK_REPO)/tests/build/no-jitter.sh'
