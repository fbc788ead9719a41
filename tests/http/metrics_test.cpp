#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gate/access_world.hpp"
#include "http/fhir_api.hpp"
#include "http/https_client.hpp"
#include "http/metrics.hpp"
#include "http/metrics_server.hpp"
#include "http/server.hpp"
#include "http/tls_files.hpp"
#include "http/worker_pool.hpp"

namespace vigie::http {
namespace {

using boost::beast::http::verb;

// --- A checker of Prometheus' text exposition format (version 0.0.4), written from the format's
// description: what a scraper would refuse, this refuses.

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Exposition {
  std::vector<Sample> samples;
  std::map<std::string, std::string> types;  // family -> counter, gauge, histogram, ...

  // The value of the sample `name` with exactly `labels`; nullopt when absent.
  [[nodiscard]] std::optional<double> value(
      const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    for (const Sample& sample : samples) {
      if (sample.name == name && sample.labels == labels) {
        return sample.value;
      }
    }
    return std::nullopt;
  }
};

// The family a sample belongs to: histograms' samples carry a suffix.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.ends_with(s)) {
      const std::string base = name.substr(0, name.size() - s.size());
      if (auto found = types.find(base); found != types.end() && found->second == "histogram") {
        return base;
      }
    }
  }
  return name;
}

// The parsed exposition, or the first fault found (line number and reason).
std::variant<Exposition, std::string> parse_exposition(const std::string& text) {
  static const std::regex kName("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex kLabelName("[a-zA-Z_][a-zA-Z0-9_]*");
  static const std::regex kValue(R"([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]Inf|NaN)");
  Exposition exposition;
  std::set<std::string> helped;
  std::set<std::string> sampled_families;
  if (!text.empty() && text.back() != '\n') {
    return std::string("the text does not end with a line feed");
  }
  size_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    const std::string where = "line " + std::to_string(line_number) + ": ";
    if (line.empty()) {
      continue;
    }
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const std::string rest = line.substr(7);
      const size_t space = rest.find(' ');
      const std::string name = rest.substr(0, space);
      if (!std::regex_match(name, kName) || space == std::string::npos) {
        return where + "bad metric name or missing text";
      }
      if (line.starts_with("# HELP ")) {
        if (!helped.insert(name).second) {
          return where + "second HELP for " + name;
        }
        continue;
      }
      const std::string type = rest.substr(space + 1);
      static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                   "untyped"};
      if (!kTypes.contains(type)) {
        return where + "unknown type " + type;
      }
      if (exposition.types.contains(name) || sampled_families.contains(name)) {
        return where + "TYPE of " + name + " repeated or after its samples";
      }
      exposition.types[name] = type;
      continue;
    }
    if (line.starts_with('#')) {
      continue;  // a comment
    }
    Sample sample;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') {
      ++i;
    }
    sample.name = line.substr(0, i);
    if (!std::regex_match(sample.name, kName)) {
      return where + "bad metric name";
    }
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const size_t equals = line.find('=', i);
        if (equals == std::string::npos) {
          return where + "label without '='";
        }
        const std::string label = line.substr(i, equals - i);
        if (!std::regex_match(label, kLabelName) || label.starts_with("__")) {
          return where + "bad label name";
        }
        if (equals + 1 >= line.size() || line[equals + 1] != '"') {
          return where + "label value not quoted";
        }
        std::string value;
        size_t j = equals + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\') {
            if (j + 1 >= line.size()) {
              return where + "escape at the end of the line";
            }
            const char escaped = line[++j];
            if (escaped == 'n') {
              value += '\n';
            } else if (escaped == '\\' || escaped == '"') {
              value += escaped;
            } else {
              return where + "bad escape in a label value";
            }
          } else {
            value += line[j];
          }
        }
        if (j >= line.size()) {
          return where + "unterminated label value";
        }
        if (!sample.labels.emplace(label, value).second) {
          return where + "label repeated";
        }
        i = j + 1;
        if (i < line.size() && line[i] == ',') {
          ++i;
        }
      }
      if (i >= line.size()) {
        return where + "unterminated label set";
      }
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') {
      return where + "no value";
    }
    const std::string rest = line.substr(i + 1);
    const std::string value_text = rest.substr(0, rest.find(' '));
    if (!std::regex_match(value_text, kValue)) {
      return where + "bad value " + value_text;
    }
    sample.value = value_text == "+Inf"   ? INFINITY
                   : value_text == "-Inf" ? -INFINITY
                   : value_text == "NaN"  ? NAN
                                          : std::stod(value_text);
    const std::string family = family_of(sample.name, exposition.types);
    if (!exposition.types.contains(family)) {
      return where + "sample of " + family + " before its TYPE";
    }
    if (exposition.types[family] == "histogram") {
      if (sample.name == family) {
        return where + "histogram sample without _bucket, _sum or _count";
      }
      if (sample.name.ends_with("_bucket") && !sample.labels.contains("le")) {
        return where + "bucket without le";
      }
    }
    if (exposition.types[family] == "counter" && sample.value < 0) {
      return where + "negative counter";
    }
    sampled_families.insert(family);
    exposition.samples.push_back(std::move(sample));
  }
  // Histograms: buckets cumulative per label set, and +Inf equal to _count.
  for (const auto& [family, type] : exposition.types) {
    if (type != "histogram") {
      continue;
    }
    std::map<std::map<std::string, std::string>, double> last;
    for (const Sample& sample : exposition.samples) {
      if (sample.name != family + "_bucket") {
        continue;
      }
      auto labels = sample.labels;
      const std::string le = labels.at("le");
      labels.erase("le");
      if (auto previous = last.find(labels);
          previous != last.end() && sample.value < previous->second) {
        return family + ": buckets not cumulative";
      }
      last[labels] = sample.value;
      if (le == "+Inf" && exposition.value(family + "_count", labels) != sample.value) {
        return family + ": +Inf bucket differs from _count";
      }
    }
  }
  return exposition;
}

