#pragma once

#include <string>

#include "watch/alert.hpp"

// A detector's verdict on an entry: what to raise, about whom, and whether to lock the account.

namespace vigie::watch {

struct Finding {
  AlertKind kind = AlertKind::kBulkRead;
  std::string account;  // the login concerned; empty when none (an address's burst)
  // Plain words for the custodian: never a patient id, name or value, never a secret.
  std::string detail;
  bool lock = false;  // lock the account (which revokes its sessions and tokens)

  bool operator==(const Finding&) const = default;
};

}  // namespace vigie::watch
