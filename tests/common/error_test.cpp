#include "common/error.hpp"

#include <set>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace vigie {
namespace {

struct Expected {
  ErrorCode code;
  int exit_code;
  int http_status;
  std::string_view name;
};

// Exit codes as documented in error.hpp: 0 is success, so no failure maps to it.
constexpr Expected kExpected[] = {
    {ErrorCode::kInternal, 1, 500, "internal"},
    {ErrorCode::kUsage, 2, 400, "usage"},
    {ErrorCode::kUnlockFailed, 3, 401, "unlock-failed"},
    {ErrorCode::kNotFound, 4, 404, "not-found"},
    {ErrorCode::kGone, 4, 410, "gone"},
    {ErrorCode::kInvalidInput, 5, 400, "invalid-input"},
    {ErrorCode::kConflict, 5, 409, "conflict"},
    {ErrorCode::kIntegrity, 6, 500, "integrity"},
    {ErrorCode::kPermissionDenied, 7, 403, "permission-denied"},
    {ErrorCode::kAuthenticationFailed, 3, 401, "authentication-failed"},
    {ErrorCode::kTooManyAttempts, 7, 429, "too-many-attempts"},
    {ErrorCode::kUnprocessable, 5, 422, "unprocessable"},
    {ErrorCode::kUnavailable, 7, 503, "unavailable"},
    {ErrorCode::kPreconditionFailed, 5, 412, "precondition-failed"},
};

TEST(ErrorTest, ExitCodesMatchTheDocumentedTable) {
  for (const Expected& row : kExpected) {
    EXPECT_EQ(exit_code_for(row.code), row.exit_code) << name_of(row.code);
    EXPECT_GE(exit_code_for(row.code), 1);
    EXPECT_LE(exit_code_for(row.code), 7);
  }
}

TEST(ErrorTest, HttpStatusesMatchTheTable) {
  for (const Expected& row : kExpected) {
    EXPECT_EQ(http_status_for(row.code), row.http_status) << row.name;
  }
}

TEST(ErrorTest, NamesAreStableAndDistinct) {
  std::set<std::string_view> names;
  for (const Expected& row : kExpected) {
    EXPECT_EQ(name_of(row.code), row.name);
    names.insert(name_of(row.code));
  }
  EXPECT_EQ(names.size(), std::size(kExpected));
}

TEST(ErrorTest, FhirIssueCodesAreSet) {
  EXPECT_EQ(fhir_issue_code_for(ErrorCode::kNotFound), "not-found");
  EXPECT_EQ(fhir_issue_code_for(ErrorCode::kGone), "deleted");
  EXPECT_EQ(fhir_issue_code_for(ErrorCode::kPermissionDenied), "forbidden");
  EXPECT_EQ(fhir_issue_code_for(ErrorCode::kUnlockFailed), "security");
  EXPECT_EQ(fhir_issue_code_for(ErrorCode::kUnavailable), "transient");
  for (const Expected& row : kExpected) {
    EXPECT_FALSE(fhir_issue_code_for(row.code).empty()) << row.name;
  }
}

TEST(ErrorTest, FailBuildsTheErrorSide) {
  Result<int> result = fail(ErrorCode::kConflict, "a vault already exists in that directory");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kConflict);
  EXPECT_EQ(result.error().message, "a vault already exists in that directory");
}

// A person reads every error French first: its own French form, else the code's summary.
TEST(ErrorTest, DisplayTextIsFrenchThenEnglish) {
  Result<int> both = fail(ErrorCode::kNotFound, "aucun compte x", "no account x");
  ASSERT_FALSE(both.has_value());
  EXPECT_EQ(both.error().message, "no account x");
  EXPECT_EQ(to_display_text(both.error()), "aucun compte x / no account x");
  Result<int> english_only = fail(ErrorCode::kNotFound, "Patient/p1 not found");
  ASSERT_FALSE(english_only.has_value());
  EXPECT_EQ(to_display_text(english_only.error()), "introuvable / Patient/p1 not found");
  for (const Expected& row : kExpected) {
    EXPECT_FALSE(french_summary_of(row.code).empty()) << row.name;
  }
}

}  // namespace
}  // namespace vigie
