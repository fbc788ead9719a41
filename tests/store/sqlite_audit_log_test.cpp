#include <array>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "store/store_test_support.hpp"

namespace vigie::store {
namespace {

using test_support::exec_raw;
using test_support::query_int;
using test_support::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// A row whose every field depends on `seq`; canonical holds a zero byte and has a length that
// varies with seq (empty for multiples of 7).
AuditRow audit_row(int64_t seq) {
  AuditRow row;
  row.seq = seq;
  row.time_ms = 1'700'000'000'000 + seq;
  for (int64_t index = 0; index < seq % 7 * 5; ++index) {
    row.canonical.push_back(static_cast<uint8_t>(seq + index));
  }
  if (!row.canonical.empty()) {
    row.canonical[0] = 0x00;
  }
  for (size_t index = 0; index < row.hash.size(); ++index) {
    row.hash[index] = static_cast<uint8_t>(seq * 31 + static_cast<int64_t>(index));
  }
  return row;
}

std::vector<AuditRow> audit_rows(int64_t first, int64_t last) {
  std::vector<AuditRow> rows;
  for (int64_t seq = first; seq <= last; ++seq) {
    rows.push_back(audit_row(seq));
  }
  return rows;
}

CheckpointRow checkpoint(int64_t seq) {
  CheckpointRow row;
  row.seq = seq;
  row.time_ms = 1'700'000'000'000 + seq;
  row.head.fill(static_cast<uint8_t>(seq));
  row.signature.fill(static_cast<uint8_t>(seq + 1));
  row.signature[63] = 0x00;
  return row;
}

void expect_same_row(const AuditRow& actual, const AuditRow& expected) {
  EXPECT_EQ(actual.seq, expected.seq);
  EXPECT_EQ(actual.time_ms, expected.time_ms);
  EXPECT_EQ(actual.canonical, expected.canonical);
  EXPECT_EQ(actual.hash, expected.hash);
}

void expect_same_rows(const std::vector<AuditRow>& actual, const std::vector<AuditRow>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t index = 0; index < actual.size(); ++index) {
    expect_same_row(actual[index], expected[index]);
  }
}

void expect_same_checkpoint(const CheckpointRow& actual, const CheckpointRow& expected) {
  EXPECT_EQ(actual.seq, expected.seq);
  EXPECT_EQ(actual.head, expected.head);
  EXPECT_EQ(actual.time_ms, expected.time_ms);
  EXPECT_EQ(actual.signature, expected.signature);
}

class SqliteAuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = sqlite::open_audit_store(path(), OpenMode::kCreate);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  [[nodiscard]] std::filesystem::path path() const { return dir_.path() / "audit.db"; }

  // Appends `rows` in their own transaction.
  void append(const std::vector<AuditRow>& rows) {
    ASSERT_TRUE(store_->begin());
    auto appended = store_->append_audit(rows);
    ASSERT_TRUE(appended) << appended.error().message;
    auto committed = store_->commit();
    ASSERT_TRUE(committed) << committed.error().message;
  }

  void append_checkpoint(const CheckpointRow& row) {
    ASSERT_TRUE(store_->begin());
    auto appended = store_->append_checkpoint(row);
    ASSERT_TRUE(appended) << appended.error().message;
    ASSERT_TRUE(store_->commit());
  }

  // Every row after `after_seq`, as scan_audit passes them.
  [[nodiscard]] std::vector<AuditRow> scan(int64_t after_seq) {
    std::vector<AuditRow> rows;
    bool hash_sizes_ok = true;
    auto scanned = store_->scan_audit(
        after_seq, [&](int64_t seq, int64_t time_ms, std::span<const uint8_t> canonical,
                       std::span<const uint8_t> hash) {
          AuditRow row{.seq = seq,
                       .time_ms = time_ms,
                       .canonical = {canonical.begin(), canonical.end()},
                       .hash = {}};
          hash_sizes_ok = hash_sizes_ok && hash.size() == row.hash.size();
          std::copy_n(hash.begin(), std::min(hash.size(), row.hash.size()), row.hash.begin());
          rows.push_back(std::move(row));
          return true;
        });
    EXPECT_TRUE(scanned) << scanned.error().message;
    EXPECT_TRUE(hash_sizes_ok);
    return rows;
  }

  [[nodiscard]] int64_t count() {
    auto counted = store_->audit_count();
    EXPECT_TRUE(counted) << counted.error().message;
    return counted ? *counted : -1;
  }

