#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "store/store_test_support.hpp"

// Accounts, credentials, assignments and break-glass grants in the SQLite data file.

namespace vigie::store {
namespace {

using test_support::found;
using test_support::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Every field, so that EXPECT_EQ compares (and prints) whole rows.
auto fields(const AccountRow& row) {
  return std::tie(row.login, row.display_name, row.role, row.rpps, row.status, row.password_hash,
                  row.password_temporary, row.totp_sealed, row.totp_last_step, row.recovery_codes,
                  row.failed_logins, row.created_ms, row.last_used_ms);
}

auto fields(const CredentialRow& row) {
  return std::tie(row.id, row.kind, row.secret_hash, row.login, row.scopes, row.allowed_addresses,
                  row.address, row.created_ms, row.last_used_ms, row.expires_ms, row.revoked_ms);
}

auto fields(const AssignmentRow& row) {
  return std::tie(row.login, row.patient_id, row.source, row.created_ms);
}

auto fields(const BreakGlassRow& row) {
  return std::tie(row.id, row.login, row.patient_id, row.reason_sealed, row.start_ms);
}

// A practitioner account with every field set to a value other than its default.
AccountRow practitioner(const std::string& login) {
  return AccountRow{
      .login = login,
      .display_name = "Dr " + login,
      .role = "practitioner",
      .rpps = "10101010101",
      .status = "active",
      .password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA",
      .password_temporary = true,
      .totp_sealed = {0x00, 0x01, 0xfe, 0xff, 0x00},
      .totp_last_step = 57'000'000,
      .recovery_codes = "h1 h2 h3",
      .failed_logins = 2,
      .created_ms = 1'700'000'000'000,
      .last_used_ms = 1'700'000'000'500,
  };
}

// A hash whose 32 bytes all equal `seed`.
std::array<uint8_t, 32> hash_of(uint8_t seed) {
  std::array<uint8_t, 32> hash{};
  hash.fill(seed);
  return hash;
}

CredentialRow session(const std::string& id, const std::string& login, uint8_t seed,
                      int64_t created_ms = 1'700'000'000'000) {
  return CredentialRow{
      .id = id,
      .kind = "session",
      .secret_hash = hash_of(seed),
      .login = login,
      .scopes = "user/*.read",
      .allowed_addresses = "10.0.0.1 10.0.0.2",
      .address = "10.0.0.1",
      .created_ms = created_ms,
      .last_used_ms = created_ms + 1,
      .expires_ms = created_ms + 3'600'000,
      .revoked_ms = 0,
  };
}

class SqliteAccountStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = sqlite::open_data_store(path(), OpenMode::kCreate);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  [[nodiscard]] std::filesystem::path path() const { return dir_.path() / "data.db"; }

  // Runs `change` in its own committed transaction; it must succeed.
  void committed(const std::function<Result<void>(DataStore&)>& change) {
    ASSERT_TRUE(store_->begin());
    auto changed = change(*store_);
    ASSERT_TRUE(changed) << changed.error().message;
    auto done = store_->commit();
    ASSERT_TRUE(done) << done.error().message;
  }

  void insert(const AccountRow& row) {
    committed([&](DataStore& store) { return store.insert_account(row); });
  }
  void insert(const CredentialRow& row) {
    committed([&](DataStore& store) { return store.insert_credential(row); });
  }
  void insert(const AssignmentRow& row) {
    committed([&](DataStore& store) -> Result<void> {
      auto added = store.add_assignment(row);
      if (!added) {
        return tl::unexpected(added.error());
      }
      EXPECT_TRUE(*added);
      return {};
    });
  }
  void insert(const BreakGlassRow& row) {
    committed([&](DataStore& store) { return store.insert_break_glass(row); });
  }

  [[nodiscard]] int64_t rows_of(const std::string& table) const {
    return test_support::query_int(path(), "SELECT count(*) FROM " + table);
  }

  // The patient ids of `login`'s assignments, in the store's order.
  [[nodiscard]] std::vector<std::string> assigned(const std::string& login) {
    auto rows = store_->assignments_of(login);
    EXPECT_TRUE(rows) << rows.error().message;
    std::vector<std::string> patients;
    for (const AssignmentRow& row : rows ? *rows : std::vector<AssignmentRow>{}) {
      patients.push_back(row.patient_id + " " + row.source);
    }
    return patients;
  }

  TempDir dir_;  // declared first: removed after the store is closed
  std::unique_ptr<DataStore> store_;
};

// --- accounts ---

TEST_F(SqliteAccountStoreTest, AnAccountReadsBackFieldByField) {
  const AccountRow row = practitioner("alice");
  insert(row);

  EXPECT_EQ(fields(found(store_->account("alice"))), fields(row));
}

TEST_F(SqliteAccountStoreTest, AServiceAccountWithEmptySecretsReadsBackFieldByField) {
  const AccountRow row{.login = "lab-feed",
                       .display_name = "",
                       .role = "service",
                       .rpps = "",
                       .status = "disabled",
                       .password_hash = "",
                       .password_temporary = false,
                       .totp_sealed = {},
                       .totp_last_step = -1,
                       .recovery_codes = "",
                       .failed_logins = 0,
                       .created_ms = 0,
                       .last_used_ms = 0};
  insert(row);

  EXPECT_EQ(fields(found(store_->account("lab-feed"))), fields(row));
  // Empty, not NULL: the NOT NULL columns accepted them.
  EXPECT_EQ(rows_of("accounts WHERE totp_sealed = x'' AND password_hash = ''"), 1);
}

TEST_F(SqliteAccountStoreTest, AnUnknownLoginHasNoAccount) {
  insert(practitioner("alice"));

  auto missing = store_->account("bob");
  ASSERT_TRUE(missing) << missing.error().message;
  EXPECT_FALSE(missing->has_value());
  auto other_case = store_->account("ALICE");
  ASSERT_TRUE(other_case) << other_case.error().message;
  EXPECT_FALSE(other_case->has_value());
}

TEST_F(SqliteAccountStoreTest, InsertingAnExistingLoginIsAConflictAndKeepsTheFirst) {
  const AccountRow first = practitioner("alice");
  insert(first);
  AccountRow second = practitioner("alice");
  second.display_name = "Someone else";

  ASSERT_TRUE(store_->begin());
  auto inserted = store_->insert_account(second);
  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, ErrorCode::kConflict);
  EXPECT_THAT(inserted.error().message, HasSubstr("insert_account"));
  EXPECT_THAT(inserted.error().message, ::testing::Not(HasSubstr("alice")));
  ASSERT_TRUE(store_->commit());

