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
      {{"_typeFilter", "Patient?name=Lefebvre"}},
      {{"patient", "Patient/1"}},
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
                                         {"_typeFilter", "Patient?name=x"},
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
                           {"patient", ""}}));
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
