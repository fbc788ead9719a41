// watch_bench: what the detectors of [watch] cost an audited read, measured in one run: the same
// point reads through gate::Gate by a service's API token, rounds alternating between the vault
// opened with every detector on (the thresholds out of reach, so that every read is counted and
// none trips; opening hours on, open all day, so that every read is checked) and with every
// detector off. Prints reads per second and CPU per read of each, and their ratio (issue 15: the
// detectors must not slow a normal read by more than 10 %). See bench/RESULTS.md.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "access/types.hpp"
#include "auth/authenticator.hpp"
#include "bench/gate_bench_support.hpp"
#include "common/clock.hpp"
#include "config/config.hpp"
#include "crypto/password_hash.hpp"
#include "crypto/secret_bytes.hpp"
#include "demo/demo_data.hpp"
#include "gate/gate.hpp"

namespace {

using vigie::ErrorCode;
using vigie::Result;
using vigie::bench::key_file_secret;
using vigie::bench::load_average;
using vigie::bench::make_work_dir;
using vigie::bench::median;
using vigie::bench::process_cpu_seconds;
using vigie::bench::seconds_since;
using vigie::gate::Gate;

constexpr uint64_t kSeed = 20261207;
constexpr int64_t kTokenLifetimeMs = 30LL * 24 * 60 * 60 * 1000;

struct Settings {
  size_t patients = 300;
  size_t reads = 2'000;  // per mode and round
  size_t rounds = 5;
};

struct Sample {
  double rate = 0;    // reads per second of wall time
  double cpu_us = 0;  // process CPU (every thread) per read, in microseconds
};

// Every detector on, none able to trip on the bench's reads.
vigie::config::Config detectors_on() {
  vigie::config::Config config;
  config.memory.locked_mib = 4;
  for (auto& [role, patients] : config.watch.bulk_read.per_role) {
    patients = vigie::config::kMaxWatchThreshold;
  }
  config.watch.opening_hours.enabled = true;
  config.watch.opening_hours.days = 0b1111111;
  config.watch.opening_hours.open_minute = 0;
  config.watch.opening_hours.close_minute = 24 * 60;
  return config;
}

vigie::config::Config detectors_off() {
  vigie::config::Config config;
  config.memory.locked_mib = 4;
  for (auto& [role, patients] : config.watch.bulk_read.per_role) {
    patients = 0;
  }
  config.watch.break_glass = false;
  config.watch.exports = false;
  config.watch.login_failures.per_account = 0;
  config.watch.login_failures.per_address = 0;
  config.watch.shared_account.enabled = false;
  config.watch.opening_hours.enabled = false;
  return config;
}

struct Ref {
  std::string type;
  std::string id;
};

int run(const Settings& settings) {
  auto dir = make_work_dir("watch_bench");
  if (!dir) {
    fmt::print(stderr, "watch_bench: {}\n", dir.error().message);
    return 1;
  }
  const std::filesystem::path vault = *dir / "vault";
  const auto key = vigie::crypto::SecretBytes::random(32);
  auto fail = [&](const vigie::Error& error) {
    fmt::print(stderr, "watch_bench: {}\n", error.message);
    std::error_code ignored;
    std::filesystem::remove_all(*dir, ignored);
    return 1;
  };
  std::string bearer;
  std::vector<Ref> reads;
  {
    vigie::auth::AuthSettings auth_settings;
    auth_settings.password_limits = vigie::crypto::PasswordHashLimits{1, 8192};
    auto created =
        Gate::initialize(vault, key_file_secret(key), {}, {}, vigie::gate::current_local_user(),
                         auth_settings, vigie::system_clock(), detectors_off());
    if (!created) {
      return fail(created.error());
    }
    vigie::demo::DemoOptions options;
    options.seed = kSeed;
    options.patients = settings.patients;
    auto imported =
        created->gate->import_bundle(created->custodian, vigie::demo::generate_bundle(options));
    if (!imported) {
      return fail(imported.error());
    }
    std::vector<Ref> targets;
    for (const vigie::vault::EntryOutcome& outcome : imported->entries) {
      if (outcome.type == "Patient" || outcome.type == "Observation") {
        targets.push_back(Ref{outcome.type, outcome.id});
      }
    }
    auto added = created->gate->add_account(
        created->custodian, vigie::auth::NewAccount{"labo.interface", "Interface labo",
                                                    vigie::access::Role::kService, ""});
    if (!added) {
      return fail(added.error());
    }
    auto token = created->gate->create_token(created->custodian, "labo.interface", {"system/*.rs"},
                                             vigie::system_clock().now_ms() + kTokenLifetimeMs, {});
    if (!token) {
      return fail(token.error());
    }
    bearer = token->secret;
    std::mt19937_64 random(kSeed);
    for (size_t read = 0; read < settings.reads; ++read) {
      reads.push_back(
          targets[std::uniform_int_distribution<size_t>(0, targets.size() - 1)(random)]);
    }
    if (auto closed = created->gate->close(); !closed) {
      return fail(closed.error());
    }
    fmt::print(
        "vault: {} resources of {} patients; {} reads of Patients and Observations per "
        "mode and round\n",
        imported->entries.size(), settings.patients, settings.reads);
  }
  const vigie::gate::Principal service =
      vigie::gate::account_principal(bearer, "192.0.2.10", "watch_bench");

  // One mode's reads on a gate opened with `config`; the first tenth untimed (warm-up).
  auto measure = [&](const vigie::config::Config& config) -> Result<Sample> {
    auto opened = Gate::open(vault, key_file_secret(key), vigie::gate::current_local_user(),
                             vigie::system_clock(), config);
    if (!opened) {
      return tl::unexpected(opened.error());
    }
    Gate& gate = *opened->gate;
    const size_t warm_up = reads.size() / 10;
    for (size_t read = 0; read < warm_up; ++read) {
      if (auto done = gate.read(service, reads[read].type, reads[read].id); !done) {
        return tl::unexpected(done.error());
      }
    }
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = process_cpu_seconds();
    for (const Ref& ref : reads) {
      auto done = gate.read(service, ref.type, ref.id);
      if (!done) {
        return tl::unexpected(done.error());
      }
      if (done->id != ref.id) {
        return vigie::fail(ErrorCode::kIntegrity, "a read returned another resource");
      }
    }
    const double wall = seconds_since(start);
    const double cpu = process_cpu_seconds() - cpu_start;
    if (auto closed = gate.close(); !closed) {
      return tl::unexpected(closed.error());
    }
    const auto count = static_cast<double>(reads.size());
    return Sample{count / wall, cpu * 1e6 / count};
  };

  std::vector<double> on_rates;
  std::vector<double> off_rates;
  std::vector<double> on_cpu;
  std::vector<double> off_cpu;
  std::vector<double> wall_ratios;
  std::vector<double> cpu_ratios;
  const vigie::config::Config on = detectors_on();
  const vigie::config::Config off = detectors_off();
  for (size_t round = 0; round < settings.rounds; ++round) {
    // Alternate which mode goes first, so that neither always runs on a warmer cache.
    Sample with{};
    Sample without{};
    for (const bool first_on : {round % 2 == 0, round % 2 != 0}) {
      auto sample = measure(first_on ? on : off);
      if (!sample) {
        return fail(sample.error());
      }
      (first_on ? with : without) = *sample;
    }
    on_rates.push_back(with.rate);
    off_rates.push_back(without.rate);
    on_cpu.push_back(with.cpu_us);
    off_cpu.push_back(without.cpu_us);
    wall_ratios.push_back(with.rate / without.rate);
    cpu_ratios.push_back(without.cpu_us / with.cpu_us);
    fmt::print(
        "round {}: detectors on {:.0f} reads/s ({:.1f} us CPU/read), off {:.0f} reads/s "
        "({:.1f} us CPU/read)\n",
        round + 1, with.rate, with.cpu_us, without.rate, without.cpu_us);
    std::fflush(stdout);
  }
  fmt::print(
      "median: detectors on {:.0f} reads/s, {:.1f} us CPU/read; off {:.0f} reads/s, {:.1f} "
      "us CPU/read\n",
      median(on_rates), median(on_cpu), median(off_rates), median(off_cpu));
  fmt::print("ratio on/off (median over rounds): throughput {:.3f}, CPU per read (off/on) {:.3f}\n",
             median(wall_ratios), median(cpu_ratios));
  fmt::print("load average (1 min) at the end: {}\n", load_average());
  std::error_code ignored;
  std::filesystem::remove_all(*dir, ignored);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"what the [watch] detectors cost an audited read: on and off in one run"};
  Settings settings;
  app.add_option("--patients", settings.patients, "demo patients in the vault")
      ->check(CLI::Range(size_t{10}, size_t{100'000}));
  app.add_option("--reads", settings.reads, "point reads per mode and round")
      ->check(CLI::Range(size_t{10}, size_t{10'000'000}));
  app.add_option("--rounds", settings.rounds, "rounds (each mode once per round)")
      ->check(CLI::Range(size_t{1}, size_t{100}));
  CLI11_PARSE(app, argc, argv);
  return run(settings);
}
