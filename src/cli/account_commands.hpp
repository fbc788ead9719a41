#pragma once

#include <cstdint>
#include <string_view>

#include "auth/authenticator.hpp"
#include "cli/command.hpp"

// `vigie user ...`, `vigie token ...`, `vigie assign` and `vigie unassign`: account
// administration by the custodian, each command one gate call. Secrets are printed only where
// the gate hands them out once (a person's enrolment, a new temporary password, a new token).

namespace vigie::cli {

// A duration written as a positive integer and one unit letter, in milliseconds: m (minutes),
// h (hours), d (days), w (weeks), y (365 days). Only the letters in `units` are accepted.
// kUsage otherwise, and for a duration too long to count in milliseconds.
[[nodiscard]] Result<int64_t> parse_duration_ms(std::string_view text, std::string_view units);

// When a token given `--expires TEXT` at `now_ms` expires: now plus a duration (Nh, Nd, Nw, Ny),
// or an RFC 3339 time or date (its 00:00 UTC). kUsage otherwise; the gate decides whether the
// time is allowed (in the future, at most one year ahead).
[[nodiscard]] Result<int64_t> parse_expiry_ms(std::string_view text, int64_t now_ms);

// The session settings of `vigie init` (--session-idle, --session-lifetime: Nm or Nh).
[[nodiscard]] Result<auth::AuthSettings> auth_settings_for_init(const Options& options);

// `vigie user add`: creates the account and prints, once, a person's one-time password.
[[nodiscard]] int run_user_add(const Options& options);
// `vigie user list`: one line per account.
[[nodiscard]] int run_user_list(const Options& options);
// `vigie user show LOGIN`: every field of one account (no secret).
[[nodiscard]] int run_user_show(const Options& options);
// `vigie user lock|unlock|disable LOGIN`.
[[nodiscard]] int run_user_lock(const Options& options);
[[nodiscard]] int run_user_unlock(const Options& options);
[[nodiscard]] int run_user_disable(const Options& options);
// `vigie user reset-password LOGIN`: prints the new one-time password.
[[nodiscard]] int run_user_reset_password(const Options& options);
// `vigie user reset-otp LOGIN`: removes the second factor; the person enrols a new one.
[[nodiscard]] int run_user_reset_otp(const Options& options);
// `vigie user enrol LOGIN`: the person, at the terminal, signs in with their password (the
// one-time one at first, then chooses their own) and enrols their own second factor; the otpauth
// URI, QR code and recovery codes are printed for them alone.
[[nodiscard]] int run_user_enrol(const Options& options);

// `vigie token create`: prints the token alone on the last line of standard output.
[[nodiscard]] int run_token_create(const Options& options);
// `vigie client add --login SERVICE --jwks FILE`: registers the public keys of a JWKS file for a
// SMART backend service (the service's login is its client id) and prints their kids.
[[nodiscard]] int run_client_add(const Options& options);
// `vigie token revoke ID`: ends a token (or a session) by its id.
[[nodiscard]] int run_token_revoke(const Options& options);

// `vigie assign --login L Patient/ID` and `vigie unassign --login L Patient/ID`.
[[nodiscard]] int run_assign(const Options& options);
[[nodiscard]] int run_unassign(const Options& options);

}  // namespace vigie::cli
