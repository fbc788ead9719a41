#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "fhir/json.hpp"
#include "fhir/search.hpp"
#include "gate/access_world.hpp"
#include "http/auth_api.hpp"
#include "http/fhir_api.hpp"
#include "http/https_client.hpp"
#include "http/server.hpp"
#include "http/tls_files.hpp"
#include "http/webhook_receiver.hpp"
#include "http/worker_pool.hpp"
#include "support/sign_in.hpp"

namespace vigie::http {
namespace {

using boost::beast::http::verb;
using testing::HttpsClient;

int64_t unix_seconds_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A vault with accounts (testing::AccessWorld) served over HTTPS on a free loopback port, with
// small limits so that each can be passed in a test.
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { start(64); }

  void start(size_t queue_capacity, size_t max_connections = 256) {
    server_.reset();
    readers_.reset();
    writer_.reset();
    sign_in_.reset();
    tls_ = default_tls_files(world_.vault_dir());
    if (!std::filesystem::exists(tls_.certificate)) {
      ASSERT_TRUE(write_localhost_certificate(tls_, unix_seconds_now()));
    }
    router_ = Router{};
    add_fhir_routes(router_, page_links_);
    add_auth_routes(router_, sign_in_tickets_);
    auto readers = WorkerPool::start(world_.gate(), 2, queue_capacity);
    ASSERT_TRUE(readers) << readers.error().message;
    readers_ = std::move(*readers);
    auto writer = WorkerPool::start(world_.gate(), 1, queue_capacity);
    ASSERT_TRUE(writer) << writer.error().message;
    writer_ = std::move(*writer);
    auto sign_in = WorkerPool::start(world_.gate(), 1, queue_capacity);
    ASSERT_TRUE(sign_in) << sign_in.error().message;
    sign_in_ = std::move(*sign_in);
    ServerOptions options;
    options.port = 0;
    options.certificate = tls_.certificate;
    options.private_key = tls_.private_key;
    options.limits.body_bytes = 4096;
    options.limits.header_bytes = 2048;
    options.limits.header_timeout = std::chrono::milliseconds(1000);
    options.limits.body_timeout = std::chrono::milliseconds(1000);
    options.limits.max_connections = max_connections;
    options.limits.max_requests_per_connection = 3;
    auto server = Server::start(options, router_, {*readers_, *writer_, *sign_in_},
                                [this](const AccessRecord& record) {
                                  const std::scoped_lock lock(log_mutex_);
                                  access_log_.push_back(access_log_line(record));
                                });
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);
  }

  void TearDown() override {
    server_.reset();
    readers_.reset();
    writer_.reset();
    sign_in_.reset();
  }

  [[nodiscard]] uint16_t port() const { return server_->port(); }

  // One request on a connection of its own (the fixture allows 3 requests per connection).
  std::optional<testing::HttpsReply> once(
      verb method, std::string_view target, std::string_view bearer = {}, std::string body = {},
      std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpsClient client(port());
    return client.send(method, target, bearer, std::move(body), std::move(headers));
  }

  [[nodiscard]] std::vector<std::string> access_log() {
    const std::scoped_lock lock(log_mutex_);
    return access_log_;
  }

  testing::AccessWorld world_;
  TlsFiles tls_;
  PageLinks page_links_;
  SignInTickets sign_in_tickets_;
  Router router_;
  std::unique_ptr<WorkerPool> readers_;
  std::unique_ptr<WorkerPool> writer_;
  std::unique_ptr<WorkerPool> sign_in_;
  std::unique_ptr<Server> server_;
  std::mutex log_mutex_;  // guards access_log_, written by the server's I/O thread
  std::vector<std::string> access_log_;
};

verb verb_of(Method method) {
  switch (method) {
    case Method::kPost:
      return verb::post;
    case Method::kPut:
      return verb::put;
    case Method::kPatch:
      return verb::patch;
    case Method::kDelete:
      return verb::delete_;
    case Method::kHead:
      return verb::head;
    default:
      return verb::get;
  }
}

TEST_F(ServerTest, EveryRouteThatIsNotPublicAnswers401WithoutCredentialsBeforeAnyVaultWork) {
  const size_t entries_before = world_.entries().size();
  size_t checked = 0;
  std::set<std::string> walked;
  for (const Route& route : router_.routes()) {
    if (route.access != Access::kAuthenticated) {
      continue;
    }
    walked.insert(route.pattern);
    for (const char* authorization : {"", "Basic YTpi", "Bearer", "Bearer a b"}) {
      HttpsClient client(port());
      std::vector<std::pair<std::string, std::string>> headers;
      if (*authorization != '\0') {
        headers.emplace_back("Authorization", authorization);
      }
      auto reply = client.send(verb_of(route.method), example_path(route.pattern, "Patient"), {},
                               {}, headers);
      ASSERT_TRUE(reply) << route.pattern;
      EXPECT_EQ(reply->status, 401) << route.pattern << " with '" << authorization << "'";
      EXPECT_EQ(reply->header("WWW-Authenticate"), "Bearer realm=\"vigie\"");
      EXPECT_EQ(boost::json::parse(reply->body).at("resourceType"), "OperationOutcome");
      ++checked;
    }
  }
  EXPECT_GE(checked, 16U);
  for (const char* pattern : {"/fhir/{type}/_history", "/fhir/Patient/{id}/$everything"}) {
    EXPECT_TRUE(walked.contains(pattern)) << pattern;
  }
  EXPECT_EQ(world_.entries().size(), entries_before);
}

