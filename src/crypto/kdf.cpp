#include "crypto/kdf.hpp"

#include <sodium.h>

#include "crypto/preconditions.hpp"

namespace vigie::crypto {

namespace {

constexpr size_t kDerivedKeyBytes = 32;
constexpr uint64_t kNewOpsLimit = 3;
constexpr uint64_t kNewMemLimitBytes = uint64_t{64} << 20;
// Bounds beyond which stored parameters can only come from a tampered keyring: a legitimate
// unlocker never asks for more than 64 passes or 4 GiB.
constexpr uint64_t kMaxPlausibleOpsLimit = 64;
constexpr uint64_t kMaxPlausibleMemLimitBytes = uint64_t{4} << 30;
// Domain separation for key files, so that their contents hash to nothing used elsewhere.
constexpr std::string_view kKeyFileDomain = "vigie-key-file-v1";

static_assert(std::tuple_size_v<decltype(Argon2Params::salt)> == crypto_pwhash_SALTBYTES);
static_assert(kDerivedKeyBytes == crypto_kdf_KEYBYTES);
static_assert(kDerivedKeyBytes >= crypto_kdf_BYTES_MIN && kDerivedKeyBytes <= crypto_kdf_BYTES_MAX);
static_assert(kMaxPlausibleOpsLimit <= crypto_pwhash_OPSLIMIT_MAX);
static_assert(kMaxPlausibleMemLimitBytes <= crypto_pwhash_MEMLIMIT_MAX);

}  // namespace

Argon2Params new_argon2_params() {
  require_initialized();
  Argon2Params params;
  params.ops_limit = kNewOpsLimit;
  params.mem_limit_bytes = kNewMemLimitBytes;
  randombytes_buf(params.salt.data(), params.salt.size());
  return params;
}

Result<SecretBytes> derive_key_from_passphrase(std::span<const uint8_t> passphrase,
                                               const Argon2Params& params) {
  if (Result<void> ready = initialize(); !ready) {
    return tl::unexpected(ready.error());
  }
  if (params.ops_limit < crypto_pwhash_OPSLIMIT_MIN || params.ops_limit > kMaxPlausibleOpsLimit ||
      params.mem_limit_bytes < crypto_pwhash_MEMLIMIT_MIN ||
      params.mem_limit_bytes > kMaxPlausibleMemLimitBytes) {
    return fail(ErrorCode::kIntegrity, "keyring holds implausible key-derivation parameters");
  }
  // crypto_pwhash() requires non-null pointers even for an empty passphrase.
  const char* passphrase_chars =
      passphrase.empty() ? "" : reinterpret_cast<const char*>(passphrase.data());
  SecretBytes key(kDerivedKeyBytes);
  if (crypto_pwhash(key.data(), key.size(), passphrase_chars, passphrase.size(), params.salt.data(),
                    params.ops_limit, static_cast<size_t>(params.mem_limit_bytes),
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return fail(ErrorCode::kInternal, "passphrase key derivation could not allocate its memory");
  }
  return key;
}

Result<SecretBytes> derive_key_from_key_file(std::span<const uint8_t> contents) {
  if (Result<void> ready = initialize(); !ready) {
    return tl::unexpected(ready.error());
  }
  if (contents.size() < kDerivedKeyBytes) {
    return fail(ErrorCode::kInvalidInput, "key file must hold at least 32 bytes");
  }
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kDerivedKeyBytes);
  crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(kKeyFileDomain.data()),
                            kKeyFileDomain.size());
  crypto_generichash_update(&state, contents.data(), contents.size());
  SecretBytes key(kDerivedKeyBytes);
  crypto_generichash_final(&state, key.data(), key.size());
  sodium_memzero(&state, sizeof state);
  return key;
}

SecretBytes derive_subkey(std::span<const uint8_t> master_key, uint64_t subkey_id,
                          std::string_view context) {
  SecretBytes subkey(kDerivedKeyBytes);
  derive_subkey_into(master_key, subkey_id, context, {subkey.data(), subkey.size()});
  return subkey;
}

void derive_subkey_into(std::span<const uint8_t> master_key, uint64_t subkey_id,
                        std::string_view context, std::span<uint8_t> out) {
  require_initialized();
  if (context.size() != crypto_kdf_CONTEXTBYTES) {
    die("subkey context must be exactly 8 characters (programming error)");
  }
  if (master_key.size() != crypto_kdf_KEYBYTES) {
    die("master key must be 32 bytes (programming error)");
  }
  if (out.size() != kDerivedKeyBytes) {
    die("a subkey is 32 bytes (programming error)");
  }
  crypto_kdf_derive_from_key(out.data(), out.size(), subkey_id, context.data(), master_key.data());
}

std::array<uint8_t, 32> blake2b_256(std::span<const uint8_t> data) {
  require_initialized();
  std::array<uint8_t, 32> digest{};
  crypto_generichash(digest.data(), digest.size(), data.data(), data.size(), nullptr, 0);
  return digest;
}

std::array<uint8_t, 32> blake2b_256_keyed(std::span<const uint8_t> key,
                                          std::span<const uint8_t> data) {
  require_initialized();
  if (key.size() < crypto_generichash_KEYBYTES_MIN ||
      key.size() > crypto_generichash_KEYBYTES_MAX) {
    die("BLAKE2b key must be 16 to 64 bytes (programming error)");
  }
  std::array<uint8_t, 32> digest{};
  crypto_generichash(digest.data(), digest.size(), data.data(), data.size(), key.data(),
                     key.size());
  return digest;
}

}  // namespace vigie::crypto
