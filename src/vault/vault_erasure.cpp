// Erasure (crypto-shredding) of one patient: the marks and the intent in the data file, the key
// shredded in the keyring, the rows removed after, in batches; and what open() finishes of an
// erasure that a crash or a close interrupted. See docs/architecture.md section 9, "Erasure".

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <charconv>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/hex.hpp"
#include "common/words.hpp"
#include "crypto/kdf.hpp"
#include "crypto/signing.hpp"
#include "vault/vault.hpp"
#include "vault/vault_internal.hpp"

namespace vigie::vault {

Result<int64_t> erasure_generation(store::DataStore& data) {
  auto stored = data.get_meta(std::string(kErasureGenerationMeta));
  if (!stored) {
    return tl::unexpected(stored.error());
  }
  if (!stored->has_value()) {
    return 0;
  }
  int64_t generation = 0;
  const std::string& text = **stored;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), generation);
  if (error != std::errc() || end != text.data() + text.size()) {
    return fail(ErrorCode::kIntegrity, "the data file's erasure generation is malformed");
  }
  return generation;
}

Result<void> bump_erasure_generation(store::DataStore& data) {
  auto generation = erasure_generation(data);
  if (!generation) {
    return tl::unexpected(generation.error());
  }
  return data.set_meta(std::string(kErasureGenerationMeta), std::to_string(*generation + 1));
}

Result<void> set_erasure_pending(store::DataStore& data, const std::string& patient_id,
                                 bool pending) {
  auto stored = data.get_meta(std::string(kPendingErasuresMeta));
  if (!stored) {
    return tl::unexpected(stored.error());
  }
  std::vector<std::string> ids = split_words(stored->value_or(""));
  std::erase(ids, patient_id);
  if (pending) {
    ids.push_back(patient_id);
  }
  return data.set_meta(std::string(kPendingErasuresMeta), fmt::format("{}", fmt::join(ids, " ")));
}

std::vector<uint8_t> Vault::erasure_hash(std::string_view patient_id) const {
  std::string subject = fmt::format("Patient/{}", patient_id);
  auto hash = crypto::blake2b_256_keyed(keys_->ledger_key(), as_bytes(subject));
  return {hash.begin(), hash.end()};
}

Result<void> Vault::replay_erasure_ledger() {
  auto ledger = keyring_->erasure_ledger();
  if (!ledger) {
    return tl::unexpected(ledger.error());
  }
  auto replayed = data_->get_meta(std::string(kLedgerReplayedMeta));
  if (!replayed) {
    return tl::unexpected(replayed.error());
  }
  const std::string ledger_size = std::to_string(ledger->size());
  if (const std::optional<std::string>& recorded = *replayed;
      recorded.has_value() && *recorded == ledger_size) {
    return {};
  }
  return in_transaction<void>([&]() -> Result<void> {
    std::unordered_set<std::string> erased;
    bool marked = false;
    for (const store::ErasureLedgerEntry& entry : *ledger) {
      std::string mark = fmt::format("{}{}", kErasedMetaPrefix, to_hex(entry.compartment_hash));
      auto existing = data_->get_meta(mark);
      if (!existing) {
        return tl::unexpected(existing.error());
      }
      if (!existing->has_value()) {
        if (auto set = data_->set_meta(mark, std::to_string(entry.erased_ms)); !set) {
          return set;
        }
        marked = true;
      }
      erased.insert(to_hex(entry.compartment_hash));
    }
    auto compartments = data_->compartments();
    if (!compartments) {
      return tl::unexpected(compartments.error());
    }
    for (const std::string& compartment : *compartments) {
      if (compartment != kSharedCompartment && erased.contains(to_hex(erasure_hash(compartment)))) {
        if (auto removed = data_->remove_compartment(compartment); !removed) {
          return tl::unexpected(removed.error());
        }
      }
    }
    if (marked) {
      if (auto bumped = bump_erasure_generation(*data_); !bumped) {
        return bumped;
      }
    }
    return data_->set_meta(std::string(kLedgerReplayedMeta), ledger_size);
  });
}

