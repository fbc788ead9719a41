#include <algorithm>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gate/access_world.hpp"
#include "gate/alert_delivery.hpp"

// Alert delivery without loss: a sink that is down delays an alert with back-off, never drops
// it; every attempt is in the vault and in the audit.

namespace vigie::testing {
namespace {

using ::testing::HasSubstr;

// A sink that takes or refuses alerts as the test says, and keeps what it took.
class ScriptedSink final : public watch::AlertSink {
 public:
  explicit ScriptedSink(std::string name) : name_(std::move(name)) {}
  [[nodiscard]] std::string_view name() const override { return name_; }
  Result<void> deliver(const watch::Alert& alert) override {
    ++attempts;
    if (down) {
      return fail(ErrorCode::kUnavailable, "webhook : le destinataire a répondu 503",
                  "webhook: the receiver answered 503");
    }
    taken.push_back(alert);
    return {};
  }

  bool down = false;
  int attempts = 0;
  std::vector<watch::Alert> taken;

 private:
  std::string name_;
};

class GateAlertDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto webhook = std::make_unique<ScriptedSink>("webhook");
    auto log = std::make_unique<ScriptedSink>("log");
    webhook_ = webhook.get();
    log_ = log.get();
    sinks_.push_back(std::move(log));
    sinks_.push_back(std::move(webhook));
    policy_.first_retry = std::chrono::seconds(30);
    policy_.most_retry = std::chrono::seconds(100);
  }

  int64_t raise(std::string_view login) {
    auto raised = world_.gate().raise_alert(world_.custodian(), watch::AlertKind::kHoney, login,
                                            "a read touched a decoy patient", false);
    EXPECT_TRUE(raised) << raised.error().message;
    return raised.value_or(0);
  }

  gate::DeliveryRound round() {
    auto done = gate::deliver_due_alerts(world_.gate(), sinks_, policy_);
    EXPECT_TRUE(done) << done.error().message;
    return done.value_or(gate::DeliveryRound{});
  }

  [[nodiscard]] std::vector<audit::Entry> delivery_entries() const {
    std::vector<audit::Entry> found;
    for (const audit::Entry& entry : world_.entries()) {
      if (entry.action == audit::kActionAlertDelivery) {
        found.push_back(entry);
      }
    }
    return found;
  }

  AccessWorld world_;
  std::vector<std::unique_ptr<watch::AlertSink>> sinks_;
  ScriptedSink* webhook_ = nullptr;
  ScriptedSink* log_ = nullptr;
  gate::DeliveryPolicy policy_;
};

TEST_F(GateAlertDeliveryTest, EachSinkGetsEachAlertOnceAndEveryAttemptIsAudited) {
  const int64_t first = raise("alice");
  const int64_t second = raise("bob");

  const gate::DeliveryRound done = round();
  EXPECT_EQ(done.delivered, 4);
  EXPECT_EQ(done.failed, 0);
  ASSERT_EQ(webhook_->taken.size(), 2U);
  EXPECT_EQ(webhook_->taken[0].id, first);
  EXPECT_EQ(webhook_->taken[0].account, "alice");
  EXPECT_EQ(webhook_->taken[0].kind, watch::AlertKind::kHoney);
  EXPECT_EQ(webhook_->taken[1].id, second);
  EXPECT_EQ(log_->taken.size(), 2U);

  world_.clock().advance_ms(3'600'000);
  const gate::DeliveryRound again = round();
  EXPECT_EQ(again.delivered, 0);  // delivered once, never again
  EXPECT_EQ(webhook_->attempts, 2);

  const std::vector<audit::Entry> entries = delivery_entries();
  ASSERT_EQ(entries.size(), 4U);
  for (const audit::Entry& entry : entries) {
    EXPECT_EQ(entry.actor.kind, audit::ActorKind::kService);
    EXPECT_EQ(entry.outcome, audit::Outcome::kSuccess);
    ASSERT_EQ(entry.targets.size(), 1U);
    EXPECT_EQ(entry.targets[0].type, "Alert");
    EXPECT_THAT(entry.purpose, HasSubstr(": delivered, attempt 1"));
  }
  auto verified = world_.gate().verify_audit(world_.custodian(), std::nullopt);
  ASSERT_TRUE(verified) << verified.error().message;
  EXPECT_FALSE(verified->failure);

  auto listed = world_.gate().alerts(world_.custodian(), {});
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->size(), 2U);
  for (const watch::Alert& alert : *listed) {
    ASSERT_EQ(alert.deliveries.size(), 2U);
    EXPECT_EQ(alert.deliveries[0].sink, "log");
    EXPECT_EQ(alert.deliveries[1].sink, "webhook");
    EXPECT_EQ(alert.deliveries[1].delivered_ms, world_.clock().now_ms() - 3'600'000);
    EXPECT_EQ(alert.deliveries[1].attempts, 1);
  }
}

