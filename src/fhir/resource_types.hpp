#pragma once

#include <span>
#include <string_view>

namespace vigie::fhir {

// The 146 concrete resource types of FHIR R4 (4.0.1), sorted.
[[nodiscard]] std::span<const std::string_view> known_resource_types();

// True for the 146 concrete resource types of FHIR R4 (4.0.1), case-sensitive.
[[nodiscard]] bool is_known_resource_type(std::string_view type);

// True when `id` matches the FHIR id pattern [A-Za-z0-9\-.]{1,64}.
[[nodiscard]] bool is_valid_id(std::string_view id);

}  // namespace vigie::fhir
