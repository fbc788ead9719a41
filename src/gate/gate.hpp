#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "audit/incident.hpp"
#include "audit/log.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "gate/principal.hpp"
#include "vault/vault.hpp"

// gate/: the one door to decrypted patient data, for every interface (CLI now, HTTP later).
// Every call names its principal; the gate decides whether the principal may act, acts on the
// vault, and records the call in the audit log, allowed or not: a write commits in the same
// transaction as its entry, and a read returns nothing until its entry is on stable storage.
// A reviewer can check the security of the whole system by reading this module.
// Interfaces (cli/, http/) include this header and never vault/ or store/ directly.

namespace vigie::gate {

using vault::BundleOutcome;
using vault::SearchPage;
using vault::StoredResource;
using vault::UnlockSecret;
using UnlockerKind = store::UnlockerKind;

// Hardens the process before any secret is handled: no core dumps.
void harden_process();

// The door. Not thread-safe (one per thread, or callers serialise).
class Gate {
 public:
  // Creates a vault in `dir` (see vault::Vault::create) whose audit log signs checkpoints on
  // `policy`, records the creation as the log's first entry with a checkpoint over it (appended
  // to the external file at once), and returns it unlocked. `extra`
  // unlockers wrap the same master key. kUsage if the checkpoint file's directory does not exist.
  [[nodiscard]] static Result<std::unique_ptr<Gate>> initialize(
      const std::filesystem::path& dir, const UnlockSecret& secret,
      const std::vector<const UnlockSecret*>& extra, const audit::CheckpointPolicy& policy,
      const Principal& principal);

  // Unlocks the vault in `dir` with `secret` (kNotFound, kUnlockFailed, kIntegrity) and records
  // the unlock, or the failed attempt (the audit log needs no key to append), in the audit log.
  [[nodiscard]] static Result<std::unique_ptr<Gate>> open(const std::filesystem::path& dir,
                                                          const UnlockSecret& secret,
                                                          const Principal& principal);

  // Another gate on the same unlocked vault for another thread: connections of its own, and the
  // same audit log, so that reads from every thread share its group commits. Its destruction
  // signs no checkpoint; the first gate's close() does.
  [[nodiscard]] Result<std::unique_ptr<Gate>> open_sibling();

  // Signs a checkpoint at the head of the audit log (clean shutdown) unless close() ran already.
  ~Gate();
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  // Signs the shutdown checkpoint and appends it to the external file, reporting failures the
  // destructor would have to swallow. Call once, last.
  [[nodiscard]] Result<void> close();

  [[nodiscard]] Result<StoredResource> read(const Principal& principal, std::string_view type,
                                            std::string_view id);
  [[nodiscard]] Result<StoredResource> read_version(const Principal& principal,
                                                    std::string_view type, std::string_view id,
                                                    int64_t version);
  [[nodiscard]] Result<std::vector<StoredResource>> history(const Principal& principal,
                                                            std::string_view type,
                                                            std::string_view id);

  // FHIR search on `type` with name/value pairs (parsed by fhir::parse_search: kUsage on bad
  // syntax). Only the requested page is decrypted, unless a date filter needs every candidate.
  [[nodiscard]] Result<SearchPage> search(
      const Principal& principal, std::string_view type,
      const std::vector<std::pair<std::string, std::string>>& params);

  [[nodiscard]] Result<StoredResource> create(const Principal& principal,
                                              boost::json::object resource);
  [[nodiscard]] Result<StoredResource> update(const Principal& principal, std::string_view type,
                                              std::string_view id, boost::json::object resource);
  [[nodiscard]] Result<StoredResource> remove(const Principal& principal, std::string_view type,
                                              std::string_view id);

  // Checks a Bundle (transaction, batch or collection) without writing anything: the same
  // validation import_bundle runs first.
  [[nodiscard]] Result<void> check_bundle(const Principal& principal,
                                          const boost::json::object& bundle);
  // Validates the whole Bundle, then applies it (see vault::Vault::apply_bundle). Nothing is
  // written when a transaction or collection fails validation.
  [[nodiscard]] Result<BundleOutcome> import_bundle(const Principal& principal,
                                                    const boost::json::object& bundle);

  // Crypto-shredding of one patient (see vault::Vault::erase_patient).
  [[nodiscard]] Result<vault::ErasureOutcome> erase_patient(const Principal& principal,
                                                            std::string_view patient_id);

  [[nodiscard]] Result<std::map<std::string, int64_t>> count_by_type(const Principal& principal);

  // Verifies the audit chain against its stored checkpoints and the external checkpoint file:
  // `checkpoint_file` when given, else the one configured at init, if any (kNotFound when that
  // file is missing). A broken chain is a report with a failure, not an error.
  [[nodiscard]] Result<audit::VerifyReport> verify_audit(
      const Principal& principal, const std::optional<std::filesystem::path>& checkpoint_file);

  // Audit entries matching `filter`, in seq order.
  [[nodiscard]] Result<std::vector<audit::Entry>> audit_entries(const Principal& principal,
                                                                const audit::LogFilter& filter);

  // Who lost what (see audit/incident.hpp). Reads the touched patients' own names and addresses
  // for their letters; an erased patient's letter carries placeholders.
  [[nodiscard]] Result<audit::IncidentReport> incident_report(const Principal& principal,
                                                              const audit::IncidentScope& scope);

 private:
  Gate(std::unique_ptr<vault::Vault> vault, std::shared_ptr<audit::AuditLog> audit_log,
       std::string auth_method);

  // Whether `principal` may perform the call. The custodian holds the vault's key and may do
  // everything through the CLI; accounts (access/) will be decided here.
  [[nodiscard]] Result<void> authorize(const Principal& principal) const;
  // authorize(), then kUsage unless type/id is a well-formed reference.
  [[nodiscard]] Result<void> authorize_reference(const Principal& principal, std::string_view type,
                                                 std::string_view id) const;

  // An entry for `action` by `principal`, stamped now.
  [[nodiscard]] audit::Entry start_entry(const Principal& principal, std::string_view action) const;
  // Records `entry` with `result`'s outcome (and `targets`, which a success returned) and waits
  // until it is durable. A result whose entry cannot be recorded becomes kInternal: no data
  // leaves without its entry.
  template <typename T>
  [[nodiscard]] Result<T> released(audit::Entry entry, Result<T> result,
                                   std::vector<audit::Target> targets, bool decrypted);
  // The hook that appends a write's entry in the write's own transaction; checkpoints it signs
  // are collected in `signed_checkpoints` for publish_all() after the commit.
  [[nodiscard]] vault::BeforeCommit write_hook(const audit::Entry& entry,
                                               std::vector<audit::Checkpoint>& signed_checkpoints);
  template <typename T>
  [[nodiscard]] Result<T> committed(audit::Entry entry, Result<T> result,
                                    const std::vector<audit::Checkpoint>& signed_checkpoints);

  std::unique_ptr<vault::Vault> vault_;
  std::shared_ptr<audit::AuditLog> audit_;  // shared with siblings (thread-safe)
  std::string auth_method_;  // how the custodian unlocked: "passphrase" or "key-file"
  bool closed_ = false;      // siblings start closed: the first gate owns the shutdown checkpoint
};

}  // namespace vigie::gate
