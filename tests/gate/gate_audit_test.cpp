#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "audit/checkpoint.hpp"
#include "audit/entry.hpp"
#include "crypto/secret_bytes.hpp"
#include "demo/demo_data.hpp"
#include "gate/gate.hpp"
#include "support/json_object.hpp"
#include "support/raw_sql.hpp"
#include "support/temp_dir.hpp"
#include "support/vault_contents.hpp"

namespace vigie {
namespace {

using audit::Entry;
using audit::Outcome;
using audit::Target;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

gate::UnlockSecret key_file_secret(const crypto::SecretBytes& key) {
  return gate::UnlockSecret{gate::UnlockerKind::kKeyFile, crypto::SecretBytes::copy_of(key.view())};
}

using testing::parse_object;

using testing::exec_raw;
using testing::raw_count;

// Every row of the data file's resource and metadata tables: what a refused write may not change.
std::string data_rows(const std::filesystem::path& vault_dir) {
  std::string rows;
  for (const char* table : {"resource_versions", "resources_current", "search_tokens", "meta"}) {
    rows += testing::query_rows(vault_dir / "vault.db", std::string("SELECT * FROM ") + table);
  }
  return rows;
}

Target target_of(const gate::StoredResource& resource) {
  return Target{resource.type, resource.id, resource.version, resource.compartment};
}

class GateAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_.external_file = checkpoint_file_;
    auto created = gate::Gate::initialize(vault_dir_, key_file_secret(key_), {}, policy_, user_);
    ASSERT_TRUE(created) << created.error().message;
    gate_ = std::move(created->gate);
    custodian_ = std::move(created->custodian);
  }

  std::vector<Entry> entries() const { return testing::audit_entries(vault_dir_); }

  // The entries appended since the log held `before` entries.
  std::vector<Entry> entries_after(size_t before) const {
    std::vector<Entry> all = entries();
    EXPECT_GE(all.size(), before);
    return {all.begin() + static_cast<ptrdiff_t>(std::min(before, all.size())), all.end()};
  }

  // The one entry appended since the log held `before` entries.
  Entry only_entry_after(size_t before) const {
    std::vector<Entry> added = entries_after(before);
    EXPECT_EQ(added.size(), 1u);
    return added.empty() ? Entry{} : added.back();
  }

  Result<std::unique_ptr<gate::Gate>> reopen() {
    gate_.reset();
    auto opened = gate::Gate::open(vault_dir_, key_file_secret(key_), user_);
    if (!opened) {
      return tl::unexpected(opened.error());
    }
    custodian_ = std::move(opened->custodian);
    return std::move(opened->gate);
  }

  gate::StoredResource create(std::string_view json) {
    auto created = gate_->create(*custodian_, parse_object(json));
    EXPECT_TRUE(created) << created.error().message;
    return created ? std::move(*created) : gate::StoredResource{};
  }

  gate::StoredResource create_patient(const std::string& family) {
    return create(R"({"resourceType":"Patient","name":[{"family":")" + family + R"("}]})");
  }

