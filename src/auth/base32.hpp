#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace vigie::auth {

// RFC 4648 base32 (alphabet A-Z 2-7), upper case, without '=' padding: the form authenticator
// apps expect for the secret of an otpauth:// URI.
[[nodiscard]] std::string base32_encode(std::span<const uint8_t> data);

// How many characters base32_encode() makes of `bytes` bytes.
[[nodiscard]] constexpr size_t base32_length(size_t bytes) { return (bytes * 8 + 4) / 5; }

// Appends the base32 of `data` to `out` without growing it beyond base32_length() more
// characters, so that a caller who reserved them leaves no copy of a secret behind.
void base32_append(std::span<const uint8_t> data, std::string& out);

}  // namespace vigie::auth
