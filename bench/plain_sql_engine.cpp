#include "bench/plain_sql_engine.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>

#include <fmt/format.h>
#include <sqlite3.h>

#include "common/clock.hpp"
#include "fhir/json.hpp"
#include "fhir/search_index.hpp"
#include "store/sqlite/data_schema.hpp"

namespace vigie::bench {

namespace {

namespace json = boost::json;

// The store's own schema (store/sqlite/data_schema.hpp, versions 1 to 3: the audit and account
// tables stay empty here, as they do in a vault that only imports, reads and searches) and its
// settings.
constexpr std::string_view kSchemaVersion = R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (3);
)sql";

constexpr int kBusyTimeoutMs = 5000;
constexpr std::string_view kSharedCompartment = "*shared";
constexpr std::string_view kRowColumns =
    "type, id, version, last_updated_ms, compartment, deleted, sealed";

// store/sqlite/'s statements use UPSERT (SQLite 3.24), RETURNING and MATERIALIZED (3.35);
// SQLCipher 3.4.1 is built on SQLite 3.15.2. There, a plain INSERT and sqlite3_last_insert_rowid
// stand for the upsert (this benchmark only creates), and the search's common table expression
// is not flattened anyway (EXPLAIN QUERY PLAN gives the same token lookups then rk lookups).
constexpr int kFirstVersionWithReturning = 3035000;

struct StatementDeleter {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

struct DatabaseDeleter {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DatabasePtr = std::unique_ptr<sqlite3, DatabaseDeleter>;

// Binds, steps, then resets and clears a statement when leaving scope, as store/sqlite/'s Cursor
// does. The first failed bind is reported by step().
class Use {
 public:
  explicit Use(const StatementPtr& statement) : statement_(statement.get()) {}
  ~Use() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;

  void bind_text(int index, std::string_view text) {
    keep_first_error(sqlite3_bind_text64(statement_, index, text.empty() ? "" : text.data(),
                                         text.size(), SQLITE_STATIC, SQLITE_UTF8));
  }
  void bind_int(int index, int64_t value) {
    keep_first_error(sqlite3_bind_int64(statement_, index, value));
  }
  void bind_blob(int index, std::string_view bytes) {
    keep_first_error(sqlite3_bind_blob64(statement_, index, bytes.empty() ? "" : bytes.data(),
                                         bytes.size(), SQLITE_STATIC));
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return bind_rc_ != SQLITE_OK ? bind_rc_ : sqlite3_step(statement_); }
  std::string text(int index) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement_, index));
    return data == nullptr
               ? std::string()
               : std::string(data, static_cast<size_t>(sqlite3_column_bytes(statement_, index)));
  }
  std::string blob(int index) const {
    const auto* data = static_cast<const char*>(sqlite3_column_blob(statement_, index));
    return data == nullptr
               ? std::string()
               : std::string(data, static_cast<size_t>(sqlite3_column_bytes(statement_, index)));
  }
  int64_t integer(int index) const { return sqlite3_column_int64(statement_, index); }

 private:
  void keep_first_error(int rc) {
    if (bind_rc_ == SQLITE_OK) {
      bind_rc_ = rc;
    }
  }

  sqlite3_stmt* statement_;
  int bind_rc_ = SQLITE_OK;
};

Error sql_error(sqlite3* db, std::string_view operation) {
  return Error{ErrorCode::kInternal, fmt::format("{} failed: {}", operation, sqlite3_errmsg(db))};
}

// A stored row, copied out of SQLite as store/sqlite/'s read_row does.
struct Row {
  std::string type;
  std::string id;
  int64_t version = 0;
  int64_t last_updated_ms = 0;
  std::string compartment;
  bool deleted = false;
  std::string json_text;
};

}  // namespace

struct PlainSqlEngine::Impl {
  DatabasePtr db;
  StatementPtr begin;
  StatementPtr commit;
  StatementPtr rollback;
  StatementPtr insert_version;
  StatementPtr upsert_current;
  StatementPtr delete_tokens;
  StatementPtr insert_token;
  StatementPtr latest_version;
  std::map<std::vector<size_t>, StatementPtr> searches;
  SystemClock clock;
  bool keyed = false;
  bool modern = sqlite3_libversion_number() >= kFirstVersionWithReturning;

