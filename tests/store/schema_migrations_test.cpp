#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/sqlite/schema_migrations.hpp"
#include "store/sqlite/sqlite_data_store.hpp"
#include "store/sqlite/sqlite_keyring_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "store/store_test_support.hpp"

namespace vigie::store {
namespace {

using sqlite::Migration;
using test_support::query_int;
using test_support::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The shipped migrations followed by a test-only next version.
std::vector<Migration> with_next_version(std::span<const Migration> shipped,
                                         std::string_view script) {
  std::vector<Migration> migrations(shipped.begin(), shipped.end());
  migrations.push_back(Migration{shipped.back().version + 1, script});
  return migrations;
}

constexpr std::string_view kAddTable =
    "CREATE TABLE added_in_next (x INTEGER); "
    "INSERT INTO added_in_next (x) VALUES (42);";

int64_t latest_data_version() { return sqlite::data_migrations().back().version; }

int64_t schema_version(const std::filesystem::path& path) {
  return query_int(path, "SELECT version FROM schema_version");
}

class SchemaMigrationTest : public ::testing::Test {
 protected:
  [[nodiscard]] std::filesystem::path data_path() const {
    return sqlite::data_file_path(dir_.path());
  }
  [[nodiscard]] std::filesystem::path keyring_path() const { return dir_.path() / "keyring.db"; }

  // A data file at the latest version holding one resource.
  void create_data_file() {
    auto store = sqlite::open_data_store(data_path(), OpenMode::kCreate);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->begin());
    ASSERT_TRUE((*store)->append_version(
        ResourceVersionRow{
            .type = "Patient", .id = "p1", .version = 1, .compartment = "c1", .sealed = {0x01}},
        {}));
    ASSERT_TRUE((*store)->commit());
  }

