// Issue 14, deliverable 3: retention erases exactly the patients past their period, each erasure
// audited with the rule that expired.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "access_world.hpp"
#include "audit/entry.hpp"
#include "gate/gate.hpp"
#include "lifecycle/retention.hpp"
#include "support/temp_dir.hpp"
#include "vault/ledger_copy.hpp"

namespace vigie {
namespace {

constexpr int64_t kYearMs = int64_t{366} * 24 * 60 * 60 * 1000;  // more than any calendar year

class GateRetentionTest : public ::testing::Test {
 protected:
  GateRetentionTest() {
    rules_.inactive_years = 5;
    rules_.deceased_years = 10;
  }

  std::string patient(std::string_view json) { return world_.make(json).id; }

  Result<lifecycle::RetentionReport> run(bool dry_run) {
    auto report = world_.gate().apply_retention(world_.custodian(), rules_, dry_run);
    EXPECT_TRUE(world_.gate().await_erasure_cleanup());
    return report;
  }

  static std::vector<std::string> due_ids(const lifecycle::RetentionReport& report) {
    std::vector<std::string> ids;
    for (const lifecycle::DuePatient& due : report.due) {
      ids.push_back(due.patient_id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  bool readable(const std::string& id) {
    return world_.gate().read(world_.custodian(), "Patient", id).has_value();
  }

  std::vector<audit::Entry> entries_of(std::string_view action) const {
    std::vector<audit::Entry> found;
    for (audit::Entry& entry : world_.entries()) {
      if (entry.action == action && !entry.awaits_commit) {
        found.push_back(std::move(entry));
      }
    }
    return found;
  }

  // Erase entries (their intents: the entry an erasure records), by patient.
  std::set<std::string> erased_in_audit() const {
    std::set<std::string> ids;
    for (const audit::Entry& entry : world_.entries()) {
      if (entry.action == audit::kActionErase && entry.outcome == audit::Outcome::kSuccess) {
        ids.insert(entry.targets.at(0).id);
      }
    }
    return ids;
  }

  testing::AccessWorld world_;
  config::RetentionConfig rules_;
};

TEST_F(GateRetentionTest, DryRunListsTheDuePatientsWithoutErasing) {
  const std::string old = patient(R"({"resourceType":"Patient"})");
  world_.clock().advance_ms(21 * kYearMs);
  const std::string recent = patient(R"({"resourceType":"Patient"})");

  auto report = run(/*dry_run=*/true);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->dry_run);
  EXPECT_EQ(report->patients_examined, 2U);
  ASSERT_EQ(due_ids(*report), std::vector<std::string>{old});
  EXPECT_EQ(report->due[0].verdict.rule, "active patient, 20 years after the last update");
  EXPECT_FALSE(report->due[0].erased);
  EXPECT_TRUE(readable(old));
  EXPECT_TRUE(readable(recent));
  EXPECT_TRUE(erased_in_audit().empty());

  const auto reviews = entries_of(audit::kActionRetention);
  ASSERT_EQ(reviews.size(), 1U);
  const audit::Entry& review = reviews[0];
  EXPECT_EQ(review.purpose, "retention (dry run): 2 patient(s) examined, 1 due");
  EXPECT_FALSE(review.decrypted_data_left);
  ASSERT_EQ(review.targets.size(), 1U);
  EXPECT_EQ(review.targets[0].id, old);
  EXPECT_EQ(review.targets[0].compartment, old);
}

TEST_F(GateRetentionTest, RunErasesExactlyTheDuePatientsAndAuditsEachWithItsRule) {
  const std::string active = patient(R"({"resourceType":"Patient","active":true})");
  const std::string inactive = patient(R"({"resourceType":"Patient","active":false})");
  const std::string deceased = patient(R"({"resourceType":"Patient","deceasedBoolean":true})");
  world_.make_observation(active);
  world_.make_observation(deceased);
  const std::string shared = world_.make(R"({"resourceType":"Organization","name":"Labo"})").id;
  world_.clock().advance_ms(11 * kYearMs);

  auto report = run(/*dry_run=*/false);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->patients_examined, 3U);
  std::vector<std::string> expected{inactive, deceased};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(due_ids(*report), expected);
  for (const lifecycle::DuePatient& due : report->due) {
    EXPECT_TRUE(due.erased) << due.patient_id;
  }
  EXPECT_TRUE(readable(active));
  EXPECT_FALSE(readable(inactive));
  EXPECT_FALSE(readable(deceased));
  EXPECT_TRUE(world_.gate().read(world_.custodian(), "Organization", shared));
  EXPECT_EQ(erased_in_audit(), (std::set<std::string>{inactive, deceased}));
  std::set<std::string> purposes;
  for (const audit::Entry& entry : world_.entries()) {
    if (entry.action == audit::kActionErase) {
      purposes.insert(entry.purpose);
    }
  }
  EXPECT_EQ(purposes,
            (std::set<std::string>{"retention: inactive patient, 5 years after the last update",
                                   "retention: deceased patient, 10 years after the last update"}));
  const auto reviews = entries_of(audit::kActionRetention);
  ASSERT_EQ(reviews.size(), 1U);
  EXPECT_EQ(reviews[0].purpose, "retention: 3 patient(s) examined, 2 due");
}

TEST_F(GateRetentionTest, APatientWithARecentUpdateIsKept) {
  const std::string quiet = patient(R"({"resourceType":"Patient"})");
  const std::string followed = patient(R"({"resourceType":"Patient"})");
  world_.clock().advance_ms(19 * kYearMs);
  world_.make_observation(followed);
  world_.clock().advance_ms(2 * kYearMs);

  auto report = run(/*dry_run=*/false);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(due_ids(*report), std::vector<std::string>{quiet});
  EXPECT_TRUE(readable(followed));
  EXPECT_FALSE(readable(quiet));
}

TEST_F(GateRetentionTest, ASecondRunFindsNothingMoreToErase) {
  const std::string old = patient(R"({"resourceType":"Patient"})");
  world_.clock().advance_ms(21 * kYearMs);
  const std::string recent = patient(R"({"resourceType":"Patient"})");
  auto first = run(/*dry_run=*/false);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(due_ids(*first), std::vector<std::string>{old});

  auto second = run(/*dry_run=*/false);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->patients_examined, 1U);
  EXPECT_TRUE(second->due.empty());
  EXPECT_EQ(erased_in_audit(), std::set<std::string>{old});
  EXPECT_TRUE(readable(recent));
  EXPECT_EQ(entries_of(audit::kActionRetention).size(), 2U);
}

TEST_F(GateRetentionTest, TypeRulesAndMinorsKeepTheRecordLonger) {
  rules_.type_years = {{"DiagnosticReport", 30}};
  const std::string with_report = patient(R"({"resourceType":"Patient"})");
  world_.make(R"({"resourceType":"DiagnosticReport","status":"final","code":{"text":"NFS"},)"
              R"("subject":{"reference":"Patient/)" +
              with_report + R"("}})");
  const std::string child = patient(R"({"resourceType":"Patient","birthDate":"2024-01-01"})");
  const std::string adult = patient(R"({"resourceType":"Patient","birthDate":"1980-01-01"})");
  world_.clock().advance_ms(21 * kYearMs);

  auto report = run(/*dry_run=*/false);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(due_ids(*report), std::vector<std::string>{adult});
  EXPECT_TRUE(readable(with_report));
  EXPECT_TRUE(readable(child));
}

