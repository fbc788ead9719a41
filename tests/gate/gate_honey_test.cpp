// Issue 15, deliverable 2: honey records. Decoy patients that look like the demo data to any
// reader, whose being decoys is stored sealed, and `honey list` for the custodian only.

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "access_world.hpp"
#include "audit/entry.hpp"
#include "crypto/signing.hpp"
#include "demo/demo_data.hpp"
#include "gate/gate.hpp"
#include "lifecycle/bulk_export.hpp"
#include "support/raw_sql.hpp"
#include "support/vault_contents.hpp"

namespace vigie {
namespace {

class GateHoneyTest : public ::testing::Test {
 protected:
  // A practice's data: the demo generator's care providers and `patients` patients.
  void import_demo(size_t patients) {
    demo::DemoOptions options;
    options.patients = patients;
    options.seed = 11;
    auto imported = gate().import_bundle(custodian(), demo::generate_bundle(options));
    ASSERT_TRUE(imported) << imported.error().message;
    for (const vault::EntryOutcome& outcome : imported->entries) {
      if (outcome.type == "Patient") {
        real_.push_back(outcome.id);
      }
    }
  }

  std::vector<std::string> plant(size_t count) {
    auto planted = gate().plant_honey(custodian(), count);
    EXPECT_TRUE(planted) << planted.error().message;
    return planted ? *planted : std::vector<std::string>{};
  }

  std::string data_rows(const std::string& sql) const {
    return testing::query_rows(world_.vault_dir() / "vault.db", sql);
  }

  // Per type, how many current resources a compartment holds (clear metadata).
  std::map<std::string, int64_t> types_in(const std::string& compartment) {
    std::map<std::string, int64_t> types;
    const std::string rows =
        data_rows("SELECT type FROM resource_versions WHERE compartment = '" + compartment + "'");
    std::string hex;
    for (const char byte : rows) {
      if (byte == '|') {
        std::string type;
        for (size_t index = 0; index + 1 < hex.size(); index += 2) {
          type += static_cast<char>(std::stoi(hex.substr(index, 2), nullptr, 16));
        }
        ++types[type];
        hex.clear();
      } else if (byte != '\n') {
        hex += byte;
      }
    }
    return types;
  }

  // The sealed length of the Patient `id`, from the raw data file.
  int64_t sealed_size(const std::string& id) const {
    return testing::raw_count(world_.vault_dir() / "vault.db",
                              "SELECT length(sealed) FROM resource_versions WHERE type = "
                              "'Patient' AND id = '" +
                                  id + "'");
  }

  // The search parameters that index the Patient `id` (their names are clear, their values are
  // blind tokens).
  std::set<std::string> indexed_params(const std::string& id) const {
    std::set<std::string> params;
    const std::string rows = testing::query_rows(
        world_.vault_dir() / "vault.db",
        "SELECT DISTINCT param FROM search_tokens WHERE resource = (SELECT rk FROM "
        "resources_current WHERE type = 'Patient' AND id = '" +
            id + "')");
    std::string hex;
    for (const char byte : rows) {
      if (byte == '|') {
        std::string param;
        for (size_t index = 0; index + 1 < hex.size(); index += 2) {
          param += static_cast<char>(std::stoi(hex.substr(index, 2), nullptr, 16));
        }
        params.insert(param);
        hex.clear();
      } else if (byte != '\n') {
        hex += byte;
      }
    }
    return params;
  }

  std::string system_key_names() const {
    return testing::query_rows(world_.vault_dir() / "keyring.db",
                               "SELECT name FROM system_keys ORDER BY name");
  }

  gate::Gate& gate() { return world_.gate(); }
  const gate::Custodian& custodian() const { return world_.custodian(); }

