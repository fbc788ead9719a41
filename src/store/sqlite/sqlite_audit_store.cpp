#include <array>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "store/sqlite/audit_schema.hpp"
#include "store/sqlite/open_store.hpp"
#include "store/sqlite/sqlite_handle.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/transaction_statements.hpp"

namespace vigie::store::sqlite {

namespace {

constexpr std::array kAuditMigrations = {Migration{1, kAuditSchemaV1},
                                         Migration{2, kAuditSchemaV2}};

constexpr FileSettings kSettings = {
    .file_kind = kAuditFile, .journal_mode = "wal", .pragmas = kAuditPragmas};

// The audit file on one connection. Not thread-safe: one object per thread; several objects on
// the same file work together through WAL and the busy timeout.
class SqliteAuditStore final : public AuditStore {
 public:
  explicit SqliteAuditStore(Database db) : db_(std::move(db)) {}
  ~SqliteAuditStore() override { rollback(); }

  SqliteAuditStore(const SqliteAuditStore&) = delete;
  SqliteAuditStore& operator=(const SqliteAuditStore&) = delete;

  // Prepares every fixed statement once; called right after the schema is up to date.
  [[nodiscard]] Result<void> prepare_statements();

  // Copies the audit log and checkpoints an older vault kept in its data file (`data_file`) into
  // this file, when this file's log is empty; durable. Nothing to do for a vault created with its
  // audit file.
  [[nodiscard]] Result<void> adopt_log_of_data_file(const std::filesystem::path& data_file);

  Result<void> begin() override { return transactions_.begin(db_); }
  Result<void> commit() override { return transactions_.commit(db_); }
  void rollback() override { transactions_.rollback(db_); }
  Result<void> commit_durable() override { return transactions_.commit_durable(db_); }
  Result<void> begin_read() override { return transactions_.begin_read(db_); }
  Result<void> append_audit(std::span<const AuditRow> rows) override;
  Result<std::optional<AuditRow>> last_audit_row() override;
  Result<void> scan_audit(
      int64_t after_seq,
      const std::function<bool(int64_t seq, int64_t time_ms, std::span<const uint8_t> canonical,
                               std::span<const uint8_t> hash)>& visit) override;
  Result<int64_t> audit_count() override;
  Result<void> append_checkpoint(const CheckpointRow& row) override;
  Result<std::vector<CheckpointRow>> checkpoints() override;
  Result<void> add_pending_intent(int64_t first_seq, int64_t last_seq) override;
  Result<std::optional<int64_t>> remove_pending_intent(int64_t last_seq) override;
  Result<std::vector<PendingIntent>> pending_intents() override;

 private:
  [[nodiscard]] Result<void> require_transaction(std::string_view operation) const {
    return sqlite::require_transaction(db_, operation);
  }
  // Inserts `rows` one by one, inside append_audit's savepoint.
  [[nodiscard]] Result<void> insert_audit_rows(std::span<const AuditRow> rows);
  // The error of an insert into audit_log or audit_checkpoints (chosen by `exists`) that failed
  // with `error`: kConflict when `seq` is stored already (the no-overwrite trigger fires before
  // the primary key is checked), else `error` itself.
  [[nodiscard]] Error insert_error(Statement& exists, int64_t seq, Error error,
                                   std::string_view operation);