TEST_F(GateAlertDeliveryTest, ASinkThatIsDownDelaysItsAlertsWithBackOffAndNeverDropsThem) {
  webhook_->down = true;
  const int64_t first = raise("alice");
  raise("bob");

  // The first failure ends the webhook's round: the second alert waits, untried.
  const gate::DeliveryRound down = round();
  EXPECT_EQ(down.failed, 1);
  EXPECT_EQ(down.delivered, 2);  // the log sink is not held by the webhook
  EXPECT_EQ(webhook_->attempts, 1);
  EXPECT_EQ(log_->taken.size(), 2U);

  // The next round tries the untried one; the failed one waits its 30 s.
  world_.clock().advance_ms(1'000);
  EXPECT_EQ(round().failed, 1);
  EXPECT_EQ(webhook_->attempts, 2);
  world_.clock().advance_ms(1'000);
  EXPECT_EQ(round().failed, 0);
  EXPECT_EQ(webhook_->attempts, 2);

  // 30 s after its failure, the first is tried again and fails: then it waits 60 s.
  world_.clock().advance_ms(28'000);
  EXPECT_EQ(round().failed, 1);
  EXPECT_EQ(webhook_->attempts, 3);
  world_.clock().advance_ms(59'000);
  round();
  EXPECT_EQ(webhook_->attempts, 4);  // the second alert's own 30 s had passed
  EXPECT_EQ(round().failed, 0);
  EXPECT_EQ(webhook_->attempts, 4);

  auto listed = world_.gate().alerts(world_.custodian(), {});
  ASSERT_TRUE(listed) << listed.error().message;
  const watch::AlertDelivery& pending = listed->front().deliveries.back();
  EXPECT_EQ(pending.sink, "webhook");
  EXPECT_EQ(pending.attempts, 2);
  EXPECT_EQ(pending.delivered_ms, 0);
  EXPECT_EQ(pending.last_error, "webhook: the receiver answered 503");

  // Back up: both are delivered, oldest first, once each one's wait is over.
  webhook_->down = false;
  world_.clock().advance_ms(100'000);
  const gate::DeliveryRound up = round();
  EXPECT_EQ(up.delivered, 2);
  ASSERT_EQ(webhook_->taken.size(), 2U);
  EXPECT_EQ(webhook_->taken[0].id, first);

  const std::vector<audit::Entry> entries = delivery_entries();
  const auto refused = std::count_if(entries.begin(), entries.end(), [](const audit::Entry& e) {
    return e.purpose.find("webhook: not delivered") != std::string::npos &&
           e.purpose.find("answered 503") != std::string::npos;
  });
  EXPECT_EQ(refused, 4);
}

TEST_F(GateAlertDeliveryTest, TheBackOffDoublesUpToItsMost) {
  using std::chrono::seconds;
  EXPECT_EQ(watch::retry_delay(1, seconds(30), seconds(100)), seconds(30));
  EXPECT_EQ(watch::retry_delay(2, seconds(30), seconds(100)), seconds(60));
  EXPECT_EQ(watch::retry_delay(3, seconds(30), seconds(100)), seconds(100));
  EXPECT_EQ(watch::retry_delay(1'000'000, seconds(30), seconds(3'600)), seconds(3'600));
}

}  // namespace
}  // namespace vigie::testing
