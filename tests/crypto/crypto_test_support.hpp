#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Helpers shared by the crypto tests.

namespace vigie::crypto::test_support {

// The bytes of `text`.
inline std::vector<uint8_t> bytes(std::string_view text) { return {text.begin(), text.end()}; }

// Lower-case hexadecimal, two digits a byte.
inline std::string hex(std::span<const uint8_t> data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t byte : data) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0x0F]);
  }
  return out;
}

// The bytes 0, 1, 2, ... (mod 256), `size` of them.
inline std::vector<uint8_t> counting_bytes(size_t size) {
  std::vector<uint8_t> out(size);
  for (size_t index = 0; index < size; ++index) {
    out[index] = static_cast<uint8_t>(index);
  }
  return out;
}

}  // namespace vigie::crypto::test_support