Result<Vault::LedgerAdoption> Vault::adopt_erasure_ledger(
    std::span<const store::ErasureLedgerEntry> current) {
  std::unordered_map<std::string, const store::ErasureLedgerEntry*> by_hash;
  for (const store::ErasureLedgerEntry& entry : current) {
    by_hash.emplace(to_hex(entry.compartment_hash), &entry);
  }
  LedgerAdoption adoption;
  auto with_keys = keyring_->data_key_compartments();
  if (!with_keys) {
    return tl::unexpected(with_keys.error());
  }
  for (const std::string& compartment : *with_keys) {
    if (compartment == kSharedCompartment) {
      continue;
    }
    const auto found = by_hash.find(to_hex(erasure_hash(compartment)));
    if (found == by_hash.end()) {
      continue;
    }
    keys_->forget_key(compartment);
    auto shredded = keyring_->shred_data_key(compartment, *found->second);
    if (!shredded) {
      return tl::unexpected(shredded.error());
    }
    if (*shredded) {
      ++adoption.keys_dropped;
      ++adoption.entries_added;
      adoption.patients.push_back(compartment);
    }
  }
  auto merged = keyring_->merge_erasure_ledger(current);
  if (!merged) {
    return tl::unexpected(merged.error());
  }
  adoption.entries_added += *merged;
  // The rows the replay below removes, counted first.
  auto with_rows = data_->compartments();
  if (!with_rows) {
    return tl::unexpected(with_rows.error());
  }
  for (const std::string& compartment : *with_rows) {
    if (compartment == kSharedCompartment || !by_hash.contains(to_hex(erasure_hash(compartment)))) {
      continue;
    }
    auto versions = data_->count_versions_in(compartment);
    if (!versions) {
      return tl::unexpected(versions.error());
    }
    adoption.versions_removed += *versions;
    adoption.patients.push_back(compartment);
  }
  std::sort(adoption.patients.begin(), adoption.patients.end());
  adoption.patients.erase(std::unique(adoption.patients.begin(), adoption.patients.end()),
                          adoption.patients.end());
  if (auto replayed = replay_erasure_ledger(); !replayed) {
    return tl::unexpected(replayed.error());
  }
  return adoption;
}

Result<void> Vault::finish_pending_erasures() {
  auto pending = data_->get_meta(std::string(kPendingErasuresMeta));
  if (!pending) {
    return tl::unexpected(pending.error());
  }
  for (const std::string& patient_id : split_words(pending->value_or(""))) {
    auto shredded = shred_data_key(patient_id);
    if (!shredded) {
      return tl::unexpected(shredded.error());
    }
    if (*shredded) {
      erasures_finished_at_open_.push_back(patient_id);
    }
  }
  while (true) {
    auto purged = purge_erased_rows(kPurgeBatchResources);
    if (!purged) {
      return tl::unexpected(purged.error());
    }
    if (!purged->rows_left) {
      return {};
    }
  }
}

Result<void> Vault::refresh_erasures() {
  auto generation = erasure_generation(*data_);
  if (!generation) {
    return tl::unexpected(generation.error());
  }
  // While the set is not empty, every call reads it again: it empties once the cleanup is done,
  // which bumps no generation, and from then on reads pay nothing for it.
  if (*generation != erasure_generation_seen_ || !erased_with_rows_.empty()) {
    auto pending = data_->get_meta(std::string(kPendingErasuresMeta));
    if (!pending) {
      return tl::unexpected(pending.error());
    }
    std::vector<std::string> ids = split_words(pending->value_or(""));
    erased_with_rows_ = std::unordered_set<std::string>(ids.begin(), ids.end());
  }
  erasure_generation_seen_ = *generation;
  keys_->observe_erasure_generation(*generation);
  return {};
}

Result<std::optional<store::ResourceVersionRow>> Vault::without_erased(
    Result<std::optional<store::ResourceVersionRow>> row) const {
  if (!row) {
    return row;
  }
  if (const std::optional<store::ResourceVersionRow>& found = *row;
      found.has_value() && erased_rows_remain(found->compartment)) {
    return std::optional<store::ResourceVersionRow>();
  }
  return row;
}

Result<bool> Vault::is_erased(std::string_view compartment) {
  if (compartment == kSharedCompartment) {
    return false;
  }
  auto mark =
      data_->get_meta(fmt::format("{}{}", kErasedMetaPrefix, to_hex(erasure_hash(compartment))));
  if (!mark) {
    return tl::unexpected(mark.error());
  }
  return mark->has_value();
}

