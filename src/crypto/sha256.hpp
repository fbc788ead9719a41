#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "crypto/secret_bytes.hpp"

namespace vigie::crypto {

inline constexpr size_t kSha256Bytes = 32;

// SHA-256 over data given in pieces (libsodium's crypto_hash_sha256): a migration package states
// the hash of each file's plaintext and of its sealed bytes.
class Sha256 {
 public:
  Sha256();
  void update(std::span<const uint8_t> bytes);
  void update(std::string_view text);
  // The digest; the hasher must not be used afterwards.
  [[nodiscard]] std::array<uint8_t, kSha256Bytes> finish();

 private:
  // crypto_hash_sha256_state, kept opaque here so that only crypto/ includes <sodium.h>.
  alignas(16) std::array<uint8_t, 128> state_{};
};

}  // namespace vigie::crypto
