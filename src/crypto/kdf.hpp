#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"

namespace vigie::crypto {

// Argon2id parameters, stored beside each passphrase-wrapped master key so they can be raised
// later without breaking existing vaults.
struct Argon2Params {
  uint64_t ops_limit = 0;
  uint64_t mem_limit_bytes = 0;
  std::array<uint8_t, 16> salt{};
};

// Parameters for a new unlocker: Argon2id with 3 passes and 64 MiB of memory, and a random
// salt.
[[nodiscard]] Argon2Params new_argon2_params();

// Derives a 32-byte key-encryption key from a passphrase. Fails with kIntegrity when the stored
// parameters are outside libsodium's bounds or absurd (a tampered keyring): ops_limit > 64 or
// memory > 4 GiB; with kInternal when memory cannot be allocated.
[[nodiscard]] Result<SecretBytes> derive_key_from_passphrase(std::span<const uint8_t> passphrase,
                                                             const Argon2Params& params);

// Derives a 32-byte key-encryption key from the contents of a key file (at least 32 bytes of
// randomness; shorter input fails with kInvalidInput): BLAKE2b-256 of a domain string and the
// contents. No stretching: the file is random, not a memorised secret.
[[nodiscard]] Result<SecretBytes> derive_key_from_key_file(std::span<const uint8_t> contents);

// Derives independent 32-byte subkeys from the master key (crypto_kdf). `context` is exactly
// 8 characters naming the use, e.g. "blindidx", "pepper__", "ledger__". `master_key` is a span of
// locked memory (SecretBytes::view(), or a span of a LockedBlock).
[[nodiscard]] SecretBytes derive_subkey(std::span<const uint8_t> master_key, uint64_t subkey_id,
                                        std::string_view context);
// The same, into `out` (caller-managed locked memory of 32 bytes).
void derive_subkey_into(std::span<const uint8_t> master_key, uint64_t subkey_id,
                        std::string_view context, std::span<uint8_t> out);

// BLAKE2b-256 of `data`, optionally keyed. For hash chains and one-way ledgers.
[[nodiscard]] std::array<uint8_t, 32> blake2b_256(std::span<const uint8_t> data);
[[nodiscard]] std::array<uint8_t, 32> blake2b_256_keyed(std::span<const uint8_t> key,
                                                        std::span<const uint8_t> data);

}  // namespace vigie::crypto
