#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace vigie::crypto {

// Cost of an Argon2id password hash (crypto_pwhash_str). The cost is written into each hash
// string, so raising it later leaves old hashes verifiable and makes password_needs_rehash()
// true for them.
struct PasswordHashLimits {
  uint64_t ops_limit = 0;
  uint64_t mem_limit_bytes = 0;
};

// libsodium's interactive level (2 passes, 64 MiB): for passwords and recovery codes checked at
// login, where a person waits for the answer.
[[nodiscard]] PasswordHashLimits interactive_password_limits();

// libsodium's minimum (1 pass, 8 KiB): for random secrets of 59 bits or more (recovery codes),
// which need no stretching; keeps a login that tries 10 of them from costing 10 full hashes.
[[nodiscard]] PasswordHashLimits random_secret_limits();

// Whether hash_password() accepts `limits`: within libsodium's bounds, at most 64 passes and
// 4 GiB.
[[nodiscard]] bool valid_password_limits(const PasswordHashLimits& limits);

// The self-describing Argon2id hash string of `password` ("$argon2id$v=19$m=...") with a
// random salt. kInvalidInput when `limits` lie outside libsodium's bounds or above 64 passes or
// 4 GiB; kInternal when the memory cannot be allocated.
[[nodiscard]] Result<std::string> hash_password(std::string_view password,
                                                const PasswordHashLimits& limits);

// True only when `hash` is a hash string of `password`. A malformed or oversized hash string is
// simply no match. The cost comes from the hash string, which must therefore come from trusted
// storage.
[[nodiscard]] bool verify_password(std::string_view hash, std::string_view password);

// True when `hash` was not made by Argon2id with exactly `limits` (or is not a hash string at
// all): the caller then stores a new hash of the password it has just verified.
[[nodiscard]] bool password_needs_rehash(std::string_view hash, const PasswordHashLimits& limits);

}  // namespace vigie::crypto
