#include "gate/gate.hpp"

#include "gate/audited_call.hpp"

namespace vigie::gate {

Result<vault::ErasureOutcome> Gate::erase_patient(const Principal& principal,
                                                  std::string_view patient_id,
                                                  const vault::ErasureOptions& options) {
  audit::Entry entry = start_entry(principal, audit::kActionErase);
  entry.targets.push_back(
      audit::Target{"Patient", std::string(patient_id), 0, std::string(patient_id)});
  if (auto caller =
          admit_reference(principal, access::Action::kErase, "Patient", patient_id, entry);
      !caller) {
    return released(std::move(entry), Result<vault::ErasureOutcome>(tl::unexpected(caller.error())),
                    {}, false);
  }
  std::vector<audit::Checkpoint> signed_checkpoints;
  auto result = vault_->erase_patient(
      patient_id,
      [&](store::DataStore& transaction, const vault::ErasureOutcome&) -> Result<void> {
        if (auto removed = transaction.remove_assignments_to(std::string(patient_id)); !removed) {
          return tl::unexpected(removed.error());
        }
        auto appended = audit_->append_in(transaction, {entry});
        if (!appended) {
          return tl::unexpected(appended.error());
        }
        if (const std::optional<audit::Checkpoint>& checkpoint = *appended; checkpoint) {
          signed_checkpoints.push_back(*checkpoint);
        }
        return {};
      },
      options);
  return committed(std::move(entry), std::move(result), signed_checkpoints);
}

}  // namespace vigie::gate