Exposition parsed(const std::string& text) {
  auto result = parse_exposition(text);
  if (auto* fault = std::get_if<std::string>(&result)) {
    ADD_FAILURE() << "not the Prometheus text format: " << *fault << "\n" << text;
    return {};
  }
  return std::get<Exposition>(result);
}

TEST(PrometheusCheckerTest, RefusesWhatAScraperWouldRefuse) {
  const char* faulty[] = {
      "a_total 1\n",                            // no TYPE
      "# TYPE a counter\na_total{x=\"1} 1\n",   // unterminated value
      "# TYPE a counter\na{x=\"\\q\"} 1\n",     // bad escape
      "# TYPE a counter\na{1x=\"1\"} 1\n",      // bad label name
      "# TYPE a counter\na one\n",              // bad value
      "# TYPE a counter\na -1\n",               // negative counter
      "# TYPE a gauge\n# TYPE a gauge\na 1\n",  // TYPE twice
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_count 2\n",  // +Inf != count
      "# TYPE a gauge\na 1",                                       // no final line feed
  };
  for (const char* text : faulty) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_exposition(text))) << text;
  }
  EXPECT_TRUE(std::holds_alternative<Exposition>(parse_exposition(
      "# HELP a A.\n# TYPE a counter\na{x=\"q\\\"\\\\\\n\"} 1.5e3\n# TYPE h histogram\n"
      "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n")));
}

