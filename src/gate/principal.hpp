#pragma once

#include <string>

namespace vigie::gate {

// Who is calling. For now the only principal is the custodian: the person at the CLI who holds
// the vault's passphrase or key file. Accounts, sessions and tokens (auth/) add kinds here.
struct Principal {
  enum class Kind { kCustodian };
  Kind kind = Kind::kCustodian;
  std::string os_user;  // the operating-system account that ran the command
};

// The custodian principal for the current process (OS user from the real uid).
[[nodiscard]] Principal current_custodian();

}  // namespace vigie::gate
