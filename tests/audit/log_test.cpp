#include "audit/log.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "audit/chain.hpp"
#include "audit/checkpoint.hpp"
#include "audit/entry.hpp"
#include "audit/query.hpp"
#include "common/clock.hpp"
#include "crypto/signing.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/temp_dir.hpp"

namespace vigie::audit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// An entry by session `session` about patient `patient`; the log assigns its seq.
Entry entry_for(const std::string& session, const std::string& patient,
                std::string_view action = kActionRead, int64_t time_ms = 1'709'630'000'000) {
  Entry entry;
  entry.time_ms = time_ms;
  entry.actor.os_user = "custodian";
  entry.actor.session_id = session;
  entry.actor.auth_method = "key-file";
  entry.action = std::string(action);
  entry.targets = {Target{"Patient", patient, 1, patient}};
  entry.resources_returned = 1;
  entry.decrypted_data_left = true;
  return entry;
}

struct StoredRow {
  int64_t seq = 0;
  std::vector<uint8_t> canonical;
  Hash hash{};
};

// Replaces the canonical bytes of entry `seq` through a raw connection, as an attacker with the
// sqlite3 shell would: the append-only trigger dropped first.
void overwrite_canonical(const std::filesystem::path& path, int64_t seq,
                         const std::vector<uint8_t>& canonical) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "DROP TRIGGER audit_log_no_update", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "UPDATE audit_log SET canonical = ? WHERE seq = ?", -1,
                               &statement, nullptr),
            SQLITE_OK);
  sqlite3_bind_blob(statement, 1, canonical.data(), static_cast<int>(canonical.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_int64(statement, 2, seq);
  EXPECT_EQ(sqlite3_step(statement), SQLITE_DONE) << sqlite3_errmsg(db);
  EXPECT_EQ(sqlite3_changes(db), 1);
  sqlite3_finalize(statement);
  sqlite3_close(db);
}

// Runs `sql` through a raw connection, as an attacker with the sqlite3 shell.
void execute(const std::filesystem::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK)
      << (message != nullptr ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

// Holds a log's committer thread in the callback of a first record_then() until release(), so
// that the entries queued meanwhile make one batch.
class CommitterHold {
 public:
  explicit CommitterHold(AuditLog& log, std::vector<Entry> entries) {
    std::shared_future<void> released = release_.get_future().share();
    EXPECT_TRUE(log.record_then(std::move(entries), [this, released](Result<void> result) {
      held_.set_value(result.has_value());
      released.wait();
    }));
    first_stored_ = held_.get_future().get();
  }
  // Whether the entries of the first record_then() were stored.
  [[nodiscard]] bool first_stored() const { return first_stored_; }
  void release() { release_.set_value(); }

 private:
  std::promise<bool> held_;
  std::promise<void> release_;
  bool first_stored_ = false;
};

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = store::sqlite::open_audit_store(audit_file_, store::OpenMode::kCreate);
    ASSERT_TRUE(created) << created.error().message;
    audit_ = std::move(*created);
    auto data = store::sqlite::open_data_store(data_file_, store::OpenMode::kCreate);
    ASSERT_TRUE(data) << data.error().message;
    data_ = std::move(*data);
  }

  std::unique_ptr<store::AuditStore> connect() const {
    auto opened = store::sqlite::open_audit_store(audit_file_, store::OpenMode::kOpenExisting);
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? std::move(*opened) : nullptr;
  }

  std::unique_ptr<AuditLog> make_log(
      CheckpointPolicy policy, bool with_key = true,
      size_t max_queued_entries = AuditLog::kDefaultMaxQueuedEntries) const {
    std::optional<crypto::SecretBytes> key;
    if (with_key) {
      key = crypto::SecretBytes::copy_of(keys_.secret_key.view());
    }
    return std::make_unique<AuditLog>(connect(), std::move(key), std::move(policy), clock_,
                                      max_queued_entries);
  }

  // Records `entries`; the checkpoint their flush signed, if any.
  std::optional<Checkpoint> append(AuditLog& log, std::vector<Entry> entries) const {
    const size_t before = checkpoint_seqs().size();
    auto recorded = log.record(std::move(entries));
    EXPECT_TRUE(recorded) << recorded.error().message;
    auto stored = audit_->checkpoints();
    EXPECT_TRUE(stored);
    if (!recorded || !stored || stored->size() == before) {
      return std::nullopt;
    }
    const store::CheckpointRow& row = stored->back();
    return Checkpoint{row.seq, row.head, row.time_ms, row.signature};
  }

  // The entry stored at `seq`.
  Entry stored_entry(int64_t seq) const {
    for (const StoredRow& row : rows()) {
      if (row.seq == seq) {
        return decode(row.canonical).value();
      }
    }
    ADD_FAILURE() << "no entry " << seq;
    return {};
  }

  std::vector<StoredRow> rows() const {
    std::vector<StoredRow> found;
    auto scanned =
        audit_->scan_audit(0, [&](int64_t seq, int64_t, std::span<const uint8_t> canonical,
                                  std::span<const uint8_t> hash) {
          StoredRow row{seq, {canonical.begin(), canonical.end()}, {}};
          EXPECT_EQ(hash.size(), row.hash.size());
          std::copy_n(hash.begin(), std::min(hash.size(), row.hash.size()), row.hash.begin());
          found.push_back(std::move(row));
          return true;
        });
    EXPECT_TRUE(scanned);
    return found;
  }

  // The patient of each stored entry, in seq order, read through a connection of its own.
  std::vector<std::string> stored_patients() const {
    std::vector<std::string> patients;
    std::unique_ptr<store::AuditStore> connection = connect();
    if (!connection) {
      return patients;
    }
    auto scanned = connection->scan_audit(
        0, [&](int64_t, int64_t, std::span<const uint8_t> canonical, std::span<const uint8_t>) {
          auto entry = decode(canonical);
          patients.push_back(entry ? entry->targets.at(0).id : "undecodable");
          return true;
        });
    EXPECT_TRUE(scanned);
    return patients;
  }

  std::vector<int64_t> checkpoint_seqs() const {
    auto stored = audit_->checkpoints();
    EXPECT_TRUE(stored);
    std::vector<int64_t> seqs;
    for (const store::CheckpointRow& row : stored.value_or(std::vector<store::CheckpointRow>{})) {
      seqs.push_back(row.seq);
    }
    return seqs;
  }

  // The chain hash after entry `seq`, recomputed from the stored canonical bytes.
  Hash head_at(int64_t seq) const {
    Hash head = kGenesisHash;
    for (const StoredRow& row : rows()) {
      if (row.seq > seq) {
        break;
      }
      head = chain_hash(head, row.canonical);
    }
    return head;
  }

  // Every row's seq is 1, 2, 3... and its hash chains over its canonical bytes.
  void expect_contiguous_chain(int64_t count) const {
    const std::vector<StoredRow> stored = rows();
    ASSERT_EQ(static_cast<int64_t>(stored.size()), count);
    Hash head = kGenesisHash;
    for (size_t index = 0; index < stored.size(); ++index) {
      const int64_t seq = static_cast<int64_t>(index) + 1;
      EXPECT_EQ(stored[index].seq, seq);
      head = chain_hash(head, stored[index].canonical);
      EXPECT_EQ(stored[index].hash, head) << "seq " << seq;
      auto decoded = decode(stored[index].canonical);
      ASSERT_TRUE(decoded) << decoded.error().message;
      EXPECT_EQ(decoded->seq, seq);
    }
  }

  vigie::testing::TempDir dir_;
  const std::filesystem::path audit_file_ = dir_ / "audit.db";
  const std::filesystem::path data_file_ = dir_ / "vault.db";
  const std::filesystem::path checkpoint_file_ = dir_ / "checkpoints";
  std::unique_ptr<store::AuditStore> audit_;
  std::unique_ptr<store::DataStore> data_;
  crypto::SigningKeyPair keys_ = crypto::generate_signing_key_pair();
  ManualClock clock_{1'709'630'000'000};
};

