#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "audit/entry.hpp"
#include "config/watch_config.hpp"
#include "watch/account_use.hpp"
#include "watch/bulk_read.hpp"
#include "watch/finding.hpp"
#include "watch/login_failures.hpp"

namespace vigie::watch {

// Every detector of [watch], fed with the audited entries of one process. One per process,
// shared by every gate of the vault (gate/ owns it beside the audit log). Thread-safe: it holds
// no lock of its own; each detector guards its own state with one mutex, taken only for the
// entries it looks at (a read takes the bulk-read and shared-account locks, a failed login the
// login-failure lock), and only for that entry's update. No global state.
class Watch {
 public:
  explicit Watch(const config::WatchConfig& config);

  // The findings on `entry`, seen at `now_ms`. `role` is the role of the account that made the
  // call (access::name_of), empty when the actor is no account; only bulk reading uses it.
  [[nodiscard]] std::vector<Finding> observe(const audit::Entry& entry, std::string_view role,
                                             int64_t now_ms);

  // Whether `entry` is one bulk reading counts (no lock): the caller then observes it before the
  // data leaves, so that the entry that crosses the threshold returns nothing.
  [[nodiscard]] static bool counts_as_returned_data(const audit::Entry& entry) {
    return BulkReadDetector::counts(entry);
  }

  [[nodiscard]] const config::WatchConfig& config() const { return config_; }

 private:
  const config::WatchConfig config_;
  BulkReadDetector bulk_read_;
  LoginFailureDetector login_failures_;
  SharedAccountDetector shared_account_;
  OffHoursDetector off_hours_;
};

}  // namespace vigie::watch
