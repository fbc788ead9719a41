#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "store/store_test_support.hpp"
#include "store/transaction.hpp"

namespace vigie::store {
namespace {

using test_support::TempDir;

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = sqlite::open_data_store(dir_.path() / "data.db", OpenMode::kCreate);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  // Writes `value` under `key`, in whatever transaction is open.
  void write(const std::string& key, const std::string& value) {
    auto written = store_->set_meta(key, value);
    ASSERT_TRUE(written) << written.error().message;
  }

  [[nodiscard]] std::optional<std::string> stored(const std::string& key) {
    auto value = store_->get_meta(key);
    EXPECT_TRUE(value) << value.error().message;
    return value ? *value : std::nullopt;
  }

  TempDir dir_;
  std::unique_ptr<DataStore> store_;
};

TEST_F(TransactionTest, CommitKeepsTheWrites) {
  auto transaction = begin_transaction(*store_);
  ASSERT_TRUE(transaction) << transaction.error().message;
  write("k", "committed");
  auto committed = transaction->commit();
  ASSERT_TRUE(committed) << committed.error().message;
  EXPECT_EQ(stored("k"), "committed");
}

TEST_F(TransactionTest, CommitDurableKeepsTheWrites) {
  auto transaction = begin_transaction(*store_);
  ASSERT_TRUE(transaction) << transaction.error().message;
  write("k", "durable");
  auto committed = transaction->commit_durable();
  ASSERT_TRUE(committed) << committed.error().message;
  EXPECT_EQ(stored("k"), "durable");
}

TEST_F(TransactionTest, DestructorRollsBackWhatWasNotCommitted) {
  {
    auto transaction = begin_transaction(*store_);
    ASSERT_TRUE(transaction) << transaction.error().message;
    write("k", "never committed");
  }
  EXPECT_EQ(stored("k"), std::nullopt);
  auto next = begin_transaction(*store_);
  ASSERT_TRUE(next) << next.error().message;
  write("k", "next");
  ASSERT_TRUE(next->commit());
  EXPECT_EQ(stored("k"), "next");
}

TEST_F(TransactionTest, AnExceptionRollsBack) {
  EXPECT_THROW(
      {
        auto transaction = begin_transaction(*store_);
        ASSERT_TRUE(transaction) << transaction.error().message;
        write("k", "written before the throw");
        throw std::runtime_error("unwinding");
      },
      std::runtime_error);
  EXPECT_EQ(stored("k"), std::nullopt);
  EXPECT_TRUE(begin_transaction(*store_));
}

TEST_F(TransactionTest, BeginWhileOneIsOpenFails) {
  auto transaction = begin_transaction(*store_);
  ASSERT_TRUE(transaction) << transaction.error().message;
  auto again = begin_transaction(*store_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kInternal);
}

TEST_F(TransactionTest, AMovedFromTransactionDoesNothingWhenDestroyed) {
  std::optional<Transaction> kept;
  {
    auto transaction = begin_transaction(*store_);
    ASSERT_TRUE(transaction) << transaction.error().message;
    write("k", "kept");
    kept.emplace(std::move(*transaction));
  }
  // The moved-from transaction is gone; had it rolled back, this commit would have nothing to do.
  auto committed = kept->commit();
  ASSERT_TRUE(committed) << committed.error().message;
  EXPECT_EQ(stored("k"), "kept");
}

TEST_F(TransactionTest, CommittingAMovedFromTransactionFails) {
  auto transaction = begin_transaction(*store_);
  ASSERT_TRUE(transaction) << transaction.error().message;
  Transaction owner = std::move(*transaction);
  auto committed = transaction->commit();
  ASSERT_FALSE(committed);
  EXPECT_EQ(committed.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(owner.commit());
}

TEST_F(TransactionTest, MoveAssignmentRollsBackTheTransactionItReplaces) {
  auto transaction = begin_transaction(*store_);
  ASSERT_TRUE(transaction) << transaction.error().message;
  write("k", "replaced");
  Transaction owner = std::move(*transaction);
  owner = std::move(*transaction);
  EXPECT_EQ(stored("k"), std::nullopt);
  EXPECT_FALSE(owner.commit());
  EXPECT_TRUE(begin_transaction(*store_));
}

TEST_F(TransactionTest, CommitTwiceIsAnError) {
  auto transaction = begin_transaction(*store_);
  ASSERT_TRUE(transaction) << transaction.error().message;
  write("k", "once");
  ASSERT_TRUE(transaction->commit());
  auto again = transaction->commit();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kInternal);
  auto durable = transaction->commit_durable();
  ASSERT_FALSE(durable);
  EXPECT_EQ(durable.error().code, ErrorCode::kInternal);
}

// A transaction that has ended leaves alone the next transaction on its DataStore: neither its
// second commit nor its destructor ends that one.
TEST_F(TransactionTest, AnEndedTransactionLeavesTheNextOneAlone) {
  auto first = begin_transaction(*store_);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(first->commit());
  {
    auto second = begin_transaction(*store_);
    ASSERT_TRUE(second) << second.error().message;
    write("k", "second, not committed");
    EXPECT_FALSE(first->commit());
    EXPECT_EQ(stored("k"), "second, not committed");
  }
  EXPECT_EQ(stored("k"), std::nullopt);
  {
    auto third = begin_transaction(*store_);
    ASSERT_TRUE(third) << third.error().message;
    write("k", "third");
    { Transaction ended = std::move(*first); }
    ASSERT_TRUE(third->commit());
  }
  EXPECT_EQ(stored("k"), "third");
}

// Another connection on the same file (another sibling or process) commits `value` under `key`.
void commit_from_another_connection(const std::filesystem::path& file, const std::string& key,
                                    const std::string& value) {
  auto other = sqlite::open_data_store(file, OpenMode::kOpenExisting);
  ASSERT_TRUE(other) << other.error().message;
  auto transaction = begin_transaction(**other);
  ASSERT_TRUE(transaction) << transaction.error().message;
  ASSERT_TRUE((*other)->set_meta(key, value));
  ASSERT_TRUE(transaction->commit());
}

// The property vault/ relies on (Vault::in_read_snapshot): every read of one snapshot sees the
// file as of its first read, and the next snapshot sees what was committed meanwhile.
TEST_F(TransactionTest, AReadSnapshotSeesTheFileAsOfItsFirstRead) {
  {
    auto transaction = begin_transaction(*store_);
    ASSERT_TRUE(transaction) << transaction.error().message;
    write("generation", "1");
    ASSERT_TRUE(transaction->commit());
  }
  {
    auto snapshot = begin_read_snapshot(*store_);
    ASSERT_TRUE(snapshot) << snapshot.error().message;
    EXPECT_EQ(stored("generation"), "1");
    commit_from_another_connection(dir_.path() / "data.db", "generation", "2");
    EXPECT_EQ(stored("generation"), "1");
  }
  EXPECT_EQ(stored("generation"), "2");
}

// A snapshot begun before another connection's commit, but not read from yet, sees that commit.
TEST_F(TransactionTest, AReadSnapshotIsTakenByItsFirstReadNotByItsBeginning) {
  auto snapshot = begin_read_snapshot(*store_);
  ASSERT_TRUE(snapshot) << snapshot.error().message;
  commit_from_another_connection(dir_.path() / "data.db", "generation", "1");
  EXPECT_EQ(stored("generation"), "1");
}

TEST_F(TransactionTest, NoReadSnapshotOrTransactionBeginsWhileOneIsOpen) {
  {
    auto transaction = begin_transaction(*store_);
    ASSERT_TRUE(transaction) << transaction.error().message;
    auto snapshot = begin_read_snapshot(*store_);
    ASSERT_FALSE(snapshot);
    EXPECT_EQ(snapshot.error().code, ErrorCode::kInternal);
  }
  auto snapshot = begin_read_snapshot(*store_);
  ASSERT_TRUE(snapshot) << snapshot.error().message;
  auto again = begin_read_snapshot(*store_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kInternal);
  auto transaction = begin_transaction(*store_);
  ASSERT_FALSE(transaction);
  EXPECT_EQ(transaction.error().code, ErrorCode::kInternal);
}

TEST_F(TransactionTest, AnEndedReadSnapshotLetsTheNextTransactionBegin) {
  std::optional<ReadSnapshot> kept;
  {
    auto snapshot = begin_read_snapshot(*store_);
    ASSERT_TRUE(snapshot) << snapshot.error().message;
    kept.emplace(std::move(*snapshot));
  }
  // The moved-from snapshot ended nothing: the one kept is still open.
  EXPECT_FALSE(begin_transaction(*store_));
  kept.reset();
  auto transaction = begin_transaction(*store_);
  ASSERT_TRUE(transaction) << transaction.error().message;
  write("k", "after the snapshot");
  ASSERT_TRUE(transaction->commit());
  EXPECT_EQ(stored("k"), "after the snapshot");
}

}  // namespace
}  // namespace vigie::store
