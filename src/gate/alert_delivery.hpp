#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>

#include "common/error.hpp"
#include "gate/gate.hpp"
#include "watch/alert_sinks.hpp"

// Alert delivery without loss: an alert is stored first (Gate::record_alert), then each sink
// gets it from the vault, as many times as needed. A sink that is down delays its alerts with
// exponential back-off; it never drops one, and it never holds a request (the rounds run on a
// thread of their own in `vigie serve`). Delivery is at least once: a crash between a sink
// taking an alert and the vault recording it sends it again; receivers tell copies apart by the
// alert's id (X-Vigie-Alert, and "id" in the document).

namespace vigie::gate {

struct DeliveryPolicy {
  std::chrono::seconds first_retry{30};  // the wait after a first failure, doubled after each
  std::chrono::seconds most_retry{3'600};
  size_t alerts_per_round = 16;  // per sink
};

struct DeliveryRound {
  int64_t delivered = 0;
  int64_t failed = 0;
};

// Called after each attempt with the sink's name and whether it took the alert (metrics).
using DeliveryObserver = std::function<void(std::string_view sink, bool delivered)>;

// One round: for each sink, the alerts due there (oldest first), each sent and its outcome
// recorded (Gate::record_alert_delivery, audited) before the next. The first failure ends the
// sink's round: it is down, and its other alerts wait for the next round. An error is the
// vault's (an outcome that cannot be recorded); the sinks' own failures are counted, not errors.
[[nodiscard]] Result<DeliveryRound> deliver_due_alerts(
    Gate& gate, std::span<const std::unique_ptr<watch::AlertSink>> sinks,
    const DeliveryPolicy& policy, const DeliveryObserver& observe = {});

}  // namespace vigie::gate