TEST_F(AuditLogTest, RecordAssignsConsecutiveSeqsFromOneAndChainsTheHashes) {
  auto log = make_log({});
  append(*log, {entry_for("s", "p1"), entry_for("s", "p2"), entry_for("s", "p3")});
  append(*log, {entry_for("s", "p4"), entry_for("s", "p5")});
  expect_contiguous_chain(5);
  const std::vector<StoredRow> stored = rows();
  ASSERT_EQ(stored.size(), 5u);
  Entry expected = entry_for("s", "p4");
  expected.seq = 4;
  EXPECT_EQ(decode(stored[3].canonical).value(), expected);
  EXPECT_EQ(stored[3].canonical, encode(expected));
}

TEST_F(AuditLogTest, AnIntentIsDurableAndPendingUntilItsCommitIsStated) {
  auto log = make_log({});
  ASSERT_TRUE(log->record({entry_for("s", "p0")}));
  auto last_seq = log->record_intent({entry_for("s", "p1"), entry_for("s", "p2")});
  ASSERT_TRUE(last_seq) << last_seq.error().message;
  EXPECT_EQ(*last_seq, 3);
  // Durable before record_intent() returned: another connection sees both entries, flagged.
  EXPECT_THAT(stored_patients(), ElementsAre("p0", "p1", "p2"));
  EXPECT_TRUE(stored_entry(2).awaits_commit);
  EXPECT_TRUE(stored_entry(3).awaits_commit);
  EXPECT_FALSE(stored_entry(1).awaits_commit);
  auto pending = audit_->pending_intents();
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->at(0).first_seq, 2);
  EXPECT_EQ(pending->at(0).last_seq, 3);

  log->resolve_committed(3);
  // Stated once only: a second outcome of the same intent appends nothing.
  log->resolve_committed(3);
  ASSERT_TRUE(log->record({entry_for("s", "p9")}));
  const Entry outcome = stored_entry(4);
  EXPECT_EQ(outcome.action, kActionCommit);
  EXPECT_EQ(outcome.outcome, Outcome::kSuccess);
  EXPECT_EQ(outcome.actor.kind, ActorKind::kService);
  EXPECT_THAT(outcome.targets,
              ElementsAre(Target{"AuditEntry", "2", 0, ""}, Target{"AuditEntry", "3", 0, ""}));
  EXPECT_EQ(stored_entry(5).targets.at(0).id, "p9");
  EXPECT_TRUE(audit_->pending_intents()->empty());
  expect_contiguous_chain(5);
  EXPECT_EQ(log->verify({})->failure, std::nullopt);
}

