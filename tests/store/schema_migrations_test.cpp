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

// The shipped migrations followed by a test-only version 2.
std::vector<Migration> with_version_2(std::span<const Migration> shipped, std::string_view script) {
  std::vector<Migration> migrations(shipped.begin(), shipped.end());
  migrations.push_back(Migration{2, script});
  return migrations;
}

constexpr std::string_view kAddTable =
    "CREATE TABLE added_in_v2 (x INTEGER); "
    "INSERT INTO added_in_v2 (x) VALUES (42);";

int64_t schema_version(const std::filesystem::path& path) {
  return query_int(path, "SELECT version FROM schema_version");
}

class SchemaMigrationTest : public ::testing::Test {
 protected:
  [[nodiscard]] std::filesystem::path data_path() const { return dir_.path() / "data.db"; }
  [[nodiscard]] std::filesystem::path keyring_path() const { return dir_.path() / "keyring.db"; }

  // A data file at version 1 holding one resource.
  void create_data_file_v1() {
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

TEST_F(SchemaMigrationTest, AVersionOneDataFileIsMigratedToVersionTwo) {
  create_data_file_v1();
  ASSERT_EQ(schema_version(data_path()), 1);
  const auto migrations = with_version_2(sqlite::data_migrations(), kAddTable);

  auto migrated =
      sqlite::open_data_store_with_migrations(data_path(), OpenMode::kOpenExisting, migrations);
  ASSERT_TRUE(migrated) << migrated.error().message;
  auto ids = (*migrated)->find_ids("Patient", {});
  ASSERT_TRUE(ids);
  EXPECT_THAT(*ids, ElementsAre("p1"));
  migrated->reset();

  EXPECT_EQ(schema_version(data_path()), 2);
  EXPECT_EQ(query_int(data_path(), "SELECT x FROM added_in_v2"), 42);
  // Opening again runs nothing: the script would fail on the existing table.
  auto again =
      sqlite::open_data_store_with_migrations(data_path(), OpenMode::kOpenExisting, migrations);
  ASSERT_TRUE(again) << again.error().message;
}

TEST_F(SchemaMigrationTest, AVersionOneKeyringIsMigratedToVersionTwo) {
  {
    auto keyring = sqlite::open_keyring_store(keyring_path(), OpenMode::kCreate);
    ASSERT_TRUE(keyring);
    ASSERT_TRUE((*keyring)->put_system_key("audit-signing", std::vector<uint8_t>{1, 2, 3}));
  }
  const auto migrations = with_version_2(sqlite::keyring_migrations(), kAddTable);

  auto migrated = sqlite::open_keyring_store_with_migrations(keyring_path(),
                                                             OpenMode::kOpenExisting, migrations);
  ASSERT_TRUE(migrated) << migrated.error().message;
  const auto key = test_support::found((*migrated)->system_key("audit-signing"));
  EXPECT_THAT(key, ElementsAre(1, 2, 3));
  migrated->reset();

  EXPECT_EQ(schema_version(keyring_path()), 2);
  EXPECT_EQ(query_int(keyring_path(), "SELECT x FROM added_in_v2"), 42);
}

TEST_F(SchemaMigrationTest, AFailingMigrationLeavesTheFileAtItsVersion) {
  create_data_file_v1();
  // The first statement succeeds, the second fails: neither may remain.
  const auto migrations =
      with_version_2(sqlite::data_migrations(),
                     "CREATE TABLE added_in_v2 (x INTEGER); INSERT INTO nowhere VALUES (1);");

  auto migrated =
      sqlite::open_data_store_with_migrations(data_path(), OpenMode::kOpenExisting, migrations);
  ASSERT_FALSE(migrated);
  EXPECT_EQ(migrated.error().code, ErrorCode::kInternal);
  EXPECT_THAT(migrated.error().message, HasSubstr("schema migration to version 2"));

  EXPECT_EQ(schema_version(data_path()), 1);
  EXPECT_EQ(query_int(data_path(), "SELECT count(*) FROM sqlite_schema WHERE name = 'added_in_v2'"),
            0);
  auto reopened = sqlite::open_data_store(data_path(), OpenMode::kOpenExisting);
  ASSERT_TRUE(reopened) << reopened.error().message;
}

TEST_F(SchemaMigrationTest, ANewerDataFileIsRefusedNamingBothVersions) {
  {
    auto newer = sqlite::open_data_store_with_migrations(
        data_path(), OpenMode::kCreate, with_version_2(sqlite::data_migrations(), kAddTable));
    ASSERT_TRUE(newer) << newer.error().message;
  }

  auto opened = sqlite::open_data_store(data_path(), OpenMode::kOpenExisting);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(opened.error().message,
            "data file schema version 2 is newer than this build supports (1)");
}

TEST_F(SchemaMigrationTest, ANewerKeyringIsRefusedAndLeftUnchanged) {
  {
    auto newer = sqlite::open_keyring_store_with_migrations(
        keyring_path(), OpenMode::kCreate, with_version_2(sqlite::keyring_migrations(), kAddTable));
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
