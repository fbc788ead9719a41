#pragma once

#include <string>

namespace vigie::gate {

// Who is calling: the custodian (the person at the CLI who holds the vault's passphrase or key
// file), or an account presenting the secret of a session or an API token (auth/).
struct Principal {
  enum class Kind { kCustodian, kAccount };
  Kind kind = Kind::kCustodian;
  std::string os_user;     // the operating-system account that ran the command
  std::string session_id;  // random per process for the CLI; never a secret
  std::string address;     // the client's IP address; empty for a local command
  std::string user_agent;  // e.g. "vigie-cli"
  // kAccount: the bearer secret as the client presented it. The gate authenticates it on every
  // call (so a revocation or a lock takes effect at once) and never records it.
  std::string bearer;
};

// An account's principal from what its client presented.
[[nodiscard]] Principal account_principal(std::string bearer, std::string address,
                                          std::string user_agent);

// The custodian principal for the current process: the OS user of the real uid and a session id
// drawn once per process, so that an incident report can single out one run of the CLI.
[[nodiscard]] Principal current_custodian();

}  // namespace vigie::gate
