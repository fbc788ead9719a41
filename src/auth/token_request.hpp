#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

// The request a SMART backend service sends to the token endpoint (RFC 6749 §4.4 client
// credentials, authenticated by a JWT client assertion, RFC 7523 §2.2), parsed from its
// application/x-www-form-urlencoded body, and the OAuth errors the endpoint answers with.

namespace vigie::auth {

// RFC 6749 §5.2's errors that the token endpoint uses. The body says which, never why: the audit
// entry does.
enum class OAuthError { kInvalidRequest, kInvalidClient, kUnsupportedGrantType, kInvalidScope };

[[nodiscard]] std::string_view name_of(OAuthError error);

// The longest body the endpoint parses.
inline constexpr size_t kMaxTokenRequestBytes = 16 * 1024;

inline constexpr std::string_view kJwtBearerAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

struct TokenRequest {
  std::string scope;      // as sent: SMART scopes separated by spaces
  std::string assertion;  // client_assertion
  std::string client_id;  // optional (RFC 7521 §4.2); empty when absent
};

// Why a request was refused: the OAuth error and, for the audit log only, the reason.
struct TokenRefusal {
  OAuthError error = OAuthError::kInvalidRequest;
  std::string reason;
};

// Whether a Content-Type header names application/x-www-form-urlencoded (case-insensitive, with
// or without parameters such as a charset).
[[nodiscard]] bool is_form_urlencoded(std::string_view content_type);

// Parses `body`. invalid_request for a body over kMaxTokenRequestBytes, a malformed escape, a
// parameter given twice (RFC 6749 §3.2), a missing grant_type, scope, client_assertion_type or
// client_assertion; unsupported_grant_type for a grant_type other than client_credentials;
// invalid_client for a client_assertion_type other than JWT bearer. Unknown parameters are
// ignored (RFC 6749 §3.2).
[[nodiscard]] tl::expected<TokenRequest, TokenRefusal> parse_token_request(std::string_view body);

// The scopes of `scope` (separated by single spaces) as canonical SMART v2 `system/` scopes,
// duplicates dropped, in the order given: what a service account's role may hold. invalid_scope
// for an empty list, a scope access::parse_scope refuses, or a `patient/` or `user/` scope.
[[nodiscard]] tl::expected<std::vector<std::string>, TokenRefusal> service_scopes(
    std::string_view scope);

}  // namespace vigie::auth
