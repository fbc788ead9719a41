#include "store/sqlite/sqlite_data_store.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/words.hpp"
#include "store/sqlite/credential_memo.hpp"
#include "store/sqlite/data_schema.hpp"
#include "store/sqlite/open_store.hpp"
#include "store/sqlite/sqlite_handle.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/transaction_statements.hpp"

namespace vigie::store::sqlite {

namespace {

constexpr std::array kDataMigrations = {Migration{1, kDataSchemaV1}, Migration{2, kDataSchemaV2},
                                        Migration{3, kDataSchemaV3}, Migration{4, kDataSchemaV4},
                                        Migration{5, kDataSchemaV5}, Migration{6, kDataSchemaV6},
                                        Migration{7, kDataSchemaV7}, Migration{8, kDataSchemaV8}};

constexpr FileSettings kSettings = {
    .file_kind = kDataFile, .journal_mode = "wal", .pragmas = kDataPragmas};

// Searches prepare one statement per shape (number of groups and tokens per group); at most this
// many are kept.
constexpr size_t kMaxCachedSearches = 32;

constexpr std::string_view kRowColumns =
    "type, id, version, last_updated_ms, compartment, deleted, sealed";
// In the order of AccountRow's fields, as bound by bind_account and read by read_account_at.
constexpr std::string_view kAccountColumns =
    "login, display_name, role, rpps, status, password_hash, password_temporary, totp_sealed,"
    " totp_last_step, recovery_codes, failed_logins, created_ms, last_used_ms";
// In the order of CredentialRow's fields, as read by read_credential_at.
constexpr std::string_view kCredentialColumns =
    "id, kind, secret_hash, login, scopes, allowed_addresses, address, created_ms, last_used_ms,"
    " expires_ms, revoked_ms";
constexpr int kCredentialColumnCount =
    static_cast<int>(std::ranges::count(kCredentialColumns, ',')) + 1;
constexpr std::string_view kAssignmentColumns = "login, patient_id, source, created_ms";
constexpr std::string_view kBreakGlassColumns = "id, login, patient_id, reason_sealed, start_ms";
constexpr std::string_view kClientKeyColumns = "login, kid, alg, jwk, created_ms";
constexpr std::string_view kAlertColumns =
    "id, time_ms, kind, account, detail, account_locked, acknowledged_by, acknowledged_ms";
constexpr std::string_view kAlertDeliveryColumns =
    "alert_id, sink, attempts, next_attempt_ms, delivered_ms, last_error";

// Binds every field of `row` to ?1 .. ?13, in the order of kAccountColumns.
void bind_account(Cursor& cursor, const AccountRow& row) {
  cursor.bind_text(1, row.login);
  cursor.bind_text(2, row.display_name);
  cursor.bind_text(3, row.role);
  cursor.bind_text(4, row.rpps);
  cursor.bind_text(5, row.status);
  cursor.bind_text(6, row.password_hash);
  cursor.bind_int(7, row.password_temporary ? 1 : 0);
  cursor.bind_blob(8, row.totp_sealed);
  cursor.bind_int(9, row.totp_last_step);
  cursor.bind_text(10, row.recovery_codes);
  cursor.bind_int(11, row.failed_logins);
  cursor.bind_int(12, row.created_ms);
  cursor.bind_int(13, row.last_used_ms);
}

// `columns` (names separated by ", ") each prefixed with `alias`, for a join.
std::string qualified(std::string_view columns, std::string_view alias) {
  std::string out;
  for (const std::string& word : split_words(columns)) {
    out += out.empty() ? "" : ", ";
    out += alias;
    out += '.';
    out += std::string_view(word).substr(0, word.find(','));
  }
  return out;
}

// The account in the columns of `cursor` from `first` on.
AccountRow read_account_at(const Cursor& cursor, int first) {
  return AccountRow{
      .login = cursor.column_text(first),
      .display_name = cursor.column_text(first + 1),
      .role = cursor.column_text(first + 2),
      .rpps = cursor.column_text(first + 3),
      .status = cursor.column_text(first + 4),
      .password_hash = cursor.column_text(first + 5),
      .password_temporary = cursor.column_int(first + 6) != 0,
      .totp_sealed = cursor.column_blob(first + 7),
      .totp_last_step = cursor.column_int(first + 8),
      .recovery_codes = cursor.column_text(first + 9),
      .failed_logins = cursor.column_int(first + 10),
      .created_ms = cursor.column_int(first + 11),
      .last_used_ms = cursor.column_int(first + 12),
  };
}

AccountRow read_account(const Cursor& cursor) { return read_account_at(cursor, 0); }

// The credential in the columns of `cursor` from `first` on. kIntegrity when the stored secret
// hash is not 32 bytes.
Result<CredentialRow> read_credential_at(const Cursor& cursor, int first) {
  auto secret_hash =
      fixed_bytes<32>(cursor.column_blob_view(first + 2), kDataFile, "credential hash");
  if (!secret_hash) {
    return tl::unexpected(secret_hash.error());
  }
  return CredentialRow{
      .id = cursor.column_text(first),
      .kind = cursor.column_text(first + 1),
      .secret_hash = *secret_hash,
      .login = cursor.column_text(first + 3),
      .scopes = cursor.column_text(first + 4),
      .allowed_addresses = cursor.column_text(first + 5),
      .address = cursor.column_text(first + 6),
      .created_ms = cursor.column_int(first + 7),
      .last_used_ms = cursor.column_int(first + 8),
      .expires_ms = cursor.column_int(first + 9),
      .revoked_ms = cursor.column_int(first + 10),
  };
}

ClientKeyRow read_client_key(const Cursor& cursor) {
  return ClientKeyRow{
      .login = cursor.column_text(0),
      .kid = cursor.column_text(1),
      .alg = cursor.column_text(2),
      .jwk = cursor.column_text(3),
      .created_ms = cursor.column_int(4),
  };
}

AlertRow read_alert(const Cursor& cursor) {
  return AlertRow{
      .id = cursor.column_int(0),
      .time_ms = cursor.column_int(1),
      .kind = cursor.column_text(2),
      .account = cursor.column_text(3),
      .detail = cursor.column_text(4),
      .account_locked = cursor.column_int(5) != 0,
      .acknowledged_by = cursor.column_text(6),
      .acknowledged_ms = cursor.column_int(7),
  };
}

AlertDeliveryRow read_alert_delivery(const Cursor& cursor, int first_column) {
  return AlertDeliveryRow{
      .alert_id = cursor.column_int(first_column),
      .sink = cursor.column_text(first_column + 1),
      .attempts = cursor.column_int(first_column + 2),
      .next_attempt_ms = cursor.column_int(first_column + 3),
      .delivered_ms = cursor.column_int(first_column + 4),
      .last_error = cursor.column_text(first_column + 5),
  };
}

AssignmentRow read_assignment(const Cursor& cursor) {
  return AssignmentRow{
      .login = cursor.column_text(0),
      .patient_id = cursor.column_text(1),
      .source = cursor.column_text(2),
      .created_ms = cursor.column_int(3),
  };
}

BreakGlassRow read_break_glass(const Cursor& cursor) {
  return BreakGlassRow{
      .id = cursor.column_text(0),
      .login = cursor.column_text(1),
      .patient_id = cursor.column_text(2),
      .reason_sealed = cursor.column_blob(3),
      .start_ms = cursor.column_int(4),
  };
}

// Every row of `cursor` read by `read`.
template <typename Read>
auto read_all(Cursor& cursor, Read&& read)
    -> Result<std::vector<std::invoke_result_t<Read&, const Cursor&>>> {
  std::vector<std::invoke_result_t<Read&, const Cursor&>> rows;
  if (auto stepped = for_each_row(cursor, [&](const Cursor& row) { rows.push_back(read(row)); });
      !stepped) {
    return tl::unexpected(stepped.error());
  }
  return rows;
}

// The credentials of `cursor`'s rows, up to `limit` of them; the first malformed one fails.
Result<std::vector<CredentialRow>> read_credentials(Cursor& cursor, size_t limit) {
  std::vector<CredentialRow> rows;
  while (rows.size() < limit) {
    auto row = cursor.step();
    if (!row) {
      return tl::unexpected(row.error());
    }
    if (!*row) {
      break;
    }
    auto credential = read_credential_at(cursor, 0);
    if (!credential) {
      return tl::unexpected(credential.error());
    }
    rows.push_back(std::move(*credential));
  }
  return rows;
}

// The credential of the first row of `cursor`; nullopt when there is none.
Result<std::optional<CredentialRow>> first_credential(Cursor& cursor) {
  auto rows = read_credentials(cursor, 1);
  if (!rows) {
    return tl::unexpected(rows.error());
  }
  if (rows->empty()) {
    return std::optional<CredentialRow>();
  }
  return std::optional<CredentialRow>(std::move(rows->front()));
}

ResourceVersionRow read_row(const Cursor& cursor) {
  return ResourceVersionRow{
      .type = cursor.column_text(0),
      .id = cursor.column_text(1),
      .version = cursor.column_int(2),
      .last_updated_ms = cursor.column_int(3),
      .compartment = cursor.column_text(4),
      .deleted = cursor.column_int(5) != 0,
      .sealed = cursor.column_blob(6),
  };
}

// The data file on one connection. Not thread-safe: one object per thread; several objects on
// the same file work together through WAL and the busy timeout.
class SqliteDataStore final : public DataStore {
 public:
  explicit SqliteDataStore(Database db) : db_(std::move(db)) {}
  ~SqliteDataStore() override { rollback(); }

