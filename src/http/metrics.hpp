#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

// The server's measurements, rendered in Prometheus' text exposition format (version 0.0.4) for
// the /metrics listener (http/metrics_server.hpp). Labels carry route templates, methods, status
// codes and alert kinds only: never a patient id, an account name or a value from a request.

namespace vigie::http {

// What the vault holds at the time of a scrape, read by the caller (Gate::supervision_gauges).
struct MetricsGauges {
  int64_t locked_accounts = 0;
  // Every alert kind with the number of alerts of that kind the vault has stored (ever).
  std::map<std::string, int64_t, std::less<>> alerts_by_kind;
};

// One histogram of durations in seconds, with the buckets below.
struct DurationHistogram {
  // Upper bounds in microseconds: 1 ms to 10 s, as Prometheus' client libraries' defaults.
  static constexpr std::array<int64_t, 12> kBoundsUs = {1'000,   2'500,     5'000,     10'000,
                                                        25'000,  50'000,    100'000,   250'000,
                                                        500'000, 1'000'000, 2'500'000, 10'000'000};
  std::array<uint64_t, kBoundsUs.size()> buckets{};  // not cumulative: one per bound
  uint64_t count = 0;
  int64_t sum_us = 0;

  void observe(int64_t duration_us);
};

// Thread-safe: the server's I/O threads record requests, the audit log's committer records
// commit lags, and the metrics listener renders, concurrently; one mutex guards every member (a
// record is a few map operations, far below a request's own cost). Owned by whoever runs the
// server (`vigie serve`), never a global.
class Metrics {
 public:
  // One answered request: its method ("GET"), the route's template ("/fhir/{type}/{id}", or "-"
  // when none matched), its status and its duration.
  void record_request(std::string_view method, std::string_view route, int status,
                      int64_t duration_us);
  // One call of the audit log: from its queueing to its entries being durable.
  void record_audit_commit(int64_t lag_us);
  // One attempt to deliver an alert to `sink` ("log", "webhook", "email").
  void record_alert_delivery(std::string_view sink, bool delivered);

  // The text exposition of every measurement and of `gauges`.
  [[nodiscard]] std::string render(const MetricsGauges& gauges) const;

 private:
  mutable std::mutex mutex_;  // guards every member below
  std::map<std::tuple<std::string, std::string, int>, uint64_t, std::less<>> requests_;
  std::map<std::string, DurationHistogram, std::less<>> durations_;  // by route
  DurationHistogram audit_commit_;
  std::map<std::pair<std::string, bool>, uint64_t, std::less<>> alert_deliveries_;
};

// The media type of the text exposition.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace vigie::http
