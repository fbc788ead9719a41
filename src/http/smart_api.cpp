#include "http/smart_api.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "auth/authenticator.hpp"

namespace vigie::http {

namespace {

// RFC 6749 §5.1: token responses, and their errors, are never cached.
void no_store(Response& response) {
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("Pragma", "no-cache");
}

Response oauth_error(auth::OAuthError error) {
  // RFC 6749 §5.2: 400, or 401 for a client that failed to authenticate.
  Response response =
      json_response(error == auth::OAuthError::kInvalidClient ? 401 : 400,
                    boost::json::object{{"error", auth::name_of(error)}}, "application/json");
  no_store(response);
  return response;
}

Response token_answer(const gate::ClientTokenAnswer& answer) {
  if (!answer.token) {
    return oauth_error(answer.error);
  }
  Response response = json_response(200,
                                    boost::json::object{
                                        {"access_token", answer.token->secret},
                                        {"token_type", "bearer"},
                                        {"expires_in", auth::kClientTokenLifetimeMs / 1000},
                                        {"scope", answer.scope},
                                    },
                                    "application/json");
  no_store(response);
  response.principal_id = answer.token->id;
  return response;
}

}  // namespace

void TokenEndpoint::set_base(std::string_view base) {
  const std::scoped_lock lock(mutex_);
  url_ = std::string(base) + std::string(kTokenPath);
}

std::string TokenEndpoint::url() const {
  const std::scoped_lock lock(mutex_);
  return url_;
}

Result<std::string> check_public_url(std::string_view text) {
  constexpr std::string_view kScheme = "https://";
  std::string_view url = text;
  while (url.ends_with('/')) {
    url.remove_suffix(1);
  }
  const std::string_view rest = url.starts_with(kScheme) ? url.substr(kScheme.size()) : "";
  const bool clean = std::ranges::none_of(url, [](char c) {
    return c <= ' ' || c >= 0x7f || c == '?' || c == '#' || c == '@' || c == '\\';
  });
  if (rest.empty() || rest.front() == '/' || rest.front() == ':' || !clean) {
    return fail(ErrorCode::kUsage,
                fmt::format("--public-url attend https://HÔTE[:PORT][/CHEMIN], reçu « {} »", text),
                fmt::format("--public-url expects https://HOST[:PORT][/PATH], got \"{}\"", text));
  }
  return std::string(url);
}

boost::json::object smart_configuration(std::string_view token_url) {
  return boost::json::object{
      {"token_endpoint", token_url},
      {"token_endpoint_auth_methods_supported", boost::json::array{"private_key_jwt"}},
      {"token_endpoint_auth_signing_alg_values_supported", boost::json::array{"ES384", "RS384"}},
      {"grant_types_supported", boost::json::array{"client_credentials"}},
      // Every system/ scope a service may hold: any resource type, any of c r u d s.
      {"scopes_supported", boost::json::array{"system/*.cruds", "system/*.rs"}},
      // permission-v1: v1 scopes are understood too, and granted in their v2 form.
      {"capabilities",
       boost::json::array{"client-confidential-asymmetric", "permission-v1", "permission-v2"}},
  };
}

void add_smart_routes(Router& router, const TokenEndpoint& endpoint) {
  router.add_public(
      Method::kGet, std::string(kSmartConfigurationPath), [&endpoint](const Request&) {
        const std::string url = endpoint.url();
        if (url.empty()) {
          return outcome_response(503, "transient", "le serveur démarre", "the server is starting");
        }
        return json_response(200, smart_configuration(url), "application/json");
      });
  router.add_sign_in(
      Method::kPost, std::string(kTokenPath),
      [&endpoint](const Request& request, gate::Gate& gate, Reply reply) {
        const std::string url = endpoint.url();
        if (url.empty()) {
          reply(outcome_response(503, "transient", "le serveur démarre", "the server is starting"));
          return;
        }
        auto answer = gate.client_token(gate::ClientTokenRequest{
            request.body, url, request.content_type, request.remote_address, request.user_agent});
        reply(answer ? token_answer(*answer) : outcome_response(answer.error()));
      });
}

}  // namespace vigie::http
