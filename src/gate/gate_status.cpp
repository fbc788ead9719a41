#include "gate/gate.hpp"

#include "gate/audited_call.hpp"

namespace vigie::gate {

Result<std::optional<audit::AuditLog::CheckpointTime>> Gate::last_checkpoint(
    const Principal& principal) {
  audit::Entry entry = start_entry(principal, audit::kActionAuditRead);
  entry.targets.push_back(audit::Target{"AuditLog", "checkpoint", 0, ""});
  Result<std::optional<audit::AuditLog::CheckpointTime>> result =
      [&]() -> Result<std::optional<audit::AuditLog::CheckpointTime>> {
    if (auto caller = admit(principal, access::Action::kAuditRead, entry); !caller) {
      return tl::unexpected(caller.error());
    }
    return audit_->last_checkpoint();
  }();
  return released(std::move(entry), std::move(result), {}, false);
}

}  // namespace vigie::gate
