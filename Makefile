# vpcdns: build, run, test, install, package. `make run` and `make test` do all set-up on a fresh
# Debian 12 machine.
SWIFT ?= swift
CONFIG ?= debug
BIN = $$($(SWIFT) build -c $(CONFIG) --show-bin-path)/vpcdns

# `make install`: PREFIX for the binary and the units; the config always goes to /etc/vpcdns,
# the folder the unit's ConfigurationDirectory=vpcdns names.
PREFIX ?= /usr
DESTDIR ?=
BINDIR = $(PREFIX)/bin
UNITDIR ?= $(PREFIX)/lib/systemd/system
CONFDIR = /etc/vpcdns

VERSION := $(shell sed -n 's/.*current = "\(.*\)".*/\1/p' Sources/Daemon/Version.swift)
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB = dist/vpcdns_$(VERSION)_$(DEB_ARCH).deb

# The release binary needs neither the Swift toolchain nor its runtime on the host: the Swift
# standard library and Foundation (from Yams) are linked statically, and so are libstdc++ and
# libgcc, which the Swift runtime needs (the toolchain's link list names `-lstdc++`; a folder
# holding only libstdc++.a, searched first, makes that static). What is left is glibc and c-ares.
STATIC_CXX_DIR = $(CURDIR)/.build/static-libstdcxx
RELEASE_FLAGS = -c release --static-swift-stdlib \
	-Xswiftc -L -Xswiftc $(STATIC_CXX_DIR) -Xswiftc -Xclang-linker -Xswiftc -static-libgcc
RELEASE_BIN = $$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/vpcdns

.PHONY: deps test-deps build release release-static run test unit-test integration-test fuzz bench soak clean \
	install uninstall deb

# Installs the system and Python packages the build and the tests need (only what is missing).
deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh test

build: deps
	$(SWIFT) build -c $(CONFIG)

release: release-static

release-static: deps
	@mkdir -p $(STATIC_CXX_DIR)
	@ln -sf "$$(clang -print-file-name=libstdc++.a 2>/dev/null || gcc -print-file-name=libstdc++.a)" \
		$(STATIC_CXX_DIR)/libstdc++.a
	@test -f $(STATIC_CXX_DIR)/libstdc++.a || { echo "libstdc++.a not found (apt-get install libstdc++-12-dev)"; exit 1; }
	$(SWIFT) build $(RELEASE_FLAGS)
	@scripts/packaging/check-static.sh $(RELEASE_BIN)

# Serves the embedded default config on 127.0.0.1:5353 and [::1]:5353.
run: build
	$(BIN) serve

unit-test: test-deps
	$(SWIFT) test

# The integration tests run the debug build, and the .deb inside a systemd test host.
integration-test: test-deps build deb
	VPCDNS_BIN=$(BIN) VPCDNS_DEB=$(CURDIR)/$(DEB) python3 -m pytest -q Tests/integration

test: unit-test integration-test

# Binary, units and config under DESTDIR. An existing config is kept (the new one is written
# beside it as vpcdns.yaml.dist). The units name $(BINDIR)/vpcdns.
install: release-static
	scripts/packaging/install.sh "$(RELEASE_BIN)" "$(DESTDIR)" "$(BINDIR)" "$(UNITDIR)" "$(CONFDIR)"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/vpcdns" "$(DESTDIR)$(UNITDIR)/vpcdns.service" "$(DESTDIR)$(UNITDIR)/vpcdns.socket"
	@echo "kept $(DESTDIR)$(CONFDIR) (remove it by hand if you no longer want the config)"

# dist/vpcdns_VERSION_ARCH.deb, built with dpkg-deb (see packaging/debian/).
deb: test-deps release-static
	scripts/packaging/build-deb.sh "$(RELEASE_BIN)" "$(VERSION)" "$(DEB_ARCH)" "$(DEB)"

# Runs each libFuzzer target (DNSWire decoder, zone-file parser, config loader) for FUZZ_SECONDS
# (default 600); FUZZ_TARGETS="zone config" for some of them. The integration suite runs each for 30 s.
fuzz: test-deps
	scripts/fuzz.sh $(or $(FUZZ_SECONDS),600) $(FUZZ_TARGETS)

# vpcdns next to unbound under dnsperf, on loopback only (bench/README.md). BENCH_ARGS=--quick
# for a short run.
bench: test-deps release-static
	python3 bench/run.py --bin $(RELEASE_BIN) $(BENCH_ARGS)

# 10 minutes of mixed load (local, cached, unique misses, NXDOMAIN, TCP) with RSS, descriptors and
# threads sampled; not in CI. SOAK_ARGS to pass options (bench/soak.py -h).
soak: test-deps release-static
	nice python3 bench/soak.py --bin $(RELEASE_BIN) $(SOAK_ARGS)

clean:
	rm -rf .build dist
