#include <jwt.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "auth/client_assertion.hpp"
#include "auth/client_keys.hpp"
#include "auth/token_request.hpp"
#include "support/client_signer.hpp"

// SMART Backend Services: JWKS registration, client assertion checks, token request parsing.

namespace vigie::auth {
namespace {

using test_support::ClientSigner;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr int64_t kNowMs = 1'800'000'000'000;
constexpr long kNowSeconds = kNowMs / 1000;
constexpr std::string_view kTokenUrl = "https://vigie.example/auth/token";

// The keys a signer registers, as parse_client_jwks gives them.
std::vector<ClientKey> registered(const ClientSigner& signer) {
  auto keys = parse_client_jwks(signer.jwks());
  EXPECT_TRUE(keys) << keys.error().message;
  return keys ? *keys : std::vector<ClientKey>{};
}

ClientSigner::Claims good_claims() {
  return ClientSigner::Claims{.iss = "lab-feed",
                              .sub = "lab-feed",
                              .aud = std::string(kTokenUrl),
                              .exp = kNowSeconds + 240,
                              .jti = "jti-1",
                              .kid = ""};
}

Result<VerifiedAssertion> verify(const std::string& assertion, const std::vector<ClientKey>& keys) {
  return verify_client_assertion(assertion, "lab-feed", keys, kTokenUrl, kNowMs);
}

// The French message of a refused JWKS (it has an English one too), which never quotes the file.
std::string refusal_of(std::string_view jwks) {
  auto keys = parse_client_jwks(jwks);
  EXPECT_FALSE(keys);
  if (keys) {
    return {};
  }
  EXPECT_EQ(keys.error().code, ErrorCode::kInvalidInput);
  EXPECT_THAT(keys.error().french, StartsWith("JWKS refusé : "));
  EXPECT_THAT(keys.error().message, StartsWith("JWKS refused: "));
  return keys.error().french;
}

std::string with_member(const ClientSigner& signer, std::string_view name,
                        boost::json::value value) {
  boost::json::object jwk = signer.jwk();
  jwk[name] = std::move(value);
  return boost::json::serialize(boost::json::object{{"keys", boost::json::array{jwk}}});
}

// --- JWKS ---

TEST(ClientKeysTest, AnEcP384KeyIsTakenForEs384WithItsPublicMembersOnly) {
  const ClientSigner signer(ClientSigner::Kind::kEcP384, "ec-1");
  auto keys = parse_client_jwks(with_member(signer, "use", "sig"));
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->size(), 1U);
  EXPECT_EQ((*keys)[0].kid, "ec-1");
  EXPECT_EQ((*keys)[0].alg, "ES384");
  const boost::json::object stored = boost::json::parse((*keys)[0].jwk).as_object();
  EXPECT_EQ(stored.size(), 6U);  // kty, crv, x, y, kid, alg: "use" is not kept
  EXPECT_EQ(stored.at("x"), signer.jwk().at("x"));

  auto key = public_key_of_jwk((*keys)[0].jwk);
  ASSERT_TRUE(key) << key.error().message;
  auto pem = public_key_pem(**key);
  ASSERT_TRUE(pem);
  EXPECT_EQ(*pem, signer.public_pem());  // the very key the signer holds
}

TEST(ClientKeysTest, AnRsaKeyOf2048BitsIsTakenForRs384) {
  const ClientSigner signer(ClientSigner::Kind::kRsa2048, "rsa-1");
  auto keys = parse_client_jwks(with_member(signer, "alg", "RS384"));
  ASSERT_TRUE(keys) << keys.error().message;
  EXPECT_EQ((*keys)[0].alg, "RS384");
  auto key = public_key_of_jwk((*keys)[0].jwk);
  ASSERT_TRUE(key);
  auto pem = public_key_pem(**key);
  ASSERT_TRUE(pem);
  EXPECT_EQ(*pem, signer.public_pem());
}

TEST(ClientKeysTest, SeveralKeysAreTakenInTheirOrder) {
  const ClientSigner ec(ClientSigner::Kind::kEcP384, "b");
  const ClientSigner rsa(ClientSigner::Kind::kRsa2048, "a");
  auto keys = parse_client_jwks(boost::json::serialize(
      boost::json::object{{"keys", boost::json::array{ec.jwk(), rsa.jwk()}}}));
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->size(), 2U);
  EXPECT_EQ((*keys)[0].kid, "b");
  EXPECT_EQ((*keys)[1].kid, "a");
}

