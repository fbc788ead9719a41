#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace vigie {

// Lower-case hexadecimal, two digits per byte.
[[nodiscard]] std::string to_hex(std::span<const uint8_t> bytes);

}  // namespace vigie
