#pragma once

#include <string>
#include <string_view>

namespace vigie::fhir {

// Folds a UTF-8 string for string search: lowercase, accents removed for Latin letters
// (é->e, Ç->c, œ->oe, ß->ss, ...), every run of characters that are neither letters nor digits
// replaced by one space, leading and trailing spaces removed. "  Lefèvre-D'Arc " -> "lefevre d
// arc". Invalid UTF-8 bytes are dropped.
[[nodiscard]] std::string fold_for_search(std::string_view utf8);

}  // namespace vigie::fhir