  EXPECT_EQ(fields(found(store_->account("alice"))), fields(first));
}

TEST_F(SqliteAccountStoreTest, AnAccountWithAnUnknownStatusIsRefused) {
  AccountRow row = practitioner("alice");
  row.status = "suspended";

  ASSERT_TRUE(store_->begin());
  auto inserted = store_->insert_account(row);
  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, ErrorCode::kInternal);
  EXPECT_THAT(inserted.error().message, HasSubstr("insert_account"));
  ASSERT_TRUE(store_->commit());

  EXPECT_EQ(rows_of("accounts"), 0);
}

TEST_F(SqliteAccountStoreTest, UpdateReplacesEveryFieldButTheLogin) {
  insert(practitioner("alice"));
  insert(practitioner("bob"));
  const AccountRow updated{.login = "alice",
                           .display_name = "Alice Martin",
                           .role = "nurse",
                           .rpps = "",
                           .status = "locked",
                           .password_hash = "$argon2id$new",
                           .password_temporary = false,
                           .totp_sealed = {0x42},
                           .totp_last_step = 58'000'000,
                           .recovery_codes = "h4",
                           .failed_logins = 5,
                           .created_ms = 1,
                           .last_used_ms = 2};

  committed([&](DataStore& store) { return store.update_account(updated); });

  EXPECT_EQ(fields(found(store_->account("alice"))), fields(updated));
  EXPECT_EQ(fields(found(store_->account("bob"))), fields(practitioner("bob")));
}

TEST_F(SqliteAccountStoreTest, UpdatingAnUnknownAccountIsNotFoundAndCreatesNothing) {
  insert(practitioner("alice"));

  ASSERT_TRUE(store_->begin());
  auto updated = store_->update_account(practitioner("bob"));
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(updated.error().message, HasSubstr("update_account"));
  EXPECT_THAT(updated.error().message, ::testing::Not(HasSubstr("bob")));
  ASSERT_TRUE(store_->commit());

  EXPECT_EQ(rows_of("accounts"), 1);
}

TEST_F(SqliteAccountStoreTest, AccountsAreListedInAscendingLoginOrder) {
  auto none = store_->accounts();
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_THAT(*none, IsEmpty());
  for (const char* login : {"carol", "alice", "dave", "bob"}) {
    insert(practitioner(login));
  }

  auto listed = store_->accounts();
  ASSERT_TRUE(listed) << listed.error().message;
  std::vector<std::string> logins;
  for (const AccountRow& row : *listed) {
    logins.push_back(row.login);
  }
  EXPECT_THAT(logins, ElementsAre("alice", "bob", "carol", "dave"));
  EXPECT_EQ(fields(listed->front()), fields(practitioner("alice")));
}

// --- credentials ---

TEST_F(SqliteAccountStoreTest, ACredentialReadsBackFieldByFieldByHashAndById) {
  CredentialRow row = session("ses-1", "alice", 0x11);
  row.kind = "api-token";
  row.revoked_ms = 1'700'000'000'900;
  insert(row);

  EXPECT_EQ(fields(found(store_->credential_by_hash(hash_of(0x11)))), fields(row));
  EXPECT_EQ(fields(found(store_->credential("ses-1"))), fields(row));
}

TEST_F(SqliteAccountStoreTest, ACredentialAndItsAccountReadBackTogetherByHash) {
  AccountRow account = practitioner("alice");
  account.failed_logins = 2;
  account.last_used_ms = 1'700'000'000'500;
  insert(account);
  insert(practitioner("bob"));
  CredentialRow row = session("ses-1", "alice", 0x11);
  row.revoked_ms = 1'700'000'000'900;
  insert(row);
  insert(session("ses-2", "bob", 0x22));
  // No account of that login: nothing to authenticate.
  insert(session("ses-3", "nobody", 0x33));

  auto both = store_->credential_with_account_by_hash(hash_of(0x11));
  ASSERT_TRUE(both) << both.error().message;
  ASSERT_TRUE(both->has_value());
  EXPECT_EQ(fields((*both)->credential), fields(row));
  EXPECT_EQ(fields((*both)->account), fields(account));
  for (const uint8_t byte : {uint8_t{0x33}, uint8_t{0x44}}) {
    auto none = store_->credential_with_account_by_hash(hash_of(byte));
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_FALSE(none->has_value());
  }
}

