#include "auth/base32.hpp"

namespace vigie::auth {

void base32_append(std::span<const uint8_t> data, std::string& out) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t byte : data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kAlphabet[(buffer >> bits) & 0x1F]);
    }
  }
  if (bits > 0) {
    out.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1F]);
  }
}

std::string base32_encode(std::span<const uint8_t> data) {
  std::string out;
  out.reserve(base32_length(data.size()));
  base32_append(data, out);
  return out;
}

}  // namespace vigie::auth
