// Backups that never resurrect (docs/architecture.md 11.4): the sealed data backup, the keyring
// copy, and the restore that adopts the current erasure ledger before the restored vault appears.

#include <stdlib.h>

#include <fstream>
#include <string_view>

#include <fmt/format.h>

#include "gate/audited_call.hpp"
#include "gate/gate.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace vigie::gate {

namespace {

Error custodian_only() {
  return Error{ErrorCode::kPermissionDenied,
               "only the custodian backs up the vault or adopts an erasure ledger",
               "seul le dépositaire sauvegarde le coffre ou adopte un registre d'effacements"};
}

// A directory removed with all it holds unless released.
class RemovedDirectory {
 public:
  explicit RemovedDirectory(std::filesystem::path path) : path_(std::move(path)) {}
  RemovedDirectory(const RemovedDirectory&) = delete;
  RemovedDirectory& operator=(const RemovedDirectory&) = delete;
  ~RemovedDirectory() {
    if (!path_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(path_, ignored);
    }
  }
  void release() { path_.clear(); }

 private:
  std::filesystem::path path_;
};

Result<std::filesystem::path> make_private_directory(const std::filesystem::path& pattern) {
  std::string text = pattern.string();
  if (::mkdtemp(text.data()) == nullptr) {
    return fail(
        ErrorCode::kInternal, "impossible de créer un répertoire de travail",
        fmt::format("cannot create a working directory beside {}", pattern.parent_path().string()));
  }
  return std::filesystem::path(text);
}

// Whether `source` is a file that is not a SQLite database (a keyring backup): the ledger copy
// kept outside the vault, whatever it holds (vault::read_ledger_copy says what is wrong with it).
bool is_ledger_copy(const std::filesystem::path& source) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(source, error)) {
    return false;
  }
  constexpr std::string_view kSqliteMagic{"SQLite format 3\0", 16};
  std::string start(kSqliteMagic.size(), '\0');
  std::ifstream input(source, std::ios::binary);
  input.read(start.data(), static_cast<std::streamsize>(start.size()));
  start.resize(static_cast<size_t>(input.gcount()));
  return start != kSqliteMagic;
}

// Unpacks `request` into `staging`, unlocks it, and adopts the current ledger: the restored
// vault, open, with no erased patient left in it.
Result<Unlocked> restore_into(const Gate::RestoreRequest& request,
                              const std::filesystem::path& staging, const UnlockSecret& secret,
                              const LocalUser& user, const Clock& clock,
                              const config::Config& config, Gate::RestoreReport& report) {
  std::optional<std::vector<store::ErasureLedgerEntry>> current;
  std::optional<std::vector<vault::LedgerCopyLine>> copy;
  if (request.ledger_source && is_ledger_copy(*request.ledger_source)) {
    auto lines = vault::read_ledger_copy(*request.ledger_source);
    if (!lines) {
      return tl::unexpected(lines.error());
    }
    copy = std::move(*lines);
  } else if (request.ledger_source) {
    auto ledger = lifecycle::read_erasure_ledger(*request.ledger_source);
    if (!ledger) {
      return tl::unexpected(ledger.error());
    }
    current = std::move(*ledger);
  } else if (!request.without_current_ledger) {
    return fail(ErrorCode::kUsage,
                "sans le registre d'effacements actuel (--ledger : le répertoire du coffre en "
                "service, sa copie hors du coffre, ou une sauvegarde du trousseau postérieure au "
                "dernier effacement), un "
                "patient effacé depuis la sauvegarde reviendrait ; restauration refusée "
                "(--without-current-ledger pour passer outre)",
                "without the current erasure ledger (--ledger: the live vault's directory, its "
                "copy outside the vault, or a keyring backup taken after the last erasure), a "
                "patient erased since the backup "
                "would come back; restore refused (--without-current-ledger overrides)");
  }
  std::filesystem::path keyring_file;
  std::error_code error;
  if (request.keyring_backup) {
    keyring_file = *request.keyring_backup;
  } else if (request.ledger_source &&
             std::filesystem::is_directory(*request.ledger_source, error)) {
    keyring_file = store::sqlite::keyring_file_path(*request.ledger_source);
  } else {
    return fail(ErrorCode::kUsage,
                "la restauration a besoin du trousseau : --keyring FICHIER (avec une copie du "
                "registre), ou le répertoire du coffre en service avec --ledger",
                "a restore needs the keyring: --keyring FILE (with a ledger copy), or the live "
                "vault's directory with --ledger");
  }
  auto files = lifecycle::unpack_backup(request.backup, keyring_file, secret, staging);
  if (!files) {
    return tl::unexpected(files.error());
  }
  report.files = *files;
  auto unlocked = Gate::open(staging, secret, user, clock, config);
  if (!unlocked) {
    return unlocked;
  }
  if (current || copy) {
    auto adopted = copy ? unlocked->gate->adopt_ledger_copy(unlocked->custodian, *copy)
                        : unlocked->gate->adopt_erasure_ledger(unlocked->custodian, *current);
    if (!adopted) {
      static_cast<void>(unlocked->gate->close());
      return tl::unexpected(adopted.error());
    }
    report.ledger = *adopted;
    report.current_ledger_replayed = true;
  }
  return unlocked;
}

}  // namespace

