#include "watch/detectors.hpp"

#include <utility>

namespace vigie::watch {

Watch::Watch(const config::WatchConfig& config)
    : config_(config),
      bulk_read_(config.bulk_read),
      login_failures_(config.login_failures),
      shared_account_(config.shared_account),
      off_hours_(config.opening_hours) {}

std::vector<Finding> Watch::observe(const audit::Entry& entry, std::string_view role,
                                    int64_t now_ms) {
  std::vector<Finding> findings;
  if (auto bulk = bulk_read_.observe(entry, role, now_ms)) {
    findings.push_back(std::move(*bulk));
  }
  if (entry.action == audit::kActionLogin) {
    for (Finding& failure : login_failures_.observe(entry, now_ms)) {
      findings.push_back(std::move(failure));
    }
  }
  if (config_.break_glass) {
    if (auto grant = break_glass_finding(entry)) {
      findings.push_back(std::move(*grant));
    }
  }
  if (config_.exports) {
    if (auto started = new_export_finding(entry)) {
      findings.push_back(std::move(*started));
    }
  }
  if (auto shared = shared_account_.observe(entry, now_ms)) {
    findings.push_back(std::move(*shared));
  }
  if (auto off_hours = off_hours_.observe(entry, now_ms)) {
    findings.push_back(std::move(*off_hours));
  }
  return findings;
}

}  // namespace vigie::watch
