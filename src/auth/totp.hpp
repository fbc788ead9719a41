#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"
#include "crypto/secret_string.hpp"

namespace vigie::auth {

// TOTP as RFC 6238 with the parameters every authenticator app supports: HMAC-SHA-1, 6 digits,
// 30-second steps counted from the Unix epoch.
inline constexpr size_t kTotpSecretBytes = 20;
inline constexpr int64_t kTotpPeriodSeconds = 30;
inline constexpr size_t kTotpDigits = 6;

// A new shared secret: 20 random bytes (160 bits, RFC 4226's recommended length).
[[nodiscard]] crypto::SecretBytes new_totp_secret();

// RFC 4226 HOTP before reduction to digits: HMAC-SHA-1 of the 8-byte big-endian `counter`
// under `secret`, dynamically truncated to 31 bits.
[[nodiscard]] uint32_t hotp_truncated(std::span<const uint8_t> secret, uint64_t counter);

// The 6-digit code (zero-padded) of `secret` for time step `step`.
[[nodiscard]] std::string totp_code(std::span<const uint8_t> secret, uint64_t step);

// The time step holding `unix_seconds` (>= 0): unix_seconds / 30.
[[nodiscard]] uint64_t totp_step_at(int64_t unix_seconds);

// Checks a code typed by the user against the steps before, at and after the one holding
// `now_unix_seconds` (clock drift of up to one step either way), comparing in constant time.
// Returns the matched step, which the caller stores as the new `last_used_step`: each code is
// usable once, and no code of that step or an earlier one is accepted afterwards.
// Refusals: kInvalidInput when `code` is not exactly 6 ASCII digits or the time is before 1970;
// kAuthenticationFailed when the code is wrong, or matches only a step at or before
// `last_used_step`.
[[nodiscard]] Result<uint64_t> verify_totp(std::span<const uint8_t> secret, std::string_view code,
                                           int64_t now_unix_seconds,
                                           std::optional<uint64_t> last_used_step);

// The otpauth:// URI that authenticator apps read (from a QR code, or pasted):
// otpauth://totp/vigie:LOGIN?secret=BASE32&issuer=vigie&algorithm=SHA1&digits=6&period=30,
// LOGIN percent-encoded. It holds the secret: show it once, never log or store it.
[[nodiscard]] crypto::SecretString otpauth_uri(std::string_view login,
                                               std::span<const uint8_t> secret);

}  // namespace vigie::auth
