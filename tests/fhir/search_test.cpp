#include "fhir/search.hpp"

#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fhir/search_index.hpp"
#include "fhir_test_support.hpp"

namespace vigie::fhir {
namespace {

using ::testing::ElementsAre;
using Params = std::vector<std::pair<std::string, std::string>>;

SearchQuery parsed(std::string_view type, const Params& params) {
  Result<SearchQuery> query = parse_search(type, params);
  EXPECT_TRUE(query.has_value()) << (query ? "" : query.error().message);
  return query.value_or(SearchQuery{});
}

TEST(ParseSearch, DefaultsWithoutParameters) {
  SearchQuery query = parsed("Patient", {});
  EXPECT_EQ(query.type, "Patient");
  EXPECT_TRUE(query.ids.empty());
  EXPECT_TRUE(query.token_conditions.empty());
  EXPECT_TRUE(query.date_conditions.empty());
  EXPECT_EQ(query.count, 50u);
  EXPECT_EQ(query.offset, 0u);
}

TEST(ParseSearch, ControlParameters) {
  SearchQuery query =
      parsed("Observation", {{"_id", "a,b.c"}, {"_count", "1000"}, {"_offset", "20"}});
  EXPECT_THAT(query.ids, ElementsAre("a", "b.c"));
  EXPECT_EQ(query.count, 1000u);
  EXPECT_EQ(query.offset, 20u);
  EXPECT_EQ(parsed("Observation", {{"_count", "0"}}).count, 0u);
}

TEST(ParseSearch, StringParametersAreFoldedPrefixes) {
  SearchQuery query =
      parsed("Patient", {{"family", "LEFÈ"}, {"given", "Marie-Cl"}, {"name:exact", "Jo"}});
  ASSERT_EQ(query.token_conditions.size(), 3u);
  EXPECT_EQ(query.token_conditions[0].param, "family");
  EXPECT_THAT(query.token_conditions[0].any_of, ElementsAre("lefe"));
  EXPECT_THAT(query.token_conditions[1].any_of, ElementsAre("marie cl"));
  EXPECT_EQ(query.token_conditions[2].param, "name");
  EXPECT_THAT(query.token_conditions[2].any_of, ElementsAre("jo"));
}

// What a new user typed and got 0 matches for, exit 0: each is now an error that names the
// parameter and what it accepts.
TEST(ParseSearch, ValuesThatCannotMatchAreRefusedWithWhatIsAccepted) {
  Result<SearchQuery> short_prefix = parse_search("Patient", {{"family", "le"}});
  ASSERT_FALSE(short_prefix.has_value());
  EXPECT_EQ(short_prefix.error().code, ErrorCode::kUsage);
  EXPECT_EQ(short_prefix.error().message,
            "family: a name prefix needs at least 3 letters or digits; for a whole name of 1 or 2 "
            "letters, search family:exact=NAME");
  EXPECT_EQ(short_prefix.error().french,
            "family : un début de nom compte au moins 3 lettres ou chiffres ; pour un nom entier "
            "d'une ou deux lettres, cherchez family:exact=NOM");
  EXPECT_FALSE(parse_search("Patient", {{"given", "É"}}).has_value());
  EXPECT_FALSE(parse_search("Patient", {{"family", "lef,le"}}).has_value());
  EXPECT_THAT(parsed("Patient", {{"family:exact", "Lê"}}).token_conditions[0].any_of,
              ElementsAre("le"));

  for (const char* code : {"F", "M", "femme", "Female"}) {
    Result<SearchQuery> gender = parse_search("Patient", {{"gender", code}});
    ASSERT_FALSE(gender.has_value()) << code;
    EXPECT_EQ(gender.error().message,
              "gender: not a code of the value set; use male, female, other or unknown");
    EXPECT_FALSE(gender.error().french.empty());
  }
  EXPECT_THAT(parsed("Patient", {{"gender", "female,other"}}).token_conditions[0].any_of,
              ElementsAre("female", "other"));

  Result<SearchQuery> unknown = parse_search("Observation", {{"nom", "x"}});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().message,
            "search parameter nom is not supported for Observation; accepted: _id, _count, "
            "_offset, _lastUpdated, _sort, identifier, patient, subject, code, status, date");
}

TEST(ParseSearch, LongStringQueriesAreCutToTheLongestIndexedPrefix) {
  SearchQuery query = parsed("Practitioner", {{"family", std::string(100, 'B')}});
  EXPECT_THAT(query.token_conditions[0].any_of, ElementsAre(std::string(64, 'b')));
}

TEST(ParseSearch, QueriesMeetTheIndex) {
  boost::json::object patient = testing::object_from(
      R"({"resourceType":"Patient","name":[{"family":"Lefèvre","given":["Marie-Claire"]}],
          "identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"269054958815780"}],
          "birthDate":"1969-05-12","gender":"female"})");
  std::vector<IndexEntry> entries = index_entries(patient);
  SearchQuery query =
      parsed("Patient", {{"family", "lefèvre"},
                         {"family", "Lef"},
                         {"given", "claire"},
                         {"name", "MARIE CLAIRE"},
                         {"identifier", "urn:oid:1.2.250.1.213.1.4.8|269054958815780"},
                         {"identifier", "269054958815780"},
                         {"identifier", "urn:oid:1.2.250.1.213.1.4.8|"},
                         {"birthdate", "1969-05"},
                         {"birthdate", "eq1969"},
                         {"gender", "female"}});
  for (const TokenCondition& condition : query.token_conditions) {
    ASSERT_EQ(condition.any_of.size(), 1u);
    EXPECT_TRUE(testing::has_entry(entries, condition.param, condition.any_of[0]))
        << condition.param << "=" << condition.any_of[0];
  }
}

