// Issue 12, item 2: an erasure holds in another process that reads and writes the same patient,
// and a kill at any step of an erasure leaves the patient whole or fully gone, with an audit log
// that says which.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <optional>
#include <set>
#include <string>

#include <boost/json.hpp>

#include "audit/entry.hpp"
#include "crypto/secret_bytes.hpp"
#include "fhir/json.hpp"
#include "gate/gate.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/json_object.hpp"
#include "support/raw_sql.hpp"
#include "support/temp_dir.hpp"
#include "vault/vault.hpp"

namespace vigie {
namespace {

using testing::parse_object;

std::string erasure_observation_of(const std::string& patient) {
  return R"({"resourceType":"Observation","status":"final","code":{"text":"tension"},)"
         R"("subject":{"reference":"Patient/)" +
         patient + R"("}})";
}

// Rows of `sql` (a count) in the keyring file, read with SQLite directly.
int64_t keyring_count(const std::filesystem::path& dir, const std::string& sql) {
  sqlite3* db = nullptr;
  int64_t count = -1;
  if (sqlite3_open_v2(store::sqlite::keyring_file_path(dir).c_str(), &db, SQLITE_OPEN_READONLY,
                      nullptr) == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      count = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return count;
}

class GateErasureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gate::UnlockSecret key_file = secret();
    ASSERT_TRUE(gate::Gate::initialize(dir_.path(), key_file, {}, {}, user_));
    open();
    auto patient = gate_->create(*custodian_, parse_object(R"({"resourceType":"Patient"})"));
    ASSERT_TRUE(patient) << patient.error().message;
    patient_ = patient->id;
    ASSERT_TRUE(gate_->create(*custodian_, parse_object(erasure_observation_of(patient_))));
  }

  gate::UnlockSecret secret() const {
    return gate::UnlockSecret{gate::UnlockerKind::kKeyFile,
                              crypto::SecretBytes::copy_of(key_.view())};
  }

  void open() {
    auto opened = gate::Gate::open(dir_.path(), secret(), user_);
    ASSERT_TRUE(opened) << opened.error().message;
    gate_ = std::move(opened->gate);
    custodian_.emplace(std::move(opened->custodian));
  }

  // No SQLite connection may cross a fork: the parent closes its gate first.
  void close() {
    ASSERT_TRUE(gate_->close());
    gate_.reset();
    custodian_.reset();
  }

  size_t observations_of_patient() {
    auto page = gate_->search(*custodian_, "Observation", {{"patient", patient_}});
    EXPECT_TRUE(page) << page.error().message;
    return page ? page->total : 0;
  }

  // Erase entries about the patient, and how many of them an unlock recorded.
  // The patient's erase entries, read through the gate: those whose write committed (and of
  // them, those the unlock finished), and the intents the log states as rolled back.
  struct EraseEntries {
    size_t committed = 0;
    size_t finished_at_unlock = 0;
    size_t rolled_back = 0;
    bool operator==(const EraseEntries&) const = default;
  };
  EraseEntries erase_entries() {
    audit::LogFilter commits;
    commits.action = std::string(audit::kActionCommit);
    auto statements = gate_->audit_entries(*custodian_, commits);
    EXPECT_TRUE(statements) << statements.error().message;
    std::set<std::string> rolled_back;
    for (const audit::Entry& statement : statements ? *statements : std::vector<audit::Entry>{}) {
      if (statement.outcome == audit::Outcome::kFailed) {
        for (const audit::Target& target : statement.targets) {
          rolled_back.insert(target.id);
        }
      }
    }
    audit::LogFilter filter;
    filter.patient_id = patient_;
    filter.action = std::string(audit::kActionErase);
    auto entries = gate_->audit_entries(*custodian_, filter);
    EXPECT_TRUE(entries) << entries.error().message;
    EraseEntries found;
    for (const audit::Entry& entry : entries ? *entries : std::vector<audit::Entry>{}) {
      if (rolled_back.contains(std::to_string(entry.seq))) {
        ++found.rolled_back;
      } else if (entry.outcome == audit::Outcome::kSuccess) {
        ++found.committed;
        found.finished_at_unlock += entry.purpose == gate::kErasureFinishedAtUnlock ? 1 : 0;
      }
    }
    return found;
  }

  int64_t data_keys_of_patient() {
    return keyring_count(dir_.path(),
                         "SELECT count(*) FROM data_keys WHERE compartment = '" + patient_ + "'");
  }

  // The patient's versions in the data file, read with SQLite directly.
  int64_t versions_of_patient() const {
    return testing::raw_count(
        store::sqlite::data_file_path(dir_.path()),
        "SELECT count(*) FROM resource_versions WHERE compartment = '" + patient_ + "'");
  }
  int64_t orphan_tokens() const {
    return testing::raw_count(store::sqlite::data_file_path(dir_.path()),
                              "SELECT count(*) FROM search_tokens WHERE resource NOT IN"
                              " (SELECT rk FROM resources_current)");
  }

  // Imports `count` more observations of the patient in one transaction.
  void import_observations(size_t count) {
    boost::json::array entries;
    for (size_t index = 0; index < count; ++index) {
      entries.push_back(boost::json::object{
          {"resource", parse_object(erasure_observation_of(patient_))},
          {"request", boost::json::object{{"method", "POST"}, {"url", "Observation"}}}});
    }
    auto imported =
        gate_->import_bundle(*custodian_, boost::json::object{{"resourceType", "Bundle"},
                                                              {"type", "transaction"},
                                                              {"entry", std::move(entries)}});
    ASSERT_TRUE(imported) << imported.error().message;
  }

  const gate::LocalUser user_ = gate::current_local_user();
  testing::TempDir dir_;
  crypto::SecretBytes key_ = crypto::SecretBytes::random(32);
  std::unique_ptr<gate::Gate> gate_;
  std::optional<gate::Custodian> custodian_;
  std::string patient_;
};