  [[nodiscard]] std::vector<CheckpointRow> checkpoints() {
    auto rows = store_->checkpoints();
    EXPECT_TRUE(rows) << rows.error().message;
    return rows ? *rows : std::vector<CheckpointRow>{};
  }

  TempDir dir_;  // declared first: removed after the store is closed
  std::unique_ptr<AuditStore> store_;
};

TEST_F(SqliteAuditLogTest, AnEmptyLogHasNoRowsAndNoCheckpoints) {
  auto last = store_->last_audit_row();
  ASSERT_TRUE(last) << last.error().message;
  EXPECT_FALSE(last->has_value());
  EXPECT_EQ(count(), 0);
  EXPECT_THAT(scan(0), IsEmpty());
  EXPECT_THAT(checkpoints(), IsEmpty());
}

TEST_F(SqliteAuditLogTest, AppendedRowsReadBackFieldByField) {
  // Seq 7 has an empty canonical form; the others hold a zero byte.
  const std::vector<AuditRow> rows = audit_rows(5, 8);
  ASSERT_TRUE(rows[2].canonical.empty());
  append(rows);

  const AuditRow last = test_support::found(store_->last_audit_row());
  expect_same_row(last, rows.back());
  expect_same_rows(scan(0), rows);
  EXPECT_EQ(count(), 4);
}

TEST_F(SqliteAuditLogTest, TheLogPersistsAcrossReopen) {
  append(audit_rows(1, 3));
  append_checkpoint(checkpoint(3));
  store_.reset();

  auto reopened = sqlite::open_audit_store(path(), OpenMode::kOpenExisting);
  ASSERT_TRUE(reopened) << reopened.error().message;
  store_ = std::move(*reopened);
  expect_same_rows(scan(0), audit_rows(1, 3));
  const auto stored = checkpoints();
  ASSERT_EQ(stored.size(), 1U);
  expect_same_checkpoint(stored[0], checkpoint(3));
}

TEST_F(SqliteAuditLogTest, ADuplicateSeqIsAConflictAndNoRowOfTheBatchIsStored) {
  append({audit_row(1), audit_row(2), audit_row(5)});

  ASSERT_TRUE(store_->begin());
  auto appended = store_->append_audit(audit_rows(3, 6));
  ASSERT_FALSE(appended);
  EXPECT_EQ(appended.error().code, ErrorCode::kConflict);
  EXPECT_EQ(appended.error().message, "append_audit: the row exists already");
  // Rows 3 and 4 came before the conflict in the batch: they were not kept either.
  EXPECT_EQ(count(), 3);
  // The transaction stays usable.
  ASSERT_TRUE(store_->append_audit(audit_rows(3, 4)));
  ASSERT_TRUE(store_->commit());

  expect_same_rows(scan(0), audit_rows(1, 5));
}

TEST_F(SqliteAuditLogTest, RowsOutOfOrderAreRefusedAndNothingIsStored) {
  ASSERT_TRUE(store_->begin());
  auto descending = store_->append_audit(std::vector<AuditRow>{audit_row(2), audit_row(1)});
  ASSERT_FALSE(descending);
  EXPECT_EQ(descending.error().code, ErrorCode::kInternal);
  auto repeated = store_->append_audit(std::vector<AuditRow>{audit_row(1), audit_row(1)});
  ASSERT_FALSE(repeated);
  EXPECT_EQ(repeated.error().code, ErrorCode::kInternal);
  ASSERT_TRUE(store_->commit());

  EXPECT_EQ(count(), 0);
}

TEST_F(SqliteAuditLogTest, AppendsOutsideATransactionFailAndStoreNothing) {
  auto appended = store_->append_audit(audit_rows(1, 2));
  ASSERT_FALSE(appended);
  EXPECT_EQ(appended.error().code, ErrorCode::kInternal);
  EXPECT_EQ(appended.error().message, "append_audit needs an open write transaction");
  auto checkpointed = store_->append_checkpoint(checkpoint(1));
  ASSERT_FALSE(checkpointed);
  EXPECT_EQ(checkpointed.error().code, ErrorCode::kInternal);

  EXPECT_EQ(count(), 0);
  EXPECT_THAT(checkpoints(), IsEmpty());
}

