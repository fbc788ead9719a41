#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "audit/entry.hpp"
#include "config/watch_config.hpp"
#include "watch/finding.hpp"

namespace vigie::watch {

// Login failure bursts: refused logins (action login, outcome denied: a person's password or
// second factor, or a SMART client's assertion) counted per account (the entry's login, set when
// the account exists) and per client address, in a sliding window (config::LoginFailuresConfig).
// auth/ already locks an account after 10 failures in a row and throttles an address: this
// detector only alerts (no lock), earlier, and sees a burst that spreads over many accounts from
// one address. Once a key (account or address) alerts, its count starts afresh.
//
// The window slides by sixteenths: failures are counted in kBuckets buckets of a sixteenth of the
// window each, so a key takes the same few bytes whatever the threshold. Memory: at most kMaxKeys
// accounts and kMaxKeys addresses are tracked (when full, keys idle for a window are dropped, then
// the longest idle one: an attacker with more addresses than that can push its own out).
// Thread-safe: one mutex guards both maps, held for one entry's update only.
class LoginFailureDetector {
 public:
  static constexpr size_t kMaxKeys = 10'000;
  static constexpr size_t kBuckets = 16;

  explicit LoginFailureDetector(config::LoginFailuresConfig config);

  // Up to two findings: the account's burst, the address's burst.
  [[nodiscard]] std::vector<Finding> observe(const audit::Entry& entry, int64_t now_ms);

  [[nodiscard]] size_t tracked_keys() const;

 private:
  struct Counts {
    int64_t newest_bucket = 0;  // the time's bucket number (time / bucket_ms_) of the last failure
    std::array<uint32_t, kBuckets> failures{};  // by bucket number modulo kBuckets
  };
  using Keys = std::map<std::string, Counts, std::less<>>;

  // With mutex_ held: records a failure of `key` in `keys`; true when it reaches `threshold`.
  bool burst(Keys& keys, const std::string& key, int64_t threshold, int64_t now_ms);

  const config::LoginFailuresConfig config_;
  const int64_t bucket_ms_;
  mutable std::mutex mutex_;
  Keys accounts_;   // guarded by mutex_
  Keys addresses_;  // guarded by mutex_
};

}  // namespace vigie::watch
