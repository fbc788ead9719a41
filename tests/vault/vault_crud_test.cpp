#include <gtest/gtest.h>

#include <unistd.h>

#include <iostream>
#include <regex>

#include "support/locked_memory.hpp"
#include "vault/vault.hpp"
#include "vault_fixture.hpp"

namespace vigie {
namespace {

using testing::parse_object;
using testing::passphrase;
using testing::VaultTest;

constexpr std::string_view kPatient = R"({"resourceType":"Patient","id":"client-chosen",
  "name":[{"family":"Lefèvre","given":["Élodie"]}],"gender":"female","birthDate":"1984-03-12"})";

TEST_F(VaultTest, CreateAssignsRandomIdAndVersionMetadata) {
  vault::StoredResource first = create(kPatient);
  vault::StoredResource second = create(kPatient);
  EXPECT_NE(first.id, "client-chosen");
  EXPECT_NE(first.id, second.id);
  EXPECT_TRUE(std::regex_match(first.id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                                                    "[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_EQ(first.version, 1);
  EXPECT_EQ(first.resource.at("meta").at("versionId").as_string(), "1");
  EXPECT_EQ(first.resource.at("meta").at("lastUpdated").as_string(), "2026-05-28T20:26:40.000Z");
  auto read = vault_->read("Patient", first.id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->resource, first.resource);
  EXPECT_EQ(read->resource.at("name").at(0).at("family").as_string(), "Lefèvre");
}

TEST_F(VaultTest, UpdateKeepsEveryVersionAndDeleteKeepsHistory) {
  vault::StoredResource created = create(kPatient);
  clock_.advance_ms(1000);
  boost::json::object changed = created.resource;
  changed["gender"] = "other";
  auto updated = vault_->update("Patient", created.id, changed);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(vault_->read("Patient", created.id)->resource.at("gender").as_string(), "other");
  EXPECT_EQ(vault_->read_version("Patient", created.id, 1)->resource.at("gender").as_string(),
            "female");

  auto removed = vault_->remove("Patient", created.id);
  ASSERT_TRUE(removed);
  EXPECT_TRUE(removed->deleted);
  EXPECT_EQ(removed->version, 3);
  EXPECT_EQ(vault_->read("Patient", created.id).error().code, ErrorCode::kGone);
  auto history = vault_->history("Patient", created.id);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 3u);
  EXPECT_TRUE((*history)[0].deleted);
  EXPECT_EQ((*history)[1].version, 2);
  EXPECT_EQ((*history)[2].version, 1);

  auto again = vault_->remove("Patient", created.id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->version, 3);
  auto revived = vault_->update("Patient", created.id, changed);
  ASSERT_TRUE(revived);
  EXPECT_EQ(revived->version, 4);
  EXPECT_TRUE(vault_->read("Patient", created.id));
}

TEST_F(VaultTest, UpdateAsCreateKeepsTheClientId) {
  auto created = vault_->update("Patient", "client-chosen", parse_object(kPatient));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->id, "client-chosen");
  EXPECT_EQ(created->version, 1);
  EXPECT_TRUE(vault_->read("Patient", "client-chosen"));
}

TEST_F(VaultTest, UpdateRefusesAMismatchedIdOrType) {
  EXPECT_EQ(vault_->update("Patient", "other-id", parse_object(kPatient)).error().code,
            ErrorCode::kInvalidInput);
  EXPECT_EQ(vault_->update("Observation", "client-chosen", parse_object(kPatient)).error().code,
            ErrorCode::kInvalidInput);
}

TEST_F(VaultTest, MissingResourcesAndVersionsAreNotFound) {
  EXPECT_EQ(vault_->read("Patient", "nobody").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(vault_->history("Patient", "nobody").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(vault_->remove("Patient", "nobody").error().code, ErrorCode::kNotFound);
  vault::StoredResource created = create(kPatient);
  EXPECT_EQ(vault_->read_version("Patient", created.id, 2).error().code, ErrorCode::kNotFound);
}

TEST_F(VaultTest, InvalidResourceWritesNothing) {
  auto rejected = vault_->create(parse_object(R"({"resourceType":"Patient","gender":42})"));
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().code, ErrorCode::kInvalidInput);
  EXPECT_TRUE(vault_->count_by_type()->empty());
}

TEST_F(VaultTest, ResourcesSurviveReopening) {
  vault::StoredResource created = create(kPatient);
  reopen();
  auto read = vault_->read("Patient", created.id);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->resource, created.resource);
}