  gate::StoredResource create_observation(const std::string& patient_id) {
    return create(R"({"resourceType":"Observation","status":"final","code":{"coding":[
      {"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/)" +
                  patient_id + R"("}})");
  }

  void expect_custodian(const Entry& entry) const {
    EXPECT_EQ(entry.actor.kind, audit::ActorKind::kCustodian);
    EXPECT_EQ(entry.actor.os_user, user_.os_user);
    EXPECT_EQ(entry.actor.session_id, user_.session_id);
    EXPECT_EQ(entry.actor.user_agent, "vigie-cli");
    EXPECT_EQ(entry.actor.auth_method, "key-file");
  }

  static void expect_success(const Entry& entry, std::string_view action) {
    EXPECT_EQ(entry.action, action);
    EXPECT_EQ(entry.outcome, Outcome::kSuccess);
    EXPECT_EQ(entry.reason, "");
  }

  static void expect_failure(const Entry& entry, std::string_view action, ErrorCode code) {
    EXPECT_EQ(entry.action, action);
    EXPECT_EQ(entry.outcome, Outcome::kFailed);
    EXPECT_EQ(entry.reason, name_of(code));
    EXPECT_EQ(entry.resources_returned, 0);
    EXPECT_FALSE(entry.decrypted_data_left);
  }

  static void expect_contiguous(const std::vector<Entry>& all) {
    for (size_t index = 0; index < all.size(); ++index) {
      ASSERT_EQ(all[index].seq, static_cast<int64_t>(index) + 1);
    }
  }

  const gate::LocalUser user_ = gate::current_local_user();
  std::optional<gate::Custodian> custodian_;
  testing::TempDir dir_;
  const std::filesystem::path vault_dir_ = dir_ / "vault";
  const std::filesystem::path checkpoint_file_ = dir_ / "checkpoints";
  audit::CheckpointPolicy policy_;
  crypto::SecretBytes key_ = crypto::SecretBytes::random(32);
  std::unique_ptr<gate::Gate> gate_;
};

TEST_F(GateAuditTest, InitializeRecordsTheConfigurationFirst) {
  const std::vector<Entry> all = entries();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].seq, 1);
  expect_success(all[0], audit::kActionConfigChange);
  expect_custodian(all[0]);
  EXPECT_THAT(all[0].targets, ElementsAre(Target{"Config", "audit-checkpoints", 0, ""},
                                          Target{"Config", "auth", 0, ""}));
}

TEST_F(GateAuditTest, ReadRecordsTheResourceReturned) {
  const gate::StoredResource patient = create_patient("Girard");
  const gate::StoredResource observation = create_observation(patient.id);
  ASSERT_EQ(observation.compartment, patient.id);

  size_t before = entries().size();
  ASSERT_TRUE(gate_->read(*custodian_, "Observation", observation.id));
  Entry entry = only_entry_after(before);
  expect_success(entry, audit::kActionRead);
  expect_custodian(entry);
  EXPECT_THAT(entry.targets, ElementsAre(Target{"Observation", observation.id, 1, patient.id}));
  EXPECT_EQ(entry.resources_returned, 1);
  EXPECT_TRUE(entry.decrypted_data_left);

  before = entries().size();
  ASSERT_TRUE(gate_->read_version(*custodian_, "Patient", patient.id, 1));
  entry = only_entry_after(before);
  expect_success(entry, audit::kActionVread);
  EXPECT_THAT(entry.targets, ElementsAre(Target{"Patient", patient.id, 1, patient.id}));
  EXPECT_EQ(entry.resources_returned, 1);
  EXPECT_TRUE(entry.decrypted_data_left);

  ASSERT_TRUE(gate_->update(*custodian_, "Patient", patient.id,
                            parse_object(R"({"resourceType":"Patient","id":")" + patient.id +
                                         R"(","name":[{"family":"Girardin"}]})")));
  before = entries().size();
  ASSERT_TRUE(gate_->history(*custodian_, "Patient", patient.id));
  entry = only_entry_after(before);
  expect_success(entry, audit::kActionHistory);
  EXPECT_THAT(entry.targets, ElementsAre(Target{"Patient", patient.id, 2, patient.id},
                                         Target{"Patient", patient.id, 1, patient.id}));
  EXPECT_EQ(entry.resources_returned, 2);
}

