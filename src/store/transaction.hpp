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

namespace detail {

// What Transaction and ReadSnapshot share: the DataStore whose open transaction they own, rolled
// back when the owner is destroyed or assigned over without having ended it. Move-only; the
// moved-from owner no longer owns anything, and destroying it does nothing.
class OwnedTransaction {
 public:
  OwnedTransaction(const OwnedTransaction&) = delete;
  OwnedTransaction& operator=(const OwnedTransaction&) = delete;
  OwnedTransaction(OwnedTransaction&& other) noexcept : store_(other.release()) {}
  OwnedTransaction& operator=(OwnedTransaction&& other) noexcept {
    if (this != &other) {
      roll_back();
      store_ = other.release();
    }
    return *this;
  }
  ~OwnedTransaction() { roll_back(); }

 protected:
  explicit OwnedTransaction(DataStore& store) : store_(&store) {}

  // Gives up the transaction: the DataStore whose transaction it was, or nullptr once it has
  // ended or was moved from.
  [[nodiscard]] DataStore* release() noexcept { return std::exchange(store_, nullptr); }

 private:
  void roll_back() noexcept {
    if (DataStore* store = release(); store != nullptr) {
      store->rollback();
    }
  }

  DataStore* store_;
};

}  // namespace detail

// An open write transaction on one DataStore. Move-only: the moved-from transaction no longer
// owns anything, and assigning over one rolls it back first. Rolls back on destruction unless
// commit() or commit_durable() succeeded. The DataStore must outlive it, and like the DataStore
// it is used by one thread at a time (whoever serialises access to the DataStore serialises
// access to its transaction).
class Transaction : private detail::OwnedTransaction {
 public:
  Transaction(Transaction&&) noexcept = default;
  Transaction& operator=(Transaction&&) noexcept = default;
  ~Transaction() = default;

  // Commit and commit_durable (see DataStore) end the transaction, whether they succeed or not:
  // on failure whatever was not committed is rolled back before they return. kInternal once the
  // transaction has ended (committed, failed to commit, or moved from).
  [[nodiscard]] Result<void> commit() { return end(&DataStore::commit); }
  [[nodiscard]] Result<void> commit_durable() { return end(&DataStore::commit_durable); }

 private:
  friend Result<Transaction> begin_transaction(DataStore& store);

  explicit Transaction(DataStore& store) : OwnedTransaction(store) {}

  [[nodiscard]] Result<void> end(Result<void> (DataStore::*commit_call)()) {
    DataStore* store = release();
    if (store == nullptr) {
      return fail(ErrorCode::kInternal, "commit: the transaction has already ended");
    }
    Result<void> committed = (store->*commit_call)();
    if (!committed) {
      // SQLite may leave the transaction open after a failed COMMIT (SQLITE_BUSY). When the
      // commit went through and only commit_durable()'s sync failed, nothing is left to roll back.
      store->rollback();
    }
    return committed;
  }
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
class ReadSnapshot : private detail::OwnedTransaction {
 public:
  ReadSnapshot(ReadSnapshot&&) noexcept = default;
  ReadSnapshot& operator=(ReadSnapshot&&) noexcept = default;
  // A snapshot wrote nothing: rolling it back only releases it.
  ~ReadSnapshot() = default;

 private:
  friend Result<ReadSnapshot> begin_read_snapshot(DataStore& store);

  explicit ReadSnapshot(DataStore& store) : OwnedTransaction(store) {}
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
