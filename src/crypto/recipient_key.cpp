#include "crypto/recipient_key.hpp"

#include <sodium.h>

#include "crypto/preconditions.hpp"

namespace vigie::crypto {

Result<BoxKeyPair> box_key_pair_from_secret(std::span<const uint8_t> secret_key) {
  require_initialized();
  if (secret_key.size() != kBoxSecretKeyBytes) {
    return fail(ErrorCode::kInvalidInput, "an X25519 secret key is 32 bytes");
  }
  BoxKeyPair pair{.public_key = {}, .secret_key = SecretBytes::copy_of(secret_key)};
  if (crypto_scalarmult_base(pair.public_key.data(), pair.secret_key.data()) != 0) {
    return fail(ErrorCode::kInvalidInput, "an X25519 secret key libsodium refuses");
  }
  return pair;
}

}  // namespace vigie::crypto
