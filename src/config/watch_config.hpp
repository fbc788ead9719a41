#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

// [watch]: the detectors of watch/ (docs/architecture.md, "Detectors", explains each figure).
//
//   [watch]
//   verify_minutes = 60          # audit chain verification by `vigie serve` (0: never)
//   break_glass = true           # alert on every break-glass grant
//   exports = true               # alert on every new export (bulk or package)
//   [watch.bulk_read]            # distinct patients returned to one account in a sliding window
//   window_minutes = 60
//   practitioner = 300           # per role (access/ names); 0: no limit for that role
//   lock = true                  # lock the account as well as alert
//   [watch.bulk_read.clients]    # per service client (its login), instead of `service`
//   lis-connector = 20000
//   [watch.login_failures]
//   window_minutes = 15
//   per_account = 5
//   per_address = 10
//   [watch.shared_account]
//   enabled = true
//   window_minutes = 10
//   [watch.opening_hours]        # off by default
//   enabled = false
//   days = ["mon", "tue", "wed", "thu", "fri", "sat"]
//   open = "07:00"
//   close = "20:00"

namespace vigie::config {

// Bounds of every count and window of [watch].
inline constexpr int64_t kMaxWatchWindowMinutes = 24 * 60;
inline constexpr int64_t kMaxWatchThreshold = 10'000'000;
inline constexpr int64_t kMaxVerifyMinutes = 7 * 24 * 60;

// The role names of access::Role (access::name_of), which [watch.bulk_read] accepts as keys.
inline constexpr std::array<std::string_view, 5> kRoleNames = {"practitioner", "assistant", "admin",
                                                               "dpo", "service"};

struct BulkReadConfig {
  int64_t window_minutes = 60;
  // Distinct patients per window, by role name; 0 means no limit for that role. The figures are
  // explained in docs/architecture.md ("Detectors"): above a lab's or a nurse's busiest hour.
  std::map<std::string, int64_t, std::less<>> per_role = {
      {"practitioner", 300}, {"assistant", 300}, {"admin", 50}, {"dpo", 100}, {"service", 2000},
  };
  // Per service client (the client's login), replacing `service` for that client.
  std::map<std::string, int64_t, std::less<>> per_client;
  bool lock = true;

  bool operator==(const BulkReadConfig&) const = default;
};

struct LoginFailuresConfig {
  int64_t window_minutes = 15;
  // auth/ locks an account after 10 failures in a row and throttles an address after 20 in 15
  // minutes: the detector tells a human earlier. 0 turns a count off.
  int64_t per_account = 5;
  int64_t per_address = 10;

  bool operator==(const LoginFailuresConfig&) const = default;
};

struct SharedAccountConfig {
  bool enabled = true;
  // Two addresses in use within this window, back and forth, mean two places at once.
  int64_t window_minutes = 10;
  bool lock = false;

  bool operator==(const SharedAccountConfig&) const = default;
};

struct OpeningHoursConfig {
  bool enabled = false;
  // Bit d set: open on day d, 0 Monday to 6 Sunday.
  uint8_t days = 0b0111111;
  // Minutes since local midnight (the server's time zone, TZ): open <= t < close.
  int64_t open_minute = 7 * 60;
  int64_t close_minute = 20 * 60;

  bool operator==(const OpeningHoursConfig&) const = default;
};

struct WatchConfig {
  int64_t verify_minutes = 60;
  bool break_glass = true;
  bool exports = true;
  BulkReadConfig bulk_read = {};
  LoginFailuresConfig login_failures = {};
  SharedAccountConfig shared_account = {};
  OpeningHoursConfig opening_hours = {};

  bool operator==(const WatchConfig&) const = default;
};

}  // namespace vigie::config
