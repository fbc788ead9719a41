#include "auth/totp.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>

// HMAC-SHA-1 comes from OpenSSL's libcrypto: RFC 6238 as implemented by authenticator apps
// requires SHA-1, which libsodium deliberately does not offer. This is the one primitive of vigie
// outside libsodium; SHA-1's collision weakness does not affect HMAC.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/base32.hpp"

namespace vigie::auth {

namespace {

constexpr uint32_t kCodeModulus = 1'000'000;  // 10^kTotpDigits

std::span<const uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

bool is_code_text(std::string_view code) {
  if (code.size() != kTotpDigits) {
    return false;
  }
  for (char c : code) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<uint8_t>(c);
    const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                            (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' ||
                            byte == '_' || byte == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    }
  }
  return out;
}

}  // namespace

crypto::SecretBytes new_totp_secret() { return crypto::SecretBytes::random(kTotpSecretBytes); }

uint32_t hotp_truncated(std::span<const uint8_t> secret, uint64_t counter) {
  std::array<uint8_t, 8> message{};
  for (size_t index = 0; index < message.size(); ++index) {
    message[message.size() - 1 - index] = static_cast<uint8_t>(counter >> (8 * index));
  }
  std::array<uint8_t, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  // HMAC() needs a non-null key pointer even for an empty key.
  static constexpr uint8_t kNoKey = 0;
  const uint8_t* key = secret.empty() ? &kNoKey : secret.data();
  if (HMAC(EVP_sha1(), key, static_cast<int>(secret.size()), message.data(), message.size(),
           digest.data(), &digest_size) == nullptr ||
      digest_size != 20) {
    // Only a broken libcrypto gets here; a TOTP check must not silently pass or fail.
    std::fprintf(stderr, "vigie: HMAC-SHA-1 unavailable in libcrypto\n");
    std::abort();
  }
  const size_t offset = digest[19] & 0x0F;
  const uint32_t value = (uint32_t{digest[offset]} & 0x7F) << 24 |
                         uint32_t{digest[offset + 1]} << 16 | uint32_t{digest[offset + 2]} << 8 |
                         uint32_t{digest[offset + 3]};
  crypto::wipe(digest);
  return value;
}

std::string totp_code(std::span<const uint8_t> secret, uint64_t step) {
  uint32_t value = hotp_truncated(secret, step) % kCodeModulus;
  std::string code(kTotpDigits, '0');
  for (size_t index = kTotpDigits; index-- > 0;) {
    code[index] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return code;
}

uint64_t totp_step_at(int64_t unix_seconds) {
  return static_cast<uint64_t>(unix_seconds / kTotpPeriodSeconds);
}

Result<uint64_t> verify_totp(std::span<const uint8_t> secret, std::string_view code,
                             int64_t now_unix_seconds, std::optional<uint64_t> last_used_step) {
  if (!is_code_text(code)) {
    return fail(ErrorCode::kInvalidInput, "le code doit comporter 6 chiffres",
                "the code must be 6 digits");
  }
  if (now_unix_seconds < 0) {
    return fail(ErrorCode::kInvalidInput, "heure antérieure à 1970", "time before 1970");
  }
  const uint64_t current = totp_step_at(now_unix_seconds);
  const uint64_t first = current == 0 ? 0 : current - 1;
  // Every step of the window is computed and compared, so that the time taken does not depend
  // on which step matched. The latest unused match wins: after it, no step of the window that
  // could share the code stays open for a replay.
  std::optional<uint64_t> accepted;
  bool replayed = false;
  for (uint64_t step = first; step <= current + 1; ++step) {
    std::string expected = totp_code(secret, step);
    const bool match = crypto::constant_time_equal(bytes_of(expected), bytes_of(code));
    crypto::wipe({reinterpret_cast<uint8_t*>(expected.data()), expected.size()});
    if (!match) {
      continue;
    }
    if (last_used_step.has_value() && step <= *last_used_step) {
      replayed = true;
    } else {
      accepted = step;
    }
  }
  if (accepted.has_value()) {
    return *accepted;
  }
  if (replayed) {
    return fail(ErrorCode::kAuthenticationFailed, "code déjà utilisé, attendez le suivant",
                "code already used, wait for the next one");
  }
  return fail(ErrorCode::kAuthenticationFailed, "code incorrect", "wrong code");
}

crypto::SecretString otpauth_uri(std::string_view login, std::span<const uint8_t> secret) {
  static constexpr std::string_view kPrefix = "otpauth://totp/vigie:";
  static constexpr std::string_view kSecret = "?secret=";
  static constexpr std::string_view kParameters = "&issuer=vigie&algorithm=SHA1&digits=6&period=30";
  const std::string account = percent_encode(login);
  // Reserved whole, so the secret is written once and take() wipes the only copy.
  std::string uri;
  uri.reserve(kPrefix.size() + account.size() + kSecret.size() + base32_length(secret.size()) +
              kParameters.size());
  uri.append(kPrefix).append(account).append(kSecret);
  base32_append(secret, uri);
  uri.append(kParameters);
  return crypto::SecretString::take(std::move(uri));
}

}  // namespace vigie::auth