TEST(ClientKeysTest, APrivateKeyIsRefusedWithoutQuotingIt) {
  for (const auto kind : {ClientSigner::Kind::kEcP384, ClientSigner::Kind::kRsa2048}) {
    const ClientSigner signer(kind);
    const std::string jwks = signer.jwks(true);
    const std::string message = refusal_of(jwks);
    EXPECT_THAT(message, HasSubstr("clé privée"));
    EXPECT_THAT(message, Not(HasSubstr(signer.jwk(true).at("d").as_string().c_str())));
  }
  // Any private member of an RSA key, alone, or a symmetric key.
  const ClientSigner rsa(ClientSigner::Kind::kRsa2048);
  for (std::string_view member : {"p", "q", "dp", "dq", "qi", "oth", "k"}) {
    EXPECT_THAT(refusal_of(with_member(rsa, member, "AQAB")), HasSubstr("clé privée")) << member;
  }
}

TEST(ClientKeysTest, OtherCurvesKeyTypesAndWeakRsaKeysAreRefused) {
  EXPECT_THAT(refusal_of(ClientSigner(ClientSigner::Kind::kEcP256).jwks()), HasSubstr("P-384"));
  EXPECT_THAT(refusal_of(ClientSigner(ClientSigner::Kind::kRsa1024).jwks()), HasSubstr("2048"));
  EXPECT_THAT(refusal_of(R"({"keys":[{"kty":"oct","kid":"s","k":"c2VjcmV0"}]})"),
              HasSubstr("clé privée ou secrète"));
  EXPECT_THAT(refusal_of(R"({"keys":[{"kty":"OKP","kid":"e","crv":"Ed25519","x":"AAAA"}]})"),
              HasSubstr("seules les clés EC P-384"));
  const ClientSigner ec(ClientSigner::Kind::kEcP384);
  EXPECT_THAT(refusal_of(with_member(ec, "alg", "ES256")), HasSubstr("ES384"));
  EXPECT_THAT(refusal_of(with_member(ec, "alg", "HS384")), HasSubstr("ES384"));
  EXPECT_THAT(refusal_of(with_member(ec, "use", "enc")), HasSubstr("signer"));
  const ClientSigner rsa(ClientSigner::Kind::kRsa2048);
  EXPECT_THAT(refusal_of(with_member(rsa, "alg", "RS256")), HasSubstr("RS384"));
  EXPECT_THAT(refusal_of(with_member(rsa, "e", "AQ")), HasSubstr("exposant"));  // e = 1
}

TEST(ClientKeysTest, APointOffTheCurveIsRefused) {
  const ClientSigner ec(ClientSigner::Kind::kEcP384);
  const ClientSigner other(ClientSigner::Kind::kEcP384);
  // x of one key with y of another: not a point of P-384 (with overwhelming probability).
  EXPECT_THAT(refusal_of(with_member(ec, "y", other.jwk().at("y"))), HasSubstr("courbe"));
  EXPECT_THAT(refusal_of(with_member(ec, "x", "AAAA")), HasSubstr("48 octets"));
}

TEST(ClientKeysTest, MalformedDocumentsDuplicateKidsAndBadKidsAreRefused) {
  EXPECT_THAT(refusal_of("{not json"), HasSubstr("JSON valide"));
  EXPECT_THAT(refusal_of("[]"), HasSubstr("keys"));
  EXPECT_THAT(refusal_of(R"({"keys":{}})"), HasSubstr("keys"));
  EXPECT_THAT(refusal_of(R"({"keys":[]})"), HasSubstr("de 1 à 10"));
  EXPECT_THAT(refusal_of(R"({"keys":[42]})"), HasSubstr("objet JSON"));
  const ClientSigner a(ClientSigner::Kind::kEcP384, "same");
  const ClientSigner b(ClientSigner::Kind::kRsa2048, "same");
  EXPECT_THAT(refusal_of(boost::json::serialize(
                  boost::json::object{{"keys", boost::json::array{a.jwk(), b.jwk()}}})),
              HasSubstr("même kid"));
  EXPECT_THAT(refusal_of(with_member(a, "kid", "")), HasSubstr("kid"));
  EXPECT_THAT(refusal_of(with_member(a, "kid", "a b")), HasSubstr("kid"));
  EXPECT_THAT(refusal_of(with_member(a, "kid", 7)), HasSubstr("kid"));
  boost::json::array eleven;
  for (int i = 0; i < 11; ++i) {
    eleven.push_back(a.jwk());
  }
  EXPECT_THAT(refusal_of(boost::json::serialize(boost::json::object{{"keys", eleven}})),
              HasSubstr("de 1 à 10"));
}

