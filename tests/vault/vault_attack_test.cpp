// Attacks on the files of a vault: what a thief holding a copy, or someone editing the files,
// can learn or do. Threat T1 of ARCHITECTURE.md.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>

#include "demo/demo_data.hpp"
#include "fhir/bundle.hpp"
#include "fhir/search.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "vault/vault.hpp"
#include "vault_fixture.hpp"

namespace vigie {
namespace {

using testing::parse_object;
using testing::VaultTest;

// Direct access to the data file, as an attacker with the sqlite3 shell would have.
class RawDatabase {
 public:
  explicit RawDatabase(const std::filesystem::path& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDatabase() { sqlite3_close(db_); }

  std::string sealed(const std::string& type, const std::string& id, int version = 1) {
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(db_,
                       "SELECT sealed FROM resource_versions WHERE type=? AND id=? AND version=?",
                       -1, &statement, nullptr);
    sqlite3_bind_text(statement, 1, type.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(statement, 2, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(statement, 3, version);
    std::string bytes;
    if (sqlite3_step(statement) == SQLITE_ROW) {
      bytes.assign(static_cast<const char*>(sqlite3_column_blob(statement, 0)),
                   static_cast<size_t>(sqlite3_column_bytes(statement, 0)));
    }
    sqlite3_finalize(statement);
    return bytes;
  }

  void set_sealed(const std::string& type, const std::string& id, const std::string& bytes) {
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(db_, "UPDATE resource_versions SET sealed=? WHERE type=? AND id=?", -1,
                       &statement, nullptr);
    sqlite3_bind_blob(statement, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(statement, 2, type.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(statement, 3, id.c_str(), -1, SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(statement), SQLITE_DONE);
    sqlite3_finalize(statement);
  }

  void exec(const std::string& sql) {
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
  }

 private:
  sqlite3* db_ = nullptr;
};

class VaultAttackTest : public VaultTest {
 protected:
  // Imports demo patients and returns the outcome (ids in Bundle order).
  vault::BundleOutcome import_demo(size_t patients) {
    demo::DemoOptions options;
    options.patients = patients;
    options.seed = 7;
    demo_bundle_ = demo::generate_bundle(options);
    auto plan = fhir::plan_bundle(demo_bundle_, &vault::Vault::new_id);
    EXPECT_TRUE(plan) << plan.error().message;
    auto outcome = vault_->apply_bundle(*plan);
    EXPECT_TRUE(outcome) << outcome.error().message;
    return outcome ? std::move(*outcome) : vault::BundleOutcome{};
  }

  std::vector<std::string> ids_of(const vault::BundleOutcome& outcome, std::string_view type) {
    std::vector<std::string> ids;
    for (const auto& entry : outcome.entries) {
      if (entry.type == type) {
        ids.push_back(entry.id);
      }
    }
    return ids;
  }

  boost::json::object demo_bundle_;
};

// Values shorter than 6 bytes are left out: a given 5-byte string turns up by chance in a few
// megabytes of ciphertext with a probability of about 1e-6 per megabyte, a 3-byte one often.
std::vector<std::string> clear_values(const boost::json::object& bundle) {
  std::vector<std::string> values;
  for (const demo::DemoPatientFacts& facts : demo::patient_facts(bundle)) {
    for (const std::string& value : {facts.family, facts.given, facts.nir, facts.birth_date}) {
      values.push_back(value);
    }
    values.insert(values.end(), facts.note_texts.begin(), facts.note_texts.end());
  }
  std::erase_if(values, [](const std::string& value) { return value.size() < 6; });
  return values;
}

void expect_no_clear_value(const std::filesystem::path& dir,
                           const std::vector<std::string>& values) {
  for (const auto& [name, bytes] : testing::snapshot(dir)) {
    for (const std::string& value : values) {
      EXPECT_EQ(bytes.find(value), std::string::npos) << "a patient value appears in " << name;
    }
  }
}

TEST_F(VaultAttackTest, NoPatientValueInAnyByteOfTheVaultFiles) {
  import_demo(40);
  const std::vector<std::string> values = clear_values(demo_bundle_);
  ASSERT_GT(values.size(), 150u);
  // While the vault is open the WAL and shared-memory files exist: they are read too.
  ASSERT_TRUE(
      std::filesystem::exists(store::sqlite::data_file_path(dir_.path()).string() + "-wal"));
  expect_no_clear_value(dir_.path(), values);
  vault_.reset();
  expect_no_clear_value(dir_.path(), values);
}

TEST_F(VaultAttackTest, EveryFlippedByteOfARecordIsDetected) {
  auto outcome = import_demo(1);
  const std::string patient = ids_of(outcome, "Patient").front();
  RawDatabase raw(store::sqlite::data_file_path(dir_.path()));
  const std::string original = raw.sealed("Patient", patient);
  ASSERT_GT(original.size(), 100u);
  for (size_t position = 0; position < original.size(); ++position) {
    std::string flipped = original;
    flipped[position] = static_cast<char>(flipped[position] ^ 0x01);
    raw.set_sealed("Patient", patient, flipped);
    auto read = vault_->read("Patient", patient);
    ASSERT_FALSE(read) << "flipped byte " << position << " went unnoticed";
    ASSERT_EQ(read.error().code, ErrorCode::kIntegrity) << "byte " << position;
  }
  raw.set_sealed("Patient", patient, original);
  EXPECT_TRUE(vault_->read("Patient", patient));
}

TEST_F(VaultAttackTest, SwappedCiphertextsAreDetected) {
  auto outcome = import_demo(1);
  const std::vector<std::string> observations = ids_of(outcome, "Observation");
  ASSERT_GE(observations.size(), 2u);
  const std::string& first = observations[0];
  const std::string& second = observations[1];
  RawDatabase raw(store::sqlite::data_file_path(dir_.path()));
  const std::string first_bytes = raw.sealed("Observation", first);
  const std::string second_bytes = raw.sealed("Observation", second);
  raw.set_sealed("Observation", first, second_bytes);
  raw.set_sealed("Observation", second, first_bytes);
  EXPECT_EQ(vault_->read("Observation", first).error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(vault_->read("Observation", second).error().code, ErrorCode::kIntegrity);
}

TEST_F(VaultAttackTest, RelabelledMetadataIsDetected) {
  auto outcome = import_demo(2);
  const std::vector<std::string> patients = ids_of(outcome, "Patient");
  const std::string observation = ids_of(outcome, "Observation").front();
  RawDatabase raw(store::sqlite::data_file_path(dir_.path()));
  // A record marked deleted by hand, or moved to another patient's compartment.
  raw.exec("UPDATE resource_versions SET deleted=1 WHERE type='Patient' AND id='" + patients[0] +
           "'");
  EXPECT_EQ(vault_->read("Patient", patients[0]).error().code, ErrorCode::kIntegrity);
  raw.exec("UPDATE resource_versions SET compartment='" + patients[1] +
           "' WHERE type='Observation' AND id='" + observation + "'");
  EXPECT_EQ(vault_->read("Observation", observation).error().code, ErrorCode::kIntegrity);
}

TEST_F(VaultAttackTest, ErasedPatientDoesNotComeBackFromAnOldDataFile) {
  auto outcome = import_demo(3);
  const std::vector<std::string> patients = ids_of(outcome, "Patient");
  const std::string erased = patients[0];
  auto family_query = fhir::parse_search("Patient", {{"_id", erased}});
  ASSERT_TRUE(family_query);
  auto before = vault_->search(*family_query);
  ASSERT_TRUE(before);
  ASSERT_EQ(before->total, 1u);
  auto observations_query = fhir::parse_search("Observation", {{"patient", erased}});
  ASSERT_TRUE(observations_query);
  const size_t observation_count = vault_->search(*observations_query)->total;
  ASSERT_GT(observation_count, 0u);

  // The thief's copy: the data file as it was before the erasure.
  vault_.reset();
  const std::filesystem::path data_file = store::sqlite::data_file_path(dir_.path());
  const std::filesystem::path old_copy = dir_ / "old-vault.db";
  std::filesystem::copy_file(data_file, old_copy);
  reopen();
  auto erasure = vault_->erase_patient(erased);
  ASSERT_TRUE(erasure) << erasure.error().message;
  EXPECT_GT(erasure->versions_removed, static_cast<int64_t>(observation_count));
  EXPECT_EQ(vault_->read("Patient", erased).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(vault_->search(*observations_query)->total, 0u);
  EXPECT_EQ(vault_->erase_patient(erased).error().code, ErrorCode::kNotFound);

  // Put the old data file back, with the current keyring.
  vault_.reset();
  std::filesystem::copy_file(old_copy, data_file,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove(old_copy);
  reopen();
  EXPECT_EQ(vault_->read("Patient", erased).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(vault_->search(*family_query)->total, 0u);
  EXPECT_EQ(vault_->search(*observations_query)->total, 0u);
  // The other patients are intact.
  EXPECT_TRUE(vault_->read("Patient", patients[1]));

  // The erased id cannot be brought back.
  auto revived = vault_->update("Patient", erased, parse_object(R"({"resourceType":"Patient"})"));
  ASSERT_FALSE(revived);
  EXPECT_EQ(revived.error().code, ErrorCode::kConflict);
}

}  // namespace
}  // namespace vigie
