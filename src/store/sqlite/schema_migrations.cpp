#include "store/sqlite/schema_migrations.hpp"

#include <optional>
#include <string>

namespace vigie::store::sqlite {

namespace {

// The version recorded in the file, or nullopt when it has no schema_version table.
Result<std::optional<int64_t>> recorded_version(Database& db) {
  auto has_table = Statement::prepare(
      db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'",
      "read schema version");
  if (!has_table) {
    return tl::unexpected(has_table.error());
  }
  {
    Cursor cursor(*has_table);
    auto row = cursor.step();
    if (!row) {
      return tl::unexpected(row.error());
    }
    if (!*row || cursor.column_int(0) == 0) {
      return std::optional<int64_t>();
    }
  }
  auto select = Statement::prepare(db, "SELECT version FROM schema_version", "read schema version");
  if (!select) {
    return tl::unexpected(select.error());
  }
  Cursor cursor(*select);
  auto row = cursor.step();
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (!*row) {
    return std::optional<int64_t>();
  }
  return std::optional<int64_t>(cursor.column_int(0));
}

// The file's schema version; kIntegrity unless it is recorded and not newer than `latest`.
Result<int64_t> known_version(Database& db, int64_t latest) {
  auto recorded = recorded_version(db);
  if (!recorded) {
    return tl::unexpected(recorded.error());
  }
  const std::optional<int64_t>& version = *recorded;
  const std::string kind(db.file_kind());
  if (!version.has_value()) {
    return fail(ErrorCode::kIntegrity, kind + " is corrupt or not a vigie " + kind);
  }
  if (*version > latest) {
    return fail(ErrorCode::kIntegrity, kind + " schema version " + std::to_string(*version) +
                                           " is newer than this build supports (" +
                                           std::to_string(latest) + ")");
  }
  return *version;
}

// Runs inside the open transaction: creates the version table if `mode` is kCreate, then every
// script newer than the file's version.
Result<void> apply(Database& db, std::span<const Migration> migrations, OpenMode mode) {
  const int64_t latest = migrations.back().version;
  int64_t current = 0;
  if (mode == OpenMode::kCreate) {
    if (auto created = db.exec("create schema version table",
                               "CREATE TABLE schema_version (version INTEGER NOT NULL);"
                               "INSERT INTO schema_version (version) VALUES (0);");
        !created) {
      return created;
    }
  } else {
    // Read again under the write lock: another connection may have migrated meanwhile.
    auto version = known_version(db, latest);
    if (!version) {
      return tl::unexpected(version.error());
    }
    current = *version;
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) {
      continue;
    }
    const std::string operation =
        "schema migration to version " + std::to_string(migration.version);
    if (auto applied = db.exec(operation, std::string(migration.script)); !applied) {
      return applied;
    }
  }
  return db.exec("record schema version",
                 "UPDATE schema_version SET version = " + std::to_string(latest) + ";");
}

}  // namespace

Result<void> migrate(Database& db, std::span<const Migration> migrations, OpenMode mode) {
  for (size_t index = 0; index < migrations.size(); ++index) {
    if (migrations[index].version != static_cast<int64_t>(index) + 1) {
      return fail(ErrorCode::kInternal, "schema migrations must be numbered 1, 2, 3, ...");
    }
  }
  if (migrations.empty()) {
    return fail(ErrorCode::kInternal, "no schema migration is defined");
  }
  const int64_t latest = migrations.back().version;
  if (mode == OpenMode::kOpenExisting) {
    auto version = known_version(db, latest);
    if (!version) {
      return tl::unexpected(version.error());
    }
    if (*version == latest) {
      return {};
    }
  }
  if (auto begun = db.exec("begin schema migration", "BEGIN IMMEDIATE;"); !begun) {
    return begun;
  }
  auto applied = apply(db, migrations, mode);
  if (applied) {
    applied = db.exec("commit schema migration", "COMMIT;");
  }
  if (!applied && db.in_transaction()) {
    static_cast<void>(db.exec("roll back schema migration", "ROLLBACK;"));
  }
  return applied;
}

}  // namespace vigie::store::sqlite
