#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "store/store_test_support.hpp"

namespace vigie::store {
namespace {

using test_support::contains;
using test_support::random_bytes;
using test_support::read_bytes;
using test_support::TempDir;
using ::testing::IsEmpty;

using WrappedKeys = std::vector<std::pair<std::string, std::vector<uint8_t>>>;

class SqliteKeyringStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = sqlite::open_keyring_store(path(), OpenMode::kCreate);
    ASSERT_TRUE(opened) << opened.error().message;
    keyring_ = std::move(*opened);
  }

  [[nodiscard]] std::filesystem::path path() const { return dir_.path() / "keyring.db"; }

  // The bytes of the keyring file followed by those of its WAL, as someone copying them has them.
  [[nodiscard]] std::vector<uint8_t> file_and_wal_bytes() const {
    std::vector<uint8_t> bytes = read_bytes(path());
    const std::filesystem::path wal = path().string() + "-wal";
    if (std::filesystem::exists(wal)) {
      const std::vector<uint8_t> wal_bytes = read_bytes(wal);
      bytes.insert(bytes.end(), wal_bytes.begin(), wal_bytes.end());
    }
    return bytes;
  }

  void reopen() {
    keyring_.reset();
    auto opened = sqlite::open_keyring_store(path(), OpenMode::kOpenExisting);
    ASSERT_TRUE(opened) << opened.error().message;
    keyring_ = std::move(*opened);
  }

  TempDir dir_;  // declared first: removed after the keyring is closed
  std::unique_ptr<KeyringStore> keyring_;
};

TEST_F(SqliteKeyringStoreTest, UnlockersRoundTrip) {
  const UnlockerRecord passphrase{
      .kind = UnlockerKind::kPassphrase,
      .argon2_ops_limit = 3,
      // Above 2^63: stored in a signed column, must come back bit for bit.
      .argon2_mem_limit = (uint64_t{1} << 63) + 5,
      .salt = random_bytes(16),
      .wrapped_master_key = random_bytes(72),
      .created_ms = 1'700'000'000'000,
  };
  const UnlockerRecord key_file{
      .kind = UnlockerKind::kKeyFile,
      .salt = {},
      .wrapped_master_key = random_bytes(72),
      .created_ms = 1'700'000'000'001,
  };
  auto first = keyring_->add_unlocker(passphrase);
  ASSERT_TRUE(first) << first.error().message;
  auto second = keyring_->add_unlocker(key_file);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_NE(*first, *second);

  reopen();
  auto unlockers = keyring_->unlockers();
  ASSERT_TRUE(unlockers) << unlockers.error().message;
  ASSERT_EQ(unlockers->size(), 2U);
  const UnlockerRecord& read_passphrase = (*unlockers)[0];
  EXPECT_EQ(read_passphrase.id, *first);
  EXPECT_EQ(read_passphrase.kind, UnlockerKind::kPassphrase);
  EXPECT_EQ(read_passphrase.argon2_ops_limit, passphrase.argon2_ops_limit);
  EXPECT_EQ(read_passphrase.argon2_mem_limit, passphrase.argon2_mem_limit);
  EXPECT_EQ(read_passphrase.salt, passphrase.salt);
  EXPECT_EQ(read_passphrase.wrapped_master_key, passphrase.wrapped_master_key);
  EXPECT_EQ(read_passphrase.created_ms, passphrase.created_ms);
  const UnlockerRecord& read_key_file = (*unlockers)[1];
  EXPECT_EQ(read_key_file.id, *second);
  EXPECT_EQ(read_key_file.kind, UnlockerKind::kKeyFile);
  EXPECT_EQ(read_key_file.argon2_ops_limit, 0U);
  EXPECT_EQ(read_key_file.argon2_mem_limit, 0U);
  EXPECT_THAT(read_key_file.salt, IsEmpty());
  EXPECT_EQ(read_key_file.wrapped_master_key, key_file.wrapped_master_key);
  EXPECT_EQ(read_key_file.created_ms, key_file.created_ms);
}

