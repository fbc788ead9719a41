#include "crypto/base64url.hpp"

#include <sodium.h>

namespace vigie::crypto {

std::string to_base64url(std::span<const uint8_t> bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string text(sodium_base64_encoded_len(bytes.size(), kVariant), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), kVariant);
  text.resize(text.size() - 1);  // the terminating NUL
  return text;
}

std::optional<std::vector<uint8_t>> from_base64url(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;  // and sodium_base642bin takes no null buffer
  }
  std::vector<uint8_t> bytes(text.size());
  size_t length = 0;
  if (sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), nullptr, &length,
                        nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  bytes.resize(length);
  return bytes;
}

std::optional<std::vector<uint8_t>> from_base64(std::string_view text) {
  if (text.empty()) {
    return std::vector<uint8_t>{};
  }
  std::vector<uint8_t> bytes(text.size());
  size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), nullptr, &length,
                        &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  bytes.resize(length);
  return bytes;
}

}  // namespace vigie::crypto