  SqliteDataStore(const SqliteDataStore&) = delete;
  SqliteDataStore& operator=(const SqliteDataStore&) = delete;

  // Prepares every fixed statement once; called right after the schema is up to date.
  [[nodiscard]] Result<void> prepare_statements();

  Result<void> begin() override { return transactions_.begin(db_); }
  Result<void> commit() override { return transactions_.commit(db_); }
  void rollback() override { transactions_.rollback(db_); }
  Result<void> commit_durable() override { return transactions_.commit_durable(db_); }
  Result<void> begin_read() override { return transactions_.begin_read(db_); }
  std::optional<uint32_t> file_version() const override { return db_.file_version(); }
  Result<void> append_version(const ResourceVersionRow& row,
                              std::span<const SearchToken> tokens) override;
  Result<std::optional<ResourceVersionRow>> latest_version(const std::string& type,
                                                           const std::string& id) override;
  Result<std::optional<ResourceVersionRow>> read_version(const std::string& type,
                                                         const std::string& id,
                                                         int64_t version) override;
  Result<std::vector<ResourceVersionRow>> history(const std::string& type,
                                                  const std::string& id) override;
  Result<std::vector<ResourceVersionRow>> versions_of_type(const std::string& type,
                                                           int64_t since_ms,
                                                           int64_t until_ms) override;
  Result<std::vector<ResourceVersionRow>> current_in_compartment(
      const std::string& compartment) override;
  Result<std::vector<std::string>> find_ids(const std::string& type,
                                            std::span<const TokenGroup> groups) override;
  Result<std::map<std::string, int64_t>> count_by_type() override;
  Result<std::vector<std::string>> compartments() override;
  Result<std::vector<TypeLastUpdate>> last_updates() override;
  Result<int64_t> remove_compartment(const std::string& compartment) override;
  Result<RemovedRows> remove_compartment_rows(const std::string& compartment,
                                              int64_t max_resources) override;
  Result<int64_t> count_versions_in(const std::string& compartment) override;
  Result<std::map<std::string, int64_t>> count_current_in(const std::string& compartment) override;
  Result<std::optional<std::string>> get_meta(const std::string& key) override;
  Result<void> set_meta(const std::string& key, const std::string& value) override;
  Result<void> mark_intent_committed(int64_t last_seq) override;
  Result<bool> intent_committed(int64_t last_seq) override;
  Result<std::optional<AccountRow>> account(const std::string& login) override;
  Result<std::vector<AccountRow>> accounts() override;
  Result<void> insert_account(const AccountRow& row) override;
  Result<void> update_account(const AccountRow& row) override;
  Result<void> insert_credential(const CredentialRow& row) override;
  Result<std::optional<CredentialRow>> credential_by_hash(
      std::span<const uint8_t, 32> secret_hash) override;
  Result<std::optional<CredentialRow>> credential(const std::string& id) override;
  Result<std::optional<CredentialWithAccount>> credential_with_account_by_hash(
      std::span<const uint8_t, 32> secret_hash) override;
  Result<std::vector<CredentialRow>> credentials_of(const std::string& login) override;
  Result<void> touch_credential(const std::string& id, int64_t last_used_ms) override;
  Result<bool> revoke_credential(const std::string& id, int64_t revoked_ms) override;
  Result<int64_t> revoke_credentials_of(const std::string& login, int64_t revoked_ms) override;
  Result<bool> add_assignment(const AssignmentRow& row) override;
  Result<bool> remove_assignment(const std::string& login, const std::string& patient_id,
                                 const std::string& source) override;
  Result<int64_t> remove_assignments_from(const std::string& source) override;
  Result<int64_t> remove_assignments_to(const std::string& patient_id) override;
  Result<std::vector<AssignmentRow>> assignments_of(const std::string& login) override;
  Result<bool> is_assigned(const std::string& login, const std::string& patient_id) override;
  Result<std::vector<CurrentMetadata>> current_metadata(const std::string& type,
                                                        std::span<const std::string> ids) override;
  Result<void> insert_break_glass(const BreakGlassRow& row) override;
  Result<std::vector<BreakGlassRow>> break_glass_of(const std::string& login,
                                                    int64_t since_ms) override;
  Result<bool> insert_client_key(const ClientKeyRow& row) override;
  Result<std::vector<ClientKeyRow>> client_keys(const std::string& login) override;
  Result<int64_t> insert_alert(const AlertRow& row) override;
  Result<std::vector<AlertRow>> list_alerts(int64_t after_id, size_t limit,
                                            bool open_only) override;
  Result<bool> acknowledge_alert(int64_t id, const std::string& by, int64_t at_ms) override;
  Result<std::vector<DueAlert>> due_alert_deliveries(const std::string& sink, int64_t now_ms,
                                                     size_t limit) override;
  Result<void> save_alert_delivery(const AlertDeliveryRow& row) override;
  Result<std::vector<AlertDeliveryRow>> alert_deliveries(int64_t after_id,
                                                         int64_t last_id) override;
  Result<bool> remember_assertion_id(std::span<const uint8_t, 32> id_hash,
                                     int64_t expires_ms) override;
  Result<int64_t> forget_assertion_ids_before(int64_t now_ms) override;

 private:
  // kInternal unless a write transaction is open.
  [[nodiscard]] Result<void> require_transaction(std::string_view operation) const;
  // The cached statement for the shape of `groups`, prepared on first use.
  [[nodiscard]] Result<Statement*> search_statement(std::span<const TokenGroup> groups);
  // Runs a statement that reads rows of resource_versions for (type, id).
  [[nodiscard]] Result<std::vector<ResourceVersionRow>> read_rows(Cursor& cursor);

