# Makefile - the project's front door: `make run` and `make test` are the whole setup on a fresh machine.
# As root on a machine that lacks them, both install the Debian packages below first (apt-get update once).

BUILD      ?= build
SAN_BUILD  ?= build-sanitize
CMAKE_ARGS ?=
# Debian packages: compiler and build (gcc, cmake, make, pkg-config), JSON (libjansson-dev), tests (libcriterion-dev),
# the scaling-law fit's optimiser (libnlopt-dev), fuzzing and sanitizers (clang, libclang-rt-14-dev), valgrind.
PACKAGES   := gcc make cmake pkg-config libjansson-dev libcriterion-dev libnlopt-dev clang libclang-rt-14-dev valgrind

.PHONY: all build run test test-sanitize deps clean

all: build

deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages:$$missing (run as root, or: sudo apt-get install$$missing)" >&2; exit 1; \
	  fi; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_ARGS) >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j 2

run: build
	$(BUILD)/llmcost report

test: build
	cd $(BUILD) && ctest --output-on-failure -j 2

test-sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DLLMCOST_SANITIZE=ON -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build $(SAN_BUILD) -j 2
	cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j 2

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