TEST_F(ServerTest, PublicRoutesAnswerWithoutCredentialsOverTlsWithHsts) {
  HttpsClient client(port());
  auto health = client.send(verb::get, "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->header("Strict-Transport-Security"), "max-age=31536000");
  EXPECT_EQ(health->header("Cache-Control"), "no-store");
  auto metadata = client.send(verb::get, "/fhir/metadata");
  ASSERT_TRUE(metadata);
  EXPECT_EQ(metadata->status, 200);
  EXPECT_EQ(metadata->header("Content-Type"), "application/fhir+json");
  EXPECT_EQ(boost::json::parse(metadata->body).at("resourceType"), "CapabilityStatement");
}

TEST_F(ServerTest, AServiceTokenReadsAndSearchesAndEveryReadIsAudited) {
  const gate::StoredResource patient = world_.make_patient("Lefebvre");
  const gate::Principal lab = world_.service("labo.bio", "system/Patient.rs");
  HttpsClient client(port());

  auto read = client.send(verb::get, "/fhir/Patient/" + patient.id, lab.bearer());
  ASSERT_TRUE(read);
  ASSERT_EQ(read->status, 200) << read->body;
  EXPECT_EQ(read->header("ETag"), "W/\"1\"");
  const boost::json::object resource = boost::json::parse(read->body).as_object();
  EXPECT_EQ(resource.at("id").as_string(), patient.id);
  const audit::Entry entry = world_.last_entry();
  EXPECT_EQ(entry.action, "read");
  EXPECT_EQ(entry.actor.login, "labo.bio");
  EXPECT_EQ(entry.actor.address, "127.0.0.1");
  EXPECT_TRUE(entry.decrypted_data_left);

  auto search = client.send(verb::get, "/fhir/Patient?family=lefeb", lab.bearer());
  ASSERT_TRUE(search);
  ASSERT_EQ(search->status, 200) << search->body;
  const boost::json::object bundle = boost::json::parse(search->body).as_object();
  EXPECT_EQ(bundle.at("type"), "searchset");
  EXPECT_EQ(bundle.at("total"), 1);

  auto version =
      client.send(verb::get, "/fhir/Patient/" + patient.id + "/_history/1", lab.bearer());
  ASSERT_TRUE(version);
  EXPECT_EQ(version->status, 200);
  // The read sends the stored text as it is; the vread renders the parsed resource: same bytes.
  EXPECT_EQ(read->body, version->body);
  EXPECT_EQ(read->header("Content-Type"), version->header("Content-Type"));
  EXPECT_TRUE(read->header("Content-Type").starts_with("application/fhir+json"));

  for (const std::string& line : access_log()) {
    EXPECT_EQ(line.find(patient.id), std::string::npos) << line;
    EXPECT_EQ(line.find("lefeb"), std::string::npos) << line;
    EXPECT_EQ(line.find(lab.bearer()), std::string::npos) << line;
  }
  const std::vector<std::string> lines = access_log();
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_NE(lines[0].find(R"("route":"/fhir/{type}/{id}")"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(R"("status":200)"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(R"("principal":"tok-)"), std::string::npos) << lines[0];
}

// Issue 15: a practitioner's script looping over patient reads through the HTTPS API is stopped
// at the bulk-read threshold. The read that crosses it returns nothing, as if the account were
// locked already; the account is locked and every later request refused; the alert is stored
// and the audit log holds the reads, the refusals and the alert that locked the account.
TEST_F(ServerTest, AScriptedExfiltrationIsStoppedAtTheBulkReadThreshold) {
  TearDown();
  config::WatchConfig watch;
  watch.bulk_read.per_role["practitioner"] = 5;
  world_.reopen(watch);
  start(64);
  const gate::Principal nurse = world_.person("infirmiere", access::Role::kPractitioner);
  std::vector<std::string> patients;
  for (int patient = 0; patient < 8; ++patient) {
    patients.push_back(world_.make_patient(fmt::format("Exfiltre{}", patient)).id);
    ASSERT_TRUE(world_.gate().assign(world_.custodian(), "infirmiere", patients.back()));
  }

  std::vector<int> statuses;
  for (const std::string& id : patients) {
    auto reply = once(verb::get, "/fhir/Patient/" + id, nurse.bearer());
    ASSERT_TRUE(reply);
    statuses.push_back(reply->status);
    if (reply->status != 200) {
      EXPECT_EQ(reply->body.find("Exfiltre"), std::string::npos) << reply->body;
      EXPECT_EQ(reply->body.find(id), std::string::npos) << reply->body;
    }
  }
  EXPECT_EQ(statuses, (std::vector<int>{200, 200, 200, 200, 200, 401, 401, 401}));
  auto search = once(verb::get, "/fhir/Patient?family=exfiltre", nurse.bearer());
  ASSERT_TRUE(search);
  EXPECT_EQ(search->status, 401);

  auto alerts = world_.gate().alerts(world_.custodian(), {});
  ASSERT_TRUE(alerts) << alerts.error().message;
  ASSERT_EQ(alerts->size(), 1U);
  const watch::Alert& alert = alerts->front();
  EXPECT_EQ(alert.kind, watch::AlertKind::kBulkRead);
  EXPECT_EQ(alert.account, "infirmiere");
  EXPECT_TRUE(alert.account_locked);
  for (const std::string& id : patients) {
    EXPECT_EQ(alert.detail.find(id), std::string::npos) << alert.detail;
  }

  size_t reads_returned = 0;
  size_t reads_refused = 0;
  size_t alert_entries = 0;
  size_t lock_entries = 0;
  bool crossing_refused = false;
  const audit::Target account{"Account", "infirmiere", 0, ""};
  for (const audit::Entry& entry : world_.entries()) {
    if (entry.action == audit::kActionAlert) {
      ++alert_entries;
      EXPECT_EQ(entry.actor.kind, audit::ActorKind::kService);
      EXPECT_EQ(entry.purpose.rfind("bulk-read: ", 0), 0U) << entry.purpose;
      ASSERT_FALSE(entry.targets.empty());
      EXPECT_EQ(entry.targets[0], account);
      EXPECT_TRUE(entry.supervise);
      continue;
    }
    if (entry.action == audit::kActionAccountChange &&
        entry.actor.kind == audit::ActorKind::kService && !entry.targets.empty() &&
        entry.targets[0] == account) {
      ++lock_entries;
      EXPECT_EQ(entry.purpose.rfind("lock: alert ", 0), 0U) << entry.purpose;
      continue;
    }
    if (entry.action != audit::kActionRead) {
      continue;
    }
    // The reads after the lock are refused before the account is known: no login in their entry.
    if (entry.outcome == audit::Outcome::kSuccess) {
      EXPECT_EQ(entry.actor.login, "infirmiere");
      ++reads_returned;
      EXPECT_TRUE(entry.decrypted_data_left);
      continue;
    }
    ++reads_refused;
    EXPECT_FALSE(entry.decrypted_data_left);
    if (entry.reason.find("bulk-read") != std::string::npos) {
      crossing_refused = true;
      EXPECT_EQ(alert_entries, 1U) << "the account is locked before the crossing read's refusal";
    }
  }
  EXPECT_EQ(reads_returned, 5U);
  EXPECT_EQ(reads_refused, 3U);
  EXPECT_EQ(alert_entries, 1U);
  EXPECT_EQ(lock_entries, 1U);
  EXPECT_TRUE(crossing_refused);

  // A human is told: the stored alert is delivered to a webhook receiver on loopback, and the
  // delivery is in the audit.
  const testing::LoopbackDelivery delivery =
      testing::deliver_to_loopback_webhook(world_.gate(), tls_);
  ASSERT_TRUE(delivery.round) << delivery.round.error().message;
  EXPECT_EQ(delivery.round->delivered, 1);
  const std::vector<testing::ReceivedWebhook>& received = delivery.received;
  ASSERT_EQ(received.size(), 1U);
  const boost::json::object document = boost::json::parse(received[0].body).as_object();
  EXPECT_EQ(document.at("kind"), "bulk-read");
  EXPECT_EQ(document.at("account"), "infirmiere");
  EXPECT_EQ(document.at("account_locked"), true);
  for (const std::string& id : patients) {
    EXPECT_EQ(received[0].body.find(id), std::string::npos) << received[0].body;
  }
  const std::vector<audit::Entry> after = world_.entries();
  EXPECT_EQ(std::count_if(after.begin(), after.end(),
                          [](const audit::Entry& entry) {
                            return entry.action == audit::kActionAlertDelivery &&
                                   entry.purpose == "webhook: delivered, attempt 1";
                          }),
            1);
}

TEST_F(ServerTest, NumbersComeBackAsTheNumbersThatWereWritten) {
  const gate::StoredResource patient = world_.make_patient("Chevalier");
  // Parsed as the vault's import and the HTTP API parse, so that 1.50 keeps its text.
  auto parsed = fhir::parse_json_object(
      R"({"resourceType":"Observation","status":"final","code":{"coding":[{"system":)"
      R"("http://loinc.org","code":"2339-0"}]},"valueQuantity":{"value":1.50,"unit":"g/L"},)"
      R"("subject":{"reference":"Patient/)" +
      patient.id + R"("}})");
  ASSERT_TRUE(parsed) << parsed.error().message;
  auto observation = world_.gate().create(world_.custodian(), std::move(*parsed));
  ASSERT_TRUE(observation) << observation.error().message;
  const gate::Principal lab = world_.service("labo.bio", "system/Observation.rs");
  HttpsClient client(port());
  auto read = client.send(verb::get, "/fhir/Observation/" + observation->id, lab.bearer());
  ASSERT_TRUE(read);
  ASSERT_EQ(read->status, 200) << read->body;
  EXPECT_NE(read->body.find(R"("value":1.50,)"), std::string::npos) << read->body;
  auto search = client.send(verb::get, "/fhir/Observation?code=2339-0", lab.bearer());
  ASSERT_TRUE(search);
  EXPECT_NE(search->body.find(R"("value":1.50,)"), std::string::npos) << search->body;
}

TEST_F(ServerTest, SearchesPageThroughOpaqueLinksThatOnlyTheirCredentialMayFollow) {
  for (const char* family : {"Marchand", "Marchal", "Marcel", "Marchais", "Marceau"}) {
    world_.make_patient(family);
  }
  const gate::Principal lab = world_.service("labo.bio", "system/Patient.rs");
  const gate::Principal other = world_.service("labo.autre", "system/Patient.rs");
  std::set<std::string> seen;
  std::string next = "/fhir/Patient?family=marc&_count=2";
  size_t pages = 0;
  std::string first_link;
  while (!next.empty()) {
    HttpsClient client(port());
    auto page = client.send(verb::get, next, lab.bearer());
    ASSERT_TRUE(page);
    ASSERT_EQ(page->status, 200) << page->body;
    EXPECT_EQ(page->body.find("marc"), std::string::npos) << "the link shows no query value";
    const boost::json::object bundle = boost::json::parse(page->body).as_object();
    EXPECT_EQ(bundle.at("total"), 5);
    for (const auto& entry : bundle.at("entry").as_array()) {
      seen.insert(std::string(entry.at("resource").at("id").as_string()));
    }
    next.clear();
    if (const auto* links = bundle.if_contains("link")) {
      const std::string url(links->as_array().at(0).at("url").as_string());
      EXPECT_TRUE(url.starts_with("https://localhost/fhir/Patient?_page=")) << url;
      next = url.substr(std::string("https://localhost").size());
      if (first_link.empty()) {
        first_link = next;
      }
    }
    ++pages;
  }
  EXPECT_EQ(pages, 3U);
  EXPECT_EQ(seen.size(), 5U);

  HttpsClient client(port());
  auto replayed = client.send(verb::get, first_link, other.bearer());
  ASSERT_TRUE(replayed);
  EXPECT_EQ(replayed->status, 403) << replayed->body;
  std::string altered = first_link;
  char& inside = altered[altered.size() - 10];  // a character that carries 6 bits of the seal
  inside = inside == 'A' ? 'B' : 'A';
  auto forged = client.send(verb::get, altered, lab.bearer());
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 400) << forged->body;
  HttpsClient third(port());
  auto elsewhere = third.send(
      verb::get, "/fhir/Observation" + first_link.substr(std::string("/fhir/Patient").size()),
      lab.bearer());
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->status, 400) << elsewhere->body;
  auto mixed = third.send(verb::get, first_link + "&family=x", lab.bearer());
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->status, 400);
}

