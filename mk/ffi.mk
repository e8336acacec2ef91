# mk/ffi.mk: build, test and install libftps, the C library (ftps-ffi).
#
# Included by the root Makefile, or used alone:
#   make -f mk/ffi.mk ffi-build                     # target/release/libftps.{so,a}
#   make -f mk/ffi.mk install PREFIX=/usr DESTDIR=/tmp/pkg
#   make -f mk/ffi.mk ffi-test                      # tests/c/run.sh
#   make -f mk/ffi.mk ffi-header                    # regenerate include/ftps.h
#
# Installs (with LIBDIR = $(PREFIX)/lib unless given, e.g. LIBDIR=/usr/lib/x86_64-linux-gnu):
#   $(LIBDIR)/libftps.so.$(FTPS_VERSION)  the shared library, soname libftps.so.$(FTPS_ABI)
#   $(LIBDIR)/libftps.so.$(FTPS_ABI) -> libftps.so.$(FTPS_VERSION)
#   $(LIBDIR)/libftps.so -> libftps.so.$(FTPS_ABI)   (for -lftps at build time)
#   $(LIBDIR)/libftps.a                    the static library
#   $(INCLUDEDIR)/ftps.h
#   $(PKGCONFIGDIR)/ftps.pc

FTPS_FFI_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

CARGO ?= cargo
CARGO_TARGET_DIR ?= target
# Relative target directories are relative to the repository root, as for cargo run there.
FTPS_FFI_TARGET := $(abspath $(if $(filter /%,$(CARGO_TARGET_DIR)),$(CARGO_TARGET_DIR),$(FTPS_FFI_ROOT)/$(CARGO_TARGET_DIR)))
FTPS_FFI_OUT := $(FTPS_FFI_TARGET)/release

# The library version comes from the workspace Cargo.toml, the ABI number (soname)
# from ftps-ffi/build.rs: one source of truth each.
FTPS_VERSION := $(shell sed -n 's/^version *= *"\([^"]*\)".*/\1/p' $(FTPS_FFI_ROOT)/Cargo.toml | head -n1)
FTPS_ABI := $(shell sed -n 's/^const ABI_MAJOR: u32 = \([0-9][0-9]*\);.*/\1/p' $(FTPS_FFI_ROOT)/ftps-ffi/build.rs)

PREFIX ?= /usr/local
DESTDIR ?=
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INSTALL ?= install

# What a static link of libftps.a needs besides it (rustc --print native-static-libs).
FTPS_LIBS_PRIVATE ?= -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

.PHONY: ffi-build ffi-header ffi-test ffi-install ffi-uninstall install uninstall

## ffi-build: the release shared and static libraries.
ffi-build:
	cd $(FTPS_FFI_ROOT) && CARGO_TARGET_DIR=$(FTPS_FFI_TARGET) $(CARGO) build --release -p ftps-ffi

## ffi-header: regenerate include/ftps.h with cbindgen (then commit it).
ffi-header:
	cd $(FTPS_FFI_ROOT) && CARGO_TARGET_DIR=$(FTPS_FFI_TARGET) FTPS_UPDATE_HEADER=1 \
		$(CARGO) test -p ftps-ffi --test header -- header_matches_the_sources

## ffi-test: the C suite (ASan+UBSan, valgrind, install, pkg-config example, header as C99/C++).
ffi-test:
	cd $(FTPS_FFI_ROOT) && CARGO_TARGET_DIR=$(FTPS_FFI_TARGET) tests/c/run.sh

## ffi-install: install lib, header and ftps.pc under $(DESTDIR)$(PREFIX).
ffi-install: ffi-build
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 0755 $(FTPS_FFI_OUT)/libftps.so $(DESTDIR)$(LIBDIR)/libftps.so.$(FTPS_VERSION)
	ln -sfn libftps.so.$(FTPS_VERSION) $(DESTDIR)$(LIBDIR)/libftps.so.$(FTPS_ABI)
	ln -sfn libftps.so.$(FTPS_ABI) $(DESTDIR)$(LIBDIR)/libftps.so
	$(INSTALL) -m 0644 $(FTPS_FFI_OUT)/libftps.a $(DESTDIR)$(LIBDIR)/libftps.a
	$(INSTALL) -m 0644 $(FTPS_FFI_ROOT)/include/ftps.h $(DESTDIR)$(INCLUDEDIR)/ftps.h
	printf '%s\n' \
		'prefix=$(PREFIX)' \
		'exec_prefix=$${prefix}' \
		'libdir=$(patsubst $(PREFIX)/%,$${exec_prefix}/%,$(LIBDIR))' \
		'includedir=$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))' \
		'' \
		'Name: ftps' \
		'Description: FTPS (FTP over TLS) client library' \
		'Version: $(FTPS_VERSION)' \
		'Libs: -L$${libdir} -lftps' \
		'Libs.private: $(FTPS_LIBS_PRIVATE)' \
		'Cflags: -I$${includedir}' \
		> $(DESTDIR)$(PKGCONFIGDIR)/ftps.pc
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/ftps.pc

## ffi-uninstall: remove what ffi-install installed.
ffi-uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libftps.so.$(FTPS_VERSION) $(DESTDIR)$(LIBDIR)/libftps.so.$(FTPS_ABI) \
		$(DESTDIR)$(LIBDIR)/libftps.so $(DESTDIR)$(LIBDIR)/libftps.a \
		$(DESTDIR)$(INCLUDEDIR)/ftps.h $(DESTDIR)$(PKGCONFIGDIR)/ftps.pc

install: ffi-install
uninstall: ffi-uninstall
