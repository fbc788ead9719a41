// write_bench (issue 12): what the audit costs one write. Creates one Observation at a time, from
// one thread, through gate::Gate (the audited write: its entry, then the data commit, then the
// log's statement that it committed) and through vault::Vault on the same directory (the same
// durable data commit, without audit), alternating which goes first from round to round. Prints
// the milliseconds, the process's CPU and the WAL syncs per write of each, and the ratio
// audited / unaudited. See bench/RESULTS.md.

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
#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "bench/gate_bench_support.hpp"
#include "bench/sync_counter.hpp"
#include "common/clock.hpp"
#include "crypto/secret_bytes.hpp"
#include "gate/gate.hpp"
#include "vault/vault.hpp"

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
using vigie::vault::Vault;

struct Settings {
  size_t writes = 200;  // per path and round
  size_t rounds = 5;
};

enum class Path { kWithoutAudit, kWithAudit };

// One path's writes in one round, per write.
struct Sample {
  double wall_ms = 0;
  double cpu_ms = 0;  // the process's
  double syncs = 0;   // WAL syncs, every file
};

json::object observation_of(const std::string& patient_id, size_t index) {
  return json::object{
      {"resourceType", "Observation"},
      {"status", "final"},
      {"code", json::object{{"coding", json::array{json::object{{"system", "http://loinc.org"},
                                                                {"code", "8867-4"}}}}}},
      {"valueQuantity", json::object{{"value", 60 + static_cast<int64_t>(index % 60)},
                                     {"unit", "/min"},
                                     {"system", "http://unitsofmeasure.org"},
                                     {"code", "/min"}}},
      {"subject", json::object{{"reference", "Patient/" + patient_id}}}};
}

class WriteBench {
 public:
  explicit WriteBench(const Settings& settings) : settings_(settings) {}

  Result<void> prepare(const std::filesystem::path& dir) {
    const auto key = vigie::crypto::SecretBytes::random(32);
    const auto secret = vigie::bench::key_file_secret(key);
    auto unlocked = Gate::initialize(dir, secret, {}, {}, vigie::gate::current_local_user());
    if (!unlocked) {
      return tl::unexpected(unlocked.error());
    }
    gate_ = std::move(unlocked->gate);
    custodian_.emplace(std::move(unlocked->custodian));
    json::object name{{"family", "Ecriture"}, {"given", json::array{"Camille"}}};
    auto patient = gate_->create(*custodian_, json::object{{"resourceType", "Patient"},
                                                           {"name", json::array{std::move(name)}}});
    if (!patient) {
      return tl::unexpected(patient.error());
    }
    patient_id_ = patient->id;
    auto vault = Vault::open(dir, secret, vigie::system_clock());
    if (!vault) {
      return tl::unexpected(vault.error());
    }
    vault_ = std::move(*vault);
    return {};
  }

  Result<void> run_round(size_t round) {
    fmt::print("round {}/{}:", round + 1, settings_.rounds);
    for (size_t step = 0; step < 2; ++step) {
      const Path path = (round + step) % 2 == 0 ? Path::kWithoutAudit : Path::kWithAudit;
      auto sample = measure(path);
      if (!sample) {
        return tl::unexpected(sample.error());
      }
      samples(path).push_back(*sample);
      fmt::print("  {} {:.2f} ms/write (CPU {:.2f}, {:.1f} syncs)", name_of(path), sample->wall_ms,
                 sample->cpu_ms, sample->syncs);
    }
    fmt::print("  with/without {:.2f}\n",
               with_audit_.back().wall_ms / without_audit_.back().wall_ms);
    std::fflush(stdout);
    return {};
  }

