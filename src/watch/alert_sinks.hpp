#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"
#include "watch/alert.hpp"

// Where a stored alert goes to reach a human: standard error (journald under systemd), a webhook
// (an HTTPS POST of a JSON document) or e-mail (SMTP), the last two through libcurl. A sink only
// sends; when and how often it is tried (the back-off) and where each delivery stands is kept in
// the vault (gate/alert_delivery.hpp).

namespace vigie::watch {

// The alert as the sinks and `vigie alerts list --json` write it: id, time (UTC, ISO 8601), kind,
// severity, account, detail, account_locked, acknowledged (and by whom, when). No patient data:
// an alert's detail never names a patient.
[[nodiscard]] boost::json::object alert_document(const Alert& alert);

// "sha256=HEX": the HMAC-SHA256 of `body` under `secret`, the value of a webhook's
// X-Vigie-Signature header, which the receiver recomputes with the secret both hold.
[[nodiscard]] std::string webhook_signature(std::span<const uint8_t> secret, std::string_view body);

// The wait before the next attempt after `failures` failed ones (1 or more): `first` doubled at
// each further failure, at most `most`.
[[nodiscard]] std::chrono::milliseconds retry_delay(int64_t failures, std::chrono::seconds first,
                                                    std::chrono::seconds most);

// One destination. deliver() blocks until the destination took the alert or refused it (bounded
// by the sink's own timeouts): it runs on the delivery worker's thread, never on a request's.
class AlertSink {
 public:
  virtual ~AlertSink() = default;
  // "log", "webhook" or "email": the name the vault records each delivery under.
  [[nodiscard]] virtual std::string_view name() const = 0;
  // kUnavailable, with a reason free of secrets (a curl error, an HTTP status), when the
  // destination did not take the alert: the caller tries again later.
  [[nodiscard]] virtual Result<void> deliver(const Alert& alert) = 0;
};

// One line per alert through `write` (the server passes standard error): never fails.
[[nodiscard]] std::unique_ptr<AlertSink> log_sink(std::function<void(std::string_view)> write);

// The limits of one network delivery: a destination that does not answer within them is down.
struct NetworkLimits {
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds total_timeout{15};
};

struct WebhookSettings {
  std::string url = {};             // https:// only; redirects are not followed
  crypto::SecretBytes secret = {};  // empty: no X-Vigie-Signature header
  std::string ca_file = {};         // PEM of the trusted authorities; empty: the system's
  NetworkLimits limits = {};
};
// POSTs alert_document() as application/json; delivered when the receiver answers 2xx.
[[nodiscard]] std::unique_ptr<AlertSink> webhook_sink(WebhookSettings settings);

struct EmailSettings {
  std::string url = {};  // smtps://host[:port], or smtp://host[:port] with STARTTLS required
  std::string from = {};
  std::vector<std::string> to = {};
  crypto::SecretBytes credentials = {};  // "user:password"; empty: no login
  std::string ca_file = {};              // as WebhookSettings::ca_file
  NetworkLimits limits = {};
};
// A plain-text mail (UTF-8), French first, with alert_document() at its end.
[[nodiscard]] std::unique_ptr<AlertSink> email_sink(EmailSettings settings);

}  // namespace vigie::watch