Result<ErasureOutcome> Vault::erase_patient(std::string_view patient_id,
                                            const BeforeErasureCommit& before_commit,
                                            const ErasureOptions& options) {
  if (patient_id == kSharedCompartment) {
    return fail(ErrorCode::kUsage, "only a patient can be erased");
  }
  if (auto fresh = refresh_erasures(); !fresh) {
    return tl::unexpected(fresh.error());
  }
  const std::string compartment(patient_id);
  auto wrapped = keyring_->data_key(compartment);
  if (!wrapped) {
    return tl::unexpected(wrapped.error());
  }
  auto not_found = [&] {
    return fail(ErrorCode::kNotFound, fmt::format("{} not found", describe("Patient", patient_id)));
  };
  if (!wrapped->has_value()) {
    return not_found();
  }
  auto erased = in_transaction<ErasureOutcome>([&]() -> Result<ErasureOutcome> {
    // Another connection may have erased the patient since the key was read.
    auto already = is_erased(compartment);
    if (!already) {
      return tl::unexpected(already.error());
    }
    if (*already) {
      return not_found();
    }
    // The rows stay (purge_erased_rows removes them): counting them reads an index range.
    auto versions = data_->count_versions_in(compartment);
    if (!versions) {
      return tl::unexpected(versions.error());
    }
    if (auto marked = data_->set_meta(
            fmt::format("{}{}", kErasedMetaPrefix, to_hex(erasure_hash(compartment))),
            std::to_string(clock_.now_ms()));
        !marked) {
      return tl::unexpected(marked.error());
    }
    if (auto pending = set_erasure_pending(*data_, compartment, true); !pending) {
      return tl::unexpected(pending.error());
    }
    if (auto bumped = bump_erasure_generation(*data_); !bumped) {
      return tl::unexpected(bumped.error());
    }
    const ErasureOutcome outcome{*versions};
    if (before_commit) {
      if (auto hooked = before_commit(*data_, outcome); !hooked) {
        return tl::unexpected(hooked.error());
      }
    }
    if (options.at_step) {
      options.at_step(ErasureStep::kBeforeIntentCommit);
    }
    return outcome;
  });
  if (!erased) {
    return erased;
  }
  if (options.at_step) {
    options.at_step(ErasureStep::kIntentCommitted);
  }
  if (auto shredded = shred_data_key(compartment); !shredded) {
    return fail(ErrorCode::kInternal,
                fmt::format("the patient is erased, but shredding its key failed ({}); the next "
                            "opening of the vault finishes it",
                            shredded.error().message));
  }
  if (options.at_step) {
    options.at_step(ErasureStep::kKeyShredded);
  }
  return erased;
}

Result<bool> Vault::shred_data_key(const std::string& patient_id) {
  keys_->forget_key(patient_id);
  const store::ErasureLedgerEntry entry{erasure_hash(patient_id), clock_.now_ms()};
  auto copy = data_->get_meta(std::string(kLedgerCopyMeta));
  if (!copy) {
    return tl::unexpected(copy.error());
  }
  if (const std::optional<std::string>& copy_path = *copy; copy_path && !copy_path->empty()) {
    // The keyring finds no key when a crash came after the shred: both ledgers have the entry.
    auto key = keyring_->data_key(patient_id);
    if (!key) {
      return tl::unexpected(key.error());
    }
    if (key->has_value()) {
      auto signing_key = audit_signing_key();
      if (!signing_key) {
        return tl::unexpected(signing_key.error());
      }
      if (auto appended = append_ledger_copy(*copy_path, std::span(&entry, 1), *signing_key);
          !appended) {
        return tl::unexpected(appended.error());
      }
    }
  }
  // The keyring finds no key when a crash came after this step: the ledger has the entry already.
  return keyring_->shred_data_key(patient_id, entry);
}

Result<int64_t> Vault::start_ledger_copy(const std::filesystem::path& path) {
  std::error_code error;
  if (!path.is_absolute() || !std::filesystem::is_directory(path.parent_path(), error)) {
    return fail(ErrorCode::kUsage,
                "la copie du registre d'effacements doit être un chemin absolu dans un répertoire "
                "existant",
                "the erasure ledger copy must be an absolute path in an existing directory");
  }
  if (std::filesystem::exists(path, error) && (!std::filesystem::is_regular_file(path, error) ||
                                               std::filesystem::file_size(path, error) != 0)) {
    return fail(ErrorCode::kConflict,
                "la copie du registre d'effacements doit être un fichier nouveau ou vide",
                "the erasure ledger copy must be a new or empty file");
  }
  auto ledger = keyring_->erasure_ledger();
  if (!ledger) {
    return tl::unexpected(ledger.error());
  }
  auto signing_key = audit_signing_key();
  if (!signing_key) {
    return tl::unexpected(signing_key.error());
  }
  if (auto appended = append_ledger_copy(path, *ledger, *signing_key); !appended) {
    return tl::unexpected(appended.error());
  }
  return static_cast<int64_t>(ledger->size());
}