TEST_F(AuditLogTest, ResolvePendingStatesWhatTheDataFileShows) {
  // Two intents a crash left pending: the first one's change committed, the second's did not.
  {
    auto crashed = make_log({});
    auto committed = crashed->record_intent({entry_for("s", "p1")});
    ASSERT_TRUE(committed);
    ASSERT_TRUE(data_->begin());
    ASSERT_TRUE(data_->mark_intent_committed(*committed));
    ASSERT_TRUE(data_->commit());
    auto lost = crashed->record_intent({entry_for("s", "p2")});
    ASSERT_TRUE(lost);
    ASSERT_TRUE(data_->begin());
    ASSERT_TRUE(data_->mark_intent_committed(*lost));
    data_->rollback();
  }
  ASSERT_EQ(audit_->pending_intents()->size(), 2u);
  auto reopened = make_log({});
  ASSERT_TRUE(reopened->resolve_pending(*data_));
  EXPECT_TRUE(audit_->pending_intents()->empty());
  const Entry first = stored_entry(3);
  EXPECT_EQ(first.action, kActionCommit);
  EXPECT_EQ(first.outcome, Outcome::kSuccess);
  EXPECT_THAT(first.targets, ElementsAre(Target{"AuditEntry", "1", 0, ""}));
  const Entry second = stored_entry(4);
  EXPECT_EQ(second.outcome, Outcome::kFailed);
  EXPECT_EQ(second.reason, "rolled-back");
  EXPECT_THAT(second.targets, ElementsAre(Target{"AuditEntry", "2", 0, ""}));
  // Nothing left to settle: a second run appends nothing.
  ASSERT_TRUE(reopened->resolve_pending(*data_));
  expect_contiguous_chain(4);
}

TEST_F(AuditLogTest, TwoLogsOnOneFileKeepOneChain) {
  // Two processes each hold a log of their own: the head is read inside each transaction.
  auto log_a = make_log({});
  auto log_b = make_log({});
  for (int round = 0; round < 5; ++round) {
    ASSERT_TRUE(log_a->record({entry_for("a", "p")}));
    ASSERT_TRUE(log_b->record({entry_for("b", "p"), entry_for("b", "q")}));
  }
  expect_contiguous_chain(15);
  EXPECT_EQ(log_b->verify({})->failure, std::nullopt);
}

