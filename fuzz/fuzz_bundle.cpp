// Untrusted Bundle JSON: import planning (validation, urn:uuid resolution, batch errors).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fhir/bundle.hpp"
#include "fhir/json.hpp"
#include "fhir/search_index.hpp"
#include "fhir/validate.hpp"
#include "fuzz_invariant.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigie::fhir;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  vigie::Result<boost::json::object> bundle = parse_json_object(text);
  if (!bundle) {
    return 0;
  }
  size_t issued = 0;
  vigie::Result<BundlePlan> plan =
      plan_bundle(*bundle, [&issued] { return "fuzz-" + std::to_string(++issued); });
  if (!plan) {
    vigie::fuzz::require(plan.error().code == vigie::ErrorCode::kInvalidInput,
                         "a rejected bundle is invalid input");
    return 0;
  }
  for (const PlannedEntry& entry : plan->entries) {
    if (entry.error) {
      vigie::fuzz::require(plan->kind == BundleKind::kBatch, "only a batch keeps entry errors");
      continue;
    }
    vigie::fuzz::require(!entry.type.empty() && !entry.id.empty(), "planned entries have a target");
    if (entry.action == EntryAction::kDelete) {
      vigie::fuzz::require(entry.resource.empty(), "a delete carries no resource");
      continue;
    }
    vigie::fuzz::require(validate_resource(entry.resource).has_value(),
                         "planned resources pass validation");
    vigie::fuzz::require(to_verified_json_text(entry.resource).has_value(),
                         "planned resources read back exactly from the text the vault seals");
    (void)index_entries(entry.resource);
    (void)patient_compartment_of(entry.resource);
  }
  return 0;
}
