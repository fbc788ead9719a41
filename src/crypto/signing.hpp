#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"

namespace vigie::crypto {

// Ed25519 signatures (audit checkpoints) and X25519 sealed boxes (export packages).
inline constexpr size_t kSigningPublicKeyBytes = 32;
inline constexpr size_t kSigningSecretKeyBytes = 64;
inline constexpr size_t kSignatureBytes = 64;
inline constexpr size_t kBoxPublicKeyBytes = 32;
inline constexpr size_t kBoxSecretKeyBytes = 32;

struct SigningKeyPair {
  std::array<uint8_t, kSigningPublicKeyBytes> public_key{};
  SecretBytes secret_key;  // kSigningSecretKeyBytes
};

struct BoxKeyPair {
  std::array<uint8_t, kBoxPublicKeyBytes> public_key{};
  SecretBytes secret_key;  // kBoxSecretKeyBytes
};

[[nodiscard]] SigningKeyPair generate_signing_key_pair();
[[nodiscard]] BoxKeyPair generate_box_key_pair();

// The public key of an Ed25519 secret key (libsodium keeps it in the secret key's last 32
// bytes). `secret_key` must be kSigningSecretKeyBytes long; anything else is a programming error
// and aborts.
[[nodiscard]] std::array<uint8_t, kSigningPublicKeyBytes> signing_public_key(
    const SecretBytes& secret_key);

// Detached Ed25519 signature of `message`.
[[nodiscard]] std::array<uint8_t, kSignatureBytes> sign(const SecretBytes& secret_key,
                                                        std::span<const uint8_t> message);
// True only if `signature` is a valid signature of `message` under `public_key`.
[[nodiscard]] bool verify_signature(std::span<const uint8_t> public_key,
                                    std::span<const uint8_t> message,
                                    std::span<const uint8_t> signature);

// Anonymous sealed box to a recipient's X25519 public key (crypto_box_seal). kInvalidInput when
// the key is not 32 bytes or is a point libsodium refuses (low order): recipient keys come from
// outside, so a bad one is an input error, not a crash.
[[nodiscard]] Result<std::vector<uint8_t>> seal_to_recipient(
    std::span<const uint8_t> recipient_public_key, std::span<const uint8_t> plaintext);
// Opens a sealed box; kIntegrity if it was not sealed to this key pair or was modified.
[[nodiscard]] Result<std::vector<uint8_t>> open_from_sender(const BoxKeyPair& recipient,
                                                            std::span<const uint8_t> sealed);

}  // namespace vigie::crypto
