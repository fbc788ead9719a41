// _lastUpdated, _sort, _include and _revinclude as parse_search reads them, and the keyset order
// of search results (fhir::comes_after).
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fhir/search.hpp"

namespace vigie::fhir {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using Params = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kOneDayMs = 86'400'000;
constexpr int64_t kYear2024Ms = 1'704'067'200'000;  // 2024-01-01T00:00:00Z

SearchQuery accepted_query(std::string_view type, const Params& params) {
  Result<SearchQuery> query = parse_search(type, params);
  EXPECT_TRUE(query.has_value()) << (query ? "" : query.error().message);
  return query.value_or(SearchQuery{});
}

Error refused_query(std::string_view type, const Params& params) {
  Result<SearchQuery> query = parse_search(type, params);
  EXPECT_FALSE(query.has_value());
  return query ? Error{} : query.error();
}

TEST(LastUpdated, TakesEveryPrefixAndPrecision) {
  SearchQuery query = accepted_query("Patient", {{"_lastUpdated", "ge2024-01-01"},
                                                 {"_lastUpdated", "lt2024-02"},
                                                 {"_lastUpdated", "2024"},
                                                 {"_lastUpdated", "ne2024-03-05T10:00:00+01:00"},
                                                 {"_lastUpdated", "gt2024-03-05T09:00:00.250Z"},
                                                 {"_lastUpdated", "le2024-03-05T10:00"},
                                                 {"_lastUpdated", "sa2024-01-01"},
                                                 {"_lastUpdated", "eb2025"}});
  ASSERT_EQ(query.last_updated_conditions.size(), 8U);
  EXPECT_TRUE(query.date_conditions.empty());
  EXPECT_EQ(query.last_updated_conditions[0].comparator, DateComparator::kGe);
  EXPECT_EQ(query.last_updated_conditions[0].begin_ms, kYear2024Ms);
  EXPECT_EQ(query.last_updated_conditions[0].end_ms, kYear2024Ms + kOneDayMs);
  EXPECT_EQ(query.last_updated_conditions[1].comparator, DateComparator::kLt);
  EXPECT_EQ(query.last_updated_conditions[2].comparator, DateComparator::kEq);
  EXPECT_EQ(query.last_updated_conditions[3].comparator, DateComparator::kNe);
  EXPECT_EQ(query.last_updated_conditions[4].comparator, DateComparator::kGt);
  EXPECT_EQ(query.last_updated_conditions[5].comparator, DateComparator::kLe);
  EXPECT_EQ(query.last_updated_conditions[6].comparator, DateComparator::kSa);
  EXPECT_EQ(query.last_updated_conditions[7].comparator, DateComparator::kEb);
  // Any type: it is every resource's metadata.
  EXPECT_EQ(
      accepted_query("Organization", {{"_lastUpdated", "2024"}}).last_updated_conditions.size(),
      1U);
}

TEST(LastUpdated, RefusesWhatItCannotRead) {
  Error bad_prefix = refused_query("Patient", {{"_lastUpdated", "ap2024"}});
  EXPECT_EQ(bad_prefix.code, ErrorCode::kUsage);
  EXPECT_THAT(bad_prefix.message, HasSubstr("_lastUpdated"));
  EXPECT_THAT(bad_prefix.message, Not(HasSubstr("ap2024")));
  Error malformed = refused_query("Patient", {{"_lastUpdated", "2024-13-01"}});
  EXPECT_EQ(malformed.message, "_lastUpdated must be a FHIR date, dateTime or instant");
  EXPECT_EQ(refused_query("Patient", {{"_lastUpdated", "2024,2025"}}).message,
            "_lastUpdated takes one value per parameter; repeat the parameter to combine");
}

// A resource's lastUpdated is an instant: the one millisecond [t, t + 1).
TEST(LastUpdated, MatchesAnInstantAgainstTheIntervalOfTheValue) {
  const int64_t noon = kYear2024Ms + kOneDayMs / 2;
  auto matches = [&](const std::string& value, int64_t instant) {
    SearchQuery query = accepted_query("Patient", {{"_lastUpdated", value}});
    return matches_last_updated(instant, query.last_updated_conditions);
  };
  EXPECT_TRUE(matches("2024-01-01", noon));
  EXPECT_FALSE(matches("2024-01-02", noon));
  EXPECT_TRUE(matches("ne2024-01-02", noon));
  EXPECT_FALSE(matches("ne2024-01-01", noon));
  EXPECT_TRUE(matches("gt2023-12-31", noon));
  EXPECT_FALSE(matches("gt2024-01-01", noon));
  EXPECT_TRUE(matches("ge2024-01-01", noon));
  EXPECT_TRUE(matches("lt2024-01-02", noon));
  EXPECT_FALSE(matches("lt2024-01-01", noon));
  EXPECT_TRUE(matches("le2024-01-01", noon));
  EXPECT_TRUE(matches("sa2023-12-31", noon));
  EXPECT_FALSE(matches("sa2024-01-01", noon));
  EXPECT_TRUE(matches("eb2024-01-02", noon));
  EXPECT_FALSE(matches("eb2024-01-01", noon));
  EXPECT_TRUE(matches("2024-01-01T12:00:00Z", noon));
  EXPECT_FALSE(matches("2024-01-01T12:00:00Z", noon + 1000));
  EXPECT_TRUE(matches("gt2024-01-01T12:00:00.000Z", noon + 1));
  EXPECT_FALSE(matches("gt2024-01-01T12:00:00.000Z", noon));
  EXPECT_TRUE(matches_last_updated(noon, {}));
}

TEST(DateParameter, TakesSaAndEbToo) {
  SearchQuery query = accepted_query("Observation", {{"date", "sa2024"}, {"date", "eb2025-01-01"}});
  ASSERT_EQ(query.date_conditions.size(), 2U);
  EXPECT_EQ(query.date_conditions[0].comparator, DateComparator::kSa);
  EXPECT_EQ(query.date_conditions[1].comparator, DateComparator::kEb);
  boost::json::object observation{{"resourceType", "Observation"},
                                  {"effectiveDateTime", "2025-06-01T08:00:00Z"}};
  EXPECT_TRUE(matches_date_conditions(observation, {query.date_conditions[0]}));
  EXPECT_FALSE(matches_date_conditions(observation, {query.date_conditions[1]}));
}

TEST(Sort, ByLastUpdatedEitherWayDefaultById) {
  EXPECT_EQ(accepted_query("Patient", {}).sort, SortOrder::kId);
  EXPECT_EQ(accepted_query("Patient", {{"_sort", "_lastUpdated"}}).sort, SortOrder::kLastUpdated);
  EXPECT_EQ(accepted_query("Observation", {{"_sort", "-_lastUpdated"}}).sort,
            SortOrder::kLastUpdatedDescending);
}

TEST(Sort, AnyOtherKeyIsRefusedNamingTheParameterNotItsValue) {
  for (const std::string value :
       {"family", "_lastUpdated,_id", "-Secret", "_id", "+_lastUpdated"}) {
    Error error = refused_query("Patient", {{"_sort", value}});
    EXPECT_EQ(error.code, ErrorCode::kUsage) << value;
    EXPECT_EQ(error.message, "_sort supports only _lastUpdated and -_lastUpdated") << value;
    EXPECT_THAT(error.french, HasSubstr("_sort")) << value;
    EXPECT_THAT(error.french, Not(HasSubstr("Secret")));
  }
  EXPECT_EQ(
      refused_query("Patient", {{"_sort", "_lastUpdated"}, {"_sort", "_lastUpdated"}}).message,
      "_sort may appear only once");
}

TEST(Include, ForwardOnTheIndexedReferencesOfTheSearchedType) {
  SearchQuery query = accepted_query("Observation", {{"_include", "Observation:subject"},
                                                     {"_include", "Observation:patient:Patient"}});
  ASSERT_EQ(query.includes.size(), 2U);
  EXPECT_EQ(query.includes[0].source_type, "Observation");
  EXPECT_EQ(query.includes[0].param, "subject");
  EXPECT_FALSE(query.includes[0].reverse);
  EXPECT_EQ(query.includes[1].param, "patient");
  EXPECT_TRUE(accepted_query("Encounter", {{"_include", "Encounter:patient"}}).includes.size() ==
              1);
}

TEST(Include, ReverseFromTheTypesThatReferToAPatient) {
  SearchQuery query = accepted_query(
      "Patient", {{"_revinclude", "Observation:subject"}, {"_revinclude", "Condition:patient"}});
  ASSERT_EQ(query.includes.size(), 2U);
  EXPECT_EQ(query.includes[0].source_type, "Observation");
  EXPECT_EQ(query.includes[0].param, "subject");
  EXPECT_TRUE(query.includes[0].reverse);
  EXPECT_EQ(query.includes[1].source_type, "Condition");
}

TEST(Include, WhatIsNotSupportedIsRefused) {
  const std::vector<std::pair<std::string, Params>> cases = {
      {"Observation", {{"_include", "Observation:performer"}}},
      {"Observation", {{"_include", "Observation:subject:Group"}}},
      {"Observation", {{"_include", "Encounter:subject"}}},
      {"Observation", {{"_include", "*"}}},
      {"Observation", {{"_include", "Observation"}}},
      {"Observation", {{"_include:iterate", "Observation:subject"}}},
      {"Patient", {{"_include", "Patient:subject"}}},
      {"Observation", {{"_revinclude", "Observation:subject"}}},
      {"Patient", {{"_revinclude", "Observation:performer"}}},
      {"Patient", {{"_revinclude", "Secret:subject"}}},
      {"Organization", {{"_revinclude", "Observation:subject"}}},
  };
  for (const auto& [type, params] : cases) {
    Error error = refused_query(type, params);
    EXPECT_EQ(error.code, ErrorCode::kUsage) << params.front().second;
    EXPECT_THAT(error.message, Not(HasSubstr("Secret")));
    EXPECT_THAT(error.message, Not(HasSubstr("performer")));
  }
  EXPECT_THAT(refused_query("Observation", {{"_include", "Observation:performer"}}).message,
              HasSubstr("_include"));
  EXPECT_THAT(refused_query("Patient", {{"_revinclude", "Observation:performer"}}).message,
              HasSubstr("_revinclude"));
}

TEST(Include, TheSupportedListsAreWhatParseSearchAccepts) {
  EXPECT_THAT(include_targets_of("Observation"),
              ElementsAre("Observation:patient", "Observation:subject"));
  EXPECT_THAT(include_targets_of("Patient"), IsEmpty());
  EXPECT_THAT(include_targets_of("Organization"), IsEmpty());
  const std::vector<std::string> reverse = revinclude_sources_of("Patient");
  EXPECT_THAT(reverse, Contains("Observation:subject"));
  EXPECT_THAT(reverse, Contains("Encounter:patient"));
  EXPECT_THAT(revinclude_sources_of("Observation"), IsEmpty());
  for (const std::string& spec : reverse) {
    EXPECT_TRUE(parse_search("Patient", {{"_revinclude", spec}})) << spec;
  }
  for (const std::string_view type : {"Observation", "Encounter", "Condition", "Immunization"}) {
    for (const std::string& spec : include_targets_of(type)) {
      EXPECT_TRUE(parse_search(type, {{"_include", spec}})) << spec;
    }
  }
}

TEST(Parameters, TheNewOnesAreListed) {
  EXPECT_THAT(search_parameters_of("Patient"), Contains("_lastUpdated"));
  EXPECT_THAT(search_parameters_of("Patient"), Contains("_sort"));
  EXPECT_THAT(search_parameters_of("Observation"), Contains("_lastUpdated"));
}

// The keyset: (lastUpdated, id) in the order of the sort, ids ascending among equal times.
TEST(Keyset, ComesAfterFollowsTheSortOrder) {
  const PagePosition at{1000, "m"};
  EXPECT_TRUE(comes_after(SortOrder::kId, {0, "n"}, at));
  EXPECT_FALSE(comes_after(SortOrder::kId, {5000, "m"}, at));
  EXPECT_FALSE(comes_after(SortOrder::kId, {5000, "a"}, at));
  EXPECT_TRUE(comes_after(SortOrder::kLastUpdated, {1001, "a"}, at));
  EXPECT_TRUE(comes_after(SortOrder::kLastUpdated, {1000, "n"}, at));
  EXPECT_FALSE(comes_after(SortOrder::kLastUpdated, {1000, "m"}, at));
  EXPECT_FALSE(comes_after(SortOrder::kLastUpdated, {999, "z"}, at));
  EXPECT_TRUE(comes_after(SortOrder::kLastUpdatedDescending, {999, "a"}, at));
  EXPECT_TRUE(comes_after(SortOrder::kLastUpdatedDescending, {1000, "n"}, at));
  EXPECT_FALSE(comes_after(SortOrder::kLastUpdatedDescending, {1000, "l"}, at));
  EXPECT_FALSE(comes_after(SortOrder::kLastUpdatedDescending, {1001, "z"}, at));
}

}  // namespace
}  // namespace vigie::fhir
