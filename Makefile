# vpcdns: build, run, test. `make run` and `make test` do all set-up on a fresh Debian 12 machine.
SWIFT ?= swift
CONFIG ?= debug

.PHONY: deps build run test unit-test integration-test bench clean

# Installs the system and Python packages the build and the tests need (idempotent).
deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c $(CONFIG)

run: build
	$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/vpcdns serve

unit-test: deps
	$(SWIFT) test

integration-test: build
	VPCDNS_BIN=$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/vpcdns python3 -m pytest -q Tests/integration

test: unit-test integration-test

# vpcdns next to unbound under dnsperf, on loopback only (bench/README.md). BENCH_ARGS=--quick for a short run.
bench: deps
	$(SWIFT) build -c release
	python3 bench/run.py --bin $$($(SWIFT) build -c release --show-bin-path)/vpcdns $(BENCH_ARGS)

clean:
	rm -rf .build
