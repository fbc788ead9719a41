#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"

namespace vigie::config {
namespace {

// `text` is refused with kUsage, French naming `french`, English naming `english`.
void expect_watch_refused(const std::string& text, const std::string& french,
                          const std::string& english) {
  auto parsed = parse(text);
  ASSERT_FALSE(parsed.has_value()) << text;
  EXPECT_EQ(parsed.error().code, ErrorCode::kUsage) << text;
  EXPECT_NE(parsed.error().french.find(french), std::string::npos)
      << text << " -> " << parsed.error().french;
  EXPECT_NE(parsed.error().message.find(english), std::string::npos)
      << text << " -> " << parsed.error().message;
}

TEST(ConfigWatchTest, DefaultsAreTheDocumentedFigures) {
  auto parsed = parse("");
  ASSERT_TRUE(parsed) << parsed.error().message;
  const WatchConfig& watch = parsed->watch;
  EXPECT_EQ(watch.verify_minutes, 60);
  EXPECT_TRUE(watch.break_glass);
  EXPECT_TRUE(watch.exports);
  EXPECT_EQ(watch.bulk_read.window_minutes, 60);
  EXPECT_EQ(watch.bulk_read.per_role.at("practitioner"), 300);
  EXPECT_EQ(watch.bulk_read.per_role.at("assistant"), 300);
  EXPECT_EQ(watch.bulk_read.per_role.at("admin"), 50);
  EXPECT_EQ(watch.bulk_read.per_role.at("dpo"), 100);
  EXPECT_EQ(watch.bulk_read.per_role.at("service"), 2000);
  EXPECT_EQ(watch.bulk_read.per_role.size(), kRoleNames.size());
  EXPECT_TRUE(watch.bulk_read.per_client.empty());
  EXPECT_TRUE(watch.bulk_read.lock);
  EXPECT_EQ(watch.login_failures.window_minutes, 15);
  EXPECT_EQ(watch.login_failures.per_account, 5);
  EXPECT_EQ(watch.login_failures.per_address, 10);
  EXPECT_TRUE(watch.shared_account.enabled);
  EXPECT_FALSE(watch.shared_account.lock);
  EXPECT_EQ(watch.shared_account.window_minutes, 10);
  EXPECT_FALSE(watch.opening_hours.enabled);
  EXPECT_EQ(parse("[watch]\n")->watch, WatchConfig{});
}

TEST(ConfigWatchTest, ReadsEverySetting) {
  auto parsed = parse(R"(
[watch]
verify_minutes = 0
break_glass = false
exports = false
[watch.bulk_read]
window_minutes = 30
practitioner = 12
service = 0
lock = false
[watch.bulk_read.clients]
lis-connector = 20000
"lab.sync_2" = 7
[watch.login_failures]
window_minutes = 5
per_account = 0
per_address = 3
[watch.shared_account]
enabled = false
window_minutes = 2
lock = true
[watch.opening_hours]
enabled = true
days = ["mon", "sun"]
open = "08:30"
close = "24:00"
)");
  ASSERT_TRUE(parsed) << parsed.error().message;
  const WatchConfig& watch = parsed->watch;
  EXPECT_EQ(watch.verify_minutes, 0);
  EXPECT_FALSE(watch.break_glass);
  EXPECT_FALSE(watch.exports);
  EXPECT_EQ(watch.bulk_read.window_minutes, 30);
  EXPECT_EQ(watch.bulk_read.per_role.at("practitioner"), 12);
  EXPECT_EQ(watch.bulk_read.per_role.at("service"), 0);
  EXPECT_EQ(watch.bulk_read.per_role.at("assistant"), 300);
  EXPECT_EQ(watch.bulk_read.per_client.at("lis-connector"), 20000);
  EXPECT_EQ(watch.bulk_read.per_client.at("lab.sync_2"), 7);
  EXPECT_FALSE(watch.bulk_read.lock);
  EXPECT_EQ(watch.login_failures, (LoginFailuresConfig{5, 0, 3}));
  EXPECT_EQ(watch.shared_account, (SharedAccountConfig{false, 2, true}));
  EXPECT_TRUE(watch.opening_hours.enabled);
  EXPECT_EQ(watch.opening_hours.days, 0b1000001);
  EXPECT_EQ(watch.opening_hours.open_minute, 8 * 60 + 30);
  EXPECT_EQ(watch.opening_hours.close_minute, 24 * 60);
}

TEST(ConfigWatchTest, AMisspeltKeyIsRefusedWithItsSection) {
  expect_watch_refused("[watch]\nverify = 5\n", "ligne 2 : clé inconnue « verify » dans [watch]",
                       "line 2: unknown key 'verify' in [watch] (keys: verify_minutes,");
  expect_watch_refused("[watch.bulk_read]\nnurse = 5\n",
                       "clé inconnue « nurse » dans [watch.bulk_read]",
                       "unknown key 'nurse' in [watch.bulk_read] (keys: window_minutes, "
                       "practitioner, assistant, admin, dpo, service, lock");
  expect_watch_refused("[watch.login_failures]\nper_user = 5\n",
                       "clé inconnue « per_user » dans [watch.login_failures]",
                       "unknown key 'per_user' in [watch.login_failures]");
  expect_watch_refused("[watch.shared_account]\nwindow = 5\n",
                       "clé inconnue « window » dans [watch.shared_account]",
                       "unknown key 'window' in [watch.shared_account]");
  expect_watch_refused("[watch.opening_hours]\nopens = \"08:00\"\n",
                       "clé inconnue « opens » dans [watch.opening_hours]",
                       "unknown key 'opens' in [watch.opening_hours]");
  expect_watch_refused("watch = 3\n", "« watch » doit être une section [watch]",
                       "'watch' must be a [watch] section");
  expect_watch_refused("[watch]\nbulk_read = 3\n", "« watch.bulk_read » doit être une section",
                       "'watch.bulk_read' must be a [watch.bulk_read] section");
}

TEST(ConfigWatchTest, BadValuesAreRefusedNamingTheKey) {
  expect_watch_refused("[watch]\nverify_minutes = -1\n",
                       "ligne 2 : [watch] verify_minutes doit être un nombre entier de minutes",
                       "line 2: [watch] verify_minutes must be a whole number of minutes (0: "
                       "never), from 0 to 10080");
  expect_watch_refused("[watch]\nbreak_glass = 1\n", "[watch] break_glass doit valoir true",
                       "[watch] break_glass must be true or false");
  for (const char* value : {"0", "1441", "\"60\"", "1.5"}) {
    expect_watch_refused(std::string("[watch.bulk_read]\nwindow_minutes = ") + value + "\n",
                         "[watch.bulk_read] window_minutes doit être un nombre entier de minutes",
                         "[watch.bulk_read] window_minutes must be a whole number of minutes, "
                         "from 1 to 1440");
  }
  for (const char* value : {"-1", "10000001", "true"}) {
    expect_watch_refused(std::string("[watch.bulk_read]\npractitioner = ") + value + "\n",
                         "[watch.bulk_read] practitioner doit être un nombre entier",
                         "[watch.bulk_read] practitioner must be a whole number (0: no limit), "
                         "from 0 to 10000000");
  }
  expect_watch_refused("[watch.bulk_read.clients]\n\"bad client\" = 5\n",
                       "« bad client » n'est pas un identifiant de client",
                       "'bad client' is not a client login");
  expect_watch_refused("[watch.bulk_read.clients]\nlis = -5\n",
                       "[watch.bulk_read.clients] lis doit être un nombre entier",
                       "[watch.bulk_read.clients] lis must be a whole number");
  expect_watch_refused("[watch.login_failures]\nper_address = \"ten\"\n",
                       "[watch.login_failures] per_address doit être un nombre entier",
                       "[watch.login_failures] per_address must be a whole number");
  expect_watch_refused("[watch.shared_account]\nlock = \"yes\"\n",
                       "[watch.shared_account] lock doit valoir true ou false",
                       "[watch.shared_account] lock must be true or false");
}

TEST(ConfigWatchTest, OpeningHoursAreCheckedDayByDayAndMinuteByMinute) {
  for (const char* days : {"\"mon\"", "[\"monday\"]", "[1]", "[\"Mon\"]"}) {
    expect_watch_refused(std::string("[watch.opening_hours]\ndays = ") + days + "\n",
                         "[watch.opening_hours] days doit être une liste de jours",
                         "[watch.opening_hours] days must be a list of days");
  }
  for (const char* time :
       {"\"8:00\"", "\"08h00\"", "\"24:01\"", "\"25:00\"", "\"08:60\"", "800", "\"0a:00\""}) {
    expect_watch_refused(std::string("[watch.opening_hours]\nopen = ") + time + "\n",
                         "[watch.opening_hours] open doit être une heure \"HH:MM\"",
                         "[watch.opening_hours] open must be a time \"HH:MM\"");
  }
  expect_watch_refused("[watch.opening_hours]\nopen = \"20:00\"\nclose = \"08:00\"\n",
                       "[watch.opening_hours] open doit précéder close",
                       "[watch.opening_hours] open must come before close");
  auto empty_days = parse("[watch.opening_hours]\ndays = []\n");
  ASSERT_TRUE(empty_days) << empty_days.error().message;
  EXPECT_EQ(empty_days->watch.opening_hours.days, 0);
}

}  // namespace
}  // namespace vigie::config
