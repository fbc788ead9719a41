#include "fhir/normalize.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace vigie::fhir {

namespace {

// Folded forms of U+00C0..U+00FF (Latin-1 Supplement letters); "" marks a non-letter (× ÷).
constexpr std::array<std::string_view, 64> kLatin1Letters = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",   // À..Ï
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",  // Ð..ß
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",   // à..ï
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y",   // ð..ÿ
};

// Folded forms of U+0100..U+017F (Latin Extended-A), in code point order.
constexpr std::array<std::string_view, 128> kLatinExtendedA = {
    "a",  "a",  "a", "a", "a", "a",                        // Ā ā Ă ă Ą ą
    "c",  "c",  "c", "c", "c", "c", "c",  "c",             // Ć ć Ĉ ĉ Ċ ċ Č č
    "d",  "d",  "d", "d",                                  // Ď ď Đ đ
    "e",  "e",  "e", "e", "e", "e", "e",  "e",  "e", "e",  // Ē ē Ĕ ĕ Ė ė Ę ę Ě ě
    "g",  "g",  "g", "g", "g", "g", "g",  "g",             // Ĝ ĝ Ğ ğ Ġ ġ Ģ ģ
    "h",  "h",  "h", "h",                                  // Ĥ ĥ Ħ ħ
    "i",  "i",  "i", "i", "i", "i", "i",  "i",  "i", "i",  // Ĩ ĩ Ī ī Ĭ ĭ Į į İ ı
    "ij", "ij", "j", "j",                                  // Ĳ ĳ Ĵ ĵ
    "k",  "k",  "k",                                       // Ķ ķ ĸ
    "l",  "l",  "l", "l", "l", "l", "l",  "l",  "l", "l",  // Ĺ ĺ Ļ ļ Ľ ľ Ŀ ŀ Ł ł
    "n",  "n",  "n", "n", "n", "n", "n",  "n",  "n",       // Ń ń Ņ ņ Ň ň ŉ Ŋ ŋ
    "o",  "o",  "o", "o", "o", "o", "oe", "oe",            // Ō ō Ŏ ŏ Ő ő Œ œ
    "r",  "r",  "r", "r", "r", "r",                        // Ŕ ŕ Ŗ ŗ Ř ř
    "s",  "s",  "s", "s", "s", "s", "s",  "s",             // Ś ś Ŝ ŝ Ş ş Š š
    "t",  "t",  "t", "t", "t", "t",                        // Ţ ţ Ť ť Ŧ ŧ
    "u",  "u",  "u", "u", "u", "u", "u",  "u",  "u", "u", "u", "u",  // Ũ ũ Ū ū Ŭ ŭ Ů ů Ű ű Ų ų
    "w",  "w",  "y", "y", "y",                                       // Ŵ ŵ Ŷ ŷ Ÿ
    "z",  "z",  "z", "z", "z", "z", "s",                             // Ź ź Ż ż Ž ž ſ
};

// What one code point becomes in folded text.
enum class FoldClass {
  kLetter,     // appended (possibly rewritten)
  kSeparator,  // starts a new word
  kIgnored,    // dropped without separating (combining accents, joiners, soft hyphen)
};

bool in_range(uint32_t code_point, uint32_t first, uint32_t last) {
  return code_point >= first && code_point <= last;
}

