#include "common/error.hpp"

#include <string>

namespace vigie {

namespace {

struct ErrorMapping {
  ErrorCode code;
  int exit_code;
  int http_status;
  std::string_view fhir_issue_code;
  std::string_view name;
  std::string_view french_summary;
};

// The one table that maps failures to the outside world.
constexpr ErrorMapping kErrorTable[] = {
    {ErrorCode::kInternal, 1, 500, "exception", "internal", "erreur interne"},
    {ErrorCode::kUsage, 2, 400, "invalid", "usage", "demande mal formée"},
    {ErrorCode::kUnlockFailed, 3, 401, "security", "unlock-failed", "déverrouillage refusé"},
    {ErrorCode::kNotFound, 4, 404, "not-found", "not-found", "introuvable"},
    {ErrorCode::kGone, 4, 410, "deleted", "gone", "supprimé"},
    {ErrorCode::kInvalidInput, 5, 400, "invalid", "invalid-input", "données refusées"},
    {ErrorCode::kConflict, 5, 409, "conflict", "conflict", "existe déjà"},
    {ErrorCode::kIntegrity, 6, 500, "exception", "integrity", "données altérées"},
    {ErrorCode::kPermissionDenied, 7, 403, "forbidden", "permission-denied", "non autorisé"},
    {ErrorCode::kAuthenticationFailed, 3, 401, "login", "authentication-failed",
     "authentification refusée"},
    {ErrorCode::kTooManyAttempts, 7, 429, "throttled", "too-many-attempts", "trop de tentatives"},
    {ErrorCode::kUnprocessable, 5, 422, "processing", "unprocessable", "données non traitables"},
    {ErrorCode::kUnavailable, 7, 503, "transient", "unavailable", "service saturé, réessayez"},
    {ErrorCode::kPreconditionFailed, 5, 412, "conflict", "precondition-failed",
     "version attendue dépassée"},
};

const ErrorMapping& mapping_for(ErrorCode code) {
  for (const ErrorMapping& mapping : kErrorTable) {
    if (mapping.code == code) {
      return mapping;
    }
  }
  return kErrorTable[0];
}

}  // namespace

int exit_code_for(ErrorCode code) { return mapping_for(code).exit_code; }

int http_status_for(ErrorCode code) { return mapping_for(code).http_status; }

std::string_view fhir_issue_code_for(ErrorCode code) { return mapping_for(code).fhir_issue_code; }

std::string_view name_of(ErrorCode code) { return mapping_for(code).name; }

std::string_view french_summary_of(ErrorCode code) { return mapping_for(code).french_summary; }

std::string to_display_text(const Error& error) {
  const std::string_view french =
      error.french.empty() ? french_summary_of(error.code) : std::string_view(error.french);
  std::string text;
  text.reserve(french.size() + 3 + error.message.size());
  text.append(french).append(" / ").append(error.message);
  return text;
}

}  // namespace vigie
