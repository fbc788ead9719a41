#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vigie::fhir {

// The Patient id a reference string names: "Patient/ID", an absolute URL ending in
// "/Patient/ID", either optionally followed by "/_history/VID". nullopt for any other reference
// (another type, a contained "#id", an unresolved "urn:uuid:...", an invalid id).
[[nodiscard]] std::optional<std::string> patient_id_from_reference(std::string_view reference);

}  // namespace vigie::fhir