TEST_F(GateAuditTest, FailedReadsAreRecordedWithTheirReason) {
  size_t before = entries().size();
  EXPECT_EQ(gate_->read(*custodian_, "Patient", "no-such-patient").error().code,
            ErrorCode::kNotFound);
  Entry entry = only_entry_after(before);
  expect_failure(entry, audit::kActionRead, ErrorCode::kNotFound);
  EXPECT_EQ(entry.reason, "not-found");
  EXPECT_THAT(entry.targets, ElementsAre(Target{"Patient", "no-such-patient", 0, ""}));

  before = entries().size();
  EXPECT_EQ(gate_->read(*custodian_, "Patientt", "x").error().code, ErrorCode::kUsage);
  expect_failure(only_entry_after(before), audit::kActionRead, ErrorCode::kUsage);

  const gate::StoredResource patient = create_patient("Girard");
  ASSERT_TRUE(gate_->remove(*custodian_, "Patient", patient.id));
  before = entries().size();
  EXPECT_EQ(gate_->read(*custodian_, "Patient", patient.id).error().code, ErrorCode::kGone);
  entry = only_entry_after(before);
  expect_failure(entry, audit::kActionRead, ErrorCode::kGone);
  EXPECT_THAT(entry.targets, ElementsAre(Target{"Patient", patient.id, 0, ""}));

  before = entries().size();
  EXPECT_FALSE(gate_->read_version(*custodian_, "Patient", patient.id, 9));
  entry = only_entry_after(before);
  EXPECT_EQ(entry.action, audit::kActionVread);
  EXPECT_EQ(entry.outcome, Outcome::kFailed);
  EXPECT_THAT(entry.targets, ElementsAre(Target{"Patient", patient.id, 9, ""}));
}

TEST_F(GateAuditTest, SearchRecordsTheResourcesOfThePageReturned) {
  std::vector<Target> girards;
  for (int index = 0; index < 3; ++index) {
    girards.push_back(target_of(create_patient("Girard")));
  }
  create_patient("Martin");

  size_t before = entries().size();
  auto page = gate_->search(*custodian_, "Patient", {{"family", "gir"}});
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->matches.size(), 3u);
  Entry entry = only_entry_after(before);
  expect_success(entry, audit::kActionSearch);
  EXPECT_THAT(entry.targets, UnorderedElementsAreArray(girards));
  EXPECT_EQ(entry.resources_returned, 3);
  EXPECT_TRUE(entry.decrypted_data_left);

  before = entries().size();
  page = gate_->search(*custodian_, "Patient", {{"family", "gir"}, {"_count", "2"}});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->matches.size(), 2u);
  entry = only_entry_after(before);
  EXPECT_THAT(entry.targets, ElementsAre(target_of(page->matches[0]), target_of(page->matches[1])));
  EXPECT_EQ(entry.resources_returned, 2);

  // Only a count leaves: no resource was decrypted out of the vault.
  before = entries().size();
  page = gate_->search(*custodian_, "Patient", {{"family", "gir"}, {"_count", "0"}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 3u);
  EXPECT_TRUE(page->matches.empty());
  entry = only_entry_after(before);
  expect_success(entry, audit::kActionSearch);
  EXPECT_THAT(entry.targets, IsEmpty());
  EXPECT_EQ(entry.resources_returned, 0);
  EXPECT_FALSE(entry.decrypted_data_left);

  before = entries().size();
  EXPECT_EQ(gate_->search(*custodian_, "Patient", {{"unknown", "x"}}).error().code,
            ErrorCode::kUsage);
  entry = only_entry_after(before);
  expect_failure(entry, audit::kActionSearch, ErrorCode::kUsage);
  EXPECT_THAT(entry.targets, ElementsAre(Target{"Patient", "", 0, ""}));
}

