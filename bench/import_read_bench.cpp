// import_read_bench (issue 12): an import of many resources into a vault while reader threads
// read it through the gate, each with a gate of its own (Gate::open_sibling) and an audited read.
// Each round imports the same transactions into two fresh vaults that already hold the same stored
// resources: once alone (the baseline) and once while the readers read the stored resources (the
// peer), in alternating order. Prints the readers' errors (there must be none), their latency
// (p50, p99, max) and the import throughput with readers / alone, by wall time and by the importing
// thread's own CPU time. See bench/RESULTS.md.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>

#include "bench/gate_bench_support.hpp"
#include "crypto/secret_bytes.hpp"
#include "gate/gate.hpp"

namespace {

namespace json = boost::json;

using vigie::bench::load_average;
using vigie::bench::median;
using vigie::bench::ResourceRef;
using vigie::bench::seconds_since;

using vigie::Error;
using vigie::ErrorCode;
using vigie::Result;
using vigie::gate::Custodian;
using vigie::gate::Gate;

constexpr uint64_t kStoredSeed = 20261101;
constexpr uint64_t kImportedSeed = 20261102;  // other patients than the stored ones
constexpr double kP99TargetMs = 50.0;

struct Settings {
  size_t resources = 50'000;  // imported during each measure
  size_t stored = 10'000;     // in the vault before the import; what the readers read
  size_t readers = 8;
  size_t per_transaction = 1'000;
  size_t rounds = 3;
};

// What the readers did during one import.
struct ReadSample {
  uint64_t reads = 0;
  uint64_t errors = 0;
  std::string first_error;
  std::vector<double> latencies_ms;  // sorted

  [[nodiscard]] double percentile(double fraction) const {
    if (latencies_ms.empty()) {
      return 0;
    }
    return latencies_ms[static_cast<size_t>(fraction *
                                            static_cast<double>(latencies_ms.size() - 1))];
  }
};

// A fresh vault holding the stored resources, and its custodian.
struct Fixture {
  std::unique_ptr<Gate> gate;
  std::optional<Custodian> custodian;
  std::vector<ResourceRef> stored;
};

Result<Fixture> make_fixture(const std::filesystem::path& dir, const json::object& stored) {
  const auto key = vigie::crypto::SecretBytes::random(32);
  auto unlocked = Gate::initialize(dir, vigie::bench::key_file_secret(key), {}, {},
                                   vigie::gate::current_local_user());
  if (!unlocked) {
    return tl::unexpected(unlocked.error());
  }
  Fixture fixture{std::move(unlocked->gate), std::move(unlocked->custodian), {}};
  auto imported = fixture.gate->import_bundle(*fixture.custodian, stored);
  if (!imported) {
    return tl::unexpected(imported.error());
  }
  fixture.stored = vigie::bench::refs_of(*imported);
  return fixture;
}

// What an import took: wall time, and the importing thread's own CPU time, which the readers'
// competition for the cores does not inflate.
struct ImportTime {
  double wall_seconds = 0;
  double cpu_seconds = 0;
};

// Imports `transactions` in order through `fixture`'s gate.
Result<ImportTime> import_all(Fixture& fixture, const std::vector<json::object>& transactions) {
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = vigie::bench::thread_cpu_seconds();
  for (const json::object& transaction : transactions) {
    if (auto imported = fixture.gate->import_bundle(*fixture.custodian, transaction); !imported) {
      return tl::unexpected(imported.error());
    }
  }
  return ImportTime{seconds_since(start), vigie::bench::thread_cpu_seconds() - cpu_start};
}

// Reads random stored resources on `readers` sibling gates until `importing` turns false. A failed
// read is counted, not fatal: the count is what the benchmark reports.
class Readers {
 public:
  // Reader i draws its resources with the seed `seed` + i.
  Readers(Fixture& fixture, size_t readers, uint64_t seed)
      : fixture_(fixture), samples_(readers), seed_(seed) {}

  Result<void> open_gates() {
    for (size_t reader = 0; reader < samples_.size(); ++reader) {
      auto sibling = fixture_.gate->open_sibling();
      if (!sibling) {
        return tl::unexpected(sibling.error());
      }
      gates_.push_back(std::move(*sibling));
    }
    return {};
  }

  // Starts the readers and returns once every one of them has begun reading.
  void start() {
    std::atomic<size_t> started = 0;
    for (size_t reader = 0; reader < gates_.size(); ++reader) {
      threads_.emplace_back([this, reader, &started] { read_until_stopped(reader, started); });
    }
    while (started.load() < gates_.size()) {
      std::this_thread::yield();
    }
  }

  // Stops and joins the readers; returns what they did, all together.
  ReadSample stop() {
    importing_.store(false);
    for (std::thread& thread : threads_) {
      thread.join();
    }
    ReadSample all;
    for (ReadSample& sample : samples_) {
      all.reads += sample.reads;
      all.errors += sample.errors;
      if (all.first_error.empty()) {
        all.first_error = sample.first_error;
      }
      all.latencies_ms.insert(all.latencies_ms.end(), sample.latencies_ms.begin(),
                              sample.latencies_ms.end());
    }
    std::sort(all.latencies_ms.begin(), all.latencies_ms.end());
    return all;
  }

