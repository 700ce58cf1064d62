# vpcdns: build, run, test. `make run` and `make test` do all set-up on a fresh Debian 12 machine.
SWIFT ?= swift
CONFIG ?= debug
BIN = $$($(SWIFT) build -c $(CONFIG) --show-bin-path)/vpcdns

.PHONY: deps build release run test unit-test integration-test fuzz bench clean

# Installs the system and Python packages the build and the tests need (only what is missing).
deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c $(CONFIG)

release: deps
	$(SWIFT) build -c release

# Serves the embedded default config on 127.0.0.1:5353 and [::1]:5353.
run: build
	$(BIN) serve

unit-test: deps
	$(SWIFT) test

integration-test: build
	VPCDNS_BIN=$(BIN) python3 -m pytest -q Tests/integration

test: unit-test integration-test

# Runs the DNSWire decoder fuzzer for FUZZ_SECONDS (default 600).
fuzz: deps
	scripts/fuzz.sh $(or $(FUZZ_SECONDS),600)

bench: deps
	$(MAKE) release
	bench/run.sh

clean:
	rm -rf .build