FoldClass classify(uint32_t code_point) {
  if (code_point < 0x80) {
    bool alnum = in_range(code_point, 'a', 'z') || in_range(code_point, 'A', 'Z') ||
                 in_range(code_point, '0', '9');
    return alnum ? FoldClass::kLetter : FoldClass::kSeparator;
  }
  if (in_range(code_point, 0x0300, 0x036F) || in_range(code_point, 0xFE00, 0xFE0F) ||
      in_range(code_point, 0x200B, 0x200D) || code_point == 0xAD || code_point == 0xFEFF) {
    return FoldClass::kIgnored;
  }
  bool separator =
      in_range(code_point, 0x80, 0xBF) || code_point == 0xD7 || code_point == 0xF7 ||
      in_range(code_point, 0x02B0, 0x02FF) ||  // modifier letters, among them the apostrophe ʼ
      in_range(code_point, 0x2000, 0x2BFF) ||  // punctuation, symbols, arrows, box drawing
      in_range(code_point, 0x3000, 0x303F) || in_range(code_point, 0xFE10, 0xFE6F) ||
      in_range(code_point, 0xFF00, 0xFF0F) || in_range(code_point, 0xFF1A, 0xFF20) ||
      in_range(code_point, 0xFF3B, 0xFF40) || in_range(code_point, 0xFF5B, 0xFF65) ||
      in_range(code_point, 0xE000, 0xF8FF) || in_range(code_point, 0xFFF0, 0xFFFF);
  bool ordinal_letter = code_point == 0xAA || code_point == 0xBA;  // ª º
  return separator && !ordinal_letter ? FoldClass::kSeparator : FoldClass::kLetter;
}

void append_utf8(uint32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// Appends the folded form of a letter.
void append_folded_letter(uint32_t code_point, std::string& out) {
  if (in_range(code_point, 'A', 'Z')) {
    out.push_back(static_cast<char>(code_point - 'A' + 'a'));
  } else if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point == 0xAA) {
    out.push_back('a');
  } else if (code_point == 0xBA) {
    out.push_back('o');
  } else if (in_range(code_point, 0xC0, 0xFF)) {
    out.append(kLatin1Letters[code_point - 0xC0]);
  } else if (in_range(code_point, 0x0100, 0x017F)) {
    out.append(kLatinExtendedA[code_point - 0x0100]);
  } else if (in_range(code_point, 0x0218, 0x0219)) {  // Ș ș (Romanian)
    out.push_back('s');
  } else if (in_range(code_point, 0x021A, 0x021B)) {  // Ț ț (Romanian)
    out.push_back('t');
  } else {
    append_utf8(code_point, out);
  }
}

// Decodes the code point at `position`, advancing it; nullopt (after skipping one byte) for an
// invalid sequence: a stray continuation byte, a truncated or overlong sequence, a surrogate.
std::optional<uint32_t> next_code_point(std::string_view text, size_t& position) {
  auto byte_at = [&](size_t index) { return static_cast<uint8_t>(text[index]); };
  uint8_t lead = byte_at(position);
  size_t length = 0;
  uint32_t code_point = 0;
  uint32_t minimum = 0;
  if (lead < 0x80) {
    ++position;
    return lead;
  }
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code_point = lead & 0x1F;
    minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code_point = lead & 0x0F;
    minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code_point = lead & 0x07;
    minimum = 0x10000;
  } else {
    ++position;
    return std::nullopt;
  }
  if (text.size() - position < length) {
    ++position;
    return std::nullopt;
  }
  for (size_t offset = 1; offset < length; ++offset) {
    uint8_t continuation = byte_at(position + offset);
    if ((continuation & 0xC0) != 0x80) {
      ++position;
      return std::nullopt;
    }
    code_point = (code_point << 6) | (continuation & 0x3F);
  }
  if (code_point < minimum || code_point > 0x10FFFF || in_range(code_point, 0xD800, 0xDFFF)) {
    ++position;
    return std::nullopt;
  }
  position += length;
  return code_point;
}

}  // namespace

std::string fold_for_search(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  bool pending_space = false;
  size_t position = 0;
  while (position < utf8.size()) {
    std::optional<uint32_t> code_point = next_code_point(utf8, position);
    if (!code_point) {
      continue;
    }
    switch (classify(*code_point)) {
      case FoldClass::kIgnored:
        break;
      case FoldClass::kSeparator:
        pending_space = !out.empty();
        break;
      case FoldClass::kLetter:
        if (pending_space) {
          out.push_back(' ');
          pending_space = false;
        }
        append_folded_letter(*code_point, out);
        break;
    }
  }
  return out;
}

}  // namespace vigie::fhir
