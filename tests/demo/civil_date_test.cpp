#include "demo/civil_date.hpp"

#include <gtest/gtest.h>

#include "demo/demo_data.hpp"

namespace vigie::demo {
namespace {

TEST(CivilDateTest, KnownDays) {
  EXPECT_EQ(days_from_civil({1970, 1, 1}), 0);
  EXPECT_EQ(days_from_civil({2000, 3, 1}), 11'017);
  EXPECT_EQ(days_from_civil({1969, 12, 31}), -1);
  EXPECT_EQ(days_from_civil({1900, 3, 1}), -25'508);
}

TEST(CivilDateTest, RoundTripsOverTwoCenturies) {
  for (int64_t day = -40'000; day <= 40'000; ++day) {
    const CivilDate date = civil_from_days(day);
    ASSERT_GE(date.month, 1);
    ASSERT_LE(date.month, 12);
    ASSERT_GE(date.day, 1);
    ASSERT_LE(date.day, days_in_month(date.year, date.month));
    ASSERT_EQ(days_from_civil(date), day);
  }
}

TEST(CivilDateTest, LeapYears) {
  EXPECT_EQ(days_in_month(2024, 2), 29);
  EXPECT_EQ(days_in_month(2023, 2), 28);
  EXPECT_EQ(days_in_month(1900, 2), 28);
  EXPECT_EQ(days_in_month(2000, 2), 29);
  EXPECT_EQ(days_in_month(2023, 4), 30);
  EXPECT_EQ(days_in_month(2023, 12), 31);
}

TEST(CivilDateTest, Formats) {
  EXPECT_EQ(format_date({1931, 2, 7}), "1931-02-07");
  EXPECT_EQ(format_date_time(kDefaultDemoNowMs), "2026-11-01T00:00:00Z");
  EXPECT_EQ(format_date_time(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_date_time(kDefaultDemoNowMs + int64_t{(13 * 3600) + (5 * 60) + 9} * 1000 + 999),
            "2026-11-01T13:05:09Z");
}

}  // namespace
}  // namespace vigie::demo
