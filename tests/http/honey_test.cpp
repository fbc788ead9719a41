// Issue 15, deliverable 5: a single read of a honey patient over HTTPS locks
// the account at once; the answer is the one an unknown id gets, byte for byte
// but the id; the alert is stored and in the audit log.

#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gate/access_world.hpp"
#include "http/auth_api.hpp"
#include "http/fhir_api.hpp"
#include "http/https_client.hpp"
#include "http/server.hpp"
#include "http/tls_files.hpp"
#include "http/webhook_receiver.hpp"
#include "http/worker_pool.hpp"
#include "watch/alert.hpp"

namespace vigie::http {
namespace {

using boost::beast::http::verb;
using testing::HttpsClient;

// A vault with accounts and one decoy patient, served over HTTPS on a free
// loopback port (the setup of server_test.cpp's ServerTest, reduced to what
// these tests use).
class HoneyServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    real_ = world_.make_patient("Lefebvre").id;
    auto planted = world_.gate().plant_honey(world_.custodian(), 1);
    ASSERT_TRUE(planted) << planted.error().message;
    decoy_ = planted->front();
    tls_ = default_tls_files(world_.vault_dir());
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    ASSERT_TRUE(write_localhost_certificate(tls_, now));
    add_fhir_routes(router_, page_links_);
    add_auth_routes(router_, sign_in_tickets_);
    auto readers = WorkerPool::start(world_.gate(), 2, 64);
    ASSERT_TRUE(readers) << readers.error().message;
    readers_ = std::move(*readers);
    auto writer = WorkerPool::start(world_.gate(), 1, 64);
    ASSERT_TRUE(writer) << writer.error().message;
    writer_ = std::move(*writer);
    auto sign_in = WorkerPool::start(world_.gate(), 1, 64);
    ASSERT_TRUE(sign_in) << sign_in.error().message;
    sign_in_ = std::move(*sign_in);
    ServerOptions options;
    options.port = 0;
    options.certificate = tls_.certificate;
    options.private_key = tls_.private_key;
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

  std::optional<testing::HttpsReply> get(const std::string& target, const gate::Principal& who) {
    HttpsClient client(server_->port());
    return client.send(verb::get, target, who.bearer());
  }

  // The headers of a reply, by name, but those that differ from one reply to
  // the next.
  static std::set<std::pair<std::string, std::string>> stable_headers(
      const testing::HttpsReply& reply) {
    std::set<std::pair<std::string, std::string>> headers;
    for (const auto& [name, value] : reply.headers) {
      if (!boost::beast::iequals(name, "Date")) {
        headers.emplace(name, value);
      }
    }
    return headers;
  }

  testing::AccessWorld world_;
  std::string real_;
  std::string decoy_;
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

TEST_F(HoneyServerTest, ASingleReadOfAHoneyPatientLocksAtOnceAndLooksLikeAnUnknownId) {
  const gate::Principal reference =
      world_.person("dr.reference", access::Role::kPractitioner, "10000000002");
  const gate::Principal curious =
      world_.person("dr.curieux", access::Role::kPractitioner, "10000000003");
  ASSERT_TRUE(world_.gate().assign(world_.custodian(), "dr.curieux", real_));

  const std::string unknown_id = vault::Vault::new_id();
  auto unknown = get("/fhir/Patient/" + unknown_id, reference);
  ASSERT_TRUE(unknown);
  ASSERT_EQ(unknown->status, 404) << unknown->body;

  auto before = get("/fhir/Patient/" + real_, curious);
  ASSERT_TRUE(before);
  ASSERT_EQ(before->status, 200) << before->body;

  auto decoy = get("/fhir/Patient/" + decoy_, curious);
  ASSERT_TRUE(decoy);
  EXPECT_EQ(decoy->status, 404);
  std::string expected = unknown->body;
  for (size_t at = expected.find(unknown_id); at != std::string::npos;
       at = expected.find(unknown_id, at + decoy_.size())) {
    expected.replace(at, unknown_id.size(), decoy_);
  }
  EXPECT_EQ(decoy->body, expected);
  EXPECT_EQ(stable_headers(*decoy), stable_headers(*unknown));

  // Locked in that same request: the next one, even for the practitioner's own
  // patient, is refused.
  auto after = get("/fhir/Patient/" + real_, curious);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 401) << after->body;

  auto shown = world_.gate().show_account(world_.custodian(), "dr.curieux");
  ASSERT_TRUE(shown) << shown.error().message;
  EXPECT_EQ(shown->status, auth::AccountStatus::kLocked);
  auto alerts = world_.gate().alerts(world_.custodian(), {});
  ASSERT_TRUE(alerts) << alerts.error().message;
  ASSERT_EQ(alerts->size(), 1U);
  const watch::Alert& alert = alerts->front();
  EXPECT_EQ(alert.kind, watch::AlertKind::kHoney);
  EXPECT_EQ(alert.account, "dr.curieux");
  EXPECT_TRUE(alert.account_locked);
  EXPECT_EQ(alert.detail.find(decoy_), std::string::npos) << alert.detail;

  // In the audit log: the read, answered as for an unknown id, and the alert
  // naming the account.
  bool read_recorded = false;
  bool alert_recorded = false;
  for (const audit::Entry& entry : world_.entries()) {
    if (entry.action == audit::kActionRead && entry.actor.login == "dr.curieux" &&
        !entry.targets.empty() && entry.targets[0].id == decoy_) {
      read_recorded = true;
      EXPECT_NE(entry.outcome, audit::Outcome::kSuccess);
      EXPECT_FALSE(entry.decrypted_data_left);
    }
    if (entry.action == audit::kActionAlert && entry.purpose.starts_with("honey")) {
      alert_recorded = true;
    }
  }
  EXPECT_TRUE(read_recorded);
  EXPECT_TRUE(alert_recorded);
  {
    const std::scoped_lock lock(log_mutex_);
    for (const std::string& line : access_log_) {
      EXPECT_EQ(line.find(decoy_), std::string::npos) << line;
    }
  }

  // Reported: the critical alert reaches a webhook receiver on loopback, without the decoy's id.
  const testing::LoopbackDelivery delivery =
      testing::deliver_to_loopback_webhook(world_.gate(), tls_);
  ASSERT_TRUE(delivery.round) << delivery.round.error().message;
  EXPECT_EQ(delivery.round->delivered, 1);
  const std::vector<testing::ReceivedWebhook>& received = delivery.received;
  ASSERT_EQ(received.size(), 1U);
  const boost::json::object document = boost::json::parse(received[0].body).as_object();
  EXPECT_EQ(document.at("kind"), "honey");
  EXPECT_EQ(document.at("severity"), "critical");
  EXPECT_EQ(document.at("account"), "dr.curieux");
  EXPECT_EQ(received[0].body.find(decoy_), std::string::npos) << received[0].body;
}

TEST_F(HoneyServerTest, AServiceSearchThatWouldShowADecoyLeavesItOutAndLocks) {
  const gate::Principal lab = world_.service("labo.scan", "system/Patient.rs");
  auto search = get("/fhir/Patient", lab);
  ASSERT_TRUE(search);
  ASSERT_EQ(search->status, 200) << search->body;
  EXPECT_EQ(search->body.find(decoy_), std::string::npos);
  const boost::json::object bundle = boost::json::parse(search->body).as_object();
  EXPECT_EQ(bundle.at("total"), 1);
  auto again = get("/fhir/Patient/" + real_, lab);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 401) << again->body;
}

}  // namespace
}  // namespace vigie::http