// --- assertions ---

TEST(ClientAssertionTest, AGoodEs384OrRs384AssertionVerifies) {
  for (const auto kind : {ClientSigner::Kind::kEcP384, ClientSigner::Kind::kRsa2048}) {
    const ClientSigner signer(kind);
    auto verified = verify(signer.sign(good_claims()), registered(signer));
    ASSERT_TRUE(verified) << verified.error().message;
    EXPECT_EQ(verified->client_id, "lab-feed");
    EXPECT_EQ(verified->jti, "jti-1");
    EXPECT_EQ(verified->expires_ms, (kNowSeconds + 240) * 1000);
  }
}

// The message of a refused assertion: kAuthenticationFailed, for the audit log.
std::string rejection(const std::string& assertion, const std::vector<ClientKey>& keys) {
  auto verified = verify(assertion, keys);
  EXPECT_FALSE(verified);
  if (verified) {
    return {};
  }
  EXPECT_EQ(verified.error().code, ErrorCode::kAuthenticationFailed);
  return verified.error().message;
}

TEST(ClientAssertionTest, Hs384KeyedWithThePublicKeyIsRefusedThoughLibjwtAloneWouldAcceptIt) {
  for (const auto kind : {ClientSigner::Kind::kEcP384, ClientSigner::Kind::kRsa2048}) {
    const ClientSigner signer(kind);
    const std::string public_pem = signer.public_pem();
    const std::string forged = signer.sign(good_claims(), JWT_ALG_HS384, &public_pem);

    // The classic attack is real: libjwt follows the header's alg and takes the PEM as an HMAC
    // secret.
    jwt_t* raw = nullptr;
    EXPECT_EQ(
        jwt_decode(&raw, forged.c_str(), reinterpret_cast<const unsigned char*>(public_pem.data()),
                   static_cast<int>(public_pem.size())),
        0);
    jwt_free(raw);

    EXPECT_EQ(rejection(forged, registered(signer)), "assertion alg is not the registered key's");
  }
}

TEST(ClientAssertionTest, AnUnsignedAssertionIsRefused) {
  const ClientSigner signer(ClientSigner::Kind::kEcP384);
  const std::string unsigned_token = signer.sign(good_claims(), JWT_ALG_NONE);
  // "none" has an empty signature: not even a compact JWS for vigie.
  EXPECT_EQ(rejection(unsigned_token, registered(signer)), "assertion is not a compact JWS");
  // With a signature appended, the alg still does not match the key.
  EXPECT_EQ(rejection(unsigned_token + "AAAA", registered(signer)),
            "assertion alg is not the registered key's");
}

TEST(ClientAssertionTest, AnotherAlgorithmThanTheKeysIsRefused) {
  const ClientSigner ec(ClientSigner::Kind::kEcP384);
  const ClientSigner rsa(ClientSigner::Kind::kRsa2048, "rsa");
  std::vector<ClientKey> keys = registered(ec);
  for (ClientKey& key : registered(rsa)) {
    keys.push_back(key);
  }
  // Signed by the RSA key (RS384) but naming the EC key's kid.
  ClientSigner::Claims claims = good_claims();
  claims.kid = ec.kid();
  EXPECT_EQ(rejection(rsa.sign(claims), keys), "assertion alg is not the registered key's");
  // ES256 and RS256 are not on the list, even with the right key.
  EXPECT_EQ(rejection(rsa.sign(good_claims(), JWT_ALG_RS256), keys),
            "assertion alg is not the registered key's");
}

