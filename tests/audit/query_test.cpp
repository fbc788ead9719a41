#include "audit/query.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include "audit/sample_entries.hpp"

namespace vigie::audit {
namespace {

constexpr int64_t k20240305 = 1'709'596'800'000;  // 2024-03-05T00:00:00Z

TEST(ParseTimeTest, Dates) {
  EXPECT_EQ(parse_time("2024-03-05", false).value(), k20240305);
  EXPECT_EQ(parse_time("2024-03-05", true).value(), k20240305 + 86'400'000);
  EXPECT_EQ(parse_time("1970-01-01", false).value(), 0);
  EXPECT_EQ(parse_time("2024-02-29", false).value(), k20240305 - int64_t{5} * 86'400'000);
  EXPECT_EQ(parse_time("2023-12-31", true).value(), parse_time("2024-01-01", false).value());
}

TEST(ParseTimeTest, Rfc3339) {
  EXPECT_EQ(parse_time("2024-03-05T10:15:30Z", false).value(), k20240305 + 36'930'000);
  EXPECT_EQ(parse_time("2024-03-05t10:15:30z", false).value(), k20240305 + 36'930'000);
  EXPECT_EQ(parse_time("2024-03-05T11:15:30+01:00", false).value(), k20240305 + 36'930'000);
  EXPECT_EQ(parse_time("2024-03-05T05:45:30-04:30", false).value(), k20240305 + 36'930'000);
  EXPECT_EQ(parse_time("2024-03-05T10:15:30.25Z", false).value(), k20240305 + 36'930'250);
  EXPECT_EQ(parse_time("2024-03-05T10:15:30.123456789Z", false).value(), k20240305 + 36'930'123);
  EXPECT_EQ(parse_time("2024-03-05T00:30:00+01:00", false).value(), k20240305 - 1'800'000);
  // end_of_day only concerns plain dates.
  EXPECT_EQ(parse_time("2024-03-05T10:15:30Z", true).value(), k20240305 + 36'930'000);
}

TEST(ParseTimeTest, AnythingElseIsAUsageError) {
  for (const char* text : {"",
                           "2024",
                           "2024-03",
                           "2024-3-05",
                           "2024-03-5",
                           "2024/03/05",
                           "2024-02-30",
                           "2023-02-29",
                           "2024-13-01",
                           "2024-00-10",
                           "2024-03-05 10:15:30Z",
                           "2024-03-05T10:15:30",
                           "2024-03-05T10:15Z",
                           "2024-03-05T24:00:00Z",
                           "2024-03-05T10:60:00Z",
                           "2024-03-05T10:15:60Z",
                           "2024-03-05T10:15:30.Z",
                           "2024-03-05T10:15:30.1234567890Z",
                           "2024-03-05T10:15:30+0100",
                           "2024-03-05T10:15:30+24:00",
                           "2024-03-05T10:15:30+01:60",
                           "2024-03-05T10:15:30ZZ",
                           "2024-03-05T10:15:30Z ",
                           " 2024-03-05",
                           "2024-03-05x",
                           "yesterday",
                           "1709596800000",
                           "２０２４-03-05"}) {
    Result<int64_t> parsed = parse_time(text, false);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUsage);
  }
}

TEST(FormatTimeTest, Rfc3339WithMilliseconds) {
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_time(k20240305 + 36'930'250), "2024-03-05T10:15:30.250Z");
  EXPECT_EQ(format_time(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(parse_time(format_time(k20240305 + 12'345), false).value(), k20240305 + 12'345);
  EXPECT_EQ(format_time(INT64_MAX), std::to_string(INT64_MAX) + "ms");
  EXPECT_EQ(format_time(INT64_MIN), std::to_string(INT64_MIN) + "ms");
}

Entry custodian_entry() {
  Entry entry = testing::sample_entry(1);
  entry.actor = Actor{.kind = ActorKind::kCustodian,
                      .login = "",
                      .os_user = "admin",
                      .session_id = "cli-1",
                      .address = "",
                      .user_agent = "",
                      .auth_method = "passphrase"};
  return entry;
}

TEST(MatchesTest, EachFieldFilters) {
  const Entry entry = testing::sample_entry(10);  // i.martin, s-0, 192.0.2.10, patient p-3
  EXPECT_TRUE(matches(entry, LogFilter{}));
  EXPECT_TRUE(matches(entry, LogFilter{.actor_login = "i.martin"}));
  EXPECT_FALSE(matches(entry, LogFilter{.actor_login = "j.dupont"}));
  EXPECT_TRUE(matches(entry, LogFilter{.session_id = "s-0"}));
  EXPECT_FALSE(matches(entry, LogFilter{.session_id = "s-1"}));
  EXPECT_TRUE(matches(entry, LogFilter{.address = "192.0.2.10"}));
  EXPECT_FALSE(matches(entry, LogFilter{.address = "192.0.2.11"}));
  EXPECT_TRUE(matches(entry, LogFilter{.patient_id = "p-3"}));
  EXPECT_FALSE(matches(entry, LogFilter{.patient_id = "p-4"}));
  EXPECT_TRUE(matches(entry, LogFilter{.action = "read"}));
  EXPECT_FALSE(matches(entry, LogFilter{.action = "search"}));
  EXPECT_TRUE(matches(entry, LogFilter{.since_ms = entry.time_ms}));
  EXPECT_FALSE(matches(entry, LogFilter{.since_ms = entry.time_ms + 1}));
  EXPECT_TRUE(matches(entry, LogFilter{.until_ms = entry.time_ms + 1}));
  EXPECT_FALSE(matches(entry, LogFilter{.until_ms = entry.time_ms}));
  EXPECT_FALSE(matches(entry, LogFilter{.actor_login = "i.martin", .patient_id = "p-4"}));
}

TEST(MatchesTest, CustodianMatchesByOsUserOnly) {
  const Entry entry = custodian_entry();
  EXPECT_TRUE(matches(entry, LogFilter{.actor_login = "admin"}));
  Entry account = testing::sample_entry(1);
  account.actor.os_user = "admin";
  EXPECT_FALSE(matches(account, LogFilter{.actor_login = "admin"}));
}

TEST(RenderTableTest, OneLinePerEntryWithUntrustedTextNeutralised) {
  Entry first = testing::sample_entry(1);
  first.purpose = "care\n2 fake-line\x1B[31m";
  Entry second = custodian_entry();
  second.seq = 2;
  second.action = std::string(kActionSearch);
  second.outcome = Outcome::kDenied;
  second.reason = "permission_denied";
  second.targets.push_back(second.targets.front());
  second.targets.push_back(second.targets.front());
  const std::string table = render_table({first, second});
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 3);
  EXPECT_EQ(table.find('\x1B'), std::string::npos);
  EXPECT_NE(table.find("i.martin@192.0.2.10"), std::string::npos);
  EXPECT_NE(table.find("custodian:admin"), std::string::npos);
  EXPECT_NE(table.find("denied: permission_denied"), std::string::npos);
  EXPECT_NE(table.find("Observation/obs-1/_history/1 (+2)"), std::string::npos);
  EXPECT_NE(table.find("2024-03-05T09:13:21.000Z"), std::string::npos);
}

TEST(EntryJsonTest, HoldsEveryField) {
  Entry entry = testing::sample_entry(3);
  entry.break_glass = true;
  const std::string json = boost::json::serialize(to_json(entry));
  EXPECT_EQ(json,
            R"({"seq":3,"time":"2024-03-05T09:13:23.000Z","actor":{"kind":"account",)"
            R"("login":"i.martin","os_user":"","session_id":"s-0","address":"192.0.2.10",)"
            R"("user_agent":"Mozilla/5.0 (X11; Linux x86_64) Firefox/124.0",)"
            R"("auth_method":"password+totp"},"action":"read","targets":[{"type":"Observation",)"
            R"("id":"obs-3","version":1,"compartment":"p-3"}],"purpose":"care",)"
            R"("break_glass":true,"outcome":"success","reason":"","resources_returned":1,)"
            R"("decrypted_data_left":true,"supervise":false,"awaits_commit":false})");
}

}  // namespace
}  // namespace vigie::audit
