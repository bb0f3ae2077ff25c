# Paperboy — the two-command quick start lives here: `make demo` and `make test`.
# Everything else is plain CMake + Ninja underneath; see docs/DEVELOPING.md.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc)
DEMO_DB    ?= $(BUILD)/demo.db
PORT       ?= 8080

CMAKE_FLAGS = -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
ASAN_FLAGS  = -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPAPERBOY_SANITIZE=ON -DPAPERBOY_BUILD_BENCH=OFF \
              -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14

.PHONY: all build deps demo test test-unit test-asan test-tsan test-fuzz lint format bench clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	@cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) $(ASAN_FLAGS)

# The demo corpus: real arXiv records (snapshot, OAI-PMH, API), a Hugging Face day, and the 66
# papers of the seed page as the daily list of 2025-11-03.
DEMO_FILES = data/demo/arxiv-snapshot-sample.jsonl \
             data/demo/oai-arxivraw-2016-10-20.xml \
             data/demo/oai-arxiv-hep-th.xml data/demo/oai-arxiv-hep-ex.xml \
             data/demo/oai-dc-2014-12-24.xml \
             data/demo/atom-testing.xml \
             data/demo/hf-daily-2024-10-25.json \
             data/demo/seed-page-2025-11-03.json

# Loads the corpus, shows a little of it, then serves the site until Ctrl-C (PORT=8080).
demo: build
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_DB).index
	$(BUILD)/paperboy ingest --db $(DEMO_DB) $(DEMO_FILES)
	$(BUILD)/paperboy stats --db $(DEMO_DB)
	@echo
	$(BUILD)/paperboy daily --db $(DEMO_DB) --date 2025-11-03 --limit 5
	@echo
	$(BUILD)/paperboy search --db $(DEMO_DB) "fine-tuning LLMs for sequence labeling" --limit 5
	@echo
	@echo "==> Paperboy demo: open http://127.0.0.1:$(PORT)/ in a browser (Ctrl-C stops it)"
	@bash scripts/demo-serve.sh $(BUILD)/paperboy $(DEMO_DB) $(PORT) $(BUILD)/demo-mail

test: build test-asan test-tsan test-fuzz lint
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE lint
	@echo "make test: all suites passed"

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# The unit and integration suites again under AddressSanitizer + UndefinedBehaviorSanitizer
# (clang-14): the integration tests then run the sanitized binary.
test-asan: deps $(ASAN_BUILD)/build.ninja
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS) -L 'unit|integration'

# The index's concurrency test (readers searching while a writer updates) under
# ThreadSanitizer (clang-14); only that target is built there.
$(TSAN_BUILD)/build.ninja:
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DPAPERBOY_BUILD_BENCH=OFF -DCMAKE_CXX_FLAGS=-fsanitize=thread \
	    -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread

test-tsan: deps $(TSAN_BUILD)/build.ninja
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target index_concurrency_test
	cd $(TSAN_BUILD) && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -R '^index_concurrency_test$$'

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

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
