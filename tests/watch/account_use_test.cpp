#include "watch/account_use.hpp"

#include <gtest/gtest.h>

#include <string>

#include "watch/watch_entries.hpp"

namespace vigie::watch {
namespace {

using testing::kMinute;
using testing::kStart;
using testing::patient_read;

TEST(BreakGlassFindingTest, AGrantOpenedAlertsWithoutALock) {
  audit::Entry entry = patient_read("dr.a", "p1");
  entry.action = std::string(audit::kActionBreakGlass);
  entry.break_glass = true;
  entry.decrypted_data_left = false;
  entry.purpose = "break-glass grant bg-123";
  const auto finding = break_glass_finding(entry);
  ASSERT_TRUE(finding);
  EXPECT_EQ(finding->kind, AlertKind::kBreakGlass);
  EXPECT_EQ(finding->account, "dr.a");
  EXPECT_FALSE(finding->lock);
  EXPECT_EQ(finding->detail.find("p1"), std::string::npos);

  entry.outcome = audit::Outcome::kDenied;
  EXPECT_FALSE(break_glass_finding(entry)) << "a refused grant is no use";
  // A read through the grant is flagged break_glass, but only the opening alerts.
  audit::Entry read = patient_read("dr.a", "p1");
  read.break_glass = true;
  EXPECT_FALSE(break_glass_finding(read));
}

TEST(NewExportFindingTest, ABulkExportAcceptedOrAPackageCreatedAlerts) {
  audit::Entry bulk = patient_read("lis-connector", "unused");
  bulk.action = std::string(audit::kActionExport);
  bulk.targets.clear();
  bulk.purpose = "system export of Patient, Observation: requested";
  const auto accepted = new_export_finding(bulk);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->kind, AlertKind::kExport);
  EXPECT_EQ(accepted->account, "lis-connector");
  EXPECT_FALSE(accepted->lock);

  audit::Entry package;
  package.actor.kind = audit::ActorKind::kCustodian;
  package.action = std::string(audit::kActionExport);
  package.targets.push_back(audit::Target{"ExportJob", "job-1", 0, ""});
  package.purpose = "migration package job-1: move to the new LIS";
  const auto created = new_export_finding(package);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->account, "") << "the custodian is no account";

  for (const char* purpose :
       {"migration package job-1 approved", "migration package job-1 revoked",
        "deletion certificate of migration package job-1", "bulk export download: job j",
        "system export of Patient: job j", "migration package job-2: other id"}) {
    package.purpose = purpose;
    EXPECT_FALSE(new_export_finding(package)) << purpose;
  }
  bulk.outcome = audit::Outcome::kDenied;
  EXPECT_FALSE(new_export_finding(bulk));
}

TEST(SharedAccountDetectorTest, AMoveIsNotSharingButBackAndForthIs) {
  SharedAccountDetector detector({.enabled = true, .window_minutes = 10, .lock = false});
  EXPECT_FALSE(detector.observe(patient_read("dr.a", "p", "192.0.2.1"), kStart));
  EXPECT_FALSE(detector.observe(patient_read("dr.a", "p", "192.0.2.1"), kStart + kMinute));
  // The nurse leaves the practice: the phone's address from now on.
  EXPECT_FALSE(detector.observe(patient_read("dr.a", "p", "198.51.100.7"), kStart + 2 * kMinute));
  EXPECT_FALSE(detector.observe(patient_read("dr.a", "p", "198.51.100.7"), kStart + 3 * kMinute));
  // And the practice's address again while the phone was in use: two places at once.
  const auto finding =
      detector.observe(patient_read("dr.a", "p", "192.0.2.1"), kStart + 4 * kMinute);
  ASSERT_TRUE(finding);
  EXPECT_EQ(finding->kind, AlertKind::kSharedAccount);
  EXPECT_EQ(finding->account, "dr.a");
  EXPECT_FALSE(finding->lock);
  EXPECT_NE(finding->detail.find("192.0.2.1"), std::string::npos);
  EXPECT_NE(finding->detail.find("198.51.100.7"), std::string::npos);
}

TEST(SharedAccountDetectorTest, ReturningAfterTheWindowIsAnotherMove) {
  SharedAccountDetector detector({.enabled = true, .window_minutes = 10, .lock = true});
  EXPECT_FALSE(detector.observe(patient_read("dr.a", "p", "192.0.2.1"), kStart));
  EXPECT_FALSE(detector.observe(patient_read("dr.a", "p", "198.51.100.7"), kStart + kMinute));
  EXPECT_FALSE(detector.observe(patient_read("dr.a", "p", "192.0.2.1"), kStart + 12 * kMinute))
      << "192.0.2.1 was last used 12 minutes ago: the window is 10";
  // Other accounts, the custodian, refusals and local calls never mix in.
  EXPECT_FALSE(detector.observe(patient_read("dr.b", "p", "198.51.100.7"), kStart + 13 * kMinute));
  audit::Entry denied = patient_read("dr.a", "p", "198.51.100.7");
  denied.outcome = audit::Outcome::kDenied;
  EXPECT_FALSE(detector.observe(denied, kStart + 13 * kMinute));
  EXPECT_FALSE(detector.observe(patient_read("dr.a", "p", ""), kStart + 13 * kMinute));
  const auto finding =
      detector.observe(patient_read("dr.a", "p", "198.51.100.7"), kStart + 13 * kMinute);
  EXPECT_FALSE(finding) << "198.51.100.7 was last used 12 minutes ago: the window is 10";
  const auto shared =
      detector.observe(patient_read("dr.a", "p", "192.0.2.1"), kStart + 14 * kMinute);
  ASSERT_TRUE(shared);
  EXPECT_TRUE(shared->lock);
}