TEST_F(AuditLogTest, CheckpointEveryNEntriesIsStoredAndAppendedToTheFile) {
  auto log =
      make_log({.every_entries = 3, .every_seconds = 300, .external_file = checkpoint_file_});
  std::vector<std::optional<Checkpoint>> made;
  for (int index = 0; index < 7; ++index) {
    made.push_back(append(*log, {entry_for("s", "p" + std::to_string(index))}));
  }
  for (int index = 0; index < 7; ++index) {
    EXPECT_EQ(made[index].has_value(), index == 2 || index == 5) << "entry " << index + 1;
  }
  // A batch that crosses a multiple is covered by one checkpoint at its last entry.
  const std::optional<Checkpoint> batch =
      append(*log, {entry_for("s", "b1"), entry_for("s", "b2"), entry_for("s", "b3")});
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->seq, 10);
  EXPECT_THAT(checkpoint_seqs(), ElementsAre(3, 6, 10));

  auto external = read_checkpoint_file(checkpoint_file_);
  ASSERT_TRUE(external) << external.error().message;
  ASSERT_EQ(external->size(), 3u);
  EXPECT_EQ(external->at(0), made[2].value());
  EXPECT_EQ(external->at(1), made[5].value());
  EXPECT_EQ(external->at(2), *batch);
  for (const Checkpoint& checkpoint : *external) {
    EXPECT_EQ(checkpoint.head, head_at(checkpoint.seq)) << "checkpoint " << checkpoint.seq;
    EXPECT_TRUE(checkpoint_valid(checkpoint, keys_.public_key));
    EXPECT_EQ(checkpoint.time_ms, clock_.now_ms());
  }
  auto report = log->verify(*external);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->failure, std::nullopt);
}

TEST_F(AuditLogTest, CheckpointWithoutExternalFileIsOnlyStored) {
  auto log = make_log({.every_entries = 2, .every_seconds = 300});
  append(*log, {entry_for("s", "p1"), entry_for("s", "p2")});
  EXPECT_THAT(checkpoint_seqs(), ElementsAre(2));
  EXPECT_FALSE(std::filesystem::exists(checkpoint_file_));
}

