// Untrusted resource JSON: parsing, validation, indexing, compartment and serialisation.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fhir/json.hpp"
#include "fhir/normalize.hpp"
#include "fhir/search_index.hpp"
#include "fhir/validate.hpp"
#include "fuzz_invariant.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigie::fhir;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string folded = fold_for_search(text);
  vigie::fuzz::require(fold_for_search(folded) == folded, "folding is idempotent");

  vigie::Result<boost::json::object> resource = parse_json_object(text);
  if (!resource) {
    vigie::fuzz::require(resource.error().code == vigie::ErrorCode::kInvalidInput,
                         "a parse failure is invalid input");
    return 0;
  }
  vigie::Result<void> valid = validate_resource(*resource);
  vigie::fuzz::require(valid.has_value() || valid.error().code == vigie::ErrorCode::kInvalidInput,
                       "a validation failure is invalid input");
  for (const IndexEntry& entry : index_entries(*resource)) {
    vigie::fuzz::require(!entry.param.empty(), "index entries name their parameter");
  }
  (void)patient_compartment_of(*resource);

  boost::json::value value(*resource);
  vigie::Result<boost::json::value> compact = parse_json(to_json_text(value));
  vigie::fuzz::require(compact.has_value() && *compact == value, "compact text reads back equal");
  vigie::Result<boost::json::value> pretty = parse_json(to_pretty_json_text(value));
  vigie::fuzz::require(pretty.has_value() && *pretty == value, "indented text reads back equal");
  return 0;
}
