// Untrusted Bulk Data $export kick-offs: the Prefer header, the query of a GET and the Parameters
// body of a POST (lifecycle/export_parameters.cpp). Input: the Prefer header on the first line,
// then either a query string (form-encoded pairs, not decoded: '&' and '=' split them) or, when
// it starts with '{', a JSON body.
#include <algorithm>
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

// Whether `text` is a known resource type.
bool is_type(std::string_view text) { return vigie::fhir::is_known_resource_type(text); }

// The refusals of one _typeFilter query: a search result parameter, a search parameter name
// (letters, digits, '_', '-', '.', at most 64: a name, shown as such) not supported for a known
// type, or a value of a known type that the search parser refused (never shown).
bool is_type_filter_message(std::string_view message) {
  constexpr std::string_view kResult[] = {"_include", "_revinclude", "_sort", "_count", "_offset"};
  for (const std::string_view name : kResult) {
    if (message == "_typeFilter: " + std::string(name) +
                       " shapes a search's response and is not accepted in a filter") {
      return true;
    }
  }
  constexpr std::string_view kValue = "_typeFilter: a search value for ";
  constexpr std::string_view kValueEnd = " is malformed or unsupported";
  if (message.starts_with(kValue) && message.ends_with(kValueEnd)) {
    return is_type(
        message.substr(kValue.size(), message.size() - kValue.size() - kValueEnd.size()));
  }
  constexpr std::string_view kName = "_typeFilter: search parameter ";
  constexpr std::string_view kFor = " is not supported for ";
  if (!message.starts_with(kName)) {
    return false;
  }
  message.remove_prefix(kName.size());
  const size_t at = message.find(kFor);
  if (at == std::string_view::npos || !is_type(message.substr(at + kFor.size()))) {
    return false;
  }
  const std::string_view name = message.substr(0, at);
  return name == "(unnamed)" ||
         (!name.empty() && name.size() <= 64 &&
          name.find_first_not_of(
              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") ==
              std::string_view::npos);
}

// Every message a refusal of the query or the Parameters' pairs may carry: fixed phrases, and the
// unsupported-parameter phrase with a name vigie knows (or "parameter"). A message outside this
// set could hold a value from the request.
bool is_fixed_message(std::string_view message) {
  constexpr std::string_view kFixed[] = {
      "_type names too many types",
      "_since is given twice",
      "_since expects a FHIR instant",
      "_outputFormat is given twice",
      "_type names no known resource type",
      "_elements names too many elements",
      "_typeFilter names too many queries",
      "_typeFilter filters a type that _type does not ask for",
      "_typeFilter leaves no usable query for a type",
      "patient names too many patients",
      "_typeFilter: a query is Type?parameters, of a known resource type",
      "_typeFilter: a % escape is invalid"};
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
  if (is_type_filter_message(message)) {
    return true;
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

void check_at(const Pairs& pairs, bool lenient, vigie::lifecycle::ExportLevel level) {
  vigie::Result<vigie::lifecycle::ExportParameters> parsed =
      vigie::lifecycle::parse_export_parameters(pairs, lenient, level);
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
  vigie::fuzz::require(level != vigie::lifecycle::ExportLevel::kSystem || parsed->patients.empty(),
                       "no patient list at system level");
  for (const vigie::fhir::SearchQuery& query : parsed->type_filters) {
    vigie::fuzz::require(parsed->types.empty() ||
                             std::find(parsed->types.begin(), parsed->types.end(), query.type) !=
                                 parsed->types.end(),
                         "a filter's type is one _type asks for");
    vigie::fuzz::require(query.includes.empty(), "a filter includes nothing");
  }
}

void check(const Pairs& pairs, bool lenient) {
  for (const auto level :
       {vigie::lifecycle::ExportLevel::kSystem, vigie::lifecycle::ExportLevel::kPatient,
        vigie::lifecycle::ExportLevel::kGroup}) {
    check_at(pairs, lenient, level);
  }
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