TEST_F(SqliteAuditLogTest, RollbackLeavesNoRows) {
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->append_audit(audit_rows(1, 3)));
  ASSERT_TRUE(store_->append_checkpoint(checkpoint(3)));
  store_->rollback();

  auto last = store_->last_audit_row();
  ASSERT_TRUE(last);
  EXPECT_FALSE(last->has_value());
  EXPECT_EQ(count(), 0);
  EXPECT_THAT(checkpoints(), IsEmpty());
  EXPECT_EQ(query_int(path(), "SELECT count(*) FROM audit_log"), 0);
  EXPECT_EQ(query_int(path(), "SELECT count(*) FROM audit_checkpoints"), 0);
}

TEST_F(SqliteAuditLogTest, ScanVisitsRowsAfterSeqInAscendingSeqOrder) {
  // Committed out of seq order: the scan must follow seq, not insertion.
  append(audit_rows(6, 10));
  append(audit_rows(1, 5));

  expect_same_rows(scan(0), audit_rows(1, 10));
  expect_same_rows(scan(-100), audit_rows(1, 10));
  expect_same_rows(scan(4), audit_rows(5, 10));
  expect_same_rows(scan(9), audit_rows(10, 10));
  EXPECT_THAT(scan(10), IsEmpty());
}

TEST_F(SqliteAuditLogTest, ScanStopsWhenVisitReturnsFalse) {
  append(audit_rows(1, 10));

  std::vector<int64_t> visited;
  auto scanned = store_->scan_audit(
      2, [&](int64_t seq, int64_t, std::span<const uint8_t>, std::span<const uint8_t>) {
        visited.push_back(seq);
        return seq < 5;
      });
  ASSERT_TRUE(scanned) << scanned.error().message;
  EXPECT_THAT(visited, ElementsAre(3, 4, 5));

  // The stopped scan holds no read transaction open: a write commits, and a new scan sees it.
  append(audit_rows(11, 11));
  EXPECT_EQ(scan(0).size(), 11U);
}

TEST_F(SqliteAuditLogTest, AScanOfAHundredThousandRowsStreamsThemInOrder) {
  constexpr int64_t kRows = 100'000;
  constexpr int64_t kBatch = 1'000;
  ASSERT_TRUE(store_->begin());
  for (int64_t first = 1; first <= kRows; first += kBatch) {
    auto appended = store_->append_audit(audit_rows(first, first + kBatch - 1));
    ASSERT_TRUE(appended) << appended.error().message;
  }
  ASSERT_TRUE(store_->commit());

  int64_t visited = 0;
  int64_t previous = 0;
  int64_t out_of_order = 0;
  int64_t wrong_content = 0;
  auto scanned =
      store_->scan_audit(0, [&](int64_t seq, int64_t time_ms, std::span<const uint8_t> canonical,
                                std::span<const uint8_t> hash) {
        ++visited;
        if (seq != previous + 1) {
          ++out_of_order;
        }
        previous = seq;
        const AuditRow expected = audit_row(seq);
        if (time_ms != expected.time_ms || canonical.size() != expected.canonical.size() ||
            hash.size() != expected.hash.size() || hash[0] != expected.hash[0]) {
          ++wrong_content;
        }
        return true;
      });
  ASSERT_TRUE(scanned) << scanned.error().message;
  EXPECT_EQ(visited, kRows);
  EXPECT_EQ(previous, kRows);
  EXPECT_EQ(out_of_order, 0);
  EXPECT_EQ(wrong_content, 0);
  EXPECT_EQ(count(), kRows);
  expect_same_row(test_support::found(store_->last_audit_row()), audit_row(kRows));
}

TEST_F(SqliteAuditLogTest, CheckpointsRoundTripInAscendingSeqOrder) {
  append_checkpoint(checkpoint(20));
  append_checkpoint(checkpoint(10));
  append_checkpoint(checkpoint(30));

  const auto stored = checkpoints();
  ASSERT_EQ(stored.size(), 3U);
  expect_same_checkpoint(stored[0], checkpoint(10));
  expect_same_checkpoint(stored[1], checkpoint(20));
  expect_same_checkpoint(stored[2], checkpoint(30));
}