// Authentication reads the same secret again and again: whatever was committed in between, by
// any connection, and whatever this connection changed, the next read shows it.
TEST_F(SqliteAccountStoreTest, ACredentialReadAgainShowsEveryChangeMadeSince) {
  insert(practitioner("alice"));
  insert(session("ses-1", "alice", 0x11));
  insert(session("ses-2", "alice", 0x22));
  auto opened = sqlite::open_data_store(path(), OpenMode::kOpenExisting);
  ASSERT_TRUE(opened) << opened.error().message;
  DataStore& other = **opened;
  const auto read = [&](uint8_t seed) {
    auto both = store_->credential_with_account_by_hash(hash_of(seed));
    EXPECT_TRUE(both) << both.error().message;
    EXPECT_TRUE(both->has_value());
    return both->value_or(CredentialWithAccount{});
  };
  EXPECT_EQ(read(0x11).credential.revoked_ms, 0);

  ASSERT_TRUE(other.begin());
  ASSERT_TRUE(other.revoke_credential("ses-1", 7));
  ASSERT_TRUE(other.commit());
  EXPECT_EQ(read(0x11).credential.revoked_ms, 7);

  AccountRow disabled = practitioner("alice");
  disabled.status = "disabled";
  ASSERT_TRUE(other.begin());
  ASSERT_TRUE(other.update_account(disabled));
  ASSERT_TRUE(other.commit());
  EXPECT_EQ(read(0x22).account.status, "disabled");

  committed([](DataStore& store) { return store.touch_credential("ses-2", 9); });
  EXPECT_EQ(read(0x22).credential.last_used_ms, 9);
}

// A change read inside a transaction that rolls back is not served after it.
TEST_F(SqliteAccountStoreTest, ACredentialReadAfterARollbackShowsTheRowAsItWas) {
  insert(practitioner("alice"));
  insert(session("ses-1", "alice", 0x11));
  ASSERT_TRUE(store_->credential_with_account_by_hash(hash_of(0x11)));

  AccountRow unlocked = practitioner("alice");
  unlocked.failed_logins = 0;
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->update_account(unlocked));
  EXPECT_EQ(found(store_->credential_with_account_by_hash(hash_of(0x11))).account.failed_logins, 0);
  store_->rollback();

  EXPECT_EQ(found(store_->credential_with_account_by_hash(hash_of(0x11))).account.failed_logins, 2);
}

TEST_F(SqliteAccountStoreTest, AnUnknownHashOrIdHasNoCredential) {
  insert(session("ses-1", "alice", 0x11));

  auto by_hash = store_->credential_by_hash(hash_of(0x12));
  ASSERT_TRUE(by_hash) << by_hash.error().message;
  EXPECT_FALSE(by_hash->has_value());
  auto by_id = store_->credential("ses-2");
  ASSERT_TRUE(by_id) << by_id.error().message;
  EXPECT_FALSE(by_id->has_value());
}

TEST_F(SqliteAccountStoreTest, RevokedAndExpiredCredentialsAreStillFoundByHash) {
  CredentialRow expired = session("ses-1", "alice", 0x11);
  expired.expires_ms = 1;
  insert(expired);
  insert(session("ses-2", "alice", 0x22));
  committed([&](DataStore& store) -> Result<void> {
    return store.revoke_credential("ses-2", 5).map([](bool) {});
  });

  EXPECT_EQ(found(store_->credential_by_hash(hash_of(0x11))).expires_ms, 1);
  EXPECT_EQ(found(store_->credential_by_hash(hash_of(0x22))).revoked_ms, 5);
}

TEST_F(SqliteAccountStoreTest, ADuplicateCredentialIdIsAConflict) {
  insert(session("ses-1", "alice", 0x11));

  ASSERT_TRUE(store_->begin());
  auto inserted = store_->insert_credential(session("ses-1", "bob", 0x22));
  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, ErrorCode::kConflict);
  EXPECT_THAT(inserted.error().message, HasSubstr("insert_credential"));
  ASSERT_TRUE(store_->commit());

  EXPECT_EQ(found(store_->credential("ses-1")).login, "alice");
  auto other_hash = store_->credential_by_hash(hash_of(0x22));
  ASSERT_TRUE(other_hash);
  EXPECT_FALSE(other_hash->has_value());
}

TEST_F(SqliteAccountStoreTest, ADuplicateSecretHashIsAConflict) {
  insert(session("ses-1", "alice", 0x11));

  ASSERT_TRUE(store_->begin());
  auto inserted = store_->insert_credential(session("ses-2", "bob", 0x11));
  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, ErrorCode::kConflict);
  EXPECT_THAT(inserted.error().message, HasSubstr("insert_credential"));
  ASSERT_TRUE(store_->commit());

  EXPECT_EQ(found(store_->credential_by_hash(hash_of(0x11))).id, "ses-1");
  auto second = store_->credential("ses-2");
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->has_value());
}

TEST_F(SqliteAccountStoreTest, ACredentialOfAnUnknownKindIsRefused) {
  CredentialRow row = session("ses-1", "alice", 0x11);
  row.kind = "cookie";

  ASSERT_TRUE(store_->begin());
  auto inserted = store_->insert_credential(row);
  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, ErrorCode::kInternal);
  ASSERT_TRUE(store_->commit());

  EXPECT_EQ(rows_of("credentials"), 0);
}

TEST_F(SqliteAccountStoreTest, AMalformedStoredHashIsAnIntegrityFailure) {
  insert(session("ses-1", "alice", 0x11));
  // Someone with the sqlite3 shell, bypassing the CHECK constraint.
  ASSERT_EQ(test_support::exec_raw(path(),
                                   "PRAGMA ignore_check_constraints = ON;"
                                   " UPDATE credentials SET secret_hash = x'0102'"),
            "");

  auto by_id = store_->credential("ses-1");
  ASSERT_FALSE(by_id);
  EXPECT_EQ(by_id.error().code, ErrorCode::kIntegrity);
  auto listed = store_->credentials_of("alice");
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code, ErrorCode::kIntegrity);
}

TEST_F(SqliteAccountStoreTest, CredentialsOfALoginAreInCreationOrder) {
  insert(session("ses-c", "alice", 0x03, 300));
  insert(session("ses-x", "bob", 0x04, 150));
  insert(session("ses-a", "alice", 0x01, 100));
  insert(session("ses-b", "alice", 0x02, 200));

  auto listed = store_->credentials_of("alice");
  ASSERT_TRUE(listed) << listed.error().message;
  std::vector<std::string> ids;
  for (const CredentialRow& row : *listed) {
    ids.push_back(row.id);
  }
  EXPECT_THAT(ids, ElementsAre("ses-a", "ses-b", "ses-c"));
  EXPECT_EQ(fields(listed->front()), fields(session("ses-a", "alice", 0x01, 100)));
  auto none = store_->credentials_of("carol");
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_THAT(*none, IsEmpty());
}

