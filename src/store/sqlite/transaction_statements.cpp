#include "store/sqlite/transaction_statements.hpp"

#include <string>

namespace vigie::store::sqlite {

Result<void> require_transaction(const Database& db, std::string_view operation) {
  if (!db.in_transaction()) {
    return fail(ErrorCode::kInternal, std::string(operation) + " needs an open write transaction");
  }
  return {};
}

Result<void> TransactionStatements::prepare(const Database& db) {
  const struct {
    Statement* statement;
    std::string_view sql;
    std::string_view operation;
  } statements[] = {
      {&begin_, "BEGIN IMMEDIATE", "begin"},
      {&begin_read_, "BEGIN DEFERRED", "begin_read"},
      {&commit_, "COMMIT", "commit"},
      {&rollback_, "ROLLBACK", "rollback"},
  };
  return prepare_all(db, statements);
}

Result<void> TransactionStatements::begin(const Database& db) {
  if (db.in_transaction()) {
    return fail(ErrorCode::kInternal, "a write transaction is already open");
  }
  return Cursor(begin_).run();
}

Result<void> TransactionStatements::commit(const Database& db) {
  if (!db.in_transaction()) {
    return fail(ErrorCode::kInternal, "commit: no write transaction is open");
  }
  return Cursor(commit_).run();
}

void TransactionStatements::rollback(const Database& db) {
  if (db.in_transaction()) {
    static_cast<void>(Cursor(rollback_).run());
  }
}

// Both files run with synchronous=NORMAL, under which a commit writes its frames to the WAL
// without syncing it. Switching this one commit to synchronous=FULL is not possible: SQLite
// refuses to change the safety level inside a transaction, and begin() cannot know how the
// transaction will end. A WAL checkpoint would sync too, but it also copies the log into the
// database file and syncs that: far more I/O than needed. So the commit runs as usual and then
// the WAL is synced once through SQLite's VFS, which is the very fsync that synchronous=FULL
// makes at a commit. The WAL only grows between checkpoints, so this sync also covers every
// earlier commit; and frames a checkpoint has copied into the database file were synced there
// (synchronous=NORMAL syncs at checkpoints) before the WAL could be reused.
Result<void> TransactionStatements::commit_durable(Database& db) {
  if (auto committed = commit(db); !committed) {
    return committed;
  }
  return db.sync_journal("commit_durable");
}

// A deferred BEGIN takes no lock: the WAL read lock, and with it the snapshot, is taken by the
// first statement that reads, and held until rollback() ends the transaction.
Result<void> TransactionStatements::begin_read(const Database& db) {
  if (db.in_transaction()) {
    return fail(ErrorCode::kInternal, "a transaction is already open");
  }
  return Cursor(begin_read_).run();
}

}  // namespace vigie::store::sqlite
