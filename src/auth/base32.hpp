#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace vigie::auth {

// RFC 4648 base32 (alphabet A-Z 2-7), upper case, without '=' padding: the form authenticator
// apps expect for the secret of an otpauth:// URI.
[[nodiscard]] std::string base32_encode(std::span<const uint8_t> data);

}  // namespace vigie::auth
