#pragma once

#include <cstdint>
#include <string>

#include "audit/entry.hpp"

namespace vigie::audit::testing {

// A typical entry: an account reading one Observation of patient "p-<seq % 7>".
inline Entry sample_entry(int64_t seq) {
  Entry entry;
  entry.seq = seq;
  entry.time_ms = 1'709'630'000'000 + seq * 1000;
  entry.actor = Actor{.kind = ActorKind::kAccount,
                      .login = "i.martin",
                      .os_user = "",
                      .session_id = "s-" + std::to_string(seq / 50),
                      .address = "192.0.2.10",
                      .user_agent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/124.0",
                      .auth_method = "password+totp"};
  entry.action = std::string(kActionRead);
  entry.targets = {Target{.type = "Observation",
                          .id = "obs-" + std::to_string(seq),
                          .version = 1,
                          .compartment = "p-" + std::to_string(seq % 7)}};
  entry.purpose = "care";
  entry.outcome = Outcome::kSuccess;
  entry.resources_returned = 1;
  entry.decrypted_data_left = true;
  return entry;
}

}  // namespace vigie::audit::testing
