#include <chrono>
#include <memory>
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
#include "http/smart_api.hpp"
#include "http/tls_files.hpp"
#include "http/worker_pool.hpp"
#include "support/client_signer.hpp"

// SMART Backend Services over HTTPS: discovery, the token endpoint, and reading with its token.

namespace vigie::http {
namespace {

using boost::beast::http::verb;
using test_support::ClientSigner;
using testing::HttpsClient;

constexpr std::string_view kPublicUrl = "https://vigie.example:8443";
constexpr std::string_view kFormType = "application/x-www-form-urlencoded";

class SmartServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tls_ = default_tls_files(world_.vault_dir());
    ASSERT_TRUE(
        write_localhost_certificate(tls_, std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count()));
    endpoint_.set_base(kPublicUrl);
    add_smart_routes(router_, endpoint_);
    add_fhir_routes_for_test();
    auto readers = WorkerPool::start(world_.gate(), 1, 16);
    ASSERT_TRUE(readers) << readers.error().message;
    readers_ = std::move(*readers);
    auto writer = WorkerPool::start(world_.gate(), 1, 16);
    ASSERT_TRUE(writer) << writer.error().message;
    writer_ = std::move(*writer);
    auto sign_in = WorkerPool::start(world_.gate(), 1, 16);
    ASSERT_TRUE(sign_in) << sign_in.error().message;
    sign_in_ = std::move(*sign_in);
    ServerOptions options;
    options.port = 0;
    options.certificate = tls_.certificate;
    options.private_key = tls_.private_key;
    auto server = Server::start(options, router_, {*readers_, *writer_, *sign_in_},
                                [](const AccessRecord&) {});
    ASSERT_TRUE(server) << server.error().message;
    server_ = std::move(*server);

    ASSERT_TRUE(world_.gate().add_account(
        world_.custodian(),
        auth::NewAccount{"labo.bio", "Interface labo", access::Role::kService, ""}));
    ASSERT_TRUE(world_.gate().add_client_keys(world_.custodian(), "labo.bio", signer_.jwks()));
  }

  void TearDown() override {
    server_.reset();
    readers_.reset();
    writer_.reset();
    sign_in_.reset();
  }

  // The one FHIR route this test reads with.
  void add_fhir_routes_for_test() {
    router_.add_authenticated(
        Method::kGet, "/fhir/Patient/{id}",
        [](const Request&, const PathParameters& path, gate::Gate& gate,
           const gate::Principal& principal, Reply reply) {
          auto read = gate.read(principal, "Patient", path["id"]);
          reply(read ? json_response(200, read->resource) : outcome_response(read.error()));
        });
  }

  [[nodiscard]] std::string assertion(std::string jti) {
    return signer_.sign(ClientSigner::Claims{.iss = "labo.bio",
                                             .sub = "labo.bio",
                                             .aud = std::string(kPublicUrl) + "/auth/token",
                                             .exp = world_.clock().now_ms() / 1000 + 60,
                                             .jti = std::move(jti),
                                             .kid = ""});
  }

  static std::string form(std::string_view signed_assertion,
                          std::string_view scope = "system%2FPatient.rs") {
    return "grant_type=client_credentials&scope=" + std::string(scope) +
           "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-"
           "bearer&client_assertion=" +
           std::string(signed_assertion);
  }

  std::optional<testing::HttpsReply> post_token(std::string body,
                                                std::string_view type = kFormType) {
    HttpsClient client(server_->port());
    return client.send(verb::post, "/auth/token", {}, std::move(body),
                       {{"Content-Type", std::string(type)}});
  }

  testing::AccessWorld world_;
  ClientSigner signer_{ClientSigner::Kind::kEcP384};
  TlsFiles tls_;
  TokenEndpoint endpoint_;
  Router router_;
  std::unique_ptr<WorkerPool> readers_;
  std::unique_ptr<WorkerPool> writer_;
  std::unique_ptr<WorkerPool> sign_in_;
  std::unique_ptr<Server> server_;
};

TEST_F(SmartServerTest, TheDiscoveryDocumentIsPublicAndNamesTheTokenUrlTheAssertionMustTarget) {
  HttpsClient client(server_->port());
  auto reply = client.send(verb::get, "/.well-known/smart-configuration");
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->status, 200);
  EXPECT_EQ(reply->header("Content-Type"), "application/json");
  const boost::json::object document = boost::json::parse(reply->body).as_object();
  EXPECT_EQ(document.at("token_endpoint"), "https://vigie.example:8443/auth/token");
  EXPECT_EQ(document.at("token_endpoint_auth_methods_supported"),
            boost::json::array{"private_key_jwt"});
  EXPECT_EQ(document.at("token_endpoint_auth_signing_alg_values_supported"),
            (boost::json::array{"ES384", "RS384"}));
  EXPECT_EQ(document.at("grant_types_supported"), boost::json::array{"client_credentials"});
  EXPECT_EQ(document.at("capabilities"), (boost::json::array{"client-confidential-asymmetric",
                                                             "permission-v1", "permission-v2"}));
}

