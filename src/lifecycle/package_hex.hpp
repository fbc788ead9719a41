#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace vigie::lifecycle {

// The `bytes` bytes that `text` writes in lower-case hexadecimal (as to_hex does); nullopt for
// any other text, a length other than 2 * bytes included.
[[nodiscard]] std::optional<std::vector<uint8_t>> from_hex(std::string_view text, size_t bytes);

}  // namespace vigie::lifecycle
