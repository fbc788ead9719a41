#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <vector>

#include "audit/checkpoint.hpp"
#include "audit/entry.hpp"
#include "audit/query.hpp"
#include "audit/verify.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"
#include "store/store.hpp"

// The audit log of one vault: appends entries to the chain stored in the vault's audit file,
// signs checkpoints, and reads the log back for queries and verification.
//
// Group commit: record_then() queues entries into the open batch and returns at once. The log's
// own committer thread takes the open batch whole, appends it in one transaction of the audit
// file with one sync (flush()), then runs the batch's callbacks in the order they were queued,
// with the batch's result, while the next batch fills. record() and record_intent() are a queue
// plus a wait: there is one flushing path. A caller that must not hold a thread while the sync
// runs (a server's worker) uses record_then() and hands out its data from the callback.
//
// Changes (writes, account changes, erasures) live in the data file, the log in the audit file,
// and SQLite commits no transaction across two files. So a change's entries are an intent:
// record_intent() makes them durable, flagged awaits_commit, before the change commits; the change
// stores the intent's last seq in its own transaction (DataStore::mark_intent_committed); after
// its commit, resolve_committed() appends the outcome (an entry of action "commit"). A crash in
// between leaves the intent pending in the audit file, and resolve_pending(), run when a vault is
// opened and after a change fails, appends the outcome the data file shows. The writer holds the
// data file's write lock from before its intent to its commit, so the chain's order of intents is
// the order of commits.

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

// Thread-safe. The chain's head is read inside each write transaction of the audit file, so
// several processes may append to one log.
class AuditLog {
 public:
  // Called once with the outcome of the batch that carried the entries: success once they are on
  // stable storage, the error otherwise (the entries may not have been stored, and the data they
  // concern must not be released). It runs on the log's committer thread, which flushes nothing
  // while it runs: it must be short (post the work to an executor, such as an io_context) and
  // must not call record(), which would wait for the committer it is blocking, nor own the log.
  using OnDurable = std::function<void(Result<void>)>;

  // How many entries may wait in the open batch by default. Each entry is a few hundred bytes,
  // so the queue holds at most a few MiB; the batch being flushed is not counted.
  static constexpr size_t kDefaultMaxQueuedEntries = 10'000;

  // `connection`: a connection of the log's own, used for record(), queries and checkpoints.
  // `signing_key`: the vault's Ed25519 audit key (64 bytes). Without it (a failed unlock) the
  // log appends entries but signs no checkpoint; the next unlocked command's checkpoint covers
  // them. `clock` must outlive the log. `max_queued_entries` (at least 1) bounds the open batch:
  // see record_then().
  AuditLog(std::unique_ptr<store::AuditStore> connection,
           std::optional<crypto::SecretBytes> signing_key, CheckpointPolicy policy,
           const Clock& clock, size_t max_queued_entries = kDefaultMaxQueuedEntries);
  // Flushes the entries queued so far and runs their callbacks, then stops the committer.
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Queues `entries` (possibly none) into the open batch and returns at once; `on_durable`
  // (required) runs on the committer thread once the batch is flushed, after the callbacks of
  // the entries queued before these. The entries of one call stay together, in order.
  // kUnavailable, queuing nothing and never calling `on_durable`, when the open batch holds
  // entries and these would take it past max_queued_entries: the disk is not keeping up, and the
  // caller sheds the call (a server answers 503) instead of growing the queue without bound.
  // Into an empty batch, a call is always queued, however many entries it carries.
  [[nodiscard]] Result<void> record_then(std::vector<Entry> entries, OnDurable on_durable);

  // record_then(), then waits for the outcome: returns once `entries` are on stable storage.
  // Concurrent callers share one transaction and one sync. On failure the entries may not have
  // been stored, and the caller must not release the data they concern. Never call it from an
  // OnDurable callback.
  [[nodiscard]] Result<void> record(std::vector<Entry> entries);

  // Records `entries` (at least one) as the intent of a change, each flagged awaits_commit, and
  // returns once they are durable, with the seq of the last of them. The caller holds the data
  // file's write transaction of the change, stores that seq in it (mark_intent_committed), commits
  // it, then calls resolve_committed(). kUnavailable as record_then() when the queue is full.
  [[nodiscard]] Result<int64_t> record_intent(std::vector<Entry> entries);

  // Queues the outcome "committed" of the intent whose last seq is `last_seq`, and returns at
  // once; never refused for a full queue (an outcome is one small entry per change). Appends
  // nothing when the intent's outcome was stated meanwhile (by resolve_pending() in another
  // process). If it is lost (a crash first), resolve_pending() states it at the next open.
  void resolve_committed(int64_t last_seq);

  // States the outcome of every pending intent, from whether `data` (a connection to the vault's
  // data file) holds its mark, and returns once the outcomes are durable. Holds a write
  // transaction on `data` meanwhile, so that no writer is between its intent and its commit:
  // every intent left pending is then settled. Run when a vault is opened, and by the gate after a
  // change that recorded an intent failed.
  [[nodiscard]] Result<void> resolve_pending(store::DataStore& data);

