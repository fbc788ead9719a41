#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace vigie::crypto {

// Searchable values are stored only as blind tokens: keyed BLAKE2b of (domain, value), truncated
// to kBlindTokenBytes. Without the key, a token reveals nothing about the value beyond equality
// with other tokens of the same domain.
inline constexpr size_t kBlindTokenBytes = 16;
using BlindToken = std::array<uint8_t, kBlindTokenBytes>;

// Thread-safe once constructed (const use only).
class BlindIndexer {
 public:
  // `key` must be 32 bytes of locked memory (derived from the master key with derive_subkey),
  // owned by the caller and alive as long as the indexer: a span of a LockedBlock or of a
  // SecretBytes. The indexer keeps no copy.
  explicit BlindIndexer(std::span<const uint8_t> key);

  // Token of `value` in `domain` (e.g. "Patient.family"). The domain and the value are
  // length-prefixed before hashing, so ("ab","c") and ("a","bc") differ. The caller normalises
  // the value first (fhir/normalize.hpp).
  [[nodiscard]] BlindToken token(std::string_view domain, std::string_view value) const;

 private:
  std::span<const uint8_t> key_;
};

}  // namespace vigie::crypto
