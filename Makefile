# The README's two commands: `make run` and `make test`. Each installs what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := run

DEMO_VAULT ?= demo-vault
DEMO_PASSPHRASE ?= demo-vault.passphrase
DEMO_PATIENTS ?= 200
VIGIE := build/release/vigie

.PHONY: deps run test test-suites build-release build-dev build-asan test-dev test-hardening \
  test-asan test-tsan test-fuzz fuzz-long format-check tidy bench clean

deps:
	@bash scripts/install-deps

build-release: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release --target vigie

build-dev: deps
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev

# Builds vigie, creates ./demo-vault with synthetic French patients if absent, and searches it.
run: build-release
	@bash scripts/demo $(VIGIE) $(DEMO_VAULT) $(DEMO_PASSPHRASE) $(DEMO_PATIENTS)

# The whole suite: formatting, the warnings-as-errors build and every test, the hardening of its
# binary, the unit tests under ASan+UBSan, a short run of every fuzzer (built in the same clang
# tree), the concurrency test under ThreadSanitizer. Prints its own duration.
test:
	@bash scripts/timed "make test" $(MAKE) --no-print-directory test-suites

test-suites: format-check test-dev test-hardening test-asan test-fuzz test-tsan

format-check: deps
	@bash scripts/format-check

test-dev: build-dev
	@ctest --preset dev -j2

# Full RELRO, PIE, stack canary and fortified calls, read with readelf. The dev binary is built
# with the same hardening flags as the release one (top-level CMakeLists.txt), optimised too.
test-hardening: build-dev
	@bash scripts/check-hardening build/dev/vigie

# One clang tree serves the ASan+UBSan unit tests and the libFuzzer targets.
build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan

test-asan: build-asan
	@ctest --preset asan -j2

test-fuzz: build-asan
	@bash scripts/run-fuzzers build/asan/fuzz 10

# The concurrency test (16 threads on one vault) under ThreadSanitizer; the test preset points
# TSan at /usr/bin/llvm-symbolizer, which it does not find alone, so that reports name functions.
test-tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan
	@ctest --preset tsan

# Every fuzzer for FUZZ_SECONDS each, 120 by default (7 minutes for the 7 targets, two at a
# time): long enough to find inputs that the 10 s of `make test` miss. Not part of `make test`.
FUZZ_SECONDS ?= 120
fuzz-long: build-asan
	@bash scripts/run-fuzzers build/asan/fuzz $(FUZZ_SECONDS)

# clang-tidy with the repo's .clang-tidy over src/ (about 4 minutes on 2 cores; not part of
# `make test`, which must stay under 15 minutes on the CI machine).
tidy: build-dev
	@run-clang-tidy-16 -p build/dev -j 2 -quiet -extra-arg=-std=c++2b "$$PWD/src/" > build/tidy.log 2>&1 || \
	  { grep -E "(warning|error):" build/tidy.log | sort -u; exit 1; }
	@echo "tidy: no finding"

# The benchmarks are built in the release tree only (the dev preset leaves them out).
bench: build-release
	@cmake --build --preset release --target vault_bench sqlcipher_bench audit_bench access_bench \
		import_read_bench erase_bench write_bench
	@build/release/bench/vault_bench
	@build/release/bench/audit_bench
	@build/release/bench/access_bench
	@build/release/bench/import_read_bench
	@build/release/bench/erase_bench
	@build/release/bench/write_bench
	@bench/http_bench build/release/vigie

clean:
	rm -rf build