Result<lifecycle::BackupSummary> Gate::backup_data(const Principal& principal,
                                                   const std::filesystem::path& out) {
  audit::Entry entry = start_entry(principal, audit::kActionExport);
  entry.targets.push_back(audit::Target{"Vault", "data-backup", 0, ""});
  entry.purpose = "backup: data and audit files, sealed";
  auto caller = identify(principal, entry);
  if (!caller) {
    return refused<lifecycle::BackupSummary>(std::move(entry), caller.error());
  }
  if (caller->custodian == nullptr) {
    return refused<lifecycle::BackupSummary>(std::move(entry), custodian_only());
  }
  auto written = lifecycle::write_data_backup(dir_, vault_->backup_key(), out, clock_.now_ms());
  const bool wrote = written.has_value();
  auto recorded = released(std::move(entry), std::move(written), {}, false);
  if (!recorded && wrote) {
    // No backup leaves without its entry.
    std::error_code ignored;
    std::filesystem::remove(out, ignored);
  }
  return recorded;
}

Result<void> Gate::backup_keyring(const Principal& principal, const std::filesystem::path& out) {
  audit::Entry entry = start_entry(principal, audit::kActionExport);
  entry.targets.push_back(audit::Target{"Vault", "keyring-backup", 0, ""});
  entry.purpose = "backup: keyring file, keys wrapped by the unlockers";
  auto caller = identify(principal, entry);
  if (!caller) {
    return refused<void>(std::move(entry), caller.error());
  }
  if (caller->custodian == nullptr) {
    return refused<void>(std::move(entry), custodian_only());
  }
  auto written = lifecycle::write_keyring_backup(dir_, out);
  const bool wrote = written.has_value();
  auto recorded = released(std::move(entry), std::move(written), {}, false);
  if (!recorded && wrote) {
    std::error_code ignored;
    std::filesystem::remove(out, ignored);
  }
  return recorded;
}

Result<vault::Vault::LedgerAdoption> Gate::adopt_erasure_ledger(
    const Principal& principal, std::span<const store::ErasureLedgerEntry> current) {
  audit::Entry entry = start_entry(principal, audit::kActionConfigChange);
  entry.targets.push_back(audit::Target{"Config", "erasure-ledger", 0, ""});
  auto caller = identify(principal, entry);
  if (!caller) {
    return refused<vault::Vault::LedgerAdoption>(std::move(entry), caller.error());
  }
  if (caller->custodian == nullptr) {
    return refused<vault::Vault::LedgerAdoption>(std::move(entry), custodian_only());
  }
  auto adopted = vault_->adopt_erasure_ledger(current);
  if (!adopted) {
    return released(std::move(entry), std::move(adopted), {}, false);
  }
  entry.purpose = fmt::format(
      "restore: current erasure ledger adopted ({} entries; {} data keys dropped, {} entries "
      "added, {} versions removed)",
      current.size(), adopted->keys_dropped, adopted->entries_added, adopted->versions_removed);
  // As an erasure does: the erased patients' care-team assignments go, with the entry.
  return account_change<vault::Vault::LedgerAdoption>(
      std::move(entry), [&](store::DataStore& data) -> Result<vault::Vault::LedgerAdoption> {
        for (const std::string& patient_id : adopted->patients) {
          if (auto removed = data.remove_assignments_to(patient_id); !removed) {
            return tl::unexpected(removed.error());
          }
        }
        return *adopted;
      });
}

