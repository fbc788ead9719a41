#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "crypto/sha256.hpp"

namespace vigie::crypto {

// HMAC-SHA256 (RFC 2104, libsodium's crypto_auth_hmacsha256 with a key of any length) of
// `message` under `key`: the signature of an alert's webhook body, which the receiver checks
// with the secret both hold.
[[nodiscard]] std::array<uint8_t, kSha256Bytes> hmac_sha256(std::span<const uint8_t> key,
                                                            std::string_view message);

}  // namespace vigie::crypto