TEST(ParseSearch, TokenShapes) {
  SearchQuery query = parsed("Observation", {{"code", "http://loinc.org|8302-2,8867-4"},
                                             {"status", "final,amended"},
                                             {"identifier", "sys|"},
                                             {"identifier", "a\\,b"},
                                             {"identifier", "sys|v\\|w"}});
  ASSERT_EQ(query.token_conditions.size(), 5u);
  EXPECT_THAT(query.token_conditions[0].any_of, ElementsAre("http://loinc.org|8302-2", "8867-4"));
  EXPECT_THAT(query.token_conditions[1].any_of, ElementsAre("final", "amended"));
  EXPECT_THAT(query.token_conditions[2].any_of, ElementsAre("sys|"));
  EXPECT_THAT(query.token_conditions[3].any_of, ElementsAre("a,b"));
  EXPECT_THAT(query.token_conditions[4].any_of, ElementsAre("sys|v|w"));
}

TEST(ParseSearch, PatientAndSubjectBecomePatientReferences) {
  SearchQuery query = parsed("Observation", {{"patient", "p1,Patient/p2"},
                                             {"subject", "https://fhir.example/Patient/p3"}});
  EXPECT_EQ(query.token_conditions[0].param, "patient");
  EXPECT_THAT(query.token_conditions[0].any_of, ElementsAre("Patient/p1", "Patient/p2"));
  EXPECT_EQ(query.token_conditions[1].param, "subject");
  EXPECT_THAT(query.token_conditions[1].any_of, ElementsAre("Patient/p3"));
  EXPECT_THAT(parsed("Immunization", {{"patient", "p9"}}).token_conditions[0].any_of,
              ElementsAre("Patient/p9"));
}

TEST(ParseSearch, RepeatedParametersAreAndedAndListsAreOred) {
  SearchQuery query = parsed("Patient", {{"gender", "male,female"}, {"gender", "female"}});
  ASSERT_EQ(query.token_conditions.size(), 2u);
  EXPECT_THAT(query.token_conditions[0].any_of, ElementsAre("male", "female"));
  EXPECT_THAT(query.token_conditions[1].any_of, ElementsAre("female"));
}

TEST(ParseSearch, DatePrefixesAndPrecision) {
  SearchQuery query = parsed("Observation", {{"date", "ge2024-01-01"},
                                             {"date", "lt2024-02"},
                                             {"date", "2024"},
                                             {"date", "ne2024-03-05T10:00:00+01:00"},
                                             {"date", "gt2024-03-05T09:00:00.250Z"},
                                             {"date", "le2024-03-05T10:00"}});
  ASSERT_EQ(query.date_conditions.size(), 6u);
  EXPECT_EQ(query.date_conditions[0].comparator, DateComparator::kGe);
  EXPECT_EQ(query.date_conditions[0].begin_ms, 1704067200000);
  EXPECT_EQ(query.date_conditions[0].end_ms, 1704067200000 + 86400000);
  EXPECT_EQ(query.date_conditions[1].comparator, DateComparator::kLt);
  EXPECT_EQ(query.date_conditions[1].begin_ms, 1706745600000);  // 2024-02-01
  EXPECT_EQ(query.date_conditions[1].end_ms, 1709251200000);    // 2024-03-01
  EXPECT_EQ(query.date_conditions[2].comparator, DateComparator::kEq);
  EXPECT_EQ(query.date_conditions[2].end_ms - query.date_conditions[2].begin_ms,
            366LL * 86400000);  // a leap year
  EXPECT_EQ(query.date_conditions[3].comparator, DateComparator::kNe);
  EXPECT_EQ(query.date_conditions[3].begin_ms, 1709629200000);  // 09:00Z
  EXPECT_EQ(query.date_conditions[3].end_ms - query.date_conditions[3].begin_ms, 1000);
  EXPECT_EQ(query.date_conditions[4].comparator, DateComparator::kGt);
  EXPECT_EQ(query.date_conditions[4].begin_ms, 1709629200250);
  EXPECT_EQ(query.date_conditions[4].end_ms, 1709629200251);
  EXPECT_EQ(query.date_conditions[5].comparator, DateComparator::kLe);
  EXPECT_EQ(query.date_conditions[5].end_ms - query.date_conditions[5].begin_ms, 60000);
}

