#include "watch/account_use.hpp"

#include <algorithm>
#include <ctime>
#include <utility>

#include <fmt/format.h>

#include "watch/bounded_map.hpp"

namespace vigie::watch {

namespace {

bool by_account(const audit::Entry& entry) {
  return entry.actor.kind == audit::ActorKind::kAccount && !entry.actor.login.empty() &&
         entry.outcome == audit::Outcome::kSuccess;
}

}  // namespace

std::optional<Finding> break_glass_finding(const audit::Entry& entry) {
  if (entry.action != audit::kActionBreakGlass || entry.outcome != audit::Outcome::kSuccess) {
    return std::nullopt;
  }
  return Finding{AlertKind::kBreakGlass, entry.actor.login,
                 "accès d'urgence (bris de glace) ouvert / break-glass access opened", false};
}

std::optional<Finding> new_export_finding(const audit::Entry& entry) {
  if (entry.action != audit::kActionExport || entry.outcome != audit::Outcome::kSuccess) {
    return std::nullopt;
  }
  const std::string account =
      entry.actor.kind == audit::ActorKind::kAccount ? entry.actor.login : std::string();
  if (entry.purpose.ends_with(": requested")) {
    return Finding{AlertKind::kExport, account,
                   "nouvel export Bulk Data accepté / new Bulk Data export accepted", false};
  }
  for (const audit::Target& target : entry.targets) {
    if (target.type == "ExportJob" &&
        entry.purpose.starts_with(fmt::format("migration package {}:", target.id))) {
      return Finding{AlertKind::kExport, account,
                     "nouveau paquet de migration créé / new migration package created", false};
    }
  }
  return std::nullopt;
}

SharedAccountDetector::SharedAccountDetector(config::SharedAccountConfig config)
    : config_(config), window_ms_(config.window_minutes * 60 * 1000) {}

size_t SharedAccountDetector::tracked_accounts() const {
  const std::lock_guard lock(mutex_);
  return accounts_.size();
}

std::optional<Finding> SharedAccountDetector::observe(const audit::Entry& entry, int64_t now_ms) {
  if (!config_.enabled || !by_account(entry) || entry.actor.address.empty()) {
    return std::nullopt;
  }
  const std::string& address = entry.actor.address;
  const std::lock_guard lock(mutex_);
  auto found = accounts_.find(entry.actor.login);
  if (found == accounts_.end()) {
    detail::make_room(
        accounts_, kMaxAccounts,
        [&](const auto& item) { return item.second.last_ms <= now_ms - window_ms_; },
        [](const auto& item) { return item.second.last_ms; });
    accounts_.emplace(entry.actor.login, Use{address, now_ms, "", 0});
    return std::nullopt;
  }
  Use& use = found->second;
  if (use.last_address == address) {
    use.last_ms = std::max(use.last_ms, now_ms);
    return std::nullopt;
  }
  if (use.previous_address == address && use.previous_ms > now_ms - window_ms_ &&
      use.last_ms > now_ms - window_ms_) {
    Finding finding{AlertKind::kSharedAccount, entry.actor.login,
                    fmt::format("compte utilisé depuis deux adresses ({0} et {1}) en même temps, "
                                "à moins de {2} minutes d'écart / account used from two addresses "
                                "({0} and {1}) at once, within {2} minutes",
                                address, use.last_address, config_.window_minutes),
                    config_.lock};
    accounts_.erase(found);
    return finding;
  }
  use.previous_address = std::exchange(use.last_address, address);
  use.previous_ms = std::exchange(use.last_ms, now_ms);
  return std::nullopt;
}

LocalTime local_time_of(int64_t time_ms) {
  const std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  return LocalTime{(local.tm_wday + 6) % 7, int64_t{local.tm_hour} * 60 + local.tm_min};
}

OffHoursDetector::OffHoursDetector(config::OpeningHoursConfig config, LocalTimeOf local_time)
    : config_(config), local_time_(local_time) {}

bool OffHoursDetector::open_at(int64_t time_ms) const {
  const LocalTime local = local_time_(time_ms);
  const bool open_day = (config_.days >> static_cast<unsigned>(local.weekday)) & 1U;
  return open_day && local.minute >= config_.open_minute && local.minute < config_.close_minute;
}

std::optional<Finding> OffHoursDetector::observe(const audit::Entry& entry, int64_t now_ms) {
  if (!config_.enabled || !by_account(entry) || !entry.decrypted_data_left || open_at(now_ms)) {
    return std::nullopt;
  }
  const std::lock_guard lock(mutex_);
  const auto found = last_alert_ms_.find(entry.actor.login);
  if (found != last_alert_ms_.end()) {
    if (found->second > now_ms - kRepeatMs) {
      return std::nullopt;
    }
    found->second = now_ms;
  } else {
    detail::make_room(
        last_alert_ms_, kMaxAccounts,
        [&](const auto& item) { return item.second <= now_ms - kRepeatMs; },
        [](const auto& item) { return item.second; });
    last_alert_ms_.emplace(entry.actor.login, now_ms);
  }
  return Finding{AlertKind::kOffHours, entry.actor.login,
                 "accès à des données de patients hors des heures d'ouverture / access to patient "
                 "data outside opening hours",
                 false};
}

}  // namespace vigie::watch
