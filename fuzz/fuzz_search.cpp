// Untrusted search requests. Input: the resource type on the first line, then "name=value"
// pairs separated by '&' (already URL-decoded, as the HTTP layer hands them over).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhir/json.hpp"
#include "fhir/search.hpp"
#include "fuzz_invariant.hpp"

namespace {

std::vector<std::pair<std::string, std::string>> split_params(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t equals = pair.find('=');
    if (equals == std::string_view::npos) {
      params.emplace_back(std::string(pair), std::string());
    } else {
      params.emplace_back(std::string(pair.substr(0, equals)),
                          std::string(pair.substr(equals + 1)));
    }
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  return params;
}

void check_date_interval(std::string_view text) {
  vigie::Result<std::pair<int64_t, int64_t>> interval = vigie::fhir::parse_date_interval(text);
  if (!interval) {
    return;
  }
  vigie::fuzz::require(interval->first < interval->second, "a date interval is not empty");
  vigie::Result<std::pair<int64_t, int64_t>> again =
      vigie::fhir::parse_date_interval(vigie::fhir::format_instant(interval->first));
  vigie::fuzz::require(!again || again->first == interval->first, "instants read back equal");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigie::fhir;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_date_interval(text);
  size_t newline = text.find('\n');
  std::string_view type = text.substr(0, newline);
  std::string_view query = newline == std::string_view::npos ? "" : text.substr(newline + 1);
  std::vector<std::pair<std::string, std::string>> params = split_params(query);
  for (const auto& [name, value] : params) {
    check_date_interval(value);
  }
  vigie::Result<SearchQuery> parsed = parse_search(type, params);
  if (!parsed) {
    vigie::fuzz::require(parsed.error().code == vigie::ErrorCode::kUsage,
                         "a rejected search is a usage error");
    return 0;
  }
  vigie::fuzz::require(parsed->count <= 1000, "_count stays within its bound");
  for (const TokenCondition& condition : parsed->token_conditions) {
    vigie::fuzz::require(!condition.any_of.empty(), "a token condition has values");
  }
  for (const IncludeSpec& include : parsed->includes) {
    const std::string spec = include.source_type + ":" + include.param;
    const std::vector<std::string> supported =
        include.reverse ? revinclude_sources_of(type) : include_targets_of(type);
    vigie::fuzz::require(std::find(supported.begin(), supported.end(), spec) != supported.end(),
                         "an accepted include is one the CapabilityStatement lists");
  }
  vigie::fuzz::require(!parsed->after.has_value(), "a client never sets the page position");
  (void)matches_last_updated(1'790'000'000'000, parsed->last_updated_conditions);
  boost::json::object resource;
  resource["resourceType"] = parsed->type;
  resource["effectiveDateTime"] = "2024-03-05T08:30:00+01:00";
  resource["period"] = boost::json::object{{"start", "2024-01-10"}};
  resource["created"] = "2020";
  (void)matches_date_conditions(resource, parsed->date_conditions);
  return 0;
}