TEST(ClientAssertionTest, AnUnknownKidOrAnotherKeysSignatureIsRefused) {
  const ClientSigner signer(ClientSigner::Kind::kEcP384);
  const ClientSigner impostor(ClientSigner::Kind::kEcP384);  // same kid, another key
  ClientSigner::Claims claims = good_claims();
  claims.kid = "key-2";
  EXPECT_EQ(rejection(signer.sign(claims), registered(signer)),
            "no registered key has the assertion's kid");
  EXPECT_EQ(rejection(impostor.sign(good_claims()), registered(signer)),
            "assertion signature does not verify");
  EXPECT_EQ(rejection(signer.sign(good_claims()), {}), "no registered key has the assertion's kid");
}

TEST(ClientAssertionTest, ATamperedPayloadIsRefused) {
  const ClientSigner signer(ClientSigner::Kind::kRsa2048);
  const std::string token = signer.sign(good_claims());
  const size_t first = token.find('.');
  const size_t second = token.find('.', first + 1);
  ClientSigner::Claims other = good_claims();
  other.jti = "jti-2";
  const std::string other_token = signer.sign(other);
  const size_t other_first = other_token.find('.');
  const size_t other_second = other_token.find('.', other_first + 1);
  // The other token's payload under this token's signature.
  const std::string spliced = token.substr(0, first + 1) +
                              other_token.substr(other_first + 1, other_second - other_first - 1) +
                              token.substr(second);
  EXPECT_EQ(rejection(spliced, registered(signer)), "assertion signature does not verify");
}

TEST(ClientAssertionTest, EachClaimIsChecked) {
  const ClientSigner signer(ClientSigner::Kind::kEcP384);
  const std::vector<ClientKey> keys = registered(signer);
  const auto with = [&](auto change) {
    ClientSigner::Claims claims = good_claims();
    change(claims);
    return rejection(signer.sign(claims), keys);
  };
  const std::string iss_or_sub = "assertion iss or sub is not the client id";
  EXPECT_EQ(with([](auto& c) { c.iss = "billing"; }), iss_or_sub);
  EXPECT_EQ(with([](auto& c) { c.sub = "billing"; }), iss_or_sub);
  EXPECT_EQ(with([](auto& c) { c.sub = ""; }), iss_or_sub);
  EXPECT_EQ(with([](auto& c) { c.aud = "https://other.example/auth/token"; }),
            "assertion aud is not the token URL");
  EXPECT_EQ(with([](auto& c) { c.aud = ""; }), "assertion aud is not the token URL");
  EXPECT_EQ(with([](auto& c) { c.exp = 0; }), "assertion exp is missing or not an integer");
  EXPECT_EQ(with([](auto& c) { c.exp = kNowSeconds + 301; }),
            "assertion exp is more than 5 minutes ahead");
  EXPECT_EQ(with([](auto& c) { c.exp = kNowSeconds; }), "assertion expired");
  EXPECT_EQ(with([](auto& c) { c.exp = -5; }), "assertion expired");
  EXPECT_EQ(with([](auto& c) { c.jti = ""; }), "assertion jti is missing, empty or too long");
  EXPECT_EQ(with([](auto& c) { c.jti = std::string(257, 'j'); }),
            "assertion jti is missing, empty or too long");
  // Five minutes exactly is allowed.
  ClientSigner::Claims edge = good_claims();
  edge.exp = kNowSeconds + 300;
  EXPECT_TRUE(verify(signer.sign(edge), keys));
}

TEST(ClientAssertionTest, MalformedAssertionsAreRefusedBeforeAnyKeyIsUsed) {
  const ClientSigner signer(ClientSigner::Kind::kEcP384);
  const std::vector<ClientKey> keys = registered(signer);
  const std::string good = signer.sign(good_claims());
  for (const std::string& text :
       {std::string(), std::string("a.b"), std::string("a.b.c.d"), good + ".x", good + "!",
        std::string("e30.e30.AAAA"), std::string(9000, 'a')}) {
    EXPECT_FALSE(read_assertion_claims(text)) << text.substr(0, 40);
    EXPECT_FALSE(verify(text, keys));
  }
  auto claimed = read_assertion_claims(good);
  ASSERT_TRUE(claimed);
  EXPECT_EQ(claimed->alg, "ES384");
  EXPECT_EQ(claimed->kid, "key-1");
  EXPECT_EQ(claimed->issuer, "lab-feed");
}

// --- token requests ---