  TempDir dir_;
};

TEST_F(SchemaMigrationTest, ShippedListsStartAtVersionOne) {
  ASSERT_FALSE(sqlite::data_migrations().empty());
  EXPECT_EQ(sqlite::data_migrations().front().version, 1);
  ASSERT_FALSE(sqlite::keyring_migrations().empty());
  EXPECT_EQ(sqlite::keyring_migrations().front().version, 1);
}

TEST_F(SchemaMigrationTest, CreateRecordsTheLatestVersion) {
  ASSERT_TRUE(sqlite::open_data_store(data_path(), OpenMode::kCreate));
  ASSERT_TRUE(sqlite::open_keyring_store(keyring_path(), OpenMode::kCreate));
  EXPECT_EQ(schema_version(data_path()), sqlite::data_migrations().back().version);
  EXPECT_EQ(schema_version(keyring_path()), sqlite::keyring_migrations().back().version);
}

TEST_F(SchemaMigrationTest, ADataFileIsMigratedToTheNextVersion) {
  create_data_file();
  ASSERT_EQ(schema_version(data_path()), latest_data_version());
  const auto migrations = with_next_version(sqlite::data_migrations(), kAddTable);

  auto migrated =
      sqlite::open_data_store_with_migrations(data_path(), OpenMode::kOpenExisting, migrations);
  ASSERT_TRUE(migrated) << migrated.error().message;
  auto ids = (*migrated)->find_ids("Patient", {});
  ASSERT_TRUE(ids);
  EXPECT_THAT(*ids, ElementsAre("p1"));
  migrated->reset();

  EXPECT_EQ(schema_version(data_path()), latest_data_version() + 1);
  EXPECT_EQ(query_int(data_path(), "SELECT x FROM added_in_next"), 42);
  // Opening again runs nothing: the script would fail on the existing table.
  auto again =
      sqlite::open_data_store_with_migrations(data_path(), OpenMode::kOpenExisting, migrations);
  ASSERT_TRUE(again) << again.error().message;
}

// A data file as the build before the audit log left it: made by the version 1 migration list,
// holding one resource.
TEST_F(SchemaMigrationTest, AVersionOneDataFileIsMigratedAndGainsTheLaterTables) {
  {
    auto db = sqlite::Database::open(data_path(), OpenMode::kCreate, sqlite::kDataFile);
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(db->set_journal_mode("wal"));
    auto created = sqlite::migrate(*db, sqlite::data_migrations().first(1), OpenMode::kCreate);
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_TRUE(db->exec("insert a resource",
                         "INSERT INTO resource_versions (type, id, version, last_updated_ms,"
                         " compartment, deleted, sealed) VALUES ('Patient', 'p1', 1, 5, 'c1', 0,"
                         " x'0102');"
                         "INSERT INTO resources_current (type, id, version, deleted)"
                         " VALUES ('Patient', 'p1', 1, 0);"));
  }
  ASSERT_EQ(schema_version(data_path()), 1);
  ASSERT_EQ(query_int(data_path(), "SELECT count(*) FROM sqlite_schema WHERE name = 'audit_log'"),
            0);

  auto migrated = sqlite::open_data_store(data_path(), OpenMode::kOpenExisting);
  ASSERT_TRUE(migrated) << migrated.error().message;
  DataStore& store = **migrated;
  const auto version = test_support::found(store.read_version("Patient", "p1", 1));
  EXPECT_EQ(version.last_updated_ms, 5);
  EXPECT_THAT(version.sealed, ElementsAre(0x01, 0x02));
  ASSERT_TRUE(store.begin());
  ASSERT_TRUE(store.mark_intent_committed(3));
  ASSERT_TRUE(store.commit());
  EXPECT_TRUE(store.intent_committed(3).value());
  EXPECT_FALSE(store.intent_committed(4).value());
  migrated->reset();

  EXPECT_EQ(schema_version(data_path()), latest_data_version());
}

// A data file as the build before accounts left it: made by the version 2 migration list, holding
// one resource, two audit rows and a checkpoint.
TEST_F(SchemaMigrationTest, AVersionTwoDataFileGainsTheAccountTablesAndItsLogMovesToTheAuditFile) {
  // Blob literals of `bytes` bytes that all equal 0x<digit><digit>.
  const auto blob = [](size_t bytes, char digit) {
    return "x'" + std::string(2 * bytes, digit) + "'";
  };
  {
    auto db = sqlite::Database::open(data_path(), OpenMode::kCreate, sqlite::kDataFile);
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(db->set_journal_mode("wal"));
    auto created = sqlite::migrate(*db, sqlite::data_migrations().first(2), OpenMode::kCreate);
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_TRUE(db->exec(
        "insert rows",
        "INSERT INTO resource_versions (type, id, version, last_updated_ms, compartment, deleted,"
        " sealed) VALUES ('Patient', 'p1', 1, 5, 'c1', 0, x'0102');"
        "INSERT INTO resources_current (type, id, version, deleted)"
        " VALUES ('Patient', 'p1', 1, 0);"
        "INSERT INTO audit_log (seq, time_ms, canonical, hash) VALUES (1, 7, x'03', " +
            blob(32, '0') + "), (2, 8, x'0405', " + blob(32, 'a') +
            ");"
            "INSERT INTO audit_checkpoints (seq, head, time_ms, signature) VALUES (2, " +
            blob(32, 'b') + ", 9, " + blob(64, 'c') + ");"));
  }
  ASSERT_EQ(schema_version(data_path()), 2);
  ASSERT_EQ(query_int(data_path(), "SELECT count(*) FROM sqlite_schema WHERE name = 'accounts'"),
            0);

  auto migrated = sqlite::open_data_store(data_path(), OpenMode::kOpenExisting);
  ASSERT_TRUE(migrated) << migrated.error().message;
  DataStore& store = **migrated;
  const auto version = test_support::found(store.read_version("Patient", "p1", 1));
  EXPECT_THAT(version.sealed, ElementsAre(0x01, 0x02));
  {
    // The log moves, unchanged, into the audit file the first audit connection creates.
    std::ofstream keyring(keyring_path());
    auto opened = sqlite::open_audit_connection(dir_.path());
    ASSERT_TRUE(opened) << opened.error().message;
    AuditStore& audit = **opened;
    EXPECT_EQ(audit.audit_count().value(), 2);
    const auto last = test_support::found(audit.last_audit_row());
    EXPECT_EQ(last.seq, 2);
    EXPECT_EQ(last.time_ms, 8);
    EXPECT_THAT(last.canonical, ElementsAre(0x04, 0x05));
    EXPECT_THAT(last.hash, ::testing::Each(0xaa));
    auto checkpoints = audit.checkpoints();
    ASSERT_TRUE(checkpoints) << checkpoints.error().message;
    ASSERT_EQ(checkpoints->size(), 1U);
    EXPECT_EQ((*checkpoints)[0].seq, 2);
    EXPECT_EQ((*checkpoints)[0].time_ms, 9);
    EXPECT_THAT((*checkpoints)[0].head, ::testing::Each(0xbb));
    EXPECT_THAT((*checkpoints)[0].signature, ::testing::Each(0xcc));
    // The next connection finds the log there and copies nothing again.
    const AuditRow row{.seq = 3, .time_ms = 10, .canonical = {0x06}, .hash = {}};
    ASSERT_TRUE(audit.begin());
    ASSERT_TRUE(audit.append_audit(std::span<const AuditRow>(&row, 1)));
    ASSERT_TRUE(audit.commit());
    auto again = sqlite::open_audit_connection(dir_.path());
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ((*again)->audit_count().value(), 3);
  }

  auto none = store.accounts();
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->empty());
  ASSERT_TRUE(store.begin());
  AccountRow account;
  account.login = "alice";
  account.status = "active";
  CredentialRow credential;
  credential.id = "ses-1";
  credential.kind = "session";
  credential.login = "alice";
  AssignmentRow assignment;
  assignment.login = "alice";
  assignment.patient_id = "p1";
  BreakGlassRow grant;
  grant.id = "bg-1";
  grant.login = "alice";
  grant.patient_id = "p1";
  ASSERT_TRUE(store.insert_account(account));
  ASSERT_TRUE(store.insert_credential(credential));
  ASSERT_TRUE(store.add_assignment(assignment));
  ASSERT_TRUE(store.insert_break_glass(grant));
  ASSERT_TRUE(store.commit());
  EXPECT_EQ(test_support::found(store.account("alice")).status, "active");
  migrated->reset();

