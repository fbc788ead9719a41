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
  return gauges;
}

void Gate::observe_audit_commits(audit::AuditLog::CommitObserver observer) {
  audit_->observe_commits(std::move(observer));
}

}  // namespace vigie::gate
