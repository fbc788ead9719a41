#include "crypto/blind_index.hpp"

#include <sodium.h>

#include <limits>
#include <utility>

#include "crypto/preconditions.hpp"

namespace vigie::crypto {

namespace {

constexpr size_t kBlindKeyBytes = 32;

static_assert(kBlindTokenBytes >= crypto_generichash_BYTES_MIN &&
              kBlindTokenBytes <= crypto_generichash_BYTES_MAX);
static_assert(kBlindKeyBytes >= crypto_generichash_KEYBYTES_MIN &&
              kBlindKeyBytes <= crypto_generichash_KEYBYTES_MAX);

// Absorbs `text` preceded by its length as a 32-bit little-endian integer, so that consecutive
// fields cannot run into each other.
void absorb_length_prefixed(crypto_generichash_state& state, std::string_view text) {
  if (text.size() > std::numeric_limits<uint32_t>::max()) {
    die("blind index input longer than 4 GiB (programming error)");
  }
  const auto length = static_cast<uint32_t>(text.size());
  const uint8_t prefix[4] = {
      static_cast<uint8_t>(length),
      static_cast<uint8_t>(length >> 8),
      static_cast<uint8_t>(length >> 16),
      static_cast<uint8_t>(length >> 24),
  };
  crypto_generichash_update(&state, prefix, sizeof prefix);
  crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

}  // namespace

BlindIndexer::BlindIndexer(std::span<const uint8_t> key) : key_(key) {
  require_initialized();
  if (key_.size() != kBlindKeyBytes) {
    die("blind index key must be 32 bytes (programming error)");
  }
}

BlindToken BlindIndexer::token(std::string_view domain, std::string_view value) const {
  crypto_generichash_state state;
  crypto_generichash_init(&state, key_.data(), key_.size(), kBlindTokenBytes);
  absorb_length_prefixed(state, domain);
  absorb_length_prefixed(state, value);
  BlindToken token{};
  crypto_generichash_final(&state, token.data(), token.size());
  sodium_memzero(&state, sizeof state);
  return token;
}

}  // namespace vigie::crypto