TEST(ParseSearch, DateIsSupportedForTheListedTypes) {
  for (std::string_view type :
       {"Observation", "Encounter", "Procedure", "Immunization", "DiagnosticReport",
        "MedicationRequest", "Condition", "CarePlan", "Claim", "ExplanationOfBenefit"}) {
    EXPECT_TRUE(parse_search(type, {{"date", "2024"}}).has_value()) << type;
  }
  for (std::string_view type : {"Patient", "Practitioner", "Organization", "AllergyIntolerance"}) {
    EXPECT_FALSE(parse_search(type, {{"date", "2024"}}).has_value()) << type;
  }
}

TEST(ParseSearch, ParametersFollowWhatIsIndexedPerType) {
  EXPECT_TRUE(parse_search("Organization", {{"identifier", "x"}}).has_value());
  EXPECT_TRUE(parse_search("RelatedPerson", {{"name", "dup"}, {"patient", "p"}}).has_value());
  EXPECT_TRUE(parse_search("Encounter", {{"status", "finished"}, {"subject", "p"}}).has_value());
  EXPECT_FALSE(parse_search("Encounter", {{"code", "x"}}).has_value());
  EXPECT_FALSE(parse_search("Condition", {{"status", "x"}}).has_value());
  EXPECT_FALSE(parse_search("Immunization", {{"subject", "p"}}).has_value());
  EXPECT_FALSE(parse_search("Organization", {{"name", "lab"}}).has_value());
  EXPECT_FALSE(parse_search("Practitioner", {{"gender", "male"}}).has_value());
  EXPECT_FALSE(parse_search("Practitioner", {{"birthdate", "1970"}}).has_value());
}

struct SearchErrorCase {
  std::string name;
  std::string type;
  Params params;
  std::string message;
};

class ParseSearchRejects : public ::testing::TestWithParam<SearchErrorCase> {};