  // Declared first: statements are finalized before the connection closes.
  Database db_;
  TransactionStatements transactions_;
  Statement audit_savepoint_;
  Statement audit_rollback_to_savepoint_;
  Statement audit_release_savepoint_;
  Statement insert_audit_;
  Statement audit_exists_;
  Statement last_audit_;
  Statement scan_audit_;
  Statement audit_count_;
  Statement insert_checkpoint_;
  Statement checkpoint_exists_;
  Statement checkpoints_;
  Statement add_pending_intent_;
  Statement remove_pending_intent_;
  Statement pending_intents_;
};

Result<void> SqliteAuditStore::prepare_statements() {
  const struct {
    Statement* statement;
    std::string_view sql;
    std::string_view operation;
  } statements[] = {
      {&audit_savepoint_, "SAVEPOINT append_audit", "append_audit"},
      {&audit_rollback_to_savepoint_, "ROLLBACK TO append_audit", "append_audit"},
      {&audit_release_savepoint_, "RELEASE append_audit", "append_audit"},
      {&insert_audit_,
       "INSERT INTO audit_log (seq, time_ms, canonical, hash) VALUES (?1, ?2, ?3, ?4)",
       "append_audit"},
      {&audit_exists_, "SELECT 1 FROM audit_log WHERE seq = ?1", "append_audit"},
      {&last_audit_,
       "SELECT seq, time_ms, canonical, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
       "last_audit_row"},
      {&scan_audit_,
       "SELECT seq, time_ms, canonical, hash FROM audit_log WHERE seq > ?1 ORDER BY seq",
       "scan_audit"},
      {&audit_count_, "SELECT count(*) FROM audit_log", "audit_count"},
      {&insert_checkpoint_,
       "INSERT INTO audit_checkpoints (seq, head, time_ms, signature) VALUES (?1, ?2, ?3, ?4)",
       "append_checkpoint"},
      {&checkpoint_exists_, "SELECT 1 FROM audit_checkpoints WHERE seq = ?1", "append_checkpoint"},
      {&checkpoints_, "SELECT seq, head, time_ms, signature FROM audit_checkpoints ORDER BY seq",
       "checkpoints"},
      {&add_pending_intent_, "INSERT INTO pending_intents (last_seq, first_seq) VALUES (?1, ?2)",
       "add_pending_intent"},
      {&remove_pending_intent_,
       "DELETE FROM pending_intents WHERE last_seq = ?1 RETURNING first_seq",
       "remove_pending_intent"},
      {&pending_intents_, "SELECT first_seq, last_seq FROM pending_intents ORDER BY last_seq",
       "pending_intents"},
  };
  if (auto prepared = transactions_.prepare(db_); !prepared) {
    return prepared;
  }
  return prepare_all(db_, statements);
}

Result<void> SqliteAuditStore::adopt_log_of_data_file(const std::filesystem::path& data_file) {
  auto last = last_audit_row();
  if (!last) {
    return tl::unexpected(last.error());
  }
  if (last->has_value()) {
    return {};
  }
  {
    auto attach = Statement::prepare(db_, "ATTACH DATABASE ?1 AS data_file", "adopt audit log");
    if (!attach) {
      return tl::unexpected(attach.error());
    }
    const std::string data_file_name = data_file.string();  // bound without a copy
    Cursor cursor(*attach);
    cursor.bind_text(1, data_file_name);
    if (auto attached = cursor.run(); !attached) {
      return attached;
    }
  }
  // Both copies in one transaction, and only into an empty log: a second process that adopted
  // the same rows meanwhile leaves nothing to copy.
  auto copied = [&]() -> Result<void> {
    if (auto begun = begin(); !begun) {
      return begun;
    }
    if (auto copy =
            db_.exec("adopt audit log",
                     "INSERT INTO main.audit_checkpoints (seq, head, time_ms, signature)"
                     " SELECT seq, head, time_ms, signature FROM data_file.audit_checkpoints"
                     " WHERE NOT EXISTS (SELECT 1 FROM main.audit_log) ORDER BY seq;"
                     "INSERT INTO main.audit_log (seq, time_ms, canonical, hash)"
                     " SELECT seq, time_ms, canonical, hash FROM data_file.audit_log"
                     " WHERE NOT EXISTS (SELECT 1 FROM main.audit_log) ORDER BY seq;");
        !copy) {
      rollback();
      return copy;
    }
    return commit_durable();
  }();
  auto detached = db_.exec("adopt audit log", "DETACH DATABASE data_file");
  return copied ? detached : copied;
}

Error SqliteAuditStore::insert_error(Statement& exists, int64_t seq, Error error,
                                     std::string_view operation) {
  Cursor cursor(exists);
  cursor.bind_int(1, seq);
  auto found = cursor.step();
  if (found && *found) {
    return Error{ErrorCode::kConflict, std::string(operation) + ": the row exists already"};
  }
  return error;
}

Result<void> SqliteAuditStore::insert_audit_rows(std::span<const AuditRow> rows) {
  for (const AuditRow& row : rows) {
    Cursor insert(insert_audit_);
    insert.bind_int(1, row.seq);
    insert.bind_int(2, row.time_ms);
    insert.bind_blob(3, row.canonical);
    insert.bind_blob(4, row.hash);
    if (auto inserted = insert.run(); !inserted) {
      return tl::unexpected(
          insert_error(audit_exists_, row.seq, std::move(inserted.error()), "append_audit"));
    }
  }
  return {};
}

Result<void> SqliteAuditStore::append_audit(std::span<const AuditRow> rows) {
  if (auto open = require_transaction("append_audit"); !open) {
    return open;
  }
  for (size_t index = 1; index < rows.size(); ++index) {
    if (rows[index].seq <= rows[index - 1].seq) {
      return fail(ErrorCode::kInternal, "append_audit: rows must be in ascending seq order");
    }
  }
  if (rows.empty()) {
    return {};
  }
  // A savepoint makes the batch all or nothing while the transaction stays open.
  if (auto saved = Cursor(audit_savepoint_).run(); !saved) {
    return saved;
  }
  auto inserted = insert_audit_rows(rows);
  if (!inserted) {
    static_cast<void>(Cursor(audit_rollback_to_savepoint_).run());
  }
  auto released = Cursor(audit_release_savepoint_).run();
  return inserted ? released : inserted;
}

Result<std::optional<AuditRow>> SqliteAuditStore::last_audit_row() {
  Cursor cursor(last_audit_);
  auto row = cursor.step();
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (!*row) {
    return std::optional<AuditRow>();
  }
  auto hash = fixed_bytes<32>(cursor.column_blob_view(3), kAuditFile, "audit hash");
  if (!hash) {
    return tl::unexpected(hash.error());
  }
  return AuditRow{
      .seq = cursor.column_int(0),
      .time_ms = cursor.column_int(1),
      .canonical = cursor.column_blob(2),
      .hash = *hash,
  };
}

Result<void> SqliteAuditStore::scan_audit(
    int64_t after_seq,
    const std::function<bool(int64_t seq, int64_t time_ms, std::span<const uint8_t> canonical,
                             std::span<const uint8_t> hash)>& visit) {
  Cursor cursor(scan_audit_);
  cursor.bind_int(1, after_seq);
  while (true) {
    auto row = cursor.step();
    if (!row) {
      return tl::unexpected(row.error());
    }
    if (!*row || !visit(cursor.column_int(0), cursor.column_int(1), cursor.column_blob_view(2),
                        cursor.column_blob_view(3))) {
      return {};
    }
  }
}

Result<int64_t> SqliteAuditStore::audit_count() {
  Cursor cursor(audit_count_);
  auto row = cursor.step();
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (!*row) {
    return fail(ErrorCode::kInternal, "audit_count failed: no result");
  }
  return cursor.column_int(0);
}

Result<void> SqliteAuditStore::append_checkpoint(const CheckpointRow& row) {
  if (auto open = require_transaction("append_checkpoint"); !open) {
    return open;
  }
  Cursor insert(insert_checkpoint_);
  insert.bind_int(1, row.seq);
  insert.bind_blob(2, row.head);
  insert.bind_int(3, row.time_ms);
  insert.bind_blob(4, row.signature);
  if (auto inserted = insert.run(); !inserted) {
    return tl::unexpected(insert_error(checkpoint_exists_, row.seq, std::move(inserted.error()),
                                       "append_checkpoint"));
  }
  return {};
}

Result<std::vector<CheckpointRow>> SqliteAuditStore::checkpoints() {
  std::vector<CheckpointRow> rows;
  Cursor cursor(checkpoints_);
  while (true) {
    auto row = cursor.step();
    if (!row) {
      return tl::unexpected(row.error());
    }
    if (!*row) {
      return rows;
    }
    auto head = fixed_bytes<32>(cursor.column_blob_view(1), kAuditFile, "checkpoint head");
    if (!head) {
      return tl::unexpected(head.error());
    }
    auto signature =
        fixed_bytes<64>(cursor.column_blob_view(3), kAuditFile, "checkpoint signature");
    if (!signature) {
      return tl::unexpected(signature.error());
    }
    rows.push_back(CheckpointRow{
        .seq = cursor.column_int(0),
        .head = *head,
        .time_ms = cursor.column_int(2),
        .signature = *signature,
    });
  }
}

Result<void> SqliteAuditStore::add_pending_intent(int64_t first_seq, int64_t last_seq) {
  if (auto open = require_transaction("add_pending_intent"); !open) {
    return open;
  }
  Cursor insert(add_pending_intent_);
  insert.bind_int(1, last_seq);
  insert.bind_int(2, first_seq);
  return insert.run();
}

Result<std::optional<int64_t>> SqliteAuditStore::remove_pending_intent(int64_t last_seq) {
  if (auto open = require_transaction("remove_pending_intent"); !open) {
    return tl::unexpected(open.error());
  }
  Cursor cursor(remove_pending_intent_);
  cursor.bind_int(1, last_seq);
  return first_row(cursor, [](const Cursor& row) { return row.column_int(0); });
}

Result<std::vector<AuditStore::PendingIntent>> SqliteAuditStore::pending_intents() {
  std::vector<PendingIntent> intents;
  Cursor cursor(pending_intents_);
  if (auto read =
          for_each_row(cursor,
                       [&](const Cursor& row) {
                         intents.push_back(PendingIntent{row.column_int(0), row.column_int(1)});
                       });
      !read) {
    return tl::unexpected(read.error());
  }
  return intents;
}

}  // namespace

Result<std::unique_ptr<AuditStore>> open_audit_store(const std::filesystem::path& path,
                                                     OpenMode mode) {
  return open_store<AuditStore, SqliteAuditStore>(path, mode, kSettings, kAuditMigrations);
}

// The audit file is created by the first connection to a vault that has none: a vault created
// before the log had a file of its own gets one, with its log copied from the data file.
Result<std::unique_ptr<AuditStore>> open_audit_connection(const std::filesystem::path& vault_dir) {
  std::error_code error;
  if (!std::filesystem::exists(keyring_file_path(vault_dir), error) ||
      !std::filesystem::exists(data_file_path(vault_dir), error)) {
    return fail(ErrorCode::kNotFound, "no vault in this directory (run `vigie init` first)");
  }
  const std::filesystem::path path = audit_file_path(vault_dir);
  auto opened = open_store<AuditStore, SqliteAuditStore>(path, OpenMode::kOpenExisting, kSettings,
                                                         kAuditMigrations);
  if (!opened && opened.error().code == ErrorCode::kNotFound) {
    opened = open_store<AuditStore, SqliteAuditStore>(path, OpenMode::kCreate, kSettings,
                                                      kAuditMigrations);
    if (!opened && opened.error().code == ErrorCode::kConflict) {
      // Another process created it first.
      opened = open_store<AuditStore, SqliteAuditStore>(path, OpenMode::kOpenExisting, kSettings,
                                                        kAuditMigrations);
    }
  }
  if (!opened) {
    return opened;
  }
  auto& store = static_cast<SqliteAuditStore&>(**opened);
  if (auto adopted = store.adopt_log_of_data_file(data_file_path(vault_dir)); !adopted) {
    return tl::unexpected(adopted.error());
  }
  return opened;
}

}  // namespace vigie::store::sqlite
