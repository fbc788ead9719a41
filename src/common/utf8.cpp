#include "common/utf8.hpp"

#include <algorithm>

namespace vigie {

namespace {

bool is_continuation(uint8_t byte) { return (byte & 0xC0) == 0x80; }

// Length of the well-formed sequence starting at bytes[0], or 0 if none starts there.
size_t sequence_length(std::span<const uint8_t> bytes) {
  const uint8_t lead = bytes[0];
  if (lead < 0x80) {
    return 1;
  }
  size_t length = 0;
  uint8_t second_min = 0x80;
  uint8_t second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) {
      second_min = 0xA0;  // shorter forms are overlong
    } else if (lead == 0xED) {
      second_max = 0x9F;  // U+D800..U+DFFF are surrogates
    }
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) {
      second_min = 0x90;  // overlong
    } else if (lead == 0xF4) {
      second_max = 0x8F;  // above U+10FFFF
    }
  } else {
    return 0;
  }
  if (bytes.size() < length || bytes[1] < second_min || bytes[1] > second_max) {
    return 0;
  }
  for (size_t index = 2; index < length; ++index) {
    if (!is_continuation(bytes[index])) {
      return 0;
    }
  }
  return length;
}

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

}  // namespace

bool is_valid_utf8(std::span<const uint8_t> bytes) {
  size_t position = 0;
  while (position < bytes.size()) {
    if (bytes[position] < 0x80) {
      ++position;
      continue;
    }
    const size_t length = sequence_length(bytes.subspan(position));
    if (length == 0) {
      return false;
    }
    position += length;
  }
  return true;
}

std::string to_valid_utf8(std::string_view text, size_t max_bytes) {
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  size_t position = 0;
  while (position < bytes.size()) {
    const size_t length = sequence_length(bytes.subspan(position));
    const std::string_view character =
        length == 0 ? kReplacementCharacter : text.substr(position, length);
    if (out.size() + character.size() > max_bytes) {
      break;
    }
    out.append(character);
    position += length == 0 ? 1 : length;
  }
  return out;
}

}  // namespace vigie
