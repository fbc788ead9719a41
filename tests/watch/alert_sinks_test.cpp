#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "watch/alert_sinks.hpp"

namespace vigie::watch {
namespace {

Alert honey_alert() {
  return Alert{.id = 12,
               .time_ms = 1'790'000'000'000,
               .kind = AlertKind::kHoney,
               .account = "intrus",
               .detail = "a read touched a decoy patient; account locked",
               .account_locked = true};
}

TEST(AlertSinksTest, TheDocumentSaysWhatAHumanNeedsAndNothingMore) {
  const boost::json::object document = alert_document(honey_alert());
  EXPECT_EQ(document.at("id"), 12);
  EXPECT_EQ(document.at("time"), "2026-09-21T14:13:20.000Z");
  EXPECT_EQ(document.at("kind"), "honey");
  EXPECT_EQ(document.at("severity"), "critical");
  EXPECT_EQ(document.at("account"), "intrus");
  EXPECT_EQ(document.at("account_locked"), true);
  EXPECT_EQ(document.at("acknowledged"), false);
  EXPECT_FALSE(document.contains("acknowledged_by"));
  EXPECT_EQ(document.size(), 8U);
}

TEST(AlertSinksTest, TheSignatureIsHmacSha256InHex) {
  // RFC 4231, test case 2.
  const std::string key = "Jefe";
  EXPECT_EQ(webhook_signature(std::span(reinterpret_cast<const uint8_t*>(key.data()), key.size()),
                              "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(AlertSinksTest, TheLogSinkWritesOneJsonLinePerAlert) {
  std::vector<std::string> lines;
  auto sink = log_sink([&](std::string_view line) { lines.emplace_back(line); });
  EXPECT_EQ(sink->name(), "log");
  ASSERT_TRUE(sink->deliver(honey_alert()));
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].find('\n'), std::string::npos);
  const std::string prefix = "vigie: alerte / alert ";
  ASSERT_EQ(lines[0].rfind(prefix, 0), 0U) << lines[0];
  EXPECT_EQ(boost::json::parse(lines[0].substr(prefix.size())).at("kind"), "honey");
}

TEST(AlertSinksTest, AWebhookOrAMailServerThatCannotBeReachedIsUnavailable) {
  // Port 1 on loopback: nothing listens there.
  auto webhook = webhook_sink(WebhookSettings{.url = "https://127.0.0.1:1/alerts"});
  auto sent = webhook->deliver(honey_alert());
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(webhook->name(), "webhook");
  auto mail = email_sink(EmailSettings{
      .url = "smtp://127.0.0.1:1", .from = "vigie@example.fr", .to = {"dpo@example.fr"}});
  auto mailed = mail->deliver(honey_alert());
  ASSERT_FALSE(mailed);
  EXPECT_EQ(mailed.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(mail->name(), "email");
}

TEST(AlertSinksTest, AWebhookUrlThatIsNotHttpsIsNeverSent) {
  auto webhook = webhook_sink(WebhookSettings{.url = "http://127.0.0.1:1/alerts"});
  auto sent = webhook->deliver(honey_alert());
  ASSERT_FALSE(sent);
  EXPECT_NE(sent.error().message.find("sending failed"), std::string::npos) << sent.error().message;
}

}  // namespace
}  // namespace vigie::watch