TEST_F(SqliteKeyringStoreTest, UnlockerKindIsStoredAsText) {
  ASSERT_TRUE(keyring_->add_unlocker(UnlockerRecord{
      .kind = UnlockerKind::kKeyFile, .salt = {}, .wrapped_master_key = random_bytes(72)}));
  ASSERT_TRUE(keyring_->add_unlocker(UnlockerRecord{.kind = UnlockerKind::kPassphrase,
                                                    .salt = random_bytes(16),
                                                    .wrapped_master_key = random_bytes(72)}));
  keyring_.reset();
  EXPECT_EQ(test_support::query_text(path(), "SELECT group_concat(kind, ',') FROM unlockers"),
            "key-file,passphrase");
}

TEST_F(SqliteKeyringStoreTest, SystemKeysRoundTripAndAreReplaced) {
  auto missing = keyring_->system_key("audit-signing");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());

  const std::vector<uint8_t> first = random_bytes(88);
  const std::vector<uint8_t> second = random_bytes(88);
  ASSERT_TRUE(keyring_->put_system_key("audit-signing", first));
  ASSERT_TRUE(keyring_->put_system_key("vault-identity", second));
  reopen();
  const auto audit = test_support::found(keyring_->system_key("audit-signing"));
  EXPECT_EQ(audit, first);

  ASSERT_TRUE(keyring_->put_system_key("audit-signing", second));
  const auto replaced = test_support::found(keyring_->system_key("audit-signing"));
  EXPECT_EQ(replaced, second);
}

TEST_F(SqliteKeyringStoreTest, DataKeysRoundTrip) {
  const WrappedKeys keys = {{"c1", random_bytes(72)}, {"c2", random_bytes(72)}};
  auto put = keyring_->put_data_keys(keys, {});
  ASSERT_TRUE(put) << put.error().message;

  reopen();
  for (const auto& [compartment, wrapped] : keys) {
    EXPECT_EQ(test_support::found(keyring_->data_key(compartment)), wrapped) << compartment;
  }
  auto missing = keyring_->data_key("c3");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
}

TEST_F(SqliteKeyringStoreTest, PutDataKeysIsAllOrNothing) {
  ASSERT_TRUE(keyring_->put_data_keys(WrappedKeys{{"c1", random_bytes(72)}}, {}));

  // A key that exists already: the whole batch is refused.
  auto existing =
      keyring_->put_data_keys(WrappedKeys{{"c2", random_bytes(72)}, {"c1", random_bytes(72)}}, {});
  ASSERT_FALSE(existing);
  EXPECT_EQ(existing.error().code, ErrorCode::kConflict);
  // A duplicate inside the batch: nothing is stored.
  auto duplicate = keyring_->put_data_keys(
      WrappedKeys{{"c3", random_bytes(72)}, {"c4", random_bytes(72)}, {"c3", random_bytes(72)}},
      {});
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::kConflict);

  for (const char* compartment : {"c2", "c3", "c4"}) {
    auto read = keyring_->data_key(compartment);
    ASSERT_TRUE(read);
    EXPECT_FALSE(read->has_value()) << compartment;
  }
  // The keyring still accepts writes after the failed batches.
  EXPECT_TRUE(keyring_->put_data_keys(WrappedKeys{{"c3", random_bytes(72)}}, {}));
}

TEST_F(SqliteKeyringStoreTest, PutDataKeysRefusesAnErasedCompartment) {
  ASSERT_TRUE(keyring_->put_data_keys(WrappedKeys{{"c1", random_bytes(72)}}, {}));
  const std::vector<uint8_t> erased_hash = random_bytes(32);
  ASSERT_TRUE(keyring_->shred_data_key("c1", ErasureLedgerEntry{erased_hash, 10}));

  // Another connection, whose caches missed the erasure, asks for a new key.
  const std::vector<std::vector<uint8_t>> hashes = {random_bytes(32), erased_hash};
  auto refused = keyring_->put_data_keys(
      WrappedKeys{{"c2", random_bytes(72)}, {"c1", random_bytes(72)}}, hashes);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  for (const char* compartment : {"c1", "c2"}) {
    auto read = keyring_->data_key(compartment);
    ASSERT_TRUE(read);
    EXPECT_FALSE(read->has_value()) << compartment;
  }
  const std::vector<std::vector<uint8_t>> fresh = {random_bytes(32)};
  EXPECT_TRUE(keyring_->put_data_keys(WrappedKeys{{"c2", random_bytes(72)}}, fresh));
}

