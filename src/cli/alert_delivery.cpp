#include "cli/alert_delivery.hpp"

#include <cstdio>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "cli/unlock.hpp"
#include "common/clock.hpp"
#include "config/config.hpp"

namespace vigie::cli {

namespace {

constexpr int64_t kRoundPeriodMs = 1'000;

// The sinks [alerts] names, in a fixed order: log, webhook, email.
Result<std::vector<std::unique_ptr<watch::AlertSink>>> sinks_of(
    const config::AlertsConfig& alerts) {
  std::vector<std::unique_ptr<watch::AlertSink>> sinks;
  if (alerts.log) {
    sinks.push_back(watch::log_sink([](std::string_view line) {
      fmt::print(stderr, "{}\n", line);
      std::fflush(stderr);
    }));
  }
  if (!alerts.webhook_url.empty()) {
    watch::WebhookSettings webhook{.url = alerts.webhook_url, .ca_file = alerts.ca_file};
    if (!alerts.webhook_secret_file.empty()) {
      auto secret = read_secret_file(alerts.webhook_secret_file, "webhook secret file");
      if (!secret) {
        return tl::unexpected(secret.error());
      }
      webhook.secret = std::move(*secret);
    }
    sinks.push_back(watch::webhook_sink(std::move(webhook)));
  }
  if (!alerts.smtp_url.empty()) {
    watch::EmailSettings email{.url = alerts.smtp_url,
                               .from = alerts.smtp_from,
                               .to = alerts.smtp_to,
                               .ca_file = alerts.ca_file};
    if (!alerts.smtp_credentials_file.empty()) {
      auto credentials = read_secret_file(alerts.smtp_credentials_file, "SMTP credentials file");
      if (!credentials) {
        return tl::unexpected(credentials.error());
      }
      email.credentials = std::move(*credentials);
    }
    sinks.push_back(watch::email_sink(std::move(email)));
  }
  return sinks;
}

}  // namespace

Result<std::unique_ptr<AlertDelivery>> AlertDelivery::start(const Options& options,
                                                            gate::Gate& first,
                                                            gate::DeliveryObserver observe) {
  auto config = config::load(options.vault_dir);
  if (!config) {
    return tl::unexpected(config.error());
  }
  auto sinks = sinks_of(config->alerts);
  if (!sinks) {
    return tl::unexpected(sinks.error());
  }
  std::unique_ptr<AlertDelivery> delivery(new AlertDelivery());
  delivery->sinks_ = std::move(*sinks);
  delivery->policy_.first_retry = std::chrono::seconds(config->alerts.retry_first_seconds);
  delivery->policy_.most_retry = std::chrono::seconds(config->alerts.retry_max_seconds);
  delivery->observe_ = std::move(observe);
  auto pool = http::WorkerPool::start(first, 1, 1);
  if (!pool) {
    return tl::unexpected(pool.error());
  }
  delivery->pool_ = std::move(*pool);
  AlertDelivery* self = delivery.get();
  auto round = [self](gate::Gate& gate) {
    auto done = gate::deliver_due_alerts(gate, self->sinks_, self->policy_, self->observe_);
    if (!done) {
      fmt::print(stderr, "vigie: envoi des alertes interrompu / alert delivery stopped: {}\n",
                 name_of(done.error().code));
    }
  };
  const Clock& clock = system_clock();
  delivery->timer_ = std::make_unique<RetentionTimer>(
      clock, lifecycle::RetentionSchedule(clock.now_ms(), kRoundPeriodMs), [self, round] {
        // Refused only when a round already waits (or the pool stops): this one is not needed.
        static_cast<void>(self->pool_->submit(round));
        return true;
      });
  return delivery;
}

void AlertDelivery::stop() {
  if (timer_) {
    timer_->stop();
  }
  if (pool_) {
    pool_->stop();
  }
}

}  // namespace vigie::cli
