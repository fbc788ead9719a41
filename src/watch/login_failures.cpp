#include "watch/login_failures.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "watch/bounded_map.hpp"

namespace vigie::watch {

LoginFailureDetector::LoginFailureDetector(config::LoginFailuresConfig config)
    : config_(config), window_ms_(config.window_minutes * 60 * 1000) {}

size_t LoginFailureDetector::tracked_keys() const {
  const std::lock_guard lock(mutex_);
  return accounts_.size() + addresses_.size();
}

bool LoginFailureDetector::burst(Keys& keys, const std::string& key, int64_t threshold,
                                 int64_t now_ms) {
  auto found = keys.find(key);
  if (found == keys.end()) {
    detail::make_room(
        keys, kMaxKeys, [&](const auto& item) { return item.second.back() <= now_ms - window_ms_; },
        [](const auto& item) { return item.second.back(); });
    found = keys.emplace(key, Times{}).first;
  }
  Times& times = found->second;
  while (!times.empty() && times.front() <= now_ms - window_ms_) {
    times.pop_front();
  }
  times.push_back(now_ms);
  if (static_cast<int64_t>(times.size()) < threshold) {
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
