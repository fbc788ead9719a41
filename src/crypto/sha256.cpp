#include "crypto/sha256.hpp"

#include <sodium.h>

#include "crypto/preconditions.hpp"

namespace vigie::crypto {

static_assert(kSha256Bytes == crypto_hash_sha256_BYTES);

namespace {

crypto_hash_sha256_state* state_of(std::array<uint8_t, 128>& bytes) {
  static_assert(sizeof(crypto_hash_sha256_state) <= 128);
  return reinterpret_cast<crypto_hash_sha256_state*>(bytes.data());
}

}  // namespace

Sha256::Sha256() {
  require_initialized();
  crypto_hash_sha256_init(state_of(state_));
}

void Sha256::update(std::span<const uint8_t> bytes) {
  crypto_hash_sha256_update(state_of(state_), bytes.data(), bytes.size());
}

void Sha256::update(std::string_view text) {
  update(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

std::array<uint8_t, kSha256Bytes> Sha256::finish() {
  std::array<uint8_t, kSha256Bytes> digest{};
  crypto_hash_sha256_final(state_of(state_), digest.data());
  return digest;
}

}  // namespace vigie::crypto