TEST(MetricsTest, RendersCountersHistogramsAndGaugesThatParse) {
  Metrics metrics;
  metrics.record_request("GET", "/fhir/{type}/{id}", 200, 800);
  metrics.record_request("GET", "/fhir/{type}/{id}", 200, 30'000);
  metrics.record_request("GET", "/fhir/{type}/{id}", 404, 2'000'000);
  metrics.record_request("GET", "weird\"route\\\n", 400, 20'000'000);
  metrics.record_audit_commit(4'000);
  const Exposition exposition =
      parsed(metrics.render(MetricsGauges{2, {{"honey", 1}, {"bulk-read", 0}}}));
  const std::map<std::string, std::string> read = {{"method", "GET"},
                                                   {"route", "/fhir/{type}/{id}"}};
  auto ok = read;
  ok["status"] = "200";
  EXPECT_EQ(exposition.value("vigie_http_requests_total", ok), 2);
  EXPECT_EQ(exposition.value("vigie_http_requests_total",
                             {{"method", "GET"}, {"route", "weird\"route\\\n"}, {"status", "400"}}),
            1);
  EXPECT_EQ(exposition.value("vigie_http_request_duration_seconds_count",
                             {{"route", "/fhir/{type}/{id}"}}),
            3);
  EXPECT_EQ(exposition.value("vigie_http_request_duration_seconds_bucket",
                             {{"route", "/fhir/{type}/{id}"}, {"le", "0.001"}}),
            1);
  EXPECT_EQ(exposition.value("vigie_http_request_duration_seconds_bucket",
                             {{"route", "/fhir/{type}/{id}"}, {"le", "0.05"}}),
            2);
  EXPECT_EQ(exposition.value("vigie_http_request_duration_seconds_bucket",
                             {{"route", "weird\"route\\\n"}, {"le", "10"}}),
            0);
  EXPECT_EQ(exposition.value("vigie_audit_commit_lag_seconds_count"), 1);
  EXPECT_DOUBLE_EQ(*exposition.value("vigie_audit_commit_lag_seconds_sum"), 0.004);
  EXPECT_EQ(exposition.value("vigie_alerts_total", {{"kind", "honey"}}), 1);
  EXPECT_EQ(exposition.value("vigie_alerts_total", {{"kind", "bulk-read"}}), 0);
  EXPECT_EQ(exposition.value("vigie_accounts_locked"), 2);
  EXPECT_EQ(exposition.types.at("vigie_http_request_duration_seconds"), "histogram");
  EXPECT_EQ(exposition.types.at("vigie_accounts_locked"), "gauge");
}

// --- The listener.

struct PlainReply {
  int status = 0;
  std::string content_type;
  std::string body;
};

// One plain HTTP request on loopback; nullopt when the connection fails.
std::optional<PlainReply> plain_request(uint16_t port, verb method, std::string_view target) {
  namespace bhttp = boost::beast::http;
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  boost::beast::error_code ec;
  stream.expires_after(std::chrono::seconds(10));
  stream.connect({boost::asio::ip::address_v4::loopback(), port}, ec);
  if (ec) {
    return std::nullopt;
  }
  bhttp::request<bhttp::empty_body> request{method, target, 11};
  request.set(bhttp::field::host, "localhost");
  bhttp::write(stream, request, ec);
  if (ec) {
    return std::nullopt;
  }
  boost::beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  bhttp::read(stream, buffer, response, ec);
  if (ec) {
    return std::nullopt;
  }
  return PlainReply{static_cast<int>(response.result_int()),
                    std::string(response[bhttp::field::content_type]), response.body()};
}

int64_t seconds_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A vault served over HTTPS as `vigie serve` does, with its measurements on a loopback listener.
class MetricsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tls_ = default_tls_files(world_.vault_dir());
    ASSERT_TRUE(write_localhost_certificate(tls_, seconds_now()));
    add_fhir_routes(router_, page_links_);
    world_.gate().observe_audit_commits(
        [this](std::chrono::microseconds lag) { metrics_.record_audit_commit(lag.count()); });
    for (auto* pool : {&readers_, &writer_, &sign_in_}) {
      auto started = WorkerPool::start(world_.gate(), 1, 16);
      ASSERT_TRUE(started) << started.error().message;
      *pool = std::move(*started);
    }
    ServerOptions options;
    options.port = 0;
    options.certificate = tls_.certificate;
    options.private_key = tls_.private_key;
    auto server = Server::start(
        options, router_, {*readers_, *writer_, *sign_in_}, [this](const AccessRecord& record) {
          metrics_.record_request(record.method, record.route, record.status, record.duration_us);
        });
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
  }

  void TearDown() override {
    metrics_server_.reset();
    server_.reset();
    readers_.reset();
    writer_.reset();
    sign_in_.reset();
    world_.gate().observe_audit_commits(nullptr);
  }

  // The listener of `vigie serve`: each scrape reads the vault's counts on a reader.
  Result<std::unique_ptr<MetricsServer>> start_metrics(MetricsListenOptions options) {
    options.port = 0;
    return MetricsServer::start(options, [this](MetricsReply reply) {
      const bool queued = readers_->submit([this, reply](gate::Gate& gate) {
        auto gauges = gate.supervision_gauges();
        if (!gauges) {
          reply(tl::unexpected(gauges.error()));
          return;
        }
        reply(metrics_.render(MetricsGauges{gauges->locked_accounts, gauges->alerts_by_kind}));
      });
      if (!queued) {
        reply(fail(ErrorCode::kUnavailable, "occupé", "busy"));
      }
    });
  }

  testing::AccessWorld world_;
  TlsFiles tls_;
  PageLinks page_links_;
  Router router_;
  Metrics metrics_;
  std::unique_ptr<WorkerPool> readers_;
  std::unique_ptr<WorkerPool> writer_;
  std::unique_ptr<WorkerPool> sign_in_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<MetricsServer> metrics_server_;
};

