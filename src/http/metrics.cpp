#include "http/metrics.hpp"

#include <fmt/format.h>

namespace vigie::http {

namespace {

// A label value as the text format wants it: backslash, double quote and line feed escaped.
std::string label_value(std::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

std::string seconds(int64_t microseconds) {
  return fmt::format("{}", static_cast<double>(microseconds) / 1e6);
}

// The _bucket, _sum and _count lines of `histogram`; `labels` is empty or ends with a comma.
void render_histogram(std::string& out, std::string_view name, std::string_view labels,
                      const DurationHistogram& histogram) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < DurationHistogram::kBoundsUs.size(); ++i) {
    cumulative += histogram.buckets[i];
    out += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", name, labels,
                       seconds(DurationHistogram::kBoundsUs[i]), cumulative);
  }
  out += fmt::format("{}_bucket{{{}le=\"+Inf\"}} {}\n", name, labels, histogram.count);
  const std::string plain_labels =
      labels.empty() ? std::string() : fmt::format("{{{}}}", labels.substr(0, labels.size() - 1));
  out += fmt::format("{}_sum{} {}\n", name, plain_labels, seconds(histogram.sum_us));
  out += fmt::format("{}_count{} {}\n", name, plain_labels, histogram.count);
}

}  // namespace

void DurationHistogram::observe(int64_t duration_us) {
  const int64_t clamped = duration_us < 0 ? 0 : duration_us;
  for (size_t i = 0; i < kBoundsUs.size(); ++i) {
    if (clamped <= kBoundsUs[i]) {
      ++buckets[i];
      break;
    }
  }
  ++count;
  sum_us += clamped;
}

void Metrics::record_request(std::string_view method, std::string_view route, int status,
                             int64_t duration_us) {
  const std::scoped_lock lock(mutex_);
  auto key = std::make_tuple(std::string(method), std::string(route), status);
  ++requests_[std::move(key)];
  auto found = durations_.find(route);
  if (found == durations_.end()) {
    found = durations_.emplace(std::string(route), DurationHistogram{}).first;
  }
  found->second.observe(duration_us);
}

void Metrics::record_audit_commit(int64_t lag_us) {
  const std::scoped_lock lock(mutex_);
  audit_commit_.observe(lag_us);
}

void Metrics::record_alert_delivery(std::string_view sink, bool delivered) {
  const std::scoped_lock lock(mutex_);
  ++alert_deliveries_[std::make_pair(std::string(sink), delivered)];
}

std::string Metrics::render(const MetricsGauges& gauges) const {
  std::string out;
  const std::scoped_lock lock(mutex_);
  out +=
      "# HELP vigie_http_requests_total HTTP requests answered, by method, route template and "
      "status.\n# TYPE vigie_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    const auto& [method, route, status] = key;
    out += fmt::format("vigie_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                       label_value(method), label_value(route), status, count);
  }
  out +=
      "# HELP vigie_http_request_duration_seconds Time from a request's headers to its "
      "response, by route template.\n# TYPE vigie_http_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : durations_) {
    render_histogram(out, "vigie_http_request_duration_seconds",
                     fmt::format("route=\"{}\",", label_value(route)), histogram);
  }
  out +=
      "# HELP vigie_audit_commit_lag_seconds Time from an audit entry's queueing to its being "
      "durable (group commit).\n# TYPE vigie_audit_commit_lag_seconds histogram\n";
  render_histogram(out, "vigie_audit_commit_lag_seconds", "", audit_commit_);
  out +=
      "# HELP vigie_alerts_total Alerts the vault has stored, by kind.\n"
      "# TYPE vigie_alerts_total counter\n";
  for (const auto& [kind, count] : gauges.alerts_by_kind) {
    out += fmt::format("vigie_alerts_total{{kind=\"{}\"}} {}\n", label_value(kind), count);
  }
  out +=
      "# HELP vigie_alert_deliveries_total Attempts to deliver an alert, by sink and outcome.\n"
      "# TYPE vigie_alert_deliveries_total counter\n";
  for (const auto& [key, count] : alert_deliveries_) {
    out += fmt::format("vigie_alert_deliveries_total{{sink=\"{}\",outcome=\"{}\"}} {}\n",
                       label_value(key.first), key.second ? "delivered" : "failed", count);
  }
  out +=
      "# HELP vigie_accounts_locked Accounts locked now (by a detector or the custodian).\n"
      "# TYPE vigie_accounts_locked gauge\n";
  out += fmt::format("vigie_accounts_locked {}\n", gauges.locked_accounts);
  return out;
}

}  // namespace vigie::http
