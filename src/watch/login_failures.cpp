#include "watch/login_failures.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "watch/bounded_map.hpp"

namespace vigie::watch {

LoginFailureDetector::LoginFailureDetector(config::LoginFailuresConfig config)
    : config_(config),
      bucket_ms_(std::max<int64_t>(
          1, config.window_minutes * 60 * 1000 / static_cast<int64_t>(kBuckets))) {}

size_t LoginFailureDetector::tracked_keys() const {
  const std::lock_guard lock(mutex_);
  return accounts_.size() + addresses_.size();
}

bool LoginFailureDetector::burst(Keys& keys, const std::string& key, int64_t threshold,
                                 int64_t now_ms) {
  constexpr auto kCount = static_cast<int64_t>(kBuckets);
  const int64_t bucket = now_ms / bucket_ms_;
  auto found = keys.find(key);
  if (found == keys.end()) {
    detail::make_room(
        keys, kMaxKeys,
        [&](const auto& item) { return item.second.newest_bucket <= bucket - kCount; },
        [](const auto& item) { return item.second.newest_bucket; });
    found = keys.emplace(key, Counts{bucket, {}}).first;
  }
  Counts& counts = found->second;
  // Buckets that slid out of the window since the last failure start empty again.
  for (int64_t stale = counts.newest_bucket + 1;
       stale <= bucket && stale <= counts.newest_bucket + kCount; ++stale) {
    counts.failures[static_cast<size_t>(stale % kCount)] = 0;
  }
  counts.newest_bucket = std::max(counts.newest_bucket, bucket);
  ++counts.failures[static_cast<size_t>(counts.newest_bucket % kCount)];
  int64_t total = 0;
  for (const uint32_t failures : counts.failures) {
    total += failures;
  }
  if (total < threshold) {
    return false;
  }
  keys.erase(found);
  return true;
}

std::vector<Finding> LoginFailureDetector::observe(const audit::Entry& entry, int64_t now_ms) {
  std::vector<Finding> findings;
  if (entry.action != audit::kActionLogin || entry.outcome != audit::Outcome::kDenied) {
    return findings;
  }
  const std::lock_guard lock(mutex_);
  if (config_.per_account > 0 && !entry.actor.login.empty() &&
      burst(accounts_, entry.actor.login, config_.per_account, now_ms)) {
    findings.push_back(Finding{
        AlertKind::kLoginFailures, entry.actor.login,
        fmt::format("{0} connexions refusées pour ce compte en {1} minutes / {0} failed logins "
                    "of this account within {1} minutes",
                    config_.per_account, config_.window_minutes),
        false});
  }
  if (config_.per_address > 0 && !entry.actor.address.empty() &&
      burst(addresses_, entry.actor.address, config_.per_address, now_ms)) {
    findings.push_back(Finding{
        AlertKind::kLoginFailures, "",
        fmt::format("{0} connexions refusées depuis l'adresse {1} en {2} minutes / {0} failed "
                    "logins from address {1} within {2} minutes",
                    config_.per_address, entry.actor.address, config_.window_minutes),
        false});
  }
  return findings;
}

}  // namespace vigie::watch
