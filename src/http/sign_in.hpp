#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"
#include "gate/gate.hpp"

// The pieces of a person's sign-in over HTTP that read what a client sends (http/auth_api.hpp
// has the routes): the session cookie, its CSRF token and the tickets between the password step
// and the code step. Apart from the routes, so that a fuzz target reaches them without a vault.

namespace vigie::http {

inline constexpr std::string_view kSessionCookie = "__Host-vigie-session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";
inline constexpr int64_t kSignInTicketLifetimeMs = 5LL * 60 * 1000;

// The tickets of the password step. Immutable once made: shared by every worker without a lock.
class SignInTickets {
 public:
  SignInTickets() : key_(crypto::SecretBytes::random(32)) {}

  [[nodiscard]] std::string issue(const gate::Gate::SecondFactorAwaited& awaited,
                                  std::string_view address, int64_t now_ms) const;
  // What a ticket names; kAuthenticationFailed for one this process did not issue, altered,
  // expired or presented from another address.
  [[nodiscard]] Result<gate::Gate::SecondFactorAwaited> redeem(std::string_view ticket,
                                                               std::string_view address,
                                                               int64_t now_ms) const;

 private:
  crypto::SecretBytes key_;
};

// The CSRF token of a session secret: a hash of it, so that it survives a restart as the session
// does and reveals nothing of the secret (which the cookie keeps from scripts).
[[nodiscard]] std::string csrf_token_of(std::string_view session_secret);
// Whether `presented` is that token, compared in constant time.
[[nodiscard]] bool csrf_token_matches(std::string_view presented, std::string_view session_secret);

// The session secret of a `Cookie` header (the kSessionCookie pair), or empty.
[[nodiscard]] std::string_view session_cookie_of(std::string_view cookie_header);

}  // namespace vigie::http
