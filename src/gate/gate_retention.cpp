// Retention: the verdicts of lifecycle/retention.hpp, applied by crypto-shredding.

#include <fmt/format.h>

#include "gate/audited_call.hpp"
#include "gate/gate.hpp"

namespace vigie::gate {

Result<lifecycle::RetentionReport> Gate::apply_retention(const Principal& principal,
                                                         const config::RetentionConfig& rules,
                                                         bool dry_run) {
  audit::Entry entry = start_entry(principal, audit::kActionRetention);
  if (auto caller = admit(principal, access::Action::kErase, entry); !caller) {
    return refused<lifecycle::RetentionReport>(std::move(entry), caller.error());
  }
  if (auto checked = lifecycle::check_rules(rules); !checked) {
    return refused<lifecycle::RetentionReport>(std::move(entry), checked.error());
  }
  lifecycle::RetentionReport report;
  report.now_ms = clock_.now_ms();
  report.dry_run = dry_run;
  auto patients = vault_->patient_activity();
  if (!patients) {
    return refused<lifecycle::RetentionReport>(std::move(entry), patients.error());
  }
  std::vector<audit::Target> targets;
  for (vault::Vault::PatientActivity& activity : *patients) {
    // Decoys are no one's records: retention leaves them where they were planted.
    if (vault_->is_decoy(activity.patient_id)) {
      continue;
    }
    // The status and birth date are sealed: the Patient is decrypted here and nothing of it
    // leaves this loop but the verdict.
    auto patient = vault_->read_current("Patient", activity.patient_id);
    if (!patient && patient.error().code != ErrorCode::kNotFound) {
      return refused<lifecycle::RetentionReport>(std::move(entry), patient.error());
    }
    const bool readable = patient && !patient->deleted;
    const lifecycle::PatientFacts facts =
        lifecycle::patient_facts(activity.patient_id, std::move(activity.last_update_by_type),
                                 readable ? &patient->resource : nullptr);
    ++report.patients_examined;
    lifecycle::RetentionVerdict verdict = lifecycle::retention_of(rules, facts);
    if (verdict.expires_ms > report.now_ms) {
      continue;
    }
    targets.push_back(audit::Target{"Patient", activity.patient_id, 0, activity.patient_id});
    report.due.push_back(lifecycle::DuePatient{activity.patient_id, std::move(verdict)});
  }
  entry.purpose =
      fmt::format("retention{}: {} patient(s) examined, {} due", dry_run ? " (dry run)" : "",
                  report.patients_examined, report.due.size());
  auto reviewed = released(std::move(entry), Result<lifecycle::RetentionReport>(std::move(report)),
                           std::move(targets), false);
  if (!reviewed || dry_run) {
    return reviewed;
  }
  for (lifecycle::DuePatient& due : reviewed->due) {
    auto erased =
        erase_for(principal, due.patient_id, fmt::format("retention: {}", due.verdict.rule), {});
    if (!erased && erased.error().code != ErrorCode::kNotFound) {
      return tl::unexpected(erased.error());
    }
    due.erased = erased.has_value();
  }
  return reviewed;
}

}  // namespace vigie::gate
