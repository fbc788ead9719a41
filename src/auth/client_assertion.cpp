#include "auth/client_assertion.hpp"

#include <jwt.h>

#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "crypto/base64url.hpp"

namespace vigie::auth {

namespace {

tl::unexpected<Error> rejected(std::string reason) {
  return fail(ErrorCode::kAuthenticationFailed, std::move(reason));
}

// The JSON object that a base64url part encodes; nullopt otherwise.
std::optional<boost::json::object> json_object_of(std::string_view part) {
  const auto bytes = crypto::from_base64url(part);
  if (!bytes) {
    return std::nullopt;
  }
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(
      std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()), error);
  if (error || !value.is_object()) {
    return std::nullopt;
  }
  return std::move(value.get_object());
}

std::optional<std::string_view> string_claim(const boost::json::object& object,
                                             std::string_view name) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) {
    return std::nullopt;
  }
  return std::string_view(value->get_string());
}

// The header and payload of a compact JWS, decoded; nullopt unless it has exactly three parts,
// the first two of them JSON objects and the signature not empty.
struct Parts {
  boost::json::object header;
  boost::json::object payload;
};
std::optional<Parts> split(std::string_view assertion) {
  const size_t first = assertion.find('.');
  const size_t second = first == std::string_view::npos ? first : assertion.find('.', first + 1);
  if (second == std::string_view::npos ||
      assertion.find('.', second + 1) != std::string_view::npos || second + 1 == assertion.size()) {
    return std::nullopt;
  }
  auto header = json_object_of(assertion.substr(0, first));
  auto payload = json_object_of(assertion.substr(first + 1, second - first - 1));
  if (!header || !payload || !crypto::from_base64url(assertion.substr(second + 1))) {
    return std::nullopt;
  }
  return Parts{std::move(*header), std::move(*payload)};
}

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};

// The claims of a verified token as a JSON object, from libjwt's own parse of the payload.
std::optional<boost::json::object> claims_of(jwt_t* jwt) {
  const std::unique_ptr<char, decltype(&std::free)> text(jwt_get_grants_json(jwt, nullptr),
                                                         &std::free);
  if (!text) {
    return std::nullopt;
  }
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(text.get(), error);
  if (error || !value.is_object()) {
    return std::nullopt;
  }
  return std::move(value.get_object());
}

}  // namespace

Result<AssertionClaimed> read_assertion_claims(std::string_view assertion) {
  if (assertion.size() > kMaxAssertionBytes) {
    return rejected("assertion too long");
  }
  auto parts = split(assertion);
  if (!parts) {
    return rejected("assertion is not a compact JWS");
  }
  for (std::string_view reference : {"jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "crit"}) {
    if (parts->header.contains(reference)) {
      return rejected("assertion header names a key by reference or critical extensions");
    }
  }
  if (const boost::json::value* typ = parts->header.if_contains("typ");
      typ != nullptr && !(typ->is_string() && typ->get_string() == "JWT")) {
    return rejected("assertion typ is not JWT");
  }
  const auto alg = string_claim(parts->header, "alg");
  const auto kid = string_claim(parts->header, "kid");
  const auto issuer = string_claim(parts->payload, "iss");
  if (!alg || !kid || !issuer) {
    return rejected("assertion lacks alg, kid or iss");
  }
  return AssertionClaimed{std::string(*alg), std::string(*kid), std::string(*issuer)};
}

Result<VerifiedAssertion> verify_client_assertion(std::string_view assertion,
                                                  std::string_view client_id,
                                                  std::span<const ClientKey> keys,
                                                  std::string_view audience, int64_t now_ms) {
  auto claimed = read_assertion_claims(assertion);
  if (!claimed) {
    return tl::unexpected(claimed.error());
  }
  const ClientKey* key = nullptr;
  for (const ClientKey& candidate : keys) {
    if (candidate.kid == claimed->kid) {
      key = &candidate;
    }
  }
  if (key == nullptr) {
    return rejected("no registered key has the assertion's kid");
  }
  // The algorithm is the key's: the header's alg must agree, or libjwt would follow it.
  const jwt_alg_t pinned = key->alg == "ES384"   ? JWT_ALG_ES384
                           : key->alg == "RS384" ? JWT_ALG_RS384
                                                 : JWT_ALG_INVAL;
  if (pinned == JWT_ALG_INVAL || claimed->alg != key->alg) {
    return rejected("assertion alg is not the registered key's");
  }
  auto public_key = public_key_of_jwk(key->jwk);
  if (!public_key) {
    return fail(ErrorCode::kIntegrity, "a stored client key does not load");
  }
  auto pem = public_key_pem(**public_key);
  if (!pem) {
    return tl::unexpected(pem.error());
  }
  const std::string token(assertion);
  jwt_t* decoded = nullptr;
  const int status =
      jwt_decode(&decoded, token.c_str(), reinterpret_cast<const unsigned char*>(pem->data()),
                 static_cast<int>(pem->size()));
  const std::unique_ptr<jwt_t, JwtDeleter> jwt(decoded);
  if (status != 0 || !jwt || jwt_get_alg(jwt.get()) != pinned) {
    return rejected("assertion signature does not verify");
  }
  const auto claims = claims_of(jwt.get());
  if (!claims) {
    return rejected("assertion claims are not a JSON object");
  }
  if (string_claim(*claims, "iss") != client_id || string_claim(*claims, "sub") != client_id) {
    return rejected("assertion iss or sub is not the client id");
  }
  if (string_claim(*claims, "aud") != audience) {
    return rejected("assertion aud is not the token URL");
  }
  const boost::json::value* exp = claims->if_contains("exp");
  if (exp == nullptr || !(exp->is_int64() || exp->is_uint64())) {
    return rejected("assertion exp is missing or not an integer");
  }
  // An unsigned exp is beyond int64_t: as far ahead as can be.
  const int64_t exp_seconds =
      exp->is_int64() ? exp->get_int64() : std::numeric_limits<int64_t>::max();
  if (exp_seconds > (now_ms + kMaxAssertionLifetimeMs) / 1000) {
    return rejected("assertion exp is more than 5 minutes ahead");
  }
  if (exp_seconds <= now_ms / 1000) {
    return rejected("assertion expired");
  }
  const auto jti = string_claim(*claims, "jti");
  if (!jti || jti->empty() || jti->size() > kMaxJtiBytes) {
    return rejected("assertion jti is missing, empty or too long");
  }
  return VerifiedAssertion{std::string(client_id), std::string(*jti), exp_seconds * 1000};
}

}  // namespace vigie::auth