Result<std::vector<store::ErasureLedgerEntry>> Vault::verified_ledger_copy(
    std::span<const LedgerCopyLine> lines) {
  auto signing_key = audit_signing_key();
  if (!signing_key) {
    return tl::unexpected(signing_key.error());
  }
  if (auto verified = verify_ledger_copy(lines, crypto::signing_public_key(*signing_key));
      !verified) {
    return tl::unexpected(verified.error());
  }
  std::vector<store::ErasureLedgerEntry> entries = ledger_entries(lines);
  std::unordered_set<std::string> named;
  for (const store::ErasureLedgerEntry& entry : entries) {
    named.insert(to_hex(entry.compartment_hash));
  }
  auto own = keyring_->erasure_ledger();
  if (!own) {
    return tl::unexpected(own.error());
  }
  const auto missing = std::count_if(own->begin(), own->end(), [&](const auto& entry) {
    return !named.contains(to_hex(entry.compartment_hash));
  });
  if (missing > 0) {
    return fail(ErrorCode::kIntegrity,
                fmt::format("la copie du registre d'effacements omet {} effacement(s) que le "
                            "trousseau restauré connaît : copie tronquée, ou d'un autre coffre",
                            missing),
                fmt::format("the erasure ledger copy lacks {} erasure(s) that the restored "
                            "keyring holds: a truncated copy, or another vault's",
                            missing));
  }
  return entries;
}

Result<PurgeProgress> Vault::purge_erased_rows(int64_t max_resources,
                                               const ErasureOptions& options) {
  if (max_resources <= 0) {
    return fail(ErrorCode::kUsage, "purge_erased_rows needs a positive batch size");
  }
  auto pending = data_->get_meta(std::string(kPendingErasuresMeta));
  if (!pending) {
    return tl::unexpected(pending.error());
  }
  PurgeProgress progress;
  int64_t budget = max_resources;
  for (const std::string& patient_id : split_words(pending->value_or(""))) {
    // Step 2 not done yet (another connection is between its steps, or its step 2 failed): the
    // rows may go, the intent stays for the step's owner or the next open().
    auto key = keyring_->data_key(patient_id);
    if (!key) {
      return tl::unexpected(key.error());
    }
    const bool key_shredded = !key->has_value();
    // Not durable: rows that a power loss brings back are removed again, since the intent that
    // names them is cleared in the same transaction as the last of them, or later.
    auto transaction = store::begin_transaction(*data_);
    if (!transaction) {
      return tl::unexpected(transaction.error());
    }
    auto removed = data_->remove_compartment_rows(patient_id, budget);
    if (!removed) {
      return tl::unexpected(removed.error());
    }
    if (removed->resources < budget && key_shredded) {
      // Every erasure in the ledger has its mark in this file (its step 1 came first).
      auto ledger = keyring_->erasure_ledger();
      if (!ledger) {
        return tl::unexpected(ledger.error());
      }
      // Another connection may have cleared it meanwhile: set_erasure_pending re-reads the list.
      if (auto cleared = set_erasure_pending(*data_, patient_id, false); !cleared) {
        return tl::unexpected(cleared.error());
      }
      if (auto marked =
              data_->set_meta(std::string(kLedgerReplayedMeta), std::to_string(ledger->size()));
          !marked) {
        return tl::unexpected(marked.error());
      }
    }
    if (auto committed = transaction->commit(); !committed) {
      return tl::unexpected(committed.error());
    }
    if (options.at_step) {
      options.at_step(ErasureStep::kRowsBatchCommitted);
    }
    budget -= removed->resources;
    progress.versions_removed += removed->versions;
    if (budget == 0) {
      // This patient, or the next ones, may have more.
      progress.rows_left = true;
      break;
    }
  }
  return progress;
}

}  // namespace vigie::vault