// Keyset pages over HTTP: patients created or deleted between two pages neither shift nor
// repeat the others; the link is still the credential's only.
TEST_F(ServerTest, NextLinksPageByKeysetWhileResourcesComeAndGo) {
  std::vector<std::string> stable;
  std::vector<std::string> doomed;
  for (int index = 0; index < 9; ++index) {
    const std::string id = world_.make_patient("Keyset").id;
    (index % 3 == 1 ? doomed : stable).push_back(id);
    world_.clock().advance_ms(5);
  }
  const gate::Principal lab = world_.service("labo.pages", "system/Patient.rs");
  const gate::Principal other = world_.service("labo.autre", "system/Patient.rs");
  for (const char* order : {"", "&_sort=-_lastUpdated", "&_sort=_lastUpdated"}) {
    std::multiset<std::string> seen;
    std::string next = std::string("/fhir/Patient?family=keyset&_count=2") + order;
    size_t pages = 0;
    while (!next.empty() && pages < 20) {
      HttpsClient client(port());
      auto page = client.send(verb::get, next, lab.bearer());
      ASSERT_TRUE(page);
      ASSERT_EQ(page->status, 200) << page->body;
      const boost::json::object bundle = boost::json::parse(page->body).as_object();
      if (const auto* entries = bundle.if_contains("entry")) {
        for (const auto& entry : entries->as_array()) {
          seen.insert(std::string(entry.at("resource").at("id").as_string()));
          EXPECT_EQ(entry.at("search").at("mode"), "match");
        }
      }
      next.clear();
      if (const auto* links = bundle.if_contains("link")) {
        next = std::string(links->as_array().at(0).at("url").as_string())
                   .substr(std::string("https://localhost").size());
        if (pages == 0) {
          HttpsClient replay(port());
          auto replayed = replay.send(verb::get, next, other.bearer());
          ASSERT_TRUE(replayed);
          EXPECT_EQ(replayed->status, 403) << replayed->body;
        }
      }
      // Between two pages: a new patient, and one deleted.
      world_.make_patient("Keyset");
      world_.clock().advance_ms(5);
      if (pages < doomed.size()) {
        ASSERT_TRUE(world_.gate().remove(world_.custodian(), "Patient", doomed[pages]));
      }
      ++pages;
    }
    for (const std::string& id : stable) {
      EXPECT_EQ(seen.count(id), 1U) << order;
    }
    for (const std::string& id : seen) {
      EXPECT_EQ(seen.count(id), 1U) << order;
    }
    for (const std::string& id : doomed) {
      (void)world_.gate().update(world_.custodian(), "Patient", id,
                                 boost::json::parse(R"({"resourceType":"Patient","id":")" + id +
                                                    R"(","name":[{"family":"Keyset"}]})")
                                     .as_object());
    }
  }
}

TEST_F(ServerTest, IncludeAndRevincludeComeInIncludeModeAndBadOnesAre400) {
  const std::string patient = world_.make_patient("Inclus").id;
  const std::string observation = world_.make_observation(patient).id;
  const gate::Principal lab = world_.service("labo.inclus", "system/*.rs");
  HttpsClient client(port());
  auto forward =
      client.send(verb::get, "/fhir/Observation?_include=Observation:subject", lab.bearer());
  ASSERT_TRUE(forward);
  ASSERT_EQ(forward->status, 200) << forward->body;
  const boost::json::object bundle = boost::json::parse(forward->body).as_object();
  EXPECT_EQ(bundle.at("total"), 1);
  const auto& entries = bundle.at("entry").as_array();
  ASSERT_EQ(entries.size(), 2U) << forward->body;
  EXPECT_EQ(std::string(entries[0].at("resource").at("id").as_string()), observation);
  EXPECT_EQ(entries[0].at("search").at("mode"), "match");
  EXPECT_EQ(std::string(entries[1].at("resource").at("id").as_string()), patient);
  EXPECT_EQ(entries[1].at("search").at("mode"), "include");

  auto reverse = client.send(
      verb::get,
      "/fhir/Patient?_revinclude=Observation:subject&_sort=-_lastUpdated&_lastUpdated=ge2000",
      lab.bearer());
  ASSERT_TRUE(reverse);
  ASSERT_EQ(reverse->status, 200) << reverse->body;
  const boost::json::value reverse_bundle = boost::json::parse(reverse->body);
  const auto& reverse_entries = reverse_bundle.at("entry").as_array();
  ASSERT_EQ(reverse_entries.size(), 2U);
  EXPECT_EQ(std::string(reverse_entries[1].at("resource").at("id").as_string()), observation);
  EXPECT_EQ(reverse_entries[1].at("search").at("mode"), "include");

  for (const char* target : {"/fhir/Observation?_include=Observation:performer",
                             "/fhir/Patient?_revinclude=Observation:secretvalue",
                             "/fhir/Patient?_sort=secretvalue", "/fhir/Patient?_lastUpdated=ap2024",
                             "/fhir/Observation?_include:iterate=Observation:subject"}) {
    HttpsClient bad_client(port());
    auto bad = bad_client.send(verb::get, target, lab.bearer());
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400) << target;
    const boost::json::value outcome = boost::json::parse(bad->body);
    EXPECT_EQ(outcome.at("resourceType"), "OperationOutcome");
    EXPECT_EQ(bad->body.find("secretvalue"), std::string::npos) << bad->body;
    EXPECT_EQ(bad->body.find("performer"), std::string::npos) << bad->body;
  }
  HttpsClient sort_client(port());
  auto sort = sort_client.send(verb::get, "/fhir/Patient?_sort=secretvalue", lab.bearer());
  ASSERT_TRUE(sort);
  EXPECT_NE(sort->body.find("_sort"), std::string::npos) << sort->body;
}

TEST_F(ServerTest, BeyondTheBoundIncludedResourcesAreCutAndTheSearchsetSaysSo) {
  const std::string patient = world_.make_patient("Borne").id;
  for (size_t index = 0; index < fhir::kMaxIncludedPerPage + 1; ++index) {
    world_.make_observation(patient);
  }
  const gate::Principal lab = world_.service("labo.borne", "system/*.rs");
  HttpsClient client(port());
  auto page = client.send(verb::get, "/fhir/Patient?_revinclude=Observation:subject", lab.bearer());
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body.substr(0, 500);
  const boost::json::value bundle = boost::json::parse(page->body);
  const auto& entries = bundle.at("entry").as_array();
  ASSERT_EQ(entries.size(), 1 + fhir::kMaxIncludedPerPage + 1);
  size_t included = 0;
  for (const auto& entry : entries) {
    included += entry.at("search").at("mode") == "include" ? 1 : 0;
  }
  EXPECT_EQ(included, fhir::kMaxIncludedPerPage);
  const auto& last = entries.back();
  EXPECT_EQ(last.at("search").at("mode"), "outcome");
  EXPECT_EQ(last.at("resource").at("resourceType"), "OperationOutcome");
  EXPECT_EQ(last.at("resource").at("issue").at(0).at("severity"), "warning");
}

