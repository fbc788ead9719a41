#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/secret_bytes.hpp"

namespace vigie::crypto {

// Searchable values are stored only as blind tokens: keyed BLAKE2b of (domain, value), truncated
// to kBlindTokenBytes. Without the key, a token reveals nothing about the value beyond equality
// with other tokens of the same domain.
inline constexpr size_t kBlindTokenBytes = 16;
using BlindToken = std::array<uint8_t, kBlindTokenBytes>;

// Thread-safe once constructed (const use only).
class BlindIndexer {
 public:
  // `key` must be 32 bytes (derived from the master key with derive_subkey).
  explicit BlindIndexer(SecretBytes key);

  // Token of `value` in `domain` (e.g. "Patient.family"). The domain and the value are
  // length-prefixed before hashing, so ("ab","c") and ("a","bc") differ. The caller normalises
  // the value first (fhir/normalize.hpp).
  [[nodiscard]] BlindToken token(std::string_view domain, std::string_view value) const;

 private:
  SecretBytes key_;
};

}  // namespace vigie::crypto
