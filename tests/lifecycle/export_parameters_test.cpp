#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fhir/structure.hpp"
#include "lifecycle/export_parameters.hpp"

namespace vigie::lifecycle {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(ExportParametersTest, TypesSinceAndEveryNdjsonFormatAreTaken) {
  for (const std::string format : {"application/fhir+ndjson", "application/ndjson", "ndjson"}) {
    auto parsed = parse_export_parameters({{"_type", "Patient,Observation"},
                                           {"_type", "Patient"},
                                           {"_since", "2026-01-02T03:04:05Z"},
                                           {"_outputFormat", format}},
                                          false);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->types, (std::vector<std::string>{"Patient", "Observation"}));
    ASSERT_TRUE(parsed->since_ms);
    EXPECT_EQ(*parsed->since_ms, 1'767'323'045'000);
    EXPECT_TRUE(parsed->ignored.empty());
  }
  auto none = parse_export_parameters({}, false);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->types.empty());
  EXPECT_FALSE(none->since_ms);
}

TEST(ExportParametersTest, UnsupportedOrMalformedParametersAreRefusedWithoutEchoingThem) {
  const std::vector<Pairs> refused = {
      {{"_type", "Patient,Secret-Lefebvre"}},
      {{"_type", ""}},
      {{"_since", "hier-Lefebvre"}},
      {{"_since", "2026-01-01"}, {"_since", "2026-01-02"}},
      {{"_outputFormat", "text/csv-Lefebvre"}},
      {{"_outputFormat", "ndjson"}, {"_outputFormat", "ndjson"}},
      {{"_elements", "Lefebvre.name"}},
      {{"_elements", "name-Lefebvre"}},
      {{"_typeFilter", "Patient?nickname=Lefebvre"}},
      {{"_typeFilter", "Patient?name:contains=Lefebvre"}},
      {{"_typeFilter", "Observation?date=hier-Lefebvre"}},
      {{"_typeFilter", "Lefebvre?name=x"}},
      {{"_typeFilter", "Patient?name=Lef%ZZebvre"}},
      {{"patient", "Patient/1"}},
      {{"includeAssociatedData", "LatestProvenanceResources"}},
      {{"Lefebvre", "x"}},
  };
  for (const Pairs& pairs : refused) {
    auto parsed = parse_export_parameters(pairs, false);
    ASSERT_FALSE(parsed) << pairs.front().first;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUsage);
    EXPECT_EQ(parsed.error().message.find("Lefebvre"), std::string::npos) << parsed.error().message;
    EXPECT_EQ(parsed.error().french.find("Lefebvre"), std::string::npos);
  }
}

TEST(ExportParametersTest, LenientHandlingLeavesOutWhatItCannotDoAndNamesIt) {
  auto parsed = parse_export_parameters({{"_type", "Patient,Nonsense"},
                                         {"_typeFilter", "Patient?nickname=x"},
                                         {"_typeFilter", "Patient?gender=female"},
                                         {"_outputFormat", "text/csv"},
                                         {"Lefebvre", "x"}},
                                        true);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->types, std::vector<std::string>{"Patient"});
  EXPECT_EQ(parsed->ignored,
            (std::vector<std::string>{"_type", "_typeFilter", "_outputFormat", "parameter"}));
  // Still refused when lenient: another export than asked for.
  EXPECT_FALSE(parse_export_parameters({{"_since", "bad"}}, true));
  EXPECT_FALSE(parse_export_parameters({{"_type", "Nonsense"}}, true));
  EXPECT_EQ(parsed->type_filters.size(), 1U);
}

TEST(ExportParametersTest, TypeFilterQueriesAreSearchesOfTheirTypeOrEdByType) {
  auto parsed = parse_export_parameters(
      {{"_type", "MedicationRequest,Observation,Condition"},
       {"_typeFilter",
        "MedicationRequest?status=active,MedicationRequest?status=completed&date=gt2018-07-01T00%"
        "3A00%3A00Z"},
       {"_typeFilter", "Observation?code=http://loinc.org|8867-4,http://loinc.org|2339-0"}},
      false);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->type_filters.size(), 3U);
  EXPECT_EQ(parsed->type_filters[0].type, "MedicationRequest");
  ASSERT_EQ(parsed->type_filters[0].token_conditions.size(), 1U);
  EXPECT_EQ(parsed->type_filters[0].token_conditions[0].param, "status");
  EXPECT_EQ(parsed->type_filters[1].type, "MedicationRequest");
  EXPECT_EQ(parsed->type_filters[1].date_conditions.size(), 1U);
  // The comma inside the code list stays in the Observation query.
  EXPECT_EQ(parsed->type_filters[2].type, "Observation");
  ASSERT_EQ(parsed->type_filters[2].token_conditions.size(), 1U);
  EXPECT_EQ(parsed->type_filters[2].token_conditions[0].any_of.size(), 2U);

  // Without _type, a filter restricts its own type only.
  auto alone = parse_export_parameters({{"_typeFilter", "Patient?gender=female"}}, false);
  ASSERT_TRUE(alone) << alone.error().message;
  EXPECT_TRUE(alone->types.empty());
  EXPECT_EQ(alone->type_filters.size(), 1U);
}

