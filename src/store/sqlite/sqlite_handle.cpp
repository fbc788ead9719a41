#include "store/sqlite/sqlite_handle.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

namespace vigie::store::sqlite {

Error sqlite_error(int rc, std::string_view operation, std::string_view file_kind) {
  const int primary = rc & 0xff;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    return Error{ErrorCode::kIntegrity,
                 std::string(file_kind) + " is corrupt or not a vigie " + std::string(file_kind)};
  }
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
    return Error{ErrorCode::kConflict, std::string(operation) + ": the row exists already"};
  }
  return Error{ErrorCode::kInternal,
               std::string(operation) + " failed: " + std::string(sqlite3_errstr(rc))};
}

namespace {

// Creates `path` with O_EXCL so that two creators cannot both succeed; owner-only permissions
// (SQLite gives its -wal, -shm and -journal files the same ones).
Result<void> create_exclusively(const std::filesystem::path& path, std::string_view file_kind) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    if (error == EEXIST) {
      return fail(ErrorCode::kConflict, "a " + std::string(file_kind) + " exists already there");
    }
    return fail(ErrorCode::kInternal,
                "create " + std::string(file_kind) + " failed: " + std::strerror(error));
  }
  ::close(fd);
  return {};
}

}  // namespace

void remove_database_files(const std::filesystem::path& path) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path.string() + suffix, ignored);
  }
}

Result<Database> Database::open(const std::filesystem::path& path, OpenMode mode,
                                std::string_view file_kind) {
  if (mode == OpenMode::kCreate) {
    if (auto created = create_exclusively(path, file_kind); !created) {
      return tl::unexpected(created.error());
    }
  } else {
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    if (ec) {
      return fail(ErrorCode::kInternal,
                  "open " + std::string(file_kind) + " failed: " + ec.message());
    }
    if (!exists) {
      return fail(ErrorCode::kNotFound, "no " + std::string(file_kind) + " at that path");
    }
  }
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(db);
    return tl::unexpected(sqlite_error(rc, "open", file_kind));
  }
  return Database(db, file_kind);
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), file_kind_(other.file_kind_) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    file_kind_ = other.file_kind_;
  }
  return *this;
}

Database::~Database() { sqlite3_close_v2(db_); }

Result<void> Database::exec(std::string_view operation, const std::string& sql) {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    return tl::unexpected(sqlite_error(rc, operation, file_kind_));
  }
  return {};
}

Result<void> Database::sync_journal(std::string_view operation) {
  sqlite3_file* journal = nullptr;
  int rc = sqlite3_file_control(db_, "main", SQLITE_FCNTL_JOURNAL_POINTER, &journal);
  if (rc != SQLITE_OK) {
    return tl::unexpected(sqlite_error(rc, operation, file_kind_));
  }
  if (journal == nullptr || journal->pMethods == nullptr) {
    return fail(ErrorCode::kInternal, std::string(operation) + " failed: no journal file is open");
  }
  rc = journal->pMethods->xSync(journal, SQLITE_SYNC_NORMAL);
  if (rc != SQLITE_OK) {
    return tl::unexpected(sqlite_error(rc, operation, file_kind_));
  }
  return {};
}

Result<void> Database::set_journal_mode(std::string_view mode) {
  auto statement =
      Statement::prepare(*this, "PRAGMA journal_mode = " + std::string(mode), "set journal mode");
  if (!statement) {
    return tl::unexpected(statement.error());
  }
  Cursor cursor(*statement);
  auto row = cursor.step();
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (!*row || cursor.column_text(0) != mode) {
    return fail(ErrorCode::kInternal,
                "set journal mode failed: " + std::string(mode) + " is not available");
  }
  return {};
}

Result<Statement> Statement::prepare(const Database& db, std::string_view sql,
                                     std::string_view operation) {
  Statement statement;
  const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &statement.stmt_, nullptr);
  if (rc != SQLITE_OK) {
    return tl::unexpected(sqlite_error(rc, operation, db.file_kind()));
  }
  statement.operation_ = operation;
  statement.file_kind_ = db.file_kind();
  return statement;
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      operation_(other.operation_),
      file_kind_(other.file_kind_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    operation_ = other.operation_;
    file_kind_ = other.file_kind_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

std::optional<uint32_t> Database::file_version() const {
  if (sqlite3_txn_state(db_, "main") == SQLITE_TXN_WRITE) {
    return std::nullopt;
  }
  unsigned int version = 0;
  if (sqlite3_file_control(db_, "main", SQLITE_FCNTL_DATA_VERSION, &version) != SQLITE_OK) {
    return std::nullopt;
  }
  return version;
}

Cursor::~Cursor() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Cursor::bind_text(int index, std::string_view text) {
  // An empty view may have a null data(), which SQLite would bind as NULL rather than ''.
  const char* data = text.empty() ? "" : text.data();
  const int rc = sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) {
    bind_rc_ = rc;
  }
}

void Cursor::bind_int(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) {
    bind_rc_ = rc;
  }
}

void Cursor::bind_blob(int index, std::span<const uint8_t> bytes) {
  // A null pointer would bind NULL; an empty blob is a zero-length blob.
  const int rc = bytes.empty()
                     ? sqlite3_bind_zeroblob(stmt_, index, 0)
                     : sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_STATIC);
  if (bind_rc_ == SQLITE_OK) {
    bind_rc_ = rc;
  }
}

Result<bool> Cursor::step() {
  if (bind_rc_ != SQLITE_OK) {
    return tl::unexpected(sqlite_error(bind_rc_, operation_, file_kind_));
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return tl::unexpected(sqlite_error(rc, operation_, file_kind_));
}

Result<void> Cursor::run() {
  auto row = step();
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (*row) {
    return fail(ErrorCode::kInternal, std::string(operation_) + " failed: unexpected row");
  }
  return {};
}

std::string Cursor::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  const int size = sqlite3_column_bytes(stmt_, index);
  return text == nullptr ? std::string() : std::string(text, static_cast<size_t>(size));
}

int64_t Cursor::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

std::vector<uint8_t> Cursor::column_blob(int index) const {
  const auto* bytes = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, index));
  const int size = sqlite3_column_bytes(stmt_, index);
  return bytes == nullptr ? std::vector<uint8_t>() : std::vector<uint8_t>(bytes, bytes + size);
}

std::span<const uint8_t> Cursor::column_blob_view(int index) const {
  const auto* bytes = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, index));
  const int size = sqlite3_column_bytes(stmt_, index);
  return bytes == nullptr ? std::span<const uint8_t>()
                          : std::span<const uint8_t>(bytes, static_cast<size_t>(size));
}

}  // namespace vigie::store::sqlite
