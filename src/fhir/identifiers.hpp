#pragma once

#include <string_view>

#include "common/error.hpp"

namespace vigie::fhir {

// Identifier systems of the French national health identity (INS).
inline constexpr std::string_view kInsNirSystem = "urn:oid:1.2.250.1.213.1.4.8";
inline constexpr std::string_view kInsNiaSystem = "urn:oid:1.2.250.1.213.1.4.9";
// Practitioners' national identifier (RPPS), 11 digits.
inline constexpr std::string_view kRppsSystem = "urn:oid:1.2.250.1.71.4.2.1";

// Validates a NIR / NIA: exactly 15 characters, 13 digits (positions 6-7 may be 2A or 2B for
// Corsica, counted as 19 and 18 for the key) followed by a 2-digit control key equal to
// 97 - (first 13 digits mod 97). kInvalidInput with a message that says which rule failed
// ("... has an invalid control key") and never repeats the value.
[[nodiscard]] Result<void> validate_nir(std::string_view value);

// The control key (1..97) of the first 13 characters of a NIR, Corsica handled. Precondition:
// `first13` passes the format part of validate_nir. Used by demo-data to make valid numbers.
[[nodiscard]] int nir_control_key(std::string_view first13);

// True when `value` is exactly 11 digits (RPPS numbers carry no separate check here).
[[nodiscard]] bool is_valid_rpps(std::string_view value);

}  // namespace vigie::fhir
