#include "crypto/secret_string.hpp"

#include <cstring>
#include <span>
#include <utility>

namespace vigie::crypto {

SecretString::SecretString(std::string_view text)
    : bytes_(SecretBytes::copy_of(
          std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()))) {}

SecretString SecretString::adopt(SecretBytes bytes) {
  SecretString text;
  text.bytes_ = std::move(bytes);
  return text;
}

SecretString SecretString::take(std::string&& text) {
  SecretString secret{std::string_view(text)};
  wipe(std::span(reinterpret_cast<uint8_t*>(text.data()), text.size()));
  text.clear();
  return secret;
}

}  // namespace vigie::crypto
