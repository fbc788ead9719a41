#include "fhir/name_prefixes.hpp"

namespace vigie::fhir {

namespace {

constexpr size_t kMinPrefixCodePoints = 3;

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Byte length of each prefix of `text` that ends on a code point boundary, shortest first, for
// at most `limit` prefixes.
std::vector<size_t> code_point_ends(std::string_view text, size_t limit) {
  std::vector<size_t> ends;
  for (size_t position = 1; position <= text.size() && ends.size() < limit; ++position) {
    if (position == text.size() || !is_continuation_byte(text[position])) {
      ends.push_back(position);
    }
  }
  return ends;
}

void append_prefixes(std::string_view text, std::vector<std::string>& out) {
  std::vector<size_t> ends = code_point_ends(text, kMaxPrefixCodePoints);
  if (ends.size() < kMinPrefixCodePoints) {
    if (!text.empty()) {
      out.emplace_back(text);
    }
    return;
  }
  for (size_t count = kMinPrefixCodePoints; count <= ends.size(); ++count) {
    std::string_view prefix = text.substr(0, ends[count - 1]);
    if (!prefix.ends_with(' ')) {
      out.emplace_back(prefix);
    }
  }
}

}  // namespace

std::vector<std::string> name_prefixes(std::string_view folded) {
  std::vector<std::string> out;
  append_prefixes(folded, out);
  if (folded.find(' ') == std::string_view::npos) {
    return out;
  }
  size_t start = 0;
  while (start <= folded.size()) {
    size_t end = folded.find(' ', start);
    if (end == std::string_view::npos) {
      end = folded.size();
    }
    append_prefixes(folded.substr(start, end - start), out);
    start = end + 1;
  }
  return out;
}

std::string cut_to_prefix_limit(std::string_view folded) {
  std::vector<size_t> ends = code_point_ends(folded, kMaxPrefixCodePoints + 1);
  if (ends.size() <= kMaxPrefixCodePoints) {
    return std::string(folded);
  }
  std::string_view cut = folded.substr(0, ends[kMaxPrefixCodePoints - 1]);
  while (cut.ends_with(' ')) {
    cut.remove_suffix(1);
  }
  return std::string(cut);
}

}  // namespace vigie::fhir