TEST(VaultLifecycle, CreateRefusesADirectoryHoldingAVault) {
  testing::TempDir dir;
  ManualClock clock(0);
  ASSERT_TRUE(vault::Vault::create(dir.path(), passphrase("a long enough passphrase"), {}, clock));
  auto again = vault::Vault::create(dir.path(), passphrase("another passphrase"), {}, clock);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST(VaultLifecycle, OpenWithoutVaultIsNotFound) {
  testing::TempDir dir;
  ManualClock clock(0);
  auto opened = vault::Vault::open(dir.path(), passphrase("a long enough passphrase"), clock);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kNotFound);
}

TEST(VaultLifecycle, KeyFileAndPassphraseOpenTheSameVault) {
  testing::TempDir dir;
  ManualClock clock(0);
  vault::UnlockSecret key_file{store::UnlockerKind::kKeyFile, crypto::SecretBytes::random(32)};
  ASSERT_TRUE(
      vault::Vault::create(dir.path(), passphrase("a long enough passphrase"), {&key_file}, clock));
  std::string id;
  {
    auto by_passphrase =
        vault::Vault::open(dir.path(), passphrase("a long enough passphrase"), clock);
    ASSERT_TRUE(by_passphrase);
    id = (*by_passphrase)->create(parse_object(kPatient))->id;
  }
  auto by_key_file = vault::Vault::open(dir.path(), key_file, clock, testing::kTestMemory);
  ASSERT_TRUE(by_key_file) << by_key_file.error().message;
  EXPECT_TRUE((*by_key_file)->read("Patient", id));
  vault::UnlockSecret wrong_file{store::UnlockerKind::kKeyFile, crypto::SecretBytes::random(32)};
  EXPECT_EQ(vault::Vault::open(dir.path(), wrong_file, clock, testing::kTestMemory).error().code,
            ErrorCode::kUnlockFailed);
}

TEST(VaultLifecycle, WrongPassphraseFailsAndChangesNoByte) {
  testing::TempDir dir;
  ManualClock clock(0);
  ASSERT_TRUE(vault::Vault::create(dir.path(), passphrase("a long enough passphrase"), {}, clock));
  {
    auto opened = vault::Vault::open(dir.path(), passphrase("a long enough passphrase"), clock);
    ASSERT_TRUE(opened);
    ASSERT_TRUE((*opened)->create(parse_object(kPatient)));
  }
  const auto before = testing::snapshot(dir.path());
  auto opened = vault::Vault::open(dir.path(), passphrase("not the passphrase"), clock);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kUnlockFailed);
  EXPECT_EQ(testing::snapshot(dir.path()), before);
}

TEST(VaultLifecycle, AVaultLocksItsBlockWithinTheBudget) {
  if (testing::kMlockIsIntercepted) {
    GTEST_SKIP() << "mlock is a no-op under AddressSanitizer";
  }
  testing::TempDir dir;
  ManualClock clock(0);
  vault::UnlockSecret key_file{store::UnlockerKind::kKeyFile, crypto::SecretBytes::random(32)};
  ASSERT_TRUE(vault::Vault::create(dir.path(), key_file, {}, clock));
  const size_t page_kib = static_cast<size_t>(sysconf(_SC_PAGESIZE)) / 1024;
  const size_t before = testing::locked_kib();
  {
    auto opened = vault::Vault::open(dir.path(), key_file, clock);
    ASSERT_TRUE(opened) << opened.error().message;
    ASSERT_TRUE((*opened)->create(parse_object(kPatient)));
    const size_t locked = testing::locked_kib() - before;
    std::cout << "a vault opened with the default budget locks " << locked << " KiB\n";
    // The block (8 MiB less the 512 KiB left to other secrets) and this vault's one-key buffer.
    EXPECT_EQ(locked, 7680 + page_kib);
    EXPECT_LE(locked * 1024, config::MemoryConfig{}.locked_bytes());
    auto sibling = (*opened)->open_sibling();
    ASSERT_TRUE(sibling);
    EXPECT_EQ(testing::locked_kib() - before, 7680 + 2 * page_kib) << "a sibling shares the block";
  }
  EXPECT_EQ(testing::locked_kib(), before);
  auto small = vault::Vault::open(dir.path(), key_file, clock, {.locked_mib = 1});
  ASSERT_TRUE(small) << small.error().message;
  EXPECT_EQ(testing::locked_kib() - before, 512 + page_kib);
}

}  // namespace
}  // namespace vigie
