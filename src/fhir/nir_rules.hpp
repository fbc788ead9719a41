#pragma once

#include <optional>
#include <string_view>

namespace vigie::fhir {

// The first rule of a NIR / NIA that `value` breaks, as a message fragment that never repeats the
// value ("must be 15 characters", "has an invalid control key", ...); nullopt when it is valid.
// validate_nir and validate_resource prefix it with what was checked.
[[nodiscard]] std::optional<std::string_view> nir_rule_violation(std::string_view value);

}  // namespace vigie::fhir
