#include "gate/gate.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "gate/audited_call.hpp"

// The gate's side of watch/: every audited entry goes to the process's detectors, and their
// findings become alerts (docs/architecture.md, "Detectors").

namespace vigie::gate {

std::optional<Error> Gate::watched(std::vector<audit::Entry>& entries) {
  const int64_t now = clock_.now_ms();
  std::vector<watch::Finding> findings;
  for (const audit::Entry& entry : entries) {
    for (watch::Finding& finding : watch_->observe(entry, caller_role_, now)) {
      findings.push_back(std::move(finding));
    }
  }
  if (findings.empty()) {
    return std::nullopt;
  }
  const auto locking = std::find_if(findings.begin(), findings.end(),
                                    [](const watch::Finding& finding) { return finding.lock; });
  // The lock commits before the call's refusal is recorded: a request decided after it sees the
  // account locked.
  raise(findings);
  if (locking == findings.end()) {
    return std::nullopt;
  }
  // What a locked account gets (auth::Authenticator::authenticate), so that the caller cannot
  // tell the request that crossed the threshold from the ones after it.
  const std::string reason =
      fmt::format("{}: {} alert, account locked", name_of(ErrorCode::kAuthenticationFailed),
                  watch::name_of(locking->kind));
  for (audit::Entry& entry : entries) {
    if (entry.outcome == audit::Outcome::kSuccess) {
      entry.outcome = audit::Outcome::kDenied;
      entry.reason = reason;
      entry.decrypted_data_left = false;
      entry.resources_returned = 0;
    }
  }
  return Error{ErrorCode::kAuthenticationFailed, "account not active", "compte inactif"};
}

void Gate::watch_intents(const std::vector<audit::Entry>& entries) {
  const int64_t now = clock_.now_ms();
  for (const audit::Entry& entry : entries) {
    for (watch::Finding& finding : watch_->observe(entry, caller_role_, now)) {
      pending_findings_.push_back(std::move(finding));
    }
  }
}

void Gate::raise(const std::vector<watch::Finding>& findings) {
  for (const watch::Finding& finding : findings) {
    // An alert that cannot be stored leaves the call as it is: a refusal stays a refusal.
    static_cast<void>(record_alert(finding.kind, finding.account, finding.detail, finding.lock));
  }
}

}  // namespace vigie::gate
