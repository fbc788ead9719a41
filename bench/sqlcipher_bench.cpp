// sqlcipher_bench: one measuring round of the SQLCipher engine, on a workload file written by
// vault_bench. A separate executable because libsqlcipher exports the same sqlite3_* symbols as
// libsqlite3, which vigie's store links. Prints "info", "rate" and "check" lines on stdout.

#include <array>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench/plain_sql_engine.hpp"
#include "bench/round.hpp"
#include "bench/workload.hpp"

namespace {

constexpr size_t kKeyBytes = 32;

// A random raw key, as 64 hex digits. The key is a benchmark throwaway.
std::string random_key_hex() {
  std::random_device device;
  std::string hex;
  for (size_t byte = 0; byte < kKeyBytes; ++byte) {
    hex += fmt::format("{:02x}", device() & 0xffu);
  }
  return hex;
}

int run(const std::filesystem::path& workload_path, const std::filesystem::path& db_path,
        bool keyed) {
  auto workload = vigie::bench::read_workload(workload_path);
  if (!workload) {
    fmt::print(stderr, "sqlcipher_bench: {}\n", workload.error().message);
    return 1;
  }
  vigie::bench::PlainSqlOptions options;
  options.path = db_path;
  if (keyed) {
    options.raw_key_hex = random_key_hex();
  }
  auto engine = vigie::bench::PlainSqlEngine::create(options);
  if (!engine) {
    fmt::print(stderr, "sqlcipher_bench: {}\n", engine.error().message);
    return 1;
  }
  auto settings = (*engine)->settings();
  if (!settings) {
    fmt::print(stderr, "sqlcipher_bench: {}\n", settings.error().message);
    return 1;
  }
  for (const auto& [name, value] : *settings) {
    fmt::print("info {} {}\n", name, value);
  }
  auto result = vigie::bench::run_round(**engine, *workload);
  if (!result) {
    fmt::print(stderr, "sqlcipher_bench: {}\n", result.error().message);
    return 1;
  }
  fmt::print("{}", vigie::bench::format_round(*result));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"One measuring round of SQLCipher on a vault_bench workload file"};
  std::filesystem::path workload_path;
  std::filesystem::path db_path;
  app.add_option("workload", workload_path, "workload file written by vault_bench")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("database", db_path, "database file to create")->required();
  bool no_key = false;
  app.add_flag("--no-key", no_key,
               "no PRAGMA key: plain SQLite as built into SQLCipher, to separate the cost of "
               "encryption from that of its older SQLite");
  CLI11_PARSE(app, argc, argv);
  return run(workload_path, db_path, !no_key);
}
