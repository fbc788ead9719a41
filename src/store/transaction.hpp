#pragma once

#include <utility>

#include "common/error.hpp"
#include "store/store.hpp"

// The write transaction of a DataStore, and its read snapshot, as RAII objects: code above store/
// opens a transaction with begin_transaction() and a snapshot with begin_read_snapshot(), and
// never calls DataStore::begin(), begin_read(), commit(), commit_durable() or rollback() itself,
// so that every early return and every exception rolls back.
//
// A Transaction only owns how its transaction ends. The mutating calls stay on the DataStore
// (append_version(), append_audit(), insert_account(), ...) and run in the transaction while it
// is open: the hooks of vault/, audit/ and auth/ already take the DataStore that holds the
// transaction, and routing some thirty calls through the handle would double the Store interface
// that every backend implements for no check SQLite does not already make (a mutating call
// outside a transaction fails with kInternal).

namespace vigie::store {

// An open write transaction on one DataStore. Move-only. The DataStore must outlive it, and
// like the DataStore it is used by one thread at a time (whoever serialises access to the
// DataStore serialises access to its transaction).
class Transaction {
 public:
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // The moved-from transaction no longer owns anything: destroying it does nothing.
  Transaction(Transaction&& other) noexcept : store_(std::exchange(other.store_, nullptr)) {}
  // Rolls back the transaction this one still owns, then takes over `other`'s.
  Transaction& operator=(Transaction&& other) noexcept {
    if (this != &other) {
      roll_back();
      store_ = std::exchange(other.store_, nullptr);
    }
    return *this;
  }
  // Rolls back unless commit() or commit_durable() succeeded.
  ~Transaction() { roll_back(); }

  // Commit and commit_durable (see DataStore) end the transaction, whether they succeed or not:
  // on failure whatever was not committed is rolled back before they return. kInternal once the
  // transaction has ended (committed, failed to commit, or moved from).
  [[nodiscard]] Result<void> commit() { return end(&DataStore::commit); }
  [[nodiscard]] Result<void> commit_durable() { return end(&DataStore::commit_durable); }

 private:
  friend Result<Transaction> begin_transaction(DataStore& store);

  explicit Transaction(DataStore& store) : store_(&store) {}

  [[nodiscard]] Result<void> end(Result<void> (DataStore::*commit_call)()) {
    if (store_ == nullptr) {
      return fail(ErrorCode::kInternal, "commit: the transaction has already ended");
    }
    DataStore* store = std::exchange(store_, nullptr);
    Result<void> committed = (store->*commit_call)();
    if (!committed) {
      // SQLite may leave the transaction open after a failed COMMIT (SQLITE_BUSY). When the
      // commit went through and only commit_durable()'s sync failed, nothing is left to roll back.
      store->rollback();
    }
    return committed;
  }

  void roll_back() noexcept {
    if (store_ != nullptr) {
      std::exchange(store_, nullptr)->rollback();
    }
  }

  // The DataStore whose transaction this is; nullptr once the transaction has ended or was moved.
  DataStore* store_;
};

// Begins a write transaction on `store` (DataStore::begin(): waits while another connection
// writes; kInternal if `store` already has one open).
[[nodiscard]] inline Result<Transaction> begin_transaction(DataStore& store) {
  if (auto begun = store.begin(); !begun) {
    return tl::unexpected(begun.error());
  }
  return Transaction(store);
}

// A read snapshot of one DataStore as an RAII object: every read made on the DataStore while it
// is alive sees the same committed state of the file, taken by the first of those reads (in
// SQLite, a deferred read transaction: the WAL read lock is taken once for all of them). Writes
// that other connections commit meanwhile are not seen. Ends on destruction, on every path.
// Move-only; the same ownership and threading rules as Transaction. No mutating call may run
// while it is alive, and no Transaction may begin.
class ReadSnapshot {
 public:
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  // The moved-from snapshot no longer owns anything: destroying it does nothing.
  ReadSnapshot(ReadSnapshot&& other) noexcept : store_(std::exchange(other.store_, nullptr)) {}
  // Ends the snapshot this one still owns, then takes over `other`'s.
  ReadSnapshot& operator=(ReadSnapshot&& other) noexcept {
    if (this != &other) {
      end();
      store_ = std::exchange(other.store_, nullptr);
    }
    return *this;
  }
  ~ReadSnapshot() { end(); }

 private:
  friend Result<ReadSnapshot> begin_read_snapshot(DataStore& store);

  explicit ReadSnapshot(DataStore& store) : store_(&store) {}

  // A snapshot wrote nothing: rolling it back only releases it.
  void end() noexcept {
    if (store_ != nullptr) {
      std::exchange(store_, nullptr)->rollback();
    }
  }

  // The DataStore whose snapshot this is; nullptr once moved from.
  DataStore* store_;
};

// Begins a read snapshot on `store` (DataStore::begin_read(): kInternal if `store` already has a
// transaction or a snapshot open).
[[nodiscard]] inline Result<ReadSnapshot> begin_read_snapshot(DataStore& store) {
  if (auto begun = store.begin_read(); !begun) {
    return tl::unexpected(begun.error());
  }
  return ReadSnapshot(store);
}

}  // namespace vigie::store
