#include "common/percent.hpp"

namespace vigie {

namespace {

// The value of one %XX escape digit, or -1.
int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace

std::optional<std::string> decode_percent_escapes(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t position = 0; position < text.size(); ++position) {
    const char c = text[position];
    if (c == '+' && plus_is_space) {
      decoded.push_back(' ');
      continue;
    }
    if (c != '%') {
      decoded.push_back(c);
      continue;
    }
    if (position + 2 >= text.size()) {
      return std::nullopt;
    }
    const int high = hex_digit(text[position + 1]);
    const int low = hex_digit(text[position + 2]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    decoded.push_back(static_cast<char>(high * 16 + low));
    position += 2;
  }
  return decoded;
}

}  // namespace vigie