TEST_F(GateRetentionTest, UnknownTypesInTheRulesAreRefusedAndNothingIsErased) {
  rules_.type_years = {{"Observaton", 1}};
  const std::string old = patient(R"({"resourceType":"Patient"})");
  world_.clock().advance_ms(21 * kYearMs);
  auto report = run(/*dry_run=*/false);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kUsage);
  const audit::Entry refused = world_.last_entry();
  EXPECT_EQ(refused.action, audit::kActionRetention);
  EXPECT_EQ(refused.outcome, audit::Outcome::kFailed);
  EXPECT_TRUE(readable(old));
}

TEST_F(GateRetentionTest, OnlyTheCustodianAppliesRetention) {
  const std::string old = patient(R"({"resourceType":"Patient"})");
  world_.clock().advance_ms(21 * kYearMs);
  const gate::Principal admin = world_.person("admin.cabinet", access::Role::kAdmin);
  const gate::Principal service = world_.service("labo.bio", "system/*.cruds");
  for (const gate::Principal* principal : {&admin, &service}) {
    auto report = world_.gate().apply_retention(*principal, rules_, false);
    ASSERT_FALSE(report);
    EXPECT_EQ(report.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(world_.last_entry().action, audit::kActionRetention);
    EXPECT_EQ(world_.last_entry().outcome, audit::Outcome::kDenied);
  }
  EXPECT_TRUE(readable(old));
}

TEST_F(GateRetentionTest, EachErasureOfARunIsAppendedToTheLedgerCopy) {
  testing::TempDir outside;
  const std::filesystem::path copy = outside / "erasures.ledger";
  auto kept = world_.gate().keep_ledger_copy(world_.custodian(), copy);
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(*kept, 0);
  const std::string first = patient(R"({"resourceType":"Patient"})");
  const std::string second = patient(R"({"resourceType":"Patient"})");
  world_.clock().advance_ms(21 * kYearMs);
  auto report = run(/*dry_run=*/false);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->due.size(), 2U);
  auto lines = vault::read_ledger_copy(copy);
  ASSERT_TRUE(lines) << lines.error().message;
  EXPECT_EQ(lines->size(), 2U);
  const std::string text = testing::read_file(copy);
  EXPECT_EQ(text.find(first), std::string::npos);
  EXPECT_EQ(text.find(second), std::string::npos);
}

}  // namespace
}  // namespace vigie
