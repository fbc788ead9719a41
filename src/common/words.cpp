#include "common/words.hpp"

#include <algorithm>

namespace vigie {

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  size_t begin = 0;
  while (begin < text.size()) {
    const size_t end = std::min(text.find(' ', begin), text.size());
    if (end > begin) {
      words.emplace_back(text.substr(begin, end - begin));
    }
    begin = end + 1;
  }
  return words;
}

}  // namespace vigie