TEST_F(GateAuditTest, WritesRecordTheVersionWritten) {
  size_t before = entries().size();
  const gate::StoredResource created = create_patient("Girard");
  Entry entry = only_entry_after(before);
  expect_success(entry, audit::kActionCreate);
  expect_custodian(entry);
  EXPECT_THAT(entry.targets, ElementsAre(Target{"Patient", created.id, 1, created.id}));
  EXPECT_EQ(entry.resources_returned, 0);
  EXPECT_FALSE(entry.decrypted_data_left);

  before = entries().size();
  auto updated = gate_->update(*custodian_, "Patient", created.id,
                               parse_object(R"({"resourceType":"Patient","id":")" + created.id +
                                            R"(","name":[{"family":"Girardin"}]})"));
  ASSERT_TRUE(updated) << updated.error().message;
  entry = only_entry_after(before);
  expect_success(entry, audit::kActionUpdate);
  EXPECT_THAT(entry.targets, ElementsAre(Target{"Patient", created.id, 2, created.id}));

  before = entries().size();
  ASSERT_TRUE(gate_->remove(*custodian_, "Patient", created.id));
  entry = only_entry_after(before);
  expect_success(entry, audit::kActionDelete);
  EXPECT_THAT(entry.targets, ElementsAre(Target{"Patient", created.id, 3, created.id}));

  before = entries().size();
  EXPECT_EQ(gate_->remove(*custodian_, "Patient", "no-such-patient").error().code,
            ErrorCode::kNotFound);
  entry = only_entry_after(before);
  expect_failure(entry, audit::kActionDelete, ErrorCode::kNotFound);
  EXPECT_THAT(entry.targets, ElementsAre(Target{"Patient", "no-such-patient", 0, ""}));
}

TEST_F(GateAuditTest, InvalidCreateWritesNothingAndRecordsAFailure) {
  create_patient("Girard");
  const std::string contents = testing::vault_contents(vault_dir_);
  const size_t before = entries().size();
  auto created = gate_->create(
      *custodian_, parse_object(R"({"resourceType":"Patient","birthDate":"12/03/1984"})"));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kInvalidInput);
  EXPECT_TRUE(testing::vault_contents(vault_dir_) == contents);
  const Entry entry = only_entry_after(before);
  expect_failure(entry, audit::kActionCreate, ErrorCode::kInvalidInput);
  EXPECT_THAT(entry.targets, IsEmpty());
}

TEST_F(GateAuditTest, NoWriteAndNoReadWithoutItsEntry) {
  const gate::StoredResource patient = create_patient("Girard");
  const std::string rows = data_rows(vault_dir_);
  const size_t before = entries().size();
  // The log refuses every append, as a full disk would.
  exec_raw(vault_dir_ / "audit.db",
           "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
           "BEGIN SELECT RAISE(ABORT, 'refused'); END;");

  auto created = gate_->create(*custodian_, parse_object(R"({"resourceType":"Patient"})"));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kInternal);
  auto read = gate_->read(*custodian_, "Patient", patient.id);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kInternal);
  auto page = gate_->search(*custodian_, "Patient", {{"family", "gir"}});
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(data_rows(vault_dir_) == rows);
  EXPECT_EQ(entries().size(), before);

  exec_raw(vault_dir_ / "audit.db", "DROP TRIGGER refuse_audit;");
  ASSERT_TRUE(gate_->read(*custodian_, "Patient", patient.id));
  expect_success(only_entry_after(before), audit::kActionRead);
}