  testing::AccessWorld world_;
  std::vector<std::string> real_;
};

TEST_F(GateHoneyTest, PlantedDecoysAreListedAfterReopenAndHoldClinicalData) {
  import_demo(5);
  std::vector<std::string> decoys = plant(3);
  ASSERT_EQ(decoys.size(), 3U);
  std::sort(decoys.begin(), decoys.end());

  auto listed = gate().honey_list(custodian());
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(*listed, decoys);

  world_.reopen();
  listed = gate().honey_list(custodian());
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(*listed, decoys);

  for (const std::string& id : decoys) {
    const std::map<std::string, int64_t> types = types_in(id);
    EXPECT_EQ(types.at("Patient"), 1) << id;
    EXPECT_GE(types.at("Observation"), 1) << id;
    EXPECT_GE(types.at("Condition"), 1) << id;
    // The custodian reads a decoy as any patient (he planted them), audited as usual.
    auto everything = gate().everything(custodian(), id, 100, 0);
    ASSERT_TRUE(everything) << everything.error().message;
    EXPECT_GE(everything->matches.size(), 3U);
    EXPECT_EQ(world_.last_entry().targets.at(0).id, id);
  }
  // A second plant adds to the set.
  const std::vector<std::string> more = plant(2);
  listed = gate().honey_list(custodian());
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(listed->size(), 5U);
  for (const std::string& id : more) {
    EXPECT_TRUE(std::binary_search(listed->begin(), listed->end(), id)) << id;
  }
}

TEST_F(GateHoneyTest, DecoysNameThePracticesOwnCareProviders) {
  import_demo(4);
  auto before = gate().count_by_type(custodian());
  ASSERT_TRUE(before) << before.error().message;
  plant(4);
  auto after = gate().count_by_type(custodian());
  ASSERT_TRUE(after) << after.error().message;
  // No Practitioner or Organization of their own: one referenced by decoys only would tell them.
  EXPECT_EQ(after->at("Practitioner"), before->at("Practitioner"));
  EXPECT_EQ(after->at("Organization"), before->at("Organization"));
  EXPECT_EQ(after->at("Patient"), before->at("Patient") + 4);
}

TEST_F(GateHoneyTest, AVaultWithoutCareProvidersGetsTheGeneratorsOwn) {
  const std::vector<std::string> decoys = plant(2);
  ASSERT_EQ(decoys.size(), 2U);
  auto counts = gate().count_by_type(custodian());
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_GT(counts->at("Practitioner"), 0);
  EXPECT_GT(counts->at("Organization"), 0);
}

TEST_F(GateHoneyTest, TheRawFilesHoldNothingThatTellsADecoy) {
  const std::string keys_before = system_key_names();
  import_demo(40);
  const std::vector<std::string> decoys = plant(5);
  ASSERT_EQ(decoys.size(), 5U);

  // The keyring holds the same named entries as before (the sealed set exists from creation)
  // and no decoy id in clear.
  EXPECT_EQ(system_key_names(), keys_before);
  const std::string keyring = testing::read_file(world_.vault_dir() / "keyring.db");
  for (const std::string& id : decoys) {
    EXPECT_EQ(keyring.find(id), std::string::npos) << id;
  }

  // The data file: a decoy's rows have the shape of a real demo patient's (the same types in
  // its compartment, the same search parameters, a sealed Patient of a demo patient's size),
  // and no word anywhere says honey or decoy.
  int64_t smallest = std::numeric_limits<int64_t>::max();
  int64_t largest = 0;
  std::set<std::string> real_params;
  std::set<std::string> real_types;
  for (const std::string& id : real_) {
    smallest = std::min(smallest, sealed_size(id));
    largest = std::max(largest, sealed_size(id));
    const std::set<std::string> params = indexed_params(id);
    real_params.insert(params.begin(), params.end());
    for (const auto& [type, count] : types_in(id)) {
      real_types.insert(type);
    }
  }
  for (const std::string& id : decoys) {
    const int64_t size = sealed_size(id);
    EXPECT_GE(size, smallest * 9 / 10) << id;
    EXPECT_LE(size, largest * 11 / 10) << id;
    const std::set<std::string> params = indexed_params(id);
    EXPECT_FALSE(params.empty());
    EXPECT_TRUE(std::includes(real_params.begin(), real_params.end(), params.begin(), params.end()))
        << id;
    for (const auto& [type, count] : types_in(id)) {
      EXPECT_TRUE(real_types.contains(type)) << type;
    }
  }
  std::string contents = testing::vault_contents(world_.vault_dir());
  for (const char* file : {"vault.db", "vault.db-wal"}) {
    contents += testing::read_file(world_.vault_dir() / file);
  }
  for (const char* word : {"honey", "Honey", "decoy", "Decoy", "leurre", "Leurre"}) {
    EXPECT_EQ(contents.find(word), std::string::npos) << word;
  }
}

TEST_F(GateHoneyTest, OnlyTheCustodianPlantsAndListsAndBothAreAudited) {
  const gate::Principal doctor =
      world_.person("dr.martin", access::Role::kPractitioner, "10000000001");
  const gate::Principal admin = world_.person("admin.claire", access::Role::kAdmin);
  for (const gate::Principal* principal : {&doctor, &admin}) {
    auto planted = gate().plant_honey(*principal, 1);
    ASSERT_FALSE(planted);
    EXPECT_EQ(planted.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(world_.last_entry().outcome, audit::Outcome::kDenied);
    auto listed = gate().honey_list(*principal);
    ASSERT_FALSE(listed);
    EXPECT_EQ(listed.error().code, ErrorCode::kPermissionDenied);
    const audit::Entry denied = world_.last_entry();
    EXPECT_EQ(denied.action, audit::kActionAuditRead);
    EXPECT_EQ(denied.outcome, audit::Outcome::kDenied);
  }
  auto listed = gate().honey_list(custodian());
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_TRUE(listed->empty());

  const std::vector<std::string> decoys = plant(2);
  // The plant is recorded as the import it is, by the custodian; the list names no patient.
  bool imported = false;
  for (const audit::Entry& entry : world_.entries()) {
    if (entry.action == audit::kActionImport && entry.outcome == audit::Outcome::kSuccess) {
      imported = true;
    }
  }
  EXPECT_TRUE(imported);
  listed = gate().honey_list(custodian());
  ASSERT_TRUE(listed) << listed.error().message;
  const audit::Entry list_entry = world_.last_entry();
  EXPECT_EQ(list_entry.action, audit::kActionAuditRead);
  EXPECT_EQ(list_entry.outcome, audit::Outcome::kSuccess);
  EXPECT_TRUE(list_entry.targets.empty());
  EXPECT_EQ(decoys.size(), 2U);
}

TEST_F(GateHoneyTest, ACountOutOfBoundsIsRefused) {
  for (const size_t count : {size_t{0}, gate::Gate::kMaxHoneyPlant + 1}) {
    auto planted = gate().plant_honey(custodian(), count);
    ASSERT_FALSE(planted);
    EXPECT_EQ(planted.error().code, ErrorCode::kUsage);
  }
}

// Jobs that walk every patient skip decoys (docs/architecture.md 12.2): retention does not
// examine them, a migration package and a Bulk Data export leave them out.
class GateHoneySkipTest : public GateHoneyTest {
 protected:
  void SetUp() override {
    real_.push_back(world_.make_patient("Lefebvre").id);
    world_.make_observation(real_[0]);
    decoys_ = plant(2);
    ASSERT_EQ(decoys_.size(), 2U);
  }

  // No target of the last entry lies in a decoy's compartment.
  void expect_no_decoy_in_last_entry() {
    const audit::Entry entry = world_.last_entry();
    EXPECT_FALSE(entry.targets.empty());
    for (const audit::Target& target : entry.targets) {
      for (const std::string& decoy : decoys_) {
        EXPECT_NE(target.compartment, decoy) << target.type << "/" << target.id;
        EXPECT_NE(target.id, decoy);
      }
    }
  }

  std::vector<std::string> decoys_;
};

TEST_F(GateHoneySkipTest, RetentionDoesNotExamineDecoys) {
  const config::RetentionConfig rules;
  // A century later every patient is due under any rule: a decoy examined would be listed.
  world_.clock().advance_ms(int64_t{100} * 366 * 24 * 60 * 60 * 1000);
  auto report = gate().apply_retention(custodian(), rules, /*dry_run=*/true);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->patients_examined, 1U);
  ASSERT_EQ(report->due.size(), 1U);
  EXPECT_EQ(report->due[0].patient_id, real_[0]);
}

TEST_F(GateHoneySkipTest, AMigrationPackageOfAllPatientsLeavesDecoysOut) {
  lifecycle::ExportRequest request;
  request.purpose = "migration vers le nouveau logiciel";
  request.types = {"Patient", "Observation"};
  request.all_patients = true;
  request.recipient = crypto::generate_box_key_pair().public_key;
  request.expires_ms = world_.clock().now_ms() + 24LL * 60 * 60 * 1000;
  request.out = world_.vault_dir().parent_path() / "migration.vpkg";
  auto job = gate().create_export(custodian(), request, /*approval_threshold=*/100);
  ASSERT_TRUE(job) << job.error().message;
  EXPECT_EQ(job->patient_count, 1);
  expect_no_decoy_in_last_entry();
}

TEST_F(GateHoneySkipTest, ABulkExportLeavesDecoysOutAndDoesNotTrip) {
  auto jobs = lifecycle::ExportJobs::open(
      lifecycle::ExportSettings{.dir = world_.vault_dir() / "exports"}, world_.clock());
  ASSERT_TRUE(jobs) << jobs.error().message;
  const gate::Principal lab = world_.service("labo.export", "system/*.rs");
  const gate::Gate::ExportScope scope;
  std::promise<Result<std::string>> admitted;
  ASSERT_TRUE(gate().admit_export(
      lab, scope, [&](Result<std::string> owner) { admitted.set_value(std::move(owner)); }));
  auto owner = admitted.get_future().get();
  ASSERT_TRUE(owner) << owner.error().message;
  auto job = (*jobs)->reserve(*owner, "https://localhost/fhir/$export", {});
  ASSERT_TRUE(job);
  auto files = (*jobs)->start(*job);
  ASSERT_TRUE(files);
  auto written = gate().run_export(lab, scope, *files);
  ASSERT_TRUE(written) << written.error().message;
  (*jobs)->finish(*job, files->finish());
  expect_no_decoy_in_last_entry();
  auto shown = gate().show_account(custodian(), "labo.export");
  ASSERT_TRUE(shown) << shown.error().message;
  EXPECT_EQ(shown->status, auth::AccountStatus::kActive);
}

}  // namespace
}  // namespace vigie