TEST_F(SqliteAccountStoreTest, TouchSetsTheLastUseOfThatCredentialOnly) {
  insert(session("ses-1", "alice", 0x11));
  insert(session("ses-2", "alice", 0x22));

  committed([&](DataStore& store) { return store.touch_credential("ses-1", 1'800'000'000'000); });

  EXPECT_EQ(found(store_->credential("ses-1")).last_used_ms, 1'800'000'000'000);
  EXPECT_EQ(fields(found(store_->credential("ses-2"))), fields(session("ses-2", "alice", 0x22)));
}

TEST_F(SqliteAccountStoreTest, TouchingAnUnknownCredentialIsNotFound) {
  ASSERT_TRUE(store_->begin());
  auto touched = store_->touch_credential("ses-1", 5);
  ASSERT_FALSE(touched);
  EXPECT_EQ(touched.error().code, ErrorCode::kNotFound);
  store_->rollback();
}

TEST_F(SqliteAccountStoreTest, RevokingTwiceChangesTheCredentialOnce) {
  insert(session("ses-1", "alice", 0x11));

  ASSERT_TRUE(store_->begin());
  auto first = store_->revoke_credential("ses-1", 1000);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(*first);
  auto second = store_->revoke_credential("ses-1", 2000);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(*second);
  ASSERT_TRUE(store_->commit());

  EXPECT_EQ(found(store_->credential("ses-1")).revoked_ms, 1000);
}

TEST_F(SqliteAccountStoreTest, RevokingAnUnknownCredentialIsNotFound) {
  ASSERT_TRUE(store_->begin());
  auto revoked = store_->revoke_credential("ses-1", 1000);
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(revoked.error().message, HasSubstr("revoke_credential"));
  store_->rollback();
}

TEST_F(SqliteAccountStoreTest, ARevocationTimeOfZeroIsRefused) {
  insert(session("ses-1", "alice", 0x11));

  ASSERT_TRUE(store_->begin());
  auto one = store_->revoke_credential("ses-1", 0);
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().code, ErrorCode::kInternal);
  auto all = store_->revoke_credentials_of("alice", -1);
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().code, ErrorCode::kInternal);
  ASSERT_TRUE(store_->commit());

  EXPECT_EQ(found(store_->credential("ses-1")).revoked_ms, 0);
}

TEST_F(SqliteAccountStoreTest, RevokingEveryCredentialOfALoginCountsOnlyItsUnrevokedOnes) {
  insert(session("ses-1", "alice", 0x01));
  insert(session("ses-2", "alice", 0x02));
  CredentialRow revoked = session("ses-3", "alice", 0x03);
  revoked.revoked_ms = 500;
  insert(revoked);
  insert(session("ses-4", "bob", 0x04));

  ASSERT_TRUE(store_->begin());
  auto count = store_->revoke_credentials_of("alice", 1000);
  ASSERT_TRUE(count) << count.error().message;
  EXPECT_EQ(*count, 2);
  auto again = store_->revoke_credentials_of("alice", 2000);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, 0);
  auto nobody = store_->revoke_credentials_of("carol", 2000);
  ASSERT_TRUE(nobody) << nobody.error().message;
  EXPECT_EQ(*nobody, 0);
  ASSERT_TRUE(store_->commit());

  EXPECT_EQ(found(store_->credential("ses-1")).revoked_ms, 1000);
  EXPECT_EQ(found(store_->credential("ses-2")).revoked_ms, 1000);
  EXPECT_EQ(found(store_->credential("ses-3")).revoked_ms, 500);
  EXPECT_EQ(found(store_->credential("ses-4")).revoked_ms, 0);
}

// --- assignments ---

TEST_F(SqliteAccountStoreTest, AnAssignmentReadsBackFieldByField) {
  const AssignmentRow row{
      .login = "alice", .patient_id = "p1", .source = "CareTeam/ct1", .created_ms = 42};
  insert(row);

  auto rows = store_->assignments_of("alice");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 1U);
  EXPECT_EQ(fields(rows->front()), fields(row));
}

TEST_F(SqliteAccountStoreTest, AssignmentsOfALoginAreInPatientThenSourceOrder) {
  insert(AssignmentRow{.login = "alice", .patient_id = "p2", .source = "cli"});
  insert(AssignmentRow{.login = "alice", .patient_id = "p1", .source = "registration"});
  insert(AssignmentRow{.login = "bob", .patient_id = "p1", .source = "cli"});
  insert(AssignmentRow{.login = "alice", .patient_id = "p1", .source = "CareTeam/ct1"});
  insert(AssignmentRow{.login = "alice", .patient_id = "p1", .source = "cli"});

  EXPECT_THAT(assigned("alice"),
              ElementsAre("p1 CareTeam/ct1", "p1 cli", "p1 registration", "p2 cli"));
  EXPECT_THAT(assigned("bob"), ElementsAre("p1 cli"));
  EXPECT_THAT(assigned("carol"), IsEmpty());
}

TEST_F(SqliteAccountStoreTest, IsAssignedAnswersForAnySourceAndOnlyForThatPair) {
  insert(AssignmentRow{.login = "alice", .patient_id = "p1", .source = "CareTeam/ct1"});
  insert(AssignmentRow{.login = "bob", .patient_id = "p2", .source = "cli"});
  for (const auto& [login, patient, expected] :
       std::vector<std::tuple<std::string, std::string, bool>>{{"alice", "p1", true},
                                                               {"alice", "p2", false},
                                                               {"bob", "p2", true},
                                                               {"bob", "p1", false},
                                                               {"carol", "p1", false}}) {
    auto assigned = store_->is_assigned(login, patient);
    ASSERT_TRUE(assigned) << assigned.error().message;
    EXPECT_EQ(*assigned, expected) << login << " " << patient;
  }
}

