// Siblings of one vault (Vault::open_sibling), one per thread: reads never fail while another
// thread writes, and all siblings share one copy of the keys.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "fhir/search.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "vault/vault.hpp"
#include "vault_fixture.hpp"

namespace vigie {
namespace {

using testing::parse_object;
using testing::VaultTest;

std::string observation_json(const std::string& patient) {
  return R"({"resourceType":"Observation","status":"final","code":{"coding":[
    {"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/)" +
         patient + R"("}})";
}

class VaultSiblingsTest : public VaultTest {
 protected:
  std::unique_ptr<vault::Vault> sibling() {
    auto opened = vault_->open_sibling();
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? std::move(*opened) : nullptr;
  }

  // Removes `patient`'s wrapped data key from the keyring file behind the vault's back, as a
  // second process could: from then on only a cached copy of the key can open their records.
  void remove_wrapped_key(const std::string& patient) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(store::sqlite::keyring_file_path(dir_.path()).c_str(), &db,
                              SQLITE_OPEN_READWRITE, nullptr),
              SQLITE_OK);
    const std::string sql = "DELETE FROM data_keys WHERE compartment = '" + patient + "'";
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_changes(db), 1);
    sqlite3_close(db);
  }
};

TEST_F(VaultSiblingsTest, ReadsOnSiblingsNeverFailWhileOneThreadWritesNewPatients) {
  constexpr int kExistingPatients = 12;
  constexpr int kNewPatients = 40;
  constexpr int kReaders = 4;
  constexpr int kReadsPerReader = 120;
  std::vector<std::string> patients;
  std::vector<std::string> observations;
  for (int index = 0; index < kExistingPatients; ++index) {
    patients.push_back(create(R"({"resourceType":"Patient"})").id);
    observations.push_back(create(observation_json(patients.back())).id);
  }
  std::unique_ptr<vault::Vault> writer_vault = sibling();
  std::vector<std::unique_ptr<vault::Vault>> reader_vaults;
  for (int reader = 0; reader < kReaders; ++reader) {
    reader_vaults.push_back(sibling());
  }
  ASSERT_TRUE(writer_vault);
  auto query = fhir::parse_search("Observation", {{"code", "8867-4"}});
  ASSERT_TRUE(query) << query.error().message;

  std::atomic<int> writes_failed = 0;
  std::atomic<int> reads_failed = 0;
  std::atomic<int> reads_done = 0;
  {
    std::vector<std::jthread> threads;
    // Each new patient gets a new data key (a keyring write) and an observation (a data write).
    threads.emplace_back([&] {
      for (int index = 0; index < kNewPatients; ++index) {
        auto patient = writer_vault->create(parse_object(R"({"resourceType":"Patient"})"));
        if (!patient || !writer_vault->create(parse_object(observation_json(patient->id)))) {
          ++writes_failed;
        }
      }
    });
    for (int reader = 0; reader < kReaders; ++reader) {
      threads.emplace_back([&, reader] {
        vault::Vault& vault = *reader_vaults[static_cast<size_t>(reader)];
        for (int operation = 0; operation < kReadsPerReader; ++operation) {
          const size_t pick = static_cast<size_t>(operation + reader) % patients.size();
          const bool succeeded = operation % 4 == 3
                                     ? static_cast<bool>(vault.search(*query))
                                     : (vault.read("Patient", patients[pick]) &&
                                        vault.read("Observation", observations[pick]));
          if (!succeeded) {
            ++reads_failed;
          }
          ++reads_done;
        }
      });
    }
  }
  EXPECT_EQ(writes_failed, 0);
  EXPECT_EQ(reads_failed, 0);
  EXPECT_EQ(reads_done, kReaders * kReadsPerReader);
  auto counts = vault_->count_by_type();
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ((*counts)["Patient"], kExistingPatients + kNewPatients);
  EXPECT_EQ((*counts)["Observation"], kExistingPatients + kNewPatients);
}

TEST_F(VaultSiblingsTest, SiblingsFilingTheFirstRecordsOfOnePatientAtOnceAllSucceed) {
  constexpr int kWriters = 8;
  constexpr int kRounds = 6;
  std::vector<std::unique_ptr<vault::Vault>> writers;
  for (int writer = 0; writer < kWriters; ++writer) {
    writers.push_back(sibling());
    ASSERT_TRUE(writers.back());
  }
  std::atomic<int> failed = 0;
  std::vector<std::vector<std::string>> written(kWriters);
  for (int round = 0; round < kRounds; ++round) {
    // A patient the vault has no key for yet: every writer wants to make one.
    const std::string patient = "new-patient-" + std::to_string(round);
    std::latch start(kWriters);
    std::vector<std::jthread> threads;
    for (int writer = 0; writer < kWriters; ++writer) {
      threads.emplace_back([&, writer] {
        start.arrive_and_wait();
        auto created =
            writers[static_cast<size_t>(writer)]->create(parse_object(observation_json(patient)));
        if (created) {
          written[static_cast<size_t>(writer)].push_back(created->id);
        } else {
          ++failed;
        }
      });
    }
  }
  EXPECT_EQ(failed, 0);
  // Every record was sealed under the one key that the keyring kept. The siblings go first: they
  // share the vault's locked block, and the reopened vault locks one of its own.
  writers.clear();
  reopen();
  for (const std::vector<std::string>& ids : written) {
    for (const std::string& id : ids) {
      auto read = vault_->read("Observation", id);
      EXPECT_TRUE(read) << read.error().message;
    }
  }
}

TEST_F(VaultSiblingsTest, AKeyUnwrappedByOneSiblingServesAnother) {
  const std::string patient = create(R"({"resourceType":"Patient"})").id;
  std::unique_ptr<vault::Vault> first = sibling();
  std::unique_ptr<vault::Vault> second = sibling();
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->read("Patient", patient));

  remove_wrapped_key(patient);

  // Only the cache that the first sibling filled has the key now.
  auto read = second->read("Patient", patient);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->id, patient);
}

TEST_F(VaultSiblingsTest, AnErasureSeenByOneSiblingForgetsTheKeyForAll) {
  const std::string patient = create(R"({"resourceType":"Patient"})").id;
  std::unique_ptr<vault::Vault> first = sibling();
  std::unique_ptr<vault::Vault> second = sibling();
  ASSERT_TRUE(first && second);
  auto sealed = first->seal_patient_note(patient, "bg-1", "reason");
  ASSERT_TRUE(sealed) << sealed.error().message;
  ASSERT_TRUE(second->open_patient_note(patient, "bg-1", *sealed));

  // Another process (a vault opened on its own, with keys of its own) erases the patient.
  auto other = vault::Vault::open(dir_.path(), testing::passphrase(kPassphrase), clock_,
                                  testing::kTestMemory);
  ASSERT_TRUE(other) << other.error().message;
  ASSERT_TRUE((*other)->erase_patient(patient));

  // The first sibling sees the new erasure generation and forgets the shared key; the second
  // finds no key either.
  auto by_first = first->open_patient_note(patient, "bg-1", *sealed);
  ASSERT_FALSE(by_first);
  EXPECT_EQ(by_first.error().code, ErrorCode::kNotFound);
  auto by_second = second->open_patient_note(patient, "bg-1", *sealed);
  ASSERT_FALSE(by_second);
  EXPECT_EQ(by_second.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace vigie
