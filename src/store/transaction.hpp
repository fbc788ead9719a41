#pragma once

#include <utility>

#include "common/error.hpp"
#include "store/store.hpp"

// The write transaction of a TransactionalStore, and its read snapshot, as RAII objects: code above
// store/ opens a transaction with begin_transaction() and a snapshot with begin_read_snapshot(),
// and never calls TransactionalStore::begin(), begin_read(), commit(), commit_durable() or
// rollback() itself, so that every early return and every exception rolls back.
//
// Both work on any store file (TransactionalStore: the data file's DataStore, the audit file's
// AuditStore). A Transaction only owns how its transaction ends. The mutating calls stay on the
// store (append_version(), append_audit(), insert_account(), ...) and run in the transaction while
// it is open: the hooks of vault/, audit/ and auth/ already take the store that holds the
// transaction, and routing some thirty calls through the handle would double the Store interface
// that every backend implements for no check SQLite does not already make (a mutating call
// outside a transaction fails with kInternal).

namespace vigie::store {

namespace detail {

// What Transaction and ReadSnapshot share: the TransactionalStore whose open transaction they own,
// rolled back when the owner is destroyed or assigned over without having ended it. Move-only; the
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
  explicit OwnedTransaction(TransactionalStore& store) : store_(&store) {}

  // Gives up the transaction: the TransactionalStore whose transaction it was, or nullptr once it
  // has ended or was moved from.
  [[nodiscard]] TransactionalStore* release() noexcept { return std::exchange(store_, nullptr); }

 private:
  void roll_back() noexcept {
    if (TransactionalStore* store = release(); store != nullptr) {
      store->rollback();
    }
  }

  TransactionalStore* store_;
};

}  // namespace detail

// An open write transaction on one TransactionalStore. Move-only: the moved-from transaction no
// longer owns anything, and assigning over one rolls it back first. Rolls back on destruction
// unless commit() or commit_durable() succeeded. The TransactionalStore must outlive it, and like
// the TransactionalStore it is used by one thread at a time (whoever serialises access to the
// TransactionalStore serialises access to its transaction).
class Transaction : private detail::OwnedTransaction {
 public:
  Transaction(Transaction&&) noexcept = default;
  Transaction& operator=(Transaction&&) noexcept = default;
  ~Transaction() = default;

  // Commit and commit_durable (see TransactionalStore) end the transaction, whether they succeed or
  // not: on failure whatever was not committed is rolled back before they return. kInternal once
  // the transaction has ended (committed, failed to commit, or moved from).
  [[nodiscard]] Result<void> commit() { return end(&TransactionalStore::commit); }
  [[nodiscard]] Result<void> commit_durable() { return end(&TransactionalStore::commit_durable); }

 private:
  friend Result<Transaction> begin_transaction(TransactionalStore& store);

  explicit Transaction(TransactionalStore& store) : OwnedTransaction(store) {}

  [[nodiscard]] Result<void> end(Result<void> (TransactionalStore::*commit_call)()) {
    TransactionalStore* store = release();
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

// Begins a write transaction on `store` (TransactionalStore::begin(): waits while another
// connection writes; kInternal if `store` already has one open).
[[nodiscard]] inline Result<Transaction> begin_transaction(TransactionalStore& store) {
  if (auto begun = store.begin(); !begun) {
    return tl::unexpected(begun.error());
  }
  return Transaction(store);
}

// A read snapshot of one TransactionalStore as an RAII object: every read made on the
// TransactionalStore while it is alive sees the same committed state of the file, taken by the
// first of those reads (in SQLite, a deferred read transaction: the WAL read lock is taken once for
// all of them). Writes that other connections commit meanwhile are not seen. Ends on destruction,
// on every path. Move-only; the same ownership and threading rules as Transaction. No mutating call
// may run while it is alive, and no Transaction may begin.
class ReadSnapshot : private detail::OwnedTransaction {
 public:
  ReadSnapshot(ReadSnapshot&&) noexcept = default;
  ReadSnapshot& operator=(ReadSnapshot&&) noexcept = default;
  // A snapshot wrote nothing: rolling it back only releases it.
  ~ReadSnapshot() = default;

 private:
  friend Result<ReadSnapshot> begin_read_snapshot(TransactionalStore& store);

  explicit ReadSnapshot(TransactionalStore& store) : OwnedTransaction(store) {}
};

// Begins a read snapshot on `store` (TransactionalStore::begin_read(): kInternal if `store` already
// has a transaction or a snapshot open).
[[nodiscard]] inline Result<ReadSnapshot> begin_read_snapshot(TransactionalStore& store) {
  if (auto begun = store.begin_read(); !begun) {
    return tl::unexpected(begun.error());
  }
  return ReadSnapshot(store);
}

}  // namespace vigie::store
