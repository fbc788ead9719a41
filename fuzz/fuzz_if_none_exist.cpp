// Untrusted conditional-create queries: an HTTP If-None-Exist header or a Bundle entry's
// request.ifNoneExist. Input: the resource type on the first line, then the raw query text
// (percent escapes not yet decoded), as the header arrives.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fhir/bundle.hpp"
#include "fuzz_invariant.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigie::fhir;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t newline = text.find('\n');
  const std::string_view type = text.substr(0, newline);
  const std::string_view query = newline == std::string_view::npos ? "" : text.substr(newline + 1);
  vigie::Result<SearchQuery> parsed = parse_if_none_exist(type, query);
  if (!parsed) {
    vigie::fuzz::require(parsed.error().code == vigie::ErrorCode::kInvalidInput,
                         "a refused condition is invalid input");
    return 0;
  }
  vigie::fuzz::require(parsed->type == type, "the condition searches the resource's type");
  vigie::fuzz::require(parsed->count == 2 && parsed->offset == 0,
                       "a condition asks for two matches from the first");
  return 0;
}
