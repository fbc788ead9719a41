// Issue 12, item 2: an erasure holds in every Vault on the same directory, in another process, and
// after a crash at any step of the erasure.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include "store/sqlite/sqlite_store.hpp"
#include "support/raw_sql.hpp"
#include "vault/vault.hpp"
#include "vault_fixture.hpp"

namespace vigie {
namespace {

using testing::parse_object;
using testing::passphrase;

class VaultErasureTest : public testing::VaultTest {
 protected:
  std::unique_ptr<vault::Vault> open_another() {
    auto opened =
        vault::Vault::open(dir_.path(), passphrase(kPassphrase), clock_, testing::kTestMemory);
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? std::move(*opened) : nullptr;
  }

  // A patient with one observation; returns the patient's id.
  std::string patient_with_observation() {
    const std::string patient = create(R"({"resourceType":"Patient","gender":"female"})").id;
    create(R"({"resourceType":"Observation","status":"final","code":{"text":"pouls"},)"
           R"("subject":{"reference":"Patient/)" +
           patient + R"("}})");
    return patient;
  }

  static std::string observation_of(const std::string& patient) {
    return R"({"resourceType":"Observation","status":"final","code":{"text":"tension"},)"
           R"("subject":{"reference":"Patient/)" +
           patient + R"("}})";
  }

  // Read from the files with SQLite, as an attacker would.
  int64_t raw_data_count(const std::string& sql) const {
    return testing::raw_count(store::sqlite::data_file_path(dir_.path()), sql);
  }
  int64_t versions_in(const std::string& patient) const {
    return raw_data_count("SELECT count(*) FROM resource_versions WHERE compartment = '" + patient +
                          "'");
  }
  // Tokens whose resource is gone: none may be left behind.
  int64_t orphan_tokens() const {
    return raw_data_count(
        "SELECT count(*) FROM search_tokens WHERE resource NOT IN (SELECT rk FROM "
        "resources_current)");
  }
  int64_t tokens() const { return raw_data_count("SELECT count(*) FROM search_tokens"); }
  bool erasure_pending(const std::string& patient) const {
    return raw_data_count(
               "SELECT count(*) FROM meta WHERE key = 'erasures_pending' AND instr("
               "value, '" +
               patient + "') > 0") == 1;
  }
  int64_t data_keys_of(const std::string& patient) const {
    return testing::raw_count(
        store::sqlite::keyring_file_path(dir_.path()),
        "SELECT count(*) FROM data_keys WHERE compartment = '" + patient + "'");
  }

  // A patient, its two observations; returns the patient's id.
  std::string patient_with_three_records() {
    const std::string patient = patient_with_observation();
    create(observation_of(patient));
    return patient;
  }

  // Calls purge_erased_rows with `batch` until no rows are left; the versions removed.
  int64_t purge_all(vault::Vault& vault, int64_t batch) {
    int64_t removed = 0;
    for (int call = 0; call < 100; ++call) {
      auto progress = vault.purge_erased_rows(batch);
      EXPECT_TRUE(progress) << progress.error().message;
      if (!progress) {
        return removed;
      }
      removed += progress->versions_removed;
      if (!progress->rows_left) {
        return removed;
      }
    }
    ADD_FAILURE() << "purge_erased_rows never finished";
    return removed;
  }
};