TEST_F(ServerTest, PostSearchTakesAFormBodyAndFormatMustBeJson) {
  world_.make_patient("Lefebvre");
  const gate::Principal lab = world_.service("labo.bio", "system/Patient.rs");
  HttpsClient client(port());
  auto posted = client.send(verb::post, "/fhir/Patient/_search?_format=json", lab.bearer(),
                            "family=lef%C3%A8bvre&_count=5",
                            {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;
  EXPECT_EQ(boost::json::parse(posted->body).at("total"), 1);
  auto wrong_type = client.send(verb::post, "/fhir/Patient/_search", lab.bearer(), "family=lef",
                                {{"Content-Type", "application/json"}});
  ASSERT_TRUE(wrong_type);
  EXPECT_EQ(wrong_type->status, 415);
  auto xml = client.send(verb::get, "/fhir/Patient?family=lef&_format=xml", lab.bearer());
  ASSERT_TRUE(xml);
  EXPECT_EQ(xml->status, 415);
}

// curl sends `Expect: 100-continue` before a large body and waits a second for the interim
// response; a client that waits for it must get it before it sends its body.
TEST_F(ServerTest, ARequestThatExpects100ContinueGetsItBeforeSendingItsBody) {
  world_.make_patient("Lefebvre");
  const gate::Principal lab = world_.service("labo.bio", "system/Patient.rs");
  const std::string body = "family=lef%C3%A8bvre&_count=5";
  HttpsClient client(port());
  ASSERT_TRUE(client.handshake_succeeded());
  ASSERT_TRUE(
      client.send_raw("POST /fhir/Patient/_search HTTP/1.1\r\nHost: localhost\r\n"
                      "Authorization: Bearer " +
                      std::string(lab.bearer()) +
                      "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                      "Expect: 100-Continue\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n"));
  auto interim = client.read_reply();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.send_raw(body));
  auto searched = client.read_reply();
  ASSERT_TRUE(searched);
  ASSERT_EQ(searched->status, 200) << searched->body;
  EXPECT_EQ(boost::json::parse(searched->body).at("total"), 1);
  EXPECT_TRUE(searched->keep_alive);
}

// A body announced past the limit is refused at once: no 100 Continue invites it.
TEST_F(ServerTest, ABodyAnnouncedPastTheLimitIs413WithoutAnInterimResponse) {
  HttpsClient client(port());
  ASSERT_TRUE(client.handshake_succeeded());
  ASSERT_TRUE(
      client.send_raw("POST /fhir/Patient HTTP/1.1\r\nHost: localhost\r\n"
                      "Content-Type: application/fhir+json\r\nExpect: 100-continue\r\n"
                      "Content-Length: 4097\r\n\r\n"));
  auto reply = client.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 413);
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ServerTest, UnknownRevokedOrOutOfScopeCredentialsAreRefused) {
  const gate::StoredResource patient = world_.make_patient("Moreau");
  const gate::Principal lab = world_.service("labo.bio", "system/Observation.rs");
  HttpsClient client(port());
  auto unknown = client.send(verb::get, "/fhir/Patient/" + patient.id, "vgt_unknown");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 401);
  auto out_of_scope = client.send(verb::get, "/fhir/Patient/" + patient.id, lab.bearer());
  ASSERT_TRUE(out_of_scope);
  EXPECT_EQ(out_of_scope->status, 403);
  EXPECT_EQ(world_.last_entry().outcome, audit::Outcome::kDenied);

  ASSERT_TRUE(world_.gate().revoke_credential(world_.custodian(), lab.bearer()));
  HttpsClient again(port());
  auto revoked = again.send(verb::get, "/fhir/Observation?patient=" + patient.id, lab.bearer());
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->status, 401);
}

TEST_F(ServerTest, BadPathsAnswerOperationOutcomes) {
  const gate::Principal lab = world_.service("labo.bio", "system/Patient.rs");
  const std::vector<std::pair<std::string, int>> cases{
      {"/fhir/NoSuchType/1", 404},      {"/fhir/Patient/bad%20id", 400},
      {"/fhir/Patient/unknown", 404},   {"/fhir/Patient/x/_history/zero", 400},
      {"/fhir/Patient?unknown=1", 400}, {"/nowhere", 404},
  };
  for (const auto& [target, status] : cases) {
    HttpsClient client(port());
    auto reply = client.send(verb::get, target, lab.bearer());
    ASSERT_TRUE(reply) << target;
    EXPECT_EQ(reply->status, status) << target << ": " << reply->body;
    EXPECT_EQ(boost::json::parse(reply->body).at("resourceType"), "OperationOutcome") << target;
  }
  HttpsClient other(port());
  auto wrong_method = other.send(verb::patch, "/fhir/metadata");
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 405);
}

TEST_F(ServerTest, APractitionerCreatesUpdatesWithIfMatchAndDeletes) {
  const gate::Principal nurse = world_.person("infirmiere", access::Role::kPractitioner);
  const std::vector<std::pair<std::string, std::string>> json{
      {"Content-Type", "application/fhir+json; charset=utf-8"}};
  HttpsClient client(port());
  auto created = client.send(verb::post, "/fhir/Patient", nurse.bearer(),
                             R"({"resourceType":"Patient","name":[{"family":"Garnier"}]})", json);
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string id(boost::json::parse(created->body).at("id").as_string());
  EXPECT_EQ(created->header("Location"), "/fhir/Patient/" + id + "/_history/1");
  EXPECT_EQ(created->header("ETag"), "W/\"1\"");

  const std::string renamed =
      R"({"resourceType":"Patient","id":")" + id + R"(","name":[{"family":"Garnier-Roy"}]})";
  std::vector<std::pair<std::string, std::string>> stale = json;
  stale.emplace_back("If-Match", "W/\"7\"");
  auto refused = client.send(verb::put, "/fhir/Patient/" + id, nurse.bearer(), renamed, stale);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 412) << refused->body;

  std::vector<std::pair<std::string, std::string>> current = json;
  current.emplace_back("If-Match", "W/\"1\"");
  current.emplace_back("Prefer", "return=minimal");
  auto updated = client.send(verb::put, "/fhir/Patient/" + id, nurse.bearer(), renamed, current);
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->status, 200) << updated->body;
  EXPECT_EQ(updated->header("ETag"), "W/\"2\"");
  EXPECT_TRUE(updated->body.empty());

  HttpsClient second(port());  // the first has used its 3 requests
  auto removed = second.send(verb::delete_, "/fhir/Patient/" + id, nurse.bearer());
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->status, 204) << removed->body;
  auto gone = second.send(verb::get, "/fhir/Patient/" + id, nurse.bearer());
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 410);
}

TEST_F(ServerTest, WritesRefuseOtherMediaTypesBadJsonAndAnotherType) {
  const gate::Principal nurse = world_.person("infirmiere", access::Role::kPractitioner);
  const std::vector<std::pair<std::string, std::string>> json{
      {"Content-Type", "application/fhir+json"}};
  const size_t entries_before = world_.entries().size();
  struct Case {
    verb method;
    std::string target;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    int status;
  };
  const std::vector<Case> cases{
      {verb::post,
       "/fhir/Patient",
       R"({"resourceType":"Patient"})",
       {{"Content-Type", "application/xml"}},
       415},
      {verb::post, "/fhir/Patient", R"({"resourceType":"Patient"})", {}, 415},
      {verb::post, "/fhir/Patient", R"({"resourceType":"Patient")", json, 400},
      {verb::post, "/fhir/Patient", R"(["not an object"])", json, 400},
      {verb::post, "/fhir/Patient", R"({"resourceType":"Observation"})", json, 400},
      {verb::put,
       "/fhir/Patient/p1",
       R"({"resourceType":"Patient","id":"p1"})",
       {{"Content-Type", "application/fhir+json"}, {"If-Match", "seven"}},
       400},
  };
  for (const Case& bad : cases) {
    HttpsClient client(port());
    auto reply = client.send(bad.method, bad.target, nurse.bearer(), bad.body, bad.headers);
    ASSERT_TRUE(reply) << bad.body;
    EXPECT_EQ(reply->status, bad.status) << bad.body << ": " << reply->body;
    EXPECT_EQ(boost::json::parse(reply->body).at("resourceType"), "OperationOutcome");
  }
  EXPECT_EQ(world_.entries().size(), entries_before);
}

// A resource that breaks the R4 structure is refused with 400, on create, update and in a
// transaction, naming the element's path and never its value; nothing is written.
TEST_F(ServerTest, AResourceOutsideTheR4StructureIs400NamingThePath) {
  const gate::Principal lab = world_.service("labo.structure", "system/*.cruds");
  const std::vector<std::pair<std::string, std::string>> json{
      {"Content-Type", "application/fhir+json"}};
  HttpsClient setup(port());
  auto patient = setup.send(verb::post, "/fhir/Patient", lab.bearer(),
                            R"({"resourceType":"Patient","name":[{"family":"Roux"}]})", json);
  ASSERT_TRUE(patient);
  ASSERT_EQ(patient->status, 201) << patient->body;
  const std::string subject =
      fmt::format(R"("subject":{{"reference":"Patient/{}"}})",
                  boost::json::parse(patient->body).at("id").as_string().c_str());
  struct Case {
    verb method;
    std::string target;
    std::string body;
    std::string diagnostics;  // contains
  };
  const std::vector<Case> cases{
      {verb::post, "/fhir/Patient", R"({"resourceType":"Patient","surnom":"Secret"})",
       "Patient.surnom: is not an element of Patient"},
      {verb::post, "/fhir/Observation",
       fmt::format(
           R"({{"resourceType":"Observation","status":"final","code":{{"coding":[{{"system":"http://loinc.org Secret"}}]}},{}}})",
           subject),
       "Observation.code.coding[0].system: must be a uri"},
      {verb::post, "/fhir/Observation",
       fmt::format(R"({{"resourceType":"Observation","status":"Secret","code":{{"text":"t"}},{}}})",
                   subject),
       "Observation.status: must be a code of http://hl7.org/fhir/ValueSet/observation-status"},
      {verb::put, "/fhir/Patient/p-structure",
       R"({"resourceType":"Patient","id":"p-structure","active":"Secret"})",
       "Patient.active: must be a boolean"},
      {verb::post, "/fhir",
       fmt::format(
           R"({{"resourceType":"Bundle","type":"transaction","entry":[{{"resource":{{"resourceType":"Observation","code":{{"text":"Secret"}},{}}},"request":{{"method":"POST","url":"Observation"}}}}]}})",
           subject),
       "Observation.status: is required"},
  };
  for (const Case& bad : cases) {
    HttpsClient client(port());
    auto reply = client.send(bad.method, bad.target, lab.bearer(), bad.body, json);
    ASSERT_TRUE(reply) << bad.body;
    EXPECT_EQ(reply->status, 400) << bad.body << ": " << reply->body;
    const boost::json::value outcome = boost::json::parse(reply->body);
    EXPECT_EQ(outcome.at("resourceType"), "OperationOutcome");
    const std::string diagnostics(outcome.at("issue").at(0).at("diagnostics").as_string());
    EXPECT_NE(diagnostics.find(bad.diagnostics), std::string::npos) << diagnostics;
    EXPECT_EQ(diagnostics.find("Secret"), std::string::npos) << diagnostics;
  }
  HttpsClient client(port());
  auto absent = client.send(verb::get, "/fhir/Patient/p-structure", lab.bearer());
  ASSERT_TRUE(absent);
  EXPECT_EQ(absent->status, 404);
  auto observations = client.send(verb::get, "/fhir/Observation", lab.bearer());
  ASSERT_TRUE(observations);
  EXPECT_EQ(boost::json::parse(observations->body).at("total"), 0) << observations->body;
}