 private:
  void read_until_stopped(size_t reader, std::atomic<size_t>& started) {
    Gate& gate = *gates_[reader];
    ReadSample& sample = samples_[reader];
    std::mt19937_64 random(seed_ + reader);
    std::uniform_int_distribution<size_t> any_stored(0, fixture_.stored.size() - 1);
    started.fetch_add(1);
    while (importing_.load(std::memory_order_relaxed)) {
      const ResourceRef& ref = fixture_.stored[any_stored(random)];
      const auto start = std::chrono::steady_clock::now();
      auto read = gate.read(*fixture_.custodian, ref.type, ref.id);
      sample.latencies_ms.push_back(seconds_since(start) * 1e3);
      ++sample.reads;
      if (read && (read->id != ref.id || read->type != ref.type)) {
        read = vigie::fail(ErrorCode::kIntegrity, "a read returned another resource");
      }
      if (!read) {
        if (sample.errors++ == 0) {
          sample.first_error = read.error().message;
        }
      }
    }
  }

  Fixture& fixture_;
  std::vector<std::unique_ptr<Gate>> gates_;
  std::vector<ReadSample> samples_;  // one per reader, merged by stop()
  const uint64_t seed_;
  std::vector<std::thread> threads_;
  std::atomic<bool> importing_ = true;
};

struct Round {
  ImportTime alone;
  ImportTime with_readers;
  ReadSample reads;

  // Import throughput with readers / alone.
  [[nodiscard]] double wall_ratio() const { return alone.wall_seconds / with_readers.wall_seconds; }
  [[nodiscard]] double cpu_ratio() const { return alone.cpu_seconds / with_readers.cpu_seconds; }
};

class ImportReadBench {
 public:
  ImportReadBench(const Settings& settings, std::filesystem::path work_dir)
      : settings_(settings), work_dir_(std::move(work_dir)) {}

  Result<void> prepare() {
    stored_ = vigie::bench::demo_bundle(settings_.stored, kStoredSeed);
    auto transactions = vigie::bench::demo_transactions(settings_.resources, kImportedSeed,
                                                        settings_.per_transaction);
    if (!transactions) {
      return tl::unexpected(transactions.error());
    }
    transactions_ = std::move(*transactions);
    return {};
  }

  Result<void> run_round(size_t round) {
    Round result;
    // Alternate which measure goes first, so that neither always meets the same neighbours.
    const bool alone_first = round % 2 == 0;
    for (bool alone : {alone_first, !alone_first}) {
      const std::filesystem::path dir =
          work_dir_ / fmt::format("round{}-{}", round, alone ? "alone" : "readers");
      auto measured = alone ? import_alone(dir) : import_with_readers(dir, round, result.reads);
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
      if (!measured) {
        return tl::unexpected(measured.error());
      }
      (alone ? result.alone : result.with_readers) = *measured;
    }
    const double resources = static_cast<double>(settings_.resources);
    fmt::print(
        "round {}/{}: import alone {:.1f} s ({:.0f} resources/s, importer CPU {:.1f} s); with {} "
        "readers {:.1f} s ({:.0f} resources/s, importer CPU {:.1f} s); with/alone {:.2f}x (by "
        "importer CPU {:.2f}x); {} reads ({:.0f}/s), {} errors; latency ms p50 {:.2f} p99 {:.2f} "
        "max {:.1f}\n",
        round + 1, settings_.rounds, result.alone.wall_seconds,
        resources / result.alone.wall_seconds, result.alone.cpu_seconds, settings_.readers,
        result.with_readers.wall_seconds, resources / result.with_readers.wall_seconds,
        result.with_readers.cpu_seconds, result.wall_ratio(), result.cpu_ratio(),
        result.reads.reads,
        static_cast<double>(result.reads.reads) / result.with_readers.wall_seconds,
        result.reads.errors, result.reads.percentile(0.5), result.reads.percentile(0.99),
        result.reads.percentile(1.0));
    if (result.reads.errors > 0) {
      fmt::print("  first read error: {}\n", result.reads.first_error);
    }
    std::fflush(stdout);
    rounds_.push_back(std::move(result));
    return {};
  }

