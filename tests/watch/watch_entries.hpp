#pragma once

#include <string>
#include <vector>

#include "audit/entry.hpp"

// Entries shaped as gate/ records them, for the detectors' tests.

namespace vigie::watch::testing {

inline constexpr int64_t kMinute = 60 * 1000;
inline constexpr int64_t kStart = 1'780'000'000'000;  // a time in 2026

// A successful read of Patient/`patient` by `login` from `address`, decrypted data returned.
inline audit::Entry patient_read(const std::string& login, const std::string& patient,
                                 const std::string& address = "192.0.2.10") {
  audit::Entry entry;
  entry.time_ms = kStart;
  entry.actor.kind = audit::ActorKind::kAccount;
  entry.actor.login = login;
  entry.actor.address = address;
  entry.action = std::string(audit::kActionRead);
  entry.targets.push_back(audit::Target{"Patient", patient, 1, patient});
  entry.resources_returned = 1;
  entry.decrypted_data_left = true;
  return entry;
}

// A successful search by `login` whose page returned one Observation of each of `patients`.
inline audit::Entry search_hits(const std::string& login,
                                const std::vector<std::string>& patients) {
  audit::Entry entry = patient_read(login, "unused");
  entry.action = std::string(audit::kActionSearch);
  entry.targets.clear();
  for (const std::string& patient : patients) {
    entry.targets.push_back(audit::Target{"Observation", "obs-" + patient, 1, patient});
  }
  entry.resources_returned = static_cast<int64_t>(patients.size());
  return entry;
}

// A refused login: of an existing account (`login` set) or of an unknown one (empty).
inline audit::Entry failed_login(const std::string& login, const std::string& address) {
  audit::Entry entry;
  entry.time_ms = kStart;
  entry.actor.kind = audit::ActorKind::kAccount;
  entry.actor.login = login;
  entry.actor.address = address;
  entry.action = std::string(audit::kActionLogin);
  entry.outcome = audit::Outcome::kDenied;
  entry.reason = "authentication-failed";
  return entry;
}

}  // namespace vigie::watch::testing