TEST(TokenRequestTest, AClientCredentialsRequestParses) {
  auto request = parse_token_request(
      "grant_type=client_credentials&scope=system%2FPatient.rs+system/Observation.rs"
      "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
      "&client_assertion=a.b.c&unknown=ignored");
  ASSERT_TRUE(request);
  EXPECT_EQ(request->scope, "system/Patient.rs system/Observation.rs");
  EXPECT_EQ(request->assertion, "a.b.c");
  EXPECT_EQ(request->client_id, "");
}

OAuthError error_of(std::string_view body) {
  auto request = parse_token_request(body);
  EXPECT_FALSE(request);
  return request ? OAuthError::kInvalidRequest : request.error().error;
}

TEST(TokenRequestTest, EachBadRequestGetsItsOAuthError) {
  const std::string rest =
      "&scope=system/Patient.rs&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:"
      "jwt-bearer&client_assertion=a.b.c";
  EXPECT_EQ(error_of("grant_type=authorization_code" + rest), OAuthError::kUnsupportedGrantType);
  EXPECT_EQ(error_of("grant_type=password" + rest), OAuthError::kUnsupportedGrantType);
  EXPECT_EQ(error_of(rest), OAuthError::kInvalidRequest);
  EXPECT_EQ(error_of("grant_type=client_credentials&grant_type=client_credentials" + rest),
            OAuthError::kInvalidRequest);
  EXPECT_EQ(error_of("grant_type=client_credentials%zz" + rest), OAuthError::kInvalidRequest);
  EXPECT_EQ(error_of("grant_type=client_credentials&client_assertion=a.b.c"),
            OAuthError::kInvalidRequest);
  EXPECT_EQ(error_of("grant_type=client_credentials&scope=system/Patient.rs&client_assertion_type="
                     "urn:ietf:params:oauth:client-assertion-type:saml2-bearer&client_assertion=x"),
            OAuthError::kInvalidClient);
  EXPECT_EQ(error_of("grant_type=client_credentials" + rest + std::string(16 * 1024, 'x')),
            OAuthError::kInvalidRequest);
  EXPECT_EQ(name_of(OAuthError::kUnsupportedGrantType), "unsupported_grant_type");
  EXPECT_EQ(name_of(OAuthError::kInvalidClient), "invalid_client");
  EXPECT_EQ(name_of(OAuthError::kInvalidScope), "invalid_scope");
  EXPECT_EQ(name_of(OAuthError::kInvalidRequest), "invalid_request");
}

TEST(TokenRequestTest, OnlyAFormBodyIsTaken) {
  EXPECT_TRUE(is_form_urlencoded("application/x-www-form-urlencoded"));
  EXPECT_TRUE(is_form_urlencoded("Application/X-WWW-Form-URLencoded; charset=UTF-8"));
  EXPECT_FALSE(is_form_urlencoded("application/json"));
  EXPECT_FALSE(is_form_urlencoded(""));
  EXPECT_FALSE(is_form_urlencoded("application/x-www-form-urlencodedx"));
}

TEST(TokenRequestTest, SmartV1ScopesAreGrantedInTheirV2Form) {
  auto scopes = service_scopes(
      "system/Patient.read system/*.read system/Observation.write "
      "system/Patient.rs system/Encounter.*");
  ASSERT_TRUE(scopes);
  EXPECT_THAT(*scopes, ElementsAre("system/Patient.rs", "system/*.rs", "system/Observation.cud",
                                   "system/Encounter.cruds"));
}

TEST(TokenRequestTest, AServiceHoldsSystemScopesOnly) {
  auto scopes = service_scopes("system/Patient.rs system/Observation.rs system/Patient.rs");
  ASSERT_TRUE(scopes);
  EXPECT_THAT(*scopes, ElementsAre("system/Patient.rs", "system/Observation.rs"));
  for (std::string_view scope :
       {"user/Patient.rs", "patient/Observation.rs", "system/Patient.rs user/Patient.rs",
        "system/Patient.reed", "system/Patient.rs?category=x", "openid", "", "system/Patient.rs ",
        "system/Unknown.rs", "system/Unknown.read", "user/Patient.read"}) {
    auto refused = service_scopes(scope);
    ASSERT_FALSE(refused) << scope;
    EXPECT_EQ(refused.error().error, OAuthError::kInvalidScope) << scope;
  }
}

}  // namespace
}  // namespace vigie::auth