  void print_summary() const {
    std::vector<double> alone_rates;
    std::vector<double> with_readers_rates;
    std::vector<double> ratios;
    std::vector<double> cpu_ratios;
    std::vector<double> p50s;
    std::vector<double> p99s;
    double max_ms = 0;
    uint64_t reads = 0;
    uint64_t errors = 0;
    const double resources = static_cast<double>(settings_.resources);
    for (const Round& round : rounds_) {
      alone_rates.push_back(resources / round.alone.wall_seconds);
      with_readers_rates.push_back(resources / round.with_readers.wall_seconds);
      ratios.push_back(round.wall_ratio());
      cpu_ratios.push_back(round.cpu_ratio());
      p50s.push_back(round.reads.percentile(0.5));
      p99s.push_back(round.reads.percentile(0.99));
      max_ms = std::max(max_ms, round.reads.percentile(1.0));
      reads += round.reads.reads;
      errors += round.reads.errors;
    }
    const double p99 = median(p99s);
    fmt::print("\nmedian of {} rounds (max and counts: over all rounds)\n", rounds_.size());
    fmt::print("import alone (resources/s)           {:>8.0f}\n", median(alone_rates));
    fmt::print("import with {} readers (resources/s)  {:>8.0f}\n", settings_.readers,
               median(with_readers_rates));
    fmt::print("with readers / alone                 {:>8.2f}\n", median(ratios));
    fmt::print("with readers / alone, importer CPU   {:>8.2f}\n", median(cpu_ratios));
    fmt::print("reads during the imports             {:>8}\n", reads);
    fmt::print("read errors                          {:>8}   {}\n", errors,
               errors == 0 ? "PASS (must be 0)" : "FAIL (must be 0)");
    fmt::print("read latency p50 (ms)                {:>8.2f}\n", median(p50s));
    fmt::print("read latency p99 (ms)                {:>8.2f}   {} (<= {:.0f})\n", p99,
               p99 <= kP99TargetMs ? "PASS" : "ABOVE", kP99TargetMs);
    fmt::print("read latency max (ms)                {:>8.1f}\n", max_ms);
  }

 private:
  Result<ImportTime> import_alone(const std::filesystem::path& dir) {
    auto fixture = make_fixture(dir, stored_);
    if (!fixture) {
      return tl::unexpected(fixture.error());
    }
    auto time = import_all(*fixture, transactions_);
    if (!time) {
      return time;
    }
    if (auto closed = fixture->gate->close(); !closed) {
      return tl::unexpected(closed.error());
    }
    return time;
  }

  Result<ImportTime> import_with_readers(const std::filesystem::path& dir, size_t round,
                                         ReadSample& reads) {
    auto fixture = make_fixture(dir, stored_);
    if (!fixture) {
      return tl::unexpected(fixture.error());
    }
    Result<ImportTime> time = ImportTime{};
    {
      Readers readers(*fixture, settings_.readers, kStoredSeed + round * settings_.readers);
      if (auto opened = readers.open_gates(); !opened) {
        return tl::unexpected(opened.error());
      }
      readers.start();
      time = import_all(*fixture, transactions_);
      reads = readers.stop();
    }
    if (!time) {
      return time;
    }
    if (auto closed = fixture->gate->close(); !closed) {
      return tl::unexpected(closed.error());
    }
    return time;
  }

  const Settings& settings_;
  const std::filesystem::path work_dir_;
  json::object stored_;
  std::vector<json::object> transactions_;
  std::vector<Round> rounds_;
};

int fail_with(const Error& error) {
  fmt::print(stderr, "import_read_bench: {}\n", error.message);
  return 1;
}

int run(const Settings& settings) {
  const auto start = std::chrono::steady_clock::now();
  auto work_dir = vigie::bench::make_work_dir("vigie-import-read-bench");
  if (!work_dir) {
    return fail_with(work_dir.error());
  }
  fmt::print(
      "import_read_bench: import {} resources ({} per transaction) into a vault of {} stored "
      "resources, alone and while {} threads read the stored ones through the gate; {} rounds; "
      "load average {} at the start\n",
      settings.resources, settings.per_transaction, settings.stored, settings.readers,
      settings.rounds, load_average());
  std::fflush(stdout);
  ImportReadBench bench(settings, *work_dir);
  Result<void> done = bench.prepare();
  for (size_t round = 0; done && round < settings.rounds; ++round) {
    done = bench.run_round(round);
  }
  std::error_code ignored;
  std::filesystem::remove_all(*work_dir, ignored);
  if (!done) {
    return fail_with(done.error());
  }
  bench.print_summary();
  fmt::print("total {:.0f} s; load average {} at the end\n", seconds_since(start), load_average());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"an import while reader threads read through the gate, against the import alone"};
  Settings settings;
  app.add_option("--resources", settings.resources, "resources imported in each measure")
      ->check(CLI::Range(size_t{100}, size_t{1'000'000}));
  app.add_option("--stored", settings.stored, "resources in the vault before, read by the readers")
      ->check(CLI::Range(size_t{100}, size_t{1'000'000}));
  app.add_option("--readers", settings.readers, "reader threads")
      ->check(CLI::Range(size_t{1}, size_t{256}));
  app.add_option("--per-transaction", settings.per_transaction, "entries per imported Bundle")
      ->check(CLI::Range(size_t{1}, size_t{100'000}));
  app.add_option("--rounds", settings.rounds, "rounds of both measures")
      ->check(CLI::Range(size_t{1}, size_t{20}));
  CLI11_PARSE(app, argc, argv);
  return run(settings);
}
