#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vigie::audit {

// Untrusted text (a user agent, a purpose, a name) made safe to print on one line of a terminal
// or a Markdown document: valid UTF-8, with control characters (C0, DEL, C1) and bidirectional
// overrides replaced by U+FFFD, and cut to `max_characters` code points with a trailing "…".
[[nodiscard]] std::string printable(std::string_view text, size_t max_characters);

// Number of code points of valid UTF-8 `text` (its width in a table, near enough).
[[nodiscard]] size_t display_width(std::string_view text);

}  // namespace vigie::audit