TEST(SharedAccountDetectorTest, OffMeansOffAndMemoryIsBounded) {
  SharedAccountDetector off({.enabled = false, .window_minutes = 10, .lock = false});
  EXPECT_FALSE(off.observe(patient_read("dr.a", "p", "192.0.2.1"), kStart));
  EXPECT_FALSE(off.observe(patient_read("dr.a", "p", "192.0.2.2"), kStart));
  EXPECT_FALSE(off.observe(patient_read("dr.a", "p", "192.0.2.1"), kStart));
  SharedAccountDetector on({.enabled = true, .window_minutes = 10, .lock = false});
  for (size_t account = 0; account < SharedAccountDetector::kMaxAccounts + 10; ++account) {
    static_cast<void>(on.observe(patient_read("a" + std::to_string(account), "p"), kStart));
  }
  EXPECT_EQ(on.tracked_accounts(), SharedAccountDetector::kMaxAccounts);
}

// A fixed local time for the tests: the epoch's day 0 is a Thursday; 1970-01-05 a Monday.
LocalTime utc_time_of(int64_t time_ms) {
  const int64_t minutes = time_ms / kMinute;
  const int64_t days = minutes / (24 * 60);
  return LocalTime{static_cast<int>((days + 3) % 7), minutes % (24 * 60)};
}

constexpr int64_t kMonday = 4LL * 24 * 60 * kMinute;  // 1970-01-05 00:00 UTC
constexpr int64_t kHour = 60 * kMinute;

TEST(OffHoursDetectorTest, OpeningHoursAreDaysAndMinutes) {
  config::OpeningHoursConfig hours{
      .enabled = true, .days = 0b0011111, .open_minute = 7 * 60, .close_minute = 20 * 60};
  OffHoursDetector detector(hours, &utc_time_of);
  EXPECT_FALSE(detector.open_at(kMonday + 6 * kHour + 59 * kMinute));
  EXPECT_TRUE(detector.open_at(kMonday + 7 * kHour));
  EXPECT_TRUE(detector.open_at(kMonday + 19 * kHour + 59 * kMinute));
  EXPECT_FALSE(detector.open_at(kMonday + 20 * kHour));
  EXPECT_TRUE(detector.open_at(kMonday + 4 * 24 * kHour + 12 * kHour)) << "Friday";
  EXPECT_FALSE(detector.open_at(kMonday + 5 * 24 * kHour + 12 * kHour)) << "Saturday";
}

TEST(OffHoursDetectorTest, AccessWhileClosedAlertsOncePerNight) {
  config::OpeningHoursConfig hours{
      .enabled = true, .days = 0b1111111, .open_minute = 7 * 60, .close_minute = 20 * 60};
  OffHoursDetector detector(hours, &utc_time_of);
  EXPECT_FALSE(detector.observe(patient_read("dr.a", "p"), kMonday + 12 * kHour));
  const auto night = detector.observe(patient_read("dr.a", "p"), kMonday + 22 * kHour);
  ASSERT_TRUE(night);
  EXPECT_EQ(night->kind, AlertKind::kOffHours);
  EXPECT_EQ(night->account, "dr.a");
  EXPECT_FALSE(night->lock);
  EXPECT_FALSE(detector.observe(patient_read("dr.a", "p"), kMonday + 23 * kHour));
  EXPECT_FALSE(detector.observe(patient_read("dr.a", "p"), kMonday + 26 * kHour));
  EXPECT_TRUE(detector.observe(patient_read("dr.b", "p"), kMonday + 26 * kHour));
  EXPECT_TRUE(detector.observe(patient_read("dr.a", "p"), kMonday + 46 * kHour)) << "next night";
  audit::Entry login = patient_read("dr.c", "p");
  login.decrypted_data_left = false;
  EXPECT_FALSE(detector.observe(login, kMonday + 22 * kHour)) << "no patient data: no alert";
}

TEST(OffHoursDetectorTest, OffByDefault) {
  OffHoursDetector detector(config::OpeningHoursConfig{}, &utc_time_of);
  EXPECT_FALSE(detector.observe(patient_read("dr.a", "p"), kMonday + 3 * kHour));
}

}  // namespace
}  // namespace vigie::watch
