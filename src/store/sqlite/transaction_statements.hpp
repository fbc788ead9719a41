#pragma once

#include <string_view>

#include "common/error.hpp"
#include "store/sqlite/sqlite_handle.hpp"

// Private to store/sqlite: the transaction primitives of store::TransactionalStore on one
// connection, shared by the data file's store and the audit file's store.

namespace vigie::store::sqlite {

// kInternal unless a write transaction is open on `db`.
[[nodiscard]] Result<void> require_transaction(const Database& db, std::string_view operation);

// Its owner declares it after the Database it was prepared on, so that the statements are
// finalized before the connection closes. Not thread-safe, like the Database.
class TransactionStatements {
 public:
  [[nodiscard]] Result<void> prepare(const Database& db);

  // TransactionalStore's begin(), commit(), rollback(), commit_durable() and begin_read().
  [[nodiscard]] Result<void> begin(const Database& db);
  [[nodiscard]] Result<void> commit(const Database& db);
  void rollback(const Database& db);
  [[nodiscard]] Result<void> commit_durable(Database& db);
  [[nodiscard]] Result<void> begin_read(const Database& db);

 private:
  Statement begin_;
  Statement begin_read_;
  Statement commit_;
  Statement rollback_;
};

}  // namespace vigie::store::sqlite
