#include "watch/bulk_read.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "watch/bounded_map.hpp"

namespace vigie::watch {

namespace {

constexpr int64_t kMinuteMs = 60 * 1000;
// vault::kSharedCompartment: resources of no patient.
constexpr std::string_view kSharedCompartment = "*shared";

}  // namespace

BulkReadDetector::BulkReadDetector(config::BulkReadConfig config)
    : config_(std::move(config)), window_ms_(config_.window_minutes * kMinuteMs) {}

bool BulkReadDetector::counts(const audit::Entry& entry) {
  return entry.actor.kind == audit::ActorKind::kAccount && !entry.actor.login.empty() &&
         entry.outcome == audit::Outcome::kSuccess && entry.decrypted_data_left &&
         entry.action != audit::kActionExport;
}

int64_t BulkReadDetector::threshold_of(std::string_view login, std::string_view role) const {
  if (role == "service") {
    if (const auto client = config_.per_client.find(login); client != config_.per_client.end()) {
      return client->second;
    }
  }
  const auto found = config_.per_role.find(role);
  return found == config_.per_role.end() ? 0 : found->second;
}

size_t BulkReadDetector::tracked_accounts() const {
  const std::lock_guard lock(mutex_);
  return accounts_.size();
}

std::optional<Finding> BulkReadDetector::observe(const audit::Entry& entry, std::string_view role,
                                                 int64_t now_ms) {
  if (!counts(entry)) {
    return std::nullopt;
  }
  const int64_t threshold = threshold_of(entry.actor.login, role);
  if (threshold <= 0) {
    return std::nullopt;
  }
  const std::lock_guard lock(mutex_);
  auto account = accounts_.find(entry.actor.login);
  if (account == accounts_.end()) {
    detail::make_room(
        accounts_, kMaxAccounts,
        [&](const auto& item) { return item.second.newest_ms <= now_ms - window_ms_; },
        [](const auto& item) { return item.second.newest_ms; });
    account = accounts_.emplace(entry.actor.login, Window{}).first;
  }
  Window& window = account->second;
  window.newest_ms = std::max(window.newest_ms, now_ms);
  for (const audit::Target& target : entry.targets) {
    if (target.compartment.empty() || target.compartment == kSharedCompartment) {
      continue;
    }
    if (const auto seen = window.last_seen.find(target.compartment);
        seen != window.last_seen.end()) {
      seen->second = std::max(seen->second, now_ms);
      continue;
    }
    window.last_seen.emplace(target.compartment, now_ms);
    if (static_cast<int64_t>(window.last_seen.size()) <= threshold) {
      continue;
    }
    std::erase_if(window.last_seen,
                  [&](const auto& patient) { return patient.second <= now_ms - window_ms_; });
    if (static_cast<int64_t>(window.last_seen.size()) > threshold) {
      accounts_.erase(account);
      return Finding{
          AlertKind::kBulkRead, entry.actor.login,
          fmt::format("données de plus de {0} patients distincts rendues en {1} minutes (seuil "
                      "{2}) / data of more than {0} distinct patients returned within {1} "
                      "minutes (threshold of {2})",
                      threshold, config_.window_minutes, role),
          config_.lock};
    }
  }
  return std::nullopt;
}

}  // namespace vigie::watch