TEST(ExportParametersTest, ATypeFilterRefusalNamesTheSearchParameterNeverItsValue) {
  auto unknown = parse_export_parameters({{"_typeFilter", "Patient?nickname=Lefebvre"}}, false);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("nickname"), std::string::npos);
  EXPECT_EQ(unknown.error().message.find("Lefebvre"), std::string::npos);
  for (const char* result : {"_include=Observation:subject", "_revinclude=Observation:subject",
                             "_sort=_lastUpdated", "_count=5", "_offset=1"}) {
    auto refused =
        parse_export_parameters({{"_typeFilter", std::string("Observation?") + result}}, true);
    ASSERT_FALSE(refused) << result;  // the only query of its type: refused even lenient
    auto strict =
        parse_export_parameters({{"_typeFilter", std::string("Observation?") + result}}, false);
    ASSERT_FALSE(strict);
    const std::string name(result, std::string_view(result).find('='));
    EXPECT_NE(strict.error().message.find(name), std::string::npos) << strict.error().message;
  }
  // A filter of a type _type leaves out: refused, even lenient.
  auto outside = parse_export_parameters(
      {{"_type", "Patient"}, {"_typeFilter", "Observation?status=final"}}, true);
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().code, ErrorCode::kUsage);
  std::string many = "Patient?gender=female";
  for (int i = 0; i < 100; ++i) {
    many += ",Patient?gender=male";
  }
  EXPECT_FALSE(parse_export_parameters({{"_typeFilter", many}}, false));
}

TEST(ExportParametersTest, PatientReferencesAreTakenAtPatientAndGroupLevelOnly) {
  const Pairs pairs{
      {"patient", "Patient/p1"}, {"patient", "Patient/p2"}, {"patient", "Patient/p1"}};
  for (const ExportLevel level : {ExportLevel::kPatient, ExportLevel::kGroup}) {
    auto parsed = parse_export_parameters(pairs, false, level);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->patients, (std::vector<std::string>{"p1", "p2"}));
  }
  auto system = parse_export_parameters(pairs, false, ExportLevel::kSystem);
  ASSERT_FALSE(system);
  EXPECT_NE(system.error().message.find("patient"), std::string::npos);
  auto lenient = parse_export_parameters(pairs, true, ExportLevel::kSystem);
  ASSERT_TRUE(lenient);
  EXPECT_TRUE(lenient->patients.empty());
  EXPECT_EQ(lenient->ignored, std::vector<std::string>{"patient"});
  for (const char* bad : {"Observation/o1", "p1", "Patient/", "Patient/Lefebvre Jean"}) {
    auto refused = parse_export_parameters({{"patient", bad}}, false, ExportLevel::kGroup);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().message.find("Lefebvre"), std::string::npos);
  }
}

TEST(ExportParametersTest, IncludeAssociatedDataIsRefusedOrReportedSinceVigieHonoursNoValue) {
  for (const char* value :
       {"LatestProvenanceResources", "RelevantProvenanceResources", "_custom", "Lefebvre"}) {
    auto strict = parse_export_parameters({{"includeAssociatedData", value}}, false);
    ASSERT_FALSE(strict) << value;
    EXPECT_EQ(strict.error().message,
              "unsupported $export parameter or value: includeAssociatedData");
    auto lenient = parse_export_parameters({{"includeAssociatedData", value}}, true);
    ASSERT_TRUE(lenient);
    EXPECT_EQ(lenient->ignored, std::vector<std::string>{"includeAssociatedData"});
  }
}