TEST_F(ServerTest, ATransactionIsAllOrNothingAndABatchReportsEachEntry) {
  const gate::Principal lab = world_.service("labo.import", "system/*.cruds");
  const std::vector<std::pair<std::string, std::string>> json{
      {"Content-Type", "application/fhir+json"}};
  const std::string transaction = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:0d0c4a52-8f39-4a06-9d0b-6a4f3e0a0001",
     "resource":{"resourceType":"Patient","name":[{"family":"Perrin"}]},
     "request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"Observation","status":"final",
       "code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
       "subject":{"reference":"urn:uuid:0d0c4a52-8f39-4a06-9d0b-6a4f3e0a0001"}},
     "request":{"method":"POST","url":"Observation"}}]})";
  HttpsClient client(port());
  auto applied = client.send(verb::post, "/fhir", lab.bearer(), transaction, json);
  ASSERT_TRUE(applied);
  ASSERT_EQ(applied->status, 200) << applied->body;
  const boost::json::object response = boost::json::parse(applied->body).as_object();
  EXPECT_EQ(response.at("type"), "transaction-response");
  const auto& entries = response.at("entry").as_array();
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[0].at("response").at("status"), "201 Created");
  const std::string location(entries[0].at("response").at("location").as_string());
  EXPECT_TRUE(location.starts_with("Patient/")) << location;
  EXPECT_TRUE(location.ends_with("/_history/1")) << location;

  // The second entry names a patient that does not exist: nothing of the Bundle is written.
  const std::string broken = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Patient","name":[{"family":"Jamais"}]},
     "request":{"method":"POST","url":"Patient"}},
    {"resource":{"resourceType":"Observation","status":"final",
       "code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
       "subject":{"reference":"Patient/absent"}},
     "request":{"method":"POST","url":"Observation"}}]})";
  auto refused = client.send(verb::post, "/fhir", lab.bearer(), broken, json);
  ASSERT_TRUE(refused);
  EXPECT_GE(refused->status, 400) << refused->body;
  auto search = client.send(verb::get, "/fhir/Patient?family=jamais", lab.bearer());
  ASSERT_TRUE(search);
  EXPECT_EQ(boost::json::parse(search->body).at("total"), 0) << search->body;

  HttpsClient other(port());
  auto collection = other.send(verb::post, "/fhir", lab.bearer(),
                               R"({"resourceType":"Bundle","type":"collection"})", json);
  ASSERT_TRUE(collection);
  EXPECT_EQ(collection->status, 400);
  const std::string batch = R"({"resourceType":"Bundle","type":"batch","entry":[
    {"resource":{"resourceType":"Patient","name":[{"family":"Lemaire"}]},
     "request":{"method":"POST","url":"Patient"}},
    {"request":{"method":"DELETE","url":"Patient/absent"}}]})";
  auto reported = other.send(verb::post, "/fhir", lab.bearer(), batch, json);
  ASSERT_TRUE(reported);
  ASSERT_EQ(reported->status, 200) << reported->body;
  const boost::json::object batch_response = boost::json::parse(reported->body).as_object();
  EXPECT_EQ(batch_response.at("type"), "batch-response");
  const auto& batch_entries = batch_response.at("entry").as_array();
  ASSERT_EQ(batch_entries.size(), 2U);
  EXPECT_EQ(batch_entries[0].at("response").at("status"), "201 Created");
  EXPECT_NE(batch_entries[1].at("response").at("status"), "204 No Content") << reported->body;
  EXPECT_EQ(batch_entries[1].at("response").at("outcome").at("resourceType"), "OperationOutcome");
}

TEST_F(ServerTest, ATls11HandshakeIsRefused) {
  HttpsClient old(port(), TLS1_1_VERSION);
  EXPECT_FALSE(old.handshake_succeeded());
  HttpsClient current(port(), TLS1_2_VERSION);
  EXPECT_TRUE(current.handshake_succeeded());
}

TEST_F(ServerTest, AnOversizedBodyIs413AndTheConnectionCloses) {
  HttpsClient client(port());
  auto reply = client.send(verb::post, "/fhir/Patient", "vgt_x", std::string(4097, 'x'));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 413);
  EXPECT_FALSE(reply->keep_alive);
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ServerTest, OversizedHeadersAre431AndTheConnectionCloses) {
  HttpsClient client(port());
  auto reply = client.send(verb::get, "/healthz", {}, {}, {{"X-Padding", std::string(4096, 'a')}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 431);
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ServerTest, ASlowHeaderClientIsDroppedWithoutAnAnswer) {
  HttpsClient client(port());
  ASSERT_TRUE(client.handshake_succeeded());
  ASSERT_TRUE(client.send_raw("GET /healthz HTTP/1.1\r\nHost: localhost\r\n"));
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ServerTest, ABodyThatNeverArrivesIsDroppedWithoutAnAnswer) {
  HttpsClient client(port());
  ASSERT_TRUE(client.handshake_succeeded());
  ASSERT_TRUE(
      client.send_raw("POST /fhir/Patient HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n"
                      "Content-Type: application/fhir+json\r\n\r\n{"));
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  start(64, 2);
  HttpsClient first(port());
  HttpsClient second(port());
  ASSERT_TRUE(first.handshake_succeeded());
  ASSERT_TRUE(second.handshake_succeeded());
  HttpsClient third(port());
  EXPECT_FALSE(third.handshake_succeeded());
  auto served = first.send(verb::get, "/healthz");
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
}

TEST_F(ServerTest, TheLastRequestAllowedOnAConnectionClosesIt) {
  HttpsClient client(port());
  for (int i = 1; i <= 3; ++i) {
    auto reply = client.send(verb::get, "/healthz");
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->keep_alive, i < 3) << i;
  }
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ServerTest, AFullWorkerQueueAnswers503WithRetryAfter) {
  start(0);
  const gate::Principal lab = world_.service("labo.bio", "system/Patient.rs");
  HttpsClient client(port());
  auto reply = client.send(verb::get, "/fhir/Patient?family=abc", lab.bearer());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 503);
  EXPECT_EQ(reply->header("Retry-After"), "1");
}

TEST_F(ServerTest, StopClosesIdleConnectionsAndReturns) {
  HttpsClient idle(port());
  ASSERT_TRUE(idle.send(verb::get, "/healthz"));
  server_->stop();
  server_->wait();
  EXPECT_TRUE(idle.closed_by_server());
  HttpsClient late(port());
  EXPECT_FALSE(late.handshake_succeeded());
}

// --- Sign-in over HTTP (/auth).

const std::vector<std::pair<std::string, std::string>> kJson = {
    {"Content-Type", "application/json"}};

boost::json::object json_of(const testing::HttpsReply& reply) {
  return boost::json::parse(reply.body).as_object();
}

std::string login_body(std::string_view login, std::string_view password,
                       std::string_view session = "bearer") {
  return boost::json::serialize(
      boost::json::object{{"login", login}, {"password", password}, {"session", session}});
}

// A person's account as the custodian creates it: its one-time password.
std::string add_person(testing::AccessWorld& world, std::string_view login) {
  auto enrolment = world.gate().add_account(
      world.custodian(),
      auth::NewAccount{std::string(login), "Camille Test", access::Role::kPractitioner, ""});
  EXPECT_TRUE(enrolment) << enrolment.error().message;
  return enrolment ? std::string(enrolment->temporary_password.view()) : std::string();
}