Result<Gate::RestoreReport> Gate::restore(const RestoreRequest& request,
                                          const std::filesystem::path& vault_dir,
                                          const UnlockSecret& secret, const LocalUser& user,
                                          const Clock& clock, const config::Config& config) {
  std::error_code error;
  const std::filesystem::path target = std::filesystem::absolute(vault_dir, error);
  if (error) {
    return fail(ErrorCode::kUsage, "chemin du coffre introuvable",
                "the vault's path cannot be resolved");
  }
  if (std::filesystem::exists(target, error) && (!std::filesystem::is_directory(target, error) ||
                                                 !std::filesystem::is_empty(target, error))) {
    return fail(ErrorCode::kConflict,
                fmt::format("{} existe et n'est pas un répertoire vide : une restauration n'écrase "
                            "jamais un coffre",
                            target.string()),
                fmt::format("{} exists and is not an empty directory: a restore never overwrites "
                            "a vault",
                            target.string()));
  }
  auto staging = make_private_directory(target.parent_path() /
                                        (target.filename().string() + ".restoring-XXXXXX"));
  if (!staging) {
    return tl::unexpected(staging.error());
  }
  RemovedDirectory cleanup(*staging);
  RestoreReport report;
  {
    auto unlocked = restore_into(request, *staging, secret, user, clock, config, report);
    if (!unlocked) {
      return tl::unexpected(unlocked.error());
    }
    if (auto closed = unlocked->gate->close(); !closed) {
      return tl::unexpected(closed.error());
    }
  }
  // rename(2) replaces an empty directory; anything else at `target` (created meanwhile) fails it.
  std::filesystem::rename(*staging, target, error);
  if (error) {
    return fail(
        ErrorCode::kConflict,
        fmt::format("impossible de placer le coffre restauré à {}", target.string()),
        fmt::format("cannot move the restored vault to {}: {}", target.string(), error.message()));
  }
  cleanup.release();
  return report;
}

Result<Gate::RestoreReport> Gate::verify_backup(RestoreRequest request, const UnlockSecret& secret,
                                                const LocalUser& user, const Clock& clock,
                                                const config::Config& config) {
  if (!request.ledger_source) {
    request.without_current_ledger = true;
  }
  std::error_code error;
  const std::filesystem::path temp = std::filesystem::temp_directory_path(error);
  if (error) {
    return fail(ErrorCode::kInternal, "répertoire temporaire introuvable",
                "no temporary directory");
  }
  auto scratch = make_private_directory(temp / "vigie-verify-XXXXXX");
  if (!scratch) {
    return tl::unexpected(scratch.error());
  }
  RemovedDirectory cleanup(*scratch);
  RestoreReport report;
  auto unlocked = restore_into(request, *scratch, secret, user, clock, config, report);
  if (!unlocked) {
    return tl::unexpected(unlocked.error());
  }
  Gate& gate = *unlocked->gate;
  auto counts = gate.count_by_type(unlocked->custodian);
  auto verified = counts ? gate.verify_audit(unlocked->custodian, std::nullopt)
                         : Result<audit::VerifyReport>(tl::unexpected(counts.error()));
  auto closed = gate.close();
  if (!verified) {
    return tl::unexpected(verified.error());
  }
  if (!closed) {
    return tl::unexpected(closed.error());
  }
  report.counts = std::move(*counts);
  report.audit = std::move(*verified);
  return report;
}

}  // namespace vigie::gate
