#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vigie::crypto {

// URL-safe base64 without padding (RFC 4648 section 5), for opaque tokens in URLs.
[[nodiscard]] std::string to_base64url(std::span<const uint8_t> bytes);

// The bytes of `text`; nullopt for text that is empty or not canonical URL-safe base64 without
// padding (a character outside the alphabet, a length that cannot be, stray trailing bits).
[[nodiscard]] std::optional<std::vector<uint8_t>> from_base64url(std::string_view text);

// The bytes of standard base64 with padding (RFC 4648 section 4, FHIR's base64Binary); nullopt
// for text that is not (whitespace included). Empty text is zero bytes.
[[nodiscard]] std::optional<std::vector<uint8_t>> from_base64(std::string_view text);

}  // namespace vigie::crypto
