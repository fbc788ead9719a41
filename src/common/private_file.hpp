#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace vigie {

// Whether the open file `fd` (at `path`, called `what` in English messages: "key file") may hold
// a secret: a regular file of the effective user's that group and others can neither read nor
// write. Another user who can read it has the secret; one who can write it or owns it can swap
// it. Root is held to the same rule, a file owned by another account included. A failure has
// `code` (the caller's: an unlock and a server start fail differently) and names the file and
// the fix (chown, chmod 600).
[[nodiscard]] Result<void> check_private_file(int fd, const std::string& path,
                                              std::string_view what, ErrorCode code);

}  // namespace vigie
