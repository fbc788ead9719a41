#include <openssl/hmac.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "common/hex.hpp"
#include "gate/access_world.hpp"
#include "gate/alert_delivery.hpp"
#include "http/tls_files.hpp"
#include "http/webhook_receiver.hpp"

// The webhook sink over real HTTPS: an alert raised while its receiver is down is delivered,
// signed, once the receiver is back.

namespace vigie::http {
namespace {

int64_t seconds_since_epoch() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// HMAC-SHA256 by OpenSSL: the receiver's own check, independent of vigie's (libsodium).
std::string openssl_signature(std::string_view secret, std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  return "sha256=" + to_hex(std::span<const uint8_t>(digest, length));
}

TEST(AlertWebhookTest, AnAlertRaisedWhileTheReceiverIsDownIsDeliveredSignedOnceItIsBack) {
  testing::AccessWorld world;
  const TlsFiles tls = default_tls_files(world.vault_dir());
  ASSERT_TRUE(write_localhost_certificate(tls, seconds_since_epoch()));
  const uint16_t port = testing::free_loopback_port();
  constexpr std::string_view kSecret = "secret partagé du webhook";

  std::vector<std::unique_ptr<watch::AlertSink>> sinks;
  sinks.push_back(watch::webhook_sink(
      watch::WebhookSettings{.url = fmt::format("https://localhost:{}/vigie/alerts", port),
                             .secret = crypto::SecretBytes::copy_of(std::span(
                                 reinterpret_cast<const uint8_t*>(kSecret.data()), kSecret.size())),
                             .ca_file = tls.certificate.string()}));
  const gate::DeliveryPolicy policy{.first_retry = std::chrono::seconds(5),
                                    .most_retry = std::chrono::seconds(60)};

  const gate::StoredResource decoy_like = world.make_patient("Leroux");
  auto raised = world.gate().raise_alert(world.custodian(), watch::AlertKind::kHoney, "intrus",
                                         "a read touched a decoy patient; account locked", true);
  ASSERT_TRUE(raised) << raised.error().message;

  // Down: nothing listens on the port. The alert stays, with the reason.
  auto down = gate::deliver_due_alerts(world.gate(), sinks, policy);
  ASSERT_TRUE(down) << down.error().message;
  EXPECT_EQ(down->failed, 1);
  auto listed = world.gate().alerts(world.custodian(), {});
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->size(), 1U);
  ASSERT_EQ(listed->front().deliveries.size(), 1U);
  EXPECT_EQ(listed->front().deliveries[0].delivered_ms, 0);
  EXPECT_NE(listed->front().deliveries[0].last_error.find("webhook: sending failed"),
            std::string::npos)
      << listed->front().deliveries[0].last_error;

  // Up again: once its back-off has passed, the alert arrives.
  testing::WebhookReceiver receiver(tls, port);
  auto early = gate::deliver_due_alerts(world.gate(), sinks, policy);
  ASSERT_TRUE(early) << early.error().message;
  EXPECT_EQ(early->delivered, 0);  // still waiting its 5 s
  world.clock().advance_ms(5'000);
  auto up = gate::deliver_due_alerts(world.gate(), sinks, policy);
  ASSERT_TRUE(up) << up.error().message;
  EXPECT_EQ(up->delivered, 1);

  const std::vector<testing::ReceivedWebhook> received = receiver.received();
  ASSERT_EQ(received.size(), 1U);
  EXPECT_EQ(received[0].target, "/vigie/alerts");
  EXPECT_EQ(received[0].alert_id, std::to_string(*raised));
  EXPECT_EQ(received[0].signature, openssl_signature(kSecret, received[0].body));
  const boost::json::object document = boost::json::parse(received[0].body).as_object();
  EXPECT_EQ(document.at("id"), *raised);
  EXPECT_EQ(document.at("kind"), "honey");
  EXPECT_EQ(document.at("severity"), "critical");
  EXPECT_EQ(document.at("account"), "intrus");
  EXPECT_EQ(received[0].body.find("Leroux"), std::string::npos);
  EXPECT_EQ(received[0].body.find(decoy_like.id), std::string::npos);

  // Delivered once: later rounds send nothing more.
  world.clock().advance_ms(3'600'000);
  auto after = gate::deliver_due_alerts(world.gate(), sinks, policy);
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->delivered + after->failed, 0);
  EXPECT_EQ(receiver.received().size(), 1U);
}

TEST(AlertWebhookTest, AReceiverWhoseCertificateIsNotTrustedGetsNothing) {
  testing::AccessWorld world;
  const TlsFiles tls = default_tls_files(world.vault_dir());
  ASSERT_TRUE(write_localhost_certificate(tls, seconds_since_epoch()));
  testing::WebhookReceiver receiver(tls, 0);
  std::vector<std::unique_ptr<watch::AlertSink>> sinks;
  // No ca_file: the system's authorities, which never signed the vault's own certificate.
  sinks.push_back(watch::webhook_sink(watch::WebhookSettings{
      .url = fmt::format("https://localhost:{}/vigie/alerts", receiver.port())}));
  ASSERT_TRUE(
      world.gate().raise_alert(world.custodian(), watch::AlertKind::kExport, "", "export", false));
  auto round = gate::deliver_due_alerts(world.gate(), sinks, {});
  ASSERT_TRUE(round) << round.error().message;
  EXPECT_EQ(round->failed, 1);
  EXPECT_TRUE(receiver.received().empty());
}

}  // namespace
}  // namespace vigie::http
