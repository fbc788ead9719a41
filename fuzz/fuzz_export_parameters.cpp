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

// Every text a refusal may hold besides nothing: its fixed phrases and the parameter names it
// may name. A value found in a message must come from here.
constexpr std::string_view kFixedTexts =
    "unsupported $export parameter or value: _type _since _outputFormat _elements _typeFilter "
    "patient includeAssociatedData _format parameter; _type names too many types; _since is "
    "given twice; _since expects a FHIR instant; _outputFormat is given twice; _type names no "
    "known resource type; _elements names too many elements";

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
    for (const auto& [name, value] : pairs) {
      // Names are shown only when they are parameters vigie knows; values never.
      vigie::fuzz::require(value.empty() || kFixedTexts.find(value) != std::string_view::npos ||
                               parsed.error().message.find(value) == std::string::npos,
                           "a refusal never echoes a value");
    }
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