  Result<StatementPtr> prepare(std::string_view sql, std::string_view operation) {
    sqlite3_stmt* statement = nullptr;
#if SQLITE_VERSION_NUMBER >= 3020000
    const int rc = sqlite3_prepare_v3(db.get(), sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
#else
    const int rc =
        sqlite3_prepare_v2(db.get(), sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
#endif
    if (rc != SQLITE_OK) {
      sqlite3_finalize(statement);
      return tl::unexpected(sql_error(db.get(), operation));
    }
    return StatementPtr(statement);
  }

  Result<void> exec(std::string_view operation, const std::string& sql) {
    if (sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return tl::unexpected(sql_error(db.get(), operation));
    }
    return {};
  }

  // Runs a statement that returns no row.
  Result<void> run(Use& use, std::string_view operation) {
    if (use.step() != SQLITE_DONE) {
      return tl::unexpected(sql_error(db.get(), operation));
    }
    return {};
  }

  Result<std::string> single_value(const std::string& sql) {
    auto statement = prepare(sql, sql);
    if (!statement) {
      return tl::unexpected(statement.error());
    }
    Use use(*statement);
    if (use.step() != SQLITE_ROW) {
      return tl::unexpected(sql_error(db.get(), sql));
    }
    return use.text(0);
  }

  Result<void> write_entry(const fhir::PlannedEntry& entry, int64_t now_ms);
  Result<std::optional<Row>> latest(const std::string& type, const std::string& id);
  Result<std::vector<std::string>> find_ids(const fhir::SearchQuery& query);
};

// What vault/'s write_version does to a planned create, minus the blind tokens and the sealing.
Result<void> PlainSqlEngine::Impl::write_entry(const fhir::PlannedEntry& entry, int64_t now_ms) {
  constexpr int64_t kVersion = 1;
  json::value stored = entry.resource;
  json::object& resource = stored.as_object();
  resource["id"] = entry.id;
  json::value& meta_value = resource["meta"];
  if (!meta_value.is_object()) {
    meta_value = json::object();
  }
  json::object& meta = meta_value.as_object();
  meta["versionId"] = std::to_string(kVersion);
  meta["lastUpdated"] = fhir::format_instant(now_ms);
  const std::string compartment =
      fhir::patient_compartment_of(resource).value_or(std::string(kSharedCompartment));
  const std::vector<fhir::IndexEntry> index = fhir::index_entries(resource);
  // fhir::to_json_text, not json::serialize: a number that parse_json kept as its text (as it
  // does for sqlcipher_bench, which reads the resources from the workload file) must be written
  // as that number, not as a string.
  const std::string text = fhir::to_json_text(stored);
  {
    Use insert(insert_version);
    insert.bind_text(1, entry.type);
    insert.bind_text(2, entry.id);
    insert.bind_int(3, kVersion);
    insert.bind_int(4, now_ms);
    insert.bind_text(5, compartment);
    insert.bind_int(6, 0);
    insert.bind_blob(7, text);
    if (auto inserted = run(insert, "append_version"); !inserted) {
      return inserted;
    }
  }
  int64_t resource_key = 0;
  {
    Use upsert(upsert_current);
    upsert.bind_text(1, entry.type);
    upsert.bind_text(2, entry.id);
    upsert.bind_int(3, kVersion);
    upsert.bind_int(4, 0);
    const int rc = upsert.step();
    if (modern) {
      if (rc == SQLITE_DONE) {
        return {};
      }
      if (rc != SQLITE_ROW) {
        return tl::unexpected(sql_error(db.get(), "append_version"));
      }
      resource_key = upsert.integer(0);
    } else {
      if (rc != SQLITE_DONE) {
        return tl::unexpected(sql_error(db.get(), "append_version"));
      }
      resource_key = sqlite3_last_insert_rowid(db.get());
    }
  }
  {
    Use remove(delete_tokens);
    remove.bind_int(1, resource_key);
    if (auto removed = run(remove, "append_version"); !removed) {
      return removed;
    }
  }
  for (const fhir::IndexEntry& index_entry : index) {
    Use insert(insert_token);
    insert.bind_text(1, entry.type);
    insert.bind_text(2, index_entry.param);
    insert.bind_blob(3, index_entry.value);
    insert.bind_int(4, resource_key);
    if (auto inserted = run(insert, "append_version"); !inserted) {
      return inserted;
    }
  }
  return {};
}

Result<std::optional<Row>> PlainSqlEngine::Impl::latest(const std::string& type,
                                                        const std::string& id) {
  Use select(latest_version);
  select.bind_text(1, type);
  select.bind_text(2, id);
  const int rc = select.step();
  if (rc == SQLITE_DONE) {
    return std::optional<Row>();
  }
  if (rc != SQLITE_ROW) {
    return tl::unexpected(sql_error(db.get(), "latest_version"));
  }
  return Row{select.text(0), select.text(1),         select.integer(2), select.integer(3),
             select.text(4), select.integer(5) != 0, select.blob(6)};
}

Result<std::vector<std::string>> PlainSqlEngine::Impl::find_ids(const fhir::SearchQuery& query) {
  std::vector<std::string> ids;
  std::vector<size_t> shape;
  for (const fhir::TokenCondition& condition : query.token_conditions) {
    if (condition.any_of.empty()) {
      return ids;
    }
    shape.push_back(condition.any_of.size());
  }
  auto found = searches.find(shape);
  if (found == searches.end()) {
    auto prepared = prepare(store::sqlite::data_search_sql(shape, modern), "find_ids");
    if (!prepared) {
      return tl::unexpected(prepared.error());
    }
    found = searches.emplace(shape, std::move(*prepared)).first;
  }
  Use select(found->second);
  select.bind_text(1, query.type);
  int index = 2;
  for (const fhir::TokenCondition& condition : query.token_conditions) {
    select.bind_text(index++, condition.param);
    for (const std::string& value : condition.any_of) {
      select.bind_blob(index++, value);
    }
  }
  while (true) {
    const int rc = select.step();
    if (rc == SQLITE_DONE) {
      return ids;
    }
    if (rc != SQLITE_ROW) {
      return tl::unexpected(sql_error(db.get(), "find_ids"));
    }
    ids.push_back(select.text(0));
  }
}

PlainSqlEngine::PlainSqlEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PlainSqlEngine::~PlainSqlEngine() = default;

Result<std::unique_ptr<PlainSqlEngine>> PlainSqlEngine::create(const PlainSqlOptions& options) {
  auto impl = std::make_unique<Impl>();
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(options.path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  impl->db.reset(db);
  if (rc != SQLITE_OK) {
    return fail(ErrorCode::kInternal, "cannot create the benchmark database");
  }
  impl->keyed = !options.raw_key_hex.empty();
  if (impl->keyed) {
    // PRAGMA key must come first; a raw key skips SQLCipher's PBKDF2.
    if (auto keyed =
            impl->exec("set key", fmt::format("PRAGMA key = \"x'{}'\";", options.raw_key_hex));
        !keyed) {
      return tl::unexpected(keyed.error());
    }
    if (auto sized = impl->exec("set cipher page size", fmt::format("PRAGMA cipher_page_size = {};",
                                                                    options.cipher_page_size));
        !sized) {
      return tl::unexpected(sized.error());
    }
  }
  if (sqlite3_busy_timeout(db, kBusyTimeoutMs) != SQLITE_OK) {
    return tl::unexpected(sql_error(db, "set busy timeout"));
  }
  auto journal = impl->single_value("PRAGMA journal_mode = wal");
  if (!journal) {
    return tl::unexpected(journal.error());
  }
  if (*journal != "wal") {
    return fail(ErrorCode::kInternal, "WAL is not available");
  }
  for (auto [operation, sql] :
       {std::pair{"configure", store::sqlite::kDataPragmas}, std::pair{"schema", kSchemaVersion},
        std::pair{"schema", store::sqlite::kDataSchemaV1},
        std::pair{"schema", store::sqlite::kDataSchemaV2},
        std::pair{"schema", store::sqlite::kDataSchemaV3}}) {
    if (auto done = impl->exec(operation, std::string(sql)); !done) {
      return tl::unexpected(done.error());
    }
  }
  const std::string columns(kRowColumns);
  const std::string upsert =
      impl->modern
          ? "INSERT INTO resources_current (type, id, version, deleted) VALUES (?1, ?2, ?3, ?4)"
            " ON CONFLICT (type, id) DO UPDATE SET version = excluded.version,"
            " deleted = excluded.deleted WHERE excluded.version > resources_current.version"
            " RETURNING rk"
          : "INSERT INTO resources_current (type, id, version, deleted) VALUES (?1, ?2, ?3, ?4)";
  const std::pair<StatementPtr*, std::string> statements[] = {
      {&impl->begin, "BEGIN IMMEDIATE"},
      {&impl->commit, "COMMIT"},
      {&impl->rollback, "ROLLBACK"},
      {&impl->insert_version,
       "INSERT INTO resource_versions (" + columns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
      {&impl->upsert_current, upsert},
      {&impl->delete_tokens, "DELETE FROM search_tokens WHERE resource = ?1"},
      {&impl->insert_token,
       "INSERT OR IGNORE INTO search_tokens (type, param, token, resource)"
       " VALUES (?1, ?2, ?3, ?4)"},
      {&impl->latest_version,
       "SELECT " + columns +
           " FROM resource_versions WHERE type = ?1 AND id = ?2 ORDER BY version DESC LIMIT 1"},
  };
  for (const auto& [statement, sql] : statements) {
    auto prepared = impl->prepare(sql, "prepare");
    if (!prepared) {
      return tl::unexpected(prepared.error());
    }
    *statement = std::move(*prepared);
  }
  return std::unique_ptr<PlainSqlEngine>(new PlainSqlEngine(std::move(impl)));
}

Result<void> PlainSqlEngine::import_batch(const fhir::BundlePlan& batch) {
  {
    Use begin(impl_->begin);
    if (auto begun = impl_->run(begin, "begin"); !begun) {
      return begun;
    }
  }
  for (const fhir::PlannedEntry& entry : batch.entries) {
    if (auto written = impl_->write_entry(entry, impl_->clock.now_ms()); !written) {
      Use rollback(impl_->rollback);
      static_cast<void>(impl_->run(rollback, "rollback"));
      return written;
    }
  }
  Use commit(impl_->commit);
  return impl_->run(commit, "commit");
}

Result<json::object> PlainSqlEngine::read(const std::string& type, const std::string& id) {
  auto row = impl_->latest(type, id);
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (!row->has_value()) {
    return fail(ErrorCode::kNotFound, "resource not found");
  }
  if ((*row)->deleted) {
    return fail(ErrorCode::kGone, "resource deleted");
  }
  auto resource = fhir::parse_json_object((*row)->json_text);
  if (!resource) {
    return fail(ErrorCode::kIntegrity, "a stored record is not a JSON object");
  }
  return resource;
}

Result<std::vector<json::object>> PlainSqlEngine::search(const fhir::SearchQuery& query) {
  if (query.token_conditions.empty() || !query.ids.empty() || !query.date_conditions.empty()) {
    return fail(ErrorCode::kUsage, "the baseline engines run token searches only");
  }
  auto ids = impl_->find_ids(query);
  if (!ids) {
    return tl::unexpected(ids.error());
  }
  const size_t begin = std::min(query.offset, ids->size());
  const size_t end = std::min(begin + query.count, ids->size());
  std::vector<json::object> page;
  page.reserve(end - begin);
  for (size_t position = begin; position < end; ++position) {
    auto resource = read(query.type, (*ids)[position]);
    if (!resource) {
      return tl::unexpected(resource.error());
    }
    page.push_back(std::move(*resource));
  }
  return page;
}

Result<std::vector<std::pair<std::string, std::string>>> PlainSqlEngine::settings() {
  std::vector<std::pair<std::string, std::string>> values{{"sqlite_version", sqlite3_libversion()}};
  std::vector<std::string> pragmas = {"page_size", "cache_size", "journal_mode", "synchronous"};
  if (impl_->keyed) {
    for (const char* cipher_pragma :
         {"cipher_version", "cipher", "cipher_page_size", "cipher_use_hmac", "kdf_iter",
          "cipher_provider", "cipher_provider_version"}) {
      pragmas.emplace_back(cipher_pragma);
    }
  }
  for (const std::string& pragma : pragmas) {
    auto value = impl_->single_value("PRAGMA " + pragma);
    if (!value) {
      return tl::unexpected(value.error());
    }
    values.emplace_back(pragma, *value);
  }
  return values;
}

}  // namespace vigie::bench
