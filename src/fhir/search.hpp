#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "common/error.hpp"

namespace vigie::fhir {

// A resource matches a TokenCondition when it has an index entry (param, v) for at least one v
// in `any_of` (a comma-separated FHIR value list gives several).
struct TokenCondition {
  std::string param;
  std::vector<std::string> any_of;
};

enum class DateComparator { kEq, kNe, kGt, kLt, kGe, kLe };

// A FHIR date search value: the half-open UTC interval [begin_ms, end_ms) its precision covers
// ("2020" covers the whole year).
struct DateCondition {
  DateComparator comparator = DateComparator::kEq;
  int64_t begin_ms = 0;
  int64_t end_ms = 0;
};

struct SearchQuery {
  std::string type;
  std::vector<std::string> ids;                  // _id=a,b (empty: any id)
  std::vector<TokenCondition> token_conditions;  // AND of the conditions
  std::vector<DateCondition> date_conditions;    // `date`, checked on decrypted resources
  size_t count = 50;                             // _count, 0..1000
  size_t offset = 0;                             // _offset
};

// Bounds on one search, so that its cost stays bounded whatever the request: the values of one
// parameter (a comma-separated list, _id included) and the parameters of one search.
inline constexpr size_t kMaxSearchValues = 100;
inline constexpr size_t kMaxSearchParameters = 32;

// The parameters parse_search accepts for `type`, in the order of its message listing them:
// _id, _count, _offset, identifier, then those of the type's index entries.
[[nodiscard]] std::vector<std::string_view> search_parameters_of(std::string_view type);

// Parses FHIR search parameters for `type` (already URL-decoded name/value pairs).
// Supported: _id, _count, _offset, and the parameters index_entries() produces for that type,
// plus `date` for the types that have one (Observation, Encounter, Procedure, Immunization,
// DiagnosticReport, MedicationRequest, Condition, CarePlan, Claim, ExplanationOfBenefit).
// String values are folded (and must then be at least 3 characters unless they match a whole
// value); patient=ID becomes "Patient/ID". kUsage with a clear message for an unknown type or
// parameter, a modifier, an unsupported date prefix, a malformed date, a bad _count, more than
// kMaxSearchValues values in one parameter or more than kMaxSearchParameters parameters (each
// message names the parameter and the bound).
[[nodiscard]] Result<SearchQuery> parse_search(
    std::string_view type, const std::vector<std::pair<std::string, std::string>>& params);

// True when the resource satisfies every date condition (true when there are none). A resource
// without a date element never matches a date condition.
[[nodiscard]] bool matches_date_conditions(const boost::json::object& resource,
                                           const std::vector<DateCondition>& conditions);

// Parses a FHIR instant/dateTime/date into the interval it covers, in UTC milliseconds.
// nullopt-like failure as kInvalidInput.
[[nodiscard]] Result<std::pair<int64_t, int64_t>> parse_date_interval(std::string_view text);

// Formats milliseconds since the epoch as a FHIR instant: "2026-11-28T14:22:59.123Z".
[[nodiscard]] std::string format_instant(int64_t epoch_ms);

}  // namespace vigie::fhir
