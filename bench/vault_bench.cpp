// vault_bench: vigie's vault against plaintext SQLite and SQLCipher, on the same generated data
// and the same request sequences, in one run. See bench/RESULTS.md.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench/plain_sql_engine.hpp"
#include "bench/round.hpp"
#include "bench/vault_engine.hpp"
#include "bench/workload.hpp"
#include "bench/workload_builder.hpp"

extern char** environ;

namespace {

using vigie::Error;
using vigie::ErrorCode;
using vigie::Result;
using vigie::bench::Measure;
using vigie::bench::RoundResult;

constexpr size_t kRounds = 3;
constexpr size_t kQuickResources = 10'000;
constexpr std::string_view kWorkloadFile = "workload.ndjson";

enum class EngineKind { kPlaintext, kVigie, kSqlcipher };
constexpr std::array kEngines = {EngineKind::kPlaintext, EngineKind::kVigie,
                                 EngineKind::kSqlcipher};

std::string_view engine_name(EngineKind engine) {
  switch (engine) {
    case EngineKind::kPlaintext:
      return "plaintext";
    case EngineKind::kVigie:
      return "vigie";
    case EngineKind::kSqlcipher:
      return "SQLCipher";
  }
  return "unknown";
}

// A target ratio of vigie's rate to another engine's.
struct Target {
  Measure measure;
  EngineKind versus;
  double minimum;
};
constexpr std::array kTargets = {
    Target{Measure::kImport, EngineKind::kPlaintext, 0.8},
    Target{Measure::kPointRead, EngineKind::kPlaintext, 0.7},
    Target{Measure::kImport, EngineKind::kSqlcipher, 1.0},
    Target{Measure::kPointRead, EngineKind::kSqlcipher, 1.0},
};

std::string_view measure_label(Measure measure) {
  switch (measure) {
    case Measure::kImport:
      return "import (resources/s)";
    case Measure::kPointRead:
      return "point read (reads/s)";
    case Measure::kIdentifierSearch:
      return "identifier search (/s)";
    case Measure::kFamilySearch:
      return "family prefix search (/s)";
  }
  return "unknown";
}

struct EngineRound {
  RoundResult result;
  uintmax_t bytes_on_disk = 0;
};

// The results of one engine over every round, and the settings it reported.
struct EngineRuns {
  std::vector<EngineRound> rounds;
  std::vector<std::pair<std::string, std::string>> settings;
};

uintmax_t bytes_under(const std::filesystem::path& dir) {
  uintmax_t bytes = 0;
  std::error_code error;
  for (const auto& file : std::filesystem::recursive_directory_iterator(dir, error)) {
    if (file.is_regular_file(error)) {
      bytes += file.file_size(error);
    }
  }
  return bytes;
}

// Runs `program` with `arguments` and returns what it wrote on stdout. kInternal if it cannot be
// started or does not exit with status 0 (its stderr goes to ours).
Result<std::string> run_and_capture(const std::filesystem::path& program,
                                    const std::vector<std::string>& arguments) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return vigie::fail(ErrorCode::kInternal, "cannot create a pipe");
  }
  std::vector<std::string> argv_strings{program.string()};
  argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& argument : argv_strings) {
    argv.push_back(argument.data());
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    return vigie::fail(ErrorCode::kInternal, "cannot start " + program.filename().string());
  }
  std::string output;
  std::array<char, 4096> buffer{};
  while (true) {
    const ssize_t count = ::read(pipe_fds[0], buffer.data(), buffer.size());
    if (count > 0) {
      output.append(buffer.data(), static_cast<size_t>(count));
    } else if (count == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return vigie::fail(ErrorCode::kInternal, program.filename().string() + " failed");
  }
  return output;
}

// The "info NAME VALUE" lines of the SQLCipher process's output.
std::vector<std::pair<std::string, std::string>> info_lines(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> settings;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.starts_with("info ")) {
      line.remove_prefix(5);
      const size_t space = line.find(' ');
      if (space != std::string_view::npos) {
        settings.emplace_back(line.substr(0, space), line.substr(space + 1));
      }
    }
  }
  return settings;
}

class Bench {
 public:
  Bench(vigie::bench::Workload workload, std::filesystem::path work_dir,
        std::filesystem::path sqlcipher_program)
      : workload_(std::move(workload)),
        work_dir_(std::move(work_dir)),
        sqlcipher_program_(std::move(sqlcipher_program)) {}

