#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vigie {

// The words of `text` separated by single or repeated spaces, in order (for the space-separated
// lists the stores keep: scopes, addresses, ids).
[[nodiscard]] std::vector<std::string> split_words(std::string_view text);

}  // namespace vigie