TEST_F(ServerTest, AFirstSignInChangesThePasswordEnrolsTotpThenSignsInWithPasswordAndCode) {
  const std::string temporary = add_person(world_, "infirmiere.roux");
  auto first = once(verb::post, "/auth/login", {}, login_body("infirmiere.roux", temporary), kJson);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(json_of(*first).at("next"), "password");
  const std::string restricted(json_of(*first).at("access_token").as_string());

  // Until the password is changed and a second factor enrolled, nothing else answers.
  auto read = once(verb::get, "/fhir/Patient?family=abc", restricted);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 403);
  auto changed = once(verb::post, "/auth/password", restricted,
                      boost::json::serialize(boost::json::object{{"current", temporary},
                                                                 {"new", testing::kNewPassword}}),
                      kJson);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->status, 204) << changed->body;
  auto enrolled = once(verb::post, "/auth/enrol", restricted);
  ASSERT_TRUE(enrolled);
  ASSERT_EQ(enrolled->status, 200) << enrolled->body;
  const boost::json::object enrolment = json_of(*enrolled);
  const std::string uri(enrolment.at("otpauth_uri").as_string());
  EXPECT_TRUE(uri.starts_with("otpauth://totp/"));
  EXPECT_TRUE(enrolment.at("qr_svg").as_string().starts_with("<svg "));
  EXPECT_EQ(enrolment.at("recovery_codes").as_array().size(), 10U);
  auto ended = once(verb::get, "/fhir/Patient?family=abc", restricted);
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->status, 401) << "enrolment ends the session";

  world_.clock().advance_ms(31'000);
  auto password_step = once(verb::post, "/auth/login", {},
                            login_body("infirmiere.roux", testing::kNewPassword), kJson);
  ASSERT_TRUE(password_step);
  ASSERT_EQ(password_step->status, 200) << password_step->body;
  EXPECT_EQ(json_of(*password_step).at("next"), "otp");
  EXPECT_FALSE(json_of(*password_step).contains("access_token"));
  const std::string ticket(json_of(*password_step).at("ticket").as_string());
  EXPECT_EQ(world_.last_entry().reason, "password accepted; second factor awaited");
  auto code_step =
      once(verb::post, "/auth/otp", {},
           boost::json::serialize(boost::json::object{
               {"ticket", ticket}, {"code", testing::totp_code_now(uri, world_.clock().now_ms())}}),
           kJson);
  ASSERT_TRUE(code_step);
  ASSERT_EQ(code_step->status, 200) << code_step->body;
  EXPECT_EQ(json_of(*code_step).at("next"), "ready");
  EXPECT_EQ(json_of(*code_step).at("token_type"), "bearer");
  const std::string session(json_of(*code_step).at("access_token").as_string());
  auto search = once(verb::get, "/fhir/Patient?family=abc", session);
  ASSERT_TRUE(search);
  EXPECT_EQ(search->status, 200) << search->body;

  // The same code again (a replay) is refused, even with a valid ticket.
  auto replayed =
      once(verb::post, "/auth/otp", {},
           boost::json::serialize(boost::json::object{
               {"ticket", ticket}, {"code", testing::totp_code_now(uri, world_.clock().now_ms())}}),
           kJson);
  ASSERT_TRUE(replayed);
  EXPECT_EQ(replayed->status, 401);

  auto out = once(verb::post, "/auth/logout", session);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 204);
  auto after = once(verb::get, "/fhir/Patient?family=abc", session);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401) << "logout revokes the session server-side";
}

TEST_F(ServerTest, AScriptSendsPasswordAndCodeInOneStep) {
  const std::string temporary = add_person(world_, "biologiste.henry");
  const gate::Principal first = gate::account_principal(
      world_.sign_in("biologiste.henry", temporary, ""), "127.0.0.1", "test");
  ASSERT_TRUE(world_.gate().change_password(first, temporary, testing::kNewPassword));
  auto enrolment = world_.gate().enrol_second_factor(first);
  ASSERT_TRUE(enrolment) << enrolment.error().message;
  const std::string uri(enrolment->otpauth_uri.view());
  auto signed_in = once(verb::post, "/auth/login", {},
                        boost::json::serialize(boost::json::object{
                            {"login", "biologiste.henry"},
                            {"password", testing::kNewPassword},
                            {"code", testing::totp_code_now(uri, world_.clock().now_ms())}}),
                        kJson);
  ASSERT_TRUE(signed_in);
  ASSERT_EQ(signed_in->status, 200) << signed_in->body;
  EXPECT_EQ(json_of(*signed_in).at("next"), "ready");
  const std::string session(json_of(*signed_in).at("access_token").as_string());
  auto search = once(verb::get, "/fhir/Patient?family=abc", session);
  ASSERT_TRUE(search);
  EXPECT_EQ(search->status, 200);
  auto wrong = once(
      verb::post, "/auth/login", {},
      boost::json::serialize(boost::json::object{
          {"login", "biologiste.henry"}, {"password", testing::kNewPassword}, {"code", "123456"}}),
      kJson);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
}

TEST_F(ServerTest, AWrongPasswordAndAnUnknownLoginGetTheSameRefusal) {
  (void)add_person(world_, "pharmacien.leroy");
  auto wrong = once(verb::post, "/auth/login", {},
                    login_body("pharmacien.leroy", "not the password"), kJson);
  auto unknown = once(verb::post, "/auth/login", {},
                      login_body("personne.inconnue", "not the password"), kJson);
  ASSERT_TRUE(wrong);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(unknown->status, 401);
  EXPECT_EQ(wrong->body, unknown->body);
  EXPECT_EQ(wrong->body.find("not the password"), std::string::npos);
  EXPECT_EQ(unknown->body.find("personne.inconnue"), std::string::npos);
}

TEST_F(ServerTest, AWrongCodeOrAForgedTicketIsRefusedWithTheLoginMessage) {
  const gate::Principal nurse = world_.person("infirmier.blanc", access::Role::kPractitioner);
  auto password_step = once(verb::post, "/auth/login", {},
                            login_body("infirmier.blanc", testing::kNewPassword), kJson);
  ASSERT_TRUE(password_step);
  ASSERT_EQ(password_step->status, 200) << password_step->body;
  std::string ticket(json_of(*password_step).at("ticket").as_string());
  auto wrong_code = once(
      verb::post, "/auth/otp", {},
      boost::json::serialize(boost::json::object{{"ticket", ticket}, {"code", "000000"}}), kJson);
  ASSERT_TRUE(wrong_code);
  EXPECT_EQ(wrong_code->status, 401);
  EXPECT_EQ(world_.last_entry().outcome, audit::Outcome::kDenied);
  ticket[ticket.size() / 2] = ticket[ticket.size() / 2] == 'A' ? 'B' : 'A';
  auto forged = once(
      verb::post, "/auth/otp", {},
      boost::json::serialize(boost::json::object{{"ticket", ticket}, {"code", "000000"}}), kJson);
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  EXPECT_EQ(forged->body, wrong_code->body);
}

TEST_F(ServerTest, ASignInBodyMustBeAJsonObjectWithItsMembers) {
  auto form = once(verb::post, "/auth/login", {}, "login=a&password=b",
                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 415);
  auto missing = once(verb::post, "/auth/login", {}, R"({"login":"a"})", kJson);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  auto number = once(verb::post, "/auth/login", {}, R"({"login":"a.b","password":1.50})", kJson);
  ASSERT_TRUE(number);
  EXPECT_EQ(number->status, 400) << "a number is not a password, even kept as its text";
  auto not_json = once(verb::post, "/auth/otp", {}, "{", kJson);
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);
  auto bad_session = once(verb::post, "/auth/login", {}, login_body("a.b", "c", "both"), kJson);
  ASSERT_TRUE(bad_session);
  EXPECT_EQ(bad_session->status, 400);
}