  // One round of `engine`, in a fresh directory that is removed afterwards.
  Result<void> run_round(EngineKind engine, size_t round) {
    const std::filesystem::path dir =
        work_dir_ / fmt::format("{}-{}", engine_name(engine), round + 1);
    std::filesystem::create_directories(dir);
    auto result = run_in(engine, dir);
    EngineRound engine_round{result ? *result : RoundResult{}, bytes_under(dir)};
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    if (!result) {
      return tl::unexpected(result.error());
    }
    runs_[static_cast<size_t>(engine)].rounds.push_back(engine_round);
    const auto& rates = engine_round.result.rates;
    fmt::print(
        "round {}/{} {:<10} import {:>8.0f}/s  read {:>8.0f}/s  identifier {:>7.0f}/s  "
        "family {:>6.0f}/s  {:>5.0f} MB\n",
        round + 1, kRounds, engine_name(engine), rates[0], rates[1], rates[2], rates[3],
        static_cast<double>(engine_round.bytes_on_disk) / 1e6);
    std::fflush(stdout);
    return {};
  }

  // Every engine must have found the same matches in every round.
  Result<void> check_agreement() const {
    const RoundResult& reference = runs_[0].rounds.front().result;
    for (const EngineRuns& runs : runs_) {
      for (const EngineRound& engine_round : runs.rounds) {
        if (engine_round.result.identifier_matches != reference.identifier_matches ||
            engine_round.result.family_matches != reference.family_matches) {
          return vigie::fail(ErrorCode::kIntegrity, "the engines' search results differ");
        }
      }
    }
    return {};
  }

  void print_summary() const {
    print_table(fmt::format("median of {} rounds, wall", kRounds), &RoundResult::rates);
    print_table(fmt::format("median of {} rounds, CPU", kRounds), &RoundResult::cpu_rates);
    fmt::print("\n{:<28} {:>10.0f} {:>10.0f} {:>10.0f}\n", "size on disk (MB)",
               size_mb(EngineKind::kPlaintext), size_mb(EngineKind::kVigie),
               size_mb(EngineKind::kSqlcipher));
    for (EngineKind engine : {EngineKind::kPlaintext, EngineKind::kSqlcipher}) {
      std::string line;
      for (const auto& [name, value] : runs_[static_cast<size_t>(engine)].settings) {
        line += fmt::format(" {}={}", name, value);
      }
      fmt::print("{} settings:{}\n", engine_name(engine), line);
    }
  }

 private:
  Result<RoundResult> run_in(EngineKind engine, const std::filesystem::path& dir) {
    EngineRuns& runs = runs_[static_cast<size_t>(engine)];
    if (engine == EngineKind::kVigie) {
      auto vault = vigie::bench::VaultEngine::create(dir / "vault");
      if (!vault) {
        return tl::unexpected(vault.error());
      }
      return vigie::bench::run_round(**vault, workload_);
    }
    if (engine == EngineKind::kPlaintext) {
      vigie::bench::PlainSqlOptions options;
      options.path = dir / "plain.db";
      auto plain = vigie::bench::PlainSqlEngine::create(options);
      if (!plain) {
        return tl::unexpected(plain.error());
      }
      if (runs.settings.empty()) {
        auto settings = (*plain)->settings();
        if (!settings) {
          return tl::unexpected(settings.error());
        }
        runs.settings = std::move(*settings);
      }
      return vigie::bench::run_round(**plain, workload_);
    }
    auto output = run_and_capture(
        sqlcipher_program_, {(work_dir_ / kWorkloadFile).string(), (dir / "cipher.db").string()});
    if (!output) {
      return tl::unexpected(output.error());
    }
    if (runs.settings.empty()) {
      runs.settings = info_lines(*output);
    }
    return vigie::bench::parse_round(*output);
  }

  using Rates = std::array<double, vigie::bench::kMeasureCount> RoundResult::*;

  // The table of median rates with vigie's ratios and the targets.
  void print_table(const std::string& title, Rates rates) const {
    fmt::print("\n{:<28} {:>10} {:>10} {:>10}   {:<22} {:<22}\n", title, "plaintext", "vigie",
               "SQLCipher", "vigie/plaintext", "vigie/SQLCipher");
    for (Measure measure : vigie::bench::kMeasures) {
      const double plain = median(EngineKind::kPlaintext, measure, rates);
      const double vigie = median(EngineKind::kVigie, measure, rates);
      const double cipher = median(EngineKind::kSqlcipher, measure, rates);
      fmt::print("{:<28} {:>10.0f} {:>10.0f} {:>10.0f}   {:<22} {:<22}\n", measure_label(measure),
                 plain, vigie, cipher, ratio_cell(measure, EngineKind::kPlaintext, vigie / plain),
                 ratio_cell(measure, EngineKind::kSqlcipher, vigie / cipher));
    }
  }

