#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"

namespace vigie::crypto {

// XChaCha20-Poly1305 with random 192-bit nonces.
inline constexpr size_t kKeyBytes = 32;
inline constexpr size_t kNonceBytes = 24;
inline constexpr size_t kTagBytes = 16;
// Bytes that seal() adds to the plaintext: nonce + tag.
inline constexpr size_t kSealOverhead = kNonceBytes + kTagBytes;

// Encrypts and authenticates `plaintext` and authenticates `associated_data` under `key`
// (kKeyBytes long; anything else is a programming error and aborts).
// Returns nonce || ciphertext || tag, of size plaintext.size() + kSealOverhead. Never fails.
[[nodiscard]] std::vector<uint8_t> seal(const SecretBytes& key, std::span<const uint8_t> plaintext,
                                        std::span<const uint8_t> associated_data);

// The same, with a key held in caller-managed locked memory (a slot of a key cache).
[[nodiscard]] std::vector<uint8_t> seal(std::span<const uint8_t> key,
                                        std::span<const uint8_t> plaintext,
                                        std::span<const uint8_t> associated_data);

// Reverses seal(). If `sealed` is too short, was modified in any bit, or was sealed with another
// key or other associated data, returns ErrorCode::kIntegrity and no plaintext (nothing partial).
[[nodiscard]] Result<std::vector<uint8_t>> open(const SecretBytes& key,
                                                std::span<const uint8_t> sealed,
                                                std::span<const uint8_t> associated_data);

[[nodiscard]] Result<std::vector<uint8_t>> open(std::span<const uint8_t> key,
                                                std::span<const uint8_t> sealed,
                                                std::span<const uint8_t> associated_data);

// The same as open(), for secret plaintexts (wrapped keys): the result is locked memory.
[[nodiscard]] Result<SecretBytes> open_secret(std::span<const uint8_t> key,
                                              std::span<const uint8_t> sealed,
                                              std::span<const uint8_t> associated_data);

// Seals a secret (a key) under a key-encryption key. `purpose` is bound as associated data so
// that a wrapped key cannot be unwrapped as another kind of key. Keys are spans of locked memory
// (SecretBytes::view(), or a span of a LockedBlock).
[[nodiscard]] std::vector<uint8_t> wrap_key(std::span<const uint8_t> kek,
                                            std::span<const uint8_t> key,
                                            std::span<const uint8_t> purpose);
[[nodiscard]] Result<SecretBytes> unwrap_key(std::span<const uint8_t> kek,
                                             std::span<const uint8_t> wrapped,
                                             std::span<const uint8_t> purpose);
// Unwraps straight into `out` (caller-managed locked memory, exactly the key's size). On any
// failure `out` is zeroed and kIntegrity returned.
[[nodiscard]] Result<void> unwrap_key_into(std::span<const uint8_t> kek,
                                           std::span<const uint8_t> wrapped,
                                           std::span<const uint8_t> purpose,
                                           std::span<uint8_t> out);

}  // namespace vigie::crypto
