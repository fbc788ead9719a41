#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace vigie {

// The closed set of failure kinds. Each maps to one CLI exit code and one HTTP status (see
// error.cpp); add a code only together with its row in that table.
enum class ErrorCode {
  kInternal,              // a bug or an environment failure (disk full, I/O error)
  kUsage,                 // the caller asked for something malformed (bad flag, bad search syntax)
  kUnlockFailed,          // wrong passphrase or key file; a secret file missing, unreadable or
                          // readable by others
  kNotFound,              // no such vault, resource, version or patient
  kGone,                  // the resource exists but its current version is deleted
  kInvalidInput,          // input rejected by validation; nothing was written
  kConflict,              // the target already exists (a vault in that directory, a duplicate id)
  kIntegrity,             // stored data failed authentication or structure checks (tampering)
  kPermissionDenied,      // the principal may not do this
  kAuthenticationFailed,  // wrong login, password or second factor; unknown, expired or revoked
                          // session or token
  kTooManyAttempts,       // login attempts throttled (back-off, per-address limit)
  kUnprocessable,  // well formed, but the vault cannot file it (a clinical resource whose patient
                   // does not resolve); nothing was written
  kUnavailable,    // a bounded queue is full (the audit log's): nothing was done, retry later
  kPreconditionFailed,  // the resource is not at the version the caller expected (If-Match):
                        // nothing was written
};

// A failure that is safe to show to a user: the message never holds a secret or a patient value.
// `message` is English; `french` says the same in French, naming the wrong word and the fix.
// Modules that face people (auth, cli) give both; where `french` is empty, a person is shown the
// code's French summary before the English message (see to_display_text).
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string french = {};
};

// What every module boundary returns. tl::expected rather than std::expected: clang (needed for
// libFuzzer) cannot use libstdc++ 12's <expected>. Switching later is a change to this line.
template <typename T>
using Result = tl::expected<T, Error>;

// Builds the error side of a Result: `return fail(ErrorCode::kNotFound, "no such resource");`
[[nodiscard]] inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

// The same with its French form: `fail(ErrorCode::kNotFound, "aucun compte x", "no account x")`.
[[nodiscard]] inline tl::unexpected<Error> fail(ErrorCode code, std::string french,
                                                std::string english) {
  return tl::unexpected<Error>(Error{code, std::move(english), std::move(french)});
}

// One line for a person, French first: "<français> / <English>". Without a French form, the
// French is the code's summary ("introuvable", "demande mal formée", ...).
[[nodiscard]] std::string to_display_text(const Error& error);

// Process exit code for the CLI: 0 ok, 1 internal, 2 usage, 3 unlock failed, 4 not found,
// 5 invalid input, 6 integrity failure. kGone maps to 4, kConflict to 5, kPermissionDenied to 7,
// kAuthenticationFailed to 3, kTooManyAttempts to 7, kUnprocessable to 5, kUnavailable to 7,
// kPreconditionFailed to 5.
[[nodiscard]] int exit_code_for(ErrorCode code);

// HTTP status for the FHIR API (404, 410, 400, 409, 403, 401, 412, 422, 429, 500, 503).
[[nodiscard]] int http_status_for(ErrorCode code);

// FHIR OperationOutcome.issue.code (a value of the R4 issue-type value set).
[[nodiscard]] std::string_view fhir_issue_code_for(ErrorCode code);

// The code's summary in French, for messages that have no French form of their own.
[[nodiscard]] std::string_view french_summary_of(ErrorCode code);

// Stable lowercase name of a code, for logs and JSON output.
[[nodiscard]] std::string_view name_of(ErrorCode code);

}  // namespace vigie