  EXPECT_EQ(schema_version(data_path()), latest_data_version());
  for (const char* table : {"accounts", "credentials", "assignments", "break_glass"}) {
    EXPECT_EQ(query_int(data_path(), std::string("SELECT count(*) FROM ") + table), 1) << table;
  }
  EXPECT_THAT(test_support::exec_raw(data_path(), "DELETE FROM audit_log"),
              HasSubstr("append-only"));
}

TEST_F(SchemaMigrationTest, VersionFourDropsTheClearBreakGlassReasonsAndNamesEachGrant) {
  {
    auto db = sqlite::Database::open(data_path(), OpenMode::kCreate, sqlite::kDataFile);
    ASSERT_TRUE(db) << db.error().message;
    auto created = sqlite::migrate(*db, sqlite::data_migrations().first(3), OpenMode::kCreate);
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_TRUE(db->exec("insert a grant",
                         "INSERT INTO break_glass (login, patient_id, reason, start_ms)"
                         " VALUES ('alice', 'p1', 'malaise au domicile', 100),"
                         " ('alice', 'p2', 'chute dans l''escalier', 200);"));
  }
  ASSERT_EQ(schema_version(data_path()), 3);

  auto migrated = sqlite::open_data_store(data_path(), OpenMode::kOpenExisting);
  ASSERT_TRUE(migrated) << migrated.error().message;
  auto grants = (*migrated)->break_glass_of("alice", 0);
  ASSERT_TRUE(grants) << grants.error().message;
  ASSERT_EQ(grants->size(), 2U);
  EXPECT_EQ((*grants)[0].patient_id, "p1");
  EXPECT_EQ((*grants)[0].start_ms, 100);
  EXPECT_NE((*grants)[0].id, (*grants)[1].id);
  EXPECT_TRUE((*grants)[0].reason_sealed.empty());
  migrated->reset();

  EXPECT_EQ(schema_version(data_path()), latest_data_version());
  EXPECT_EQ(query_int(data_path(),
                      "SELECT count(*) FROM pragma_table_info('break_glass')"
                      " WHERE name = 'reason'"),
            0);
  std::ifstream file(data_path(), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.find("malaise au domicile"), std::string::npos);
}

