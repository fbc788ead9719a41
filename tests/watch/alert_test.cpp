#include "watch/alert.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace vigie::watch {
namespace {

constexpr AlertKind kEveryKind[] = {
    AlertKind::kBulkRead,      AlertKind::kHoney,
    AlertKind::kLoginFailures, AlertKind::kBreakGlass,
    AlertKind::kExport,        AlertKind::kSharedAccount,
    AlertKind::kOffHours,      AlertKind::kAuditVerification,
};

TEST(AlertTest, EveryKindHasADistinctNameThatParsesBack) {
  std::set<std::string> names;
  for (AlertKind kind : kEveryKind) {
    const std::string_view name = name_of(kind);
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.emplace(name).second) << name;
    EXPECT_EQ(parse_alert_kind(name), kind);
  }
  EXPECT_EQ(name_of(AlertKind::kBulkRead), "bulk-read");
  EXPECT_EQ(name_of(AlertKind::kHoney), "honey");
}

TEST(AlertTest, AnUnknownOrMiscasedNameDoesNotParse) {
  EXPECT_EQ(parse_alert_kind(""), std::nullopt);
  EXPECT_EQ(parse_alert_kind("Honey"), std::nullopt);
  EXPECT_EQ(parse_alert_kind("bulk_read"), std::nullopt);
  EXPECT_EQ(parse_alert_kind("unknown"), std::nullopt);
}

TEST(AlertTest, OnlyHoneyAndAuditVerificationAreCritical) {
  for (AlertKind kind : kEveryKind) {
    const bool critical = kind == AlertKind::kHoney || kind == AlertKind::kAuditVerification;
    EXPECT_EQ(severity_of(kind), critical ? Severity::kCritical : Severity::kWarning)
        << name_of(kind);
  }
  EXPECT_EQ(name_of(Severity::kCritical), "critical");
  EXPECT_EQ(name_of(Severity::kWarning), "warning");
}

}  // namespace
}  // namespace vigie::watch
