# Paperboy — the two-command quick start lives here: `make demo` and `make test`.
# Everything else is plain CMake + Ninja underneath; see docs/DEVELOPING.md.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc)
DEMO_DB    ?= $(BUILD)/demo.db
PORT       ?= 8080

# Tests that need a real sample from ../shared and find it absent are skipped, each adding a
# line here (tests/support/shared_data.h); `make test` lists them at the end.
export PAPERBOY_SKIP_LOG := $(abspath $(BUILD))/skipped-tests.txt

# Optimised, with line tables (-g1: backtraces and profiles name functions and lines) rather
# than full debug info, which makes a fresh build about 30% slower.
CMAKE_FLAGS = -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
              -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
ASAN_FLAGS  = -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPAPERBOY_SANITIZE=ON -DPAPERBOY_BUILD_BENCH=OFF \
              -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14

.PHONY: all build build-demo deps demo skip-log-reset test test-unit test-asan test-tsan test-fuzz lint format bench clean

all: build

deps:
	@bash scripts/install-deps.sh

# The full build (tests and benchmarks too). A build directory that `make demo` configured
# without them is reconfigured with them; the objects already built are kept.
build: deps
	@grep -qs '^PAPERBOY_BUILD_TESTS:BOOL=ON' $(BUILD)/CMakeCache.txt || \
	    cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DPAPERBOY_BUILD_TESTS=ON -DPAPERBOY_BUILD_BENCH=ON
	@cmake --build $(BUILD) -j $(JOBS)

# What the demo runs and nothing more: the paperboy binary.
build-demo:
	@bash scripts/install-deps.sh --demo
	@test -f $(BUILD)/build.ninja || \
	    cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DPAPERBOY_BUILD_TESTS=OFF -DPAPERBOY_BUILD_BENCH=OFF
	@cmake --build $(BUILD) -j $(JOBS) --target paperboy

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) $(ASAN_FLAGS)

# The demo: the seed page's day from this repository, the latest Hugging Face days and newest
# arXiv cs papers when the machine is online, the real samples of ../shared/data when they are
# there (scripts/demo-load.sh); then it serves the site until Ctrl-C (PORT=8080).
demo: build-demo
	@bash scripts/demo-load.sh $(BUILD)/paperboy $(DEMO_DB)
	@echo
	@echo "==> Paperboy demo: open http://127.0.0.1:$(PORT)/ in a browser (Ctrl-C stops it)"
	@bash scripts/demo-serve.sh $(BUILD)/paperboy $(DEMO_DB) $(PORT) $(BUILD)/demo-mail

test: skip-log-reset build test-asan test-tsan test-fuzz lint
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE lint
	@if [ -s $(PAPERBOY_SKIP_LOG) ]; then \
	    echo "make test: skipped, for want of ../shared (set PAPERBOY_SHARED_DIR for another layout):"; \
	    sort -u $(PAPERBOY_SKIP_LOG) | sed 's/^/  /'; \
	fi
	@echo "make test: all suites passed"

skip-log-reset:
	@mkdir -p $(BUILD) && rm -f $(PAPERBOY_SKIP_LOG)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# The unit and integration suites again under AddressSanitizer + UndefinedBehaviorSanitizer
# (clang-14): the integration tests then run the sanitized binary.
test-asan: deps $(ASAN_BUILD)/build.ninja
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS) -L 'unit|integration'

# The concurrency tests under ThreadSanitizer (clang-14): the index's (readers searching while a
# writer updates), the HTTP server's (web_test: connections, eviction, framing) and the log-in
# flood's (the password pool and the server's threads for requests that wait); only those
# targets are built there.
$(TSAN_BUILD)/build.ninja:
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DPAPERBOY_BUILD_BENCH=OFF -DCMAKE_CXX_FLAGS=-fsanitize=thread \
	    -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread

test-tsan: deps $(TSAN_BUILD)/build.ninja
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target index_concurrency_test web_test login_flood_test
	cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure \
	    -R '^(index_concurrency_test|web_test|login_flood_test)$$'

# The libFuzzer targets (clang-14, ASan + UBSan) for a bounded time each, in their own build dir;
# only the fuzz targets are built there.
$(FUZZ_BUILD)/build.ninja:
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DPAPERBOY_FUZZ=ON -DPAPERBOY_BUILD_BENCH=OFF

test-fuzz: deps $(FUZZ_BUILD)/build.ninja
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target query_parser_fuzz mail_headers_fuzz
	cd $(FUZZ_BUILD) && ctest --output-on-failure -L fuzz

lint: build
	cd $(BUILD) && ctest --output-on-failure -L lint

format:
	@git ls-files '*.cpp' '*.h' | xargs clang-format -i

bench: build
	@bash bench/run-ingest-bench.sh

# PostgreSQL against SQLite: ingest, votes and search API, pgbench (bench/README.md).
.PHONY: bench-pg
bench-pg: build
	@PAPERBOY_BUILD=$(BUILD) bash bench/run-pg-bench.sh

# The static (Model2Vec) embedder beside the same recipe in Python and numpy, on SciFact's
# abstracts in ../shared: abstracts/s on one thread and a checksum that must agree.
.PHONY: bench-embed
bench-embed: build
	@$(BUILD)/bench/embed_static_bench && /usr/bin/python3 bench/embed_static_ref.py

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
