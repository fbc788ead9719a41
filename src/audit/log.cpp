#include "audit/log.hpp"

#include <algorithm>
#include <charconv>
#include <future>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "audit/chain.hpp"
#include "crypto/signing.hpp"
#include "store/transaction.hpp"

namespace vigie::audit {

namespace {

constexpr std::string_view kEveryEntriesMeta = "audit.checkpoint_every_entries";
constexpr std::string_view kEverySecondsMeta = "audit.checkpoint_every_seconds";
constexpr std::string_view kExternalFileMeta = "audit.checkpoint_file";

Result<std::optional<int64_t>> load_period(store::DataStore& data, std::string_view key) {
  auto stored = data.get_meta(std::string(key));
  if (!stored) {
    return tl::unexpected(stored.error());
  }
  const std::optional<std::string>& text = *stored;
  if (!text.has_value()) {
    return std::optional<int64_t>{};
  }
  int64_t value = 0;
  const char* end = text->data() + text->size();
  auto [stop, error] = std::from_chars(text->data(), end, value);
  if (error != std::errc{} || stop != end || value < 1) {
    return fail(ErrorCode::kIntegrity,
                fmt::format("the audit setting {} in the vault is malformed", key));
  }
  return std::optional<int64_t>{value};
}

Checkpoint from_row(const store::CheckpointRow& row) {
  return Checkpoint{row.seq, row.head, row.time_ms, row.signature};
}

// The chain's tail while one batch is appended: the last seq, its hash, and the rows made so far.
struct ChainTail {
  int64_t seq = 0;
  Hash head = kGenesisHash;
  std::vector<store::AuditRow> rows;

