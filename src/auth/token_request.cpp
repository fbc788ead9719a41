#include "auth/token_request.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "access/scope.hpp"
#include "common/percent.hpp"

namespace vigie::auth {

namespace {

tl::unexpected<TokenRefusal> refusal(OAuthError error, std::string reason) {
  return tl::unexpected(TokenRefusal{error, std::move(reason)});
}

}  // namespace

std::string_view name_of(OAuthError error) {
  switch (error) {
    case OAuthError::kInvalidRequest:
      return "invalid_request";
    case OAuthError::kInvalidClient:
      return "invalid_client";
    case OAuthError::kUnsupportedGrantType:
      return "unsupported_grant_type";
    case OAuthError::kInvalidScope:
      return "invalid_scope";
  }
  return "invalid_request";
}

bool is_form_urlencoded(std::string_view content_type) {
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  const std::string_view media = content_type.substr(0, content_type.find(';'));
  std::string_view trimmed = media;
  while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t')) {
    trimmed.remove_suffix(1);
  }
  return trimmed.size() == kForm.size() && std::ranges::equal(trimmed, kForm, [](char a, char b) {
           return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
         });
}

tl::expected<TokenRequest, TokenRefusal> parse_token_request(std::string_view body) {
  if (body.size() > kMaxTokenRequestBytes) {
    return refusal(OAuthError::kInvalidRequest, "request body too long");
  }
  std::map<std::string, std::string, std::less<>> parameters;
  while (!body.empty()) {
    const size_t end = std::min(body.find('&'), body.size());
    const std::string_view pair = body.substr(0, end);
    body.remove_prefix(std::min(end + 1, body.size()));
    if (pair.empty()) {
      continue;
    }
    const size_t equals = pair.find('=');
    const auto name = decode_percent_escapes(pair.substr(0, equals), true);
    const auto value = decode_percent_escapes(
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1), true);
    if (!name || !value) {
      return refusal(OAuthError::kInvalidRequest, "malformed percent escape");
    }
    if (!parameters.emplace(*name, *value).second) {
      return refusal(OAuthError::kInvalidRequest, "a parameter is repeated");
    }
  }
  const auto parameter = [&](std::string_view name) -> std::optional<std::string> {
    const auto found = parameters.find(name);
    if (found == parameters.end()) {
      return std::nullopt;
    }
    return found->second;
  };
  const auto grant_type = parameter("grant_type");
  if (!grant_type) {
    return refusal(OAuthError::kInvalidRequest, "grant_type missing");
  }
  if (*grant_type != "client_credentials") {
    return refusal(OAuthError::kUnsupportedGrantType, "grant_type is not client_credentials");
  }
  const auto assertion_type = parameter("client_assertion_type");
  auto assertion = parameter("client_assertion");
  auto scope = parameter("scope");
  if (!assertion_type || !assertion || assertion->empty() || !scope) {
    return refusal(OAuthError::kInvalidRequest,
                   "scope, client_assertion_type or client_assertion missing");
  }
  if (*assertion_type != kJwtBearerAssertionType) {
    return refusal(OAuthError::kInvalidClient, "client_assertion_type is not jwt-bearer");
  }
  return TokenRequest{std::move(*scope), std::move(*assertion),
                      parameter("client_id").value_or("")};
}

tl::expected<std::vector<std::string>, TokenRefusal> service_scopes(std::string_view scope) {
  std::vector<std::string> scopes;
  if (scope.ends_with(' ')) {
    return refusal(OAuthError::kInvalidScope, "a scope does not parse");
  }
  while (!scope.empty()) {
    const size_t end = std::min(scope.find(' '), scope.size());
    const std::string_view text = scope.substr(0, end);
    scope.remove_prefix(std::min(end + 1, scope.size()));
    const auto parsed = access::parse_scope(text);
    if (!parsed) {
      return refusal(OAuthError::kInvalidScope, "a scope does not parse");
    }
    if (parsed->context != access::ScopeContext::kSystem) {
      return refusal(OAuthError::kInvalidScope, "a service may only hold system/ scopes");
    }
    std::string canonical = access::to_string(*parsed);
    if (std::ranges::find(scopes, canonical) == scopes.end()) {
      scopes.push_back(std::move(canonical));
    }
  }
  if (scopes.empty()) {
    return refusal(OAuthError::kInvalidScope, "no scope requested");
  }
  return scopes;
}

}  // namespace vigie::auth
