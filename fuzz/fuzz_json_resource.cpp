// Untrusted resource JSON: parsing, validation, indexing, compartment and serialisation; numbers
// keep their text, and a validated resource reads back exactly from the text the vault seals.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fhir/json.hpp"
#include "fhir/normalize.hpp"
#include "fhir/search_index.hpp"
#include "fhir/validate.hpp"
#include "fuzz_invariant.hpp"

namespace {

// Every number keeps one representation: the value json_number() makes of its text, and never a
// string to json_string().
void require_exact_numbers(const boost::json::value& value) {
  if (std::optional<std::string> number = vigie::fhir::json_number_text(value)) {
    std::optional<boost::json::value> rebuilt = vigie::fhir::json_number(*number);
    vigie::fuzz::require(rebuilt.has_value() && *rebuilt == value,
                         "a number is the value its text makes");
    vigie::fuzz::require(vigie::fhir::json_string(value) == nullptr, "a number is not a string");
    return;
  }
  if (const boost::json::array* elements = value.if_array()) {
    for (const boost::json::value& element : *elements) {
      require_exact_numbers(element);
    }
  } else if (const boost::json::object* members = value.if_object()) {
    for (const boost::json::key_value_pair& member : *members) {
      require_exact_numbers(member.value());
    }
  }
}

}  // namespace

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
  const std::string compact_text = to_json_text(value);
  vigie::Result<boost::json::value> compact = parse_json(compact_text);
  vigie::fuzz::require(compact.has_value() && *compact == value, "compact text reads back equal");
  vigie::fuzz::require(to_json_text(*compact) == compact_text,
                       "compact text read back serialises to the same text");
  vigie::Result<boost::json::value> pretty = parse_json(to_pretty_json_text(value));
  vigie::fuzz::require(pretty.has_value() && *pretty == value, "indented text reads back equal");
  require_exact_numbers(value);
  if (valid) {
    // What the vault seals: a validated resource must give a text that reads back exactly.
    vigie::Result<std::string> sealed_text = to_verified_json_text(*resource);
    vigie::fuzz::require(sealed_text.has_value() && *sealed_text == compact_text,
                         "a validated resource reads back exactly from its stored text");
  }
  return 0;
}
