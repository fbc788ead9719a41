// export_bench: a FHIR Bulk Data system export ($export, Gate::run_export into sealed files, as
// `vigie serve` runs a job) of a whole vault, against the baseline of the same resources read one
// by one through the gate (audited point reads), in one run. Two vaults, the second with
// `--scale` times the patients of the first, show whether the export's peak memory stays flat as
// the vault grows (it streams: each resource is decrypted, written and forgotten). With
// `--synthea DIR`, the first vault holds every bundle-*.json of DIR instead of demo patients.
// Prints resources per second (wall and per CPU-second), the ratio to point reads and the peak
// resident memory of each export. See bench/RESULTS.md.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
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
#include "fhir/json.hpp"
#include "gate/gate.hpp"
#include "lifecycle/bulk_export.hpp"

namespace {

using vigie::Result;
using vigie::bench::key_file_secret;
using vigie::bench::load_average;
using vigie::bench::make_work_dir;
using vigie::bench::process_cpu_seconds;
using vigie::bench::seconds_since;
using vigie::gate::Gate;

constexpr uint64_t kSeed = 20261207;
constexpr int64_t kTokenLifetimeMs = 24LL * 60 * 60 * 1000;

struct Settings {
  size_t patients = 100;
  size_t scale = 4;
  size_t point_reads = 3'000;
  std::string synthea;  // a directory of bundle-*.json; empty: demo patients
};

struct Measure {
  size_t resources = 0;
  double wall_s = 0;
  double cpu_s = 0;
  long peak_kib = 0;    // VmHWM during the measured work alone
  long growth_kib = 0;  // that peak above the resident set when the work began
};

// The peak resident set (VmHWM) is reset to the current one, so that the next reading is the
// peak of what runs in between (Linux: /proc/self/clear_refs, "5").
void reset_peak_memory() { std::ofstream("/proc/self/clear_refs") << "5"; }

// A field of /proc/self/status in KiB: "VmHWM" (the peak resident set) or "VmRSS" (the current).
long status_kib(std::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':') {
      return std::stol(line.substr(field.size() + 1));
    }
  }
  return -1;
}

std::vector<boost::json::object> bundles_of(const Settings& settings, size_t patients) {
  std::vector<boost::json::object> bundles;
  if (!settings.synthea.empty()) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(settings.synthea)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with("bundle-") && name.ends_with(".json")) {
        files.push_back(entry.path());
      }
    }
    std::ranges::sort(files);
    for (const auto& file : files) {
      std::ifstream in(file);
      const std::string text{std::istreambuf_iterator<char>(in), {}};
      auto parsed = vigie::fhir::parse_json_object(text);
      if (parsed) {
        bundles.push_back(std::move(*parsed));
      }
    }
    return bundles;
  }
  vigie::demo::DemoOptions options;
  options.seed = kSeed;
  options.patients = patients;
  bundles.push_back(vigie::demo::generate_bundle(options));
  return bundles;
}

// A vault of `bundles`, exported once, then read one resource at a time (the baseline).
Result<std::pair<Measure, Measure>> run_vault(const std::filesystem::path& dir,
                                              std::vector<boost::json::object> bundles,
                                              size_t point_reads) {
  const auto key = vigie::crypto::SecretBytes::random(32);
  vigie::auth::AuthSettings auth_settings;
  auth_settings.password_limits = vigie::crypto::PasswordHashLimits{1, 8192};
  vigie::config::Config config;
  config.memory.locked_mib = 4;
  for (auto& [role, patients] : config.watch.bulk_read.per_role) {
    patients = 0;  // the baseline reads every patient: no bulk-read lock
  }
  auto created = Gate::initialize(dir / "vault", key_file_secret(key), {}, {},
                                  vigie::gate::current_local_user(), auth_settings,
                                  vigie::system_clock(), config);
  if (!created) {
    return tl::unexpected(created.error());
  }
  Gate& gate = *created->gate;
  struct Ref {
    std::string type;
    std::string id;
  };
  std::vector<Ref> stored;
  for (boost::json::object& bundle : bundles) {
    auto imported = gate.import_bundle(created->custodian, std::move(bundle));
    if (!imported) {
      return tl::unexpected(imported.error());
    }
    for (const vigie::vault::EntryOutcome& outcome : imported->entries) {
      stored.push_back(Ref{outcome.type, outcome.id});
    }
  }
  bundles.clear();
  bundles.shrink_to_fit();
  auto added = gate.add_account(
      created->custodian,
      vigie::auth::NewAccount{"labo.export", "Export labo", vigie::access::Role::kService, ""});
  if (!added) {
    return tl::unexpected(added.error());
  }
  auto token = gate.create_token(created->custodian, "labo.export", {"system/*.rs"},
                                 vigie::system_clock().now_ms() + kTokenLifetimeMs, {});
  if (!token) {
    return tl::unexpected(token.error());
  }
  const vigie::gate::Principal service =
      vigie::gate::account_principal(token->secret, "192.0.2.10", "export_bench");

  auto jobs = vigie::lifecycle::ExportJobs::open({.dir = dir / "exports"}, vigie::system_clock());
  if (!jobs) {
    return tl::unexpected(jobs.error());
  }
  auto job = (*jobs)->reserve("labo.export", "https://localhost/fhir/$export", {});
  if (!job) {
    return tl::unexpected(job.error());
  }
  auto files = (*jobs)->start(*job);
  if (!files) {
    return tl::unexpected(files.error());
  }
  Measure exported;
  reset_peak_memory();
  long resident_before = status_kib("VmRSS");
  auto start = std::chrono::steady_clock::now();
  double cpu_start = process_cpu_seconds();
  Gate::ExportScope scope;
  scope.file_url_base = "https://localhost/fhir/$export-file/" + *job + "/";
  auto written = gate.run_export(service, scope, *files);
  if (!written) {
    return tl::unexpected(written.error());
  }
  auto outputs = files->finish();
  exported.wall_s = seconds_since(start);
  exported.cpu_s = process_cpu_seconds() - cpu_start;
  exported.peak_kib = status_kib("VmHWM");
  exported.growth_kib = exported.peak_kib - resident_before;
  exported.resources = static_cast<size_t>(*written);
  (*jobs)->finish(*job, std::move(outputs));

  Measure read;
  const size_t step = std::max<size_t>(1, stored.size() / point_reads);
  reset_peak_memory();
  resident_before = status_kib("VmRSS");
  start = std::chrono::steady_clock::now();
  cpu_start = process_cpu_seconds();
  for (size_t index = 0; index < stored.size(); index += step) {
    auto done = gate.read(service, stored[index].type, stored[index].id);
    if (!done) {
      return tl::unexpected(done.error());
    }
    ++read.resources;
  }
  read.wall_s = seconds_since(start);
  read.cpu_s = process_cpu_seconds() - cpu_start;
  read.peak_kib = status_kib("VmHWM");
  read.growth_kib = read.peak_kib - resident_before;
  if (auto closed = gate.close(); !closed) {
    return tl::unexpected(closed.error());
  }
  return std::make_pair(exported, read);
}

