#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gate/access_world.hpp"
#include "watch/alert.hpp"

// The alert store behind every detector: raised, locked, listed, acknowledged, all audited.

namespace vigie::testing {
namespace {

using ::testing::HasSubstr;

class GateAlertsTest : public ::testing::Test {
 protected:
  AccessWorld world_;

  [[nodiscard]] std::vector<watch::Alert> alerts(bool open_only = false) {
    auto listed = world_.gate().alerts(world_.custodian(), {.open_only = open_only});
    EXPECT_TRUE(listed) << listed.error().message;
    return listed ? *listed : std::vector<watch::Alert>{};
  }
};

TEST_F(GateAlertsTest, ALockingAlertLocksTheAccountRevokesItsSessionAndIsAudited) {
  const gate::StoredResource patient = world_.make_patient("Martin");
  const gate::Principal alice = world_.person("alice", access::Role::kDpo);
  ASSERT_TRUE(world_.gate().audit_entries(alice, {}));  // the session works before the alert

  auto raised = world_.gate().raise_alert(world_.custodian(), watch::AlertKind::kBulkRead, "alice",
                                          "41 patients in 10 minutes (threshold 40)", true);
  ASSERT_TRUE(raised) << raised.error().message;
  EXPECT_EQ(*raised, 1);

  auto refused = world_.gate().audit_entries(alice, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kAuthenticationFailed);
  auto shown = world_.gate().show_account(world_.custodian(), "alice");
  ASSERT_TRUE(shown) << shown.error().message;
  EXPECT_EQ(shown->status, auth::AccountStatus::kLocked);

  const std::vector<watch::Alert> stored = alerts();
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_EQ(stored[0].kind, watch::AlertKind::kBulkRead);
  EXPECT_EQ(stored[0].account, "alice");
  EXPECT_EQ(stored[0].detail, "41 patients in 10 minutes (threshold 40)");
  EXPECT_TRUE(stored[0].account_locked);
  EXPECT_EQ(stored[0].time_ms, world_.clock().now_ms());
  EXPECT_TRUE(stored[0].acknowledged_by.empty());

  const std::vector<audit::Entry> entries = world_.entries();
  const auto alert = std::find_if(entries.begin(), entries.end(), [](const audit::Entry& entry) {
    return entry.action == audit::kActionAlert;
  });
  ASSERT_NE(alert, entries.end());
  EXPECT_EQ(alert->outcome, audit::Outcome::kSuccess);
  EXPECT_TRUE(alert->supervise);
  EXPECT_THAT(alert->purpose, HasSubstr("bulk-read"));
  EXPECT_THAT(alert->targets, ::testing::Contains(audit::Target{"Account", "alice", 0, ""}));
  EXPECT_THAT(alert->targets, ::testing::Contains(audit::Target{"Alert", "1", 0, ""}));
  const auto lock = std::find_if(alert, entries.end(), [](const audit::Entry& entry) {
    return entry.action == audit::kActionAccountChange && entry.purpose == "lock: alert 1";
  });
  EXPECT_NE(lock, entries.end());
  // No entry of the alert names the patient.
  for (auto it = alert; it != entries.end(); ++it) {
    for (const audit::Target& target : it->targets) {
      EXPECT_NE(target.id, patient.id);
    }
  }
}

TEST_F(GateAlertsTest, AnAlertWithoutLockOrOnAnUnknownLoginIsStoredAndLocksNothing) {
  const gate::Principal bob = world_.person("bob", access::Role::kDpo);
  auto warned = world_.gate().raise_alert(world_.custodian(), watch::AlertKind::kBreakGlass, "bob",
                                          "break-glass opened", false);
  ASSERT_TRUE(warned) << warned.error().message;
  EXPECT_TRUE(world_.gate().audit_entries(bob, {}));

  auto unknown = world_.gate().raise_alert(world_.custodian(), watch::AlertKind::kLoginFailures,
                                           "nobody", "20 failed logins in 1 minute", true);
  ASSERT_TRUE(unknown) << unknown.error().message;
  auto address = world_.gate().raise_alert(world_.custodian(), watch::AlertKind::kLoginFailures, "",
                                           "50 failed logins from one address", true);
  ASSERT_TRUE(address) << address.error().message;

  const std::vector<watch::Alert> stored = alerts();
  ASSERT_EQ(stored.size(), 3U);
  EXPECT_FALSE(stored[0].account_locked);
  EXPECT_FALSE(stored[1].account_locked);
  EXPECT_EQ(stored[1].account, "nobody");
  EXPECT_FALSE(stored[2].account_locked);
  EXPECT_EQ(stored[2].account, "");
}

TEST_F(GateAlertsTest, OnlyTheCustodianRaisesListsAndAcknowledgesAlerts) {
  const gate::Principal auditor = world_.person("carol", access::Role::kDpo);
  auto raised =
      world_.gate().raise_alert(auditor, watch::AlertKind::kHoney, "carol", "decoy read", true);
  ASSERT_FALSE(raised);
  EXPECT_EQ(raised.error().code, ErrorCode::kPermissionDenied);
  ASSERT_TRUE(world_.gate().raise_alert(world_.custodian(), watch::AlertKind::kExport, "",
                                        "export started", false));
  auto listed = world_.gate().alerts(auditor, {});
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code, ErrorCode::kPermissionDenied);
  auto acknowledged = world_.gate().acknowledge_alert(auditor, 1);
  ASSERT_FALSE(acknowledged);
  EXPECT_EQ(acknowledged.error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(alerts()[0].acknowledged_by.empty());
  EXPECT_EQ(world_.last_entry().outcome, audit::Outcome::kSuccess);  // the custodian's listing
}

TEST_F(GateAlertsTest, AcknowledgingKeepsTheFirstAcknowledgementAndRefusesAnUnknownId) {
  ASSERT_TRUE(world_.gate().raise_alert(world_.custodian(), watch::AlertKind::kExport, "",
                                        "export started", false));
  ASSERT_TRUE(world_.gate().raise_alert(world_.custodian(), watch::AlertKind::kSharedAccount, "dan",
                                        "two addresses at once", false));
  const int64_t first_ack_ms = world_.clock().now_ms();
  ASSERT_TRUE(world_.gate().acknowledge_alert(world_.custodian(), 1));
  const std::vector<audit::Entry> entries = world_.entries();
  EXPECT_TRUE(std::any_of(entries.begin(), entries.end(), [](const audit::Entry& entry) {
    return entry.action == audit::kActionAlertAck &&
           entry.targets == std::vector<audit::Target>{{"Alert", "1", 0, ""}};
  }));
  world_.clock().advance_ms(60'000);
  ASSERT_TRUE(world_.gate().acknowledge_alert(world_.custodian(), 1));

  auto unknown = world_.gate().acknowledge_alert(world_.custodian(), 7);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);

  const std::vector<watch::Alert> stored = alerts();
  ASSERT_EQ(stored.size(), 2U);
  EXPECT_EQ(stored[0].acknowledged_by, gate::current_local_user().os_user);
  EXPECT_EQ(stored[0].acknowledged_ms, first_ack_ms);
  const std::vector<watch::Alert> open = alerts(true);
  ASSERT_EQ(open.size(), 1U);
  EXPECT_EQ(open[0].id, 2);
}

TEST_F(GateAlertsTest, AlertsSurviveReopeningTheVault) {
  ASSERT_TRUE(world_.gate().raise_alert(world_.custodian(), watch::AlertKind::kAuditVerification,
                                        "", "the chain breaks at entry 12", false));
  world_.reopen();
  const std::vector<watch::Alert> stored = alerts();
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_EQ(stored[0].kind, watch::AlertKind::kAuditVerification);
  EXPECT_EQ(watch::severity_of(stored[0].kind), watch::Severity::kCritical);
}

}  // namespace
}  // namespace vigie::testing
