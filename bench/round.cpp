#include "bench/round.hpp"

#include <charconv>
#include <chrono>
#include <ctime>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace vigie::bench {

namespace {

using SteadyClock = std::chrono::steady_clock;

// Wall-clock and CPU time at the start of a measure.
struct Stopwatch {
  SteadyClock::time_point wall = SteadyClock::now();
  double cpu_seconds = process_cpu_seconds();

  static double process_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
  }
};

constexpr std::string_view kIdentifierMatches = "identifier_matches";
constexpr std::string_view kFamilyMatches = "family_matches";

// Runs the searches of `values` for `param`, and returns how many matches they gave.
Result<size_t> run_searches(Engine& engine, std::string_view param,
                            const std::vector<std::string>& values, bool must_match) {
  size_t matches = 0;
  for (const std::string& value : values) {
    auto query = fhir::parse_search("Patient", {{std::string(param), value}, {"_count", "50"}});
    if (!query) {
      return tl::unexpected(query.error());
    }
    auto page = engine.search(*query);
    if (!page) {
      return tl::unexpected(page.error());
    }
    if (must_match && page->empty()) {
      return fail(ErrorCode::kIntegrity, fmt::format("a {} search found nothing", param));
    }
    matches += page->size();
  }
  return matches;
}

}  // namespace

std::string_view measure_name(Measure measure) {
  switch (measure) {
    case Measure::kImport:
      return "import";
    case Measure::kPointRead:
      return "read";
    case Measure::kIdentifierSearch:
      return "identifier";
    case Measure::kFamilySearch:
      return "family";
  }
  return "unknown";
}

std::optional<Measure> measure_named(std::string_view name) {
  for (Measure measure : kMeasures) {
    if (measure_name(measure) == name) {
      return measure;
    }
  }
  return std::nullopt;
}

Result<RoundResult> run_round(Engine& engine, const Workload& workload) {
  RoundResult result;
  Stopwatch start;
  // Records the rates of `measure`, `operations` done since `start`.
  auto record = [&](Measure measure, size_t operations) {
    const std::chrono::duration<double> wall = SteadyClock::now() - start.wall;
    const double cpu = Stopwatch::process_cpu_seconds() - start.cpu_seconds;
    result.rates[static_cast<size_t>(measure)] = static_cast<double>(operations) / wall.count();
    result.cpu_rates[static_cast<size_t>(measure)] = static_cast<double>(operations) / cpu;
  };

  for (const fhir::BundlePlan& batch : workload.batches) {
    if (auto imported = engine.import_batch(batch); !imported) {
      return tl::unexpected(imported.error());
    }
  }
  record(Measure::kImport, workload.resource_count());

  start = Stopwatch();
  for (const ResourceKey& key : workload.reads) {
    auto resource = engine.read(key.type, key.id);
    if (!resource) {
      return tl::unexpected(resource.error());
    }
    const auto* id = resource->if_contains("id");
    if (id == nullptr || !id->is_string() || id->get_string() != key.id) {
      return fail(ErrorCode::kIntegrity, "a read returned another resource");
    }
  }
  record(Measure::kPointRead, workload.reads.size());

  start = Stopwatch();
  auto identifier_matches = run_searches(engine, "identifier", workload.identifiers, true);
  if (!identifier_matches) {
    return tl::unexpected(identifier_matches.error());
  }
  record(Measure::kIdentifierSearch, workload.identifiers.size());
  result.identifier_matches = *identifier_matches;

  start = Stopwatch();
  auto family_matches = run_searches(engine, "family", workload.family_prefixes, false);
  if (!family_matches) {
    return tl::unexpected(family_matches.error());
  }
  record(Measure::kFamilySearch, workload.family_prefixes.size());
  result.family_matches = *family_matches;
  return result;
}

std::string format_round(const RoundResult& result) {
  std::string text;
  for (Measure measure : kMeasures) {
    text += fmt::format("rate {} {:.1f}\n", measure_name(measure),
                        result.rates[static_cast<size_t>(measure)]);
    text += fmt::format("cpu_rate {} {:.1f}\n", measure_name(measure),
                        result.cpu_rates[static_cast<size_t>(measure)]);
  }
  text += fmt::format("check {} {}\n", kIdentifierMatches, result.identifier_matches);
  text += fmt::format("check {} {}\n", kFamilyMatches, result.family_matches);
  return text;
}

Result<RoundResult> parse_round(std::string_view text) {
  RoundResult result;
  size_t rates_seen = 0;
  size_t checks_seen = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    const size_t first_space = line.find(' ');
    const size_t second_space = line.find(' ', first_space + 1);
    if (first_space == std::string_view::npos || second_space == std::string_view::npos) {
      continue;
    }
    const std::string_view kind = line.substr(0, first_space);
    const std::string_view name = line.substr(first_space + 1, second_space - first_space - 1);
    const std::string_view value = line.substr(second_space + 1);
    if (kind == "rate" || kind == "cpu_rate") {
      auto measure = measure_named(name);
      double rate = 0;
      if (!measure || std::from_chars(value.begin(), value.end(), rate).ec != std::errc()) {
        return fail(ErrorCode::kInvalidInput, "unreadable rate line");
      }
      (kind == "rate" ? result.rates : result.cpu_rates)[static_cast<size_t>(*measure)] = rate;
      ++rates_seen;
    } else if (kind == "check") {
      size_t* target = name == kIdentifierMatches ? &result.identifier_matches
                       : name == kFamilyMatches   ? &result.family_matches
                                                  : nullptr;
      if (target == nullptr ||
          std::from_chars(value.begin(), value.end(), *target).ec != std::errc()) {
        return fail(ErrorCode::kInvalidInput, "unreadable check line");
      }
      ++checks_seen;
    }
  }
  if (rates_seen != 2 * kMeasureCount || checks_seen != 2) {
    return fail(ErrorCode::kInvalidInput, "incomplete round output");
  }
  return result;
}

}  // namespace vigie::bench
