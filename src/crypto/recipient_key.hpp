#pragma once

#include <cstdint>
#include <span>

#include "common/error.hpp"
#include "crypto/signing.hpp"

namespace vigie::crypto {

// The X25519 key pair of a secret key read back from a file (a migration package's recipient):
// its public key is computed from the secret. kInvalidInput unless `secret_key` is
// kBoxSecretKeyBytes long.
[[nodiscard]] Result<BoxKeyPair> box_key_pair_from_secret(std::span<const uint8_t> secret_key);

}  // namespace vigie::crypto
