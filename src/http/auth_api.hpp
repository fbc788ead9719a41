#pragma once

#include "http/router.hpp"
#include "http/sign_in.hpp"

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
// `tickets` must outlive the router.
void add_auth_routes(Router& router, const SignInTickets& tickets);

}  // namespace vigie::http
