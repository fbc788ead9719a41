#include "watch/detectors.hpp"

#include <gtest/gtest.h>

#include <string>

#include "watch/watch_entries.hpp"

namespace vigie::watch {
namespace {

using testing::failed_login;
using testing::kStart;
using testing::patient_read;

TEST(WatchTest, EveryDetectorIsFedFromTheOneCall) {
  config::WatchConfig config;
  config.bulk_read.per_role["practitioner"] = 2;
  config.login_failures.per_account = 2;
  Watch watch(config);
  EXPECT_TRUE(watch.observe(patient_read("dr.a", "p1"), "practitioner", kStart).empty());
  EXPECT_TRUE(watch.observe(patient_read("dr.a", "p2"), "practitioner", kStart).empty());
  auto bulk = watch.observe(patient_read("dr.a", "p3"), "practitioner", kStart);
  ASSERT_EQ(bulk.size(), 1U);
  EXPECT_EQ(bulk[0].kind, AlertKind::kBulkRead);
  EXPECT_TRUE(bulk[0].lock);

  EXPECT_TRUE(watch.observe(failed_login("dr.b", "192.0.2.9"), "", kStart).empty());
  auto failures = watch.observe(failed_login("dr.b", "192.0.2.9"), "", kStart);
  ASSERT_EQ(failures.size(), 1U);
  EXPECT_EQ(failures[0].kind, AlertKind::kLoginFailures);

  audit::Entry grant = patient_read("dr.c", "p1");
  grant.action = std::string(audit::kActionBreakGlass);
  grant.decrypted_data_left = false;
  auto glass = watch.observe(grant, "practitioner", kStart);
  ASSERT_EQ(glass.size(), 1U);
  EXPECT_EQ(glass[0].kind, AlertKind::kBreakGlass);
}

TEST(WatchTest, SwitchesTurnTheAlertsOff) {
  config::WatchConfig config;
  config.break_glass = false;
  config.exports = false;
  Watch watch(config);
  audit::Entry grant = patient_read("dr.c", "p1");
  grant.action = std::string(audit::kActionBreakGlass);
  EXPECT_TRUE(watch.observe(grant, "practitioner", kStart).empty());
  audit::Entry bulk = patient_read("lis", "p1");
  bulk.action = std::string(audit::kActionExport);
  bulk.purpose = "system export: requested";
  EXPECT_TRUE(watch.observe(bulk, "service", kStart).empty());
}

TEST(WatchTest, CountsAsReturnedDataIsTheBulkReadRule) {
  EXPECT_TRUE(Watch::counts_as_returned_data(patient_read("dr.a", "p1")));
  audit::Entry none = patient_read("dr.a", "p1");
  none.decrypted_data_left = false;
  EXPECT_FALSE(Watch::counts_as_returned_data(none));
}

}  // namespace
}  // namespace vigie::watch