// A write's entry is an intent, durable in the audit file before the data commits; the data
// file's transaction stores the intent's seq, and a statement in the chain then says it committed.
// The data file holds no log of its own.
TEST_F(GateAuditTest, AWriteIsAnIntentThatTheChainStatesCommitted) {
  const gate::StoredResource patient = create_patient("Girard");
  // A read's entry is appended after every statement queued before it.
  ASSERT_TRUE(gate_->read(*custodian_, "Patient", patient.id));
  const std::vector<Entry> chain = testing::audit_chain(vault_dir_);
  const auto intent = std::find_if(chain.begin(), chain.end(), [](const Entry& entry) {
    return entry.action == audit::kActionCreate;
  });
  ASSERT_NE(intent, chain.end());
  EXPECT_TRUE(intent->awaits_commit);
  EXPECT_THAT(intent->targets, ElementsAre(Target{"Patient", patient.id, 1, patient.id}));
  std::vector<Entry> statements;
  const Target named_intent{std::string(audit::kAuditEntryTargetType), std::to_string(intent->seq),
                            0, ""};
  std::copy_if(chain.begin(), chain.end(), std::back_inserter(statements), [&](const Entry& entry) {
    return entry.action == audit::kActionCommit &&
           std::find(entry.targets.begin(), entry.targets.end(), named_intent) !=
               entry.targets.end();
  });
  ASSERT_EQ(statements.size(), 1u);
  EXPECT_GT(statements[0].seq, intent->seq);
  EXPECT_EQ(statements[0].outcome, Outcome::kSuccess);
  EXPECT_EQ(statements[0].actor.kind, audit::ActorKind::kService);
  EXPECT_THAT(statements[0].targets, ElementsAre(named_intent));
  const std::filesystem::path data_file = vault_dir_ / "vault.db";
  EXPECT_EQ(raw_count(data_file, "SELECT count(*) FROM committed_intents WHERE last_seq = " +
                                     std::to_string(intent->seq)),
            1);
  EXPECT_EQ(raw_count(data_file, "SELECT count(*) FROM audit_log"), 0);
  EXPECT_EQ(raw_count(vault_dir_ / "audit.db", "SELECT count(*) FROM pending_intents"), 0);
}

// The intent is durable, then the data transaction fails: the log states at once that the
// intent did not commit, and records the failure.
TEST_F(GateAuditTest, AWriteThatFailsAfterItsIntentIsStatedRolledBackAtOnce) {
  const std::string rows = data_rows(vault_dir_);
  exec_raw(vault_dir_ / "vault.db",
           "CREATE TRIGGER refuse_commit BEFORE INSERT ON committed_intents "
           "BEGIN SELECT RAISE(ABORT, 'refused'); END;");
  auto created = gate_->create(
      *custodian_, parse_object(R"({"resourceType":"Patient","name":[{"family":"Roux"}]})"));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(data_rows(vault_dir_) == rows);

  const std::vector<Entry> chain = testing::audit_chain(vault_dir_);
  ASSERT_GE(chain.size(), 3u);
  const Entry& intent = chain[chain.size() - 3];
  EXPECT_EQ(intent.action, audit::kActionCreate);
  EXPECT_TRUE(intent.awaits_commit);
  const Entry& statement = chain[chain.size() - 2];
  EXPECT_EQ(statement.action, audit::kActionCommit);
  EXPECT_EQ(statement.outcome, Outcome::kFailed);
  EXPECT_EQ(statement.reason, "rolled-back");
  EXPECT_THAT(statement.targets, ElementsAre(Target{std::string(audit::kAuditEntryTargetType),
                                                    std::to_string(intent.seq), 0, ""}));
  expect_failure(chain.back(), audit::kActionCreate, ErrorCode::kInternal);
  EXPECT_FALSE(chain.back().awaits_commit);
  EXPECT_EQ(raw_count(vault_dir_ / "audit.db", "SELECT count(*) FROM pending_intents"), 0);
}

TEST_F(GateAuditTest, ImportRecordsEveryWrittenResource) {
  const boost::json::object bundle = demo::generate_bundle({.patients = 5, .seed = 3});
  size_t before = entries().size();
  ASSERT_TRUE(gate_->check_bundle(*custodian_, bundle));
  Entry entry = only_entry_after(before);
  expect_success(entry, audit::kActionValidate);
  EXPECT_THAT(entry.targets, IsEmpty());

  before = entries().size();
  auto imported = gate_->import_bundle(*custodian_, bundle);
  ASSERT_TRUE(imported) << imported.error().message;
  entry = only_entry_after(before);
  expect_success(entry, audit::kActionImport);
  std::vector<Target> written;
  for (const vault::EntryOutcome& outcome : imported->entries) {
    written.push_back(Target{outcome.type, outcome.id, outcome.version, outcome.compartment});
  }
  EXPECT_EQ(written.size(), bundle.at("entry").as_array().size());
  EXPECT_EQ(entry.targets, written);
  EXPECT_EQ(entry.resources_returned, 0);
  EXPECT_FALSE(entry.decrypted_data_left);
  // Every patient's compartment is its own id.
  for (const Target& target : entry.targets) {
    if (target.type == "Patient") {
      EXPECT_EQ(target.compartment, target.id);
    }
  }

  const boost::json::object bad = parse_object(R"({"resourceType":"Bundle","type":"transaction",
    "entry":[{"resource":{"resourceType":"Patient","birthDate":"12/03/1984"},
              "request":{"method":"POST","url":"Patient"}}]})");
  before = entries().size();
  EXPECT_EQ(gate_->import_bundle(*custodian_, bad).error().code, ErrorCode::kInvalidInput);
  entry = only_entry_after(before);
  expect_failure(entry, audit::kActionImport, ErrorCode::kInvalidInput);
  EXPECT_THAT(entry.targets, IsEmpty());
}

