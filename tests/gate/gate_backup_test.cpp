// Issue 14, deliverable 4: backups that never resurrect. A sealed data backup holds no key and no
// patient value, opens only whole and unaltered, is consistent while writers go on, and no restore
// brings back a patient erased after it was taken, even with a keyring backup that still holds the
// patient's key.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "crypto/secret_bytes.hpp"
#include "demo/demo_data.hpp"
#include "gate/gate.hpp"
#include "lifecycle/backup.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/json_object.hpp"
#include "support/raw_sql.hpp"
#include "support/temp_dir.hpp"
#include "vault/ledger_copy.hpp"
#include "vault/vault.hpp"

namespace vigie {
namespace {

using testing::parse_object;

std::string backup_observation_of(const std::string& patient) {
  return R"({"resourceType":"Observation","status":"final","code":{"text":"glycémie"},)"
         R"("subject":{"reference":"Patient/)" +
         patient + R"("}})";
}

std::string bytes_of_file(const std::filesystem::path& path) { return testing::read_file(path); }

void flip_byte(const std::filesystem::path& path, size_t offset) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(static_cast<std::streamoff>(offset));
  char byte = 0;
  file.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x01);
  file.seekp(static_cast<std::streamoff>(offset));
  file.write(&byte, 1);
}

// Every wrapped key of a keyring file (data keys, system keys, the wrapped master keys).
std::vector<std::string> wrapped_keys_of(const std::filesystem::path& keyring_file) {
  std::vector<std::string> keys;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(keyring_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  for (const char* sql : {"SELECT wrapped FROM data_keys", "SELECT wrapped FROM system_keys",
                          "SELECT wrapped_master_key FROM unlockers"}) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), SQLITE_OK);
    while (sqlite3_step(statement) == SQLITE_ROW) {
      const auto* blob = static_cast<const char*>(sqlite3_column_blob(statement, 0));
      keys.emplace_back(blob, static_cast<size_t>(sqlite3_column_bytes(statement, 0)));
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return keys;
}

class GateBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(gate::Gate::initialize(live_.path(), secret(), {}, {}, user_));
    auto opened = gate::Gate::open(live_.path(), secret(), user_);
    ASSERT_TRUE(opened) << opened.error().message;
    gate_ = std::move(opened->gate);
    custodian_.emplace(std::move(opened->custodian));
    demo::DemoOptions demo_options;
    demo_options.patients = 4;
    bundle_ = demo::generate_bundle(demo_options);
    auto imported = gate_->import_bundle(*custodian_, bundle_);
    ASSERT_TRUE(imported) << imported.error().message;
    for (const auto& entry : imported->entries) {
      if (entry.type == "Patient") {
        patients_.push_back(entry.id);
      }
    }
    ASSERT_EQ(patients_.size(), 4U);
  }

  void TearDown() override {
    if (gate_) {
      EXPECT_TRUE(gate_->close());
    }
  }

  gate::UnlockSecret secret() const {
    return gate::UnlockSecret{gate::UnlockerKind::kKeyFile,
                              crypto::SecretBytes::copy_of(key_.view())};
  }

  std::map<std::string, int64_t> live_counts() {
    auto counts = gate_->count_by_type(*custodian_);
    EXPECT_TRUE(counts) << counts.error().message;
    return counts ? *counts : std::map<std::string, int64_t>{};
  }

  Result<gate::Gate::RestoreReport> restore(gate::Gate::RestoreRequest request,
                                            const std::filesystem::path& target) {
    return gate::Gate::restore(request, target, secret(), user_, system_clock(), {});
  }

  gate::Gate::RestoreRequest request_for(const std::filesystem::path& backup) const {
    gate::Gate::RestoreRequest request;
    request.backup = backup;
    request.ledger_source = live_.path();
    return request;
  }

  const gate::LocalUser user_ = gate::current_local_user();
  crypto::SecretBytes key_ = crypto::SecretBytes::random(32);
  testing::TempDir live_;
  testing::TempDir elsewhere_;
  std::unique_ptr<gate::Gate> gate_;
  std::optional<gate::Custodian> custodian_;
  boost::json::object bundle_;
  std::vector<std::string> patients_;
};