  double median(EngineKind engine, Measure measure, Rates rates_of) const {
    std::vector<double> rates;
    for (const EngineRound& engine_round : runs_[static_cast<size_t>(engine)].rounds) {
      rates.push_back((engine_round.result.*rates_of)[static_cast<size_t>(measure)]);
    }
    std::sort(rates.begin(), rates.end());
    return rates[rates.size() / 2];
  }

  double size_mb(EngineKind engine) const {
    return static_cast<double>(runs_[static_cast<size_t>(engine)].rounds.front().bytes_on_disk) /
           1e6;
  }

  static std::string ratio_cell(Measure measure, EngineKind versus, double ratio) {
    for (const Target& target : kTargets) {
      if (target.measure == measure && target.versus == versus) {
        return fmt::format("{:.2f} {} (>= {:.1f})", ratio,
                           ratio >= target.minimum ? "PASS" : "BELOW", target.minimum);
      }
    }
    return fmt::format("{:.2f}", ratio);
  }

  vigie::bench::Workload workload_;
  std::filesystem::path work_dir_;
  std::filesystem::path sqlcipher_program_;
  std::array<EngineRuns, kEngines.size()> runs_;
};

// The 1-minute load average, to judge how much other processes disturbed the run.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one_minute;
  in >> one_minute;
  return one_minute.empty() ? std::string("unknown") : one_minute;
}

// A new private directory under the system's temporary directory.
Result<std::filesystem::path> make_work_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "vigie-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return vigie::fail(ErrorCode::kInternal, "cannot create a temporary directory");
  }
  return std::filesystem::path(pattern);
}

int fail_with(const Error& error) {
  fmt::print(stderr, "vault_bench: {}\n", error.message);
  return 1;
}

int run(const vigie::bench::WorkloadSpec& spec) {
  const auto started = std::chrono::steady_clock::now();
  auto workload = vigie::bench::build_workload(spec);
  if (!workload) {
    return fail_with(workload.error());
  }
  const std::chrono::duration<double> prepared = std::chrono::steady_clock::now() - started;
  fmt::print(
      "vault_bench: {} resources in {} transactions of up to {}; {} point reads, {} "
      "identifier searches, {} family-prefix searches; {} rounds (prepared in {:.1f} s)\n",
      workload->resource_count(), workload->batches.size(), spec.batch_size, workload->reads.size(),
      workload->identifiers.size(), workload->family_prefixes.size(), kRounds, prepared.count());
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) {
    return fail_with(Error{ErrorCode::kInternal, "cannot find this executable's path"});
  }
  auto work_dir = make_work_dir();
  if (!work_dir) {
    return fail_with(work_dir.error());
  }
  int status = 0;
  if (auto written = vigie::bench::write_workload(*workload, *work_dir / kWorkloadFile); !written) {
    status = fail_with(written.error());
  }
  Bench bench(std::move(*workload), *work_dir, self.parent_path() / "sqlcipher_bench");
  for (size_t round = 0; round < kRounds && status == 0; ++round) {
    for (EngineKind engine : kEngines) {
      if (auto done = bench.run_round(engine, round); !done) {
        status = fail_with(done.error());
        break;
      }
    }
  }
  std::filesystem::remove_all(*work_dir, error);
  if (status != 0) {
    return status;
  }
  if (auto agreed = bench.check_agreement(); !agreed) {
    return fail_with(agreed.error());
  }
  bench.print_summary();
  const std::chrono::duration<double> total = std::chrono::steady_clock::now() - started;
  fmt::print("total {:.0f} s; load average {} at the end\n", total.count(), load_average());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vigie's vault against plaintext SQLite and SQLCipher on the same data"};
  vigie::bench::WorkloadSpec spec;
  bool quick = false;
  app.add_option("--resources", spec.resources, "number of resources to import")
      ->check(CLI::Range(size_t{1'000}, size_t{10'000'000}));
  app.add_flag("--quick", quick, "smoke run on 10,000 resources");
  CLI11_PARSE(app, argc, argv);
  if (quick) {
    spec.resources = kQuickResources;
  }
  return run(spec);
}