TEST_F(ServerTest, ABrowserSessionIsAHostCookieAndEveryChangeNeedsItsCsrfToken) {
  const gate::Principal nurse = world_.person("infirmiere.petit", access::Role::kPractitioner);
  (void)nurse;
  auto password_step = once(verb::post, "/auth/login", {},
                            login_body("infirmiere.petit", testing::kNewPassword, "cookie"), kJson);
  ASSERT_TRUE(password_step);
  ASSERT_EQ(password_step->status, 200) << password_step->body;
  // The recovery codes were shown to the person only; a fresh factor is enrolled here instead.
  world_.clock().advance_ms(31'000);
  auto reset = world_.gate().reset_second_factor(world_.custodian(), "infirmiere.petit");
  ASSERT_TRUE(reset) << reset.error().message;
  auto session_step = once(verb::post, "/auth/login", {},
                           login_body("infirmiere.petit", testing::kNewPassword, "cookie"), kJson);
  ASSERT_TRUE(session_step);
  ASSERT_EQ(session_step->status, 200) << session_step->body;
  EXPECT_EQ(json_of(*session_step).at("next"), "enrol");
  EXPECT_FALSE(json_of(*session_step).contains("access_token"))
      << "a cookie session's secret never appears where a script could read it";
  const std::string csrf(json_of(*session_step).at("csrf_token").as_string());
  const std::string set_cookie = session_step->header("Set-Cookie");
  ASSERT_TRUE(set_cookie.starts_with("__Host-vigie-session=vgs_")) << set_cookie;
  for (const char* attribute : {"; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict"}) {
    EXPECT_NE(set_cookie.find(attribute), std::string::npos) << attribute;
  }
  EXPECT_EQ(set_cookie.find("Domain"), std::string::npos);
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));

  auto without_token = once(verb::post, "/auth/enrol", {}, {}, {{"Cookie", cookie}});
  ASSERT_TRUE(without_token);
  EXPECT_EQ(without_token->status, 403);
  auto wrong_token =
      once(verb::post, "/auth/enrol", {}, {}, {{"Cookie", cookie}, {"X-CSRF-Token", csrf + "x"}});
  ASSERT_TRUE(wrong_token);
  EXPECT_EQ(wrong_token->status, 403);
  auto enrolled =
      once(verb::post, "/auth/enrol", {}, {}, {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  ASSERT_TRUE(enrolled);
  ASSERT_EQ(enrolled->status, 200) << enrolled->body;
  EXPECT_TRUE(enrolled->header("Set-Cookie").starts_with("__Host-vigie-session=;"));
  EXPECT_NE(enrolled->header("Set-Cookie").find("Max-Age=0"), std::string::npos);
  const std::string uri(json_of(*enrolled).at("otpauth_uri").as_string());

  world_.clock().advance_ms(31'000);
  auto again = once(verb::post, "/auth/login", {},
                    login_body("infirmiere.petit", testing::kNewPassword, "cookie"), kJson);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 200) << again->body;
  auto code_step = once(verb::post, "/auth/otp", {},
                        boost::json::serialize(boost::json::object{
                            {"ticket", json_of(*again).at("ticket")},
                            {"code", testing::totp_code_now(uri, world_.clock().now_ms())},
                            {"session", "cookie"}}),
                        kJson);
  ASSERT_TRUE(code_step);
  ASSERT_EQ(code_step->status, 200) << code_step->body;
  const std::string ready_cookie =
      code_step->header("Set-Cookie").substr(0, code_step->header("Set-Cookie").find(';'));
  const std::string ready_csrf(json_of(*code_step).at("csrf_token").as_string());
  auto read = once(verb::get, "/fhir/Patient?family=abc", {}, {}, {{"Cookie", ready_cookie}});
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200) << "a read needs no CSRF token";
  auto create_without = once(verb::post, "/fhir/Patient", {},
                             R"({"resourceType":"Patient","name":[{"family":"Vidal"}]})",
                             {{"Cookie", ready_cookie}, {"Content-Type", "application/fhir+json"}});
  ASSERT_TRUE(create_without);
  EXPECT_EQ(create_without->status, 403);
  auto out = once(verb::post, "/auth/logout", {}, {},
                  {{"Cookie", ready_cookie}, {"X-CSRF-Token", ready_csrf}});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 204);
  EXPECT_NE(out->header("Set-Cookie").find("Max-Age=0"), std::string::npos);
  auto after = once(verb::get, "/fhir/Patient?family=abc", {}, {}, {{"Cookie", ready_cookie}});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401);
}

TEST_F(ServerTest, OnlyHealthMetadataAndTheSignInStepsTakeNoCredential) {
  std::set<std::string> open;
  for (const Route& route : router_.routes()) {
    if (route.access != Access::kAuthenticated) {
      open.insert(std::string(name_of(route.method)) + " " + route.pattern);
    }
  }
  EXPECT_EQ(open, (std::set<std::string>{"GET /healthz", "GET /fhir/metadata", "POST /auth/login",
                                         "POST /auth/otp"}));
}

TEST_F(ServerTest, ASignInBeyondTheSignInQueueAnswers503AndChecksNoPassword) {
  start(0);
  const size_t entries_before = world_.entries().size();
  auto reply = once(verb::post, "/auth/login", {}, login_body("a.b", "c"), kJson);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 503);
  EXPECT_EQ(reply->header("Retry-After"), "1");
  EXPECT_EQ(world_.entries().size(), entries_before);
}

TEST(SignInTickets, ATicketOpensOnlyFromItsAddressUnalteredAndBeforeItsExpiry) {
  const SignInTickets tickets;
  gate::Gate::SecondFactorAwaited awaited{"infirmiere.roux", {}};
  awaited.fingerprint[0] = 7;
  const int64_t now = 1'790'000'000'000;
  const std::string ticket = tickets.issue(awaited, "192.0.2.10", now);
  EXPECT_EQ(ticket.find("infirmiere"), std::string::npos);
  auto opened = tickets.redeem(ticket, "192.0.2.10", now + kSignInTicketLifetimeMs - 1);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->login, "infirmiere.roux");
  EXPECT_EQ(opened->fingerprint, awaited.fingerprint);
  EXPECT_FALSE(tickets.redeem(ticket, "192.0.2.11", now));
  EXPECT_FALSE(tickets.redeem(ticket, "192.0.2.10", now + kSignInTicketLifetimeMs));
  std::string altered = ticket;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(tickets.redeem(altered, "192.0.2.10", now));
  EXPECT_FALSE(SignInTickets{}.redeem(ticket, "192.0.2.10", now)) << "another process's key";
  auto refused = tickets.redeem("", "192.0.2.10", now);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kAuthenticationFailed);
}

TEST(SignInTickets, AnyBytesOfLoginAndAddressComeBackAsIssued) {
  const SignInTickets tickets;
  gate::Gate::SecondFactorAwaited awaited{std::string("i\x01\x80\0\xff", 5), {}};
  const int64_t now = 1'790'000'000'000;
  for (const std::string& address : {std::string(), std::string("\xc3\x28", 2)}) {
    auto opened = tickets.redeem(tickets.issue(awaited, address, now), address, now);
    ASSERT_TRUE(opened) << "found by fuzz_sign_in: such bytes made the payload invalid JSON";
    EXPECT_EQ(opened->login, awaited.login);
  }
  awaited.login.clear();
  EXPECT_TRUE(tickets.redeem(tickets.issue(awaited, "", now), "", now));
}

TEST(SessionCookie, IsFoundAmongOtherCookiesByItsExactName) {
  EXPECT_EQ(session_cookie_of("a=1; __Host-vigie-session=vgs_x; b=2"), "vgs_x");
  EXPECT_EQ(session_cookie_of("__Host-vigie-session=vgs_y"), "vgs_y");
  EXPECT_EQ(session_cookie_of("__Host-vigie-sessionx=vgs_z"), "");
  EXPECT_EQ(session_cookie_of("__Host-vigie-session="), "");
  EXPECT_EQ(session_cookie_of(""), "");
  EXPECT_TRUE(csrf_token_matches(csrf_token_of("vgs_x"), "vgs_x"));
  EXPECT_FALSE(csrf_token_matches(csrf_token_of("vgs_x"), "vgs_y"));
  EXPECT_EQ(csrf_token_of("vgs_x").find("vgs_x"), std::string::npos);
}

