#pragma once

#include <mutex>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/error.hpp"
#include "http/router.hpp"

namespace vigie::http {

// SMART Backend Services (SMART App Launch 2, client-confidential-asymmetric): the token endpoint
// and the discovery document that advertises it.

inline constexpr std::string_view kTokenPath = "/auth/token";
inline constexpr std::string_view kSmartConfigurationPath = "/.well-known/smart-configuration";

// The token endpoint's absolute URL: what a client assertion's `aud` must be, and what
// smart-configuration advertises. It is made from the server's configured public URL (`vigie
// serve --public-url`, or https://localhost:PORT), never from a request's Host header: a Host
// chosen by the client would let an assertion made for another server pass here. Set once the
// server knows its port; thread-safe (read by the I/O and sign-in threads).
class TokenEndpoint {
 public:
  // `base` is an https URL without a trailing slash (check_public_url's).
  void set_base(std::string_view base);
  // Empty until set_base().
  [[nodiscard]] std::string url() const;

 private:
  mutable std::mutex mutex_;  // guards url_
  std::string url_;
};

// `text` as a public base URL: https://, a host, an optional port and path, no query, fragment,
// user info or white space; a trailing slash dropped. kUsage otherwise (quoting the text: a URL
// is not a secret).
[[nodiscard]] Result<std::string> check_public_url(std::string_view text);

// The discovery document for `token_url`.
[[nodiscard]] boost::json::object smart_configuration(std::string_view token_url);

// GET /.well-known/smart-configuration (public, no vault work) and POST /auth/token (sign-in:
// through gate::Gate::client_token). `endpoint` must outlive the router.
void add_smart_routes(Router& router, const TokenEndpoint& endpoint);

}  // namespace vigie::http
