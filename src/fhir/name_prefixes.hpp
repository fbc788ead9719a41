#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vigie::fhir {

// Prefixes longer than this many code points are not indexed; string queries are cut to it.
inline constexpr size_t kMaxPrefixCodePoints = 64;

// The search terms of one folded string value: every prefix of at least 3 code points (and at
// most kMaxPrefixCodePoints, never ending in a space) of the value and of each of its words, and
// the value or word itself when it is shorter than 3 code points. May contain duplicates.
[[nodiscard]] std::vector<std::string> name_prefixes(std::string_view folded);

// `folded` cut to at most kMaxPrefixCodePoints code points (trailing space removed), so that a
// long query still meets the longest indexed prefix.
[[nodiscard]] std::string cut_to_prefix_limit(std::string_view folded);

}  // namespace vigie::fhir