TEST_F(SqliteKeyringStoreTest, ShredRemovesTheKeyAndAppendsToTheLedger) {
  ASSERT_TRUE(keyring_->put_data_keys(
      WrappedKeys{{"c1", random_bytes(72)}, {"c2", random_bytes(72)}, {"c3", random_bytes(72)}},
      {}));
  const ErasureLedgerEntry first{.compartment_hash = random_bytes(32), .erased_ms = 10};
  const ErasureLedgerEntry second{.compartment_hash = random_bytes(32), .erased_ms = 20};

  auto shredded = keyring_->shred_data_key("c2", first);
  ASSERT_TRUE(shredded) << shredded.error().message;
  EXPECT_TRUE(*shredded);
  auto shredded_again = keyring_->shred_data_key("c1", second);
  ASSERT_TRUE(shredded_again);
  EXPECT_TRUE(*shredded_again);

  reopen();
  auto gone = keyring_->data_key("c2");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
  auto kept = keyring_->data_key("c3");
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept->has_value());
  auto ledger = keyring_->erasure_ledger();
  ASSERT_TRUE(ledger) << ledger.error().message;
  ASSERT_EQ(ledger->size(), 2U);
  EXPECT_EQ((*ledger)[0].compartment_hash, first.compartment_hash);
  EXPECT_EQ((*ledger)[0].erased_ms, first.erased_ms);
  EXPECT_EQ((*ledger)[1].compartment_hash, second.compartment_hash);
  EXPECT_EQ((*ledger)[1].erased_ms, second.erased_ms);
}

TEST_F(SqliteKeyringStoreTest, ShreddingAnUnknownCompartmentAppendsNothing) {
  ASSERT_TRUE(keyring_->put_data_keys(WrappedKeys{{"c1", random_bytes(72)}}, {}));
  ASSERT_TRUE(keyring_->shred_data_key("c1", {.compartment_hash = random_bytes(32)}));

  auto unknown = keyring_->shred_data_key("c9", {.compartment_hash = random_bytes(32)});
  ASSERT_TRUE(unknown) << unknown.error().message;
  EXPECT_FALSE(*unknown);
  auto twice = keyring_->shred_data_key("c1", {.compartment_hash = random_bytes(32)});
  ASSERT_TRUE(twice);
  EXPECT_FALSE(*twice);

  auto ledger = keyring_->erasure_ledger();
  ASSERT_TRUE(ledger);
  EXPECT_EQ(ledger->size(), 1U);
}

TEST_F(SqliteKeyringStoreTest, ShreddedKeyBytesAreGoneFromTheFile) {
  const std::vector<uint8_t> doomed = random_bytes(72);
  const std::vector<uint8_t> kept = random_bytes(72);
  ASSERT_TRUE(keyring_->put_data_keys(WrappedKeys{{"c1", doomed}, {"c2", kept}}, {}));
  // The search below can find a key: both are in the file or its WAL before the shred.
  ASSERT_TRUE(contains(file_and_wal_bytes(), doomed));
  ASSERT_TRUE(contains(file_and_wal_bytes(), kept));

  ASSERT_TRUE(keyring_->shred_data_key("c1", {.compartment_hash = random_bytes(32)}));
  keyring_.reset();

  const std::vector<uint8_t> file = read_bytes(path());
  EXPECT_FALSE(contains(file, doomed));
  EXPECT_TRUE(contains(file, kept));
}

TEST_F(SqliteKeyringStoreTest, IsInWalModeAndReadingLeavesTheFileUnchanged) {
  ASSERT_TRUE(keyring_->add_unlocker(UnlockerRecord{.kind = UnlockerKind::kPassphrase,
                                                    .salt = random_bytes(16),
                                                    .wrapped_master_key = random_bytes(72)}));
  ASSERT_TRUE(keyring_->put_system_key("audit-signing", random_bytes(88)));
  ASSERT_TRUE(keyring_->put_data_keys(WrappedKeys{{"c1", random_bytes(72)}}, {}));
  ASSERT_TRUE(keyring_->shred_data_key("c1", {.compartment_hash = random_bytes(32)}));
  keyring_.reset();
  // WAL, like the data file: a writer never makes a concurrent reader fail.
  EXPECT_EQ(test_support::query_text(path(), "PRAGMA journal_mode"), "wal");
  const auto before = test_support::snapshot(dir_.path());
  ASSERT_EQ(before.size(), 1U);

  {
    auto opened = sqlite::open_keyring_store(path(), OpenMode::kOpenExisting);
    ASSERT_TRUE(opened) << opened.error().message;
    KeyringStore& keyring = **opened;
    EXPECT_TRUE(keyring.unlockers());
    EXPECT_TRUE(keyring.system_key("audit-signing"));
    EXPECT_TRUE(keyring.data_key("c1"));
    EXPECT_TRUE(keyring.erasure_ledger());
  }
  // The last connection removes its WAL and shared-memory files; the file's bytes are unchanged.
  EXPECT_EQ(test_support::snapshot(dir_.path()), before);
}

