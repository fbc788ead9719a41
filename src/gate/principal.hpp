#pragma once

#include <string>

namespace vigie::gate {

// Who is calling. For now the only principal is the custodian: the person at the CLI who holds
// the vault's passphrase or key file. Accounts, sessions and tokens (auth/) add kinds here.
struct Principal {
  enum class Kind { kCustodian };
  Kind kind = Kind::kCustodian;
  std::string os_user;     // the operating-system account that ran the command
  std::string session_id;  // random per process for the CLI; never a secret
  std::string address;     // the client's IP address; empty for a local command
  std::string user_agent;  // e.g. "vigie-cli"
};

// The custodian principal for the current process: the OS user of the real uid and a session id
// drawn once per process, so that an incident report can single out one run of the CLI.
[[nodiscard]] Principal current_custodian();

}  // namespace vigie::gate
