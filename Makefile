# Makefile - the project's front door: `make run` and `make test` are the whole setup on a fresh machine.
# As root on a machine that lacks them, both install the Debian packages below first (apt-get update once).

BUILD      ?= build
SAN_BUILD  ?= build-sanitize
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
# Seconds each fuzz target runs in `make fuzz` (CI uses the default).
FUZZ_SECONDS ?= 60
CMAKE_ARGS ?=
# Debian packages: compiler and build (gcc, cmake, make, pkg-config), JSON (libjansson-dev), tests (libcriterion-dev),
# the scaling-law fit's optimiser (libnlopt-dev), fuzzing and sanitizers (clang, libclang-rt-14-dev), valgrind.
PACKAGES   := gcc make cmake pkg-config libjansson-dev libcriterion-dev libnlopt-dev clang libclang-rt-14-dev valgrind

# make install: the CLI, libllmcost and its headers under PREFIX (DESTDIR=/tmp/stage stages them elsewhere).
PREFIX     ?= /usr/local

.PHONY: all build run test test-sanitize test-tsan valgrind fuzz deps clean install python web test-web web-deps \
        test-web-if-tools

# The web calculator (README "Web calculator", web/): the library compiled to WebAssembly by Debian's emscripten,
# jansson and NLopt compiled likewise from Debian's source packages (web/deps.sh) once per user into WEB_DEPS,
# the page's JavaScript from npm (web/package-lock.json), tested in Debian's chromium.
WEB_PACKAGES := emscripten chromium nodejs
WEB_DEPS ?= $(HOME)/.cache/llmcost-web/jansson-2.14-nlopt-2.7.1-emcc-3.1.6

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
	@$(MAKE) --no-print-directory test-web-if-tools

# make test runs the web tests when Emscripten and Chromium are installed, and says so plainly when they are not.
test-web-if-tools:
	@missing=""; for t in emcc chromium node npm; do command -v $$t >/dev/null || missing="$$missing $$t"; done; \
	if [ -n "$$missing" ]; then \
	  echo "web calculator tests SKIPPED: not installed:$$missing (make web-deps, or apt-get install $(WEB_PACKAGES) npm)"; \
	else $(MAKE) --no-print-directory test-web; fi

# As root, installs Debian's emscripten, chromium and node (npm too when node is Debian's own).
web-deps:
	@missing=""; for p in $(WEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      -o DPkg::Lock::Timeout=600 $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages:$$missing (run as root, or: sudo apt-get install$$missing)" >&2; exit 1; \
	  fi; \
	fi

# build/web/index.html: one static file (module, wasm, data, scripts and style inside) that works from file://.
web: build
	@for t in emcc node npm; do command -v $$t >/dev/null || { echo "make web needs $$t: make web-deps" >&2; exit 1; }; done
	web/deps.sh $(WEB_DEPS)
	$(MAKE) --no-print-directory -f web/wasm.mk BUILD=$(BUILD) DEPS=$(WEB_DEPS) -j 2
	@[ web/node_modules/.package-lock.json -nt web/package-lock.json ] || \
	  (cd web && npm ci --no-audit --no-fund --loglevel=error)
	node web/build.mjs $(BUILD)/web

# The page end to end in headless Chromium against the CLI (web/test/e2e.mjs): screenshots in $(BUILD)/web/screenshots.
test-web: web
	node web/test/e2e.mjs $(BUILD)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# The Python package with its own copy of the library, for `pip install ./python` (offline; python/README.md).
python: build
	cp -L $(BUILD)/libllmcost.so python/llmcost/libllmcost.so
	@echo "python/llmcost/libllmcost.so copied: pip install ./python"

# The whole suite built with clang under AddressSanitizer + UndefinedBehaviorSanitizer (any UB aborts), leak
# detection on; the CLI runs the tests start are sanitized too, so every bad-input case is checked for leaks.
test-sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DLLMCOST_SANITIZE=ON -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build $(SAN_BUILD) -j 2
	cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j 2

# The library's thread-safety under ThreadSanitizer (clang): the cold-start thread test (a plain program, as Criterion
# cannot run under TSan) built with -fsanitize=thread; any report fails the run (halt_on_error): zero reports passes.
TSAN_TESTS ?= threads_plain
test-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DLLMCOST_TSAN=ON -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build $(TSAN_BUILD) -j 2 --target threads_plain
	cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:exitcode=66 \
	  ctest --output-on-failure -j 2 -R '^($(TSAN_TESTS))$$'

# The CLI under valgrind memcheck on every command line of tests/valgrind/commands.txt: no leak, no memory error.
valgrind: build
	tests/valgrind/run.sh $(BUILD)/llmcost

# libFuzzer targets (clang, ASan + UBSan), each run for FUZZ_SECONDS from its seed corpus. New inputs go to
# $(FUZZ_BUILD)/found/, crashes to $(FUZZ_BUILD)/artifacts/ (copy a crash into fuzz/corpus/NAME/ once fixed).
FUZZ_DIR = $(abspath $(FUZZ_BUILD))
# -timeout=30: a `scaling fit` seed takes about 1 s of CPU, several under ASan, more in wall time on a loaded machine.
FUZZ_RUN = -max_total_time=$(FUZZ_SECONDS) -timeout=30 -rss_limit_mb=2048 -print_final_stats=1
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DLLMCOST_FUZZ=ON -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build $(FUZZ_BUILD) -j 2 --target fuzz_config fuzz_cli
	@mkdir -p $(FUZZ_DIR)/found/config $(FUZZ_DIR)/found/cli $(FUZZ_DIR)/artifacts
	@echo "fuzz_config: $(FUZZ_SECONDS) s"
	@$(FUZZ_DIR)/fuzz/fuzz_config $(FUZZ_DIR)/found/config $(CURDIR)/fuzz/corpus/config $(CURDIR)/data/models \
	  $(CURDIR)/tests/bad_inputs -dict=$(CURDIR)/fuzz/config.dict -max_len=16384 $(FUZZ_RUN) \
	  -artifact_prefix=$(FUZZ_DIR)/artifacts/config- >$(FUZZ_DIR)/fuzz_config.log 2>&1 \
	  || { tail -60 $(FUZZ_DIR)/fuzz_config.log; exit 1; }
	@grep -E "^(Done|stat::number_of_executed_units)" $(FUZZ_DIR)/fuzz_config.log || true
	@echo "fuzz_cli: $(FUZZ_SECONDS) s"
	@$(FUZZ_DIR)/fuzz/fuzz_cli $(FUZZ_DIR)/found/cli $(CURDIR)/fuzz/corpus/cli -dict=$(CURDIR)/fuzz/cli.dict \
	  -max_len=8192 $(FUZZ_RUN) -artifact_prefix=$(FUZZ_DIR)/artifacts/cli- >$(FUZZ_DIR)/fuzz_cli.log 2>&1 \
	  || { tail -60 $(FUZZ_DIR)/fuzz_cli.log; exit 1; }
	@grep -E "^(Done|stat::number_of_executed_units)" $(FUZZ_DIR)/fuzz_cli.log || true

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD) python/llmcost/libllmcost.so