TEST_F(SqliteKeyringStoreTest, AKeyringInRollbackJournalModeIsConvertedToWalAtOpen) {
  keyring_.reset();
  ASSERT_EQ(test_support::exec_raw(path(), "PRAGMA journal_mode = delete;"), "");
  ASSERT_EQ(test_support::query_text(path(), "PRAGMA journal_mode"), "delete");

  reopen();
  EXPECT_EQ(test_support::query_text(path(), "PRAGMA journal_mode"), "wal");
  EXPECT_TRUE(keyring_->unlockers());
}

TEST_F(SqliteKeyringStoreTest, AReadIsServedWhileAnotherConnectionHoldsAnExclusiveWrite) {
  const std::vector<uint8_t> wrapped = random_bytes(72);
  ASSERT_TRUE(keyring_->put_data_keys(WrappedKeys{{"c1", wrapped}}, {}));
  // A writer in the middle of its transaction. With a rollback journal this lock would shut
  // readers out until it commits (and a reader would fail once its busy timeout ran out).
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path().c_str(), &writer, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer,
                         "BEGIN EXCLUSIVE; INSERT INTO data_keys (compartment, wrapped)"
                         " VALUES ('c2', x'00');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);

  auto found = keyring_->data_key("c1");
  auto not_yet = keyring_->data_key("c2");

  sqlite3_exec(writer, "ROLLBACK;", nullptr, nullptr, nullptr);
  sqlite3_close(writer);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(*found, wrapped);
  ASSERT_TRUE(not_yet) << not_yet.error().message;
  EXPECT_FALSE(not_yet->has_value());
}

TEST_F(SqliteKeyringStoreTest, ShreddedKeyBytesAreGoneFromTheWalWhileAnotherConnectionIsOpen) {
  auto other = sqlite::open_keyring_store(path(), OpenMode::kOpenExisting);
  ASSERT_TRUE(other) << other.error().message;
  const std::vector<uint8_t> doomed = random_bytes(72);
  ASSERT_TRUE(keyring_->put_data_keys(WrappedKeys{{"c1", doomed}}, {}));
  ASSERT_TRUE((*other)->data_key("c1"));
  ASSERT_TRUE(contains(file_and_wal_bytes(), doomed));

  ASSERT_TRUE(keyring_->shred_data_key("c1", {.compartment_hash = random_bytes(32)}));

  // Both connections are still open, and neither the file nor its WAL has the key.
  EXPECT_FALSE(contains(file_and_wal_bytes(), doomed));
  auto found = (*other)->data_key("c1");
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
}

class SqliteKeyringStoreOpenTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(SqliteKeyringStoreOpenTest, CreateOnAnExistingPathIsAConflict) {
  const auto path = dir_.path() / "keyring.db";
  ASSERT_TRUE(sqlite::open_keyring_store(path, OpenMode::kCreate));
  const std::vector<uint8_t> content = read_bytes(path);

  auto again = sqlite::open_keyring_store(path, OpenMode::kCreate);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(read_bytes(path), content);
}

TEST_F(SqliteKeyringStoreOpenTest, OpeningAMissingFileIsNotFoundAndCreatesNothing) {
  auto opened = sqlite::open_keyring_store(dir_.path() / "missing.db", OpenMode::kOpenExisting);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path()));
}

TEST_F(SqliteKeyringStoreOpenTest, AGarbageFileIsAnIntegrityFailureAndStaysUnchanged) {
  const auto path = dir_.path() / "keyring.db";
  test_support::write_bytes(path, random_bytes(4096));
  const auto before = test_support::snapshot(dir_.path());

  auto opened = sqlite::open_keyring_store(path, OpenMode::kOpenExisting);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(opened.error().message, "keyring file is corrupt or not a vigie keyring file");
  EXPECT_EQ(test_support::snapshot(dir_.path()), before);
}

}  // namespace
}  // namespace vigie::store
