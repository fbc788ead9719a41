#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include "common/error.hpp"
#include "store/store.hpp"

// Private to store/sqlite: RAII owners of sqlite3* and sqlite3_stmt*, and the mapping of SQLite
// result codes to vigie errors. Nothing here is thread-safe: one Database per thread.

namespace vigie::store::sqlite {

// What a file is called in error messages: "data file" or "keyring file".
inline constexpr std::string_view kDataFile = "data file";
inline constexpr std::string_view kKeyringFile = "keyring file";
inline constexpr std::string_view kAuditFile = "audit file";

// Maps a SQLite result code to a vigie error. SQLITE_CORRUPT and SQLITE_NOTADB become kIntegrity
// ("<file> is corrupt or not a vigie <file>"), a primary-key or unique violation kConflict, and
// anything else kInternal naming `operation` and sqlite3_errstr(rc). Never names row content.
[[nodiscard]] Error sqlite_error(int rc, std::string_view operation, std::string_view file_kind);

// Removes a database file and the -wal, -shm and -journal files SQLite keeps beside it. Used to
// undo a create that failed after the file was made. Errors are ignored.
void remove_database_files(const std::filesystem::path& path);

// An open connection. Move-only; closes on destruction (sqlite3_close_v2, so statements that are
// still alive finalize the connection when they go).
class Database {
 public:
  // kCreate: creates `path` exclusively (mode 0600; kConflict if it exists) and opens it.
  // kOpenExisting: opens `path` read-write; kNotFound if it does not exist. The file's content is
  // not read yet: a file that is not a database fails on the first statement (kIntegrity).
  [[nodiscard]] static Result<Database> open(const std::filesystem::path& path, OpenMode mode,
                                             std::string_view file_kind);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  ~Database();

  [[nodiscard]] sqlite3* handle() const { return db_; }
  [[nodiscard]] std::string_view file_kind() const { return file_kind_; }

  // Runs one or more SQL statements that return no rows the caller needs (schema scripts,
  // transaction control). Fails with sqlite_error(rc, operation).
  [[nodiscard]] Result<void> exec(std::string_view operation, const std::string& sql);
  // Forces this connection's journal file (the write-ahead log in WAL mode) to stable storage
  // with the VFS's xSync (fdatasync on Linux), the call SQLite itself makes at a commit under
  // synchronous=FULL. kInternal naming `operation` on failure, or when the connection has no
  // journal file open.
  [[nodiscard]] Result<void> sync_journal(std::string_view operation);
  // Runs "PRAGMA journal_mode = <mode>" and checks that SQLite accepted it.
  [[nodiscard]] Result<void> set_journal_mode(std::string_view mode);

  // True while an explicit transaction is open on this connection.
  [[nodiscard]] bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  // The main file's version as of this connection's latest read or commit
  // (SQLITE_FCNTL_DATA_VERSION): it moves when a later read finds a commit (of any connection or
  // process) or a checkpoint made since, and when this connection commits. A change not yet
  // committed by this connection does not move it: nullopt while a write transaction is open.
  [[nodiscard]] std::optional<uint32_t> file_version() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  [[nodiscard]] int64_t changes() const { return sqlite3_changes64(db_); }
  // Rows changed by every INSERT, UPDATE and DELETE since the connection opened.
  [[nodiscard]] int64_t total_changes() const { return sqlite3_total_changes64(db_); }
  // Rowid of the last row inserted on this connection.
  [[nodiscard]] int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

 private:
  Database(sqlite3* db, std::string_view file_kind) : db_(db), file_kind_(file_kind) {}

  sqlite3* db_ = nullptr;
  std::string_view file_kind_;
};

// A prepared statement, prepared once and reused through Cursor. Move-only; finalizes on
// destruction. Must not outlive its Database.
class Statement {
 public:
  Statement() = default;
  // Prepares `sql` (SQLITE_PREPARE_PERSISTENT). `operation` names the statement in errors.
  [[nodiscard]] static Result<Statement> prepare(const Database& db, std::string_view sql,
                                                 std::string_view operation);

  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

 private:
  friend class Cursor;

  sqlite3_stmt* stmt_ = nullptr;
  std::string_view operation_;
  std::string_view file_kind_;
};

// Prepares each {Statement* statement, sql, operation} entry of `statements` into *statement,
// in order; stops at and returns the first failure. Each `operation` must outlive its Statement.
template <typename Entries>
[[nodiscard]] Result<void> prepare_all(const Database& db, const Entries& statements) {
  for (const auto& [statement, sql, operation] : statements) {
    auto prepared = Statement::prepare(db, sql, operation);
    if (!prepared) {
      return tl::unexpected(prepared.error());
    }
    *statement = std::move(*prepared);
  }
  return {};
}

// One use of a Statement: bind, step, read columns. Resets the statement and clears its bindings
// when destroyed, so no read transaction stays open. Bound text and blobs are not copied: they
// must stay alive until the last step(). A failed bind is reported by the next step().
class Cursor {
 public:
  explicit Cursor(Statement& statement)
      : stmt_(statement.stmt_),
        operation_(statement.operation_),
        file_kind_(statement.file_kind_) {}
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor();

  // Parameter indexes start at 1, as in SQL (?1).
  void bind_text(int index, std::string_view text);
  void bind_int(int index, int64_t value);
  void bind_blob(int index, std::span<const uint8_t> bytes);

  // True when a row is available, false when the statement is done.
  [[nodiscard]] Result<bool> step();
  // Steps a statement that returns no row.
  [[nodiscard]] Result<void> run();

  // Columns of the current row; indexes start at 0.
  [[nodiscard]] std::string column_text(int index) const;
  [[nodiscard]] int64_t column_int(int index) const;
  [[nodiscard]] std::vector<uint8_t> column_blob(int index) const;
  // The same bytes without a copy; valid until the next step() or the end of the Cursor.
  [[nodiscard]] std::span<const uint8_t> column_blob_view(int index) const;

 private:
  sqlite3_stmt* stmt_;
  std::string_view operation_;
  std::string_view file_kind_;
  int bind_rc_ = SQLITE_OK;
};

// Copies a stored blob into a fixed-size array; kIntegrity, naming the file and the column, when
// its size differs.
template <size_t N>
[[nodiscard]] Result<std::array<uint8_t, N>> fixed_bytes(std::span<const uint8_t> stored,
                                                         std::string_view file_kind,
                                                         std::string_view column) {
  std::array<uint8_t, N> bytes{};
  if (stored.size() != N) {
    return fail(ErrorCode::kIntegrity,
                std::string(file_kind) + " holds a malformed " + std::string(column));
  }
  std::copy(stored.begin(), stored.end(), bytes.begin());
  return bytes;
}

// Steps `cursor` once: nullopt when there is no row, else `read(cursor)` of the first row.
template <typename Read>
[[nodiscard]] auto first_row(Cursor& cursor, Read&& read)
    -> Result<std::optional<std::invoke_result_t<Read&, const Cursor&>>> {
  auto row = cursor.step();
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (!*row) {
    return std::nullopt;
  }
  return std::optional(read(static_cast<const Cursor&>(cursor)));
}

// Steps `cursor` through all its rows, calling `visit(cursor)` on each; stops at the first
// failure of a step.
template <typename Visit>
[[nodiscard]] Result<void> for_each_row(Cursor& cursor, Visit&& visit) {
  while (true) {
    auto row = cursor.step();
    if (!row) {
      return tl::unexpected(row.error());
    }
    if (!*row) {
      return {};
    }
    visit(static_cast<const Cursor&>(cursor));
  }
}

}  // namespace vigie::store::sqlite
