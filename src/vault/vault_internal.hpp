#pragma once

// Private to vault/: shared by vault.cpp (writes, reads) and vault_erasure.cpp (erasure, its
// background cleanup, and what open() finishes); never included outside src/vault/.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "common/error.hpp"
#include "store/store.hpp"
#include "store/transaction.hpp"
#include "vault/vault.hpp"

namespace vigie::vault {

// How many entries of the keyring's erasure ledger the data file has marked erased. A new name
// for the count that "erasure_ledger_replayed" kept before the data file held erasure marks, so
// that a data file of an older vault gets its marks at its first open.
inline constexpr std::string_view kLedgerReplayedMeta = "erasure_ledger_marked";
// Data file metadata of erasures: a mark per erased patient (the key ends with the hex of the
// keyed hash of its id; the value is when), the ids of erasures whose key may not be shredded yet
// or whose rows are not all removed (separated by spaces: FHIR ids have none), and a counter
// bumped with every new mark, which every Vault compares before an operation.
inline constexpr std::string_view kErasedMetaPrefix = "erased/";
inline constexpr std::string_view kPendingErasuresMeta = "erasures_pending";
inline constexpr std::string_view kErasureGenerationMeta = "erasure_generation";
// Resources whose rows one transaction of open()'s purge removes.
inline constexpr int64_t kPurgeBatchResources = 256;

inline std::span<const uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

inline std::string describe(std::string_view type, std::string_view id) {
  return fmt::format("{}/{}", type, id);
}

// The data file's erasure generation (0 before any erasure). kIntegrity when malformed.
[[nodiscard]] Result<int64_t> erasure_generation(store::DataStore& data);
// In the open transaction: the next erasure generation, so that every Vault forgets its keys.
[[nodiscard]] Result<void> bump_erasure_generation(store::DataStore& data);
// In the open transaction: adds or removes `patient_id` in the pending erasures.
[[nodiscard]] Result<void> set_erasure_pending(store::DataStore& data,
                                               const std::string& patient_id, bool pending);

// One read transaction instead of two: the generation and the rows come from the same snapshot,
// taken by the generation's read. So an erasure committed by any connection before this call
// began is seen by refresh_erasures(), which then drops every cached key before `read`'s rows
// are decrypted; and `read` cannot return rows that such an erasure removed. An erasure that
// commits after the snapshot was taken is ordered after this read, as it was when the two reads
// were separate transactions. The caller decrypts after the snapshot ends: a data key missing
// from the keyring then meets an is_erased() that sees the latest commit, not this snapshot.
template <typename Read>
std::invoke_result_t<Read&> Vault::in_read_snapshot(Read&& read) {
  auto snapshot = store::begin_read_snapshot(*data_);
  if (!snapshot) {
    return tl::unexpected(snapshot.error());
  }
  file_version_at_refresh_.reset();
  if (auto fresh = refresh_erasures(); !fresh) {
    return tl::unexpected(fresh.error());
  }
  file_version_at_refresh_ = data_->file_version();
  return read();
}

template <typename T, typename Action>
Result<T> Vault::in_transaction(Action&& action) {
  auto transaction = store::begin_transaction(*data_);
  if (!transaction) {
    return tl::unexpected(transaction.error());
  }
  Result<T> result = action();
  if (!result) {
    return result;
  }
  if (auto committed = transaction->commit_durable(); !committed) {
    return tl::unexpected(committed.error());
  }
  return result;
}

}  // namespace vigie::vault
