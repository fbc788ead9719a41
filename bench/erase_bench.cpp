// erase_bench (issue 12, P7): erasing one patient through the gate (Gate::erase_patient: the
// erasure mark and intent with the audit entry, the erasure ledger and the shredded data key),
// for patients of 10, 1,000 and 5,000 records, in a vault that holds other patients too; then,
// measured apart, the wait until the gate's background worker has removed the patient's rows
// (Gate::await_erasure_cleanup), so that the next erasure meets no cleanup under way. Each round
// imports one patient of each size, then erases them in turn, the order of the sizes rotating
// from round to round. Prints the erase and cleanup times per size and the ratio of the largest
// erase to the smallest. See bench/RESULTS.md.

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "bench/gate_bench_support.hpp"
#include "crypto/secret_bytes.hpp"
#include "gate/gate.hpp"

namespace {

namespace json = boost::json;

using vigie::bench::load_average;
using vigie::bench::median;
using vigie::bench::process_cpu_seconds;
using vigie::bench::seconds_since;

using vigie::Error;
using vigie::ErrorCode;
using vigie::Result;
using vigie::gate::Custodian;
using vigie::gate::Gate;

constexpr uint64_t kSeed = 20261101;
// Records of the erased patients: their Patient and as many Observations as make up the rest.
constexpr std::array<size_t, 3> kRecordCounts = {10, 1'000, 5'000};
constexpr double kLargestTargetMs = 50.0;

struct Settings {
  size_t stored = 10'000;  // other patients' resources in the vault
  size_t rounds = 5;
};

// One erasure's cost.
struct Sample {
  double wall_ms = 0;
  double cpu_ms = 0;      // the process's
  double cleanup_ms = 0;  // from the erase's return until the rows are removed
};

// A transaction Bundle that creates one Patient and `records` - 1 Observations of it.
json::object patient_with_records(size_t records) {
  const std::string patient_url = "urn:uuid:5f0c4a52-6d3e-4b8e-9a1f-2c7d8e9b0a11";
  json::array entries;
  entries.push_back(json::object{
      {"fullUrl", patient_url},
      {"resource",
       json::object{{"resourceType", "Patient"},
                    {"name", json::array{json::object{{"family", "Effacement"},
                                                      {"given", json::array{"Camille"}}}}}}},
      {"request", json::object{{"method", "POST"}, {"url", "Patient"}}}});
  for (size_t record = 1; record < records; ++record) {
    json::object observation{
        {"resourceType", "Observation"},
        {"status", "final"},
        {"code", json::object{{"coding", json::array{json::object{{"system", "http://loinc.org"},
                                                                  {"code", "8867-4"}}}}}},
        {"valueQuantity", json::object{{"value", 60 + static_cast<int64_t>(record % 60)},
                                       {"unit", "/min"},
                                       {"system", "http://unitsofmeasure.org"},
                                       {"code", "/min"}}},
        {"subject", json::object{{"reference", patient_url}}}};
    entries.push_back(
        json::object{{"resource", std::move(observation)},
                     {"request", json::object{{"method", "POST"}, {"url", "Observation"}}}});
  }
  return json::object{
      {"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", std::move(entries)}};
}

class EraseBench {
 public:
  explicit EraseBench(const Settings& settings) : settings_(settings) {}

  Result<void> prepare(const std::filesystem::path& dir) {
    const auto key = vigie::crypto::SecretBytes::random(32);
    auto unlocked = Gate::initialize(dir, vigie::bench::key_file_secret(key), {}, {},
                                     vigie::gate::current_local_user());
    if (!unlocked) {
      return tl::unexpected(unlocked.error());
    }
    gate_ = std::move(unlocked->gate);
    custodian_.emplace(std::move(unlocked->custodian));
    if (auto imported =
            gate_->import_bundle(*custodian_, vigie::bench::demo_bundle(settings_.stored, kSeed));
        !imported) {
      return tl::unexpected(imported.error());
    }
    for (size_t records : kRecordCounts) {
      bundles_.push_back(patient_with_records(records));
    }
    return {};
  }

