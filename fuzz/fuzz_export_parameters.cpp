// Untrusted Bulk Data $export kick-offs: the Prefer header, the query of a GET and the Parameters
// body of a POST (lifecycle/export_parameters.cpp). Input: the Prefer header on the first line,
// then either a query string (form-encoded pairs, not decoded: '&' and '=' split them) or, when
// it starts with '{', a JSON body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>

#include "fhir/resource_types.hpp"
#include "fuzz_invariant.hpp"
#include "lifecycle/export_parameters.hpp"

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Every message a refusal of the query or the Parameters' pairs may carry: fixed phrases, and the
// unsupported-parameter phrase with a name vigie knows (or "parameter"). A message outside this
// set could hold a value from the request.
bool is_fixed_message(std::string_view message) {
  constexpr std::string_view kFixed[] = {
      "_type names too many types",         "_since is given twice",
      "_since expects a FHIR instant",      "_outputFormat is given twice",
      "_type names no known resource type", "_elements names too many elements"};
  constexpr std::string_view kNames[] = {
      "_type",       "_since",  "_outputFormat",         "_elements",
      "_typeFilter", "patient", "includeAssociatedData", "_format",
      "parameter"};
  constexpr std::string_view kUnsupported = "unsupported $export parameter or value: ";
  for (const std::string_view fixed : kFixed) {
    if (message == fixed) {
      return true;
    }
  }
  if (!message.starts_with(kUnsupported)) {
    return false;
  }
  message.remove_prefix(kUnsupported.size());
  for (const std::string_view name : kNames) {
    if (message == name) {
      return true;
    }
  }
  return false;
}

Pairs pairs_of_query(std::string_view query) {
  Pairs pairs;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t equals = pair.find('=');
    pairs.emplace_back(
        std::string(pair.substr(0, equals)),
        equals == std::string_view::npos ? "" : std::string(pair.substr(equals + 1)));
    if (amp == std::string_view::npos) {
      break;
    }
    query.remove_prefix(amp + 1);
  }
  return pairs;
}

void check(const Pairs& pairs, bool lenient) {
  vigie::Result<vigie::lifecycle::ExportParameters> parsed =
      vigie::lifecycle::parse_export_parameters(pairs, lenient);
  if (!parsed) {
    vigie::fuzz::require(parsed.error().code == vigie::ErrorCode::kUsage,
                         "a refused kick-off is a usage error");
    // Names are shown only when they are parameters vigie knows; values never.
    vigie::fuzz::require(is_fixed_message(parsed.error().message),
                         "a refusal never echoes a value");
    return;
  }
  for (const std::string& type : parsed->types) {
    vigie::fuzz::require(vigie::fhir::is_known_resource_type(type), "every type is known");
  }
  vigie::fuzz::require(lenient || parsed->ignored.empty(), "only lenient handling ignores");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t newline = text.find('\n');
  const vigie::lifecycle::ExportPreferences preferences =
      vigie::lifecycle::parse_prefer(text.substr(0, newline));
  const std::string_view rest = newline == std::string_view::npos ? "" : text.substr(newline + 1);
  if (rest.starts_with('{')) {
    boost::json::error_code error;
    const boost::json::value body = boost::json::parse(rest, error);
    if (error || !body.is_object()) {
      return 0;
    }
    auto pairs = vigie::lifecycle::parameters_of_body(body.get_object());
    if (pairs) {
      check(*pairs, preferences.lenient);
    }
    return 0;
  }
  check(pairs_of_query(rest), preferences.lenient);
  return 0;
}
