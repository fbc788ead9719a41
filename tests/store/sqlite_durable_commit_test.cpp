#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "store/store_test_support.hpp"

namespace vigie::store {
namespace {

using test_support::query_int;
using test_support::TempDir;

// While alive, the default SQLite VFS: it forwards everything to the previous default and counts
// the xSync calls made on write-ahead logs. Each open file gets a few bytes after the wrapped
// VFS's own file object to remember its original methods and whether it is a log.
class WalSyncCounter {
 public:
  WalSyncCounter() {
    base_ = sqlite3_vfs_find(nullptr);
    extra_offset_ = (static_cast<size_t>(base_->szOsFile) + alignof(FileExtra) - 1) /
                    alignof(FileExtra) * alignof(FileExtra);
    vfs_ = *base_;
    vfs_.pNext = nullptr;
    vfs_.zName = "vigie-wal-sync-counter";
    vfs_.szOsFile = static_cast<int>(extra_offset_ + sizeof(FileExtra));
    vfs_.xOpen = &WalSyncCounter::open;
    instance_ = this;
    registered_ = sqlite3_vfs_register(&vfs_, 1) == SQLITE_OK;
  }
  ~WalSyncCounter() {
    sqlite3_vfs_unregister(&vfs_);
    sqlite3_vfs_register(base_, 1);
    instance_ = nullptr;
  }
  WalSyncCounter(const WalSyncCounter&) = delete;
  WalSyncCounter& operator=(const WalSyncCounter&) = delete;

  [[nodiscard]] bool registered() const { return registered_; }
  [[nodiscard]] int wal_syncs() const { return wal_syncs_.load(); }

 private:
  struct FileExtra {
    const sqlite3_io_methods* original = nullptr;
    bool is_wal = false;
  };

  static FileExtra* extra_of(sqlite3_file* file) {
    return reinterpret_cast<FileExtra*>(reinterpret_cast<std::byte*>(file) +
                                        instance_->extra_offset_);
  }

  static int open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags,
                  int* out_flags) {
    WalSyncCounter& self = *instance_;
    const int rc = self.base_->xOpen(self.base_, name, file, flags, out_flags);
    if (rc != SQLITE_OK || file->pMethods == nullptr) {
      return rc;
    }
    FileExtra* extra =
        new (extra_of(file)) FileExtra{file->pMethods, (flags & SQLITE_OPEN_WAL) != 0};
    file->pMethods = self.counting_methods(extra->original);
    return rc;
  }

  static int sync(sqlite3_file* file, int flags) {
    const FileExtra* extra = extra_of(file);
    if (extra->is_wal) {
      ++instance_->wal_syncs_;
    }
    return extra->original->xSync(file, flags);
  }

  // A copy of `original` whose xSync counts; one per distinct original table.
  const sqlite3_io_methods* counting_methods(const sqlite3_io_methods* original) {
    const std::lock_guard lock(mutex_);
    auto& methods = methods_[original];
    if (!methods) {
      methods = std::make_unique<sqlite3_io_methods>(*original);
      methods->xSync = &WalSyncCounter::sync;
    }
    return methods.get();
  }

  static inline WalSyncCounter* instance_ = nullptr;
  sqlite3_vfs* base_ = nullptr;
  sqlite3_vfs vfs_{};
  size_t extra_offset_ = 0;
  bool registered_ = false;
  std::atomic<int> wal_syncs_ = 0;
  std::mutex mutex_;
  std::map<const sqlite3_io_methods*, std::unique_ptr<sqlite3_io_methods>> methods_;
};

AuditRow audit_row(int64_t seq) {
  AuditRow row;
  row.seq = seq;
  row.time_ms = seq;
  row.canonical = {0x01, 0x02};
  row.hash.fill(static_cast<uint8_t>(seq));
  return row;
}

class SqliteDurableCommitTest : public ::testing::Test {
 protected:
  [[nodiscard]] std::filesystem::path path() const { return dir_.path() / "audit.db"; }

  void open() {
    auto opened = sqlite::open_audit_store(path(), OpenMode::kCreate);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  void append(int64_t seq) {
    ASSERT_TRUE(store_->begin());
    const AuditRow row = audit_row(seq);
    ASSERT_TRUE(store_->append_audit(std::span<const AuditRow>(&row, 1)));
  }

  TempDir dir_;  // declared first: removed after the store is closed
  std::unique_ptr<AuditStore> store_;
};

TEST_F(SqliteDurableCommitTest, CommitDurableCommitsAndEndsTheTransaction) {
  open();
  append(1);
  auto committed = store_->commit_durable();
  ASSERT_TRUE(committed) << committed.error().message;

  EXPECT_EQ(query_int(path(), "SELECT count(*) FROM audit_log"), 1);
  ASSERT_TRUE(store_->begin());
}

TEST_F(SqliteDurableCommitTest, CommitDurableWithoutATransactionFails) {
  open();
  auto committed = store_->commit_durable();
  ASSERT_FALSE(committed);
  EXPECT_EQ(committed.error().code, ErrorCode::kInternal);
}

// The same with every file opened through a WalSyncCounter.
class SqliteWalSyncTest : public SqliteDurableCommitTest {
 protected:
  void SetUp() override { ASSERT_TRUE(counter_.registered()); }
  void TearDown() override { store_.reset(); }  // the connection closes through the counter

  WalSyncCounter counter_;
};

// The point of commit_durable: commit() leaves the log unsynced (no fsync per request), and
// commit_durable() syncs it once.
TEST_F(SqliteWalSyncTest, OnlyCommitDurableSyncsTheWriteAheadLog) {
  open();
  const int after_open = counter_.wal_syncs();

  append(1);
  ASSERT_TRUE(store_->commit());
  append(2);
  ASSERT_TRUE(store_->commit());
  EXPECT_EQ(counter_.wal_syncs(), after_open);

  append(3);
  auto committed = store_->commit_durable();
  ASSERT_TRUE(committed) << committed.error().message;
  EXPECT_EQ(counter_.wal_syncs(), after_open + 1);
}

}  // namespace
}  // namespace vigie::store
