#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "crypto/password_hash.hpp"
#include "crypto/secret_string.hpp"

namespace vigie::auth {

// Recovery codes stand in for the second factor when the phone is lost: 10 per account, each
// usable once, shown once and stored only as Argon2id hashes.
inline constexpr size_t kRecoveryCodeCount = 10;

// What an account keeps for one recovery code.
struct StoredRecoveryCode {
  std::string hash;  // crypto::hash_password() of the code's 12 characters, without hyphens
  bool used = false;
};

struct RecoveryCodeSet {
  // "abcd-efgh-jkmn": 12 characters from an alphabet without 0/o, 1/l/i (about 59 bits each),
  // to show the user once.
  std::vector<crypto::SecretString> codes;
  // The same codes hashed, in the same order, to store.
  std::vector<StoredRecoveryCode> stored;
};

// `characters` random characters from the recovery codes' alphabet (log2(31) = 4.95 bits each),
// grouped by 4 with hyphens: "abcd-efgh-...". Also makes temporary passwords.
[[nodiscard]] crypto::SecretString random_grouped_code(size_t characters);

// 10 new random codes and their hashes at `limits`. Fails only as crypto::hash_password() does.
[[nodiscard]] Result<RecoveryCodeSet> new_recovery_codes(const crypto::PasswordHashLimits& limits);

// Checks a code typed by the user (case, spaces and hyphens ignored) against the unused codes.
// On a match, marks that code used and returns its index, so the caller persists the change.
// kInvalidInput when the text cannot be a recovery code; kAuthenticationFailed when no unused code
// matches. Costs one password-hash verification per unused code.
[[nodiscard]] Result<size_t> redeem_recovery_code(std::string_view entered,
                                                  std::span<StoredRecoveryCode> stored);

}  // namespace vigie::auth
