#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "bench/engine.hpp"
#include "bench/workload.hpp"
#include "common/error.hpp"

// One measuring round: the whole workload through one engine, timed measure by measure.

namespace vigie::bench {

enum class Measure { kImport, kPointRead, kIdentifierSearch, kFamilySearch };
inline constexpr size_t kMeasureCount = 4;
inline constexpr std::array kMeasures = {Measure::kImport, Measure::kPointRead,
                                         Measure::kIdentifierSearch, Measure::kFamilySearch};

// Stable short name ("import", "read", "identifier", "family"), used in the SQLCipher process's
// output.
[[nodiscard]] std::string_view measure_name(Measure measure);
[[nodiscard]] std::optional<Measure> measure_named(std::string_view name);

struct RoundResult {
  // Operations per second of wall-clock time, indexed by Measure: resources imported, reads,
  // searches, searches.
  std::array<double, kMeasureCount> rates{};
  // Operations per second of this process's CPU time (user + system), which other processes
  // sharing the machine disturb less; waits for the disk are not counted.
  std::array<double, kMeasureCount> cpu_rates{};
  // What the searches returned, summed: equal for every engine when they agree.
  size_t identifier_matches = 0;
  size_t family_matches = 0;
};

// Imports every batch, then runs the reads, the identifier searches and the family-prefix
// searches of `workload`, in that order. Search parameters go through fhir::parse_search inside
// the timings. Fails on the first engine error, or kIntegrity if a read returns another resource
// or an identifier search finds nothing.
[[nodiscard]] Result<RoundResult> run_round(Engine& engine, const Workload& workload);

// Prints `result` as "rate NAME VALUE", "cpu_rate NAME VALUE" and "check NAME VALUE" lines, and
// parses them back.
[[nodiscard]] std::string format_round(const RoundResult& result);
[[nodiscard]] Result<RoundResult> parse_round(std::string_view text);

}  // namespace vigie::bench