TEST_F(GateBackupTest, ARestoredBackupHoldsEveryResourceAndVerifyCountsThem) {
  const std::filesystem::path backup = elsewhere_ / "vault.backup";
  auto written = gate_->backup_data(*custodian_, backup);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_GT(written->data_bytes, 0U);
  EXPECT_GT(written->audit_bytes, 0U);
  const std::map<std::string, int64_t> expected = live_counts();

  auto verified =
      gate::Gate::verify_backup(request_for(backup), secret(), user_, system_clock(), {});
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_EQ(verified->counts, expected);
  EXPECT_EQ(verified->counts.at("Patient"), 4);
  EXPECT_FALSE(verified->audit.failure) << verified->audit.failure->reason;
  EXPECT_GT(verified->audit.verified, 0);

  const std::filesystem::path target = elsewhere_ / "restored";
  auto restored = restore(request_for(backup), target);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_TRUE(restored->current_ledger_replayed);
  EXPECT_EQ(restored->ledger.keys_dropped, 0);
  auto opened = gate::Gate::open(target, secret(), user_);
  ASSERT_TRUE(opened) << opened.error().message;
  auto counts = opened->gate->count_by_type(opened->custodian);
  ASSERT_TRUE(counts);
  EXPECT_EQ(*counts, expected);
  auto patient = opened->gate->read(opened->custodian, "Patient", patients_.front());
  ASSERT_TRUE(patient) << patient.error().message;
  auto live_patient = gate_->read(*custodian_, "Patient", patients_.front());
  ASSERT_TRUE(live_patient);
  EXPECT_EQ(patient->resource, live_patient->resource);
  EXPECT_TRUE(opened->gate->close());
  // Nothing of the work directory is left beside the target.
  for (const auto& entry : std::filesystem::directory_iterator(elsewhere_.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".restoring-"), std::string::npos);
  }
}

TEST_F(GateBackupTest, ABackupIsRecordedAndOnlyTheCustodianMayTakeOne) {
  const gate::Principal stranger = gate::account_principal("vgt_not-a-token", "127.0.0.1", "test");
  EXPECT_FALSE(gate_->backup_data(stranger, elsewhere_ / "a.backup"));
  EXPECT_FALSE(gate_->backup_keyring(stranger, elsewhere_ / "a.keyring"));
  EXPECT_FALSE(std::filesystem::exists(elsewhere_ / "a.backup"));
  EXPECT_FALSE(std::filesystem::exists(elsewhere_ / "a.keyring"));
  ASSERT_TRUE(gate_->backup_data(*custodian_, elsewhere_ / "b.backup"));
  audit::LogFilter filter;
  filter.action = std::string(audit::kActionExport);
  auto entries = gate_->audit_entries(*custodian_, filter);
  ASSERT_TRUE(entries);
  size_t succeeded = 0;
  size_t refused = 0;
  for (const audit::Entry& entry : *entries) {
    ASSERT_FALSE(entry.targets.empty());
    EXPECT_EQ(entry.targets.front().type, "Vault");
    (entry.outcome == audit::Outcome::kSuccess ? succeeded : refused) += 1;
  }
  EXPECT_EQ(succeeded, 1U);
  EXPECT_EQ(refused, 2U);
}

TEST_F(GateBackupTest, AnExistingFileOrVaultIsNeverOverwritten) {
  const std::filesystem::path backup = elsewhere_ / "vault.backup";
  testing::write_file(backup, "precious");
  auto written = gate_->backup_data(*custodian_, backup);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kConflict);
  EXPECT_EQ(bytes_of_file(backup), "precious");
  auto keyring = gate_->backup_keyring(*custodian_, backup);
  ASSERT_FALSE(keyring);
  EXPECT_EQ(bytes_of_file(backup), "precious");

  const std::filesystem::path good = elsewhere_ / "good.backup";
  ASSERT_TRUE(gate_->backup_data(*custodian_, good));
  auto onto_live = restore(request_for(good), live_.path());
  ASSERT_FALSE(onto_live);
  EXPECT_EQ(onto_live.error().code, ErrorCode::kConflict);
  const std::filesystem::path occupied = elsewhere_ / "occupied";
  std::filesystem::create_directories(occupied);
  testing::write_file(occupied / "note", "keep");
  auto onto_occupied = restore(request_for(good), occupied);
  ASSERT_FALSE(onto_occupied);
  EXPECT_EQ(onto_occupied.error().code, ErrorCode::kConflict);
  EXPECT_EQ(bytes_of_file(occupied / "note"), "keep");
}