TEST_F(AuditLogTest, TimeCheckpointCountsFromTheFirstAppendOfTheProcess) {
  const CheckpointPolicy policy{.every_entries = 1'000'000, .every_seconds = 60};
  auto log = make_log(policy);
  // The first append sets the reference: opening a vault is no reason to sign.
  EXPECT_FALSE(append(*log, {entry_for("s", "p1")}).has_value());
  clock_.advance_ms(59'999);
  EXPECT_FALSE(append(*log, {entry_for("s", "p2")}).has_value());
  clock_.advance_ms(1);
  const std::optional<Checkpoint> due = append(*log, {entry_for("s", "p3")});
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(due->seq, 3);
  EXPECT_EQ(due->time_ms, clock_.now_ms());
  // The checkpoint resets the reference.
  EXPECT_FALSE(append(*log, {entry_for("s", "p4")}).has_value());
  clock_.advance_ms(60'000);
  EXPECT_EQ(append(*log, {entry_for("s", "p5")}).value().seq, 5);
  EXPECT_THAT(checkpoint_seqs(), ElementsAre(3, 5));

  // Another process, long after: its first append signs nothing either.
  clock_.advance_ms(3'600'000);
  auto later = make_log(policy);
  EXPECT_FALSE(append(*later, {entry_for("s", "p6")}).has_value());
  clock_.advance_ms(60'000);
  EXPECT_EQ(append(*later, {entry_for("s", "p7")}).value().seq, 7);
}

TEST_F(AuditLogTest, ConcurrentRecordsFormOneChainWithoutGaps) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  auto log = make_log({});
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      for (int index = 0; index < kPerThread; ++index) {
        if (!log->record({entry_for("t" + std::to_string(thread), std::to_string(index))})) {
          ++failures[thread];
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_THAT(failures, ::testing::Each(0));
  expect_contiguous_chain(kThreads * kPerThread);

  // Each call's entry is there exactly once, and one thread's entries keep their order.
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<int> next(kThreads, 0);
  for (const StoredRow& row : rows()) {
    const Entry entry = decode(row.canonical).value();
    const int thread = std::stoi(entry.actor.session_id.substr(1));
    EXPECT_EQ(entry.targets.at(0).id, std::to_string(next[thread]++));
    EXPECT_TRUE(seen.emplace(entry.actor.session_id, entry.targets.at(0).id).second);
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread));

  // The head crossed 1000 once: one checkpoint, at the end of the batch that crossed it.
  const std::vector<int64_t> checkpoints = checkpoint_seqs();
  ASSERT_EQ(checkpoints.size(), 1u);
  EXPECT_GE(checkpoints[0], 1000);
  auto report = log->verify({});
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->failure, std::nullopt);
  EXPECT_EQ(report->verified, kThreads * kPerThread);
}

TEST_F(AuditLogTest, RecordThenCallsBackOnceItsEntriesAreStored) {
  auto log = make_log({});
  std::promise<std::vector<std::string>> seen_in_callback;
  ASSERT_TRUE(
      log->record_then({entry_for("s", "p1"), entry_for("s", "p2")}, [&](Result<void> result) {
        EXPECT_TRUE(result) << result.error().message;
        seen_in_callback.set_value(stored_patients());
      }));
  EXPECT_THAT(seen_in_callback.get_future().get(), ElementsAre("p1", "p2"));
  expect_contiguous_chain(2);
}

TEST_F(AuditLogTest, CallbacksOfOneBatchRunInOrderOnceTheWholeBatchIsStored) {
  auto log = make_log({});
  CommitterHold hold(*log, {entry_for("s", "p0")});
  ASSERT_TRUE(hold.first_stored());
  // Written by the committer thread only; read once the last callback has run.
  std::vector<int> order;
  std::vector<std::vector<std::string>> stored_at_callback;
  std::promise<void> last_called;
  constexpr int kQueued = 5;
  for (int index = 1; index <= kQueued; ++index) {
    // record_then() returns while the committer is held: the caller's thread does not wait.
    ASSERT_TRUE(log->record_then({entry_for("s", "p" + std::to_string(index))},
                                 [&, index](Result<void> result) {
                                   EXPECT_TRUE(result) << result.error().message;
                                   order.push_back(index);
                                   stored_at_callback.push_back(stored_patients());
                                   if (index == kQueued) {
                                     last_called.set_value();
                                   }
                                 }));
  }
  hold.release();
  last_called.get_future().wait();
  EXPECT_THAT(order, ElementsAre(1, 2, 3, 4, 5));
  // Every callback of the batch ran after the whole batch was stored.
  ASSERT_EQ(stored_at_callback.size(), static_cast<size_t>(kQueued));
  for (const std::vector<std::string>& stored : stored_at_callback) {
    EXPECT_THAT(stored, ElementsAre("p0", "p1", "p2", "p3", "p4", "p5"));
  }
  expect_contiguous_chain(kQueued + 1);
}

TEST_F(AuditLogTest, DestructionFlushesTheQueuedEntriesAndRunsTheirCallbacks) {
  auto log = make_log({});
  std::vector<bool> outcomes;  // written by the committer thread, read once it is joined
  {
    CommitterHold hold(*log, {entry_for("s", "p0")});
    for (int index = 1; index <= 3; ++index) {
      ASSERT_TRUE(
          log->record_then({entry_for("s", "p" + std::to_string(index))},
                           [&](Result<void> result) { outcomes.push_back(result.has_value()); }));
    }
    hold.release();
    log.reset();
  }
  EXPECT_THAT(outcomes, ElementsAre(true, true, true));
  EXPECT_THAT(stored_patients(), ElementsAre("p0", "p1", "p2", "p3"));
  expect_contiguous_chain(4);
}

TEST_F(AuditLogTest, AFailedBatchReachesEveryCallbackAsAnError) {
  auto log = make_log({});
  CommitterHold hold(*log, {entry_for("s", "p0")});
  ASSERT_TRUE(hold.first_stored());
  // The log refuses every append from now on, as a full disk would.
  execute(audit_file_,
          "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
          "BEGIN SELECT RAISE(ABORT, 'refused'); END;");
  std::vector<bool> outcomes;  // written by the committer thread, read after the last callback
  std::promise<void> last_called;
  constexpr int kQueued = 3;
  for (int index = 1; index <= kQueued; ++index) {
    ASSERT_TRUE(log->record_then({entry_for("s", "p" + std::to_string(index))},
                                 [&, index](Result<void> result) {
                                   outcomes.push_back(result.has_value());
                                   if (index == kQueued) {
                                     last_called.set_value();
                                   }
                                 }));
  }
  hold.release();
  last_called.get_future().wait();
  EXPECT_THAT(outcomes, ElementsAre(false, false, false));
  // The synchronous form reports the failure too.
  EXPECT_FALSE(log->record({entry_for("s", "p4")}));
  EXPECT_THAT(stored_patients(), ElementsAre("p0"));

  execute(audit_file_, "DROP TRIGGER refuse_audit;");
  ASSERT_TRUE(log->record({entry_for("s", "p5")}));
  EXPECT_THAT(stored_patients(), ElementsAre("p0", "p5"));
  expect_contiguous_chain(2);
}

TEST_F(AuditLogTest, AFullQueueRefusesMoreEntriesUntilTheCommitterTakesThem) {
  auto log = make_log({}, true, 3);
  CommitterHold hold(*log, {entry_for("s", "p0")});
  ASSERT_TRUE(hold.first_stored());
  std::vector<int> called;  // written by the committer thread, read after the last callback
  std::promise<void> last_called;
  auto remember = [&](int index) {
    return [&, index](Result<void> result) {
      EXPECT_TRUE(result) << result.error().message;
      called.push_back(index);
      if (index == 2) {
        last_called.set_value();
      }
    };
  };
  // Two calls fill the open batch to its bound of 3 entries.
  ASSERT_TRUE(log->record_then({entry_for("s", "p1"), entry_for("s", "p2")}, remember(1)));
  ASSERT_TRUE(log->record_then({entry_for("s", "p3")}, remember(2)));
  // One more entry is refused at once, its callback never run; so is a synchronous record().
  bool refused_callback_ran = false;
  auto refused = log->record_then({entry_for("s", "refused")},
                                  [&](Result<void>) { refused_callback_ran = true; });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(refused.error().message, HasSubstr("limit 3"));
  EXPECT_THAT(refused.error().french, HasSubstr("réessayez"));
  auto refused_record = log->record({entry_for("s", "refused")});
  ASSERT_FALSE(refused_record);
  EXPECT_EQ(refused_record.error().code, ErrorCode::kUnavailable);

  hold.release();
  last_called.get_future().wait();
  EXPECT_THAT(called, ElementsAre(1, 2));
  // Once the committer has taken the batch, the queue has room again.
  ASSERT_TRUE(log->record({entry_for("s", "p4")}));
  log.reset();
  EXPECT_FALSE(refused_callback_ran);
  EXPECT_THAT(stored_patients(), ElementsAre("p0", "p1", "p2", "p3", "p4"));
  expect_contiguous_chain(5);
}

TEST_F(AuditLogTest, ACallLargerThanTheBoundIsQueuedIntoAnEmptyBatch) {
  auto log = make_log({}, true, 2);
  // One search page can name more targets than the bound: refusing it would refuse it forever.
  ASSERT_TRUE(log->record({entry_for("s", "p1"), entry_for("s", "p2"), entry_for("s", "p3")}));
  EXPECT_THAT(stored_patients(), ElementsAre("p1", "p2", "p3"));
}

TEST_F(AuditLogTest, CheckpointNowSignsAtTheHeadOnce) {
  auto log =
      make_log({.every_entries = 1000, .every_seconds = 300, .external_file = checkpoint_file_});
  // Nothing to sign in an empty log.
  ASSERT_TRUE(log->checkpoint_now());
  EXPECT_TRUE(checkpoint_seqs().empty());
  ASSERT_TRUE(log->record({entry_for("s", "p1"), entry_for("s", "p2"), entry_for("s", "p3")}));
  EXPECT_TRUE(checkpoint_seqs().empty());

  ASSERT_TRUE(log->checkpoint_now());
  EXPECT_THAT(checkpoint_seqs(), ElementsAre(3));
  auto external = read_checkpoint_file(checkpoint_file_);
  ASSERT_TRUE(external) << external.error().message;
  ASSERT_EQ(external->size(), 1u);
  EXPECT_EQ(external->at(0).seq, 3);
  EXPECT_EQ(external->at(0).head, head_at(3));
  EXPECT_TRUE(checkpoint_valid(external->at(0), keys_.public_key));

  ASSERT_TRUE(log->checkpoint_now());
  EXPECT_THAT(checkpoint_seqs(), ElementsAre(3));
  EXPECT_EQ(read_checkpoint_file(checkpoint_file_).value().size(), 1u);

  ASSERT_TRUE(log->record({entry_for("s", "p4")}));
  ASSERT_TRUE(log->checkpoint_now());
  EXPECT_THAT(checkpoint_seqs(), ElementsAre(3, 4));
  EXPECT_EQ(read_checkpoint_file(checkpoint_file_).value().size(), 2u);
}

TEST_F(AuditLogTest, VerifyReportsAModifiedEntry) {
  auto log = make_log({});
  for (int index = 0; index < 5; ++index) {
    ASSERT_TRUE(log->record({entry_for("s", "p" + std::to_string(index))}));
  }
  auto clean = log->verify({});
  ASSERT_TRUE(clean);
  EXPECT_EQ(clean->failure, std::nullopt);
  EXPECT_EQ(clean->verified, 5);

  // The patient id "p2" of entry 3 becomes "p7": still a well-formed entry, but another one.
  std::vector<uint8_t> canonical = rows().at(2).canonical;
  const std::string text(canonical.begin(), canonical.end());
  const size_t at = text.find("p2");
  ASSERT_NE(at, std::string::npos);
  canonical[at + 1] = '7';
  ASSERT_TRUE(decode(canonical));
  overwrite_canonical(audit_file_, 3, canonical);
  ASSERT_EQ(rows().at(2).canonical, canonical);

  auto report = log->verify({});
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_TRUE(report->failure.has_value());
  EXPECT_EQ(report->failure->seq, 3);
  EXPECT_THAT(report->failure->reason, HasSubstr("modified"));
  EXPECT_EQ(report->verified, 2);
}

TEST_F(AuditLogTest, VerifyCoversTheEntriesQueuedBeforeIt) {
  auto log = make_log({});
  auto last_seq = log->record_intent({entry_for("s", "p0")});
  ASSERT_TRUE(last_seq) << last_seq.error().message;
  CommitterHold hold(*log, {entry_for("s", "p1")});
  ASSERT_TRUE(hold.first_stored());
  // Queued while the committer is held: a change's outcome, as a write states it once its data
  // committed, and an asynchronous read's entry. Both calls return before they are stored.
  log->resolve_committed(*last_seq);
  ASSERT_TRUE(log->record_then({entry_for("s", "p2")}, [](Result<void>) {}));
  hold.release();
  // Verified at once: the report counts them, since they were recorded before it was asked for.
  auto report = log->verify({});
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->failure, std::nullopt);
  EXPECT_EQ(report->verified, 4);
  expect_contiguous_chain(4);
}

TEST_F(AuditLogTest, WithoutSigningKeyNothingIsSigned) {
  auto log = make_log({.every_entries = 1, .every_seconds = 1, .external_file = checkpoint_file_},
                      /*with_key=*/false);
  EXPECT_FALSE(append(*log, {entry_for("s", "p1")}).has_value());
  clock_.advance_ms(10'000);
  ASSERT_TRUE(log->record({entry_for("s", "p2"), entry_for("s", "p3")}));
  expect_contiguous_chain(3);
  EXPECT_TRUE(checkpoint_seqs().empty());
  auto signed_now = log->checkpoint_now();
  ASSERT_FALSE(signed_now);
  EXPECT_EQ(signed_now.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(checkpoint_seqs().empty());
  EXPECT_FALSE(std::filesystem::exists(checkpoint_file_));

  // The next log holding the key signs over the entries appended without it.
  auto keyed = make_log({});
  ASSERT_TRUE(keyed->checkpoint_now());
  EXPECT_THAT(checkpoint_seqs(), ElementsAre(3));
  EXPECT_EQ(keyed->verify({})->failure, std::nullopt);
}

TEST_F(AuditLogTest, EntriesReturnsOnlyMatchingEntriesInSeqOrder) {
  auto log = make_log({});
  Entry by_other = entry_for("s2", "p1", kActionSearch, 2'000);
  by_other.actor.os_user = "other";
  by_other.actor.address = "192.0.2.7";
  ASSERT_TRUE(log->record({entry_for("s1", "p1", kActionRead, 1'000), by_other,
                           entry_for("s1", "p2", kActionRead, 3'000),
                           entry_for("s1", "p1", kActionUpdate, 4'000)}));
  auto seqs_of = [&](const LogFilter& filter) {
    std::vector<int64_t> seqs;
    auto found = log->entries(filter);
    EXPECT_TRUE(found) << found.error().message;
    for (const Entry& entry : found.value_or(std::vector<Entry>{})) {
      seqs.push_back(entry.seq);
    }
    return seqs;
  };
  EXPECT_THAT(seqs_of({}), ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(seqs_of({.patient_id = "p1"}), ElementsAre(1, 2, 4));
  EXPECT_THAT(seqs_of({.action = "read"}), ElementsAre(1, 3));
  EXPECT_THAT(seqs_of({.actor_login = "other"}), ElementsAre(2));
  EXPECT_THAT(seqs_of({.session_id = "s1"}), ElementsAre(1, 3, 4));
  EXPECT_THAT(seqs_of({.address = "192.0.2.7"}), ElementsAre(2));
  EXPECT_THAT(seqs_of({.since_ms = 2'000, .until_ms = 4'000}), ElementsAre(2, 3));
  EXPECT_THAT(seqs_of({.patient_id = "p1", .action = "update"}), ElementsAre(4));
  EXPECT_TRUE(seqs_of({.patient_id = "p9"}).empty());

  auto found = log->entries({.patient_id = "p2"});
  ASSERT_TRUE(found);
  Entry expected = entry_for("s1", "p2", kActionRead, 3'000);
  expected.seq = 3;
  EXPECT_THAT(*found, ElementsAre(expected));
}

class CheckpointPolicyTest : public AuditLogTest {
 protected:
  Result<void> store(const CheckpointPolicy& policy) {
    EXPECT_TRUE(data_->begin());
    auto stored = store_policy(*data_, policy);
    if (stored) {
      EXPECT_TRUE(data_->commit());
    } else {
      data_->rollback();
    }
    return stored;
  }
};

TEST_F(CheckpointPolicyTest, DefaultsWhenNoneIsStored) {
  auto loaded = load_policy(*data_);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(*loaded, CheckpointPolicy{});
  EXPECT_EQ(loaded->every_entries, 1000);
  EXPECT_EQ(loaded->every_seconds, 300);
  EXPECT_EQ(loaded->external_file, std::nullopt);
}

TEST_F(CheckpointPolicyTest, RoundTrips) {
  const CheckpointPolicy with_file{
      .every_entries = 10, .every_seconds = 20, .external_file = checkpoint_file_};
  ASSERT_TRUE(store(with_file));
  EXPECT_EQ(load_policy(*data_).value(), with_file);
  // Read back by another connection, as the next process would.
  auto other = store::sqlite::open_data_store(data_file_, store::OpenMode::kOpenExisting);
  ASSERT_TRUE(other);
  EXPECT_EQ(load_policy(**other).value(), with_file);

  const CheckpointPolicy without_file{.every_entries = 1, .every_seconds = 1};
  ASSERT_TRUE(store(without_file));
  EXPECT_EQ(load_policy(*data_).value(), without_file);
}

TEST_F(CheckpointPolicyTest, RefusesRelativeFileAndPeriodsBelowOne) {
  const CheckpointPolicy stored{.every_entries = 7, .every_seconds = 8};
  ASSERT_TRUE(store(stored));
  const CheckpointPolicy refused[] = {
      {.every_entries = 10, .every_seconds = 20, .external_file = "checkpoints"},
      {.every_entries = 10, .every_seconds = 20, .external_file = "./dir/checkpoints"},
      {.every_entries = 0, .every_seconds = 20},
      {.every_entries = -1, .every_seconds = 20},
      {.every_entries = 10, .every_seconds = 0},
  };
  for (const CheckpointPolicy& policy : refused) {
    auto result = store(policy);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kUsage);
  }
  EXPECT_EQ(load_policy(*data_).value(), stored);
}

TEST_F(CheckpointPolicyTest, MalformedStoredValueIsIntegrityFailure) {
  for (const char* value : {"abc", "", "0", "-5", "12x", " 12", "99999999999999999999"}) {
    for (const char* key : {"audit.checkpoint_every_entries", "audit.checkpoint_every_seconds"}) {
      ASSERT_TRUE(data_->begin());
      ASSERT_TRUE(data_->set_meta(key, value));
      ASSERT_TRUE(data_->commit());
      auto loaded = load_policy(*data_);
      ASSERT_FALSE(loaded) << key << "=" << value;
      EXPECT_EQ(loaded.error().code, ErrorCode::kIntegrity);
      ASSERT_TRUE(data_->begin());
      ASSERT_TRUE(data_->set_meta(key, "5"));
      ASSERT_TRUE(data_->commit());
    }
  }
  EXPECT_EQ(load_policy(*data_).value(),
            (CheckpointPolicy{.every_entries = 5, .every_seconds = 5}));
}

}  // namespace
}  // namespace vigie::audit
