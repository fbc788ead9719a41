#include "store/sqlite/sqlite_keyring_store.hpp"

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/open_store.hpp"
#include "store/sqlite/sqlite_handle.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace vigie::store::sqlite {

namespace {

// Version 1 of the keyring file.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE unlockers (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('passphrase', 'key-file')),
  argon2_ops_limit INTEGER NOT NULL,
  argon2_mem_limit INTEGER NOT NULL,
  salt BLOB NOT NULL,
  wrapped_master_key BLOB NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE TABLE system_keys (
  name TEXT PRIMARY KEY NOT NULL,
  wrapped BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE data_keys (
  compartment TEXT PRIMARY KEY NOT NULL,
  wrapped BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE erasure_ledger (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  compartment_hash BLOB NOT NULL,
  erased_ms INTEGER NOT NULL
);
)sql";

constexpr std::array kKeyringMigrations = {Migration{1, kSchemaV1}};

// WAL, like the data file: a key write never makes a concurrent read fail (with a rollback
// journal, a reader that missed the key cache could meet the writer's exclusive lock). WAL mode is
// stored in the file, so a keyring made in rollback-journal mode is converted at its first open.
// synchronous = FULL syncs the WAL at every commit: a key is durable before data sealed with it.
constexpr std::string_view kPragmas = R"sql(
PRAGMA synchronous = FULL;
PRAGMA secure_delete = ON;
PRAGMA temp_store = MEMORY;
PRAGMA foreign_keys = ON;
)sql";

constexpr FileSettings kSettings = {
    .file_kind = kKeyringFile, .journal_mode = "wal", .pragmas = kPragmas};

constexpr std::string_view kPassphrase = "passphrase";
constexpr std::string_view kKeyFile = "key-file";

std::string_view kind_name(UnlockerKind kind) {
  return kind == UnlockerKind::kPassphrase ? kPassphrase : kKeyFile;
}

// The keyring file on one connection. Not thread-safe.
class SqliteKeyringStore final : public KeyringStore {
 public:
  explicit SqliteKeyringStore(Database db) : db_(std::move(db)) {}

  SqliteKeyringStore(const SqliteKeyringStore&) = delete;
  SqliteKeyringStore& operator=(const SqliteKeyringStore&) = delete;

  // Prepares every statement once; called right after the schema is up to date.
  [[nodiscard]] Result<void> prepare_statements();

  Result<std::vector<UnlockerRecord>> unlockers() override;
  Result<int64_t> add_unlocker(const UnlockerRecord& record) override;
  Result<std::optional<std::vector<uint8_t>>> system_key(const std::string& name) override;
  Result<void> put_system_key(const std::string& name, std::span<const uint8_t> wrapped) override;
  Result<std::optional<std::vector<uint8_t>>> data_key(const std::string& compartment) override;
  Result<void> put_data_keys(
      std::span<const std::pair<std::string, std::vector<uint8_t>>> wrapped_keys,
      std::span<const std::vector<uint8_t>> erased_hashes) override;
  Result<bool> shred_data_key(const std::string& compartment,
                              const ErasureLedgerEntry& entry) override;
  Result<std::vector<ErasureLedgerEntry>> erasure_ledger() override;
  Result<std::vector<std::string>> data_key_compartments() override;
  Result<int64_t> merge_erasure_ledger(std::span<const ErasureLedgerEntry> entries) override;

 private:
  // Runs `body` (returning Result<T>) in its own IMMEDIATE transaction: committed when it
  // succeeds, rolled back when it or the commit fails.
  template <typename T, typename Body>
  [[nodiscard]] Result<T> in_transaction(Body&& body);

  // The wrapped key that `statement` (one parameter, one blob column) finds for `key`.
  [[nodiscard]] Result<std::optional<std::vector<uint8_t>>> read_key(Statement& statement,
                                                                     const std::string& key);