// The other vault has the patient's data key in its cache (it read and wrote the patient) and
// loaded the erased set before the erasure: neither may let it write or read the patient after.
TEST_F(VaultErasureTest, AnotherVaultOnTheSameDirectoryCannotWriteOrReadAnErasedPatient) {
  const std::string patient = patient_with_observation();
  std::unique_ptr<vault::Vault> other = open_another();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->read("Patient", patient));
  ASSERT_TRUE(other->create(parse_object(observation_of(patient))));
  auto sealed = other->seal_patient_note(patient, "bg-1", "raison clinique");
  ASSERT_TRUE(sealed);

  ASSERT_TRUE(vault_->erase_patient(patient));

  auto written = other->create(parse_object(observation_of(patient)));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kConflict);
  auto updated = other->update("Patient", patient,
                               parse_object(R"({"resourceType":"Patient","gender":"male"})"));
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::kConflict);
  EXPECT_EQ(other->read("Patient", patient).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(other->read_version("Patient", patient, 1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(other->history("Patient", patient).error().code, ErrorCode::kNotFound);
  auto by_patient = fhir::parse_search("Observation", {{"patient", patient}});
  ASSERT_TRUE(by_patient);
  auto found = other->search(*by_patient);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->total, 0u);
  EXPECT_FALSE(other->open_patient_note(patient, "bg-1", *sealed));
  EXPECT_FALSE(other->seal_patient_note(patient, "bg-2", "autre raison"));
  auto ever_used = other->compartment_ever_used(patient);
  ASSERT_TRUE(ever_used);
  EXPECT_TRUE(*ever_used);

  // Nothing of the patient came back in the data file, seen from a fresh vault.
  reopen();
  auto query = fhir::parse_search("Observation", {{"patient", patient}});
  ASSERT_TRUE(query);
  EXPECT_EQ(vault_->search(*query)->total, 0u);
  EXPECT_EQ(vault_->read("Patient", patient).error().code, ErrorCode::kNotFound);
}

// A read takes one statement, without the snapshot's refresh of the erasures, while the data file
// is as that refresh saw it. Another vault that has read the patient twice (its key cached,
// nothing pending) must see the erasure on its very next read, with the rows still in the file.
TEST_F(VaultErasureTest, TheFirstReadAfterAnotherVaultsErasureSeesIt) {
  const std::string patient = patient_with_observation();
  std::unique_ptr<vault::Vault> other = open_another();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->read("Patient", patient));
  ASSERT_TRUE(other->read("Patient", patient));
  auto located = other->locate("Patient", patient);
  ASSERT_TRUE(located && located->has_value());

  auto erased = vault_->erase_patient(patient);
  ASSERT_TRUE(erased) << erased.error().message;
  ASSERT_TRUE(erasure_pending(patient));

  auto read = other->read("Patient", patient);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
  auto located_after = other->locate("Patient", patient);
  ASSERT_TRUE(located_after) << located_after.error().message;
  EXPECT_FALSE(located_after->has_value());
  // The same, for a vault whose first read comes after the erasure.
  std::unique_ptr<vault::Vault> fresh = open_another();
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->read("Patient", patient).error().code, ErrorCode::kNotFound);
}

