#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"
#include "http/message.hpp"

namespace vigie::http {

// A request target in origin form ("/fhir/Patient?family=dupont&_count=10") split into its path
// (kept percent-encoded: route patterns match it as written) and its decoded query parameters.
struct RequestTarget {
  std::string path;
  QueryParameters query;
};

// Bounds on what one target may hold (Beast's header limit bounds its bytes already).
inline constexpr size_t kMaxQueryParameters = 64;

// kUsage, naming what is wrong but never echoing the target (it may hold patient values), when:
// the target is not in origin form (does not start with "/"), holds a fragment, a control
// character or a space, a bad percent escape ("%4", "%zz"), an encoded NUL, a decoded name or
// value that is not UTF-8, an empty parameter name, or more than kMaxQueryParameters parameters.
// "+" in the query decodes to a space (HTML forms), as FHIR clients expect.
[[nodiscard]] Result<RequestTarget> parse_target(std::string_view target);

// The name/value pairs of a query string or an application/x-www-form-urlencoded body (the
// same rules as parse_target's query).
[[nodiscard]] Result<QueryParameters> parse_query(std::string_view query);

// Decodes one form-encoded component (percent escapes; "+" as a space when `plus_is_space`).
// kUsage on a bad escape, an encoded NUL or text that is not UTF-8 once decoded.
[[nodiscard]] Result<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace vigie::http
