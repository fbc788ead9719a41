#include "crypto/signing.hpp"

#include <sodium.h>

#include "crypto/preconditions.hpp"

namespace vigie::crypto {

static_assert(kSigningPublicKeyBytes == crypto_sign_PUBLICKEYBYTES);
static_assert(kSigningSecretKeyBytes == crypto_sign_SECRETKEYBYTES);
static_assert(kSignatureBytes == crypto_sign_BYTES);
static_assert(kBoxPublicKeyBytes == crypto_box_PUBLICKEYBYTES);
static_assert(kBoxSecretKeyBytes == crypto_box_SECRETKEYBYTES);

SigningKeyPair generate_signing_key_pair() {
  require_initialized();
  SigningKeyPair pair{.public_key = {}, .secret_key = SecretBytes(kSigningSecretKeyBytes)};
  crypto_sign_keypair(pair.public_key.data(), pair.secret_key.data());
  return pair;
}

BoxKeyPair generate_box_key_pair() {
  require_initialized();
  BoxKeyPair pair{.public_key = {}, .secret_key = SecretBytes(kBoxSecretKeyBytes)};
  crypto_box_keypair(pair.public_key.data(), pair.secret_key.data());
  return pair;
}

std::array<uint8_t, kSigningPublicKeyBytes> signing_public_key(const SecretBytes& secret_key) {
  require_initialized();
  if (secret_key.size() != kSigningSecretKeyBytes) {
    die("signing secret key must be 64 bytes (programming error)");
  }
  std::array<uint8_t, kSigningPublicKeyBytes> public_key{};
  crypto_sign_ed25519_sk_to_pk(public_key.data(), secret_key.data());
  return public_key;
}

std::array<uint8_t, kSignatureBytes> sign(const SecretBytes& secret_key,
                                          std::span<const uint8_t> message) {
  require_initialized();
  if (secret_key.size() != kSigningSecretKeyBytes) {
    die("signing secret key must be 64 bytes (programming error)");
  }
  std::array<uint8_t, kSignatureBytes> signature{};
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(),
                       secret_key.data());
  return signature;
}

bool verify_signature(std::span<const uint8_t> public_key, std::span<const uint8_t> message,
                      std::span<const uint8_t> signature) {
  require_initialized();
  if (public_key.size() != kSigningPublicKeyBytes || signature.size() != kSignatureBytes) {
    return false;
  }
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     public_key.data()) == 0;
}

Result<std::vector<uint8_t>> seal_to_recipient(std::span<const uint8_t> recipient_public_key,
                                               std::span<const uint8_t> plaintext) {
  require_initialized();
  if (recipient_public_key.size() != kBoxPublicKeyBytes) {
    return fail(ErrorCode::kInvalidInput, "a recipient public key is 32 bytes");
  }
  std::vector<uint8_t> sealed(plaintext.size() + crypto_box_SEALBYTES);
  if (crypto_box_seal(sealed.data(), plaintext.data(), plaintext.size(),
                      recipient_public_key.data()) != 0) {
    return fail(ErrorCode::kInvalidInput, "the recipient public key is not usable");
  }
  return sealed;
}

Result<std::vector<uint8_t>> open_from_sender(const BoxKeyPair& recipient,
                                              std::span<const uint8_t> sealed) {
  require_initialized();
  if (recipient.secret_key.size() != kBoxSecretKeyBytes) {
    die("recipient secret key must be 32 bytes (programming error)");
  }
  if (sealed.size() < crypto_box_SEALBYTES) {
    return fail(ErrorCode::kIntegrity, "sealed box failed authentication");
  }
  std::vector<uint8_t> plaintext(sealed.size() - crypto_box_SEALBYTES);
  if (crypto_box_seal_open(plaintext.empty() ? nullptr : plaintext.data(), sealed.data(),
                           sealed.size(), recipient.public_key.data(),
                           recipient.secret_key.data()) != 0) {
    return fail(ErrorCode::kIntegrity, "sealed box failed authentication");
  }
  return plaintext;
}

}  // namespace vigie::crypto