TEST_F(GateAuditTest, EraseAndCountAreRecorded) {
  const gate::StoredResource patient = create_patient("Girard");
  create_observation(patient.id);

  size_t before = entries().size();
  auto counted = gate_->count_by_type(*custodian_);
  ASSERT_TRUE(counted);
  EXPECT_EQ(counted->at("Observation"), 1);
  Entry entry = only_entry_after(before);
  expect_success(entry, audit::kActionCount);
  EXPECT_THAT(entry.targets, IsEmpty());
  EXPECT_FALSE(entry.decrypted_data_left);

  before = entries().size();
  ASSERT_TRUE(gate_->erase_patient(*custodian_, patient.id));
  entry = only_entry_after(before);
  expect_success(entry, audit::kActionErase);
  EXPECT_THAT(entry.targets, ElementsAre(Target{"Patient", patient.id, 0, patient.id}));

  before = entries().size();
  EXPECT_EQ(gate_->erase_patient(*custodian_, patient.id).error().code, ErrorCode::kNotFound);
  entry = only_entry_after(before);
  expect_failure(entry, audit::kActionErase, ErrorCode::kNotFound);
  EXPECT_THAT(entry.targets, ElementsAre(Target{"Patient", patient.id, 0, patient.id}));
}

TEST_F(GateAuditTest, UnlocksAreRecordedFailedOrNot) {
  gate_.reset();
  size_t before = entries().size();
  auto refused = gate::Gate::open(
      vault_dir_, gate::UnlockSecret{gate::UnlockerKind::kKeyFile, crypto::SecretBytes::random(32)},
      user_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnlockFailed);
  Entry entry = only_entry_after(before);
  expect_failure(entry, audit::kActionUnlockFailed, ErrorCode::kUnlockFailed);
  expect_custodian(entry);

  before = entries().size();
  auto opened = reopen();
  ASSERT_TRUE(opened) << opened.error().message;
  entry = only_entry_after(before);
  expect_success(entry, audit::kActionUnlock);
  expect_custodian(entry);
  EXPECT_THAT(entry.targets, IsEmpty());

  // The entry written without the key is part of the chain the key's holder verifies.
  auto report = (*opened)->verify_audit(*custodian_, std::nullopt);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->failure, std::nullopt);
}

TEST_F(GateAuditTest, AuditQueriesAreRecordedAfterTheEntriesTheyRead) {
  const gate::StoredResource patient = create_patient("Girard");
  ASSERT_TRUE(gate_->read(*custodian_, "Patient", patient.id));
  const size_t before = entries().size();
  auto found = gate_->audit_entries(*custodian_, {.patient_id = patient.id});
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ(found->at(0).action, audit::kActionCreate);
  EXPECT_EQ(found->at(1).action, audit::kActionRead);
  Entry entry = only_entry_after(before);
  expect_success(entry, audit::kActionAuditRead);
  EXPECT_THAT(entry.targets, ElementsAre(Target{"AuditLog", "query", 0, ""}));
  EXPECT_GT(entry.seq, found->at(1).seq);
}