  Result<void> run_round(size_t round) {
    // Every size's patient exists before the first erasure of the round, so that each erasure
    // meets the same vault whatever its place in the order.
    std::vector<std::string> patients;
    for (const json::object& bundle : bundles_) {
      auto imported = gate_->import_bundle(*custodian_, bundle);
      if (!imported) {
        return tl::unexpected(imported.error());
      }
      patients.push_back(imported->entries.front().id);
    }
    fmt::print("round {}/{}:", round + 1, settings_.rounds);
    for (size_t step = 0; step < kRecordCounts.size(); ++step) {
      const size_t size = (round + step) % kRecordCounts.size();
      const auto start = std::chrono::steady_clock::now();
      const double cpu_start = process_cpu_seconds();
      auto erased = gate_->erase_patient(*custodian_, patients[size]);
      Sample sample{seconds_since(start) * 1e3, (process_cpu_seconds() - cpu_start) * 1e3, 0};
      if (!erased) {
        return tl::unexpected(erased.error());
      }
      const auto cleanup_start = std::chrono::steady_clock::now();
      if (auto cleaned = gate_->await_erasure_cleanup(); !cleaned) {
        return tl::unexpected(cleaned.error());
      }
      sample.cleanup_ms = seconds_since(cleanup_start) * 1e3;
      if (erased->versions_removed != static_cast<int64_t>(kRecordCounts[size])) {
        return vigie::fail(ErrorCode::kIntegrity,
                           fmt::format("erasing a patient of {} records erased {} versions",
                                       kRecordCounts[size], erased->versions_removed));
      }
      samples_[size].push_back(sample);
      fmt::print("  {} records {:.1f} ms (CPU {:.1f}, cleanup {:.1f})", kRecordCounts[size],
                 sample.wall_ms, sample.cpu_ms, sample.cleanup_ms);
    }
    fmt::print("\n");
    std::fflush(stdout);
    return {};
  }

  void print_summary() const {
    fmt::print("\nmedian of {} rounds\n{:<10} {:>12} {:>12} {:>12}\n", settings_.rounds, "records",
               "erase ms", "CPU ms", "cleanup ms");
    for (size_t size = 0; size < kRecordCounts.size(); ++size) {
      fmt::print("{:<10} {:>12.1f} {:>12.1f} {:>12.1f}\n", kRecordCounts[size],
                 median_of(size, &Sample::wall_ms), median_of(size, &Sample::cpu_ms),
                 median_of(size, &Sample::cleanup_ms));
    }
    const size_t largest = kRecordCounts.size() - 1;
    std::vector<double> ratios;
    for (size_t round = 0; round < samples_[0].size(); ++round) {
      ratios.push_back(samples_[largest][round].wall_ms / samples_[0][round].wall_ms);
    }
    const double largest_ms = median_of(largest, &Sample::wall_ms);
    fmt::print("erase({})/erase({}): {:.1f} (median of the rounds' ratios)\n",
               kRecordCounts[largest], kRecordCounts[0], median(ratios));
    fmt::print("erase({}): {:.1f} ms {} (< {:.0f} ms)\n", kRecordCounts[largest], largest_ms,
               largest_ms < kLargestTargetMs ? "PASS" : "ABOVE", kLargestTargetMs);
  }

  Result<void> close() { return gate_->close(); }

 private:
  double median_of(size_t size, double Sample::*measure) const {
    std::vector<double> values;
    for (const Sample& sample : samples_[size]) {
      values.push_back(sample.*measure);
    }
    return median(std::move(values));
  }

  const Settings& settings_;
  std::unique_ptr<Gate> gate_;
  std::optional<Custodian> custodian_;  // once the vault is created
  std::vector<json::object> bundles_;   // one patient of each size, in kRecordCounts order
  std::array<std::vector<Sample>, kRecordCounts.size()> samples_;  // per size, one per round
};

int fail_with(const Error& error) {
  fmt::print(stderr, "erase_bench: {}\n", error.message);
  return 1;
}

int run(const Settings& settings) {
  const auto start = std::chrono::steady_clock::now();
  auto work_dir = vigie::bench::make_work_dir("vigie-erase-bench");
  if (!work_dir) {
    return fail_with(work_dir.error());
  }
  fmt::print(
      "erase_bench: erase patients of {} records through the gate, in a vault of {} other "
      "resources; {} rounds; load average {} at the start\n",
      fmt::join(kRecordCounts, ", "), settings.stored, settings.rounds, load_average());
  std::fflush(stdout);
  EraseBench bench(settings);
  Result<void> done = bench.prepare(*work_dir / "vault");
  for (size_t round = 0; done && round < settings.rounds; ++round) {
    done = bench.run_round(round);
  }
  if (done) {
    bench.print_summary();
    done = bench.close();
  }
  std::error_code ignored;
  std::filesystem::remove_all(*work_dir, ignored);
  if (!done) {
    return fail_with(done.error());
  }
  fmt::print("total {:.0f} s; load average {} at the end\n", seconds_since(start), load_average());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"erasing a patient through the gate, for patients of 10 to 5,000 records"};
  Settings settings;
  app.add_option("--stored", settings.stored, "other patients' resources in the vault")
      ->check(CLI::Range(size_t{100}, size_t{1'000'000}));
  app.add_option("--rounds", settings.rounds, "rounds of every size")
      ->check(CLI::Range(size_t{1}, size_t{50}));
  CLI11_PARSE(app, argc, argv);
  return run(settings);
}