// Issue 12, P7: the erasure returns with the rows still in the file. From its commit on, no read
// returns them, no search finds them (their blind tokens are still there), no count counts them,
// and no write touches them, in the erasing vault and in another one that had loaded the patient;
// then the cleanup removes them in batches.
TEST_F(VaultErasureTest, RowsLeftByAnErasureAreNeitherReadFoundCountedNorWritten) {
  const std::string kept = patient_with_observation();
  auto counts_before = vault_->count_by_type();
  ASSERT_TRUE(counts_before);
  const int64_t tokens_before = tokens();
  const std::string patient = patient_with_observation();
  const std::string observation = create(observation_of(patient)).id;
  auto sealed = vault_->seal_patient_note(patient, "bg-1", "raison clinique");
  ASSERT_TRUE(sealed);
  // Opened before the erasure: an open after it removes the rows.
  std::unique_ptr<vault::Vault> other = open_another();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->read("Observation", observation));

  auto erased = vault_->erase_patient(patient);
  ASSERT_TRUE(erased) << erased.error().message;
  EXPECT_EQ(erased->versions_removed, 3);
  // The rows and their tokens are still in the file, the intent pending, the key shredded.
  EXPECT_EQ(versions_in(patient), 3);
  EXPECT_GT(tokens(), tokens_before);
  EXPECT_TRUE(erasure_pending(patient));
  EXPECT_EQ(data_keys_of(patient), 0);

  auto by_patient = fhir::parse_search("Observation", {{"patient", patient}});
  auto by_id = fhir::parse_search("Patient", {{"_id", patient}});
  auto every_observation = fhir::parse_search("Observation", {});
  ASSERT_TRUE(by_patient && by_id && every_observation);
  for (vault::Vault* seen : {vault_.get(), other.get()}) {
    EXPECT_EQ(seen->read("Patient", patient).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(seen->read_current("Observation", observation).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(seen->read_version("Observation", observation, 1).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(seen->history("Observation", observation).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(seen->search(*by_patient)->total, 0u);
    EXPECT_EQ(seen->search(*by_id)->total, 0u);
    auto all = seen->search(*every_observation);
    ASSERT_TRUE(all) << all.error().message;
    ASSERT_EQ(all->total, 1u);
    EXPECT_EQ(all->matches.front().compartment, kept);
    // Searches that a visibility rule filters take the same path with the rule.
    auto visible_all = seen->search(*every_observation, [](const std::string&) { return true; });
    ASSERT_TRUE(visible_all);
    EXPECT_EQ(visible_all->total, 1u);
    auto counts = seen->count_by_type();
    ASSERT_TRUE(counts);
    EXPECT_EQ(*counts, *counts_before);
    auto located = seen->locate("Observation", observation);
    ASSERT_TRUE(located);
    EXPECT_FALSE(located->has_value());
    auto updated = seen->update("Observation", observation,
                                parse_object(R"({"resourceType":"Observation","status":"final",)"
                                             R"("code":{"text":"pouls"}})"));
    ASSERT_FALSE(updated);
    EXPECT_EQ(updated.error().code, ErrorCode::kConflict);
    EXPECT_EQ(seen->remove("Observation", observation).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(seen->create(parse_object(observation_of(patient))).error().code,
              ErrorCode::kConflict);
    EXPECT_FALSE(seen->open_patient_note(patient, "bg-1", *sealed));
    EXPECT_FALSE(seen->seal_patient_note(patient, "bg-2", "autre raison"));
  }
  EXPECT_EQ(versions_in(patient), 3);

  // One resource per batch: three batches, and a last call that finds nothing left.
  EXPECT_EQ(purge_all(*other, 1), 3);
  EXPECT_EQ(versions_in(patient), 0);
  EXPECT_EQ(tokens(), tokens_before);
  EXPECT_EQ(orphan_tokens(), 0);
  EXPECT_FALSE(erasure_pending(patient));
  EXPECT_TRUE(vault_->read("Patient", kept));
  EXPECT_EQ(*vault_->count_by_type(), *counts_before);
}

// Another vault's cleanup runs between steps 1 and 2 of the erasure: it may remove the rows, but
// the intent stays while the data key is in the keyring, so that a crash before the shredding
// still leaves the next open() something to finish. The cleanup after step 2 clears it.
TEST_F(VaultErasureTest, TheCleanupKeepsTheIntentWhileTheKeyIsStillInTheKeyring) {
  const std::string patient = patient_with_three_records();
  std::unique_ptr<vault::Vault> other = open_another();
  ASSERT_NE(other, nullptr);
  bool purged_between_steps = false;
  vault::ErasureOptions options;
  options.at_step = [&](vault::ErasureStep step) {
    if (step == vault::ErasureStep::kIntentCommitted) {
      EXPECT_EQ(data_keys_of(patient), 1);
      EXPECT_EQ(purge_all(*other, 2), 3);
      purged_between_steps = true;
    }
  };
  ASSERT_TRUE(vault_->erase_patient(patient, {}, options));
  ASSERT_TRUE(purged_between_steps);
  EXPECT_EQ(versions_in(patient), 0);
  EXPECT_EQ(data_keys_of(patient), 0);
  EXPECT_TRUE(erasure_pending(patient));

  EXPECT_EQ(purge_all(*other, 2), 0);
  EXPECT_FALSE(erasure_pending(patient));
  EXPECT_EQ(other->read("Patient", patient).error().code, ErrorCode::kNotFound);
}

// A resource moved from one patient to another by an update has versions in both compartments.
// Erasing either patient removes only the versions filed under them: moved away from the erased
// patient, the resource stays current under the other one, before and after the cleanup; moved
// to the erased patient, it is not found while the rows remain, then falls back to its version
// under the other patient (without search tokens), as remove_compartment did.
TEST_F(VaultErasureTest, AResourceMovedBetweenPatientsKeepsTheOtherPatientsVersions) {
  const std::string erased = create(R"({"resourceType":"Patient","gender":"female"})").id;
  const std::string kept = create(R"({"resourceType":"Patient","gender":"male"})").id;
  const std::string moved_away = create(observation_of(erased)).id;
  ASSERT_TRUE(vault_->update("Observation", moved_away, parse_object(observation_of(kept))));
  const std::string moved_in = create(observation_of(kept)).id;
  ASSERT_TRUE(vault_->update("Observation", moved_in, parse_object(observation_of(erased))));

  ASSERT_TRUE(vault_->erase_patient(erased));
  auto away = vault_->read("Observation", moved_away);
  ASSERT_TRUE(away) << away.error().message;
  EXPECT_EQ(away->version, 2);
  EXPECT_EQ(away->compartment, kept);
  auto away_history = vault_->history("Observation", moved_away);
  ASSERT_TRUE(away_history);
  EXPECT_EQ(away_history->size(), 1u);
  EXPECT_EQ(vault_->read("Observation", moved_in).error().code, ErrorCode::kNotFound);
  auto of_kept = fhir::parse_search("Observation", {{"patient", kept}});
  ASSERT_TRUE(of_kept);
  EXPECT_EQ(vault_->search(*of_kept)->total, 1u);

  EXPECT_EQ(purge_all(*vault_, 1), 3);  // the Patient, moved_away v1, moved_in v2
  EXPECT_EQ(orphan_tokens(), 0);
  away = vault_->read("Observation", moved_away);
  ASSERT_TRUE(away) << away.error().message;
  EXPECT_EQ(away->version, 2);
  EXPECT_EQ(vault_->search(*of_kept)->total, 1u);
  auto in = vault_->read("Observation", moved_in);
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(in->version, 1);
  EXPECT_EQ(in->compartment, kept);
  auto in_history = vault_->history("Observation", moved_in);
  ASSERT_TRUE(in_history);
  EXPECT_EQ(in_history->size(), 1u);
}

// Once the cleanup has finished, the data file holds nothing of the patient: no version, no
// current row, no token, and not even its id in the file's bytes.
TEST_F(VaultErasureTest, AfterTheCleanupTheDataFileHoldsNothingOfThePatient) {
  const std::string kept = patient_with_observation();
  const int64_t tokens_before = tokens();
  const std::string patient = patient_with_three_records();
  ASSERT_TRUE(vault_->erase_patient(patient));
  EXPECT_EQ(purge_all(*vault_, 2), 3);
  vault_.reset();

  EXPECT_EQ(versions_in(patient), 0);
  EXPECT_EQ(raw_data_count("SELECT count(*) FROM resources_current WHERE type = 'Patient'"), 1);
  EXPECT_EQ(raw_data_count("SELECT count(*) FROM resources_current WHERE type = 'Observation'"), 1);
  EXPECT_EQ(tokens(), tokens_before);
  EXPECT_EQ(orphan_tokens(), 0);
  EXPECT_FALSE(erasure_pending(patient));
  std::ifstream file(store::sqlite::data_file_path(dir_.path()), std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  ASSERT_FALSE(bytes.empty());
  EXPECT_NE(bytes.find(kept), std::string::npos);
  EXPECT_EQ(bytes.find(patient), std::string::npos);
  reopen();
  EXPECT_TRUE(vault_->erasures_finished_at_open().empty());
}

// The child process erases a patient of three records and is killed at one step, including
// between two batches of the cleanup. The patient is gone after it, its rows are still in the
// file, and the next open removes them; it reports the erasure as finished only when it had to
// shred the key itself.
class VaultErasureKillTest : public VaultErasureTest,
                             public ::testing::WithParamInterface<vault::ErasureStep> {};

TEST_P(VaultErasureKillTest, TheNextOpenFinishesTheErasureAndItsCleanup) {
  const vault::ErasureStep kill_at = GetParam();
  const std::string kept = patient_with_observation();
  const std::string patient = patient_with_three_records();
  vault_.reset();  // no SQLite connection crosses the fork
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto opened = vault::Vault::open(dir_.path(), passphrase(kPassphrase), clock_);
    if (!opened) {
      _exit(10);
    }
    vault::ErasureOptions options;
    options.at_step = [&](vault::ErasureStep step) {
      if (step == kill_at) {
        raise(SIGKILL);
      }
    };
    if (!(*opened)->erase_patient(patient, {}, options)) {
      _exit(11);
    }
    static_cast<void>((*opened)->purge_erased_rows(1, options));
    _exit(12);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);

  // Killed between two batches: one resource's rows are gone, the others' are still there.
  EXPECT_EQ(versions_in(patient), kill_at == vault::ErasureStep::kRowsBatchCommitted ? 2 : 3);
  EXPECT_TRUE(erasure_pending(patient));
  EXPECT_EQ(data_keys_of(patient), kill_at == vault::ErasureStep::kIntentCommitted ? 1 : 0);

  reopen();
  const bool key_left = kill_at == vault::ErasureStep::kIntentCommitted;
  EXPECT_EQ(vault_->erasures_finished_at_open().size(), key_left ? 1u : 0u);
  EXPECT_EQ(versions_in(patient), 0);
  EXPECT_EQ(orphan_tokens(), 0);
  EXPECT_FALSE(erasure_pending(patient));
  EXPECT_EQ(data_keys_of(patient), 0);
  EXPECT_EQ(vault_->read("Patient", patient).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(vault_->read("Patient", kept));
  EXPECT_EQ(vault_->create(parse_object(observation_of(patient))).error().code,
            ErrorCode::kConflict);
}

INSTANTIATE_TEST_SUITE_P(EachStep, VaultErasureKillTest,
                         ::testing::Values(vault::ErasureStep::kIntentCommitted,
                                           vault::ErasureStep::kKeyShredded,
                                           vault::ErasureStep::kRowsBatchCommitted),
                         [](const ::testing::TestParamInfo<vault::ErasureStep>& info) {
                           switch (info.param) {
                             case vault::ErasureStep::kBeforeIntentCommit:
                               return std::string("BeforeIntentCommit");
                             case vault::ErasureStep::kIntentCommitted:
                               return std::string("IntentCommitted");
                             case vault::ErasureStep::kKeyShredded:
                               return std::string("KeyShredded");
                             case vault::ErasureStep::kRowsBatchCommitted:
                               return std::string("RowsBatchCommitted");
                           }
                           return std::string("Unknown");
                         });

}  // namespace
}  // namespace vigie
