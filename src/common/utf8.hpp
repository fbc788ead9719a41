#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace vigie {

// True when `bytes` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above
// U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::span<const uint8_t> bytes);

// `text` with every byte that does not start a well-formed sequence replaced by U+FFFD, then cut
// at a character boundary so that it holds at most `max_bytes` bytes. Valid text no longer than
// `max_bytes` comes back unchanged.
[[nodiscard]] std::string to_valid_utf8(std::string_view text, size_t max_bytes);

}  // namespace vigie
