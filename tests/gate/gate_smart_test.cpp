// SMART Backend Services through the gate: key registration by the custodian, and the token
// endpoint's call, with its audit entries and its replay store.
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gate/access_world.hpp"
#include "support/client_signer.hpp"

namespace vigie {
namespace {

using test_support::ClientSigner;
using testing::AccessWorld;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kUrl = "https://vigie.example/auth/token";
constexpr std::string_view kAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

class GateSmartTest : public ::testing::Test {
 protected:
  gate::Gate& gate() { return world_.gate(); }

  // A service account with `signer`'s keys registered.
  void register_service(std::string_view login, const ClientSigner& signer) {
    auto added = gate().add_account(
        world_.custodian(),
        auth::NewAccount{std::string(login), "Interface labo", access::Role::kService, ""});
    ASSERT_TRUE(added) << added.error().message;
    auto kids = gate().add_client_keys(world_.custodian(), login, signer.jwks());
    ASSERT_TRUE(kids) << kids.error().message;
    EXPECT_EQ(*kids, std::vector<std::string>{signer.kid()});
  }

  ClientSigner::Claims claims(std::string_view client, std::string jti) {
    return ClientSigner::Claims{.iss = std::string(client),
                                .sub = std::string(client),
                                .aud = std::string(kUrl),
                                .exp = world_.clock().now_ms() / 1000 + 120,
                                .jti = std::move(jti),
                                .kid = ""};
  }

  static std::string body(std::string_view assertion, std::string_view scope = "system/Patient.rs",
                          std::string_view grant_type = "client_credentials") {
    return "grant_type=" + std::string(grant_type) + "&scope=" + std::string(scope) +
           "&client_assertion_type=" + std::string(kAssertionType) +
           "&client_assertion=" + std::string(assertion);
  }

  gate::ClientTokenAnswer ask(std::string request_body) {
    auto answer = gate().client_token(gate::ClientTokenRequest{
        std::move(request_body), std::string(kUrl), "application/x-www-form-urlencoded",
        std::string(testing::kClientAddress), "test"});
    EXPECT_TRUE(answer) << answer.error().message;
    return answer ? std::move(*answer) : gate::ClientTokenAnswer{};
  }