TEST_F(ServerTest, ConditionalCreateAnswers201Then200WithTheMatchThen412For412AndBadQueries400) {
  world_.make(R"({"resourceType":"Organization","identifier":[{"system":"https://example.org/org",
    "value":"twice"}],"name":"Un"})");
  world_.make(R"({"resourceType":"Organization","identifier":[{"system":"https://example.org/org",
    "value":"twice"}],"name":"Deux"})");
  const gate::Principal lab = world_.service("labo.bio", "system/*.cruds");
  const std::string patient = R"({"resourceType":"Patient","identifier":[{"system":
    "https://example.org/dossiers","value":"D-7"}],"name":[{"family":"Blanc"}]})";
  std::vector<std::pair<std::string, std::string>> headers{
      {"Content-Type", "application/fhir+json"},
      {"If-None-Exist", "identifier=https://example.org/dossiers%7CD-7"}};
  HttpsClient client(port());
  auto created = client.send(verb::post, "/fhir/Patient", lab.bearer(), patient, headers);
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string id(boost::json::parse(created->body).at("id").as_string());

  auto found = client.send(verb::post, "/fhir/Patient", lab.bearer(), patient, headers);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->status, 200) << found->body;
  EXPECT_EQ(boost::json::parse(found->body).at("id").as_string(), id);
  EXPECT_EQ(found->header("Location"), "/fhir/Patient/" + id + "/_history/1");
  EXPECT_EQ(world_.last_entry().action, "search");

  headers.emplace_back("Prefer", "return=minimal");
  auto minimal = client.send(verb::post, "/fhir/Patient", lab.bearer(), patient, headers);
  ASSERT_TRUE(minimal);
  EXPECT_EQ(minimal->status, 200);
  EXPECT_TRUE(minimal->body.empty());

  HttpsClient second(port());
  auto several = second.send(verb::post, "/fhir/Organization", lab.bearer(),
                             R"({"resourceType":"Organization","name":"Trois"})",
                             {{"Content-Type", "application/fhir+json"},
                              {"If-None-Exist", "identifier=https://example.org/org%7Ctwice"}});
  ASSERT_TRUE(several);
  EXPECT_EQ(several->status, 412) << several->body;
  EXPECT_EQ(boost::json::parse(several->body).at("resourceType"), "OperationOutcome");
  for (const char* query : {"secret-value-42=1", "identifier"}) {
    auto bad = second.send(verb::post, "/fhir/Patient", lab.bearer(), patient,
                           {{"Content-Type", "application/fhir+json"}, {"If-None-Exist", query}});
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400) << query << ": " << bad->body;
    EXPECT_EQ(bad->body.find("secret-value-42"), std::string::npos) << bad->body;
  }
  auto counts = world_.gate().count_by_type(world_.custodian());
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->at("Patient"), 1);
  EXPECT_EQ(counts->at("Organization"), 2);
}

TEST_F(ServerTest, TypeHistoryPagesThroughLinksBoundToTheCredentialAndFiltersByCare) {
  const gate::Principal nurse = world_.person("infirmiere", access::Role::kPractitioner);
  const gate::StoredResource mine = world_.make_patient("Mien");
  const gate::StoredResource other = world_.make_patient("Autre");
  ASSERT_TRUE(world_.gate().assign(world_.custodian(), "infirmiere", mine.id));
  ASSERT_TRUE(world_.gate().update(
      world_.custodian(), "Patient", mine.id,
      boost::json::parse(R"({"resourceType":"Patient","name":[{"family":"Mien-Bis"}]})")
          .as_object()));
  const gate::Principal lab = world_.service("labo.bio", "system/Patient.rs");

  std::vector<std::string> seen;
  std::string next = "/fhir/Patient/_history?_count=1";
  std::string first_link;
  while (!next.empty()) {
    HttpsClient client(port());
    auto page = client.send(verb::get, next, nurse.bearer());
    ASSERT_TRUE(page);
    ASSERT_EQ(page->status, 200) << page->body;
    const boost::json::object bundle = boost::json::parse(page->body).as_object();
    EXPECT_EQ(bundle.at("type"), "history");
    EXPECT_EQ(bundle.at("total"), 2);
    for (const auto& entry : bundle.at("entry").as_array()) {
      seen.emplace_back(entry.at("resource").at("id").as_string());
      seen.back() += "/" + std::string(entry.at("resource").at("meta").at("versionId").as_string());
    }
    next.clear();
    if (const auto* links = bundle.if_contains("link")) {
      const std::string url(links->as_array().at(0).at("url").as_string());
      EXPECT_TRUE(url.starts_with("https://localhost/fhir/Patient/_history?_page=")) << url;
      next = url.substr(std::string("https://localhost").size());
      first_link = first_link.empty() ? next : first_link;
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{mine.id + "/2", mine.id + "/1"}));
  EXPECT_EQ(std::find(seen.begin(), seen.end(), other.id + "/1"), seen.end());

  HttpsClient client(port());
  auto replayed = client.send(verb::get, first_link, lab.bearer());
  ASSERT_TRUE(replayed);
  EXPECT_EQ(replayed->status, 403) << replayed->body;
  // A history link is not a search link, and the reverse.
  auto as_search = client.send(
      verb::get, "/fhir/Patient" + first_link.substr(std::string("/fhir/Patient/_history").size()),
      nurse.bearer());
  ASSERT_TRUE(as_search);
  EXPECT_EQ(as_search->status, 400) << as_search->body;
  auto unsupported = client.send(verb::get, "/fhir/Patient/_history?family=x", nurse.bearer());
  ASSERT_TRUE(unsupported);
  EXPECT_EQ(unsupported->status, 400);
  for (const char* bad : {"/fhir/Patient/_history?_count=1001", "/fhir/Patient/_history?_since=x",
                          "/fhir/Patient/_history?_offset=1", "/fhir/Nope/_history"}) {
    HttpsClient third(port());
    auto refused = third.send(verb::get, bad, lab.bearer());
    ASSERT_TRUE(refused);
    EXPECT_GE(refused->status, 400) << bad;
    EXPECT_LT(refused->status, 500) << bad;
  }
}

TEST_F(ServerTest, EverythingIsThePatientsCompartmentPagedAuditedAndRefusedOutsideTheCareTeam) {
  const gate::StoredResource patient = world_.make_patient("Entier");
  world_.make_observation(patient.id);
  world_.make_observation(patient.id);
  const gate::Principal nurse = world_.person("infirmiere", access::Role::kPractitioner);
  const gate::Principal stranger = world_.person("autre", access::Role::kPractitioner);
  ASSERT_TRUE(world_.gate().assign(world_.custodian(), "infirmiere", patient.id));

  std::vector<std::string> types;
  std::string next = "/fhir/Patient/" + patient.id + "/$everything?_count=2";
  size_t pages = 0;
  while (!next.empty()) {
    HttpsClient client(port());
    auto page = client.send(verb::get, next, nurse.bearer());
    ASSERT_TRUE(page);
    ASSERT_EQ(page->status, 200) << page->body;
    const boost::json::object bundle = boost::json::parse(page->body).as_object();
    EXPECT_EQ(bundle.at("type"), "searchset");
    EXPECT_EQ(bundle.at("total"), 3);
    for (const auto& entry : bundle.at("entry").as_array()) {
      types.emplace_back(entry.at("resource").at("resourceType").as_string());
    }
    const audit::Entry entry = world_.last_entry();
    EXPECT_EQ(entry.action, "search");
    EXPECT_EQ(entry.targets.at(0).id, patient.id);
    next.clear();
    if (const auto* links = bundle.if_contains("link")) {
      const std::string url(links->as_array().at(0).at("url").as_string());
      next = url.substr(std::string("https://localhost").size());
    }
    ++pages;
  }
  EXPECT_EQ(pages, 2U);
  EXPECT_EQ(types, (std::vector<std::string>{"Patient", "Observation", "Observation"}));

  HttpsClient client(port());
  auto refused =
      client.send(verb::get, "/fhir/Patient/" + patient.id + "/$everything", stranger.bearer());
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403) << refused->body;
  EXPECT_EQ(world_.last_entry().outcome, audit::Outcome::kDenied);
  EXPECT_EQ(world_.last_entry().actor.login, "autre");
  auto unknown = client.send(verb::get, "/fhir/Patient/inconnu/$everything", nurse.bearer());
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404) << unknown->body;
  auto unsupported = client.send(
      verb::get, "/fhir/Patient/" + patient.id + "/$everything?_type=Observation", nurse.bearer());
  ASSERT_TRUE(unsupported);
  EXPECT_EQ(unsupported->status, 400);
  for (const std::string& line : access_log()) {
    EXPECT_EQ(line.find(patient.id), std::string::npos) << line;
  }
}

TEST_F(ServerTest, ADeletedVersionIsAHistoryEntryWithoutAResource) {
  const gate::StoredResource patient = world_.make_patient("Parti");
  ASSERT_TRUE(world_.gate().remove(world_.custodian(), "Patient", patient.id));
  const gate::Principal lab = world_.service("labo.bio", "system/Patient.rs");
  HttpsClient client(port());
  for (const std::string& target : std::vector<std::string>{
           "/fhir/Patient/_history", "/fhir/Patient/" + patient.id + "/_history"}) {
    auto history = client.send(verb::get, target, lab.bearer());
    ASSERT_TRUE(history);
    ASSERT_EQ(history->status, 200) << target << ": " << history->body;
    const boost::json::object bundle = boost::json::parse(history->body).as_object();
    const auto& entries = bundle.at("entry").as_array();
    ASSERT_EQ(entries.size(), 2U) << target;
    EXPECT_FALSE(entries[0].as_object().contains("resource")) << target;
    EXPECT_EQ(entries[0].at("request").at("method"), "DELETE") << target;
    EXPECT_EQ(entries[0].at("request").at("url").as_string(), "Patient/" + patient.id) << target;
    EXPECT_EQ(entries[1].at("resource").at("id").as_string(), patient.id) << target;
  }
}

}  // namespace
}  // namespace vigie::http