  void append(Entry& entry) {
    entry.seq = ++seq;
    std::vector<uint8_t> canonical = encode(entry);
    head = chain_hash(head, canonical);
    rows.push_back(store::AuditRow{entry.seq, entry.time_ms, std::move(canonical), head});
  }
};

// Appends to `tail` the entry stating whether the intent whose last seq is `last_seq` committed,
// and removes the intent from the pending ones; appends nothing when it is not pending (its
// outcome was stated already).
Result<void> stage_outcome(store::AuditStore& connection, int64_t last_seq, bool committed,
                           int64_t now_ms, ChainTail& tail) {
  auto pending = connection.remove_pending_intent(last_seq);
  if (!pending) {
    return tl::unexpected(pending.error());
  }
  if (!pending->has_value()) {
    return {};
  }
  Entry entry;
  entry.time_ms = now_ms;
  entry.actor.kind = ActorKind::kService;
  entry.action = std::string(kActionCommit);
  const int64_t count =
      std::min<int64_t>(last_seq - **pending + 1, static_cast<int64_t>(kMaxTargets));
  for (int64_t seq = last_seq - count + 1; seq <= last_seq; ++seq) {
    entry.targets.push_back(Target{std::string(kAuditEntryTargetType), std::to_string(seq), 0, ""});
  }
  if (!committed) {
    entry.outcome = Outcome::kFailed;
    entry.reason = "rolled-back";
  }
  tail.append(entry);
  return {};
}

// Appends `entries` to `tail`; when they are an intent, records it as pending.
Result<void> stage_entries(store::AuditStore& connection, std::vector<Entry>& entries,
                           ChainTail& tail) {
  const int64_t first_seq = tail.seq + 1;
  bool intent = false;
  for (Entry& entry : entries) {
    intent = intent || entry.awaits_commit;
    tail.append(entry);
  }
  return intent ? connection.add_pending_intent(first_seq, tail.seq) : Result<void>{};
}

}  // namespace

Result<void> store_policy(store::DataStore& transaction, const CheckpointPolicy& policy) {
  if (policy.every_entries < 1 || policy.every_seconds < 1) {
    return fail(ErrorCode::kUsage, "a checkpoint period is at least 1 entry and 1 second");
  }
  if (policy.external_file && !policy.external_file->is_absolute()) {
    return fail(ErrorCode::kUsage, "the checkpoint file's path must be absolute");
  }
  const std::pair<std::string_view, std::string> settings[] = {
      {kEveryEntriesMeta, std::to_string(policy.every_entries)},
      {kEverySecondsMeta, std::to_string(policy.every_seconds)},
      {kExternalFileMeta, policy.external_file ? policy.external_file->string() : std::string()}};
  for (const auto& [key, value] : settings) {
    if (auto stored = transaction.set_meta(std::string(key), value); !stored) {
      return stored;
    }
  }
  return {};
}

Result<CheckpointPolicy> load_policy(store::DataStore& data) {
  CheckpointPolicy policy;
  auto every_entries = load_period(data, kEveryEntriesMeta);
  if (!every_entries) {
    return tl::unexpected(every_entries.error());
  }
  auto every_seconds = load_period(data, kEverySecondsMeta);
  if (!every_seconds) {
    return tl::unexpected(every_seconds.error());
  }
  auto external_file = data.get_meta(std::string(kExternalFileMeta));
  if (!external_file) {
    return tl::unexpected(external_file.error());
  }
  policy.every_entries = every_entries->value_or(policy.every_entries);
  policy.every_seconds = every_seconds->value_or(policy.every_seconds);
  if (const std::optional<std::string>& path = *external_file; path && !path->empty()) {
    policy.external_file = std::filesystem::path(*path);
  }
  return policy;
}

AuditLog::AuditLog(std::unique_ptr<store::AuditStore> connection,
                   std::optional<crypto::SecretBytes> signing_key, CheckpointPolicy policy,
                   const Clock& clock, size_t max_queued_entries)
    : connection_(std::move(connection)),
      signing_key_(std::move(signing_key)),
      policy_(std::move(policy)),
      clock_(clock),
      max_queued_entries_(std::max<size_t>(max_queued_entries, 1)),
      committer_([this](std::stop_token stop) { commit_batches(std::move(stop)); }) {}

// committer_'s own destructor requests the stop and joins it: commit_batches() flushes what is
// queued first.
AuditLog::~AuditLog() = default;

std::array<uint8_t, 32> AuditLog::public_key() const {
  return signing_key_ ? crypto::signing_public_key(*signing_key_) : std::array<uint8_t, 32>{};
}

bool AuditLog::checkpoint_due(int64_t first_seq, int64_t last_seq, int64_t now_ms) {
  std::lock_guard lock(checkpoint_mutex_);
  if (!signing_key_ || chain_broken_) {
    return false;
  }
  if (last_seq / policy_.every_entries > (first_seq - 1) / policy_.every_entries) {
    return true;
  }
  // The first append of this process counts from now: opening a vault is no reason to sign.
  if (!last_checkpoint_ms_) {
    last_checkpoint_ms_ = now_ms;
    return false;
  }
  return now_ms - *last_checkpoint_ms_ >= policy_.every_seconds * 1000;
}

Result<Checkpoint> AuditLog::sign_and_store(store::AuditStore& transaction, int64_t seq,
                                            const Hash& head, int64_t now_ms) {
  if (!signing_key_) {
    return fail(ErrorCode::kInternal, "the audit log cannot sign without the vault's key");
  }
  Checkpoint checkpoint = sign_checkpoint(seq, head, now_ms, *signing_key_);
  if (auto stored = transaction.append_checkpoint(store::CheckpointRow{
          checkpoint.seq, checkpoint.head, checkpoint.time_ms, checkpoint.signature});
      !stored) {
    return tl::unexpected(stored.error());
  }
  std::lock_guard lock(checkpoint_mutex_);
  last_checkpoint_ms_ = now_ms;
  return checkpoint;
}

Result<void> AuditLog::publish(const std::optional<Checkpoint>& checkpoint) const {
  if (!checkpoint || !policy_.external_file) {
    return {};
  }
  return append_checkpoint_file(*policy_.external_file, *checkpoint);
}

Result<void> AuditLog::flush(Batch& batch, std::vector<int64_t>& last_seqs) {
  std::optional<Checkpoint> checkpoint;
  {
    std::lock_guard lock(connection_mutex_);
    // Declared after the lock: the transaction ends (rolled back at the latest) while
    // connection_mutex_ is still held.
    auto transaction = store::begin_transaction(*connection_);
    if (!transaction) {
      return tl::unexpected(transaction.error());
    }
    auto last = connection_->last_audit_row();
    if (!last) {
      return tl::unexpected(last.error());
    }
    ChainTail tail;
    if (const std::optional<store::AuditRow>& row = *last; row.has_value()) {
      tail.seq = row->seq;
      tail.head = row->hash;
    }
    const int64_t first_seq = tail.seq + 1;
    tail.rows.reserve(batch.entries);
    const int64_t now_ms = clock_.now_ms();
    last_seqs.assign(batch.calls.size(), 0);
    // Only entries that a caller waits for need the sync. Outcomes alone commit without one: a
    // crash that loses them loses their removal from pending_intents with them, and the next open
    // states them again; the next synced batch makes them durable (the WAL is synced in order).
    bool waited_for = false;
    for (size_t call = 0; call < batch.calls.size(); ++call) {
      Queued& queued = batch.calls[call];
      const int64_t before = tail.seq;
      for (const Resolution& resolution : queued.resolutions) {
        if (auto staged = stage_outcome(*connection_, resolution.last_seq, resolution.committed,
                                        now_ms, tail);
            !staged) {
          return staged;
        }
      }
      if (auto staged = stage_entries(*connection_, queued.entries, tail); !staged) {
        return staged;
      }
      waited_for = waited_for || !queued.entries.empty();
      last_seqs[call] = tail.seq > before ? tail.seq : 0;
    }
    if (tail.rows.empty()) {
      return {};
    }
    if (auto appended = connection_->append_audit(tail.rows); !appended) {
      return appended;
    }
    if (checkpoint_due(first_seq, tail.seq, now_ms)) {
      auto made = sign_and_store(*connection_, tail.seq, tail.head, now_ms);
      if (!made) {
        return tl::unexpected(made.error());
      }
      checkpoint = std::move(*made);
    }
    // A checkpoint published to the external file must not name entries a crash could lose.
    if (auto committed = waited_for || checkpoint.has_value() ? transaction->commit_durable()
                                                              : transaction->commit();
        !committed) {
      return committed;
    }
  }
  return publish(checkpoint);
}

Result<void> AuditLog::enqueue(Queued call, bool bounded) {
  {
    std::lock_guard lock(batch_mutex_);
    const size_t queued = open_batch_.entries;
    const size_t adding = call.entries.size() + call.resolutions.size();
    if (bounded && queued > 0 &&
        adding > max_queued_entries_ - std::min(queued, max_queued_entries_)) {
      return fail(ErrorCode::kUnavailable,
                  fmt::format("le journal d'audit a {} entrées en attente d'écriture (limite {}) : "
                              "réessayez dans un instant",
                              queued, max_queued_entries_),
                  fmt::format("the audit log has {} entries waiting to be written (limit {}): "
                              "retry in a moment",
                              queued, max_queued_entries_));
    }
    open_batch_.entries += adding;
    call.queued_at = std::chrono::steady_clock::now();
    open_batch_.calls.push_back(std::move(call));
  }
  batch_waiting_.notify_one();
  return {};
}

Result<void> AuditLog::record_then(std::vector<Entry> entries, OnDurable on_durable) {
  return enqueue(Queued{std::move(entries),
                        {},
                        [on_durable = std::move(on_durable)](Result<int64_t> flushed) {
                          if (!flushed) {
                            on_durable(tl::unexpected(flushed.error()));
                            return;
                          }
                          on_durable({});
                        }},
                 true);
}

Result<int64_t> AuditLog::enqueue_and_wait(std::vector<Entry> entries,
                                           std::vector<Resolution> resolutions) {
  // Shared with the callback, so that the promise outlives set_value() even when this caller
  // wakes and returns before the committer has left it.
  auto flushed = std::make_shared<std::promise<Result<int64_t>>>();
  std::future<Result<int64_t>> outcome = flushed->get_future();
  const bool bounded = resolutions.empty();
  if (auto queued = enqueue(
          Queued{std::move(entries), std::move(resolutions),
                 [flushed](Result<int64_t> result) { flushed->set_value(std::move(result)); }},
          bounded);
      !queued) {
    return tl::unexpected(queued.error());
  }
  return outcome.get();
}

Result<void> AuditLog::record(std::vector<Entry> entries) {
  if (auto recorded = enqueue_and_wait(std::move(entries), {}); !recorded) {
    return tl::unexpected(recorded.error());
  }
  return {};
}

Result<int64_t> AuditLog::record_intent(std::vector<Entry> entries) {
  if (entries.empty()) {
    return fail(ErrorCode::kInternal, "an intent needs at least one audit entry");
  }
  for (Entry& entry : entries) {
    entry.awaits_commit = true;
  }
  return enqueue_and_wait(std::move(entries), {});
}

void AuditLog::resolve_committed(int64_t last_seq) {
  // Unbounded, so never refused; its callback has nothing to do: a failed flush leaves the intent
  // pending, for resolve_pending().
  static_cast<void>(
      enqueue(Queued{{}, {Resolution{last_seq, true}}, [](const Result<int64_t>&) {}}, false));
}

Result<void> AuditLog::resolve_pending(store::DataStore& data) {
  auto writer = store::begin_transaction(data);
  if (!writer) {
    return tl::unexpected(writer.error());
  }
  std::vector<Resolution> resolutions;
  {
    std::lock_guard lock(connection_mutex_);
    auto pending = connection_->pending_intents();
    if (!pending) {
      return tl::unexpected(pending.error());
    }
    for (const store::AuditStore::PendingIntent& intent : *pending) {
      auto committed = data.intent_committed(intent.last_seq);
      if (!committed) {
        return tl::unexpected(committed.error());
      }
      resolutions.push_back(Resolution{intent.last_seq, *committed});
    }
  }
  if (resolutions.empty()) {
    return {};
  }
  if (auto resolved = enqueue_and_wait({}, std::move(resolutions)); !resolved) {
    return tl::unexpected(resolved.error());
  }
  return {};
}

void AuditLog::commit_batches(std::stop_token stop) {
  for (;;) {
    Batch batch;
    std::shared_ptr<const CommitObserver> observer;
    {
      std::unique_lock lock(batch_mutex_);
      batch_waiting_.wait(lock, stop, [this] { return !open_batch_.calls.empty(); });
      if (open_batch_.calls.empty()) {
        return;  // stop requested and nothing queued
      }
      batch = std::exchange(open_batch_, Batch{});
      observer = commit_observer_;
    }
    // Without batch_mutex_: callers fill the next batch meanwhile, and a callback may queue more.
    std::vector<int64_t> last_seqs;
    const Result<void> flushed = flush(batch, last_seqs);
    if (observer) {
      const auto flushed_at = std::chrono::steady_clock::now();
      for (const Queued& call : batch.calls) {
        (*observer)(
            std::chrono::duration_cast<std::chrono::microseconds>(flushed_at - call.queued_at));
      }
    }
    for (size_t call = 0; call < batch.calls.size(); ++call) {
      if (flushed) {
        batch.calls[call].on_flushed(last_seqs[call]);
      } else {
        batch.calls[call].on_flushed(tl::unexpected(flushed.error()));
      }
    }
  }
}

Result<std::optional<AuditLog::CheckpointTime>> AuditLog::last_checkpoint() {
  std::lock_guard lock(connection_mutex_);
  auto stored = connection_->checkpoints();
  if (!stored) {
    return tl::unexpected(stored.error());
  }
  if (stored->empty()) {
    return std::optional<CheckpointTime>();
  }
  return std::optional<CheckpointTime>(CheckpointTime{stored->back().seq, stored->back().time_ms});
}

void AuditLog::observe_commits(CommitObserver observer) {
  auto shared = observer ? std::make_shared<const CommitObserver>(std::move(observer)) : nullptr;
  const std::lock_guard lock(batch_mutex_);
  commit_observer_ = std::move(shared);
}

Result<void> AuditLog::checkpoint_now() {
  {
    std::lock_guard lock(checkpoint_mutex_);
    if (chain_broken_) {
      return {};
    }
  }
  std::optional<Checkpoint> checkpoint;
  {
    std::lock_guard lock(connection_mutex_);
    auto transaction = store::begin_transaction(*connection_);
    if (!transaction) {
      return tl::unexpected(transaction.error());
    }
    auto signed_checkpoint = [&]() -> Result<std::optional<Checkpoint>> {
      auto last = connection_->last_audit_row();
      if (!last) {
        return tl::unexpected(last.error());
      }
      auto stored = connection_->checkpoints();
      if (!stored) {
        return tl::unexpected(stored.error());
      }
      const std::optional<store::AuditRow>& head = *last;
      if (!head.has_value() || (!stored->empty() && stored->back().seq == head->seq)) {
        return std::optional<Checkpoint>{};
      }
      auto made = sign_and_store(*connection_, head->seq, head->hash, clock_.now_ms());
      if (!made) {
        return tl::unexpected(made.error());
      }
      return std::optional<Checkpoint>{*made};
    }();
    if (!signed_checkpoint) {
      return tl::unexpected(signed_checkpoint.error());
    }
    if (auto committed = transaction->commit_durable(); !committed) {
      return committed;
    }
    checkpoint = std::move(*signed_checkpoint);
  }
  return publish(checkpoint);
}

Result<std::vector<Entry>> AuditLog::entries(const LogFilter& filter) {
  std::lock_guard lock(connection_mutex_);
  std::vector<Entry> found;
  std::optional<Error> failure;
  auto scanned = connection_->scan_audit(
      0, [&](int64_t seq, int64_t /*time_ms*/, std::span<const uint8_t> canonical,
             std::span<const uint8_t> /*hash*/) {
        auto entry = decode(canonical);
        if (!entry) {
          failure =
              Error{ErrorCode::kIntegrity,
                    fmt::format("audit entry {} does not decode (run `vigie audit verify`)", seq)};
          return false;
        }
        if (matches(*entry, filter)) {
          found.push_back(std::move(*entry));
        }
        return true;
      });
  if (!scanned) {
    return tl::unexpected(scanned.error());
  }
  if (failure) {
    return tl::unexpected(*failure);
  }
  return found;
}

Result<VerifyReport> AuditLog::verify(const std::vector<Checkpoint>& external) {
  if (!signing_key_) {
    return fail(ErrorCode::kInternal, "verifying the audit log needs the vault's key");
  }
  // An empty call: its flush comes after that of every call queued before it.
  if (auto flushed = enqueue_and_wait({}, {}); !flushed) {
    return tl::unexpected(flushed.error());
  }
  std::lock_guard lock(connection_mutex_);
  auto stored_rows = connection_->checkpoints();
  if (!stored_rows) {
    return tl::unexpected(stored_rows.error());
  }
  std::vector<Checkpoint> stored;
  stored.reserve(stored_rows->size());
  std::transform(stored_rows->begin(), stored_rows->end(), std::back_inserter(stored), from_row);
  ChainVerifier verifier(stored, external, public_key());
  VerifyReport report;
  auto scanned = connection_->scan_audit(
      0, [&](int64_t seq, int64_t /*time_ms*/, std::span<const uint8_t> canonical,
             std::span<const uint8_t> hash) {
        StoredEntry row{seq, canonical, {}};
        if (hash.size() != row.stored_hash.size()) {
          report.failure = VerifyFailure{
              seq, fmt::format("entry {} was modified: its stored hash has the wrong length", seq)};
          return false;
        }
        std::copy(hash.begin(), hash.end(), row.stored_hash.begin());
        report.failure = verifier.feed(row);
        return !report.failure;
      });
  if (!scanned) {
    return tl::unexpected(scanned.error());
  }
  if (!report.failure) {
    report.failure = verifier.finish();
  }
  report.verified = verifier.verified();
  if (report.failure) {
    std::lock_guard checkpoint_lock(checkpoint_mutex_);
    chain_broken_ = true;
  }
  return report;
}

}  // namespace vigie::audit