TEST_F(GateBackupTest, TheBackupFileHoldsNoPatientValue) {
  const std::filesystem::path backup = elsewhere_ / "vault.backup";
  ASSERT_TRUE(gate_->backup_data(*custodian_, backup));
  const std::string bytes = bytes_of_file(backup);
  const std::vector<demo::DemoPatientFacts> facts = demo::patient_facts(bundle_);
  ASSERT_EQ(facts.size(), 4U);
  for (const demo::DemoPatientFacts& patient : facts) {
    ASSERT_GE(patient.family.size(), 3U);
    ASSERT_GE(patient.nir.size(), 13U);
    EXPECT_EQ(bytes.find(patient.family), std::string::npos);
    EXPECT_EQ(bytes.find(patient.nir), std::string::npos);
    EXPECT_EQ(bytes.find(patient.birth_date), std::string::npos);
  }
  // Not even the clear metadata of the data file: resource types, ids, SQLite's own header.
  EXPECT_EQ(bytes.find("SQLite format 3"), std::string::npos);
  EXPECT_EQ(bytes.find("Observation"), std::string::npos);
  EXPECT_EQ(bytes.find(patients_.front()), std::string::npos);
}

TEST_F(GateBackupTest, TheDataBackupCarriesNoKey) {
  const std::filesystem::path backup = elsewhere_ / "vault.backup";
  ASSERT_TRUE(gate_->backup_data(*custodian_, backup));
  auto backup_key = vault::Vault::backup_key_from_keyring(
      store::sqlite::keyring_file_path(live_.path()), secret());
  ASSERT_TRUE(backup_key) << backup_key.error().message;
  const std::filesystem::path opened = elsewhere_ / "opened";
  std::filesystem::create_directories(opened);
  ASSERT_TRUE(lifecycle::open_data_backup(backup, *backup_key, opened));
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(opened)) {
    files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"audit.db", "vault.db"}));
  const std::vector<std::string> keys =
      wrapped_keys_of(store::sqlite::keyring_file_path(live_.path()));
  ASSERT_GE(keys.size(), patients_.size() + 2);
  for (const std::string& file : files) {
    const std::string contents = bytes_of_file(opened / file);
    for (const std::string& key : keys) {
      ASSERT_GE(key.size(), 40U);
      EXPECT_EQ(contents.find(key), std::string::npos) << file << " holds a wrapped key";
    }
    EXPECT_EQ(testing::raw_count(opened / file,
                                 "SELECT count(*) FROM sqlite_master WHERE name IN "
                                 "('data_keys', 'unlockers', 'system_keys')"),
              0);
  }
}

