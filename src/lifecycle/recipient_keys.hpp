#pragma once

#include <array>
#include <filesystem>
#include <string>

#include "common/error.hpp"
#include "crypto/signing.hpp"

// The recipient's X25519 key pair of migration packages (`vigie keygen --out NAME`): NAME.key
// holds the secret key (mode 0600, created O_EXCL), NAME.pub the public key, each one line of
// text: a label and the key in hexadecimal.

namespace vigie::lifecycle {

inline constexpr std::string_view kPublicKeyLabel = "vigie-recipient-x25519-public";
inline constexpr std::string_view kSecretKeyLabel = "vigie-recipient-x25519-secret";

struct KeyFiles {
  std::filesystem::path secret_key;  // NAME.key
  std::filesystem::path public_key;  // NAME.pub
};

// Draws a key pair and writes NAME.key then NAME.pub. kConflict, and nothing written, when either
// exists.
[[nodiscard]] Result<KeyFiles> write_recipient_key_pair(const std::filesystem::path& name);

// The public key of a NAME.pub file. kInvalidInput when it is not one.
[[nodiscard]] Result<std::array<uint8_t, crypto::kBoxPublicKeyBytes>> read_recipient_public_key(
    const std::filesystem::path& path);

// The key pair of a NAME.key file, which must be private to its owner (kUnlockFailed naming the
// fix otherwise). kInvalidInput when it is not such a file.
[[nodiscard]] Result<crypto::BoxKeyPair> read_recipient_key_pair(const std::filesystem::path& path);

}  // namespace vigie::lifecycle
