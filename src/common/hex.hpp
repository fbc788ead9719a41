#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vigie {

// Lower-case hexadecimal, two digits per byte.
[[nodiscard]] std::string to_hex(std::span<const uint8_t> bytes);

// The bytes that `text` writes in lower-case hexadecimal (as to_hex does) into `out`: false, and
// `out` partly written, for any other text, a length other than 2 * out.size() included.
[[nodiscard]] bool from_hex(std::string_view text, std::span<uint8_t> out);

// The `bytes` bytes that `text` writes in lower-case hexadecimal; nullopt as from_hex above.
[[nodiscard]] std::optional<std::vector<uint8_t>> from_hex(std::string_view text, size_t bytes);

}  // namespace vigie
