#include "audit/display.hpp"

#include "common/utf8.hpp"

namespace vigie::audit {

namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";

bool is_continuation(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

// Decodes the valid UTF-8 character `character` (1 to 4 bytes).
char32_t code_point(std::string_view character) {
  const auto lead = static_cast<unsigned char>(character[0]);
  if (character.size() == 1) {
    return lead;
  }
  char32_t value = lead & (0xFF >> (character.size() + 1));
  for (size_t index = 1; index < character.size(); ++index) {
    value = (value << 6) | (static_cast<unsigned char>(character[index]) & 0x3F);
  }
  return value;
}

bool is_unprintable(char32_t point) {
  return point < 0x20 || (point >= 0x7F && point <= 0x9F) || (point >= 0x202A && point <= 0x202E) ||
         (point >= 0x2066 && point <= 0x2069);
}

}  // namespace

std::string printable(std::string_view text, size_t max_characters) {
  const std::string valid = to_valid_utf8(text, text.size() * 3);
  std::string out;
  out.reserve(valid.size());
  size_t characters = 0;
  size_t position = 0;
  while (position < valid.size()) {
    size_t length = 1;
    while (position + length < valid.size() && is_continuation(valid[position + length])) {
      ++length;
    }
    if (characters == max_characters) {
      out.append(kEllipsis);
      break;
    }
    const std::string_view character = std::string_view(valid).substr(position, length);
    out.append(is_unprintable(code_point(character)) ? kReplacementCharacter : character);
    ++characters;
    position += length;
  }
  return out;
}

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (char byte : text) {
    if (!is_continuation(byte)) {
      ++width;
    }
  }
  return width;
}

}  // namespace vigie::audit