  // Signs a checkpoint at the head unless one is there already (clean shutdown). kInternal
  // without a signing key. Signs nothing once verify() has found the chain broken.
  [[nodiscard]] Result<void> checkpoint_now();

  // Entries matching `filter`, in seq order. kIntegrity if a stored entry does not decode.
  [[nodiscard]] Result<std::vector<Entry>> entries(const LogFilter& filter);

  // Verifies the whole chain against its stored checkpoints and `external` (see ChainVerifier).
  // Waits first for the flush of every call queued before it (an asynchronous read's entry, a
  // change's outcome), so that the report covers all that was recorded before it was asked for.
  // Never called on the committer thread, which that wait would block.
  // A break stops this log from signing any further checkpoint: a signature over a tampered
  // chain would make the tampering look legitimate to the next verification.
  [[nodiscard]] Result<VerifyReport> verify(const std::vector<Checkpoint>& external);

  [[nodiscard]] const CheckpointPolicy& policy() const { return policy_; }

  // The newest stored checkpoint's seq and time; nullopt when none is stored.
  struct CheckpointTime {
    int64_t seq = 0;
    int64_t time_ms = 0;
  };
  [[nodiscard]] Result<std::optional<CheckpointTime>> last_checkpoint();

  // Told, on the committer thread after each flush, how long each call of the batch waited from
  // its queueing to the flush's end (its entries durable, or the flush failed): the group
  // commit's lag, for a server's metrics. It must be short, thread-safe and call no log.
  using CommitObserver = std::function<void(std::chrono::microseconds)>;
  // Replaces the observer (none by default); the batches taken after this call report to it.
  void observe_commits(CommitObserver observer);

 private:
  // Called with the seq of the last entry the call appended (0 when it appended none), or the
  // batch's error.
  using OnFlushed = std::function<void(Result<int64_t>)>;
  // The outcome of an intent, to append at the flush if the intent is still pending then.
  struct Resolution {
    int64_t last_seq = 0;
    bool committed = false;
  };
  // One call's part of a batch: entries to append or outcomes to state, and its callback.
  struct Queued {
    std::vector<Entry> entries;
    std::vector<Resolution> resolutions;
    OnFlushed on_flushed;
    std::chrono::steady_clock::time_point queued_at{};  // set by enqueue()
  };
  // The calls queued since the committer last took a batch, in order, and their entry count.
  struct Batch {
    std::vector<Queued> calls;
    size_t entries = 0;
  };

  // Queues one call. kUnavailable, queuing nothing, when `bounded` and the open batch holds
  // entries and these would take it past max_queued_entries_.
  [[nodiscard]] Result<void> enqueue(Queued call, bool bounded);
  // enqueue(), then waits for the call's flush.
  [[nodiscard]] Result<int64_t> enqueue_and_wait(std::vector<Entry> entries,
                                                 std::vector<Resolution> resolutions);
  // The committer thread's loop: takes the open batch, flushes it, runs its callbacks; once
  // `stop` is requested, returns when nothing is queued.
  void commit_batches(std::stop_token stop);
  // Appends the batch's entries and outcomes in one durable transaction; fills each call's last
  // seq in `last_seqs`.
  [[nodiscard]] Result<void> flush(Batch& batch, std::vector<int64_t>& last_seqs);
  // Appends a checkpoint to the external file, when one is configured.
  [[nodiscard]] Result<void> publish(const std::optional<Checkpoint>& checkpoint) const;
  [[nodiscard]] bool checkpoint_due(int64_t first_seq, int64_t last_seq, int64_t now_ms);
  [[nodiscard]] Result<Checkpoint> sign_and_store(store::AuditStore& transaction, int64_t seq,
                                                  const Hash& head, int64_t now_ms);
  [[nodiscard]] std::array<uint8_t, 32> public_key() const;

  std::unique_ptr<store::AuditStore> connection_;
  std::optional<crypto::SecretBytes> signing_key_;
  const CheckpointPolicy policy_;
  const Clock& clock_;
  const size_t max_queued_entries_;

  // Lock order: batch_mutex_ is never held while another lock is taken or a callback runs;
  // connection_mutex_ may be held while checkpoint_mutex_ is taken, never the reverse.
  std::mutex connection_mutex_;  // held while connection_ is in use
  std::mutex checkpoint_mutex_;  // guards last_checkpoint_ms_ and chain_broken_
  std::optional<int64_t> last_checkpoint_ms_;
  bool chain_broken_ = false;

  std::mutex batch_mutex_;  // guards open_batch_
  Batch open_batch_;        // filled by record_then(), taken by the committer
  std::shared_ptr<const CommitObserver> commit_observer_;  // guarded by batch_mutex_
  std::condition_variable_any batch_waiting_;              // notified when open_batch_ gets a call

  // Owned by the log and declared last: constructed once every member it uses exists, and
  // destroyed first, when its destructor requests the stop and joins it after the last flush.
  std::jthread committer_;
};

}  // namespace vigie::audit