TEST_F(GateBackupTest, AnAlteredTruncatedOrExtendedBackupIsRefused) {
  const std::filesystem::path backup = elsewhere_ / "vault.backup";
  ASSERT_TRUE(gate_->backup_data(*custodian_, backup));
  const std::string original = bytes_of_file(backup);
  const size_t size = original.size();
  const std::vector<size_t> offsets{0,
                                    lifecycle::kBackupMagic.size(),           // created_ms
                                    lifecycle::kBackupMagic.size() + 8 + 10,  // wrapped key
                                    lifecycle::kBackupHeaderBytes - 1,        // stream header
                                    lifecycle::kBackupHeaderBytes + 2,        // a chunk length
                                    lifecycle::kBackupHeaderBytes + 100,      // the first chunk
                                    size / 2,
                                    size - 1};
  for (size_t offset : offsets) {
    testing::write_file(backup, original);
    flip_byte(backup, offset);
    auto verified =
        gate::Gate::verify_backup(request_for(backup), secret(), user_, system_clock(), {});
    ASSERT_FALSE(verified) << "byte " << offset;
    EXPECT_EQ(verified.error().code, ErrorCode::kIntegrity) << "byte " << offset;
    const std::filesystem::path target = elsewhere_ / ("restored-" + std::to_string(offset));
    auto restored = restore(request_for(backup), target);
    ASSERT_FALSE(restored);
    EXPECT_FALSE(std::filesystem::exists(target));
  }
  testing::write_file(backup, original.substr(0, size - 30));
  auto truncated =
      gate::Gate::verify_backup(request_for(backup), secret(), user_, system_clock(), {});
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::kIntegrity);
  testing::write_file(backup, original + "x");
  auto extended =
      gate::Gate::verify_backup(request_for(backup), secret(), user_, system_clock(), {});
  ASSERT_FALSE(extended);
  EXPECT_EQ(extended.error().code, ErrorCode::kIntegrity);
  // Another vault's keys do not open it.
  testing::TempDir other;
  crypto::SecretBytes other_key = crypto::SecretBytes::random(32);
  gate::UnlockSecret other_secret{gate::UnlockerKind::kKeyFile,
                                  crypto::SecretBytes::copy_of(other_key.view())};
  auto other_vault = gate::Gate::initialize(other.path(), other_secret, {}, {}, user_);
  ASSERT_TRUE(other_vault);
  ASSERT_TRUE(other_vault->gate->close());
  testing::write_file(backup, original);
  gate::Gate::RestoreRequest foreign = request_for(backup);
  foreign.ledger_source = other.path();
  auto wrong_vault =
      gate::Gate::verify_backup(foreign,
                                gate::UnlockSecret{gate::UnlockerKind::kKeyFile,
                                                   crypto::SecretBytes::copy_of(other_key.view())},
                                user_, system_clock(), {});
  ASSERT_FALSE(wrong_vault);
  EXPECT_EQ(wrong_vault.error().code, ErrorCode::kIntegrity);
}

