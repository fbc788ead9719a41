#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"
#include "gate/gate.hpp"
#include "http/router.hpp"

namespace vigie::http {

// A person's sign-in over HTTP, under /auth (JSON bodies, JSON answers):
//   POST /auth/login     {"login", "password"[, "code"][, "session": "cookie"]}   sign-in route
//   POST /auth/otp       {"ticket", "code"[, "session": "cookie"]}      sign-in route
//   POST /auth/password  {"current", "new"}                            authenticated, 204
//   POST /auth/enrol     {}  → otpauth URI, QR code (SVG), recovery codes, shown once
//   POST /auth/logout    {}  → 204, the session revoked server-side
// A right password answers {"next": "otp", "ticket"}: the ticket, sealed under a key drawn at
// start, names the account and the state of its credentials, is bound to the client's address
// and lasts kSignInTicketLifetimeMs; the code step takes it with a TOTP or recovery code (a
// script may send "code" with the password instead, in one step). An
// account without a second factor yet (first sign-in, or reset) gets its session at the password
// step, restricted to /auth/password then /auth/enrol (the gate refuses everything else), which
// ends it: the person signs in again with the new factor. A session is a bearer token by default,
// or with "session": "cookie" the __Host- cookie below plus a CSRF token that every request other
// than GET and HEAD carrying the cookie must send in X-CSRF-Token. Every refusal of a sign-in is
// one 401 message, or 429 during a back-off; the audit log records the reason.
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

// `tickets` must outlive the router.
void add_auth_routes(Router& router, const SignInTickets& tickets);

}  // namespace vigie::http