TEST_F(SqliteAccountStoreTest, AddingAnExistingAssignmentReturnsFalseAndKeepsTheFirst) {
  const AssignmentRow first{.login = "alice", .patient_id = "p1", .source = "cli", .created_ms = 1};
  insert(first);
  AssignmentRow again = first;
  again.created_ms = 2;

  ASSERT_TRUE(store_->begin());
  auto added = store_->add_assignment(again);
  ASSERT_TRUE(added) << added.error().message;
  EXPECT_FALSE(*added);
  ASSERT_TRUE(store_->commit());

  auto rows = store_->assignments_of("alice");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 1U);
  EXPECT_EQ(fields(rows->front()), fields(first));
}

TEST_F(SqliteAccountStoreTest, RemovingAnAssignmentSaysWhetherItExisted) {
  insert(AssignmentRow{.login = "alice", .patient_id = "p1", .source = "cli"});
  insert(AssignmentRow{.login = "alice", .patient_id = "p1", .source = "registration"});

  ASSERT_TRUE(store_->begin());
  auto removed = store_->remove_assignment("alice", "p1", "cli");
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_TRUE(*removed);
  auto again = store_->remove_assignment("alice", "p1", "cli");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(*again);
  auto other_login = store_->remove_assignment("bob", "p1", "registration");
  ASSERT_TRUE(other_login) << other_login.error().message;
  EXPECT_FALSE(*other_login);
  ASSERT_TRUE(store_->commit());

  EXPECT_THAT(assigned("alice"), ElementsAre("p1 registration"));
}

TEST_F(SqliteAccountStoreTest, RemovingAssignmentsFromASourceCountsOnlyThatSource) {
  insert(AssignmentRow{.login = "alice", .patient_id = "p1", .source = "CareTeam/ct1"});
  insert(AssignmentRow{.login = "bob", .patient_id = "p1", .source = "CareTeam/ct1"});
  insert(AssignmentRow{.login = "alice", .patient_id = "p2", .source = "CareTeam/ct1"});
  insert(AssignmentRow{.login = "alice", .patient_id = "p1", .source = "CareTeam/ct2"});
  insert(AssignmentRow{.login = "alice", .patient_id = "p1", .source = "cli"});

  ASSERT_TRUE(store_->begin());
  auto removed = store_->remove_assignments_from("CareTeam/ct1");
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(*removed, 3);
  auto again = store_->remove_assignments_from("CareTeam/ct1");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, 0);
  ASSERT_TRUE(store_->commit());

  EXPECT_THAT(assigned("alice"), ElementsAre("p1 CareTeam/ct2", "p1 cli"));
  EXPECT_THAT(assigned("bob"), IsEmpty());
}

TEST_F(SqliteAccountStoreTest, RemovingAssignmentsToAPatientCountsOnlyThatPatient) {
  insert(AssignmentRow{.login = "alice", .patient_id = "p1", .source = "cli"});
  insert(AssignmentRow{.login = "alice", .patient_id = "p1", .source = "registration"});
  insert(AssignmentRow{.login = "bob", .patient_id = "p1", .source = "CareTeam/ct1"});
  insert(AssignmentRow{.login = "alice", .patient_id = "p2", .source = "cli"});

  ASSERT_TRUE(store_->begin());
  auto removed = store_->remove_assignments_to("p1");
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(*removed, 3);
  auto again = store_->remove_assignments_to("p1");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, 0);
  ASSERT_TRUE(store_->commit());

  EXPECT_THAT(assigned("alice"), ElementsAre("p2 cli"));
  EXPECT_THAT(assigned("bob"), IsEmpty());
}

// --- break-glass grants ---

TEST_F(SqliteAccountStoreTest, ABreakGlassGrantReadsBackFieldByField) {
  const BreakGlassRow row{.id = "bg-1",
                          .login = "alice",
                          .patient_id = "p1",
                          .reason_sealed = {0x01, 0x02, 0x03},
                          .start_ms = 1'700'000'000'000};
  insert(row);

  auto rows = store_->break_glass_of("alice", 0);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 1U);
  EXPECT_EQ(fields(rows->front()), fields(row));
}

TEST_F(SqliteAccountStoreTest, BreakGlassGrantsAreFilteredByLoginAndStartAndInStartOrder) {
  insert(BreakGlassRow{
      .id = "bg-11", .login = "alice", .patient_id = "p3", .reason_sealed = {}, .start_ms = 300});
  insert(BreakGlassRow{
      .id = "bg-12", .login = "alice", .patient_id = "p1", .reason_sealed = {}, .start_ms = 100});
  insert(BreakGlassRow{
      .id = "bg-13", .login = "bob", .patient_id = "p9", .reason_sealed = {}, .start_ms = 200});
  insert(BreakGlassRow{
      .id = "bg-14", .login = "alice", .patient_id = "p2", .reason_sealed = {}, .start_ms = 200});
  // Same millisecond: insertion order.
  insert(BreakGlassRow{
      .id = "bg-15", .login = "alice", .patient_id = "p4", .reason_sealed = {}, .start_ms = 300});

  const auto patients = [&](const std::string& login, int64_t since_ms) {
    auto rows = store_->break_glass_of(login, since_ms);
    EXPECT_TRUE(rows) << rows.error().message;
    std::vector<std::string> ids;
    for (const BreakGlassRow& row : rows ? *rows : std::vector<BreakGlassRow>{}) {
      ids.push_back(row.patient_id);
    }
    return ids;
  };
  EXPECT_THAT(patients("alice", 0), ElementsAre("p1", "p2", "p3", "p4"));
  EXPECT_THAT(patients("alice", 200), ElementsAre("p2", "p3", "p4"));  // at or after
  EXPECT_THAT(patients("alice", 201), ElementsAre("p3", "p4"));
  EXPECT_THAT(patients("alice", 301), IsEmpty());
  EXPECT_THAT(patients("bob", 0), ElementsAre("p9"));
  EXPECT_THAT(patients("carol", 0), IsEmpty());
}

