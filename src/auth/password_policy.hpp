#pragma once

#include <cstddef>
#include <string_view>

#include "common/error.hpp"

namespace vigie::auth {

inline constexpr size_t kMinPasswordCodePoints = 12;

// Whether `password` may be set for the account (`login`, `display_name`). Refused, with
// kInvalidInput and a message in French then English that never quotes the password, when it:
// - is not valid UTF-8 or holds an ASCII control character;
// - has fewer than 12 characters (code points, not bytes);
// - equals or contains the login, a word of the login or a word of the display name of at least
//   3 characters, compared with case, accents and punctuation folded away ("Du-Pont" in
//   "xdupontx");
// - is weak per cracklib (Debian's libcrack2 and the cracklib-runtime dictionary).
// kInternal when the cracklib dictionary is missing. Thread-safe (cracklib itself is not: calls
// into it are serialised).
[[nodiscard]] Result<void> check_password(std::string_view password, std::string_view login,
                                          std::string_view display_name);

}  // namespace vigie::auth