TEST_F(GateAuditTest, CloseCheckpointsTheHeadAndVerifyCatchesATruncation) {
  const gate::StoredResource patient = create_patient("Girard");
  for (int index = 0; index < 12; ++index) {
    ASSERT_TRUE(gate_->read(*custodian_, "Patient", patient.id));
  }
  ASSERT_TRUE(gate_->close());
  const std::vector<Entry> closed = entries();
  auto external = audit::read_checkpoint_file(checkpoint_file_);
  ASSERT_TRUE(external) << external.error().message;
  ASSERT_FALSE(external->empty());
  EXPECT_EQ(external->back().seq, closed.back().seq);

  auto opened = reopen();
  ASSERT_TRUE(opened) << opened.error().message;
  auto report = (*opened)->verify_audit(*custodian_, std::nullopt);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->failure, std::nullopt);
  EXPECT_EQ(report->verified, closed.back().seq + 1);  // and the unlock
  EXPECT_EQ((*opened)->verify_audit(*custodian_, dir_ / "missing-checkpoints").error().code,
            ErrorCode::kNotFound);
  opened->reset();

  // An attacker holding the vault deletes the last 10 entries and the checkpoints over them.
  const int64_t last = entries().back().seq;
  const std::string kept = std::to_string(last - 10);
  exec_raw(vault_dir_ / "audit.db",
           "DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_checkpoints_no_delete; "
           "DELETE FROM audit_log WHERE seq > " +
               kept + "; DELETE FROM audit_checkpoints WHERE seq > " + kept + ";");
  ASSERT_EQ(entries().back().seq, last - 10);

  opened = reopen();
  ASSERT_TRUE(opened) << opened.error().message;
  report = (*opened)->verify_audit(*custodian_, std::nullopt);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_TRUE(report->failure.has_value());
  // The unlock just recorded follows the kept entries; the external file still shows more.
  EXPECT_EQ(report->failure->seq, last - 8);
  EXPECT_THAT(report->failure->reason, HasSubstr("truncated"));
  EXPECT_THAT(report->failure->reason, HasSubstr("external checkpoint"));
}

TEST_F(GateAuditTest, SiblingsOnFourThreadsShareOneChain) {
  constexpr int kThreads = 4;
  constexpr int kReadsPerThread = 200;
  std::vector<std::string> ids;
  for (int index = 0; index < 8; ++index) {
    ids.push_back(create_patient("Girard").id);
  }
  std::vector<std::unique_ptr<gate::Gate>> siblings;
  for (int thread = 0; thread < kThreads; ++thread) {
    auto sibling = gate_->open_sibling();
    ASSERT_TRUE(sibling) << sibling.error().message;
    siblings.push_back(std::move(*sibling));
  }
  const size_t before = entries().size();
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      for (int index = 0; index < kReadsPerThread; ++index) {
        if (!siblings[thread]->read(*custodian_, "Patient", ids[(thread + index) % ids.size()])) {
          ++failures[thread];
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_THAT(failures, ::testing::Each(0));
  siblings.clear();
  // The first checkpoint creates the external file, which verification requires.
  ASSERT_TRUE(gate_->close());

  const std::vector<Entry> all = testing::audit_chain(vault_dir_);
  expect_contiguous(all);
  const std::vector<Entry> added = entries_after(before);
  ASSERT_EQ(added.size(), static_cast<size_t>(kThreads * kReadsPerThread));
  for (const Entry& entry : added) {
    expect_success(entry, audit::kActionRead);
    ASSERT_EQ(entry.targets.size(), 1u);
    EXPECT_NE(std::find(ids.begin(), ids.end(), entry.targets[0].id), ids.end());
  }
  auto report = gate_->verify_audit(*custodian_, std::nullopt);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->failure, std::nullopt);
  EXPECT_EQ(report->verified, static_cast<int64_t>(all.size()));
}

}  // namespace
}  // namespace vigie