// A child process writes the patient's observations in a loop, with the data key in its cache,
// while this process erases the patient. Once the erasure returns, the child's next write is
// refused and its reads find nothing; no write of the child survives the erasure.
TEST_F(GateErasureTest, AnotherProcessWritingThePatientIsStoppedByTheErasure) {
  close();
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    auto opened = gate::Gate::open(dir_.path(), secret(), user_);
    if (!opened) {
      _exit(10);
    }
    bool signalled = false;
    for (int attempt = 0; attempt < 100000; ++attempt) {
      auto written =
          opened->gate->create(opened->custodian, parse_object(erasure_observation_of(patient_)));
      if (!written) {
        // kConflict when the vault's write transaction refused it; kNotFound or kUnprocessable
        // when the gate found the patient gone before writing.
        const ErrorCode code = written.error().code;
        if (code != ErrorCode::kConflict && code != ErrorCode::kNotFound &&
            code != ErrorCode::kUnprocessable) {
          _exit(20 + static_cast<int>(written.error().code));
        }
        auto read = opened->gate->read(opened->custodian, "Patient", patient_);
        auto updated = opened->gate->update(opened->custodian, "Patient", patient_,
                                            parse_object(R"({"resourceType":"Patient"})"));
        _exit(!read && read.error().code == ErrorCode::kNotFound && !updated ? 0 : 12);
      }
      if (!signalled) {
        signalled = write(ready[1], "r", 1) == 1;
      }
    }
    _exit(13);
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  open();
  auto erased = gate_->erase_patient(*custodian_, patient_);
  ASSERT_TRUE(erased) << erased.error().message;
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(observations_of_patient(), 0u);
  EXPECT_EQ(gate_->read(*custodian_, "Patient", patient_).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(data_keys_of_patient(), 0);
}

// The erase returns once the key is shredded, with the patient's rows still in the file; the
// first gate's worker removes them in the background, woken by an erasure through a sibling too.
TEST_F(GateErasureTest, TheBackgroundCleanupRemovesThePatientsRowsAfterTheEraseReturns) {
  import_observations(600);
  auto sibling = gate_->open_sibling();
  ASSERT_TRUE(sibling) << sibling.error().message;
  auto erased = (*sibling)->erase_patient(*custodian_, patient_);
  ASSERT_TRUE(erased) << erased.error().message;
  EXPECT_EQ(erased->versions_removed, 602);
  EXPECT_EQ(data_keys_of_patient(), 0);
  EXPECT_EQ(gate_->read(*custodian_, "Patient", patient_).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(observations_of_patient(), 0u);
  auto counted = gate_->count_by_type(*custodian_);
  ASSERT_TRUE(counted) << counted.error().message;
  EXPECT_FALSE(counted->contains("Observation"));

  auto cleaned = gate_->await_erasure_cleanup();
  ASSERT_TRUE(cleaned) << cleaned.error().message;
  EXPECT_EQ(versions_of_patient(), 0);
  EXPECT_EQ(orphan_tokens(), 0);
  sibling->reset();
  close();
  open();
  EXPECT_EQ(erase_entries(), (EraseEntries{.committed = 1}));
}

// Rows that an erasure left for the cleanup: another vault on the directory erased the patient
// and did not remove them (the gate's own worker was not woken). Every read path of the gate
// treats the patient as gone, though the rows, and their tokens, are still in the file.
TEST_F(GateErasureTest, RowsLeftForTheCleanupAreGoneForEveryReadOfTheGate) {
  auto named = gate_->create(
      *custodian_,
      parse_object(
          R"({"resourceType":"Patient","name":[{"family":"Effacement","given":["Camille"]}],)"
          R"("address":[{"line":["3 rue des Lilas"],"postalCode":"75011","city":"Paris"}]})"));
  ASSERT_TRUE(named) << named.error().message;
  patient_ = named->id;
  auto observation = gate_->create(*custodian_, parse_object(erasure_observation_of(patient_)));
  ASSERT_TRUE(observation) << observation.error().message;
  const int64_t started_ms = system_clock().now_ms();
  ASSERT_TRUE(gate_->read(*custodian_, "Patient", patient_));
  auto found_before = gate_->search(*custodian_, "Patient", {{"family", "Effacement"}});
  ASSERT_TRUE(found_before) << found_before.error().message;
  ASSERT_EQ(found_before->total, 1u);
  {
    auto other = vault::Vault::open(dir_.path(), secret(), system_clock());
    ASSERT_TRUE(other) << other.error().message;
    auto erased = (*other)->erase_patient(patient_);
    ASSERT_TRUE(erased) << erased.error().message;
  }
  ASSERT_EQ(versions_of_patient(), 2);

  EXPECT_EQ(gate_->read(*custodian_, "Patient", patient_).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(gate_->read(*custodian_, "Observation", observation->id).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(gate_->read_version(*custodian_, "Observation", observation->id, 1).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(gate_->history(*custodian_, "Observation", observation->id).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(observations_of_patient(), 0u);
  auto by_name = gate_->search(*custodian_, "Patient", {{"family", "Effacement"}});
  ASSERT_TRUE(by_name) << by_name.error().message;
  EXPECT_EQ(by_name->total, 0u);
  auto patient_versions = gate_->type_history(*custodian_, "Patient", {});
  ASSERT_TRUE(patient_versions) << patient_versions.error().message;
  for (const gate::StoredResource& version : patient_versions->matches) {
    EXPECT_NE(version.compartment, patient_);
  }
  auto observation_versions = gate_->type_history(*custodian_, "Observation", {});
  ASSERT_TRUE(observation_versions) << observation_versions.error().message;
  EXPECT_EQ(observation_versions->total, 1u);  // the fixture's observation only
  EXPECT_EQ(gate_->everything(*custodian_, patient_, 50, 0).error().code, ErrorCode::kNotFound);
  auto counted = gate_->count_by_type(*custodian_);
  ASSERT_TRUE(counted) << counted.error().message;
  EXPECT_EQ(counted->at("Patient"), 1);  // the fixture's patient only
  EXPECT_EQ(counted->at("Observation"), 1);
  EXPECT_FALSE(gate_->update(*custodian_, "Observation", observation->id,
                             parse_object(erasure_observation_of(patient_))));
  audit::IncidentScope scope;
  scope.actor_login = user_.os_user;
  scope.since_ms = started_ms;
  auto report = gate_->incident_report(*custodian_, scope);
  ASSERT_TRUE(report) << report.error().message;
  size_t letters_to_the_patient = 0;
  for (const audit::PatientLetter& letter : report->letters) {
    letters_to_the_patient += letter.patient_id == patient_ ? 1 : 0;
    EXPECT_EQ(letter.text.find("Effacement"), std::string::npos);
    EXPECT_EQ(letter.text.find("Lilas"), std::string::npos);
  }
  EXPECT_EQ(letters_to_the_patient, 1u);
  EXPECT_EQ(versions_of_patient(), 2);
}

// close() stops the worker between two batches, perhaps with rows left; the next unlock removes
// them, and records no second erase entry: the erasure was complete when the erase returned.
TEST_F(GateErasureTest, CloseStopsTheCleanupAndTheNextUnlockRemovesWhatIsLeft) {
  import_observations(1500);
  auto erased = gate_->erase_patient(*custodian_, patient_);
  ASSERT_TRUE(erased) << erased.error().message;
  close();
  EXPECT_GE(versions_of_patient(), 0);
  open();
  EXPECT_EQ(versions_of_patient(), 0);
  EXPECT_EQ(orphan_tokens(), 0);
  EXPECT_EQ(erase_entries(), (EraseEntries{.committed = 1}));
  EXPECT_EQ(gate_->read(*custodian_, "Patient", patient_).error().code, ErrorCode::kNotFound);
  auto cleaned = gate_->await_erasure_cleanup();
  EXPECT_TRUE(cleaned) << cleaned.error().message;
}

// The child erases the patient and kills itself at one step, including between two batches of
// the background cleanup; this process then unlocks the vault. A child that completes the erasure
// exits at once: its background cleanup is cut wherever it is.
class GateErasureKillTest
    : public GateErasureTest,
      public ::testing::WithParamInterface<std::optional<vault::ErasureStep>> {};

TEST_P(GateErasureKillTest, ThePatientIsWholeOrFullyGoneAndTheAuditLogSaysWhich) {
  const std::optional<vault::ErasureStep> kill_at = GetParam();
  if (kill_at == vault::ErasureStep::kRowsBatchCommitted) {
    // More resources than one batch removes: the kill comes between two batches.
    import_observations(600);
  }
  close();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto opened = gate::Gate::open(dir_.path(), secret(), user_);
    if (!opened) {
      _exit(10);
    }
    vault::ErasureOptions options;
    options.at_step = [&](vault::ErasureStep step) {
      if (step == kill_at) {
        raise(SIGKILL);
      }
    };
    auto erased = opened->gate->erase_patient(opened->custodian, patient_, options);
    if (erased && kill_at == vault::ErasureStep::kRowsBatchCommitted) {
      // The worker kills the process after its first batch.
      static_cast<void>(opened->gate->await_erasure_cleanup());
      _exit(12);
    }
    _exit(erased ? 0 : 11);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  if (kill_at) {
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
  } else {
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }

  if (kill_at == vault::ErasureStep::kRowsBatchCommitted) {
    // Killed between two batches: some of the patient's rows are gone, the others are left.
    EXPECT_GT(versions_of_patient(), 0);
    EXPECT_LT(versions_of_patient(), 602);
  }
  open();
  const EraseEntries erase = erase_entries();
  if (kill_at == vault::ErasureStep::kBeforeIntentCommit) {
    // Whole: readable, writable, its key kept, and the log states the erasure's intent as
    // rolled back.
    EXPECT_TRUE(gate_->read(*custodian_, "Patient", patient_));
    EXPECT_EQ(observations_of_patient(), 1u);
    EXPECT_TRUE(gate_->create(*custodian_, parse_object(erasure_observation_of(patient_))));
    EXPECT_EQ(data_keys_of_patient(), 1);
    EXPECT_EQ(erase, (EraseEntries{.rolled_back = 1}));
  } else {
    // Fully gone: no row (the unlock removed what the cleanup left), no key, a ledger entry, and
    // an erase entry (plus the unlock's own when the unlock had to shred the key).
    EXPECT_EQ(versions_of_patient(), 0);
    EXPECT_EQ(orphan_tokens(), 0);
    EXPECT_EQ(gate_->read(*custodian_, "Patient", patient_).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(observations_of_patient(), 0u);
    EXPECT_FALSE(gate_->create(*custodian_, parse_object(erasure_observation_of(patient_))));
    auto revived = gate_->update(*custodian_, "Patient", patient_,
                                 parse_object(R"({"resourceType":"Patient"})"));
    ASSERT_FALSE(revived);
    EXPECT_EQ(revived.error().code, ErrorCode::kConflict);
    EXPECT_EQ(data_keys_of_patient(), 0);
    EXPECT_EQ(keyring_count(dir_.path(), "SELECT count(*) FROM erasure_ledger"), 1);
    const bool key_left = kill_at == vault::ErasureStep::kIntentCommitted;
    EXPECT_EQ(erase, (EraseEntries{.committed = key_left ? 2u : 1u,
                                   .finished_at_unlock = key_left ? 1u : 0u}));
  }
  auto verified = gate_->verify_audit(*custodian_, std::nullopt);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_FALSE(verified->failure.has_value());
}

INSTANTIATE_TEST_SUITE_P(
    EachStep, GateErasureKillTest,
    ::testing::Values(std::optional(vault::ErasureStep::kBeforeIntentCommit),
                      std::optional(vault::ErasureStep::kIntentCommitted),
                      std::optional(vault::ErasureStep::kKeyShredded),
                      std::optional(vault::ErasureStep::kRowsBatchCommitted),
                      std::optional<vault::ErasureStep>()),
    [](const ::testing::TestParamInfo<std::optional<vault::ErasureStep>>& info) {
      if (!info.param) {
        return std::string("Completed");
      }
      switch (*info.param) {
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
