#include "crypto/password_hash.hpp"

#include <array>

#include <sodium.h>

#include "crypto/preconditions.hpp"

namespace vigie::crypto {

namespace {

// Same plausibility bounds as the key-derivation parameters of kdf.cpp.
constexpr uint64_t kMaxOpsLimit = 64;
constexpr uint64_t kMaxMemLimitBytes = uint64_t{4} << 30;

static_assert(kMaxOpsLimit <= crypto_pwhash_OPSLIMIT_MAX);
static_assert(kMaxMemLimitBytes <= crypto_pwhash_MEMLIMIT_MAX);

bool within_bounds(const PasswordHashLimits& limits) {
  return limits.ops_limit >= crypto_pwhash_OPSLIMIT_MIN && limits.ops_limit <= kMaxOpsLimit &&
         limits.mem_limit_bytes >= crypto_pwhash_MEMLIMIT_MIN &&
         limits.mem_limit_bytes <= kMaxMemLimitBytes;
}

// libsodium reads hash strings as NUL-terminated C strings shorter than crypto_pwhash_STRBYTES
// bytes; false when `hash` cannot be one.
bool to_hash_buffer(std::string_view hash, std::array<char, crypto_pwhash_STRBYTES>& buffer) {
  if (hash.size() >= buffer.size() || hash.find('\0') != std::string_view::npos) {
    return false;
  }
  buffer.fill('\0');
  hash.copy(buffer.data(), hash.size());
  return true;
}

// crypto_pwhash_str*() require a non-null pointer even for an empty password.
const char* password_chars(std::string_view password) {
  return password.empty() ? "" : password.data();
}

}  // namespace

PasswordHashLimits interactive_password_limits() {
  return PasswordHashLimits{crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

bool valid_password_limits(const PasswordHashLimits& limits) { return within_bounds(limits); }

PasswordHashLimits random_secret_limits() {
  return PasswordHashLimits{crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

Result<std::string> hash_password(std::string_view password, const PasswordHashLimits& limits) {
  if (Result<void> ready = initialize(); !ready) {
    return tl::unexpected(ready.error());
  }
  if (!within_bounds(limits)) {
    return fail(ErrorCode::kInvalidInput, "password hash limits outside the allowed bounds");
  }
  std::array<char, crypto_pwhash_STRBYTES> buffer{};
  if (crypto_pwhash_str_alg(buffer.data(), password_chars(password), password.size(),
                            limits.ops_limit, static_cast<size_t>(limits.mem_limit_bytes),
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return fail(ErrorCode::kInternal, "password hashing could not allocate its memory");
  }
  return std::string(buffer.data());
}

bool verify_password(std::string_view hash, std::string_view password) {
  require_initialized();
  std::array<char, crypto_pwhash_STRBYTES> buffer{};
  if (!to_hash_buffer(hash, buffer)) {
    return false;
  }
  return crypto_pwhash_str_verify(buffer.data(), password_chars(password), password.size()) == 0;
}

bool password_needs_rehash(std::string_view hash, const PasswordHashLimits& limits) {
  require_initialized();
  std::array<char, crypto_pwhash_STRBYTES> buffer{};
  if (!to_hash_buffer(hash, buffer)) {
    return true;
  }
  // The Argon2id-specific call, so that an Argon2i string with the same cost needs a rehash too.
  return crypto_pwhash_argon2id_str_needs_rehash(buffer.data(), limits.ops_limit,
                                                 static_cast<size_t>(limits.mem_limit_bytes)) != 0;
}

}  // namespace vigie::crypto
