# FerrisStreams developer commands. `make demo` and `make test` work on a fresh machine:
# they install what is missing, configure, build, and run.
SHELL := /bin/bash
JOBS ?= 2
DEBUG_DIR := build/debug
RELEASE_DIR := build/release

.PHONY: all deps build build-release demo demo-kafka test check-extra bench format docs clean

all: build

deps:
	@./scripts/install-deps.sh

$(DEBUG_DIR)/build.ninja: | deps
	cmake --preset debug

$(RELEASE_DIR)/build.ninja: | deps
	cmake --preset release

build: deps $(DEBUG_DIR)/build.ninja
	cmake --build $(DEBUG_DIR) -j $(JOBS)

build-release: deps $(RELEASE_DIR)/build.ninja
	cmake --build $(RELEASE_DIR) -j $(JOBS)

demo: build-release
	./scripts/demo.sh $(RELEASE_DIR)

demo-kafka: build-release
	./scripts/demo-kafka.sh $(RELEASE_DIR)

test: build
	./scripts/run-tests.sh $(DEBUG_DIR)

check-extra:
	FERRIS_EXTRA_DEPS=1 ./scripts/install-deps.sh
	./scripts/check-extra.sh

bench: build-release
	./scripts/bench.sh $(RELEASE_DIR)

docs: build
	$(DEBUG_DIR)/tests/ferris-docgen --write docs

format:
	@command -v clang-format-14 >/dev/null || FERRIS_EXTRA_DEPS=1 ./scripts/install-deps.sh
	git ls-files '*.cpp' '*.h' | xargs clang-format-14 -i

clean:
	rm -rf build
