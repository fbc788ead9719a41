#include "watch/bulk_read.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "watch/watch_entries.hpp"

namespace vigie::watch {
namespace {

using testing::kMinute;
using testing::kStart;
using testing::patient_read;
using testing::search_hits;

config::BulkReadConfig small_thresholds() {
  config::BulkReadConfig config;
  config.window_minutes = 60;
  config.per_role = {{"practitioner", 5}, {"assistant", 0}, {"service", 10}};
  config.per_client = {{"lis-connector", 3}};
  return config;
}

TEST(BulkReadDetectorTest, TheReadAboveTheThresholdTripsWithALock) {
  BulkReadDetector detector(small_thresholds());
  for (int patient = 0; patient < 5; ++patient) {
    EXPECT_FALSE(detector.observe(patient_read("dr.a", "p" + std::to_string(patient)),
                                  "practitioner", kStart + patient));
  }
  const auto finding = detector.observe(patient_read("dr.a", "p5"), "practitioner", kStart + 10);
  ASSERT_TRUE(finding);
  EXPECT_EQ(finding->kind, AlertKind::kBulkRead);
  EXPECT_EQ(finding->account, "dr.a");
  EXPECT_TRUE(finding->lock);
  EXPECT_NE(finding->detail.find("more than 5 distinct patients"), std::string::npos)
      << finding->detail;
  EXPECT_EQ(finding->detail.find("p5"), std::string::npos) << "no patient id in the detail";
  // The account's window starts afresh: the custodian's unlock is not undone by the next read.
  EXPECT_FALSE(detector.observe(patient_read("dr.a", "p6"), "practitioner", kStart + 11));
}

TEST(BulkReadDetectorTest, ThePatientsAreDistinctAndPerAccount) {
  BulkReadDetector detector(small_thresholds());
  for (int round = 0; round < 50; ++round) {
    for (int patient = 0; patient < 5; ++patient) {
      EXPECT_FALSE(detector.observe(patient_read("dr.a", "p" + std::to_string(patient)),
                                    "practitioner", kStart + round));
      EXPECT_FALSE(detector.observe(patient_read("dr.b", "q" + std::to_string(patient)),
                                    "practitioner", kStart + round));
    }
  }
}

TEST(BulkReadDetectorTest, SearchHitsCountAsThePatientsTheyReturn) {
  BulkReadDetector detector(small_thresholds());
  EXPECT_FALSE(
      detector.observe(search_hits("dr.a", {"p1", "p2", "p2", "p3"}), "practitioner", kStart));
  EXPECT_FALSE(detector.observe(search_hits("dr.a", {"p4", "p5"}), "practitioner", kStart + 1));
  EXPECT_TRUE(detector.observe(search_hits("dr.a", {"p1", "p6"}), "practitioner", kStart + 2));
}

TEST(BulkReadDetectorTest, OnlyDecryptedDataReturnedToAnAccountCounts) {
  BulkReadDetector detector(small_thresholds());
  for (int patient = 0; patient < 20; ++patient) {
    const std::string id = "p" + std::to_string(patient);
    audit::Entry denied = patient_read("dr.a", id);
    denied.outcome = audit::Outcome::kDenied;
    audit::Entry not_decrypted = patient_read("dr.a", id);
    not_decrypted.decrypted_data_left = false;
    audit::Entry custodian = patient_read("", id);
    custodian.actor.kind = audit::ActorKind::kCustodian;
    audit::Entry service = patient_read("retention", id);
    service.actor.kind = audit::ActorKind::kService;
    audit::Entry exported = patient_read("dr.a", id);
    exported.action = std::string(audit::kActionExport);
    audit::Entry shared = patient_read("dr.a", id);
    shared.targets = {audit::Target{"Organization", id, 1, "*shared"},
                      audit::Target{"Practitioner", id, 1, ""}};
    for (const audit::Entry& entry :
         {denied, not_decrypted, custodian, service, exported, shared}) {
      EXPECT_FALSE(detector.observe(entry, "practitioner", kStart + patient));
    }
  }
  EXPECT_EQ(detector.tracked_accounts(), 1U) << "only the shared-compartment reads were tracked";
}

TEST(BulkReadDetectorTest, TheWindowSlides) {
  BulkReadDetector detector(small_thresholds());
  // Five patients an hour, for a day: a steady worklist never trips.
  for (int hour = 0; hour < 24; ++hour) {
    for (int patient = 0; patient < 5; ++patient) {
      EXPECT_FALSE(detector.observe(
          patient_read("dr.a", "h" + std::to_string(hour) + "p" + std::to_string(patient)),
          "practitioner", kStart + hour * 60 * kMinute + patient))
          << hour;
    }
  }
  // Six within the hour do.
  BulkReadDetector fresh(small_thresholds());
  for (int patient = 0; patient < 5; ++patient) {
    EXPECT_FALSE(fresh.observe(patient_read("dr.a", "p" + std::to_string(patient)), "practitioner",
                               kStart + patient * 10 * kMinute));
  }
  EXPECT_TRUE(fresh.observe(patient_read("dr.a", "p5"), "practitioner", kStart + 59 * kMinute));
}

TEST(BulkReadDetectorTest, ThresholdsArePerRoleAndPerClient) {
  BulkReadDetector detector(small_thresholds());
  EXPECT_EQ(detector.threshold_of("dr.a", "practitioner"), 5);
  EXPECT_EQ(detector.threshold_of("lis-connector", "service"), 3);
  EXPECT_EQ(detector.threshold_of("other-client", "service"), 10);
  EXPECT_EQ(detector.threshold_of("lis-connector", "practitioner"), 5)
      << "a client figure applies to service accounts only";
  EXPECT_EQ(detector.threshold_of("sec", "assistant"), 0);
  EXPECT_EQ(detector.threshold_of("x", "admin"), 0) << "a role absent from the map: no limit";

  for (int patient = 0; patient < 3; ++patient) {
    EXPECT_FALSE(detector.observe(patient_read("lis-connector", "p" + std::to_string(patient)),
                                  "service", kStart));
  }
  const auto client = detector.observe(patient_read("lis-connector", "p3"), "service", kStart);
  ASSERT_TRUE(client);
  EXPECT_EQ(client->account, "lis-connector");
  for (int patient = 0; patient < 1000; ++patient) {
    EXPECT_FALSE(
        detector.observe(patient_read("sec", "p" + std::to_string(patient)), "assistant", kStart));
  }
  EXPECT_EQ(detector.tracked_accounts(), 0U) << "no limit: nothing kept";
}

TEST(BulkReadDetectorTest, ALockCanBeTurnedOffLeavingTheAlert) {
  config::BulkReadConfig config = small_thresholds();
  config.lock = false;
  BulkReadDetector detector(config);
  EXPECT_FALSE(
      detector.observe(search_hits("dr.a", {"1", "2", "3", "4", "5"}), "practitioner", kStart));
  const auto finding = detector.observe(patient_read("dr.a", "6"), "practitioner", kStart);
  ASSERT_TRUE(finding);
  EXPECT_FALSE(finding->lock);
}

TEST(BulkReadDetectorTest, MemoryIsBounded) {
  config::BulkReadConfig config = small_thresholds();
  config.per_role["practitioner"] = 1000;
  BulkReadDetector detector(config);
  // One account's window keeps at most threshold + 1 patients: below it, old ones are pruned.
  for (int patient = 0; patient < 5000; ++patient) {
    EXPECT_FALSE(detector.observe(patient_read("dr.a", "p" + std::to_string(patient)),
                                  "practitioner", kStart + patient * kMinute / 10));
  }
  // Accounts: at most kMaxAccounts, whatever the number seen.
  for (size_t account = 0; account < BulkReadDetector::kMaxAccounts + 100; ++account) {
    static_cast<void>(detector.observe(patient_read("acc" + std::to_string(account), "p"),
                                       "practitioner", kStart + 1000 * kMinute));
  }
  EXPECT_EQ(detector.tracked_accounts(), BulkReadDetector::kMaxAccounts);
}

TEST(BulkReadDetectorTest, ThreadsCrossingTheThresholdTogetherGetOneFinding) {
  config::BulkReadConfig config = small_thresholds();
  config.per_role["practitioner"] = 100;
  BulkReadDetector detector(config);
  std::atomic<int> findings{0};
  std::vector<std::thread> threads;
  for (int thread = 0; thread < 4; ++thread) {
    threads.emplace_back([&, thread] {
      for (int patient = 0; patient < 26; ++patient) {
        if (detector.observe(
                patient_read("dr.a", "t" + std::to_string(thread) + "p" + std::to_string(patient)),
                "practitioner", kStart)) {
          ++findings;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  // 104 distinct patients: the 101st trips, and the window restarts with at most 3 after it.
  EXPECT_EQ(findings.load(), 1);
}

}  // namespace
}  // namespace vigie::watch
