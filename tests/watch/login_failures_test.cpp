#include "watch/login_failures.hpp"

#include <gtest/gtest.h>

#include <string>

#include "watch/watch_entries.hpp"

namespace vigie::watch {
namespace {

using testing::failed_login;
using testing::kMinute;
using testing::kStart;

config::LoginFailuresConfig burst_config() {
  return {.window_minutes = 15, .per_account = 5, .per_address = 10};
}

TEST(LoginFailureDetectorTest, AnAccountsBurstAlertsWithoutALock) {
  LoginFailureDetector detector(burst_config());
  for (int attempt = 0; attempt < 4; ++attempt) {
    // From a new address each time: only the account's count grows.
    EXPECT_TRUE(detector
                    .observe(failed_login("dr.a", "198.51.100." + std::to_string(attempt)),
                             kStart + attempt * kMinute)
                    .empty());
  }
  const auto findings =
      detector.observe(failed_login("dr.a", "198.51.100.9"), kStart + 5 * kMinute);
  ASSERT_EQ(findings.size(), 1U);
  EXPECT_EQ(findings[0].kind, AlertKind::kLoginFailures);
  EXPECT_EQ(findings[0].account, "dr.a");
  EXPECT_FALSE(findings[0].lock) << "auth/ locks after failures in a row; the detector alerts";
  EXPECT_NE(findings[0].detail.find("5 failed logins of this account within 15 minutes"),
            std::string::npos);
  // The count starts afresh after an alert.
  EXPECT_TRUE(detector.observe(failed_login("dr.a", "198.51.100.9"), kStart + 6 * kMinute).empty());
}

TEST(LoginFailureDetectorTest, FailuresSpreadBeyondTheWindowDoNotAlert) {
  LoginFailureDetector detector(burst_config());
  for (int attempt = 0; attempt < 40; ++attempt) {
    EXPECT_TRUE(
        detector.observe(failed_login("dr.a", "198.51.100.1"), kStart + attempt * 4 * kMinute)
            .empty())
        << attempt;
  }
}

TEST(LoginFailureDetectorTest, OneAddressTryingManyAccountsAlerts) {
  LoginFailureDetector detector(burst_config());
  for (int account = 0; account < 9; ++account) {
    // Unknown accounts leave the login empty in the entry; known ones name it.
    const std::string login = account % 2 == 0 ? "" : "user" + std::to_string(account);
    EXPECT_TRUE(detector.observe(failed_login(login, "203.0.113.7"), kStart + account).empty());
  }
  const auto findings = detector.observe(failed_login("", "203.0.113.7"), kStart + 10);
  ASSERT_EQ(findings.size(), 1U);
  EXPECT_EQ(findings[0].account, "");
  EXPECT_NE(findings[0].detail.find("10 failed logins from address 203.0.113.7"),
            std::string::npos);
}

TEST(LoginFailureDetectorTest, SuccessesAndOtherActionsAreNotFailures) {
  LoginFailureDetector detector(burst_config());
  for (int attempt = 0; attempt < 50; ++attempt) {
    audit::Entry success = failed_login("dr.a", "198.51.100.1");
    success.outcome = audit::Outcome::kSuccess;
    audit::Entry read = failed_login("dr.a", "198.51.100.1");
    read.action = std::string(audit::kActionRead);
    EXPECT_TRUE(detector.observe(success, kStart).empty());
    EXPECT_TRUE(detector.observe(read, kStart).empty());
  }
  EXPECT_EQ(detector.tracked_keys(), 0U);
}

TEST(LoginFailureDetectorTest, ACountOfZeroIsOff) {
  LoginFailureDetector detector({.window_minutes = 15, .per_account = 0, .per_address = 0});
  for (int attempt = 0; attempt < 50; ++attempt) {
    EXPECT_TRUE(detector.observe(failed_login("dr.a", "198.51.100.1"), kStart).empty());
  }
}

TEST(LoginFailureDetectorTest, ManyAddressesKeepMemoryBounded) {
  LoginFailureDetector detector(burst_config());
  for (size_t address = 0; address < LoginFailureDetector::kMaxKeys + 500; ++address) {
    static_cast<void>(
        detector.observe(failed_login("", "2001:db8::" + std::to_string(address)), kStart));
  }
  EXPECT_EQ(detector.tracked_keys(), LoginFailureDetector::kMaxKeys);
}

}  // namespace
}  // namespace vigie::watch
