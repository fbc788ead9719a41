#include "common/error.hpp"

namespace vigie {

namespace {

struct ErrorMapping {
  ErrorCode code;
  int exit_code;
  int http_status;
  std::string_view fhir_issue_code;
  std::string_view name;
};

// The one table that maps failures to the outside world.
constexpr ErrorMapping kErrorTable[] = {
    {ErrorCode::kInternal, 1, 500, "exception", "internal"},
    {ErrorCode::kUsage, 2, 400, "invalid", "usage"},
    {ErrorCode::kUnlockFailed, 3, 401, "security", "unlock-failed"},
    {ErrorCode::kNotFound, 4, 404, "not-found", "not-found"},
    {ErrorCode::kGone, 4, 410, "deleted", "gone"},
    {ErrorCode::kInvalidInput, 5, 400, "invalid", "invalid-input"},
    {ErrorCode::kConflict, 5, 409, "conflict", "conflict"},
    {ErrorCode::kIntegrity, 6, 500, "exception", "integrity"},
    {ErrorCode::kPermissionDenied, 7, 403, "forbidden", "permission-denied"},
    {ErrorCode::kAuthenticationFailed, 3, 401, "login", "authentication-failed"},
    {ErrorCode::kTooManyAttempts, 7, 429, "throttled", "too-many-attempts"},
    {ErrorCode::kUnprocessable, 5, 422, "processing", "unprocessable"},
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

}  // namespace vigie
