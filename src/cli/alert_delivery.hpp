#pragma once

#include <memory>
#include <vector>

#include "cli/command.hpp"
#include "cli/retention_commands.hpp"
#include "gate/alert_delivery.hpp"
#include "http/worker_pool.hpp"

// The alert delivery of `vigie serve`: the sinks of the vault's [alerts] section, fed from the
// vault's alerts table by a round every second on a thread of its own (its own sibling gate), so
// that a sink that is slow or down holds no request and no other worker.

namespace vigie::cli {

class AlertDelivery {
 public:
  // Reads [alerts] and its secret files (kUsage for a section config::load refuses,
  // kUnlockFailed for a secret file missing or readable by others) and starts the rounds.
  // `first` must outlive the object; `observe` is called after each attempt.
  [[nodiscard]] static Result<std::unique_ptr<AlertDelivery>> start(const Options& options,
                                                                    gate::Gate& first,
                                                                    gate::DeliveryObserver observe);
  ~AlertDelivery() { stop(); }
  AlertDelivery(const AlertDelivery&) = delete;
  AlertDelivery& operator=(const AlertDelivery&) = delete;

  // Ends the rounds: a round in progress finishes (bounded by the sinks' timeouts). Idempotent.
  void stop();

 private:
  AlertDelivery() = default;

  // Read by the pool's thread only, written before it starts.
  std::vector<std::unique_ptr<watch::AlertSink>> sinks_;
  gate::DeliveryPolicy policy_;
  gate::DeliveryObserver observe_;
  std::unique_ptr<http::WorkerPool> pool_;  // one thread; at most one round waits
  std::unique_ptr<RetentionTimer> timer_;   // last: stopped first
};

}  // namespace vigie::cli