// --- client keys and assertion ids (SMART Backend Services) ---

TEST_F(SqliteAccountStoreTest, ClientKeysReadBackByLoginInKidOrderAndAKidIsTakenOnce) {
  const ClientKeyRow second{
      .login = "lab-feed", .kid = "k2", .alg = "ES384", .jwk = R"({"kty":"EC"})", .created_ms = 7};
  const ClientKeyRow first{
      .login = "lab-feed", .kid = "k1", .alg = "RS384", .jwk = R"({"kty":"RSA"})", .created_ms = 8};
  const ClientKeyRow other{
      .login = "billing", .kid = "k1", .alg = "ES384", .jwk = "{}", .created_ms = 9};
  for (const ClientKeyRow* row : {&second, &first, &other}) {
    committed([&](DataStore& store) -> Result<void> {
      auto added = store.insert_client_key(*row);
      if (!added) {
        return tl::unexpected(added.error());
      }
      EXPECT_TRUE(*added);
      return {};
    });
  }
  committed([&](DataStore& store) -> Result<void> {
    ClientKeyRow again = first;
    again.jwk = "{}";
    auto added = store.insert_client_key(again);
    if (!added) {
      return tl::unexpected(added.error());
    }
    EXPECT_FALSE(*added);
    return {};
  });

  auto keys = store_->client_keys("lab-feed");
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->size(), 2U);
  EXPECT_EQ(std::tie((*keys)[0].login, (*keys)[0].kid, (*keys)[0].alg, (*keys)[0].jwk,
                     (*keys)[0].created_ms),
            std::tie(first.login, first.kid, first.alg, first.jwk, first.created_ms));
  EXPECT_EQ((*keys)[1].kid, "k2");
  auto none = store_->client_keys("nobody");
  ASSERT_TRUE(none);
  EXPECT_THAT(*none, IsEmpty());
}

TEST_F(SqliteAccountStoreTest, AnAssertionIdIsRememberedOnceUntilItIsForgottenAfterItsExpiry) {
  const auto remember = [&](uint8_t seed, int64_t expires_ms) {
    bool fresh = false;
    committed([&](DataStore& store) -> Result<void> {
      auto added = store.remember_assertion_id(hash_of(seed), expires_ms);
      if (!added) {
        return tl::unexpected(added.error());
      }
      fresh = *added;
      return {};
    });
    return fresh;
  };
  EXPECT_TRUE(remember(1, 100));
  EXPECT_TRUE(remember(2, 300));
  EXPECT_FALSE(remember(1, 100));  // a replay
  EXPECT_FALSE(remember(1, 999));  // whatever expiry it claims

  // Reopened: the ids are in the file.
  store_.reset();
  auto reopened = sqlite::open_data_store(path(), OpenMode::kOpenExisting);
  ASSERT_TRUE(reopened) << reopened.error().message;
  store_ = std::move(*reopened);
  EXPECT_FALSE(remember(2, 300));

  int64_t forgotten = -1;
  committed([&](DataStore& store) -> Result<void> {
    auto removed = store.forget_assertion_ids_before(101);
    if (!removed) {
      return tl::unexpected(removed.error());
    }
    forgotten = *removed;
    return {};
  });
  EXPECT_EQ(forgotten, 1);
  EXPECT_EQ(rows_of("assertion_ids"), 1);
  EXPECT_TRUE(remember(1, 100));   // expired, forgotten: the assertion itself is refused by then
  EXPECT_FALSE(remember(2, 300));  // not expired: still remembered
}

// --- transactions ---

// Every mutating call. Run once each, in this order, from SqliteAccountStoreMutationTest's rows,
// every one changes something.
std::vector<std::pair<std::string, std::function<bool(DataStore&)>>> mutations() {
  return {
      {"insert_account",
       [](DataStore& store) { return store.insert_account(practitioner("carol")).has_value(); }},
      {"update_account",
       [](DataStore& store) {
         AccountRow row = practitioner("alice");
         row.status = "locked";
         return store.update_account(row).has_value();
       }},
      {"insert_credential",
       [](DataStore& store) {
         return store.insert_credential(session("ses-9", "alice", 0x99)).has_value();
       }},
      {"touch_credential",
       [](DataStore& store) { return store.touch_credential("ses-1", 9).has_value(); }},
      {"revoke_credential",
       [](DataStore& store) { return store.revoke_credential("ses-1", 9).has_value(); }},
      {"revoke_credentials_of",
       [](DataStore& store) { return store.revoke_credentials_of("alice", 9).has_value(); }},
      {"add_assignment",
       [](DataStore& store) {
         return store
             .add_assignment(AssignmentRow{.login = "alice", .patient_id = "p9", .source = "cli"})
             .has_value();
       }},
      {"remove_assignment",
       [](DataStore& store) { return store.remove_assignment("alice", "p1", "cli").has_value(); }},
      {"remove_assignments_from",
       [](DataStore& store) { return store.remove_assignments_from("CareTeam/ct1").has_value(); }},
      {"remove_assignments_to",
       [](DataStore& store) { return store.remove_assignments_to("p3").has_value(); }},
      {"insert_break_glass",
       [](DataStore& store) {
         return store
             .insert_break_glass(BreakGlassRow{.id = "bg-16",
                                               .login = "alice",
                                               .patient_id = "p9",
                                               .reason_sealed = {},
                                               .start_ms = 9})
             .has_value();
       }},
      {"insert_client_key",
       [](DataStore& store) {
         return store
             .insert_client_key(ClientKeyRow{
                 .login = "alice", .kid = "k9", .alg = "ES384", .jwk = "{}", .created_ms = 9})
             .has_value();
       }},
      {"remember_assertion_id",
       [](DataStore& store) { return store.remember_assertion_id(hash_of(0x42), 9).has_value(); }},
      {"forget_assertion_ids_before",
       [](DataStore& store) { return store.forget_assertion_ids_before(9).has_value(); }},
      {"insert_alert",
       [](DataStore& store) {
         return store.insert_alert(AlertRow{.time_ms = 9, .kind = "honey", .account = "alice"})
             .has_value();
       }},
      {"acknowledge_alert",
       [](DataStore& store) { return store.acknowledge_alert(1, "custodian", 9).has_value(); }},
      {"save_alert_delivery",
       [](DataStore& store) {
         return store.save_alert_delivery(AlertDeliveryRow{.alert_id = 1, .sink = "webhook"})
             .has_value();
       }},
  };
}

