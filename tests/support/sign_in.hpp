#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/totp.hpp"

// What a person's authenticator app does with the otpauth:// URI of their enrolment.

namespace vigie::testing {

// The secret of an otpauth:// URI (its base32 `secret` parameter), decoded; empty when absent.
inline std::vector<uint8_t> totp_secret_of(std::string_view uri) {
  constexpr std::string_view kParameter = "secret=";
  const size_t start = uri.find(kParameter);
  if (start == std::string_view::npos) {
    return {};
  }
  std::string_view encoded = uri.substr(start + kParameter.size());
  encoded = encoded.substr(0, encoded.find('&'));
  std::vector<uint8_t> secret;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : encoded) {
    const int value = c >= 'A' && c <= 'Z' ? c - 'A' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
    if (value < 0) {
      return {};
    }
    buffer = (buffer << 5U) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      secret.push_back(static_cast<uint8_t>((buffer >> static_cast<uint32_t>(bits)) & 0xFFU));
    }
  }
  return secret;
}

// The 6-digit code the app shows at `now_ms` for the enrolment's URI.
inline std::string totp_code_now(std::string_view uri, int64_t now_ms) {
  return auth::totp_code(totp_secret_of(uri), auth::totp_step_at(now_ms / 1000));
}

}  // namespace vigie::testing