TEST_F(MetricsServerTest, AScrapeOverLoopbackCountsRequestsByRouteWithoutNamesOrIds) {
  const gate::StoredResource patient = world_.make_patient("Dupont-Metrique");
  const gate::Principal lab = world_.service("labo.mesures", "system/Patient.rs");
  world_.person("infirmiere.verrou", access::Role::kPractitioner);
  ASSERT_TRUE(world_.gate().set_account_status(world_.custodian(), "infirmiere.verrou",
                                               auth::AccountStatus::kLocked));
  ASSERT_TRUE(
      world_.gate().raise_alert(world_.custodian(), watch::AlertKind::kHoney, "", "test", false));
  {
    testing::HttpsClient client(server_->port());
    for (int i = 0; i < 2; ++i) {
      auto read = client.send(verb::get, "/fhir/Patient/" + patient.id, lab.bearer());
      ASSERT_TRUE(read);
      ASSERT_EQ(read->status, 200) << read->body;
    }
    auto unauthenticated = client.send(verb::get, "/fhir/Patient/" + patient.id);
    ASSERT_TRUE(unauthenticated);
    EXPECT_EQ(unauthenticated->status, 401);
  }
  auto started = start_metrics({});
  ASSERT_TRUE(started) << started.error().message;
  metrics_server_ = std::move(*started);
  EXPECT_FALSE(metrics_server_->tls());

  auto scrape = plain_request(metrics_server_->port(), verb::get, "/metrics");
  ASSERT_TRUE(scrape);
  ASSERT_EQ(scrape->status, 200) << scrape->body;
  EXPECT_EQ(scrape->content_type, kMetricsContentType);
  const Exposition exposition = parsed(scrape->body);
  EXPECT_EQ(
      exposition.value("vigie_http_requests_total",
                       {{"method", "GET"}, {"route", "/fhir/{type}/{id}"}, {"status", "200"}}),
      2);
  EXPECT_EQ(
      exposition.value("vigie_http_requests_total",
                       {{"method", "GET"}, {"route", "/fhir/{type}/{id}"}, {"status", "401"}}),
      1);
  EXPECT_EQ(exposition.value("vigie_http_request_duration_seconds_count",
                             {{"route", "/fhir/{type}/{id}"}}),
            3);
  // Both reads waited for their audit entries: the group commit's lag was measured.
  EXPECT_GE(exposition.value("vigie_audit_commit_lag_seconds_count").value_or(0), 2);
  EXPECT_EQ(exposition.value("vigie_accounts_locked"), 1);
  EXPECT_EQ(exposition.value("vigie_alerts_total", {{"kind", "honey"}}), 1);
  EXPECT_EQ(exposition.value("vigie_alerts_total", {{"kind", "bulk-read"}}), 0);
  // No patient id, no patient name, no account name anywhere in the text.
  for (const std::string& secret : {patient.id, std::string("Dupont"), std::string("labo.mesures"),
                                    std::string("infirmiere.verrou")}) {
    EXPECT_EQ(scrape->body.find(secret), std::string::npos) << secret;
  }
}

TEST_F(MetricsServerTest, OnlyGetMetricsIsServed) {
  auto started = start_metrics({});
  ASSERT_TRUE(started) << started.error().message;
  metrics_server_ = std::move(*started);
  auto other = plain_request(metrics_server_->port(), verb::get, "/fhir/metadata");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
  auto post = plain_request(metrics_server_->port(), verb::post, "/metrics");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
}

TEST_F(MetricsServerTest, APlainListenerOffLoopbackIsRefusedAtStart) {
  for (const char* address : {"0.0.0.0", "::", "192.0.2.10", "::ffff:127.0.0.1"}) {
    MetricsListenOptions options;
    options.address = address;
    auto refused = start_metrics(options);
    ASSERT_FALSE(refused) << address;
    EXPECT_EQ(refused.error().code, ErrorCode::kUsage);
    EXPECT_NE(refused.error().message.find("TLS"), std::string::npos);
  }
  MetricsListenOptions bad;
  bad.address = "localhost";  // a name, not an address
  EXPECT_FALSE(start_metrics(bad));
  EXPECT_TRUE(is_loopback_address("127.0.0.2"));
  EXPECT_TRUE(is_loopback_address("::1"));
  EXPECT_FALSE(is_loopback_address("10.0.0.1"));
}

TEST_F(MetricsServerTest, WithTheServersCertificateTheListenerSpeaksTlsOnly) {
  MetricsListenOptions options;
  options.tls = tls_;
  auto started = start_metrics(options);
  ASSERT_TRUE(started) << started.error().message;
  metrics_server_ = std::move(*started);
  EXPECT_TRUE(metrics_server_->tls());
  testing::HttpsClient client(metrics_server_->port());
  ASSERT_TRUE(client.handshake_succeeded());
  auto scrape = client.send(verb::get, "/metrics");
  ASSERT_TRUE(scrape);
  EXPECT_EQ(scrape->status, 200);
  parsed(scrape->body);
  // Plain HTTP on the TLS listener gets no exposition.
  auto plain = plain_request(metrics_server_->port(), verb::get, "/metrics");
  EXPECT_FALSE(plain && plain->status == 200);
}

TEST_F(MetricsServerTest, AMissingCertificateIsRefusedAtStart) {
  MetricsListenOptions options;
  options.tls = TlsFiles{world_.vault_dir() / "absent.pem", tls_.private_key};
  auto refused = start_metrics(options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUsage);
}

}  // namespace
}  // namespace vigie::http
