// What retention reads of the vault without decrypting anything.

#include "vault/vault.hpp"
#include "vault/vault_internal.hpp"

namespace vigie::vault {

Result<std::vector<Vault::PatientActivity>> Vault::patient_activity() {
  return in_read_snapshot([&]() -> Result<std::vector<PatientActivity>> {
    auto updates = data_->last_updates();
    if (!updates) {
      return tl::unexpected(updates.error());
    }
    std::vector<PatientActivity> patients;
    for (store::DataStore::TypeLastUpdate& update : *updates) {
      if (update.compartment == kSharedCompartment || erased_rows_remain(update.compartment)) {
        continue;
      }
      if (patients.empty() || patients.back().patient_id != update.compartment) {
        patients.push_back(PatientActivity{std::move(update.compartment), {}});
      }
      patients.back().last_update_by_type[std::move(update.type)] = update.last_updated_ms;
    }
    return patients;
  });
}

}  // namespace vigie::vault