  // Declared first: statements are finalized before the connection closes.
  Database db_;
  TransactionStatements transactions_;
  Statement insert_version_;
  Statement upsert_current_;
  Statement delete_tokens_;
  Statement insert_token_;
  Statement latest_version_;
  Statement read_version_;
  Statement history_;
  Statement versions_of_type_;
  Statement current_in_compartment_;
  Statement current_ids_;
  Statement count_by_type_;
  Statement compartments_;
  Statement last_updates_;
  Statement remove_compartment_tokens_;
  Statement recompute_compartment_current_;
  Statement remove_compartment_current_;
  Statement remove_compartment_versions_;
  Statement resources_in_compartment_;
  Statement current_key_in_compartment_;
  Statement remove_resource_tokens_;
  Statement fallback_version_;
  Statement set_current_version_;
  Statement remove_current_;
  Statement remove_resource_versions_in_;
  Statement count_versions_in_;
  Statement count_current_in_;
  Statement get_meta_;
  Statement set_meta_;
  Statement mark_intent_committed_;
  Statement intent_committed_;
  Statement account_;
  Statement accounts_;
  Statement insert_account_;
  Statement update_account_;
  Statement insert_credential_;
  Statement credential_by_hash_;
  Statement credential_with_account_by_hash_;
  Statement credential_;
  Statement credential_exists_;
  Statement credentials_of_;
  Statement touch_credential_;
  Statement revoke_credential_;
  Statement revoke_credentials_of_;
  Statement add_assignment_;
  Statement remove_assignment_;
  Statement remove_assignments_from_;
  Statement remove_assignments_to_;
  Statement assignments_of_;
  Statement is_assigned_;
  Statement current_metadata_;
  Statement insert_break_glass_;
  Statement break_glass_of_;
  Statement insert_client_key_;
  Statement client_keys_;
  Statement insert_alert_;
  Statement list_alerts_;
  Statement acknowledge_alert_;
  Statement due_alert_deliveries_;
  Statement save_alert_delivery_;
  Statement alert_deliveries_;
  Statement remember_assertion_id_;
  Statement forget_assertion_ids_;
  Statement data_version_;
  std::map<std::vector<size_t>, Statement> search_statements_;
  CredentialMemo credential_memo_;
};

Result<void> SqliteDataStore::prepare_statements() {
  // The keys of resources whose current version is in compartment ?1, used by
  // remove_compartment before that compartment's versions are deleted.
  const std::string current_in_compartment =
      "SELECT rc.rk FROM resource_versions AS rv JOIN resources_current AS rc"
      " ON rc.type = rv.type AND rc.id = rv.id AND rc.version = rv.version"
      " WHERE rv.compartment = ?1";
  const std::string columns(kRowColumns);
  const std::string metadata_columns =
      "type, id, version, last_updated_ms, compartment, deleted, X''";
  const std::string account_columns(kAccountColumns);
  const std::string credential_columns(kCredentialColumns);
  const std::string assignment_columns(kAssignmentColumns);
  const std::string break_glass_columns(kBreakGlassColumns);
  const std::string client_key_columns(kClientKeyColumns);
  const std::string alert_columns(kAlertColumns);
  const std::string alert_delivery_columns(kAlertDeliveryColumns);
  const struct {
    Statement* statement;
    std::string sql;
    std::string_view operation;
  } statements[] = {
      {&insert_version_,
       "INSERT INTO resource_versions (" + columns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
       "append_version"},
      // Only a version higher than the current one becomes current; then the resource's key is
      // returned, else no row.
      {&upsert_current_,
       "INSERT INTO resources_current (type, id, version, deleted) VALUES (?1, ?2, ?3, ?4)"
       " ON CONFLICT (type, id) DO UPDATE SET version = excluded.version,"
       " deleted = excluded.deleted WHERE excluded.version > resources_current.version"
       " RETURNING rk",
       "append_version"},
      {&delete_tokens_, "DELETE FROM search_tokens WHERE resource = ?1", "append_version"},
      // A resource may yield the same token twice (two names with one family); one row is kept.
      {&insert_token_,
       "INSERT OR IGNORE INTO search_tokens (type, param, token, resource)"
       " VALUES (?1, ?2, ?3, ?4)",
       "append_version"},
      {&latest_version_,
       "SELECT " + columns +
           " FROM resource_versions WHERE type = ?1 AND id = ?2 ORDER BY version DESC LIMIT 1",
       "latest_version"},
      {&read_version_,
       "SELECT " + columns + " FROM resource_versions WHERE type = ?1 AND id = ?2 AND version = ?3",
       "read_version"},
      {&history_,
       "SELECT " + columns +
           " FROM resource_versions WHERE type = ?1 AND id = ?2 ORDER BY version DESC",
       "history"},
      // Metadata only: an empty blob stands for `sealed`, so that read_row reads these rows too.
      {&versions_of_type_,
       "SELECT " + metadata_columns +
           " FROM resource_versions WHERE type = ?1 AND last_updated_ms BETWEEN ?2 AND ?3"
           " ORDER BY last_updated_ms DESC, id, version DESC",
       "versions_of_type"},
      {&current_in_compartment_,
       "SELECT rv.type, rv.id, rv.version, rv.last_updated_ms, rv.compartment, rv.deleted, X''"
       " FROM resource_versions AS rv JOIN resources_current AS rc"
       " ON rc.type = rv.type AND rc.id = rv.id AND rc.version = rv.version"
       " WHERE rv.compartment = ?1 AND rc.deleted = 0 ORDER BY rv.type, rv.id",
       "current_in_compartment"},
      {&current_ids_,
       "SELECT id FROM resources_current WHERE type = ?1 AND deleted = 0 ORDER BY id", "find_ids"},
      {&count_by_type_,
       "SELECT type, count(*) FROM resources_current WHERE deleted = 0 GROUP BY type",
       "count_by_type"},
      {&compartments_, "SELECT DISTINCT compartment FROM resource_versions ORDER BY compartment",
       "compartments"},
      {&last_updates_,
       "SELECT compartment, type, max(last_updated_ms) FROM resource_versions"
       " GROUP BY compartment, type ORDER BY compartment, type",
       "last_updates"},
      {&remove_compartment_tokens_,
       "DELETE FROM search_tokens WHERE resource IN (" + current_in_compartment + ")",
       "remove_compartment"},
      // A resource whose current version is in the compartment but which has versions elsewhere
      // falls back to its highest remaining version (with no tokens: they belonged to the
      // removed version). The next statement removes the others.
      {&recompute_compartment_current_,
       "UPDATE resources_current AS c SET (version, deleted) = (SELECT v.version, v.deleted"
       " FROM resource_versions AS v WHERE v.type = c.type AND v.id = c.id"
       " AND v.compartment <> ?1 ORDER BY v.version DESC LIMIT 1)"
       " WHERE c.rk IN (" +
           current_in_compartment +
           ") AND EXISTS (SELECT 1 FROM resource_versions AS w"
           " WHERE w.type = c.type AND w.id = c.id AND w.compartment <> ?1)",
       "remove_compartment"},
      {&remove_compartment_current_,
       "DELETE FROM resources_current WHERE rk IN (" + current_in_compartment + ")",
       "remove_compartment"},
      {&remove_compartment_versions_, "DELETE FROM resource_versions WHERE compartment = ?1",
       "remove_compartment"},
      {&resources_in_compartment_,
       "SELECT DISTINCT type, id FROM resource_versions WHERE compartment = ?1 LIMIT ?2",
       "remove_compartment_rows"},
      {&current_key_in_compartment_,
       "SELECT rc.rk FROM resources_current AS rc JOIN resource_versions AS rv"
       " ON rv.type = rc.type AND rv.id = rc.id AND rv.version = rc.version"
       " WHERE rc.type = ?1 AND rc.id = ?2 AND rv.compartment = ?3",
       "remove_compartment_rows"},
      {&remove_resource_tokens_, "DELETE FROM search_tokens WHERE resource = ?1",
       "remove_compartment_rows"},
      {&fallback_version_,
       "SELECT version, deleted FROM resource_versions WHERE type = ?1 AND id = ?2"
       " AND compartment <> ?3 ORDER BY version DESC LIMIT 1",
       "remove_compartment_rows"},
      {&set_current_version_,
       "UPDATE resources_current SET version = ?2, deleted = ?3 WHERE rk = ?1",
       "remove_compartment_rows"},
      {&remove_current_, "DELETE FROM resources_current WHERE rk = ?1", "remove_compartment_rows"},
      {&remove_resource_versions_in_,
       "DELETE FROM resource_versions WHERE type = ?1 AND id = ?2 AND compartment = ?3",
       "remove_compartment_rows"},
      {&count_versions_in_, "SELECT count(*) FROM resource_versions WHERE compartment = ?1",
       "count_versions_in"},
      {&count_current_in_,
       "SELECT rc.type, count(*) FROM resource_versions AS rv JOIN resources_current AS rc"
       " ON rc.type = rv.type AND rc.id = rv.id AND rc.version = rv.version"
       " WHERE rv.compartment = ?1 AND rc.deleted = 0 GROUP BY rc.type",
       "count_current_in"},
      {&get_meta_, "SELECT value FROM meta WHERE key = ?1", "get_meta"},
      {&data_version_, "PRAGMA data_version", "credential_with_account_by_hash"},
      {&set_meta_,
       "INSERT INTO meta (key, value) VALUES (?1, ?2)"
       " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
       "set_meta"},
      {&mark_intent_committed_, "INSERT INTO committed_intents (last_seq) VALUES (?1)",
       "mark_intent_committed"},
      {&intent_committed_, "SELECT 1 FROM committed_intents WHERE last_seq = ?1",
       "intent_committed"},
      {&account_, "SELECT " + account_columns + " FROM accounts WHERE login = ?1", "account"},
      {&accounts_, "SELECT " + account_columns + " FROM accounts ORDER BY login", "accounts"},
      {&insert_account_,
       "INSERT INTO accounts (" + account_columns +
           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
       "insert_account"},
      {&update_account_,
       "UPDATE accounts SET display_name = ?2, role = ?3, rpps = ?4, status = ?5,"
       " password_hash = ?6, password_temporary = ?7, totp_sealed = ?8, totp_last_step = ?9,"
       " recovery_codes = ?10, failed_logins = ?11, created_ms = ?12, last_used_ms = ?13"
       " WHERE login = ?1",
       "update_account"},
      {&insert_credential_,
       "INSERT INTO credentials (" + credential_columns +
           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
       "insert_credential"},
      {&credential_by_hash_,
       "SELECT " + credential_columns + " FROM credentials WHERE secret_hash = ?1",
       "credential_by_hash"},
      {&credential_, "SELECT " + credential_columns + " FROM credentials WHERE id = ?1",
       "credential"},
      {&credential_with_account_by_hash_,
       "SELECT " + qualified(kCredentialColumns, "c") + ", " + qualified(kAccountColumns, "a") +
           " FROM credentials AS c JOIN accounts AS a ON a.login = c.login"
           " WHERE c.secret_hash = ?1",
       "credential_with_account_by_hash"},
      {&credential_exists_, "SELECT 1 FROM credentials WHERE id = ?1", "revoke_credential"},
      // id orders credentials created in the same millisecond, so the order is stable.
      {&credentials_of_,
       "SELECT " + credential_columns +
           " FROM credentials WHERE login = ?1 ORDER BY created_ms, id",
       "credentials_of"},
      {&touch_credential_, "UPDATE credentials SET last_used_ms = ?2 WHERE id = ?1",
       "touch_credential"},
      {&revoke_credential_,
       "UPDATE credentials SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms = 0",
       "revoke_credential"},
      {&revoke_credentials_of_,
       "UPDATE credentials SET revoked_ms = ?2 WHERE login = ?1 AND revoked_ms = 0",
       "revoke_credentials_of"},
      // Not INSERT OR IGNORE, which would also skip a row that breaks a NOT NULL constraint.
      {&add_assignment_,
       "INSERT INTO assignments (" + assignment_columns +
           ") VALUES (?1, ?2, ?3, ?4) ON CONFLICT (login, patient_id, source) DO NOTHING",
       "add_assignment"},
      {&remove_assignment_,
       "DELETE FROM assignments WHERE login = ?1 AND patient_id = ?2 AND source = ?3",
       "remove_assignment"},
      {&remove_assignments_from_, "DELETE FROM assignments WHERE source = ?1",
       "remove_assignments_from"},
      {&remove_assignments_to_, "DELETE FROM assignments WHERE patient_id = ?1",
       "remove_assignments_to"},
      {&assignments_of_,
       "SELECT " + assignment_columns +
           " FROM assignments WHERE login = ?1 ORDER BY patient_id, source",
       "assignments_of"},
      {&is_assigned_, "SELECT 1 FROM assignments WHERE login = ?1 AND patient_id = ?2 LIMIT 1",
       "is_assigned"},
      // ?2 is a JSON array of ids: one statement for any number of them. CROSS JOIN fixes the
      // order (ids, then one index lookup each); left to itself the planner scans every version
      // of the type.
      {&current_metadata_,
       "SELECT CAST(j.key AS INTEGER), rv.compartment, rv.last_updated_ms, rc.deleted"
       " FROM json_each(?2) AS j"
       " CROSS JOIN resources_current rc CROSS JOIN resource_versions rv"
       " WHERE rc.type = ?1 AND rc.id = j.value"
       " AND rv.type = rc.type AND rv.id = rc.id AND rv.version = rc.version",
       "current_metadata"},
      {&insert_break_glass_,
       "INSERT INTO break_glass (" + break_glass_columns + ") VALUES (?1, ?2, ?3, ?4, ?5)",
       "insert_break_glass"},
      // rowid orders grants that started in the same millisecond by insertion.
      {&break_glass_of_,
       "SELECT " + break_glass_columns +
           " FROM break_glass WHERE login = ?1 AND start_ms >= ?2 ORDER BY start_ms, rowid",
       "break_glass_of"},
      {&insert_client_key_,
       "INSERT OR IGNORE INTO client_keys (" + client_key_columns + ") VALUES (?1, ?2, ?3, ?4, ?5)",
       "insert_client_key"},
      {&client_keys_,
       "SELECT " + client_key_columns + " FROM client_keys WHERE login = ?1 ORDER BY kid",
       "client_keys"},
      {&insert_alert_,
       "INSERT INTO alerts (time_ms, kind, account, detail, account_locked) VALUES (?1, ?2, ?3, "
       "?4, ?5)",
       "insert_alert"},
      {&list_alerts_,
       "SELECT " + alert_columns +
           " FROM alerts WHERE id > ?1 AND (?2 = 0 OR acknowledged_ms = 0) ORDER BY id LIMIT ?3",
       "list_alerts"},
      {&acknowledge_alert_,
       "UPDATE alerts SET acknowledged_by = ?2, acknowledged_ms = ?3 WHERE id = ?1 AND "
       "acknowledged_ms = 0",
       "acknowledge_alert"},
      // An alert without a row for the sink was never tried: it is due, with 0 attempts.
      {&due_alert_deliveries_,
       "SELECT a.id, a.time_ms, a.kind, a.account, a.detail, a.account_locked, "
       "a.acknowledged_by, a.acknowledged_ms, a.id, ?1, coalesce(d.attempts, 0), "
       "coalesce(d.next_attempt_ms, 0), 0, coalesce(d.last_error, '') FROM alerts AS a "
       "LEFT JOIN alert_deliveries AS d ON d.alert_id = a.id AND d.sink = ?1 "
       "WHERE coalesce(d.delivered_ms, 0) = 0 AND coalesce(d.next_attempt_ms, 0) <= ?2 "
       "ORDER BY a.id LIMIT ?3",
       "due_alert_deliveries"},
      {&save_alert_delivery_,
       "INSERT OR REPLACE INTO alert_deliveries (" + alert_delivery_columns +
           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
       "save_alert_delivery"},
      {&alert_deliveries_,
       "SELECT " + alert_delivery_columns +
           " FROM alert_deliveries WHERE alert_id > ?1 AND alert_id <= ?2 ORDER BY alert_id, sink",
       "alert_deliveries"},
      {&remember_assertion_id_,
       "INSERT OR IGNORE INTO assertion_ids (id_hash, expires_ms) VALUES (?1, ?2)",
       "remember_assertion_id"},
      {&forget_assertion_ids_, "DELETE FROM assertion_ids WHERE expires_ms < ?1",
       "forget_assertion_ids_before"},
  };
  if (auto prepared = transactions_.prepare(db_); !prepared) {
    return prepared;
  }
  return prepare_all(db_, statements);
}

Result<void> SqliteDataStore::require_transaction(std::string_view operation) const {
  return sqlite::require_transaction(db_, operation);
}

// When `row` is not newer than the current version (an older version appended late), it is
// stored but does not become current, and the current version's tokens stay.
Result<void> SqliteDataStore::append_version(const ResourceVersionRow& row,
                                             std::span<const SearchToken> tokens) {
  if (auto open = require_transaction("append_version"); !open) {
    return open;
  }
  {
    Cursor insert(insert_version_);
    insert.bind_text(1, row.type);
    insert.bind_text(2, row.id);
    insert.bind_int(3, row.version);
    insert.bind_int(4, row.last_updated_ms);
    insert.bind_text(5, row.compartment);
    insert.bind_int(6, row.deleted ? 1 : 0);
    insert.bind_blob(7, row.sealed);
    if (auto inserted = insert.run(); !inserted) {
      return inserted;
    }
  }
  int64_t resource_key = 0;
  {
    Cursor upsert(upsert_current_);
    upsert.bind_text(1, row.type);
    upsert.bind_text(2, row.id);
    upsert.bind_int(3, row.version);
    upsert.bind_int(4, row.deleted ? 1 : 0);
    auto became_current = upsert.step();
    if (!became_current) {
      return tl::unexpected(became_current.error());
    }
    if (!*became_current) {
      return {};
    }
    resource_key = upsert.column_int(0);
  }
  {
    Cursor remove(delete_tokens_);
    remove.bind_int(1, resource_key);
    if (auto removed = remove.run(); !removed) {
      return removed;
    }
  }
  if (row.deleted) {
    return {};
  }
  for (const SearchToken& token : tokens) {
    Cursor insert(insert_token_);
    insert.bind_text(1, row.type);
    insert.bind_text(2, token.param);
    insert.bind_blob(3, token.token);
    insert.bind_int(4, resource_key);
    if (auto inserted = insert.run(); !inserted) {
      return inserted;
    }
  }
  return {};
}

Result<std::vector<ResourceVersionRow>> SqliteDataStore::read_rows(Cursor& cursor) {
  std::vector<ResourceVersionRow> rows;
  if (auto read = for_each_row(cursor, [&](const Cursor& row) { rows.push_back(read_row(row)); });
      !read) {
    return tl::unexpected(read.error());
  }
  return rows;
}

Result<std::optional<ResourceVersionRow>> SqliteDataStore::latest_version(const std::string& type,
                                                                          const std::string& id) {
  Cursor cursor(latest_version_);
  cursor.bind_text(1, type);
  cursor.bind_text(2, id);
  return first_row(cursor, read_row);
}

Result<std::optional<ResourceVersionRow>> SqliteDataStore::read_version(const std::string& type,
                                                                        const std::string& id,
                                                                        int64_t version) {
  Cursor cursor(read_version_);
  cursor.bind_text(1, type);
  cursor.bind_text(2, id);
  cursor.bind_int(3, version);
  return first_row(cursor, read_row);
}

Result<std::vector<ResourceVersionRow>> SqliteDataStore::history(const std::string& type,
                                                                 const std::string& id) {
  Cursor cursor(history_);
  cursor.bind_text(1, type);
  cursor.bind_text(2, id);
  return read_rows(cursor);
}

Result<std::vector<ResourceVersionRow>> SqliteDataStore::versions_of_type(const std::string& type,
                                                                          int64_t since_ms,
                                                                          int64_t until_ms) {
  Cursor cursor(versions_of_type_);
  cursor.bind_text(1, type);
  cursor.bind_int(2, since_ms);
  cursor.bind_int(3, until_ms);
  return read_rows(cursor);
}

Result<std::vector<ResourceVersionRow>> SqliteDataStore::current_in_compartment(
    const std::string& compartment) {
  Cursor cursor(current_in_compartment_);
  cursor.bind_text(1, compartment);
  return read_rows(cursor);
}

Result<Statement*> SqliteDataStore::search_statement(std::span<const TokenGroup> groups) {
  std::vector<size_t> shape;
  shape.reserve(groups.size());
  for (const TokenGroup& group : groups) {
    shape.push_back(group.any_of.size());
  }
  if (auto found = search_statements_.find(shape); found != search_statements_.end()) {
    return &found->second;
  }
  auto prepared = Statement::prepare(db_, data_search_sql(shape), "find_ids");
  if (!prepared) {
    return tl::unexpected(prepared.error());
  }
  if (search_statements_.size() >= kMaxCachedSearches) {
    search_statements_.clear();
  }
  return &search_statements_.emplace(std::move(shape), std::move(*prepared)).first->second;
}

Result<std::vector<std::string>> SqliteDataStore::find_ids(const std::string& type,
                                                           std::span<const TokenGroup> groups) {
  std::vector<std::string> ids;
  for (const TokenGroup& group : groups) {
    if (group.any_of.empty()) {
      return ids;
    }
  }
  Statement* statement = &current_ids_;
  if (!groups.empty()) {
    auto search = search_statement(groups);
    if (!search) {
      return tl::unexpected(search.error());
    }
    statement = *search;
  }
  Cursor cursor(*statement);
  cursor.bind_text(1, type);
  int index = 2;
  for (const TokenGroup& group : groups) {
    cursor.bind_text(index++, group.param);
    for (const Token& token : group.any_of) {
      cursor.bind_blob(index++, token);
    }
  }
  if (auto read =
          for_each_row(cursor, [&](const Cursor& row) { ids.push_back(row.column_text(0)); });
      !read) {
    return tl::unexpected(read.error());
  }
  return ids;
}

Result<std::map<std::string, int64_t>> SqliteDataStore::count_by_type() {
  std::map<std::string, int64_t> counts;
  Cursor cursor(count_by_type_);
  if (auto read = for_each_row(
          cursor,
          [&](const Cursor& row) { counts.emplace(row.column_text(0), row.column_int(1)); });
      !read) {
    return tl::unexpected(read.error());
  }
  return counts;
}

Result<std::vector<std::string>> SqliteDataStore::compartments() {
  std::vector<std::string> compartments;
  Cursor cursor(compartments_);
  if (auto read = for_each_row(
          cursor, [&](const Cursor& row) { compartments.push_back(row.column_text(0)); });
      !read) {
    return tl::unexpected(read.error());
  }
  return compartments;
}

Result<std::vector<DataStore::TypeLastUpdate>> SqliteDataStore::last_updates() {
  std::vector<TypeLastUpdate> updates;
  Cursor cursor(last_updates_);
  if (auto read = for_each_row(cursor,
                               [&](const Cursor& row) {
                                 updates.push_back(TypeLastUpdate{
                                     row.column_text(0), row.column_text(1), row.column_int(2)});
                               });
      !read) {
    return tl::unexpected(read.error());
  }
  return updates;
}

Result<int64_t> SqliteDataStore::remove_compartment(const std::string& compartment) {
  if (auto open = require_transaction("remove_compartment"); !open) {
    return tl::unexpected(open.error());
  }
  // Order matters: the first three find their rows through the versions the last one deletes.
  for (Statement* statement : {&remove_compartment_tokens_, &recompute_compartment_current_,
                               &remove_compartment_current_, &remove_compartment_versions_}) {
    Cursor cursor(*statement);
    cursor.bind_text(1, compartment);
    if (auto removed = cursor.run(); !removed) {
      return tl::unexpected(removed.error());
    }
  }
  return db_.changes();
}

Result<DataStore::RemovedRows> SqliteDataStore::remove_compartment_rows(
    const std::string& compartment, int64_t max_resources) {
  if (auto open = require_transaction("remove_compartment_rows"); !open) {
    return tl::unexpected(open.error());
  }
  std::vector<std::pair<std::string, std::string>> resources;
  {
    Cursor cursor(resources_in_compartment_);
    cursor.bind_text(1, compartment);
    cursor.bind_int(2, max_resources);
    if (auto read = for_each_row(cursor,
                                 [&](const Cursor& row) {
                                   resources.emplace_back(row.column_text(0), row.column_text(1));
                                 });
        !read) {
      return tl::unexpected(read.error());
    }
  }
  RemovedRows removed;
  for (const auto& [type, id] : resources) {
    // Order matters, as in remove_compartment: the current version is found through the
    // versions removed last.
    Cursor current(current_key_in_compartment_);
    current.bind_text(1, type);
    current.bind_text(2, id);
    current.bind_text(3, compartment);
    auto key = first_row(current, [](const Cursor& row) { return row.column_int(0); });
    if (!key) {
      return tl::unexpected(key.error());
    }
    if (const std::optional<int64_t>& current_key = *key; current_key.has_value()) {
      const int64_t rk = *current_key;
      Cursor tokens(remove_resource_tokens_);
      tokens.bind_int(1, rk);
      if (auto deleted = tokens.run(); !deleted) {
        return tl::unexpected(deleted.error());
      }
      Cursor fallback(fallback_version_);
      fallback.bind_text(1, type);
      fallback.bind_text(2, id);
      fallback.bind_text(3, compartment);
      auto elsewhere = first_row(fallback, [](const Cursor& row) {
        return std::pair(row.column_int(0), row.column_int(1));
      });
      if (!elsewhere) {
        return tl::unexpected(elsewhere.error());
      }
      const std::optional<std::pair<int64_t, int64_t>>& fallback_row = *elsewhere;
      Cursor replace(fallback_row.has_value() ? set_current_version_ : remove_current_);
      replace.bind_int(1, rk);
      if (fallback_row.has_value()) {
        replace.bind_int(2, fallback_row->first);
        replace.bind_int(3, fallback_row->second);
      }
      if (auto replaced = replace.run(); !replaced) {
        return tl::unexpected(replaced.error());
      }
    }
    Cursor versions(remove_resource_versions_in_);
    versions.bind_text(1, type);
    versions.bind_text(2, id);
    versions.bind_text(3, compartment);
    if (auto deleted = versions.run(); !deleted) {
      return tl::unexpected(deleted.error());
    }
    removed.resources += 1;
    removed.versions += db_.changes();
  }
  return removed;
}

Result<int64_t> SqliteDataStore::count_versions_in(const std::string& compartment) {
  Cursor cursor(count_versions_in_);
  cursor.bind_text(1, compartment);
  auto count = first_row(cursor, [](const Cursor& row) { return row.column_int(0); });
  if (!count) {
    return tl::unexpected(count.error());
  }
  return count->value_or(0);
}

Result<std::map<std::string, int64_t>> SqliteDataStore::count_current_in(
    const std::string& compartment) {
  std::map<std::string, int64_t> counts;
  Cursor cursor(count_current_in_);
  cursor.bind_text(1, compartment);
  if (auto read = for_each_row(
          cursor,
          [&](const Cursor& row) { counts.emplace(row.column_text(0), row.column_int(1)); });
      !read) {
    return tl::unexpected(read.error());
  }
  return counts;
}

Result<std::optional<std::string>> SqliteDataStore::get_meta(const std::string& key) {
  Cursor cursor(get_meta_);
  cursor.bind_text(1, key);
  return first_row(cursor, [](const Cursor& row) { return row.column_text(0); });
}

Result<void> SqliteDataStore::set_meta(const std::string& key, const std::string& value) {
  if (auto open = require_transaction("set_meta"); !open) {
    return open;
  }
  Cursor cursor(set_meta_);
  cursor.bind_text(1, key);
  cursor.bind_text(2, value);
  return cursor.run();
}

Result<void> SqliteDataStore::mark_intent_committed(int64_t last_seq) {
  if (auto open = require_transaction("mark_intent_committed"); !open) {
    return open;
  }
  Cursor insert(mark_intent_committed_);
  insert.bind_int(1, last_seq);
  return insert.run();
}

Result<bool> SqliteDataStore::intent_committed(int64_t last_seq) {
  Cursor cursor(intent_committed_);
  cursor.bind_int(1, last_seq);
  return cursor.step();
}

Result<std::optional<AccountRow>> SqliteDataStore::account(const std::string& login) {
  Cursor cursor(account_);
  cursor.bind_text(1, login);
  return first_row(cursor, read_account);
}

Result<std::vector<AccountRow>> SqliteDataStore::accounts() {
  Cursor cursor(accounts_);
  return read_all(cursor, read_account);
}

Result<void> SqliteDataStore::insert_account(const AccountRow& row) {
  if (auto open = require_transaction("insert_account"); !open) {
    return open;
  }
  Cursor insert(insert_account_);
  bind_account(insert, row);
  return insert.run();
}

Result<void> SqliteDataStore::update_account(const AccountRow& row) {
  if (auto open = require_transaction("update_account"); !open) {
    return open;
  }
  {
    Cursor update(update_account_);
    bind_account(update, row);
    if (auto updated = update.run(); !updated) {
      return updated;
    }
  }
  if (db_.changes() == 0) {
    return fail(ErrorCode::kNotFound, "update_account: no such account");
  }
  return {};
}

Result<void> SqliteDataStore::insert_credential(const CredentialRow& row) {
  if (auto open = require_transaction("insert_credential"); !open) {
    return open;
  }
  Cursor insert(insert_credential_);
  insert.bind_text(1, row.id);
  insert.bind_text(2, row.kind);
  insert.bind_blob(3, row.secret_hash);
  insert.bind_text(4, row.login);
  insert.bind_text(5, row.scopes);
  insert.bind_text(6, row.allowed_addresses);
  insert.bind_text(7, row.address);
  insert.bind_int(8, row.created_ms);
  insert.bind_int(9, row.last_used_ms);
  insert.bind_int(10, row.expires_ms);
  insert.bind_int(11, row.revoked_ms);
  return insert.run();
}

Result<std::optional<CredentialRow>> SqliteDataStore::credential_by_hash(
    std::span<const uint8_t, 32> secret_hash) {
  Cursor cursor(credential_by_hash_);
  cursor.bind_blob(1, secret_hash);
  return first_credential(cursor);
}

// Every authenticated request asks this, mostly for the same few secrets, so outside a transaction
// the answers are remembered while the file is unchanged (CredentialMemo): a revocation, a lock or
// a touch, committed by any connection, moves the stamp and the next call reads the rows again.
// Not inside a transaction: a change rolled back leaves this connection's change count moved on,
// so an answer read in the transaction would outlive the rollback under the same stamp.
Result<std::optional<CredentialWithAccount>> SqliteDataStore::credential_with_account_by_hash(
    std::span<const uint8_t, 32> secret_hash) {
  std::optional<FileStamp> stamp;
  if (!db_.in_transaction()) {
    Cursor version(data_version_);
    auto stepped = version.step();
    if (!stepped) {
      return tl::unexpected(stepped.error());
    }
    stamp = FileStamp{.data_version = version.column_int(0), .own_changes = db_.total_changes()};
    if (auto known = credential_memo_.find(*stamp, secret_hash)) {
      return known;
    }
  }
  Cursor cursor(credential_with_account_by_hash_);
  cursor.bind_blob(1, secret_hash);
  auto row = cursor.step();
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (!*row) {
    return std::optional<CredentialWithAccount>();
  }
  auto credential = read_credential_at(cursor, 0);
  if (!credential) {
    return tl::unexpected(credential.error());
  }
  CredentialWithAccount answer{
      .credential = std::move(*credential),
      .account = read_account_at(cursor, kCredentialColumnCount),
  };
  if (stamp) {
    credential_memo_.remember(*stamp, secret_hash, answer);
  }
  return answer;
}

Result<std::optional<CredentialRow>> SqliteDataStore::credential(const std::string& id) {
  Cursor cursor(credential_);
  cursor.bind_text(1, id);
  return first_credential(cursor);
}

Result<std::vector<CredentialRow>> SqliteDataStore::credentials_of(const std::string& login) {
  Cursor cursor(credentials_of_);
  cursor.bind_text(1, login);
  return read_credentials(cursor, SIZE_MAX);
}

// kNotFound when no credential has that id.
Result<void> SqliteDataStore::touch_credential(const std::string& id, int64_t last_used_ms) {
  if (auto open = require_transaction("touch_credential"); !open) {
    return open;
  }
  {
    Cursor update(touch_credential_);
    update.bind_text(1, id);
    update.bind_int(2, last_used_ms);
    if (auto updated = update.run(); !updated) {
      return updated;
    }
  }
  if (db_.changes() == 0) {
    return fail(ErrorCode::kNotFound, "touch_credential: no such credential");
  }
  return {};
}

// kNotFound when no credential has that id; kInternal when `revoked_ms` is not positive (0 means
// "not revoked").
Result<bool> SqliteDataStore::revoke_credential(const std::string& id, int64_t revoked_ms) {
  if (auto open = require_transaction("revoke_credential"); !open) {
    return tl::unexpected(open.error());
  }
  if (revoked_ms <= 0) {
    return fail(ErrorCode::kInternal, "revoke_credential: the revocation time must be positive");
  }
  {
    Cursor update(revoke_credential_);
    update.bind_text(1, id);
    update.bind_int(2, revoked_ms);
    if (auto updated = update.run(); !updated) {
      return tl::unexpected(updated.error());
    }
  }
  if (db_.changes() > 0) {
    return true;
  }
  Cursor exists(credential_exists_);
  exists.bind_text(1, id);
  auto found = exists.step();
  if (!found) {
    return tl::unexpected(found.error());
  }
  if (!*found) {
    return fail(ErrorCode::kNotFound, "revoke_credential: no such credential");
  }
  return false;
}

// kInternal when `revoked_ms` is not positive (0 means "not revoked").
Result<int64_t> SqliteDataStore::revoke_credentials_of(const std::string& login,
                                                       int64_t revoked_ms) {
  if (auto open = require_transaction("revoke_credentials_of"); !open) {
    return tl::unexpected(open.error());
  }
  if (revoked_ms <= 0) {
    return fail(ErrorCode::kInternal,
                "revoke_credentials_of: the revocation time must be positive");
  }
  Cursor update(revoke_credentials_of_);
  update.bind_text(1, login);
  update.bind_int(2, revoked_ms);
  if (auto updated = update.run(); !updated) {
    return tl::unexpected(updated.error());
  }
  return db_.changes();
}

Result<bool> SqliteDataStore::add_assignment(const AssignmentRow& row) {
  if (auto open = require_transaction("add_assignment"); !open) {
    return tl::unexpected(open.error());
  }
  Cursor insert(add_assignment_);
  insert.bind_text(1, row.login);
  insert.bind_text(2, row.patient_id);
  insert.bind_text(3, row.source);
  insert.bind_int(4, row.created_ms);
  if (auto inserted = insert.run(); !inserted) {
    return tl::unexpected(inserted.error());
  }
  return db_.changes() > 0;
}

Result<bool> SqliteDataStore::remove_assignment(const std::string& login,
                                                const std::string& patient_id,
                                                const std::string& source) {
  if (auto open = require_transaction("remove_assignment"); !open) {
    return tl::unexpected(open.error());
  }
  Cursor remove(remove_assignment_);
  remove.bind_text(1, login);
  remove.bind_text(2, patient_id);
  remove.bind_text(3, source);
  if (auto removed = remove.run(); !removed) {
    return tl::unexpected(removed.error());
  }
  return db_.changes() > 0;
}

Result<int64_t> SqliteDataStore::remove_assignments_from(const std::string& source) {
  if (auto open = require_transaction("remove_assignments_from"); !open) {
    return tl::unexpected(open.error());
  }
  Cursor remove(remove_assignments_from_);
  remove.bind_text(1, source);
  if (auto removed = remove.run(); !removed) {
    return tl::unexpected(removed.error());
  }
  return db_.changes();
}

Result<int64_t> SqliteDataStore::remove_assignments_to(const std::string& patient_id) {
  if (auto open = require_transaction("remove_assignments_to"); !open) {
    return tl::unexpected(open.error());
  }
  Cursor remove(remove_assignments_to_);
  remove.bind_text(1, patient_id);
  if (auto removed = remove.run(); !removed) {
    return tl::unexpected(removed.error());
  }
  return db_.changes();
}

Result<std::vector<AssignmentRow>> SqliteDataStore::assignments_of(const std::string& login) {
  Cursor cursor(assignments_of_);
  cursor.bind_text(1, login);
  return read_all(cursor, read_assignment);
}

Result<bool> SqliteDataStore::is_assigned(const std::string& login, const std::string& patient_id) {
  Cursor cursor(is_assigned_);
  cursor.bind_text(1, login);
  cursor.bind_text(2, patient_id);
  return cursor.step();
}

Result<std::vector<CurrentMetadata>> SqliteDataStore::current_metadata(
    const std::string& type, std::span<const std::string> ids) {
  std::string array = "[";
  for (const std::string& id : ids) {
    array += array.size() > 1 ? ",\"" : "\"";
    for (char c : id) {
      if (c == '"' || c == '\\') {
        array += '\\';
        array += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        constexpr std::string_view kHex = "0123456789abcdef";
        array += "\\u00";
        array += kHex[static_cast<unsigned char>(c) >> 4U];
        array += kHex[static_cast<unsigned char>(c) & 0xFU];
      } else {
        array += c;
      }
    }
    array += '"';
  }
  array += ']';
  std::vector<CurrentMetadata> rows(ids.size());
  Cursor cursor(current_metadata_);
  cursor.bind_text(1, type);
  cursor.bind_text(2, array);
  while (true) {
    auto row = cursor.step();
    if (!row) {
      return tl::unexpected(row.error());
    }
    if (!*row) {
      return rows;
    }
    const int64_t index = cursor.column_int(0);
    if (index < 0 || static_cast<size_t>(index) >= rows.size()) {
      return fail(ErrorCode::kInternal, "current_metadata: index out of range");
    }
    rows[static_cast<size_t>(index)] =
        CurrentMetadata{cursor.column_text(1), cursor.column_int(2), cursor.column_int(3) != 0};
  }
}

Result<void> SqliteDataStore::insert_break_glass(const BreakGlassRow& row) {
  if (auto open = require_transaction("insert_break_glass"); !open) {
    return open;
  }
  Cursor insert(insert_break_glass_);
  insert.bind_text(1, row.id);
  insert.bind_text(2, row.login);
  insert.bind_text(3, row.patient_id);
  insert.bind_blob(4, row.reason_sealed);
  insert.bind_int(5, row.start_ms);
  return insert.run();
}

Result<std::vector<BreakGlassRow>> SqliteDataStore::break_glass_of(const std::string& login,
                                                                   int64_t since_ms) {
  Cursor cursor(break_glass_of_);
  cursor.bind_text(1, login);
  cursor.bind_int(2, since_ms);
  return read_all(cursor, read_break_glass);
}

Result<bool> SqliteDataStore::insert_client_key(const ClientKeyRow& row) {
  if (auto open = require_transaction("insert_client_key"); !open) {
    return tl::unexpected(open.error());
  }
  Cursor insert(insert_client_key_);
  insert.bind_text(1, row.login);
  insert.bind_text(2, row.kid);
  insert.bind_text(3, row.alg);
  insert.bind_text(4, row.jwk);
  insert.bind_int(5, row.created_ms);
  if (auto inserted = insert.run(); !inserted) {
    return tl::unexpected(inserted.error());
  }
  return db_.changes() > 0;
}

Result<std::vector<ClientKeyRow>> SqliteDataStore::client_keys(const std::string& login) {
  Cursor cursor(client_keys_);
  cursor.bind_text(1, login);
  return read_all(cursor, read_client_key);
}

Result<int64_t> SqliteDataStore::insert_alert(const AlertRow& row) {
  if (auto open = require_transaction("insert_alert"); !open) {
    return tl::unexpected(open.error());
  }
  Cursor insert(insert_alert_);
  insert.bind_int(1, row.time_ms);
  insert.bind_text(2, row.kind);
  insert.bind_text(3, row.account);
  insert.bind_text(4, row.detail);
  insert.bind_int(5, row.account_locked ? 1 : 0);
  if (auto inserted = insert.run(); !inserted) {
    return tl::unexpected(inserted.error());
  }
  return db_.last_insert_rowid();
}

Result<std::vector<AlertRow>> SqliteDataStore::list_alerts(int64_t after_id, size_t limit,
                                                           bool open_only) {
  Cursor cursor(list_alerts_);
  cursor.bind_int(1, after_id);
  cursor.bind_int(2, open_only ? 1 : 0);
  cursor.bind_int(3, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  return read_all(cursor, read_alert);
}

Result<bool> SqliteDataStore::acknowledge_alert(int64_t id, const std::string& by, int64_t at_ms) {
  if (auto open = require_transaction("acknowledge_alert"); !open) {
    return tl::unexpected(open.error());
  }
  Cursor update(acknowledge_alert_);
  update.bind_int(1, id);
  update.bind_text(2, by);
  update.bind_int(3, at_ms);
  if (auto updated = update.run(); !updated) {
    return tl::unexpected(updated.error());
  }
  return db_.changes() > 0;
}

Result<std::vector<DueAlert>> SqliteDataStore::due_alert_deliveries(const std::string& sink,
                                                                    int64_t now_ms, size_t limit) {
  Cursor cursor(due_alert_deliveries_);
  cursor.bind_text(1, sink);
  cursor.bind_int(2, now_ms);
  cursor.bind_int(3, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  return read_all(cursor, [](const Cursor& row) {
    return DueAlert{.alert = read_alert(row), .delivery = read_alert_delivery(row, 8)};
  });
}

Result<void> SqliteDataStore::save_alert_delivery(const AlertDeliveryRow& row) {
  if (auto open = require_transaction("save_alert_delivery"); !open) {
    return tl::unexpected(open.error());
  }
  Cursor save(save_alert_delivery_);
  save.bind_int(1, row.alert_id);
  save.bind_text(2, row.sink);
  save.bind_int(3, row.attempts);
  save.bind_int(4, row.next_attempt_ms);
  save.bind_int(5, row.delivered_ms);
  save.bind_text(6, row.last_error);
  return save.run();
}

Result<std::vector<AlertDeliveryRow>> SqliteDataStore::alert_deliveries(int64_t after_id,
                                                                        int64_t last_id) {
  Cursor cursor(alert_deliveries_);
  cursor.bind_int(1, after_id);
  cursor.bind_int(2, last_id);
  return read_all(cursor, [](const Cursor& row) { return read_alert_delivery(row, 0); });
}

Result<bool> SqliteDataStore::remember_assertion_id(std::span<const uint8_t, 32> id_hash,
                                                    int64_t expires_ms) {
  if (auto open = require_transaction("remember_assertion_id"); !open) {
    return tl::unexpected(open.error());
  }
  Cursor insert(remember_assertion_id_);
  insert.bind_blob(1, id_hash);
  insert.bind_int(2, expires_ms);
  if (auto inserted = insert.run(); !inserted) {
    return tl::unexpected(inserted.error());
  }
  return db_.changes() > 0;
}

Result<int64_t> SqliteDataStore::forget_assertion_ids_before(int64_t now_ms) {
  if (auto open = require_transaction("forget_assertion_ids_before"); !open) {
    return tl::unexpected(open.error());
  }
  Cursor remove(forget_assertion_ids_);
  remove.bind_int(1, now_ms);
  if (auto removed = remove.run(); !removed) {
    return tl::unexpected(removed.error());
  }
  return db_.changes();
}

}  // namespace

std::span<const Migration> data_migrations() { return kDataMigrations; }

Result<std::unique_ptr<DataStore>> open_data_store_with_migrations(
    const std::filesystem::path& path, OpenMode mode, std::span<const Migration> migrations) {
  return open_store<DataStore, SqliteDataStore>(path, mode, kSettings, migrations);
}

Result<std::unique_ptr<DataStore>> open_data_store(const std::filesystem::path& path,
                                                   OpenMode mode) {
  return open_data_store_with_migrations(path, mode, data_migrations());
}

}  // namespace vigie::store::sqlite