TEST(ExportParametersTest, ElementsApplyToEveryTypeOrToTheTypeTheyName) {
  auto parsed = parse_export_parameters(
      {{"_elements", "name,Observation.subject"}, {"_elements", "name"}}, false);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->elements, (std::vector<std::string>{"name", "Observation.subject"}));
  EXPECT_EQ(elements_for(parsed->elements, "Patient"), std::vector<std::string>{"name"});
  EXPECT_EQ(elements_for(parsed->elements, "Observation"),
            (std::vector<std::string>{"name", "subject"}));
  EXPECT_FALSE(elements_for({"Observation.subject"}, "Patient"));
  EXPECT_FALSE(elements_for({}, "Patient"));
}

TEST(ExportParametersTest, ASubsetKeepsIdMandatoryElementsAndSaysItIsSubsetted) {
  const boost::json::object observation = boost::json::parse(R"({"resourceType":"Observation",
      "id":"o1","meta":{"versionId":"1"},"status":"final","code":{"text":"glycémie"},
      "subject":{"reference":"Patient/p1"},"valueQuantity":{"value":1.5},"_status":{"id":"s"},
      "note":[{"text":"Lefebvre"}]})")
                                              .as_object();
  const boost::json::object subset = fhir::subset_elements(observation, {"subject"});
  EXPECT_EQ(subset.size(), 7U) << boost::json::serialize(subset);
  for (const char* kept : {"resourceType", "id", "meta", "status", "_status", "code", "subject"}) {
    EXPECT_TRUE(subset.contains(kept)) << kept;
  }
  const boost::json::array& tags = subset.at("meta").at("tag").as_array();
  ASSERT_EQ(tags.size(), 1U);
  EXPECT_EQ(tags[0].at("code"), "SUBSETTED");
  EXPECT_TRUE(fhir::validate_structure(subset)) << boost::json::serialize(subset);

  const boost::json::object patient =
      boost::json::parse(
          R"({"resourceType":"Patient","id":"p1","name":[{"family":"Lefebvre"}],"birthDate":"1970-01-01"})")
          .as_object();
  const boost::json::object named = fhir::subset_elements(patient, {"name"});
  EXPECT_TRUE(named.contains("name"));
  EXPECT_FALSE(named.contains("birthDate"));
}

TEST(ExportParametersTest, TooManyTypesAreRefused) {
  std::string types = "Patient";
  for (int i = 0; i < 100; ++i) {
    types += ",Patient";
  }
  EXPECT_FALSE(parse_export_parameters({{"_type", types}}, true));
}

TEST(ExportParametersTest, APostBodyIsAParametersResource) {
  auto pairs = parameters_of_body(boost::json::parse(R"({"resourceType":"Parameters","parameter":[
      {"name":"_type","valueString":"Patient"},{"name":"_since","valueInstant":"2026-01-01T00:00:00Z"},
      {"name":"includeAssociatedData","valueBoolean":true},
      {"name":"patient","valueReference":{"reference":"Patient/1"}}]})")
                                      .as_object());
  ASSERT_TRUE(pairs) << pairs.error().message;
  EXPECT_EQ(*pairs, (Pairs{{"_type", "Patient"},
                           {"_since", "2026-01-01T00:00:00Z"},
                           {"includeAssociatedData", "true"},
                           {"patient", "Patient/1"}}));
  for (const char* bad :
       {R"({"resourceType":"Patient"})", R"({"resourceType":"Parameters","parameter":{}})",
        R"({"resourceType":"Parameters","parameter":[{"valueString":"x"}]})",
        R"({"resourceType":"Parameters","parameter":[{"name":"_type",
                              "valueString":"a","valueCode":"b"}]})",
        R"({"resourceType":"Parameters","parameter":[{"name":"_type",
                              "valueString":3}]})"}) {
    EXPECT_FALSE(parameters_of_body(boost::json::parse(bad).as_object())) << bad;
  }
}

TEST(ExportParametersTest, PreferIsReadTokenByTokenWhateverTheCase) {
  EXPECT_TRUE(parse_prefer("respond-async").respond_async);
  const ExportPreferences both = parse_prefer(" Respond-Async , handling=lenient");
  EXPECT_TRUE(both.respond_async);
  EXPECT_TRUE(both.lenient);
  EXPECT_FALSE(parse_prefer("").respond_async);
  EXPECT_FALSE(parse_prefer("respond-asynchronous").respond_async);
  EXPECT_FALSE(parse_prefer("return=minimal").lenient);
}

}  // namespace
}  // namespace vigie::lifecycle
