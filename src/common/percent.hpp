#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vigie {

// `text` with its %XX escapes decoded, and "+" as a space when `plus_is_space` (HTML forms);
// nullopt for a malformed escape ("%4", "%zz"). The decoded bytes are not checked further.
[[nodiscard]] std::optional<std::string> decode_percent_escapes(std::string_view text,
                                                                bool plus_is_space);

}  // namespace vigie
