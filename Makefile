# The README's two commands: `make run` and `make test`. Each installs what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := run

DEMO_VAULT ?= demo-vault
DEMO_PASSPHRASE ?= demo-vault.passphrase
DEMO_PATIENTS ?= 200
VIGIE := build/release/vigie

.PHONY: deps run test build-release build-dev test-dev test-hardening test-asan test-tsan test-fuzz fuzz-long \
  format-check tidy bench clean

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

# The whole suite: formatting, the warnings-as-errors build and every test, the release binary's
# hardening, the unit tests under ASan+UBSan, and a short run of every fuzzer on its corpus.
test: format-check test-dev test-hardening test-asan test-fuzz
	@echo "make test: all suites passed"

format-check: deps
	@bash scripts/format-check

test-dev: build-dev
	@ctest --preset dev -j2

# Full RELRO, PIE, stack canary and fortified calls in the release binary, read with readelf.
test-hardening: build-release
	@bash scripts/check-hardening $(VIGIE)

test-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan
	@ctest --preset asan -j2

# The concurrency test (16 threads on one vault) under ThreadSanitizer; the test preset points
# TSan at /usr/bin/llvm-symbolizer, which it does not find alone, so that reports name functions.
test-tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan
	@ctest --preset tsan

test-fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz
	@bash scripts/run-fuzzers build/fuzz/fuzz 10

# Every fuzzer for FUZZ_SECONDS each, 120 by default (14 minutes for the 7 targets): long
# enough to find inputs that the 10 s of `make test` miss. Not part of `make test`.
FUZZ_SECONDS ?= 120
fuzz-long: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz
	@bash scripts/run-fuzzers build/fuzz/fuzz $(FUZZ_SECONDS)

# clang-tidy with the repo's .clang-tidy over src/ (about 4 minutes on 2 cores; not part of
# `make test`, which must stay under 20 minutes on the CI machine).
tidy: build-dev
	@run-clang-tidy-16 -p build/dev -j 2 -quiet -extra-arg=-std=c++2b "$$PWD/src/" > build/tidy.log 2>&1 || \
	  { grep -E "(warning|error):" build/tidy.log | sort -u; exit 1; }
	@echo "tidy: no finding"

bench: build-release
	@cmake --build --preset release --target vault_bench sqlcipher_bench audit_bench access_bench \
		import_read_bench erase_bench
	@build/release/bench/vault_bench
	@build/release/bench/audit_bench
	@build/release/bench/access_bench
	@build/release/bench/import_read_bench
	@build/release/bench/erase_bench

clean:
	rm -rf build
