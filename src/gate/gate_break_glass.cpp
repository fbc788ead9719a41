#include "gate/gate.hpp"

#include <fmt/format.h>

#include "common/utf8.hpp"
#include "gate/audited_call.hpp"

namespace vigie::gate {

void Gate::mark_break_glass(const Caller& caller, std::string_view patient_id,
                            audit::Entry& entry) {
  entry.break_glass = true;
  for (const access::BreakGlassGrant& grant : caller.context.break_glass) {
    if (access::is_active(grant, patient_id, caller.context.now_ms)) {
      const std::string named = fmt::format("break-glass grant {}", grant.id);
      if (entry.purpose.find(named) == std::string::npos) {
        entry.purpose += (entry.purpose.empty() ? "" : "; ") + named;
      }
    }
  }
}

Result<void> Gate::break_glass(const Principal& principal, std::string_view patient_id,
                               std::string_view reason) {
  audit::Entry entry = start_entry(principal, audit::kActionBreakGlass);
  entry.break_glass = true;
  entry.targets.push_back(
      audit::Target{"Patient", std::string(patient_id), 0, std::string(patient_id)});
  auto caller = [&]() -> Result<Caller> {
    auto identified = identify(principal, entry);
    if (!identified) {
      return identified;
    }
    if (identified->custodian || identified->account.is_token ||
        identified->account.role != access::Role::kPractitioner) {
      entry.reason = fmt::format("{}: break-glass is for practitioners' sessions",
                                 name_of(ErrorCode::kPermissionDenied));
      return fail(ErrorCode::kPermissionDenied, "accès refusé",
                  "access denied: break-glass is for practitioners' sessions");
    }
    if (identified->account.password_change_required || identified->account.second_factor_missing) {
      const std::string_view first = identified->account.password_change_required
                                         ? "temporary password must be changed first"
                                         : "a second factor must be enrolled first";
      entry.reason = fmt::format("{}: {}", name_of(ErrorCode::kPermissionDenied), first);
      return fail(ErrorCode::kPermissionDenied, "accès refusé",
                  fmt::format("access denied: {}", first));
    }
    if (!access::is_stated_reason(reason) || reason.size() > access::kMaxBreakGlassReasonBytes ||
        !is_valid_utf8(std::span(reinterpret_cast<const uint8_t*>(reason.data()), reason.size()))) {
      return fail(ErrorCode::kUsage,
                  fmt::format("le motif fait 1 à {} octets, pas seulement des blancs",
                              access::kMaxBreakGlassReasonBytes),
                  fmt::format("the reason is 1 to {} bytes, not only white space",
                              access::kMaxBreakGlassReasonBytes));
    }
    if (auto exists = require_patient(patient_id); !exists) {
      return tl::unexpected(exists.error());
    }
    return identified;
  }();
  if (!caller) {
    return refused<void>(std::move(entry), caller.error());
  }
  // The reason is often clinical: sealed under the patient's key, so that erasure shreds it. The
  // audit log keeps that the grant exists, by its id.
  const std::string grant_id = "bg-" + vault::Vault::new_id();
  auto sealed = vault_->seal_patient_note(patient_id, grant_id, reason);
  if (!sealed) {
    return refused<void>(std::move(entry), sealed.error());
  }
  entry.purpose = fmt::format("break-glass grant {}", grant_id);
  return account_change<void>(entry, [&](store::DataStore& tx) {
    return tx.insert_break_glass(store::BreakGlassRow{grant_id, caller->account.login,
                                                      std::string(patient_id), std::move(*sealed),
                                                      clock_.now_ms()});
  });
}

Result<std::vector<Gate::BreakGlassView>> Gate::break_glass_grants(const Principal& principal,
                                                                   std::string_view login) {
  audit::Entry entry = start_entry(principal, audit::kActionAuditRead);
  entry.targets.push_back(account_target(login));
  std::vector<audit::Target> patients;
  Result<std::vector<BreakGlassView>> result = [&]() -> Result<std::vector<BreakGlassView>> {
    if (auto caller = admit(principal, access::Action::kAuditRead, entry); !caller) {
      return tl::unexpected(caller.error());
    }
    auto rows = accounts_->break_glass_of(std::string(login), 0);
    if (!rows) {
      return tl::unexpected(rows.error());
    }
    std::vector<BreakGlassView> grants;
    for (const store::BreakGlassRow& row : *rows) {
      BreakGlassView& grant = grants.emplace_back();
      grant.id = row.id;
      grant.login = row.login;
      grant.patient_id = row.patient_id;
      grant.start_ms = row.start_ms;
      if (row.reason_sealed.empty()) {
        continue;  // a grant from before reasons were sealed: its clear reason was dropped
      }
      auto reason = vault_->open_patient_note(row.patient_id, row.id, row.reason_sealed);
      if (reason) {
        grant.reason = std::move(*reason);
        patients.push_back(audit::Target{"Patient", row.patient_id, 0, row.patient_id});
      } else if (reason.error().code == ErrorCode::kNotFound) {
        grant.reason_erased = true;
      } else {
        return tl::unexpected(reason.error());
      }
    }
    return grants;
  }();
  return released(std::move(entry), std::move(result), std::move(patients), true);
}

}  // namespace vigie::gate
