#include "lifecycle/package_hex.hpp"

namespace vigie::lifecycle {

std::optional<std::vector<uint8_t>> from_hex(std::string_view text, size_t bytes) {
  if (text.size() != bytes * 2) {
    return std::nullopt;
  }
  std::vector<uint8_t> out(bytes);
  for (size_t i = 0; i < bytes; ++i) {
    int value = 0;
    for (size_t j = 0; j < 2; ++j) {
      const char c = text[2 * i + j];
      int digit = 0;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else {
        return std::nullopt;
      }
      value = value * 16 + digit;
    }
    out[i] = static_cast<uint8_t>(value);
  }
  return out;
}

}  // namespace vigie::lifecycle