  AccessWorld world_;
};

TEST_F(GateSmartTest, KeysAreRegisteredByTheCustodianAuditedByKidNeverByKeyMaterial) {
  const ClientSigner signer(ClientSigner::Kind::kEcP384, "lab-2026");
  register_service("labo.bio", signer);
  const audit::Entry entry = world_.last_entry();
  EXPECT_EQ(entry.action, audit::kActionAccountChange);
  EXPECT_EQ(entry.purpose, "client-keys-add lab-2026");
  ASSERT_EQ(entry.targets.size(), 1U);
  EXPECT_EQ(entry.targets[0].id, "labo.bio");
  const std::string x(signer.jwk().at("x").as_string());
  for (const audit::Entry& any : world_.entries()) {
    EXPECT_THAT(any.purpose + any.reason, Not(HasSubstr(x)));
  }

  // The same kid again, for the same account: refused, nothing written.
  const ClientSigner again(ClientSigner::Kind::kRsa2048, "lab-2026");
  auto duplicate = gate().add_client_keys(world_.custodian(), "labo.bio", again.jwks());
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::kConflict);
  // A private key: refused with the parser's message.
  auto secret = gate().add_client_keys(world_.custodian(), "labo.bio", signer.jwks(true));
  ASSERT_FALSE(secret);
  EXPECT_EQ(secret.error().code, ErrorCode::kInvalidInput);
  EXPECT_THAT(secret.error().french, HasSubstr("clé privée"));
  // Not for a person, nor for an unknown login.
  const gate::Principal doctor = world_.person("dr.martin", access::Role::kPractitioner);
  auto for_person = gate().add_client_keys(world_.custodian(), "dr.martin", signer.jwks());
  ASSERT_FALSE(for_person);
  EXPECT_EQ(for_person.error().code, ErrorCode::kUsage);
  auto unknown = gate().add_client_keys(world_.custodian(), "nobody", signer.jwks());
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  // Only who administers accounts registers keys.
  auto by_doctor = gate().add_client_keys(doctor, "labo.bio",
                                          ClientSigner(ClientSigner::Kind::kEcP384, "x").jwks());
  ASSERT_FALSE(by_doctor);
  EXPECT_EQ(by_doctor.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(GateSmartTest, ATokenIsIssuedForFiveMinutesWithTheRequestedScopesAndReads) {
  const ClientSigner signer(ClientSigner::Kind::kEcP384);
  register_service("labo.bio", signer);
  const std::string patient = world_.make_patient("Lefèvre").id;

  const gate::ClientTokenAnswer answer =
      ask(body(signer.sign(claims("labo.bio", "j-1")), "system/Patient.rs%20system/Patient.rs"));
  ASSERT_TRUE(answer.token);
  EXPECT_EQ(answer.scope, "system/Patient.rs");
  EXPECT_EQ(answer.token->expires_ms, world_.clock().now_ms() + 300'000);
  const audit::Entry issued = world_.last_entry();
  EXPECT_EQ(issued.action, audit::kActionLogin);
  EXPECT_EQ(issued.outcome, audit::Outcome::kSuccess);
  EXPECT_EQ(issued.actor.login, "labo.bio");
  EXPECT_EQ(issued.actor.auth_method, "private_key_jwt");
  EXPECT_EQ(issued.actor.session_id, answer.token->id);
  EXPECT_EQ(issued.purpose, "scope system/Patient.rs");

  const gate::Principal service =
      gate::account_principal(answer.token->secret, std::string(testing::kClientAddress), "test");
  EXPECT_TRUE(gate().read(service, "Patient", patient));
  // Its scopes only.
  auto observations = gate().search(service, "Observation", {});
  ASSERT_FALSE(observations);
  EXPECT_EQ(observations.error().code, ErrorCode::kPermissionDenied);
  // And five minutes only.
  world_.clock().advance_ms(300'001);
  auto late = gate().read(service, "Patient", patient);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kAuthenticationFailed);
}

TEST_F(GateSmartTest, SmartV1ScopesAreGrantedInTheirV2FormAndGiveNoMoreThanThem) {
  const ClientSigner signer(ClientSigner::Kind::kEcP384);
  register_service("labo.bio", signer);
  const std::string patient = world_.make_patient("Lefèvre").id;

  const gate::ClientTokenAnswer reader =
      ask(body(signer.sign(claims("labo.bio", "v1-read")), "system/Patient.read%20system/*.read"));
  ASSERT_TRUE(reader.token);
  EXPECT_EQ(reader.scope, "system/Patient.rs system/*.rs");
  EXPECT_EQ(world_.last_entry().purpose, "scope system/Patient.rs system/*.rs");
  const gate::Principal reading =
      gate::account_principal(reader.token->secret, std::string(testing::kClientAddress), "test");
  EXPECT_TRUE(gate().read(reading, "Patient", patient));
  EXPECT_TRUE(gate().search(reading, "Observation", {}));
  auto write =
      gate().create(reading, boost::json::parse(R"({"resourceType":"Patient"})").as_object());
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().code, ErrorCode::kPermissionDenied);

  const gate::ClientTokenAnswer writer =
      ask(body(signer.sign(claims("labo.bio", "v1-write")), "system/Patient.write"));
  ASSERT_TRUE(writer.token);
  EXPECT_EQ(writer.scope, "system/Patient.cud");
  const gate::Principal writing =
      gate::account_principal(writer.token->secret, std::string(testing::kClientAddress), "test");
  auto read = gate().read(writing, "Patient", patient);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kPermissionDenied);
  // Erasure stays outside every scope, v1 `*` included.
  const gate::ClientTokenAnswer everything =
      ask(body(signer.sign(claims("labo.bio", "v1-all")), "system/*.*"));
  ASSERT_TRUE(everything.token);
  EXPECT_EQ(everything.scope, "system/*.cruds");
  const gate::Principal all = gate::account_principal(everything.token->secret,
                                                      std::string(testing::kClientAddress), "test");
  auto erased = gate().erase_patient(all, patient);
  ASSERT_FALSE(erased);
  EXPECT_EQ(erased.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(GateSmartTest, AReusedJtiIsInvalidClientEvenAfterTheVaultIsReopened) {
  const ClientSigner signer(ClientSigner::Kind::kRsa2048);
  register_service("labo.bio", signer);
  ASSERT_TRUE(ask(body(signer.sign(claims("labo.bio", "once")))).token);

  // The very same assertion, and a new one with the same jti.
  for (const std::string& assertion :
       {signer.sign(claims("labo.bio", "once")), signer.sign(claims("labo.bio", "once"))}) {
    const gate::ClientTokenAnswer replayed = ask(body(assertion));
    EXPECT_FALSE(replayed.token);
    EXPECT_EQ(replayed.error, auth::OAuthError::kInvalidClient);
  }
  const audit::Entry refused = world_.last_entry();
  EXPECT_EQ(refused.outcome, audit::Outcome::kDenied);
  EXPECT_EQ(refused.actor.login, "labo.bio");
  EXPECT_EQ(refused.reason, "invalid_client: assertion jti replayed");

  const std::string kept = signer.sign(claims("labo.bio", "once"));
  world_.reopen();
  const gate::ClientTokenAnswer after = ask(body(kept));
  EXPECT_FALSE(after.token);
  EXPECT_EQ(after.error, auth::OAuthError::kInvalidClient);
  // Another jti is fine.
  EXPECT_TRUE(ask(body(signer.sign(claims("labo.bio", "twice")))).token);
}

TEST_F(GateSmartTest, EachRefusalHasItsOAuthErrorAndItsReasonInTheAuditLog) {
  const ClientSigner signer(ClientSigner::Kind::kEcP384);
  register_service("labo.bio", signer);
  const auto refused = [&](const std::string& request_body, auth::OAuthError error,
                           std::string_view reason, std::string_view login) {
    const gate::ClientTokenAnswer answer = ask(request_body);
    EXPECT_FALSE(answer.token) << reason;
    EXPECT_EQ(answer.error, error) << reason;
    const audit::Entry entry = world_.last_entry();
    EXPECT_EQ(entry.action, audit::kActionLogin);
    EXPECT_EQ(entry.outcome, audit::Outcome::kDenied);
    EXPECT_EQ(entry.reason, reason);
    EXPECT_EQ(entry.actor.login, login);
    EXPECT_EQ(entry.actor.auth_method, "private_key_jwt");
  };
  const std::string good = signer.sign(claims("labo.bio", "j-1"));
  refused(body(good, "user/Patient.rs"), auth::OAuthError::kInvalidScope,
          "invalid_scope: a service may only hold system/ scopes", "labo.bio");
  refused(body(good, "system/Patiant.read"), auth::OAuthError::kInvalidScope,
          "invalid_scope: a scope does not parse", "labo.bio");
  refused(body(good, "system/Patient.reed"), auth::OAuthError::kInvalidScope,
          "invalid_scope: a scope does not parse", "labo.bio");
  refused(body(good, "system/*.read%20system/Patient.reads"), auth::OAuthError::kInvalidScope,
          "invalid_scope: a scope does not parse", "labo.bio");
  refused(body(good, "system/Patient.rs", "password"), auth::OAuthError::kUnsupportedGrantType,
          "unsupported_grant_type: grant_type is not client_credentials", "");
  refused("grant_type=client_credentials", auth::OAuthError::kInvalidRequest,
          "invalid_request: scope, client_assertion_type or client_assertion missing", "");
  refused(body("not-a-jwt"), auth::OAuthError::kInvalidClient,
          "invalid_client: assertion is not a compact JWS", "");
  refused(body(signer.sign(claims("inconnu", "j-2"))), auth::OAuthError::kInvalidClient,
          "invalid_client: no service account has the assertion's iss", "");
  ClientSigner::Claims far = claims("labo.bio", "j-3");
  far.aud = "https://ailleurs.example/auth/token";
  refused(body(signer.sign(far)), auth::OAuthError::kInvalidClient,
          "invalid_client: assertion aud is not the token URL", "labo.bio");
  // A refused scope spent no jti: the same assertion is taken with a right scope.
  EXPECT_TRUE(ask(body(good)).token);

  ASSERT_TRUE(
      gate().set_account_status(world_.custodian(), "labo.bio", auth::AccountStatus::kDisabled));
  refused(body(signer.sign(claims("labo.bio", "j-4"))), auth::OAuthError::kInvalidClient,
          "invalid_client: the service account is not active", "labo.bio");
}

}  // namespace
}  // namespace vigie
