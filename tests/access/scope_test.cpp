#include "access/scope.hpp"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace vigie::access {
namespace {

TEST(ParseScopeTest, ResourceScopes) {
  EXPECT_EQ(parse_scope("system/Observation.cr").value(),
            (Scope{ScopeContext::kSystem, "Observation", kPermCreate | kPermRead}));
  EXPECT_EQ(parse_scope("user/Patient.rs").value(),
            (Scope{ScopeContext::kUser, "Patient", kPermRead | kPermSearch}));
  EXPECT_EQ(parse_scope("patient/Encounter.d").value(),
            (Scope{ScopeContext::kPatient, "Encounter", kPermDelete}));
  EXPECT_EQ(parse_scope("system/*.cruds").value(),
            (Scope{ScopeContext::kSystem, "*",
                   kPermCreate | kPermRead | kPermUpdate | kPermDelete | kPermSearch}));
}

TEST(ParseScopeTest, EveryOrderedSetOfLettersRoundTrips) {
  const std::string letters = "cruds";
  for (unsigned mask = 1; mask < 32; ++mask) {
    std::string text = "user/Observation.";
    for (unsigned position = 0; position < letters.size(); ++position) {
      if ((mask & (1U << position)) != 0) {
        text += letters[position];
      }
    }
    Result<Scope> scope = parse_scope(text);
    ASSERT_TRUE(scope.has_value()) << text;
    EXPECT_EQ(scope->permissions, mask) << text;
    EXPECT_EQ(to_string(*scope), text);
  }
}

TEST(ParseScopeTest, AnythingElseIsAUsageError) {
  for (const char* text : {"",
                           "system",
                           "system/",
                           "system/Observation",
                           "system/Observation.",
                           "/Observation.rs",
                           "system/.rs",
                           "user/Patient.sr",
                           "user/Patient.rrs",
                           "user/Patient.cruds.",
                           "user/Patient.crudsc",
                           "user/Patient.x",
                           "user/Patient.CRUDS",
                           "user/Patient.rs ",
                           " user/Patient.rs",
                           "user/Patient.r s",
                           "user/Patient.rs\n",
                           "User/Patient.rs",
                           "admin/Patient.rs",
                           "user/patient.rs",
                           "user/Observaton.rs",
                           "user/Resource.rs",
                           "user/Patient/x.rs",
                           "user//Patient.rs",
                           "user/*/Patient.rs",
                           "user/**.rs",
                           "user/Pat.ient.rs",
                           "patient/*.Read",
                           "user/Observation.writes",
                           "system/*.**",
                           "system/*.read*",
                           "system/*.readrs",
                           "system/*.rs*",
                           "system/Patient.reed",
                           "system/Patiant.read",
                           "system/*.read?_since=2020",
                           "patient/Observation.rs?category=laboratory",
                           "openid",
                           "fhirUser",
                           "launch/patient",
                           "offline_access"}) {
    Result<Scope> scope = parse_scope(text);
    ASSERT_FALSE(scope.has_value()) << text;
    EXPECT_EQ(scope.error().code, ErrorCode::kUsage) << text;
    if (*text != '\0') {
      EXPECT_EQ(scope.error().message.find(text), std::string::npos) << text;
    }
  }
}

TEST(ParseScopeTest, NulInsideIsRejected) {
  EXPECT_FALSE(parse_scope(std::string_view("user/Patient.r\0s", 16)).has_value());
  EXPECT_FALSE(parse_scope(std::string_view("user/Pat\0ient.rs", 16)).has_value());
}

TEST(ParseScopeTest, SmartV1IsReadAsItsV2LettersAndShownInV2) {
  for (const auto& [v1, v2] : std::vector<std::pair<std::string, std::string>>{
           {"system/Patient.read", "system/Patient.rs"},
           {"system/Patient.write", "system/Patient.cud"},
           {"system/Patient.*", "system/Patient.cruds"},
           {"system/*.read", "system/*.rs"},
           {"system/*.*", "system/*.cruds"},
           {"user/Observation.write", "user/Observation.cud"},
           {"patient/*.read", "patient/*.rs"},
       }) {
    Result<Scope> scope = parse_scope(v1);
    ASSERT_TRUE(scope.has_value()) << v1;
    EXPECT_EQ(to_string(*scope), v2) << v1;
    EXPECT_EQ(*scope, parse_scope(v2).value()) << v1;
  }
  const Scope read = parse_scope("system/Observation.read").value();
  EXPECT_EQ(read.permissions, kPermRead | kPermSearch);
  EXPECT_EQ(parse_scope("system/Observation.write").value().permissions,
            kPermCreate | kPermUpdate | kPermDelete);
}

TEST(GrantedTest, UnionOfTheScopesOfOneContextCoveringTheType) {
  const std::vector<Scope> scopes = {
      parse_scope("system/Observation.c").value(), parse_scope("system/Observation.u").value(),
      parse_scope("system/*.s").value(), parse_scope("user/Observation.d").value(),
      parse_scope("system/Patient.r").value()};
  EXPECT_EQ(granted(scopes, ScopeContext::kSystem, "Observation"),
            kPermCreate | kPermUpdate | kPermSearch);
  EXPECT_EQ(granted(scopes, ScopeContext::kSystem, "Patient"), kPermRead | kPermSearch);
  EXPECT_EQ(granted(scopes, ScopeContext::kSystem, "Encounter"), kPermSearch);
  EXPECT_EQ(granted(scopes, ScopeContext::kUser, "Observation"), kPermDelete);
  EXPECT_EQ(granted(scopes, ScopeContext::kPatient, "Observation"), 0);
  EXPECT_EQ(granted({}, ScopeContext::kSystem, "Observation"), 0);
}

}  // namespace
}  // namespace vigie::access
