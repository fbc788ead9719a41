// The gate feeds its detectors (issue 15): each test drives one detector through real gate calls
// and checks the alert the gate stored, and what the call handed out.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gate/access_world.hpp"

namespace vigie {
namespace {

using testing::AccessWorld;

std::vector<watch::Alert> stored_alerts(AccessWorld& world) {
  auto alerts = world.gate().alerts(world.custodian(), {});
  EXPECT_TRUE(alerts) << alerts.error().message;
  return alerts ? *alerts : std::vector<watch::Alert>{};
}

TEST(GateWatchTest, ASearchThatCrossesTheThresholdReturnsNothingAndLocks) {
  AccessWorld world;
  config::WatchConfig watch;
  watch.bulk_read.per_role["practitioner"] = 3;
  world.reopen(watch);
  const gate::Principal doctor = world.person("dr.tous", access::Role::kPractitioner);
  for (int patient = 0; patient < 4; ++patient) {
    const gate::StoredResource stored = world.make_patient("Recherche");
    ASSERT_TRUE(world.gate().assign(world.custodian(), "dr.tous", stored.id));
  }
  auto search = world.gate().search(doctor, "Patient", {{"family", "recherche"}});
  ASSERT_FALSE(search) << "four patients in one page cross a threshold of three";
  EXPECT_EQ(search.error().code, ErrorCode::kAuthenticationFailed);
  const std::vector<audit::Entry> entries = world.entries();
  const auto search_entry =
      std::find_if(entries.rbegin(), entries.rend(),
                   [](const audit::Entry& entry) { return entry.action == audit::kActionSearch; });
  ASSERT_NE(search_entry, entries.rend());
  const audit::Entry& refused = *search_entry;
  EXPECT_EQ(refused.outcome, audit::Outcome::kDenied);
  EXPECT_FALSE(refused.decrypted_data_left);
  EXPECT_EQ(refused.resources_returned, 0);
  EXPECT_EQ(refused.reason, "authentication-failed: bulk-read alert, account locked");

  const std::vector<watch::Alert> alerts = stored_alerts(world);
  ASSERT_EQ(alerts.size(), 1U);
  EXPECT_EQ(alerts[0].kind, watch::AlertKind::kBulkRead);
  EXPECT_EQ(alerts[0].account, "dr.tous");
  EXPECT_TRUE(alerts[0].account_locked);
  auto again = world.gate().read(doctor, "Patient", refused.targets.at(0).id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAuthenticationFailed) << "the account is locked";
}

TEST(GateWatchTest, TheCustodianAndAServiceBelowItsClientFigureAreNotStopped) {
  AccessWorld world;
  config::WatchConfig watch;
  watch.bulk_read.per_role = {{"practitioner", 1}, {"service", 1}};
  watch.bulk_read.per_client = {{"labo.lis", 10}};
  world.reopen(watch);
  const gate::Principal lis = world.service("labo.lis", "system/Patient.rs");
  std::vector<std::string> ids;
  for (int patient = 0; patient < 5; ++patient) {
    ids.push_back(world.make_patient("Service").id);
  }
  for (const std::string& id : ids) {
    EXPECT_TRUE(world.gate().read(world.custodian(), "Patient", id));
    EXPECT_TRUE(world.gate().read(lis, "Patient", id));
  }
  EXPECT_TRUE(stored_alerts(world).empty());
}

TEST(GateWatchTest, ALoginBurstAlertsOnceItsEntriesCommitAndLocksNothing) {
  AccessWorld world;
  config::WatchConfig watch;
  watch.login_failures.per_account = 3;
  watch.login_failures.per_address = 0;
  world.reopen(watch);
  static_cast<void>(world.person("dr.oubli", access::Role::kPractitioner));
  for (int attempt = 0; attempt < 3; ++attempt) {
    EXPECT_EQ(world.sign_in("dr.oubli", "not the password at all", ""), "");
  }
  const std::vector<watch::Alert> alerts = stored_alerts(world);
  ASSERT_EQ(alerts.size(), 1U);
  EXPECT_EQ(alerts[0].kind, watch::AlertKind::kLoginFailures);
  EXPECT_EQ(alerts[0].account, "dr.oubli");
  EXPECT_FALSE(alerts[0].account_locked);
}

TEST(GateWatchTest, ABreakGlassGrantAlertsWithoutALock) {
  AccessWorld world;
  const gate::Principal doctor = world.person("dr.urgence", access::Role::kPractitioner);
  const gate::StoredResource patient = world.make_patient("Urgence");
  ASSERT_TRUE(world.gate().break_glass(doctor, patient.id, "arrêt cardiaque aux urgences"));
  const std::vector<watch::Alert> alerts = stored_alerts(world);
  ASSERT_EQ(alerts.size(), 1U);
  EXPECT_EQ(alerts[0].kind, watch::AlertKind::kBreakGlass);
  EXPECT_EQ(alerts[0].account, "dr.urgence");
  EXPECT_FALSE(alerts[0].account_locked);
  EXPECT_EQ(alerts[0].detail.find(patient.id), std::string::npos);
  EXPECT_EQ(alerts[0].detail.find("cardiaque"), std::string::npos);
  EXPECT_TRUE(world.gate().read(doctor, "Patient", patient.id)) << "the grant works";
}

}  // namespace
}  // namespace vigie
