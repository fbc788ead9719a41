#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "audit/chain.hpp"
#include "audit/checkpoint.hpp"

namespace vigie::audit {

// One row of the stored log, as the store returns it: the row's sequence number, the entry's
// canonical bytes and the chain hash stored beside them.
struct StoredEntry {
  int64_t seq = 0;
  std::span<const uint8_t> canonical;
  Hash stored_hash{};
};

// Where and why the chain breaks. `reason` is a short English sentence for the CLI.
struct VerifyFailure {
  int64_t seq = 0;
  std::string reason;
};

// Verifies a stored audit log streamed row by row in the store's order, against its stored
// checkpoints and the checkpoints of the external file. Reports the FIRST failure:
// - modified: an entry does not decode, records another seq than its row, or its hash is not
//   chain_hash(previous hash, canonical bytes);
// - missing: a sequence number is skipped (the log starts at 1);
// - reordered: a sequence number goes down (or repeats);
// - bad signature: a checkpoint, stored or external, whose signature fails;
// - checkpoint mismatch: a checkpoint whose head is not the chain hash at its seq;
// - truncated (finish()): a checkpoint with a valid signature lies beyond the last row.
// Each row costs one structural check without allocation and one BLAKE2b; each checkpoint one
// Ed25519 verification. Once a failure is reported, every later call returns it again.
// Not thread-safe.
class ChainVerifier {
 public:
  // `public_key`: the vault's Ed25519 audit public key. Checkpoints may come in any order.
  explicit ChainVerifier(const std::vector<Checkpoint>& stored_checkpoints,
                         const std::vector<Checkpoint>& external_checkpoints,
                         std::array<uint8_t, 32> public_key);

  // Checks the next row. A skipped sequence number is reported one call later (or by finish()),
  // once the next row tells a missing entry from a reordered one.
  [[nodiscard]] std::optional<VerifyFailure> feed(const StoredEntry& row);

  // Call once after the last row: reports a pending gap and truncation.
  [[nodiscard]] std::optional<VerifyFailure> finish();

  // Rows verified so far (their hash and every checkpoint up to them).
  [[nodiscard]] int64_t verified() const { return verified_; }

 private:
  struct PendingCheckpoint {
    Checkpoint checkpoint;
    bool external = false;
  };

  std::optional<VerifyFailure> record(int64_t seq, std::string reason);
  // Checks every checkpoint up to last_seq_, whose chain hash is head_.
  std::optional<VerifyFailure> check_checkpoints();
  std::optional<VerifyFailure> check_row(const StoredEntry& row);

  std::vector<PendingCheckpoint> checkpoints_;  // sorted by seq
  size_t next_checkpoint_ = 0;
  std::array<uint8_t, 32> public_key_;
  Hash head_ = kGenesisHash;
  int64_t last_seq_ = 0;  // seq of the last verified row; 0 before the first
  int64_t verified_ = 0;
  std::optional<int64_t> gap_row_seq_;  // the row that skipped last_seq_ + 1, pending
  std::optional<VerifyFailure> failure_;
};

}  // namespace vigie::audit
