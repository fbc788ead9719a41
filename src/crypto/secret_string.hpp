#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "crypto/secret_bytes.hpp"

namespace vigie::crypto {

// Text that is a secret (a password, a passphrase, a TOTP secret or its otpauth URI, a recovery
// code): held in SecretBytes memory (locked, out of core dumps, zeroed on release) from the
// moment it is read or made. Move-only; a move hands over the same bytes.
// There is no conversion from std::string, so a secret read into locked memory is never first
// held in ordinary memory; no formatter either: code that must show a secret (once, to its
// owner) prints view().
class SecretString {
 public:
  SecretString() = default;
  // A locked copy of `text`. The caller remains responsible for its own copy.
  explicit SecretString(std::string_view text);
  // For literals (tests, fixed text).
  SecretString(const char* text)  // NOLINT(google-explicit-constructor)
      : SecretString(std::string_view(text)) {}

  // The text of `bytes`, without a copy.
  [[nodiscard]] static SecretString adopt(SecretBytes bytes);
  // A locked copy of `text`, whose buffer is then wiped (for the few libraries that hand back a
  // std::string). Buffers the string gave up while it grew are not wiped: whoever builds `text`
  // reserves its full size first.
  [[nodiscard]] static SecretString take(std::string&& text);

  [[nodiscard]] std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }
  // Reads without a copy wherever a string_view is taken (a hash, a comparison).
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)
  [[nodiscard]] size_t size() const { return bytes_.size(); }
  [[nodiscard]] bool empty() const { return bytes_.empty(); }

 private:
  SecretBytes bytes_;
};

}  // namespace vigie::crypto
