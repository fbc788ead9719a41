#include "fhir/search_index.hpp"

#include <set>
#include <string>
#include <utility>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fhir/json.hpp"
#include "fhir_test_support.hpp"

namespace vigie::fhir {
namespace {

using testing::has_entry;
using ::testing::IsEmpty;
using testing::object_from;
using testing::read_fixture;
using ::testing::UnorderedElementsAre;
using testing::values_of;

boost::json::object patient_fixture() {
  Result<boost::json::object> patient = parse_json_object(read_fixture("patient_lefevre.json"));
  EXPECT_TRUE(patient.has_value());
  return patient.value_or(boost::json::object());
}

TEST(IndexEntries, PatientFamilyPrefixesAreFolded) {
  std::vector<IndexEntry> entries = index_entries(patient_fixture());
  EXPECT_THAT(values_of(entries, "family"),
              UnorderedElementsAre("lef", "lefe", "lefev", "lefevr", "lefevre"));
}

TEST(IndexEntries, PatientGivenPrefixesCoverTheWholeValueAndEachWord) {
  std::vector<IndexEntry> entries = index_entries(patient_fixture());
  std::vector<std::string> given = values_of(entries, "given");
  std::set<std::string> expected = {// "marie claire" as a whole (no prefix ends with the space)
                                    "mar", "mari", "marie", "marie c", "marie cl", "marie cla",
                                    "marie clai", "marie clair", "marie claire",
                                    // its words
                                    "cla", "clai", "clair", "claire",
                                    // ÉLODIE
                                    "elo", "elod", "elodi", "elodie"};
  EXPECT_EQ(std::set<std::string>(given.begin(), given.end()), expected);
  EXPECT_EQ(given.size(), expected.size()) << "entries are de-duplicated";
}

TEST(IndexEntries, NameCoversFamilyGivenAndText) {
  boost::json::object patient = object_from(
      R"({"resourceType":"Patient","name":[{"family":"Lefèvre","given":["Jo"],"text":"Dr Ñúñez"}]})");
  std::vector<IndexEntry> entries = index_entries(patient);
  EXPECT_TRUE(has_entry(entries, "name", "lefevre"));
  EXPECT_TRUE(has_entry(entries, "name", "lef"));
  EXPECT_TRUE(has_entry(entries, "name", "jo"));  // shorter than 3: the whole value
  EXPECT_TRUE(has_entry(entries, "given", "jo"));
  EXPECT_FALSE(has_entry(entries, "given", "j"));
  EXPECT_TRUE(has_entry(entries, "name", "dr nunez"));
  EXPECT_TRUE(has_entry(entries, "name", "nun"));
  EXPECT_TRUE(has_entry(entries, "name", "dr"));  // a word shorter than 3
  EXPECT_FALSE(has_entry(entries, "family", "nunez"));
}

TEST(IndexEntries, PatientIdentifiersBirthDateAndGender) {
  std::vector<IndexEntry> entries = index_entries(patient_fixture());
  EXPECT_TRUE(has_entry(entries, "identifier", "urn:oid:1.2.250.1.213.1.4.8|269054958815780"));
  EXPECT_TRUE(has_entry(entries, "identifier", "269054958815780"));
  EXPECT_TRUE(has_entry(entries, "identifier", "urn:oid:1.2.250.1.213.1.4.8|"));
  EXPECT_TRUE(has_entry(entries, "identifier", "https://hopital.example/ipp|IPP-0042"));
  EXPECT_THAT(values_of(entries, "birthdate"),
              UnorderedElementsAre("1969", "1969-05", "1969-05-12"));
  EXPECT_THAT(values_of(entries, "gender"), UnorderedElementsAre("female"));
  EXPECT_THAT(values_of(entries, "patient"), IsEmpty());
  EXPECT_FALSE(has_entry(entries, "address", "evreux")) << "addresses are not indexed";
}

TEST(IndexEntries, PartialBirthDate) {
  std::vector<IndexEntry> entries =
      index_entries(object_from(R"({"resourceType":"Patient","birthDate":"1969-05"})"));
  EXPECT_THAT(values_of(entries, "birthdate"), UnorderedElementsAre("1969", "1969-05"));
}

TEST(IndexEntries, LongNamesStopAtTheLongestPrefix) {
  std::string family(200, 'a');
  boost::json::object patient = object_from(R"({"resourceType":"Patient","name":[{}]})");
  patient["name"].as_array()[0].as_object()["family"] = family;
  std::vector<std::string> prefixes = values_of(index_entries(patient), "family");
  EXPECT_EQ(prefixes.size(), 62u);  // lengths 3..64
  EXPECT_TRUE(has_entry(index_entries(patient), "family", std::string(64, 'a')));
  EXPECT_FALSE(has_entry(index_entries(patient), "family", std::string(65, 'a')));
}

TEST(IndexEntries, PractitionerNamesButNoPatientDemographics) {
  std::vector<IndexEntry> entries = index_entries(object_from(
      R"({"resourceType":"Practitioner","name":[{"family":"Martin"}],"gender":"male","birthDate":"1970"})"));
  EXPECT_TRUE(has_entry(entries, "family", "martin"));
  EXPECT_THAT(values_of(entries, "gender"), IsEmpty());
  EXPECT_THAT(values_of(entries, "birthdate"), IsEmpty());
}

TEST(IndexEntries, OrganizationNameIsNotAPersonName) {
  std::vector<IndexEntry> entries = index_entries(object_from(
      R"({"resourceType":"Organization","name":"Laboratoire","identifier":{"system":"s","value":"v"}})"));
  EXPECT_THAT(values_of(entries, "name"), IsEmpty());
  EXPECT_TRUE(has_entry(entries, "identifier", "s|v"));
}

TEST(IndexEntries, ObservationCompartmentCodeAndStatus) {
  Result<boost::json::object> observation =
      parse_json_object(read_fixture("observation_glucose.json"));
  ASSERT_TRUE(observation.has_value());
  std::vector<IndexEntry> entries = index_entries(*observation);
  EXPECT_THAT(values_of(entries, "patient"), UnorderedElementsAre("Patient/p-lefevre"));
  EXPECT_THAT(values_of(entries, "subject"), UnorderedElementsAre("Patient/p-lefevre"));
  EXPECT_THAT(values_of(entries, "code"),
              UnorderedElementsAre("http://loinc.org|15074-8", "15074-8"));
  EXPECT_THAT(values_of(entries, "status"), UnorderedElementsAre("final"));
  EXPECT_THAT(values_of(entries, "name"), IsEmpty());
}

TEST(IndexEntries, ImmunizationUsesPatientAndVaccineCode) {
  std::vector<IndexEntry> entries = index_entries(object_from(R"({
    "resourceType":"Immunization","status":"completed",
    "patient":{"reference":"Patient/p1"},
    "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"140"},{"code":"local"}]}
  })"));
  EXPECT_THAT(values_of(entries, "patient"), UnorderedElementsAre("Patient/p1"));
  EXPECT_THAT(values_of(entries, "subject"), IsEmpty());
  EXPECT_THAT(values_of(entries, "code"),
              UnorderedElementsAre("http://hl7.org/fhir/sid/cvx|140", "140", "local"));
}

TEST(IndexEntries, MedicationRequestUsesMedicationCodeableConcept) {
  std::vector<IndexEntry> entries = index_entries(object_from(R"({
    "resourceType":"MedicationRequest","status":"active","subject":{"reference":"Patient/p1"},
    "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"310965"}]}
  })"));
  EXPECT_TRUE(has_entry(entries, "code", "http://www.nlm.nih.gov/research/umls/rxnorm|310965"));
  EXPECT_TRUE(has_entry(entries, "status", "active"));
}

TEST(IndexEntries, ConditionHasNoStatusEntry) {
  std::vector<IndexEntry> entries = index_entries(object_from(
      R"({"resourceType":"Condition","status":"odd","subject":{"reference":"Patient/p1"}})"));
  EXPECT_THAT(values_of(entries, "status"), IsEmpty());
  EXPECT_THAT(values_of(entries, "patient"), UnorderedElementsAre("Patient/p1"));
}

TEST(IndexEntries, ObservationOnAGroupIsOutsideAnyCompartment) {
  std::vector<IndexEntry> entries = index_entries(object_from(
      R"({"resourceType":"Observation","status":"final","subject":{"reference":"Group/g1"}})"));
  EXPECT_THAT(values_of(entries, "patient"), IsEmpty());
  EXPECT_THAT(values_of(entries, "status"), UnorderedElementsAre("final"));
}

TEST(IndexEntries, AreDeduplicated) {
  std::vector<IndexEntry> entries = index_entries(object_from(R"({
    "resourceType":"Patient",
    "identifier":[{"system":"s","value":"v"},{"system":"s","value":"v"}],
    "name":[{"family":"Dupont"},{"family":"DUPONT"}]})"));
  std::set<std::pair<std::string, std::string>> unique;
  for (const IndexEntry& entry : entries) {
    EXPECT_TRUE(unique.emplace(entry.param, entry.value).second)
        << entry.param << "=" << entry.value;
  }
}

struct CompartmentCase {
  std::string name;
  std::string json;
  std::optional<std::string> patient;
};

class PatientCompartmentOf : public ::testing::TestWithParam<CompartmentCase> {};

TEST_P(PatientCompartmentOf, Finds) {
  EXPECT_EQ(patient_compartment_of(object_from(GetParam().json)), GetParam().patient);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PatientCompartmentOf,
    ::testing::Values(
        CompartmentCase{"PatientItself", R"({"resourceType":"Patient","id":"p1"})", "p1"},
        CompartmentCase{"PatientWithoutId", R"({"resourceType":"Patient"})", std::nullopt},
        CompartmentCase{"Subject",
                        R"({"resourceType":"Observation","subject":{"reference":"Patient/p2"}})",
                        "p2"},
        CompartmentCase{
            "CoverageBeneficiary",
            R"({"resourceType":"Coverage","beneficiary":{"reference":"Patient/p6"},"patient":{"reference":"Patient/other"}})",
            "p6"},
        CompartmentCase{
            "AppointmentFirstPatientParticipant",
            R"({"resourceType":"Appointment","participant":[{"actor":{"reference":"Practitioner/x"}},{"actor":{"reference":"Patient/p7"}},{"actor":{"reference":"Patient/p8"}}]})",
            "p7"},
        CompartmentCase{
            "AppointmentWithoutAPatient",
            R"({"resourceType":"Appointment","participant":[{"actor":{"reference":"Practitioner/x"}},{"status":"accepted"}]})",
            std::nullopt},
        CompartmentCase{"PatientElement",
                        R"({"resourceType":"Claim","patient":{"reference":"Patient/p3"}})", "p3"},
        CompartmentCase{
            "AbsoluteUrl",
            R"({"resourceType":"Encounter","subject":{"reference":"https://fhir.example/r4/Patient/p4"}})",
            "p4"},
        CompartmentCase{
            "VersionedReference",
            R"({"resourceType":"Encounter","subject":{"reference":"Patient/p5/_history/2"}})",
            "p5"},
        CompartmentCase{"GroupSubject",
                        R"({"resourceType":"Observation","subject":{"reference":"Group/g"}})",
                        std::nullopt},
        CompartmentCase{"RelativeWithExtraSegments",
                        R"({"resourceType":"Observation","subject":{"reference":"x/Patient/p"}})",
                        std::nullopt},
        CompartmentCase{"Contained",
                        R"({"resourceType":"Observation","subject":{"reference":"#p"}})",
                        std::nullopt},
        CompartmentCase{
            "UnresolvedUrn",
            R"({"resourceType":"Observation","subject":{"reference":"urn:uuid:27de96c6-6910-4f0f-8f10-00ce6090f447"}})",
            std::nullopt},
        CompartmentCase{"InvalidId",
                        R"({"resourceType":"Observation","subject":{"reference":"Patient/a_b"}})",
                        std::nullopt},
        CompartmentCase{
            "ProfiledTypeUsesItsOwnLink",
            R"({"resourceType":"Observation","patient":{"reference":"Patient/other"},"subject":{"reference":"Patient/p6"}})",
            "p6"},
        CompartmentCase{"UnprofiledSubject",
                        R"({"resourceType":"Task","subject":{"reference":"Patient/p7"}})", "p7"},
        CompartmentCase{"UnprofiledPatient",
                        R"({"resourceType":"Appointment","patient":{"reference":"Patient/p8"}})",
                        "p8"},
        CompartmentCase{"RelatedPerson",
                        R"({"resourceType":"RelatedPerson","patient":{"reference":"Patient/p9"}})",
                        "p9"},
        CompartmentCase{"Practitioner", R"({"resourceType":"Practitioner","id":"dr"})",
                        std::nullopt},
        CompartmentCase{"Organization", R"({"resourceType":"Organization","id":"o"})",
                        std::nullopt}),
    [](const ::testing::TestParamInfo<CompartmentCase>& info) { return info.param.name; });

}  // namespace
}  // namespace vigie::fhir