TEST_F(GateBackupTest, ABackupTakenWhileAnotherThreadWritesIsConsistent) {
  auto sibling = gate_->open_sibling();
  ASSERT_TRUE(sibling) << sibling.error().message;
  std::atomic<int64_t> written{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  const int64_t before = live_counts()["Observation"];
  std::thread writer([&] {
    while (!stop.load()) {
      const std::string& patient = patients_[static_cast<size_t>(written.load()) % 4];
      if (!(*sibling)->create(*custodian_, parse_object(backup_observation_of(patient)))) {
        failed = true;
        written.notify_all();
        return;
      }
      written.fetch_add(1);
      written.notify_all();
    }
  });
  // The backup starts once writes are under way, and they go on during it.
  for (int64_t seen = written.load(); seen < 5 && !failed.load(); seen = written.load()) {
    written.wait(seen);
  }
  const std::filesystem::path backup = elsewhere_ / "vault.backup";
  auto taken = gate_->backup_data(*custodian_, backup);
  const int64_t at_end = written.load();
  for (int64_t seen = at_end; seen < at_end + 5 && !failed.load(); seen = written.load()) {
    written.wait(seen);
  }
  stop = true;
  writer.join();
  ASSERT_FALSE(failed.load());
  ASSERT_TRUE(taken) << taken.error().message;
  EXPECT_TRUE((*sibling)->close());

  auto verified =
      gate::Gate::verify_backup(request_for(backup), secret(), user_, system_clock(), {});
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_FALSE(verified->audit.failure) << verified->audit.failure->reason;
  const int64_t observations = verified->counts["Observation"];
  EXPECT_GE(observations, before + 5);
  EXPECT_LE(observations, before + written.load());
  // Every Observation the backup holds opens.
  const std::filesystem::path target = elsewhere_ / "restored";
  ASSERT_TRUE(restore(request_for(backup), target));
  auto opened = gate::Gate::open(target, secret(), user_);
  ASSERT_TRUE(opened) << opened.error().message;
  auto page = opened->gate->search(opened->custodian, "Observation", {{"_count", "1000"}});
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(static_cast<int64_t>(page->matches.size()), observations);
  auto chain = opened->gate->verify_audit(opened->custodian, std::nullopt);
  ASSERT_TRUE(chain);
  EXPECT_FALSE(chain->failure);
  EXPECT_TRUE(opened->gate->close());
}

// The resurrect attack: data and keyring backed up, the patient erased, both restored.
class GateBackupResurrectTest : public GateBackupTest {
 protected:
  void SetUp() override {
    GateBackupTest::SetUp();
    before_backups();
    erased_ = patients_.front();
    ASSERT_TRUE(gate_->create(*custodian_, parse_object(backup_observation_of(erased_))));
    ASSERT_TRUE(gate_->add_account(*custodian_, auth::NewAccount{"infirmiere", "Infirmière",
                                                                 access::Role::kPractitioner, ""}));
    ASSERT_TRUE(gate_->assign(*custodian_, "infirmiere", erased_));
    ASSERT_TRUE(gate_->assign(*custodian_, "infirmiere", patients_[1]));
    ASSERT_TRUE(gate_->backup_data(*custodian_, data_backup_));
    ASSERT_TRUE(gate_->backup_keyring(*custodian_, keyring_backup_));
    ASSERT_EQ(testing::raw_count(keyring_backup_,
                                 "SELECT count(*) FROM data_keys WHERE "
                                 "compartment = '" +
                                     erased_ + "'"),
              1);
    ASSERT_TRUE(gate_->erase_patient(*custodian_, erased_));
    ASSERT_TRUE(gate_->await_erasure_cleanup());
  }

  virtual void before_backups() {}

  // The restored vault in `target` holds nothing of the erased patient: no key, no row, no read.
  void expect_erased_patient_gone(const std::filesystem::path& target) {
    EXPECT_EQ(
        testing::raw_count(store::sqlite::keyring_file_path(target),
                           "SELECT count(*) FROM data_keys WHERE compartment = '" + erased_ + "'"),
        0);
    EXPECT_EQ(testing::raw_count(
                  store::sqlite::data_file_path(target),
                  "SELECT count(*) FROM resource_versions WHERE compartment = '" + erased_ + "'"),
              0);
    const auto assignments_to = [&](const std::string& patient) {
      return testing::raw_count(
          store::sqlite::data_file_path(target),
          "SELECT count(*) FROM assignments WHERE patient_id = '" + patient + "'");
    };
    EXPECT_EQ(assignments_to(erased_), 0);
    EXPECT_EQ(assignments_to(patients_[1]), 1);
    auto opened = gate::Gate::open(target, secret(), user_);
    ASSERT_TRUE(opened) << opened.error().message;
    auto read = opened->gate->read(opened->custodian, "Patient", erased_);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
    auto found = opened->gate->search(opened->custodian, "Observation", {{"patient", erased_}});
    ASSERT_TRUE(found);
    EXPECT_EQ(found->total, 0U);
    auto counts = opened->gate->count_by_type(opened->custodian);
    ASSERT_TRUE(counts);
    EXPECT_EQ(counts->at("Patient"), remaining_patients_);
    // The others are whole.
    EXPECT_TRUE(opened->gate->read(opened->custodian, "Patient", patients_[1]));
    // A new write cannot bring the patient back either: the ledger refuses a new key.
    auto again =
        opened->gate->create(opened->custodian, parse_object(backup_observation_of(erased_)));
    EXPECT_FALSE(again);
    EXPECT_TRUE(opened->gate->close());
  }

  std::string erased_;
  int64_t remaining_patients_ = 3;  // of the four, after the erasures
  std::filesystem::path data_backup_ = elsewhere_ / "before-erasure.backup";
  std::filesystem::path keyring_backup_ = elsewhere_ / "before-erasure.keyring";
};

TEST_F(GateBackupResurrectTest, ARestoreWithTheLiveVaultsLedgerDropsTheErasedPatientsKey) {
  gate::Gate::RestoreRequest request = request_for(data_backup_);
  request.keyring_backup = keyring_backup_;
  const std::filesystem::path target = elsewhere_ / "restored";
  auto restored = restore(request, target);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_TRUE(restored->current_ledger_replayed);
  EXPECT_EQ(restored->ledger.keys_dropped, 1);
  EXPECT_EQ(restored->ledger.entries_added, 1);
  EXPECT_GE(restored->ledger.versions_removed, 2);
  expect_erased_patient_gone(target);
}

TEST_F(GateBackupResurrectTest, ALaterKeyringBackupServesAsTheCurrentLedger) {
  const std::filesystem::path later = elsewhere_ / "after-erasure.keyring";
  ASSERT_TRUE(gate_->backup_keyring(*custodian_, later));
  EXPECT_TRUE(gate_->close());
  gate_.reset();
  // The live vault is gone: only backups are left.
  std::filesystem::remove_all(live_.path());
  gate::Gate::RestoreRequest request;
  request.backup = data_backup_;
  request.keyring_backup = keyring_backup_;
  request.ledger_source = later;
  const std::filesystem::path target = elsewhere_ / "restored";
  auto restored = restore(request, target);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_EQ(restored->ledger.keys_dropped, 1);
  expect_erased_patient_gone(target);
}

TEST_F(GateBackupResurrectTest, ARestoreWithoutTheCurrentLedgerIsRefusedUnlessForced) {
  gate::Gate::RestoreRequest request;
  request.backup = data_backup_;
  request.keyring_backup = keyring_backup_;
  const std::filesystem::path target = elsewhere_ / "restored";
  auto refused = restore(request, target);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUsage);
  EXPECT_FALSE(std::filesystem::exists(target));
  // Forced, it replays only the ledger the old keyring holds: the erased patient comes back, which
  // is what the refusal and the CLI's warning say.
  request.without_current_ledger = true;
  auto forced = restore(request, target);
  ASSERT_TRUE(forced) << forced.error().message;
  EXPECT_FALSE(forced->current_ledger_replayed);
  auto opened = gate::Gate::open(target, secret(), user_);
  ASSERT_TRUE(opened);
  EXPECT_TRUE(opened->gate->read(opened->custodian, "Patient", erased_));
  EXPECT_TRUE(opened->gate->close());
}

