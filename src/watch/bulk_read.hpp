#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "audit/entry.hpp"
#include "config/watch_config.hpp"
#include "watch/finding.hpp"

namespace vigie::watch {

// Bulk reading: the distinct patients whose data was returned to one account within a sliding
// window (config::BulkReadConfig). An entry counts when an account (not the custodian, not the
// vault itself) got decrypted data (Entry::decrypted_data_left) with success; the patients it
// counts are its targets' compartments (a search hit counts as the patient it returns; the
// shared compartment and empty ones are no patient). Export entries are left to the export
// detector: an export's data is sealed in its job's files, and a new export raises its own alert.
//
// The threshold is the account's service client figure (per_client, for a login listed there),
// else its role's (per_role; 0 or a role absent: no limit). When an entry takes the account's
// count above the threshold, observe() returns a kBulkRead finding (lock as configured) and
// forgets the account's window: after the custodian unlocks it, counting starts afresh.
//
// Memory: an account's window holds at most threshold + 1 patients (older ones are pruned
// whenever it would exceed the threshold); at most kMaxAccounts accounts are tracked (when full,
// accounts idle for a whole window are dropped, then the longest idle one). Thread-safe: one
// mutex guards the accounts' windows, held for one entry's update only.
class BulkReadDetector {
 public:
  static constexpr size_t kMaxAccounts = 10'000;

  explicit BulkReadDetector(config::BulkReadConfig config);

  // `role` is the account's role by access::name_of ("practitioner", "service", ...).
  [[nodiscard]] std::optional<Finding> observe(const audit::Entry& entry, std::string_view role,
                                               int64_t now_ms);

  // Whether `entry` is one this detector counts (no lock taken): the gate asks it before the
  // data leaves.
  [[nodiscard]] static bool counts(const audit::Entry& entry);

  // The threshold that applies to `login` of `role`; 0 for no limit.
  [[nodiscard]] int64_t threshold_of(std::string_view login, std::string_view role) const;

  // Accounts currently tracked (for tests of the memory bound).
  [[nodiscard]] size_t tracked_accounts() const;

 private:
  struct Window {
    std::map<std::string, int64_t, std::less<>> last_seen;  // patient id -> time returned
    int64_t newest_ms = 0;
  };

  const config::BulkReadConfig config_;
  const int64_t window_ms_;
  mutable std::mutex mutex_;
  std::map<std::string, Window, std::less<>> accounts_;  // guarded by mutex_
};

}  // namespace vigie::watch
