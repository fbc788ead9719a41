#include "gate/gate.hpp"

#include "gate/audited_call.hpp"

namespace vigie::gate {

Result<vault::ErasureOutcome> Gate::erase_patient(const Principal& principal,
                                                  std::string_view patient_id,
                                                  const vault::ErasureOptions& options) {
  return erase_for(principal, patient_id, "", options);
}

Result<vault::ErasureOutcome> Gate::erase_for(const Principal& principal,
                                              std::string_view patient_id, std::string_view purpose,
                                              const vault::ErasureOptions& options) {
  audit::Entry entry = start_entry(principal, audit::kActionErase);
  entry.purpose = std::string(purpose);
  entry.targets.push_back(
      audit::Target{"Patient", std::string(patient_id), 0, std::string(patient_id)});
  if (auto caller =
          admit_reference(principal, access::Action::kErase, "Patient", patient_id, entry);
      !caller) {
    return refused<vault::ErasureOutcome>(std::move(entry), caller.error());
  }
  std::optional<int64_t> intent;
  auto result = vault_->erase_patient(
      patient_id,
      [&](store::DataStore& transaction, const vault::ErasureOutcome&) -> Result<void> {
        if (auto removed = transaction.remove_assignments_to(std::string(patient_id)); !removed) {
          return tl::unexpected(removed.error());
        }
        return record_intent(transaction, {entry}, intent);
      },
      options);
  const bool erased = result.has_value();
  auto outcome = committed(std::move(entry), std::move(result), intent);
  if (erased) {
    cleanup_->wake(*vault_, options);
  }
  return outcome;
}

Result<void> Gate::await_erasure_cleanup() { return cleanup_->wait_idle(); }

}  // namespace vigie::gate