// The same attack with the live vault gone and only the ledger's copy kept outside it.
class GateLedgerCopyTest : public GateBackupResurrectTest {
 protected:
  void before_backups() override {
    auto kept = gate_->keep_ledger_copy(*custodian_, copy_);
    ASSERT_TRUE(kept) << kept.error().message;
  }

  // Erases `patient` too, and backs up the keyring after it.
  void erase_another(const std::string& patient) {
    ASSERT_TRUE(gate_->erase_patient(*custodian_, patient));
    ASSERT_TRUE(gate_->await_erasure_cleanup());
    --remaining_patients_;
  }

  void lose_the_live_vault() {
    EXPECT_TRUE(gate_->close());
    gate_.reset();
    std::filesystem::remove_all(live_.path());
  }

  gate::Gate::RestoreRequest request_from_copy() const {
    gate::Gate::RestoreRequest request;
    request.backup = data_backup_;
    request.keyring_backup = keyring_backup_;
    request.ledger_source = copy_;
    return request;
  }

  testing::TempDir outside_;
  std::filesystem::path copy_ = outside_ / "erasures.ledger";
};

TEST_F(GateLedgerCopyTest, EveryErasureIsInTheCopyAsTheKeyringHoldsItAndNoPatientId) {
  erase_another(patients_[2]);
  auto live = lifecycle::read_erasure_ledger(live_.path());
  ASSERT_TRUE(live) << live.error().message;
  auto lines = vault::read_ledger_copy(copy_);
  ASSERT_TRUE(lines) << lines.error().message;
  const auto copied = vault::ledger_entries(*lines);
  ASSERT_EQ(copied.size(), 2U);
  ASSERT_EQ(live->size(), 2U);
  for (size_t index = 0; index < copied.size(); ++index) {
    EXPECT_EQ(copied[index].compartment_hash, (*live)[index].compartment_hash);
  }
  const std::string text = testing::read_file(copy_);
  for (const std::string& patient : patients_) {
    EXPECT_EQ(text.find(patient), std::string::npos);
  }
  // The start of the copy is audited; a second start on the same file is refused.
  auto again = gate_->keep_ledger_copy(*custodian_, copy_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST_F(GateLedgerCopyTest, OnlyTheCustodianKeepsACopyAndItsStartIsAudited) {
  const gate::Principal stranger = gate::account_principal("vgt_not-a-token", "127.0.0.1", "test");
  auto refused = gate_->keep_ledger_copy(stranger, outside_ / "other.ledger");
  EXPECT_FALSE(refused);
  EXPECT_FALSE(std::filesystem::exists(outside_ / "other.ledger"));
  auto relative = gate_->keep_ledger_copy(*custodian_, "relative.ledger");
  ASSERT_FALSE(relative);
  EXPECT_EQ(relative.error().code, ErrorCode::kUsage);
  audit::LogFilter filter;
  filter.action = std::string(audit::kActionConfigChange);
  auto entries = gate_->audit_entries(*custodian_, filter);
  ASSERT_TRUE(entries);
  size_t succeeded = 0;
  size_t refusals = 0;
  for (const audit::Entry& entry : *entries) {
    if (!entry.targets.empty() && entry.targets.front().id == "erasure-ledger-copy") {
      (entry.outcome == audit::Outcome::kSuccess ? succeeded : refusals) += 1;
    }
  }
  EXPECT_EQ(succeeded, 1U);
  EXPECT_EQ(refusals, 2U);
}

TEST_F(GateLedgerCopyTest, OldBackupsAndTheCopyResurrectNobodyWithTheLiveVaultGone) {
  erase_another(patients_[2]);
  lose_the_live_vault();
  const std::filesystem::path target = elsewhere_ / "restored";
  auto restored = restore(request_from_copy(), target);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_TRUE(restored->current_ledger_replayed);
  EXPECT_EQ(restored->ledger.keys_dropped, 2);
  EXPECT_EQ(testing::raw_count(
                store::sqlite::keyring_file_path(target),
                "SELECT count(*) FROM data_keys WHERE compartment = '" + patients_[2] + "'"),
            0);
  expect_erased_patient_gone(target);
}

TEST_F(GateLedgerCopyTest, AnEditedTruncatedOrReorderedCopyIsRefusedAndNothingIsRestored) {
  erase_another(patients_[2]);
  const std::filesystem::path later_keyring = elsewhere_ / "after-erasures.keyring";
  ASSERT_TRUE(gate_->backup_keyring(*custodian_, later_keyring));
  lose_the_live_vault();
  const std::string original = testing::read_file(copy_);
  const size_t second = original.find('\n') + 1;
  const std::string line1 = original.substr(0, second);
  const std::string line2 = original.substr(second);
  std::string edited = line2;
  edited[25] = edited[25] == '0' ? '1' : '0';
  const std::filesystem::path target = elsewhere_ / "restored";
  auto expect_refused = [&](const std::string& text, gate::Gate::RestoreRequest request,
                            const std::string& names) {
    {
      std::ofstream out(copy_, std::ios::binary | std::ios::trunc);
      out << text;
    }
    auto refused = restore(request, target);
    ASSERT_FALSE(refused) << names;
    EXPECT_EQ(refused.error().code, ErrorCode::kIntegrity) << refused.error().message;
    EXPECT_NE(refused.error().message.find(names), std::string::npos) << refused.error().message;
    EXPECT_FALSE(std::filesystem::exists(target));
  };
  expect_refused(line1 + edited, request_from_copy(), "line 2");
  expect_refused(line2 + line1, request_from_copy(), "line 1");
  expect_refused(original.substr(0, original.size() - 7), request_from_copy(), "incomplete");
  expect_refused(std::string("garbage\n"), request_from_copy(), "malformed");
  // Cut at a line boundary: the restored keyring (backed up after both erasures) names an erasure
  // that the copy lacks.
  gate::Gate::RestoreRequest with_later = request_from_copy();
  with_later.keyring_backup = later_keyring;
  expect_refused(line1, with_later, "lacks 1 erasure");
  expect_refused("", with_later, "lacks 2 erasure");
  // Whole again, it restores.
  {
    std::ofstream out(copy_, std::ios::binary | std::ios::trunc);
    out << original;
  }
  auto restored = restore(request_from_copy(), target);
  ASSERT_TRUE(restored) << restored.error().message;
  expect_erased_patient_gone(target);
}

TEST_F(GateLedgerCopyTest, TheRestoredVaultGoesOnAppendingToTheSameCopy) {
  lose_the_live_vault();
  const std::filesystem::path target = elsewhere_ / "restored";
  ASSERT_TRUE(restore(request_from_copy(), target));
  auto opened = gate::Gate::open(target, secret(), user_);
  ASSERT_TRUE(opened) << opened.error().message;
  ASSERT_TRUE(opened->gate->erase_patient(opened->custodian, patients_[3]));
  EXPECT_TRUE(opened->gate->close());
  auto lines = vault::read_ledger_copy(copy_);
  ASSERT_TRUE(lines) << lines.error().message;
  EXPECT_EQ(lines->size(), 2U);
}

}  // namespace
}  // namespace vigie