  // Declared first: statements are finalized before the connection closes.
  Database db_;
  Statement begin_;
  Statement commit_;
  Statement rollback_;
  Statement select_unlockers_;
  Statement insert_unlocker_;
  Statement select_system_key_;
  Statement upsert_system_key_;
  Statement select_data_key_;
  Statement insert_data_key_;
  Statement delete_data_key_;
  Statement insert_ledger_entry_;
  Statement select_ledger_;
  Statement select_ledger_hash_;
  Statement select_key_compartments_;
};

Result<void> SqliteKeyringStore::prepare_statements() {
  const struct {
    Statement* statement;
    std::string_view sql;
    std::string_view operation;
  } statements[] = {
      {&begin_, "BEGIN IMMEDIATE", "begin keyring transaction"},
      {&commit_, "COMMIT", "commit keyring transaction"},
      {&rollback_, "ROLLBACK", "roll back keyring transaction"},
      {&select_unlockers_,
       "SELECT id, kind, argon2_ops_limit, argon2_mem_limit, salt, wrapped_master_key, created_ms"
       " FROM unlockers ORDER BY id",
       "unlockers"},
      {&insert_unlocker_,
       "INSERT INTO unlockers (kind, argon2_ops_limit, argon2_mem_limit, salt,"
       " wrapped_master_key, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
       "add_unlocker"},
      {&select_system_key_, "SELECT wrapped FROM system_keys WHERE name = ?1", "system_key"},
      {&upsert_system_key_,
       "INSERT INTO system_keys (name, wrapped) VALUES (?1, ?2)"
       " ON CONFLICT (name) DO UPDATE SET wrapped = excluded.wrapped",
       "put_system_key"},
      {&select_data_key_, "SELECT wrapped FROM data_keys WHERE compartment = ?1", "data_key"},
      {&insert_data_key_, "INSERT INTO data_keys (compartment, wrapped) VALUES (?1, ?2)",
       "put_data_keys"},
      {&delete_data_key_, "DELETE FROM data_keys WHERE compartment = ?1", "shred_data_key"},
      {&insert_ledger_entry_,
       "INSERT INTO erasure_ledger (compartment_hash, erased_ms) VALUES (?1, ?2)",
       "shred_data_key"},
      {&select_ledger_, "SELECT compartment_hash, erased_ms FROM erasure_ledger ORDER BY seq",
       "erasure_ledger"},
      // A scan of the ledger (one row per erasure), run only when a new patient gets a key.
      {&select_ledger_hash_, "SELECT count(*) FROM erasure_ledger WHERE compartment_hash = ?1",
       "put_data_keys"},
      {&select_key_compartments_, "SELECT compartment FROM data_keys ORDER BY compartment",
       "data_key_compartments"},
  };
  return prepare_all(db_, statements);
}

template <typename T, typename Body>
Result<T> SqliteKeyringStore::in_transaction(Body&& body) {
  if (auto begun = Cursor(begin_).run(); !begun) {
    return tl::unexpected(begun.error());
  }
  Result<T> result = std::forward<Body>(body)();
  if (result) {
    if (auto committed = Cursor(commit_).run(); !committed) {
      result = tl::unexpected(committed.error());
    }
  }
  if (!result && db_.in_transaction()) {
    static_cast<void>(Cursor(rollback_).run());
  }
  return result;
}

Result<std::vector<UnlockerRecord>> SqliteKeyringStore::unlockers() {
  std::vector<UnlockerRecord> records;
  Cursor cursor(select_unlockers_);
  while (true) {
    auto row = cursor.step();
    if (!row) {
      return tl::unexpected(row.error());
    }
    if (!*row) {
      return records;
    }
    const std::string kind = cursor.column_text(1);
    if (kind != kPassphrase && kind != kKeyFile) {
      return fail(ErrorCode::kIntegrity, "keyring file holds an unlocker of unknown kind");
    }
    records.push_back(UnlockerRecord{
        .id = cursor.column_int(0),
        .kind = kind == kPassphrase ? UnlockerKind::kPassphrase : UnlockerKind::kKeyFile,
        .argon2_ops_limit = static_cast<uint64_t>(cursor.column_int(2)),
        .argon2_mem_limit = static_cast<uint64_t>(cursor.column_int(3)),
        .salt = cursor.column_blob(4),
        .wrapped_master_key = cursor.column_blob(5),
        .created_ms = cursor.column_int(6),
    });
  }
}

Result<int64_t> SqliteKeyringStore::add_unlocker(const UnlockerRecord& record) {
  return in_transaction<int64_t>([&]() -> Result<int64_t> {
    Cursor cursor(insert_unlocker_);
    cursor.bind_text(1, kind_name(record.kind));
    // SQLite integers are signed 64-bit; the limits round-trip through the same bits.
    cursor.bind_int(2, static_cast<int64_t>(record.argon2_ops_limit));
    cursor.bind_int(3, static_cast<int64_t>(record.argon2_mem_limit));
    cursor.bind_blob(4, record.salt);
    cursor.bind_blob(5, record.wrapped_master_key);
    cursor.bind_int(6, record.created_ms);
    if (auto inserted = cursor.run(); !inserted) {
      return tl::unexpected(inserted.error());
    }
    return db_.last_insert_rowid();
  });
}

Result<std::optional<std::vector<uint8_t>>> SqliteKeyringStore::read_key(Statement& statement,
                                                                         const std::string& key) {
  Cursor cursor(statement);
  cursor.bind_text(1, key);
  return first_row(cursor, [](const Cursor& row) { return row.column_blob(0); });
}

Result<std::optional<std::vector<uint8_t>>> SqliteKeyringStore::system_key(
    const std::string& name) {
  return read_key(select_system_key_, name);
}

// An existing key of that name is replaced (its old bytes overwritten on disk).
Result<void> SqliteKeyringStore::put_system_key(const std::string& name,
                                                std::span<const uint8_t> wrapped) {
  return in_transaction<void>([&]() -> Result<void> {
    Cursor cursor(upsert_system_key_);
    cursor.bind_text(1, name);
    cursor.bind_blob(2, wrapped);
    return cursor.run();
  });
}

Result<std::optional<std::vector<uint8_t>>> SqliteKeyringStore::data_key(
    const std::string& compartment) {
  return read_key(select_data_key_, compartment);
}

Result<void> SqliteKeyringStore::put_data_keys(
    std::span<const std::pair<std::string, std::vector<uint8_t>>> wrapped_keys,
    std::span<const std::vector<uint8_t>> erased_hashes) {
  return in_transaction<void>([&]() -> Result<void> {
    for (const std::vector<uint8_t>& hash : erased_hashes) {
      Cursor cursor(select_ledger_hash_);
      cursor.bind_blob(1, hash);
      auto found = first_row(cursor, [](const Cursor& row) { return row.column_int(0); });
      if (!found) {
        return tl::unexpected(found.error());
      }
      if (found->value_or(0) > 0) {
        return fail(ErrorCode::kConflict, "put_data_keys: the compartment was erased");
      }
    }
    for (const auto& [compartment, wrapped] : wrapped_keys) {
      Cursor cursor(insert_data_key_);
      cursor.bind_text(1, compartment);
      cursor.bind_blob(2, wrapped);
      if (auto inserted = cursor.run(); !inserted) {
        return inserted;
      }
    }
    return {};
  });
}

// secure_delete zeroes the key in the page that the commit writes, but earlier WAL frames still
// hold the page with the key: a checkpoint copies the zeroed page into the file and truncates the
// WAL. The checkpoint waits (busy timeout) for readers of older frames; if some remain, the WAL is
// reset by a later checkpoint, at the latest when the last connection closes.
Result<bool> SqliteKeyringStore::shred_data_key(const std::string& compartment,
                                                const ErasureLedgerEntry& entry) {
  auto shredded = in_transaction<bool>([&]() -> Result<bool> {
    {
      Cursor cursor(delete_data_key_);
      cursor.bind_text(1, compartment);
      if (auto deleted = cursor.run(); !deleted) {
        return tl::unexpected(deleted.error());
      }
    }
    if (db_.changes() == 0) {
      return false;
    }
    Cursor cursor(insert_ledger_entry_);
    cursor.bind_blob(1, entry.compartment_hash);
    cursor.bind_int(2, entry.erased_ms);
    if (auto inserted = cursor.run(); !inserted) {
      return tl::unexpected(inserted.error());
    }
    return true;
  });
  if (shredded && *shredded) {
    if (auto checkpointed = db_.exec("checkpoint keyring", "PRAGMA wal_checkpoint(TRUNCATE);");
        !checkpointed) {
      return tl::unexpected(checkpointed.error());
    }
  }
  return shredded;
}

Result<std::vector<ErasureLedgerEntry>> SqliteKeyringStore::erasure_ledger() {
  std::vector<ErasureLedgerEntry> entries;
  Cursor cursor(select_ledger_);
  if (auto read = for_each_row(cursor,
                               [&](const Cursor& row) {
                                 entries.push_back(ErasureLedgerEntry{
                                     .compartment_hash = row.column_blob(0),
                                     .erased_ms = row.column_int(1),
                                 });
                               });
      !read) {
    return tl::unexpected(read.error());
  }
  return entries;
}

Result<std::vector<std::string>> SqliteKeyringStore::data_key_compartments() {
  std::vector<std::string> compartments;
  Cursor cursor(select_key_compartments_);
  if (auto read = for_each_row(
          cursor, [&](const Cursor& row) { compartments.push_back(row.column_text(0)); });
      !read) {
    return tl::unexpected(read.error());
  }
  return compartments;
}

Result<int64_t> SqliteKeyringStore::merge_erasure_ledger(
    std::span<const ErasureLedgerEntry> entries) {
  return in_transaction<int64_t>([&]() -> Result<int64_t> {
    int64_t appended = 0;
    for (const ErasureLedgerEntry& entry : entries) {
      Cursor lookup(select_ledger_hash_);
      lookup.bind_blob(1, entry.compartment_hash);
      auto found = first_row(lookup, [](const Cursor& row) { return row.column_int(0); });
      if (!found) {
        return tl::unexpected(found.error());
      }
      if (found->value_or(0) > 0) {
        continue;
      }
      Cursor insert(insert_ledger_entry_);
      insert.bind_blob(1, entry.compartment_hash);
      insert.bind_int(2, entry.erased_ms);
      if (auto inserted = insert.run(); !inserted) {
        return tl::unexpected(inserted.error());
      }
      ++appended;
    }
    return appended;
  });
}

}  // namespace

std::span<const Migration> keyring_migrations() { return kKeyringMigrations; }

Result<std::unique_ptr<KeyringStore>> open_keyring_store_with_migrations(
    const std::filesystem::path& path, OpenMode mode, std::span<const Migration> migrations) {
  return open_store<KeyringStore, SqliteKeyringStore>(path, mode, kSettings, migrations);
}

Result<std::unique_ptr<KeyringStore>> open_keyring_store(const std::filesystem::path& path,
                                                         OpenMode mode) {
  return open_keyring_store_with_migrations(path, mode, keyring_migrations());
}

}  // namespace vigie::store::sqlite
