#pragma once

// Private to auth/: shared by the authenticator's own .cpp files, never included elsewhere.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.hpp"
#include "auth/recovery_codes.hpp"
#include "common/error.hpp"
#include "store/store.hpp"

namespace vigie::auth {

inline constexpr std::string_view kTokenKind = "api-token";
// What a credential's id and secret start with; the rest is random hex.
inline constexpr std::string_view kSessionIdPrefix = "ses-";
inline constexpr std::string_view kTokenIdPrefix = "tok-";
inline constexpr std::string_view kSessionSecretPrefix = "vgs_";
inline constexpr std::string_view kTokenSecretPrefix = "vgt_";
static_assert(kSessionIdPrefix.size() == kTokenIdPrefix.size());
inline constexpr size_t kCredentialIdBytes = 8;
inline constexpr size_t kCredentialSecretBytes = 32;
inline constexpr size_t kTemporaryPasswordCharacters = 20;  // about 99 bits

// `bytes` random bytes as lowercase hex.
[[nodiscard]] std::string random_hex(size_t bytes);
// The associated data that binds a sealed TOTP secret to its account.
[[nodiscard]] std::vector<uint8_t> totp_binding(std::string_view login);
// Recovery codes as stored: one line per code, "0:" or "1:" (used) then the hash string.
[[nodiscard]] std::string encode_recovery_codes(const std::vector<StoredRecoveryCode>& codes);
// kIntegrity when `text` is not what encode_recovery_codes() writes.
[[nodiscard]] Result<std::vector<StoredRecoveryCode>> decode_recovery_codes(std::string_view text);
// The canonical text of an IP address (inet_ntop of inet_pton), an IPv4-mapped IPv6 address
// given as IPv4, so that one address has one spelling; nullopt when `text` is no IP address.
[[nodiscard]] std::optional<std::string> canonical_address(std::string_view text);
// A hash of the account's password hash, recovery codes and sealed TOTP secret: it changes when
// any of them does.
[[nodiscard]] std::array<uint8_t, 32> credentials_fingerprint_of(const store::AccountRow& row);
// A person's account (any role but service).
[[nodiscard]] bool is_person(const store::AccountRow& row);

}  // namespace vigie::auth