TEST_F(SqliteAccountStoreTest, AlertsAreListedInOrderAndAcknowledgedOnce) {
  const auto raise = [&](int64_t time_ms, std::string kind, std::string account) {
    int64_t id = 0;
    committed([&](DataStore& store) -> Result<void> {
      auto added = store.insert_alert(AlertRow{.time_ms = time_ms,
                                               .kind = std::move(kind),
                                               .account = std::move(account),
                                               .detail = "12 patients in 10 minutes",
                                               .account_locked = true});
      if (!added) {
        return tl::unexpected(added.error());
      }
      id = *added;
      return {};
    });
    return id;
  };
  EXPECT_EQ(raise(10, "bulk-read", "alice"), 1);
  EXPECT_EQ(raise(20, "honey", "bob"), 2);
  EXPECT_EQ(raise(30, "login-failures", ""), 3);

  const auto acknowledge = [&](int64_t id, int64_t at_ms) {
    bool done = false;
    committed([&](DataStore& store) -> Result<void> {
      auto acknowledged = store.acknowledge_alert(id, "root", at_ms);
      if (!acknowledged) {
        return tl::unexpected(acknowledged.error());
      }
      done = *acknowledged;
      return {};
    });
    return done;
  };
  EXPECT_TRUE(acknowledge(2, 40));
  EXPECT_FALSE(acknowledge(2, 50));  // the first acknowledgement stays
  EXPECT_FALSE(acknowledge(9, 50));  // no such alert

  auto all = store_->list_alerts(0, 10, false);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 3U);
  EXPECT_EQ((*all)[0].kind, "bulk-read");
  EXPECT_EQ((*all)[0].account, "alice");
  EXPECT_EQ((*all)[0].detail, "12 patients in 10 minutes");
  EXPECT_TRUE((*all)[0].account_locked);
  EXPECT_EQ((*all)[1].acknowledged_by, "root");
  EXPECT_EQ((*all)[1].acknowledged_ms, 40);
  EXPECT_EQ((*all)[2].time_ms, 30);

  auto open = store_->list_alerts(0, 10, true);
  ASSERT_TRUE(open) << open.error().message;
  ASSERT_EQ(open->size(), 2U);
  EXPECT_EQ((*open)[0].id, 1);
  EXPECT_EQ((*open)[1].id, 3);

  auto page = store_->list_alerts(1, 1, false);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->size(), 1U);
  EXPECT_EQ((*page)[0].id, 2);
}

TEST_F(SqliteAccountStoreTest, AnAlertIsDueForEachSinkUntilDeliveredThereAndWaitsItsBackOff) {
  for (int64_t time_ms : {10, 20}) {
    committed([&](DataStore& store) -> Result<void> {
      auto added = store.insert_alert(AlertRow{.time_ms = time_ms, .kind = "honey"});
      return added ? Result<void>{} : tl::unexpected(added.error());
    });
  }
  const auto due = [&](const std::string& sink, int64_t now_ms) {
    std::vector<std::pair<int64_t, int64_t>> ids_and_attempts;
    auto rows = store_->due_alert_deliveries(sink, now_ms, 10);
    EXPECT_TRUE(rows) << rows.error().message;
    for (const DueAlert& row : rows.value_or(std::vector<DueAlert>{})) {
      EXPECT_EQ(row.delivery.alert_id, row.alert.id);
      EXPECT_EQ(row.delivery.sink, sink);
      ids_and_attempts.emplace_back(row.alert.id, row.delivery.attempts);
    }
    return ids_and_attempts;
  };
  using Due = std::vector<std::pair<int64_t, int64_t>>;
  EXPECT_EQ(due("webhook", 100), (Due{{1, 0}, {2, 0}}));  // never tried: due at once

  committed([](DataStore& store) -> Result<void> {
    return store.save_alert_delivery(AlertDeliveryRow{.alert_id = 1,
                                                      .sink = "webhook",
                                                      .attempts = 1,
                                                      .next_attempt_ms = 130,
                                                      .last_error = "HTTP 503"});
  });
  committed([](DataStore& store) -> Result<void> {
    return store.save_alert_delivery(
        AlertDeliveryRow{.alert_id = 2, .sink = "webhook", .attempts = 1, .delivered_ms = 101});
  });
  EXPECT_EQ(due("webhook", 129), Due{});            // 1 waits its back-off, 2 is delivered
  EXPECT_EQ(due("webhook", 130), (Due{{1, 1}}));    // 1 is due again
  EXPECT_EQ(due("log", 0), (Due{{1, 0}, {2, 0}}));  // each sink on its own

  auto rows = store_->alert_deliveries(0, 2);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 2U);
  EXPECT_EQ((*rows)[0].alert_id, 1);
  EXPECT_EQ((*rows)[0].last_error, "HTTP 503");
  EXPECT_EQ((*rows)[0].delivered_ms, 0);
  EXPECT_EQ((*rows)[1].alert_id, 2);
  EXPECT_EQ((*rows)[1].delivered_ms, 101);
  auto after_first = store_->alert_deliveries(1, 2);
  ASSERT_TRUE(after_first) << after_first.error().message;
  ASSERT_EQ(after_first->size(), 1U);
  EXPECT_EQ(after_first->front().alert_id, 2);
}

