#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "audit/checkpoint.hpp"
#include "audit/entry.hpp"
#include "audit/query.hpp"
#include "audit/verify.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"
#include "store/store.hpp"

// The audit log of one vault: appends entries to the chain stored in the vault's data file,
// signs checkpoints, and reads the log back for queries and verification.

namespace vigie::audit {

// When checkpoints are signed. Kept in the data file's metadata (set by `vigie init`).
struct CheckpointPolicy {
  int64_t every_entries = 1000;  // a checkpoint each time the head crosses a multiple of this
  int64_t every_seconds = 300;   // and at the first append this long after the last checkpoint
  // Where checkpoints are also appended: the copy an attacker holding the vault cannot rewrite.
  std::optional<std::filesystem::path> external_file = std::nullopt;

  bool operator==(const CheckpointPolicy&) const = default;
};

// Stores `policy` in the data file's metadata, in the open transaction of `transaction`.
// kUsage when a period is below 1 or the external file's path is not absolute.
[[nodiscard]] Result<void> store_policy(store::DataStore& transaction,
                                        const CheckpointPolicy& policy);
// The stored policy; the defaults when none is stored. kIntegrity when it is malformed.
[[nodiscard]] Result<CheckpointPolicy> load_policy(store::DataStore& data);

// The outcome of verifying a whole log: the number of entries verified, and the first break.
struct VerifyReport {
  int64_t verified = 0;
  std::optional<VerifyFailure> failure;
};

// Thread-safe. Every connection given must be to the same data file; the chain's head is read
// inside each write transaction, so several processes may append to one log.
class AuditLog {
 public:
  // `connection`: a connection of the log's own, used for record(), queries and checkpoints.
  // `signing_key`: the vault's Ed25519 audit key (64 bytes). Without it (a failed unlock) the
  // log appends entries but signs no checkpoint; the next unlocked command's checkpoint covers
  // them. `clock` must outlive the log.
  AuditLog(std::unique_ptr<store::DataStore> connection,
           std::optional<crypto::SecretBytes> signing_key, CheckpointPolicy policy,
           const Clock& clock);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends `entries` in order (their seq is assigned here) in the write transaction open on
  // `transaction`, and a signed checkpoint when the policy asks for one. After the transaction
  // commits, pass the result to publish(); if it rolls back, drop it.
  [[nodiscard]] Result<std::optional<Checkpoint>> append_in(store::DataStore& transaction,
                                                            std::vector<Entry> entries);
  // Appends a checkpoint made by append_in() to the external file, when one is configured.
  [[nodiscard]] Result<void> publish(const std::optional<Checkpoint>& checkpoint) const;

  // Appends `entries` on the log's own connection and returns once they are on stable storage.
  // Concurrent callers share one transaction and one fsync (group commit). On failure the
  // entries may not have been stored, and the caller must not release the data they concern.
  [[nodiscard]] Result<void> record(std::vector<Entry> entries);

  // Signs a checkpoint at the head unless one is there already (clean shutdown). kInternal
  // without a signing key. Signs nothing once verify() has found the chain broken.
  [[nodiscard]] Result<void> checkpoint_now();

  // Entries matching `filter`, in seq order. kIntegrity if a stored entry does not decode.
  [[nodiscard]] Result<std::vector<Entry>> entries(const LogFilter& filter);

  // Verifies the whole chain against its stored checkpoints and `external` (see ChainVerifier).
  // A break stops this log from signing any further checkpoint: a signature over a tampered
  // chain would make the tampering look legitimate to the next verification.
  [[nodiscard]] Result<VerifyReport> verify(const std::vector<Checkpoint>& external);

  [[nodiscard]] const CheckpointPolicy& policy() const { return policy_; }

 private:
  struct Batch {
    std::vector<Entry> entries;
    bool done = false;
    std::optional<Error> error;
    // Woken when this batch is durable, or (one waiter) when it is this batch's turn to flush:
    // a flush wakes only the callers it concerns, not every caller waiting for the next one.
    std::condition_variable wake;
  };

  [[nodiscard]] Result<void> flush(std::vector<Entry> entries);
  [[nodiscard]] bool checkpoint_due(int64_t first_seq, int64_t last_seq, int64_t now_ms);
  [[nodiscard]] Result<Checkpoint> sign_and_store(store::DataStore& transaction, int64_t seq,
                                                  const Hash& head, int64_t now_ms);
  [[nodiscard]] std::array<uint8_t, 32> public_key() const;

  std::unique_ptr<store::DataStore> connection_;
  std::optional<crypto::SecretBytes> signing_key_;
  const CheckpointPolicy policy_;
  const Clock& clock_;

  std::mutex connection_mutex_;  // held while connection_ is in use
  std::mutex checkpoint_mutex_;  // guards last_checkpoint_ms_ and chain_broken_
  std::optional<int64_t> last_checkpoint_ms_;
  bool chain_broken_ = false;

  // Group commit: the first waiter flushes the open batch while later callers fill the next.
  std::mutex batch_mutex_;
  std::shared_ptr<Batch> open_batch_;
  bool flushing_ = false;
};

}  // namespace vigie::audit
