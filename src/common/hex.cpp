#include "common/hex.hpp"

#include <string_view>

namespace vigie {

std::string to_hex(std::span<const uint8_t> bytes) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string text;
  text.reserve(bytes.size() * 2);
  for (uint8_t byte : bytes) {
    text.push_back(kDigits[byte >> 4U]);
    text.push_back(kDigits[byte & 0x0FU]);
  }
  return text;
}

namespace {

std::optional<uint8_t> hex_digit(char digit) {
  if (digit >= '0' && digit <= '9') {
    return static_cast<uint8_t>(digit - '0');
  }
  if (digit >= 'a' && digit <= 'f') {
    return static_cast<uint8_t>(digit - 'a' + 10);
  }
  return std::nullopt;
}

}  // namespace

bool from_hex(std::string_view text, std::span<uint8_t> out) {
  if (text.size() != out.size() * 2) {
    return false;
  }
  for (size_t index = 0; index < out.size(); ++index) {
    std::optional<uint8_t> high = hex_digit(text[2 * index]);
    std::optional<uint8_t> low = hex_digit(text[2 * index + 1]);
    if (!high || !low) {
      return false;
    }
    out[index] = static_cast<uint8_t>((*high << 4U) | *low);
  }
  return true;
}

std::optional<std::vector<uint8_t>> from_hex(std::string_view text, size_t bytes) {
  std::vector<uint8_t> out(bytes);
  if (!from_hex(text, out)) {
    return std::nullopt;
  }
  return out;
}

}  // namespace vigie
