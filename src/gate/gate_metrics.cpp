#include <algorithm>

#include "auth/authenticator.hpp"
#include "gate/gate.hpp"

namespace vigie::gate {

Result<Gate::SupervisionGauges> Gate::supervision_gauges() {
  auto accounts = accounts_->accounts();
  if (!accounts) {
    return tl::unexpected(accounts.error());
  }
  SupervisionGauges gauges;
  const std::string_view locked = auth::name_of(auth::AccountStatus::kLocked);
  gauges.locked_accounts = std::ranges::count_if(
      *accounts, [locked](const store::AccountRow& row) { return row.status == locked; });
  for (const watch::AlertKind kind :
       {watch::AlertKind::kBulkRead, watch::AlertKind::kHoney, watch::AlertKind::kLoginFailures,
        watch::AlertKind::kBreakGlass, watch::AlertKind::kExport, watch::AlertKind::kSharedAccount,
        watch::AlertKind::kOffHours, watch::AlertKind::kAuditVerification}) {
    gauges.alerts_by_kind.emplace(std::string(watch::name_of(kind)), 0);
  }
  // Every stored alert, page by page (a vault holds few: each one is a human's matter).
  constexpr size_t kPage = 1000;
  for (int64_t after = 0;;) {
    auto page = accounts_->list_alerts(after, kPage, false);
    if (!page) {
      return tl::unexpected(page.error());
    }
    for (const store::AlertRow& row : *page) {
      ++gauges.alerts_by_kind[row.kind];
    }
    if (page->size() < kPage) {
      return gauges;
    }
    after = page->back().id;
  }
}

void Gate::observe_audit_commits(audit::AuditLog::CommitObserver observer) {
  audit_->observe_commits(std::move(observer));
}

}  // namespace vigie::gate