class SqliteAccountStoreMutationTest : public SqliteAccountStoreTest {
 protected:
  void SetUp() override {
    SqliteAccountStoreTest::SetUp();
    insert(practitioner("alice"));
    insert(session("ses-1", "alice", 0x11));
    insert(AssignmentRow{.login = "alice", .patient_id = "p1", .source = "cli"});
    insert(AssignmentRow{.login = "bob", .patient_id = "p2", .source = "CareTeam/ct1"});
    insert(AssignmentRow{.login = "carol", .patient_id = "p3", .source = "registration"});
    insert(BreakGlassRow{
        .id = "bg-17", .login = "alice", .patient_id = "p1", .reason_sealed = {}, .start_ms = 1});
    committed([](DataStore& store) -> Result<void> {
      auto added = store.remember_assertion_id(hash_of(0x41), 1);
      return added ? Result<void>{} : tl::unexpected(added.error());
    });
    committed([](DataStore& store) -> Result<void> {
      auto added =
          store.insert_alert(AlertRow{.time_ms = 1, .kind = "bulk-read", .account = "bob"});
      return added ? Result<void>{} : tl::unexpected(added.error());
    });
  }

  // The whole content of the eight tables, to compare before and after.
  [[nodiscard]] std::string content() const {
    return test_support::query_text(
        path(),
        "SELECT (SELECT group_concat(login || status, ',') FROM accounts) || '|' ||"
        " (SELECT group_concat(id || last_used_ms || revoked_ms, ',') FROM credentials) || '|' ||"
        " (SELECT group_concat(login || patient_id || source, ',') FROM assignments) || '|' ||"
        " (SELECT group_concat(login || patient_id, ',') FROM break_glass) || '|' ||"
        " (SELECT ifnull(group_concat(login || kid, ','), '') FROM client_keys) || '|' ||"
        " (SELECT ifnull(group_concat(hex(id_hash) || expires_ms, ','), '') FROM assertion_ids)"
        " || '|' || (SELECT group_concat(id || kind || acknowledged_ms, ',') FROM alerts)"
        " || '|' || (SELECT ifnull(group_concat(alert_id || sink || attempts, ','), '')"
        " FROM alert_deliveries)");
  }
};

TEST_F(SqliteAccountStoreMutationTest, EveryMutationOutsideATransactionFailsAndChangesNothing) {
  const std::string before = content();
  ASSERT_FALSE(before.empty());
  for (const auto& [name, mutate] : mutations()) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(mutate(*store_));
  }
  EXPECT_EQ(content(), before);

  // The code and message of one of each return type.
  auto inserted = store_->insert_account(practitioner("carol"));
  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, ErrorCode::kInternal);
  EXPECT_THAT(inserted.error().message, HasSubstr("insert_account"));
  auto revoked = store_->revoke_credential("ses-1", 9);
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().code, ErrorCode::kInternal);
  EXPECT_THAT(revoked.error().message, HasSubstr("revoke_credential"));
  auto counted = store_->remove_assignments_to("p1");
  ASSERT_FALSE(counted);
  EXPECT_EQ(counted.error().code, ErrorCode::kInternal);
  EXPECT_THAT(counted.error().message, HasSubstr("remove_assignments_to"));
}

TEST_F(SqliteAccountStoreMutationTest, EveryMutationIsUndoneByARollback) {
  const std::string before = content();
  for (const auto& [name, mutate] : mutations()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(store_->begin());
    EXPECT_TRUE(mutate(*store_));
    store_->rollback();
    EXPECT_EQ(content(), before);
  }
}

TEST_F(SqliteAccountStoreMutationTest, EveryMutationIsStoredByACommit) {
  for (const auto& [name, mutate] : mutations()) {
    SCOPED_TRACE(name);
    const std::string before = content();
    ASSERT_TRUE(store_->begin());
    EXPECT_TRUE(mutate(*store_));
    ASSERT_TRUE(store_->commit());
    // Every mutation of the list changes the content when run once, from this starting state.
    EXPECT_NE(content(), before);
  }
}

TEST_F(SqliteAccountStoreTest, CommittedRowsSurviveReopening) {
  insert(practitioner("alice"));
  insert(session("ses-1", "alice", 0x11));
  insert(AssignmentRow{.login = "alice", .patient_id = "p1", .source = "cli", .created_ms = 3});
  insert(BreakGlassRow{
      .id = "bg-18", .login = "alice", .patient_id = "p1", .reason_sealed = {}, .start_ms = 4});
  store_.reset();

  auto reopened = sqlite::open_data_store(path(), OpenMode::kOpenExisting);
  ASSERT_TRUE(reopened) << reopened.error().message;
  DataStore& store = **reopened;
  EXPECT_EQ(fields(found(store.account("alice"))), fields(practitioner("alice")));
  EXPECT_EQ(fields(found(store.credential_by_hash(hash_of(0x11)))),
            fields(session("ses-1", "alice", 0x11)));
  auto assignments = store.assignments_of("alice");
  ASSERT_TRUE(assignments) << assignments.error().message;
  EXPECT_EQ(assignments->size(), 1U);
  auto grants = store.break_glass_of("alice", 0);
  ASSERT_TRUE(grants) << grants.error().message;
  EXPECT_EQ(grants->size(), 1U);
}

}  // namespace
}  // namespace vigie::store