int run(const Settings& settings) {
  auto dir = make_work_dir("export_bench");
  if (!dir) {
    fmt::print(stderr, "export_bench: {}\n", dir.error().message);
    return 1;
  }
  // Two demo vaults (the memory comparison), then the Synthea sample when asked.
  std::vector<size_t> runs = {settings.patients, settings.patients * settings.scale};
  if (!settings.synthea.empty()) {
    runs.push_back(0);
  }
  std::vector<long> peaks;  // the memory each demo export added
  for (size_t index = 0; index < runs.size(); ++index) {
    const bool synthea = runs[index] == 0;
    const std::filesystem::path vault_dir = *dir / std::to_string(index);
    auto measured = run_vault(vault_dir, bundles_of(synthea ? settings : Settings{}, runs[index]),
                              settings.point_reads);
    std::error_code ignored;
    std::filesystem::remove_all(vault_dir, ignored);
    if (!measured) {
      fmt::print(stderr, "export_bench: {}\n", measured.error().message);
      std::filesystem::remove_all(*dir, ignored);
      return 1;
    }
    const auto& [exported, read] = *measured;
    const double export_rate = static_cast<double>(exported.resources) / exported.wall_s;
    const double read_rate = static_cast<double>(read.resources) / read.wall_s;
    fmt::print(
        "{}: $export {} resources in {:.2f} s: {:.0f} resources/s, {:.0f} per CPU-second, "
        "memory +{} KiB (peak {} MiB); point reads {:.0f}/s ({} reads), +{} KiB; export/read "
        "{:.1f}\n",
        synthea ? std::string("synthea") : fmt::format("{} demo patients", runs[index]),
        exported.resources, exported.wall_s, export_rate,
        static_cast<double>(exported.resources) / exported.cpu_s, exported.growth_kib,
        exported.peak_kib / 1024, read_rate, read.resources, read.growth_kib,
        export_rate / read_rate);
    std::fflush(stdout);
    peaks.push_back(exported.growth_kib);
  }
  fmt::print("memory the export added, {}x the patients: +{} KiB, {} patients: +{} KiB\n",
             settings.scale, peaks[1], settings.patients, peaks[0]);
  fmt::print("load average (1 min) at the end: {}\n", load_average());
  std::error_code ignored;
  std::filesystem::remove_all(*dir, ignored);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"$export of a whole vault against audited point reads, and its peak memory"};
  Settings settings;
  app.add_option("--patients", settings.patients, "demo patients in the first vault")
      ->check(CLI::Range(size_t{10}, size_t{100'000}));
  app.add_option("--scale", settings.scale, "the second vault has this many times the patients")
      ->check(CLI::Range(size_t{2}, size_t{100}));
  app.add_option("--point-reads", settings.point_reads, "baseline reads per vault")
      ->check(CLI::Range(size_t{100}, size_t{1'000'000}));
  app.add_option("--synthea", settings.synthea,
                 "first vault: every bundle-*.json of this directory")
      ->check(CLI::ExistingDirectory);
  CLI11_PARSE(app, argc, argv);
  return run(settings);
}
