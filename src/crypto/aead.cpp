#include "crypto/aead.hpp"

#include <sodium.h>

#include "crypto/preconditions.hpp"

namespace vigie::crypto {

static_assert(kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);

namespace {

// Checks the preconditions every AEAD call shares; a violation is a programming error.
void require_usable_key(std::span<const uint8_t> key) {
  require_initialized();
  if (key.size() != kKeyBytes) {
    die("AEAD key must be 32 bytes (programming error)");
  }
}

// Authenticates `sealed` and, only if it is authentic, decrypts it into `out`, which holds
// sealed.size() - kSealOverhead bytes (null when that is zero). The caller checked the length.
bool open_into(std::span<const uint8_t> key, std::span<const uint8_t> sealed,
               std::span<const uint8_t> associated_data, uint8_t* out) {
  const uint8_t* nonce = sealed.data();
  const uint8_t* ciphertext = sealed.data() + kNonceBytes;
  return crypto_aead_xchacha20poly1305_ietf_decrypt(
             out, nullptr, nullptr, ciphertext, sealed.size() - kNonceBytes, associated_data.data(),
             associated_data.size(), nonce, key.data()) == 0;
}

tl::unexpected<Error> authentication_failure() {
  return fail(ErrorCode::kIntegrity, "sealed data failed authentication");
}

}  // namespace

std::vector<uint8_t> seal(const SecretBytes& key, std::span<const uint8_t> plaintext,
                          std::span<const uint8_t> associated_data) {
  return seal(key.view(), plaintext, associated_data);
}

std::vector<uint8_t> seal(std::span<const uint8_t> key, std::span<const uint8_t> plaintext,
                          std::span<const uint8_t> associated_data) {
  require_usable_key(key);
  std::vector<uint8_t> sealed(plaintext.size() + kSealOverhead);
  randombytes_buf(sealed.data(), kNonceBytes);
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      sealed.data() + kNonceBytes, nullptr, plaintext.data(), plaintext.size(),
      associated_data.data(), associated_data.size(), nullptr, sealed.data(), key.data());
  return sealed;
}

Result<std::vector<uint8_t>> open(const SecretBytes& key, std::span<const uint8_t> sealed,
                                  std::span<const uint8_t> associated_data) {
  return open(key.view(), sealed, associated_data);
}

Result<std::vector<uint8_t>> open(std::span<const uint8_t> key, std::span<const uint8_t> sealed,
                                  std::span<const uint8_t> associated_data) {
  require_usable_key(key);
  if (sealed.size() < kSealOverhead) {
    return authentication_failure();
  }
  std::vector<uint8_t> plaintext(sealed.size() - kSealOverhead);
  if (!open_into(key, sealed, associated_data, plaintext.empty() ? nullptr : plaintext.data())) {
    return authentication_failure();
  }
  return plaintext;
}

Result<SecretBytes> open_secret(std::span<const uint8_t> key, std::span<const uint8_t> sealed,
                                std::span<const uint8_t> associated_data) {
  require_usable_key(key);
  if (sealed.size() < kSealOverhead) {
    return authentication_failure();
  }
  SecretBytes plaintext(sealed.size() - kSealOverhead);
  if (!open_into(key, sealed, associated_data, plaintext.data())) {
    return authentication_failure();
  }
  return plaintext;
}

std::vector<uint8_t> wrap_key(std::span<const uint8_t> kek, std::span<const uint8_t> key,
                              std::span<const uint8_t> purpose) {
  return seal(kek, key, purpose);
}

Result<SecretBytes> unwrap_key(std::span<const uint8_t> kek, std::span<const uint8_t> wrapped,
                               std::span<const uint8_t> purpose) {
  return open_secret(kek, wrapped, purpose);
}

Result<void> unwrap_key_into(std::span<const uint8_t> kek, std::span<const uint8_t> wrapped,
                             std::span<const uint8_t> purpose, std::span<uint8_t> out) {
  require_usable_key(kek);
  if (wrapped.size() != out.size() + kSealOverhead) {
    return authentication_failure();
  }
  if (!open_into(kek, wrapped, purpose, out.data())) {
    sodium_memzero(out.data(), out.size());
    return authentication_failure();
  }
  return {};
}

}  // namespace vigie::crypto