TEST_F(SqliteAuditLogTest, ADuplicateCheckpointIsAConflictAndTheTransactionStaysUsable) {
  append_checkpoint(checkpoint(10));

  ASSERT_TRUE(store_->begin());
  CheckpointRow again = checkpoint(10);
  again.head.fill(0xee);
  auto appended = store_->append_checkpoint(again);
  ASSERT_FALSE(appended);
  EXPECT_EQ(appended.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(store_->append_checkpoint(checkpoint(20)));
  ASSERT_TRUE(store_->commit());

  const auto stored = checkpoints();
  ASSERT_EQ(stored.size(), 2U);
  expect_same_checkpoint(stored[0], checkpoint(10));
  expect_same_checkpoint(stored[1], checkpoint(20));
}

TEST_F(SqliteAuditLogTest, UpdatesDeletesAndOverwritesThroughRawSqlAreRefused) {
  append(audit_rows(1, 3));
  append_checkpoint(checkpoint(3));

  for (const char* sql : {
           "UPDATE audit_log SET hash = zeroblob(32) WHERE seq = 2",
           "UPDATE audit_log SET seq = 9 WHERE seq = 3",
           "DELETE FROM audit_log WHERE seq = 2",
           "DELETE FROM audit_log",
           "INSERT OR REPLACE INTO audit_log (seq, time_ms, canonical, hash)"
           " VALUES (2, 0, x'', zeroblob(32))",
           "INSERT INTO audit_log (seq, time_ms, canonical, hash) VALUES (2, 0, x'', zeroblob(32))"
           " ON CONFLICT (seq) DO UPDATE SET hash = excluded.hash",
       }) {
    EXPECT_THAT(exec_raw(path(), sql), HasSubstr("audit_log is append-only")) << sql;
  }
  for (const char* sql : {
           "UPDATE audit_checkpoints SET head = zeroblob(32)",
           "DELETE FROM audit_checkpoints",
           "REPLACE INTO audit_checkpoints (seq, head, time_ms, signature)"
           " VALUES (3, zeroblob(32), 0, zeroblob(64))",
       }) {
    EXPECT_THAT(exec_raw(path(), sql), HasSubstr("audit_checkpoints is append-only")) << sql;
  }

  expect_same_rows(scan(0), audit_rows(1, 3));
  const auto stored = checkpoints();
  ASSERT_EQ(stored.size(), 1U);
  expect_same_checkpoint(stored[0], checkpoint(3));
  // Appending a new row through raw SQL stays possible (the triggers guard existing rows only).
  EXPECT_EQ(exec_raw(path(),
                     "INSERT INTO audit_log (seq, time_ms, canonical, hash)"
                     " VALUES (4, 0, x'', zeroblob(32))"),
            "");
}

TEST_F(SqliteAuditLogTest, PendingIntentsAreAddedAndRemovedInTransactions) {
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->add_pending_intent(5, 6));
  ASSERT_TRUE(store_->add_pending_intent(2, 2));
  auto duplicate = store_->add_pending_intent(6, 6);
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(store_->commit());
  auto pending = store_->pending_intents();
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 2U);
  EXPECT_EQ(pending->at(0).first_seq, 2);
  EXPECT_EQ(pending->at(0).last_seq, 2);
  EXPECT_EQ(pending->at(1).first_seq, 5);
  EXPECT_EQ(pending->at(1).last_seq, 6);

  // Outside a transaction, nothing changes.
  EXPECT_FALSE(store_->add_pending_intent(8, 8));
  EXPECT_FALSE(store_->remove_pending_intent(6));

  ASSERT_TRUE(store_->begin());
  EXPECT_EQ(store_->remove_pending_intent(6).value(), std::optional<int64_t>(5));
  EXPECT_EQ(store_->remove_pending_intent(6).value(), std::nullopt);
  store_->rollback();
  EXPECT_EQ(store_->pending_intents()->size(), 2U);
  ASSERT_TRUE(store_->begin());
  EXPECT_EQ(store_->remove_pending_intent(6).value(), std::optional<int64_t>(5));
  ASSERT_TRUE(store_->commit());
  ASSERT_EQ(store_->pending_intents()->size(), 1U);
}

TEST_F(SqliteAuditLogTest, AMalformedStoredHashOrSignatureIsAnIntegrityFailure) {
  ASSERT_EQ(exec_raw(path(),
                     "INSERT INTO audit_log (seq, time_ms, canonical, hash)"
                     " VALUES (1, 0, x'', x'0102');"
                     "INSERT INTO audit_checkpoints (seq, head, time_ms, signature)"
                     " VALUES (1, zeroblob(32), 0, zeroblob(63));"),
            "");

  auto last = store_->last_audit_row();
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(last.error().message, "audit file holds a malformed audit hash");
  auto stored = store_->checkpoints();
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, ErrorCode::kIntegrity);
  // The scan passes the hash as stored, for the verifier to reject.
  std::vector<size_t> hash_sizes;
  ASSERT_TRUE(store_->scan_audit(
      0, [&](int64_t, int64_t, std::span<const uint8_t>, std::span<const uint8_t> hash) {
        hash_sizes.push_back(hash.size());
        return true;
      }));
  EXPECT_THAT(hash_sizes, ElementsAre(2U));
}