TEST_P(ParseSearchRejects, WithAUsageError) {
  Result<SearchQuery> query = parse_search(GetParam().type, GetParam().params);
  ASSERT_FALSE(query.has_value());
  EXPECT_EQ(query.error().code, ErrorCode::kUsage);
  EXPECT_EQ(query.error().message, GetParam().message);
  EXPECT_EQ(query.error().message.find("Secret"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseSearchRejects,
    ::testing::Values(
        SearchErrorCase{"UnknownType", "Secret", {}, "unknown resource type"},
        SearchErrorCase{"UnknownParameter",
                        "Patient",
                        {{"address", "Secret"}},
                        "search parameter address is not supported for Patient; accepted: _id, "
                        "_count, _offset, _lastUpdated, _sort, identifier, family, given, name, "
                        "birthdate, gender"},
        SearchErrorCase{"UnprintableParameter",
                        "Patient",
                        {{"a b", "x"}},
                        "search parameter (unnamed) is not supported for Patient; accepted: _id, "
                        "_count, _offset, _lastUpdated, _sort, identifier, family, given, name, "
                        "birthdate, gender"},
        SearchErrorCase{"UnsupportedControl",
                        "Patient",
                        {{"_summary", "true"}},
                        "search parameter _summary is not supported for Patient; accepted: _id, "
                        "_count, _offset, _lastUpdated, _sort, identifier, family, given, name, "
                        "birthdate, gender"},
        SearchErrorCase{"ExactPrefix",
                        "Patient",
                        {{"family:exact", "Secret"}},
                        "family:exact is only for names of 1 or 2 letters; family=NAME finds the "
                        "names that start with NAME"},
        SearchErrorCase{"Modifier",
                        "Patient",
                        {{"family:contains", "Secret"}},
                        "modifiers are not supported, except :exact on a name"},
        SearchErrorCase{"ExactOnACode",
                        "Patient",
                        {{"gender:exact", "male"}},
                        "modifiers are not supported, except :exact on a name"},
        SearchErrorCase{"MissingModifier",
                        "Patient",
                        {{"gender:missing", "true"}},
                        "modifiers are not supported, except :exact on a name"},
        SearchErrorCase{"EmptyValue",
                        "Patient",
                        {{"family", ""}},
                        "search parameter family has an empty value"},
        SearchErrorCase{"EmptyListItem",
                        "Patient",
                        {{"gender", "male,"}},
                        "search parameter gender has an empty value in its list"},
        SearchErrorCase{"StringWithoutLetters",
                        "Patient",
                        {{"family", "--'"}},
                        "family search needs at least one letter or digit"},
        SearchErrorCase{"CountTooLarge",
                        "Patient",
                        {{"_count", "1001"}},
                        "_count must be an integer from 0 to 1000"},
        SearchErrorCase{"CountNegative",
                        "Patient",
                        {{"_count", "-1"}},
                        "_count must be an integer from 0 to 1000"},
        SearchErrorCase{"CountNotNumber",
                        "Patient",
                        {{"_count", "ten"}},
                        "_count must be an integer from 0 to 1000"},
        SearchErrorCase{"CountRepeated",
                        "Patient",
                        {{"_count", "1"}, {"_count", "2"}},
                        "_count may appear only once"},
        SearchErrorCase{"OffsetHuge",
                        "Patient",
                        {{"_offset", "99999999999999999999"}},
                        "_offset must be an integer from 0 to 999999999"},
        SearchErrorCase{"BadId", "Patient", {{"_id", "a,b/c"}}, "_id values must be resource ids"},
        SearchErrorCase{
            "IdRepeated", "Patient", {{"_id", "a"}, {"_id", "b"}}, "_id may appear only once"},
        SearchErrorCase{"BirthDatePrefix",
                        "Patient",
                        {{"birthdate", "ge1985"}},
                        "birthdate supports only the eq prefix"},
        SearchErrorCase{"BirthDateWithTime",
                        "Patient",
                        {{"birthdate", "1985-01-01T00:00:00Z"}},
                        "birthdate must be YYYY, YYYY-MM or YYYY-MM-DD"},
        SearchErrorCase{"BirthDateFrench",
                        "Patient",
                        {{"birthdate", "12/05/1985"}},
                        "birthdate must be YYYY, YYYY-MM or YYYY-MM-DD"},
        SearchErrorCase{"DatePrefixAp",
                        "Encounter",
                        {{"date", "ap2024"}},
                        "date prefix is not supported (use eq, ne, gt, lt, ge, le, sa or eb)"},
        SearchErrorCase{"DateMalformed",
                        "Observation",
                        {{"date", "2024-13-01"}},
                        "date must be a FHIR date, dateTime or instant"},
        SearchErrorCase{"DateBadZone",
                        "Observation",
                        {{"date", "2024-01-01T10:00:00+25:00"}},
                        "date must be a FHIR date, dateTime or instant"},
        SearchErrorCase{"DateList",
                        "Observation",
                        {{"date", "2024,2025"}},
                        "date takes one value per parameter; repeat the parameter to combine"},
        SearchErrorCase{"DateOnPatient",
                        "Patient",
                        {{"date", "2024"}},
                        "search parameter date is not supported for Patient; accepted: _id, "
                        "_count, _offset, _lastUpdated, _sort, identifier, family, given, name, "
                        "birthdate, gender"},
        SearchErrorCase{"TokenWithoutSystem",
                        "Patient",
                        {{"identifier", "|Secret"}},
                        "identifier: a value without a system (|value) is not supported"},
        SearchErrorCase{"CodeSystemOnly",
                        "Observation",
                        {{"code", "http://loinc.org|"}},
                        "code: a system without a code is not supported"},
        SearchErrorCase{"GenderWithSystem",
                        "Patient",
                        {{"gender", "http://hl7.org/fhir/administrative-gender|female"}},
                        "gender takes a code without a system"},
        SearchErrorCase{"PatientNotAPatient",
                        "Observation",
                        {{"patient", "Group/g1"}},
                        "patient must be a Patient id or a Patient/ID reference"},
        SearchErrorCase{"SubjectBadId",
                        "Observation",
                        {{"subject", "Patient/a b"}},
                        "subject must be a Patient id or a Patient/ID reference"}),
    [](const ::testing::TestParamInfo<SearchErrorCase>& info) { return info.param.name; });

}  // namespace
}  // namespace vigie::fhir
