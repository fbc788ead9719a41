#include "gate/alert_delivery.hpp"

#include <string>

namespace vigie::gate {

Result<DeliveryRound> deliver_due_alerts(Gate& gate,
                                         std::span<const std::unique_ptr<watch::AlertSink>> sinks,
                                         const DeliveryPolicy& policy,
                                         const DeliveryObserver& observe) {
  DeliveryRound round;
  for (const std::unique_ptr<watch::AlertSink>& sink : sinks) {
    auto due = gate.due_alerts(sink->name(), policy.alerts_per_round);
    if (!due) {
      return tl::unexpected(due.error());
    }
    for (const Gate::PendingDelivery& pending : *due) {
      const Result<void> sent = sink->deliver(pending.alert);
      const int64_t attempts = pending.attempts + 1;
      const int64_t now_ms = gate.clock().now_ms();
      store::AlertDeliveryRow row{
          .alert_id = pending.alert.id, .sink = std::string(sink->name()), .attempts = attempts};
      if (sent) {
        row.delivered_ms = now_ms;
      } else {
        row.next_attempt_ms =
            now_ms + watch::retry_delay(attempts, policy.first_retry, policy.most_retry).count();
        row.last_error = sent.error().message;
      }
      if (auto recorded = gate.record_alert_delivery(row); !recorded) {
        return tl::unexpected(recorded.error());
      }
      if (observe) {
        observe(sink->name(), sent.has_value());
      }
      if (!sent) {
        ++round.failed;
        break;
      }
      ++round.delivered;
    }
  }
  return round;
}

}  // namespace vigie::gate