// Two threads, each with its own AuditStore on the file, append one row per transaction and take
// turns. Each hands the turn over before committing, so the other's begin() usually has to wait
// for the write lock (the busy timeout), and must then see the row just committed.
TEST_F(SqliteAuditLogTest, TwoStoresAppendInAlternatingTransactionsFromTwoThreads) {
  constexpr int kThreads = 2;
  constexpr int kTransactionsPerThread = 100;
  std::mutex mutex;
  std::condition_variable turn_changed;
  int turn = 0;
  bool failed = false;
  std::array<std::string, kThreads> failures;

  const auto worker = [&](int me) {
    const auto stop = [&](const std::string& message) {
      const std::lock_guard lock(mutex);
      failures[me] = message;
      failed = true;
      turn_changed.notify_all();
    };
    auto opened = sqlite::open_audit_store(path(), OpenMode::kOpenExisting);
    if (!opened) {
      stop(opened.error().message);
      return;
    }
    AuditStore& store = **opened;
    for (int transaction = 0; transaction < kTransactionsPerThread; ++transaction) {
      {
        std::unique_lock lock(mutex);
        turn_changed.wait(lock, [&] { return turn == me || failed; });
        if (failed) {
          return;
        }
      }
      if (auto begun = store.begin(); !begun) {
        stop(begun.error().message);
        return;
      }
      auto last = store.last_audit_row();
      if (!last) {
        stop(last.error().message);
        store.rollback();
        return;
      }
      AuditRow row = audit_row(last->has_value() ? (*last)->seq + 1 : 1);
      row.canonical = {static_cast<uint8_t>(me)};
      auto step = store.append_audit(std::span<const AuditRow>(&row, 1));
      {
        const std::lock_guard lock(mutex);
        turn = (me + 1) % kThreads;
        turn_changed.notify_all();
      }
      if (step) {
        // One thread makes its commits durable, as the audit group commit will.
        step = me == 0 ? store.commit() : store.commit_durable();
      }
      if (!step) {
        stop(step.error().message);
        store.rollback();
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int me = 0; me < kThreads; ++me) {
    threads.emplace_back(worker, me);
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (const std::string& failure : failures) {
    EXPECT_EQ(failure, "");
  }

  const auto rows = scan(0);
  ASSERT_EQ(rows.size(), static_cast<size_t>(kThreads * kTransactionsPerThread));
  for (size_t index = 0; index < rows.size(); ++index) {
    EXPECT_EQ(rows[index].seq, static_cast<int64_t>(index) + 1);
    EXPECT_THAT(rows[index].canonical, ElementsAre(static_cast<uint8_t>(index % kThreads)));
  }
}

// open_audit_connection: the vault directory's audit file, made on first use.
class SqliteAuditConnectionTest : public ::testing::Test {
 protected:
  void make_vault_files() {
    ASSERT_TRUE(sqlite::open_data_store(sqlite::data_file_path(dir_.path()), OpenMode::kCreate));
    ASSERT_TRUE(
        sqlite::open_keyring_store(sqlite::keyring_file_path(dir_.path()), OpenMode::kCreate));
  }

  TempDir dir_;
};

TEST_F(SqliteAuditConnectionTest, ADirectoryWithoutAVaultIsNotFoundAndGetsNoAuditFile) {
  auto opened = sqlite::open_audit_connection(dir_.path());
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(sqlite::audit_file_path(dir_.path())));
}

TEST_F(SqliteAuditConnectionTest, AGarbageAuditFileIsAnIntegrityFailureAndStaysUnchanged) {
  make_vault_files();
  test_support::write_bytes(sqlite::audit_file_path(dir_.path()), test_support::random_bytes(4096));
  const auto before = test_support::snapshot(dir_.path());

  auto opened = sqlite::open_audit_connection(dir_.path());
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(opened.error().message, "audit file is corrupt or not a vigie audit file");
  EXPECT_EQ(test_support::snapshot(dir_.path()), before);
}

}  // namespace
}  // namespace vigie::store
