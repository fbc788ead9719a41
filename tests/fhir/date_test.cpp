#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "fhir/search.hpp"
#include "fhir_test_support.hpp"

namespace vigie::fhir {
namespace {

using testing::object_from;

constexpr int64_t kDay = 86400000;
constexpr int64_t k2024 = 1704067200000;  // 2024-01-01T00:00:00Z

struct IntervalCase {
  std::string text;
  int64_t begin;
  int64_t end;
};

class ParseDateInterval : public ::testing::TestWithParam<IntervalCase> {};

TEST_P(ParseDateInterval, CoversThePrecision) {
  Result<std::pair<int64_t, int64_t>> interval = parse_date_interval(GetParam().text);
  ASSERT_TRUE(interval.has_value()) << GetParam().text;
  EXPECT_EQ(interval->first, GetParam().begin) << GetParam().text;
  EXPECT_EQ(interval->second, GetParam().end) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseDateInterval,
    ::testing::Values(IntervalCase{"2024", k2024, k2024 + 366 * kDay},
                      IntervalCase{"2023", k2024 - 365 * kDay, k2024},
                      IntervalCase{"2024-02", k2024 + 31 * kDay, k2024 + 60 * kDay},
                      IntervalCase{"2024-12", k2024 + 335 * kDay, k2024 + 366 * kDay},
                      IntervalCase{"2024-02-29", k2024 + 59 * kDay, k2024 + 60 * kDay},
                      IntervalCase{"1970-01-01", 0, kDay}, IntervalCase{"1969-12-31", -kDay, 0},
                      IntervalCase{"2024-01-01T00:00:00Z", k2024, k2024 + 1000},
                      IntervalCase{"2024-01-01T01:00:00+01:00", k2024, k2024 + 1000},
                      IntervalCase{"2023-12-31T19:00:00-05:00", k2024, k2024 + 1000},
                      IntervalCase{"2024-01-01T00:00:00+00:00", k2024, k2024 + 1000},
                      IntervalCase{"2024-01-01T00:00:00", k2024, k2024 + 1000},
                      IntervalCase{"2024-01-01T00:00Z", k2024, k2024 + 60000},
                      IntervalCase{"2024-01-01T00:00:00.5Z", k2024 + 500, k2024 + 501},
                      IntervalCase{"2024-01-01T00:00:00.123Z", k2024 + 123, k2024 + 124},
                      IntervalCase{"2024-01-01T00:00:00.123456Z", k2024 + 123, k2024 + 124},
                      IntervalCase{"2011-12-13T22:28:27.453+00:00", 1323815307453, 1323815307454}));

TEST(ParseDateInterval, RejectsMalformedValues) {
  for (std::string_view text : {"",
                                "24",
                                "20245",
                                "2024-1",
                                "2024-00",
                                "2024-13",
                                "2023-02-29",
                                "2024-04-31",
                                "2024-01-01T",
                                "2024-01-01T24:00:00Z",
                                "2024-01-01T10:60:00Z",
                                "2024-01-01T10:00:60Z",
                                "2024-01-01T10:00:00.Z",
                                "2024-01-01T10:00:00+1:00",
                                "2024-01-01T10:00:00+15:00",
                                "2024-01-01T10:00:00Zx",
                                "2024-01-01 10:00:00",
                                "0000",
                                "2024-01-01T10",
                                "2024/01/01",
                                "-2024",
                                "２０２４"}) {
    Result<std::pair<int64_t, int64_t>> interval = parse_date_interval(text);
    ASSERT_FALSE(interval.has_value()) << text;
    EXPECT_EQ(interval.error().code, ErrorCode::kInvalidInput);
  }
}

TEST(FormatInstant, IsUtcWithMilliseconds) {
  EXPECT_EQ(format_instant(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_instant(k2024 + 59 * kDay + 14 * 3600000 + 22 * 60000 + 59123),
            "2024-02-29T14:22:59.123Z");
  EXPECT_EQ(format_instant(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_instant(253402300799999), "9999-12-31T23:59:59.999Z");
  Result<std::pair<int64_t, int64_t>> parsed = parse_date_interval("2026-11-28T14:22:59.123Z");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(format_instant(parsed->first), "2026-11-28T14:22:59.123Z");
}

DateCondition condition(DateComparator comparator, std::string_view value) {
  Result<std::pair<int64_t, int64_t>> interval = parse_date_interval(value);
  EXPECT_TRUE(interval.has_value()) << value;
  return DateCondition{comparator, interval ? interval->first : 0, interval ? interval->second : 0};
}

struct MatchCase {
  std::string name;
  std::string resource;
  DateComparator comparator;
  std::string value;
  bool matches;
};

class MatchesDateConditions : public ::testing::TestWithParam<MatchCase> {};

TEST_P(MatchesDateConditions, Compares) {
  EXPECT_EQ(matches_date_conditions(object_from(GetParam().resource),
                                    {condition(GetParam().comparator, GetParam().value)}),
            GetParam().matches);
}

constexpr std::string_view kObservation =
    R"({"resourceType":"Observation","effectiveDateTime":"2024-03-05T08:30:00+01:00"})";
constexpr std::string_view kEncounter =
    R"({"resourceType":"Encounter","period":{"start":"2024-01-10T09:00:00Z","end":"2024-01-12T17:00:00Z"}})";
constexpr std::string_view kOpenEncounter =
    R"({"resourceType":"Encounter","period":{"start":"2024-01-10T09:00:00Z"}})";

MatchCase match(std::string name, std::string_view resource, DateComparator comparator,
                std::string value, bool matches) {
  return MatchCase{std::move(name), std::string(resource), comparator, std::move(value), matches};
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MatchesDateConditions,
    ::testing::Values(
        match("ObsEqDay", kObservation, DateComparator::kEq, "2024-03-05", true),
        match("ObsEqYear", kObservation, DateComparator::kEq, "2024", true),
        match("ObsEqOtherDay", kObservation, DateComparator::kEq, "2024-03-04", false),
        match("ObsEqUtcShift", kObservation, DateComparator::kEq, "2024-03-05T07:30:00Z", true),
        match("ObsNeDay", kObservation, DateComparator::kNe, "2024-03-05", false),
        match("ObsNeOtherDay", kObservation, DateComparator::kNe, "2024-03-06", true),
        match("ObsGtBefore", kObservation, DateComparator::kGt, "2024-03-04", true),
        match("ObsGtSameDay", kObservation, DateComparator::kGt, "2024-03-05", false),
        match("ObsGeSameDay", kObservation, DateComparator::kGe, "2024-03-05", true),
        match("ObsGeAfter", kObservation, DateComparator::kGe, "2024-03-06", false),
        match("ObsLtAfter", kObservation, DateComparator::kLt, "2024-03-06", true),
        match("ObsLtSameDay", kObservation, DateComparator::kLt, "2024-03-05", false),
        match("ObsLeSameDay", kObservation, DateComparator::kLe, "2024-03-05", true),
        match("ObsLeBefore", kObservation, DateComparator::kLe, "2024-03-04", false),
        match("PeriodEqMonth", kEncounter, DateComparator::kEq, "2024-01", true),
        match("PeriodEqOneDay", kEncounter, DateComparator::kEq, "2024-01-11", false),
        match("PeriodNeOneDay", kEncounter, DateComparator::kNe, "2024-01-11", true),
        match("PeriodGtInside", kEncounter, DateComparator::kGt, "2024-01-11", true),
        match("PeriodGtAfterEnd", kEncounter, DateComparator::kGt, "2024-01-12", false),
        match("PeriodLtInside", kEncounter, DateComparator::kLt, "2024-01-11", true),
        match("PeriodLtBeforeStart", kEncounter, DateComparator::kLt, "2024-01-10", false),
        match("PeriodGeLastDay", kEncounter, DateComparator::kGe, "2024-01-12", false),
        match("PeriodGeMonth", kEncounter, DateComparator::kGe, "2024-01", true),
        match("PeriodLeFirstDay", kEncounter, DateComparator::kLe, "2024-01-10", false),
        match("PeriodLeLater", kEncounter, DateComparator::kLe, "2024-02", true),
        match("OpenPeriodGtFar", kOpenEncounter, DateComparator::kGt, "2030", true),
        match("OpenPeriodEqYear", kOpenEncounter, DateComparator::kEq, "2024", false),
        match("OpenPeriodLtStart", kOpenEncounter, DateComparator::kLt, "2024-01-10", false),
        match(
            "ProcedurePeriod",
            R"({"resourceType":"Procedure","performedPeriod":{"start":"2011-12-13T22:28:27+00:00","end":"2011-12-13T22:43:27+00:00"}})",
            DateComparator::kEq, "2011-12-13", true),
        match("ImmunizationOccurrence",
              R"({"resourceType":"Immunization","occurrenceDateTime":"2011-12-13T22:28:27+00:00"})",
              DateComparator::kEq, "2011", true),
        match("MedicationRequestAuthoredOn",
              R"({"resourceType":"MedicationRequest","authoredOn":"2016-01-07"})",
              DateComparator::kGe, "2016-01-07", true),
        match("ConditionOnset",
              R"({"resourceType":"Condition","onsetDateTime":"2016-01-07T22:28:27+00:00"})",
              DateComparator::kEq, "2016-01", true),
        match(
            "ConditionRecordedOrOnset",
            R"({"resourceType":"Condition","recordedDate":"2017-01-01","onsetDateTime":"2016-01-07"})",
            DateComparator::kEq, "2016", true),
        match("ClaimCreated", R"({"resourceType":"Claim","created":"2020-05-01T10:00:00Z"})",
              DateComparator::kLt, "2021", true),
        match("EobCreated",
              R"({"resourceType":"ExplanationOfBenefit","created":"2020-05-01T10:00:00Z"})",
              DateComparator::kGt, "2021", false),
        match("CarePlanPeriod",
              R"({"resourceType":"CarePlan","period":{"start":"2016-01-07","end":"2016-01-28"}})",
              DateComparator::kEq, "2016-01", true),
        match(
            "DiagnosticReportEffective",
            R"({"resourceType":"DiagnosticReport","effectiveDateTime":"2016-12-27T22:28:27+00:00"})",
            DateComparator::kEq, "2016-12-27", true),
        match("NoDateElement", R"({"resourceType":"Observation"})", DateComparator::kNe, "2024",
              false),
        match("MalformedDate", R"({"resourceType":"Observation","effectiveDateTime":"yesterday"})",
              DateComparator::kNe, "2024", false),
        match("EmptyPeriod", R"({"resourceType":"Encounter","period":{}})", DateComparator::kNe,
              "2024", false),
        match("TypeWithoutDate", R"({"resourceType":"Patient","birthDate":"2024-01-01"})",
              DateComparator::kEq, "2024", false)),
    [](const ::testing::TestParamInfo<MatchCase>& info) { return info.param.name; });

TEST(MatchesDateConditions, AllConditionsMustHold) {
  boost::json::object observation = object_from(kObservation);
  EXPECT_TRUE(matches_date_conditions(observation, {}));
  EXPECT_TRUE(matches_date_conditions(observation, {condition(DateComparator::kGe, "2024-03"),
                                                    condition(DateComparator::kLt, "2024-04")}));
  EXPECT_FALSE(matches_date_conditions(
      observation,
      {condition(DateComparator::kGe, "2024-03"), condition(DateComparator::kLt, "2024-03-05")}));
  EXPECT_TRUE(matches_date_conditions(object_from(R"({"resourceType":"Patient"})"), {}));
}

}  // namespace
}  // namespace vigie::fhir