TEST_F(SmartServerTest, ATokenFromASignedAssertionReadsForFiveMinutesThenIsRefused) {
  const gate::StoredResource patient = world_.make_patient("Lefebvre");
  auto issued = post_token(form(assertion("jti-1")));
  ASSERT_TRUE(issued);
  ASSERT_EQ(issued->status, 200) << issued->body;
  EXPECT_EQ(issued->header("Cache-Control"), "no-store");
  const boost::json::object token = boost::json::parse(issued->body).as_object();
  EXPECT_EQ(token.at("token_type"), "bearer");
  EXPECT_EQ(token.at("expires_in"), 300);
  EXPECT_EQ(token.at("scope"), "system/Patient.rs");
  EXPECT_FALSE(token.contains("refresh_token"));
  const std::string bearer(token.at("access_token").as_string());

  HttpsClient client(server_->port());
  auto read = client.send(verb::get, "/fhir/Patient/" + patient.id, bearer);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200) << read->body;

  world_.clock().advance_ms(300'001);
  HttpsClient later(server_->port());
  auto expired = later.send(verb::get, "/fhir/Patient/" + patient.id, bearer);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 401);
}

TEST_F(SmartServerTest, RefusalsSayOnlyTheOAuthErrorWith401ForInvalidClient) {
  const auto error_of = [](const std::optional<testing::HttpsReply>& reply) {
    EXPECT_TRUE(reply);
    if (!reply) {
      return std::string();
    }
    const boost::json::object body = boost::json::parse(reply->body).as_object();
    EXPECT_EQ(body.size(), 1U) << reply->body;  // the error, and nothing about why
    EXPECT_EQ(reply->header("Cache-Control"), "no-store");
    return std::to_string(reply->status) + " " + std::string(body.at("error").as_string());
  };
  const std::string once = assertion("jti-2");
  EXPECT_EQ(error_of(post_token(form(once, "user%2FPatient.rs"))), "400 invalid_scope");
  EXPECT_EQ(error_of(post_token(form(once), "application/json")), "400 invalid_request");
  EXPECT_EQ(error_of(post_token("grant_type=password")), "400 unsupported_grant_type");
  auto first = post_token(form(once));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(error_of(post_token(form(once))), "401 invalid_client");  // the same jti again
  const ClientSigner stranger(ClientSigner::Kind::kEcP384);
  EXPECT_EQ(error_of(post_token(form(
                stranger.sign(ClientSigner::Claims{.iss = "labo.bio",
                                                   .sub = "labo.bio",
                                                   .aud = std::string(kPublicUrl) + "/auth/token",
                                                   .exp = world_.clock().now_ms() / 1000 + 60,
                                                   .jti = "jti-3",
                                                   .kid = ""})))),
            "401 invalid_client");
  // The aud is checked against the configured URL, never the Host header: an assertion made for
  // another server is refused even when the request names that server as its Host.
  ClientSigner::Claims elsewhere{.iss = "labo.bio",
                                 .sub = "labo.bio",
                                 .aud = "https://other.example/auth/token",
                                 .exp = world_.clock().now_ms() / 1000 + 60,
                                 .jti = "jti-4",
                                 .kid = ""};
  HttpsClient client(server_->port());
  EXPECT_EQ(
      error_of(client.send(verb::post, "/auth/token", {}, form(signer_.sign(elsewhere)),
                           {{"Content-Type", std::string(kFormType)}, {"Host", "other.example"}})),
      "401 invalid_client");
}

TEST(SmartRoutesTest, TheServersRouteTableOpensOnlyThreePublicRoutesAndThreeSignIns) {
  // The table `vigie serve` builds.
  const PageLinks links;
  const SignInTickets tickets;
  const TokenEndpoint endpoint;
  Router router;
  add_fhir_routes(router, links);
  add_auth_routes(router, tickets);
  add_smart_routes(router, endpoint);
  std::set<std::string> open;
  std::set<std::string> sign_in;
  for (const Route& route : router.routes()) {
    if (route.access == Access::kPublic) {
      open.insert(std::string(name_of(route.method)) + " " + route.pattern);
    } else if (route.access == Access::kSignIn) {
      sign_in.insert(std::string(name_of(route.method)) + " " + route.pattern);
    }
  }
  EXPECT_EQ(open, (std::set<std::string>{"GET /healthz", "GET /fhir/metadata",
                                         "GET /.well-known/smart-configuration"}));
  EXPECT_EQ(sign_in,
            (std::set<std::string>{"POST /auth/login", "POST /auth/otp", "POST /auth/token"}));
}

TEST(PublicUrlTest, AnHttpsBaseIsTakenWithoutItsTrailingSlashAndAnythingElseRefused) {
  EXPECT_EQ(check_public_url("https://vigie.example"), "https://vigie.example");
  EXPECT_EQ(check_public_url("https://vigie.example:8443/"), "https://vigie.example:8443");
  EXPECT_EQ(check_public_url("https://[::1]:8443/vigie"), "https://[::1]:8443/vigie");
  for (std::string_view bad :
       {"http://vigie.example", "https://", "https:///x", "vigie.example", "https://a b",
        "https://vigie.example/?q", "https://vigie.example/#f", "https://user@vigie.example"}) {
    auto refused = check_public_url(bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, ErrorCode::kUsage);
  }
}

}  // namespace
}  // namespace vigie::http
