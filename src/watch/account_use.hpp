#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "audit/entry.hpp"
#include "config/watch_config.hpp"
#include "watch/finding.hpp"

// The detectors of how accounts are used, beside the volume of what they read (bulk_read.hpp)
// and their failed logins (login_failures.hpp).

namespace vigie::watch {

// Break-glass use: a grant opened (action break-glass, success). An alert without a lock: the
// emergency access is legitimate until a human says otherwise.
[[nodiscard]] std::optional<Finding> break_glass_finding(const audit::Entry& entry);

// A new export: a Bulk Data export accepted (an export entry whose purpose ends with
// ": requested", gate_export.cpp) or a migration package created (an export entry naming an
// ExportJob target, whose purpose starts with "migration package <its id>:", gate_package.cpp;
// an approval, revocation or certificate is not a new export). An alert without a lock.
[[nodiscard]] std::optional<Finding> new_export_finding(const audit::Entry& entry);

// One account used from two client addresses at once (config::SharedAccountConfig): an account's
// request from address B after one from A is a move (a nurse's laptop from the practice's
// network to a phone's); a request from A again while B was used within the window means both
// places at once (A, B, then A again, both A's uses and B's within the window). Counted on the
// entries of an account (kAccount with a login and an address) that succeeded. After an alert the
// account is forgotten, so that a next alert needs the pattern again.
//
// Memory: two addresses per account, at most kMaxAccounts accounts (when full, accounts idle for
// a window are dropped, then the longest idle one). Thread-safe: one mutex guards the map, held
// for one entry's update only.
class SharedAccountDetector {
 public:
  static constexpr size_t kMaxAccounts = 10'000;

  explicit SharedAccountDetector(config::SharedAccountConfig config);

  [[nodiscard]] std::optional<Finding> observe(const audit::Entry& entry, int64_t now_ms);

  [[nodiscard]] size_t tracked_accounts() const;

 private:
  struct Use {
    std::string last_address;
    int64_t last_ms = 0;
    std::string previous_address;
    int64_t previous_ms = 0;
  };

  const config::SharedAccountConfig config_;
  const int64_t window_ms_;
  mutable std::mutex mutex_;
  std::map<std::string, Use, std::less<>> accounts_;  // guarded by mutex_
};

// Where a time falls in local time: the day of the week (0 Monday to 6 Sunday) and the minute
// since midnight.
struct LocalTime {
  int weekday = 0;
  int64_t minute = 0;
};
// The server's local time zone (TZ), by localtime_r.
[[nodiscard]] LocalTime local_time_of(int64_t time_ms);

// Access outside declared opening hours (config::OpeningHoursConfig, off by default): an
// account's successful call on patient data (decrypted data left the vault) at a time when the
// practice is closed. At most one alert per account per kRepeatMs, so that a night's work is one
// alert. No lock.
//
// Memory: one time per account, at most kMaxAccounts (when full, the oldest alerts are
// forgotten first). Thread-safe: one mutex guards the map, held for one entry's update only.
class OffHoursDetector {
 public:
  static constexpr size_t kMaxAccounts = 10'000;
  static constexpr int64_t kRepeatMs = 8LL * 60 * 60 * 1000;
  using LocalTimeOf = LocalTime (*)(int64_t time_ms);

  explicit OffHoursDetector(config::OpeningHoursConfig config,
                            LocalTimeOf local_time = &local_time_of);

  [[nodiscard]] std::optional<Finding> observe(const audit::Entry& entry, int64_t now_ms);

  [[nodiscard]] bool open_at(int64_t time_ms) const;

 private:
  const config::OpeningHoursConfig config_;
  const LocalTimeOf local_time_;
  mutable std::mutex mutex_;
  std::map<std::string, int64_t, std::less<>> last_alert_ms_;  // guarded by mutex_
};

}  // namespace vigie::watch
