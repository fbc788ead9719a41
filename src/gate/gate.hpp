#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "gate/principal.hpp"
#include "vault/vault.hpp"

// gate/: the one door to decrypted patient data, for every interface (CLI now, HTTP later).
// Every call names its principal; the gate decides whether the principal may act, then acts on
// the vault. A reviewer can check the security of the whole system by reading this module.
// Interfaces (cli/, http/) include this header and never vault/ or store/ directly.

namespace vigie::gate {

using vault::BundleOutcome;
using vault::SearchPage;
using vault::StoredResource;
using vault::UnlockSecret;
using UnlockerKind = store::UnlockerKind;

// Hardens the process before any secret is handled: no core dumps.
void harden_process();

// Creates a vault in `dir` (see vault::Vault::create). `extra` unlockers wrap the same master key.
[[nodiscard]] Result<void> initialize_vault(const std::filesystem::path& dir,
                                            const UnlockSecret& secret,
                                            const std::vector<const UnlockSecret*>& extra = {});

// The door. Not thread-safe (one per thread, or callers serialise).
class Gate {
 public:
  // Unlocks the vault in `dir` with `secret` (kNotFound, kUnlockFailed, kIntegrity).
  [[nodiscard]] static Result<std::unique_ptr<Gate>> open(const std::filesystem::path& dir,
                                                          const UnlockSecret& secret);

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

 private:
  explicit Gate(std::unique_ptr<vault::Vault> vault);

  // Whether `principal` may perform the call. The custodian holds the vault's key and may do
  // everything through the CLI; accounts (access/) will be decided here.
  [[nodiscard]] Result<void> authorize(const Principal& principal) const;

  std::unique_ptr<vault::Vault> vault_;
};

}  // namespace vigie::gate
