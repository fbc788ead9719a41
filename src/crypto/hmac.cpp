#include "crypto/hmac.hpp"

#include <sodium.h>

#include "crypto/preconditions.hpp"

namespace vigie::crypto {

static_assert(kSha256Bytes == crypto_auth_hmacsha256_BYTES);

std::array<uint8_t, kSha256Bytes> hmac_sha256(std::span<const uint8_t> key,
                                              std::string_view message) {
  require_initialized();
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.data(), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  std::array<uint8_t, kSha256Bytes> mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof state);
  return mac;
}

}  // namespace vigie::crypto