TEST_F(SchemaMigrationTest, AVersionOneKeyringIsMigratedToVersionTwo) {
  {
    auto keyring = sqlite::open_keyring_store(keyring_path(), OpenMode::kCreate);
    ASSERT_TRUE(keyring);
    ASSERT_TRUE((*keyring)->put_system_key("audit-signing", std::vector<uint8_t>{1, 2, 3}));
  }
  const auto migrations = with_next_version(sqlite::keyring_migrations(), kAddTable);

  auto migrated = sqlite::open_keyring_store_with_migrations(keyring_path(),
                                                             OpenMode::kOpenExisting, migrations);
  ASSERT_TRUE(migrated) << migrated.error().message;
  const auto key = test_support::found((*migrated)->system_key("audit-signing"));
  EXPECT_THAT(key, ElementsAre(1, 2, 3));
  migrated->reset();

  EXPECT_EQ(schema_version(keyring_path()), 2);
  EXPECT_EQ(query_int(keyring_path(), "SELECT x FROM added_in_next"), 42);
}

TEST_F(SchemaMigrationTest, AFailingMigrationLeavesTheFileAtItsVersion) {
  create_data_file();
  // The first statement succeeds, the second fails: neither may remain.
  const auto migrations =
      with_next_version(sqlite::data_migrations(),
                        "CREATE TABLE added_in_next (x INTEGER); INSERT INTO nowhere VALUES (1);");

  auto migrated =
      sqlite::open_data_store_with_migrations(data_path(), OpenMode::kOpenExisting, migrations);
  ASSERT_FALSE(migrated);
  EXPECT_EQ(migrated.error().code, ErrorCode::kInternal);
  EXPECT_THAT(migrated.error().message, HasSubstr("schema migration to version " +
                                                  std::to_string(latest_data_version() + 1)));

  EXPECT_EQ(schema_version(data_path()), latest_data_version());
  EXPECT_EQ(
      query_int(data_path(), "SELECT count(*) FROM sqlite_schema WHERE name = 'added_in_next'"), 0);
  auto reopened = sqlite::open_data_store(data_path(), OpenMode::kOpenExisting);
  ASSERT_TRUE(reopened) << reopened.error().message;
}

TEST_F(SchemaMigrationTest, ANewerDataFileIsRefusedNamingBothVersions) {
  {
    auto newer = sqlite::open_data_store_with_migrations(
        data_path(), OpenMode::kCreate, with_next_version(sqlite::data_migrations(), kAddTable));
    ASSERT_TRUE(newer) << newer.error().message;
  }

  auto opened = sqlite::open_data_store(data_path(), OpenMode::kOpenExisting);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(opened.error().message, "data file schema version " +
                                        std::to_string(latest_data_version() + 1) +
                                        " is newer than this build supports (" +
                                        std::to_string(latest_data_version()) + ")");
}

TEST_F(SchemaMigrationTest, ANewerKeyringIsRefusedAndLeftUnchanged) {
  {
    auto newer = sqlite::open_keyring_store_with_migrations(
        keyring_path(), OpenMode::kCreate,
        with_next_version(sqlite::keyring_migrations(), kAddTable));
    ASSERT_TRUE(newer) << newer.error().message;
  }
  const auto before = test_support::snapshot(dir_.path());

  auto opened = sqlite::open_keyring_store(keyring_path(), OpenMode::kOpenExisting);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(opened.error().message,
            "keyring file schema version 2 is newer than this build supports (1)");
  EXPECT_EQ(test_support::snapshot(dir_.path()), before);
}

TEST_F(SchemaMigrationTest, AFailedCreateLeavesNoFileBehind) {
  const std::vector<Migration> broken = {Migration{1, "CREATE TABLE broken (;"}};

  auto data = sqlite::open_data_store_with_migrations(data_path(), OpenMode::kCreate, broken);
  ASSERT_FALSE(data);
  auto keyring =
      sqlite::open_keyring_store_with_migrations(keyring_path(), OpenMode::kCreate, broken);
  ASSERT_FALSE(keyring);

  EXPECT_TRUE(std::filesystem::is_empty(dir_.path()));
}

TEST_F(SchemaMigrationTest, MigrationsMustBeNumberedFromOneWithoutGaps) {
  const std::vector<Migration> gap = {Migration{1, "CREATE TABLE a (x);"},
                                      Migration{3, "CREATE TABLE b (x);"}};

  auto opened = sqlite::open_data_store_with_migrations(data_path(), OpenMode::kCreate, gap);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kInternal);
  auto empty = sqlite::open_data_store_with_migrations(data_path(), OpenMode::kCreate, {});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace vigie::store
