#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
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

// The FHIR date prefixes: sa (starts after) and eb (ends before) compare the ends of the
// intervals; ap is not supported.
enum class DateComparator { kEq, kNe, kGt, kLt, kGe, kLe, kSa, kEb };

// A FHIR date search value: the half-open UTC interval [begin_ms, end_ms) its precision covers
// ("2020" covers the whole year).
struct DateCondition {
  DateComparator comparator = DateComparator::kEq;
  int64_t begin_ms = 0;
  int64_t end_ms = 0;
};

// The order of a search's results: by id (the default), or by the resource's lastUpdated
// (_sort=_lastUpdated, _sort=-_lastUpdated), ids ascending among equal times.
enum class SortOrder { kId, kLastUpdated, kLastUpdatedDescending };

// A place in the results of a search: the sort key and the id of one entry. A page that follows
// another starts after the last entry of the previous one (keyset paging), so that resources
// created or deleted between two pages neither shift nor repeat the others.
struct PagePosition {
  int64_t last_updated_ms = 0;
  std::string id;
};

// One _include (reverse false: the resources that `param` of the matched `source_type`
// resources refers to) or _revinclude (reverse true: the `source_type` resources whose `param`
// refers to a matched resource). `param` is a reference search parameter vigie indexes
// (patient, subject), so the other end is always a Patient.
struct IncludeSpec {
  std::string source_type;
  std::string param;
  bool reverse = false;
  bool operator==(const IncludeSpec&) const = default;
};

struct SearchQuery {
  std::string type;
  std::vector<std::string> ids;                  // _id=a,b (empty: any id)
  std::vector<TokenCondition> token_conditions;  // AND of the conditions
  std::vector<DateCondition> date_conditions;    // `date`, checked on decrypted resources
  // _lastUpdated, checked on the clear metadata of each candidate (no decryption).
  std::vector<DateCondition> last_updated_conditions;
  size_t count = 50;  // _count, 0..1000
  size_t offset = 0;  // _offset: entries skipped (after `after`, when set)
  SortOrder sort = SortOrder::kId;
  std::vector<IncludeSpec> includes;  // _include and _revinclude, in the order written
  // Set by the caller (never by parse_search): the page starts after this position.
  std::optional<PagePosition> after;
  // Set false by a caller that walks every page and never shows the total (bulk export): a page
  // sorted by id then costs the page, not every match of the query (SearchPage::total is then
  // not the number of matches).
  bool needs_total = true;
};

// Bounds on one search, so that its cost stays bounded whatever the request: the values of one
// parameter (a comma-separated list, _id included) and the parameters of one search.
inline constexpr size_t kMaxSearchValues = 100;
inline constexpr size_t kMaxSearchParameters = 32;
// Resources that _include and _revinclude add to one page, at most; beyond, the page says that
// some were left out.
inline constexpr size_t kMaxIncludedPerPage = 200;

// The parameters parse_search accepts for `type`, in the order of its message listing them:
// _id, _count, _offset, _lastUpdated, _sort, identifier, then those of the type's index entries
// (_include and _revinclude aside: see include_targets_of and revinclude_sources_of).
[[nodiscard]] std::vector<std::string_view> search_parameters_of(std::string_view type);

// The _include values parse_search accepts for `type` ("Observation:subject"), and the
// _revinclude values it accepts (only for Patient: every "Type:param" whose reference to a
// Patient vigie indexes), sorted.
[[nodiscard]] std::vector<std::string> include_targets_of(std::string_view type);
[[nodiscard]] std::vector<std::string> revinclude_sources_of(std::string_view type);

// Parses FHIR search parameters for `type` (already URL-decoded name/value pairs).
// Supported: _id, _count, _offset, _lastUpdated (prefixes eq, ne, gt, lt, ge, le, sa, eb),
// _sort (_lastUpdated or -_lastUpdated), _include and _revinclude (see include_targets_of and
// revinclude_sources_of; no :iterate, no wildcard), and the parameters index_entries() produces
// for that type,
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

// True when a resource last updated at `epoch_ms` (an instant: the interval [ms, ms + 1))
// satisfies every condition (true when there are none).
[[nodiscard]] bool matches_last_updated(int64_t epoch_ms,
                                        const std::vector<DateCondition>& conditions);

// Whether `entry` comes strictly after `position` in the results of a search sorted by `sort`:
// by (lastUpdated, id) ascending, by lastUpdated descending then id ascending, or by id alone.
[[nodiscard]] bool comes_after(SortOrder sort, const PagePosition& entry,
                               const PagePosition& position);

// Parses a FHIR instant/dateTime/date into the interval it covers, in UTC milliseconds.
// nullopt-like failure as kInvalidInput.
[[nodiscard]] Result<std::pair<int64_t, int64_t>> parse_date_interval(std::string_view text);

// Formats milliseconds since the epoch as a FHIR instant: "2026-11-28T14:22:59.123Z".
[[nodiscard]] std::string format_instant(int64_t epoch_ms);

}  // namespace vigie::fhir
