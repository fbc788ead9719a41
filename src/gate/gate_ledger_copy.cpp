// The erasure ledger's copy outside the vault (docs/architecture.md 11.5): started by the
// custodian, appended by every erasure (vault::Vault::shred_data_key), adopted by a restore.

#include <fmt/format.h>

#include "gate/audited_call.hpp"
#include "gate/gate.hpp"

namespace vigie::gate {

namespace {

Error custodian_only() {
  return Error{ErrorCode::kPermissionDenied,
               "only the custodian keeps or adopts a copy of the erasure ledger",
               "seul le dépositaire tient ou adopte une copie du registre d'effacements"};
}

}  // namespace

Result<int64_t> Gate::keep_ledger_copy(const Principal& principal,
                                       const std::filesystem::path& path) {
  audit::Entry entry = start_entry(principal, audit::kActionConfigChange);
  entry.targets.push_back(audit::Target{"Config", "erasure-ledger-copy", 0, ""});
  auto caller = identify(principal, entry);
  if (!caller) {
    return refused<int64_t>(std::move(entry), caller.error());
  }
  if (caller->custodian == nullptr) {
    return refused<int64_t>(std::move(entry), custodian_only());
  }
  auto written = vault_->start_ledger_copy(path);
  if (!written) {
    return refused<int64_t>(std::move(entry), written.error());
  }
  entry.purpose =
      fmt::format("erasure ledger copy kept outside the vault ({} entries written)", *written);
  auto stored =
      account_change<int64_t>(std::move(entry), [&](store::DataStore& data) -> Result<int64_t> {
        if (auto set = data.set_meta(std::string(vault::kLedgerCopyMeta), path.string()); !set) {
          return tl::unexpected(set.error());
        }
        return *written;
      });
  if (!stored) {
    // Not kept: the file the vault just wrote goes, so that the custodian can try again.
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
  return stored;
}

Result<vault::Vault::LedgerAdoption> Gate::adopt_ledger_copy(
    const Principal& principal, std::span<const vault::LedgerCopyLine> copy) {
  audit::Entry entry = start_entry(principal, audit::kActionConfigChange);
  entry.targets.push_back(audit::Target{"Config", "erasure-ledger", 0, ""});
  auto caller = identify(principal, entry);
  if (!caller) {
    return refused<vault::Vault::LedgerAdoption>(std::move(entry), caller.error());
  }
  if (caller->custodian == nullptr) {
    return refused<vault::Vault::LedgerAdoption>(std::move(entry), custodian_only());
  }
  auto current = vault_->verified_ledger_copy(copy);
  if (!current) {
    return refused<vault::Vault::LedgerAdoption>(std::move(entry), current.error());
  }
  return adopt_erasure_ledger(principal, *current);
}

}  // namespace vigie::gate