  void print_summary() const {
    fmt::print("\nmedian of {} rounds of {} writes\n{:<14} {:>10} {:>10} {:>12}\n",
               settings_.rounds, settings_.writes, "", "ms/write", "CPU ms", "syncs/write");
    for (Path path : {Path::kWithoutAudit, Path::kWithAudit}) {
      const std::vector<Sample>& of_path = samples(path);
      fmt::print("{:<14} {:>10.2f} {:>10.2f} {:>12.1f}\n", name_of(path),
                 median_of(of_path, &Sample::wall_ms), median_of(of_path, &Sample::cpu_ms),
                 median_of(of_path, &Sample::syncs));
    }
    std::vector<double> ratios;
    for (size_t round = 0; round < with_audit_.size(); ++round) {
      ratios.push_back(with_audit_[round].wall_ms / without_audit_[round].wall_ms);
    }
    fmt::print("with/without audit, wall: {:.2f} (median of the rounds' ratios)\n", median(ratios));
  }

  Result<void> close() { return gate_->close(); }

 private:
  static const char* name_of(Path path) {
    return path == Path::kWithAudit ? "with audit" : "without audit";
  }

  [[nodiscard]] std::vector<Sample>& samples(Path path) {
    return path == Path::kWithAudit ? with_audit_ : without_audit_;
  }
  [[nodiscard]] const std::vector<Sample>& samples(Path path) const {
    return path == Path::kWithAudit ? with_audit_ : without_audit_;
  }

  static double median_of(const std::vector<Sample>& samples, double Sample::*measure) {
    std::vector<double> values;
    for (const Sample& sample : samples) {
      values.push_back(sample.*measure);
    }
    return median(std::move(values));
  }

  Result<Sample> measure(Path path) {
    const vigie::bench::SyncTally syncs_before = vigie::bench::wal_syncs();
    const double cpu_start = process_cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    for (size_t write = 0; write < settings_.writes; ++write) {
      json::object observation = observation_of(patient_id_, write);
      auto created = path == Path::kWithAudit ? gate_->create(*custodian_, std::move(observation))
                                              : vault_->create(std::move(observation));
      if (!created) {
        return tl::unexpected(created.error());
      }
    }
    const double writes = static_cast<double>(settings_.writes);
    const vigie::bench::SyncTally syncs_after = vigie::bench::wal_syncs();
    return Sample{seconds_since(start) * 1e3 / writes,
                  (process_cpu_seconds() - cpu_start) * 1e3 / writes,
                  static_cast<double>(syncs_after.syncs - syncs_before.syncs) / writes};
  }

  const Settings& settings_;
  std::unique_ptr<Gate> gate_;
  std::optional<Custodian> custodian_;  // once the vault is created
  std::unique_ptr<Vault> vault_;        // a second handle on the same directory, without audit
  std::string patient_id_;
  std::vector<Sample> without_audit_;  // one per round
  std::vector<Sample> with_audit_;
};

int fail_with(const Error& error) {
  fmt::print(stderr, "write_bench: {}\n", error.message);
  return 1;
}

int run(const Settings& settings) {
  const auto start = std::chrono::steady_clock::now();
  if (auto installed = vigie::bench::install_wal_sync_counter(); !installed) {
    return fail_with(installed.error());
  }
  auto work_dir = vigie::bench::make_work_dir("vigie-write-bench");
  if (!work_dir) {
    return fail_with(work_dir.error());
  }
  fmt::print(
      "write_bench: {} single Observation creates per path and round, through the gate and "
      "through the vault; {} rounds; load average {} at the start\n",
      settings.writes, settings.rounds, load_average());
  std::fflush(stdout);
  WriteBench bench(settings);
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
  CLI::App app{"one write at a time, through the gate (audited) and through the vault"};
  Settings settings;
  app.add_option("--writes", settings.writes, "writes per path and round")
      ->check(CLI::Range(size_t{1}, size_t{100'000}));
  app.add_option("--rounds", settings.rounds, "rounds")->check(CLI::Range(size_t{1}, size_t{50}));
  CLI11_PARSE(app, argc, argv);
  return run(settings);
}
