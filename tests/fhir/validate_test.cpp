#include "fhir/validate.hpp"

#include <string>

#include <gtest/gtest.h>

#include "fhir/json.hpp"
#include "fhir_test_support.hpp"

namespace vigie::fhir {
namespace {

using testing::object_from;
using testing::read_fixture;

TEST(ValidateResource, AcceptsThePatientFixture) {
  Result<boost::json::object> patient = parse_json_object(read_fixture("patient_lefevre.json"));
  ASSERT_TRUE(patient.has_value()) << patient.error().message;
  Result<void> checked = validate_resource(*patient);
  EXPECT_TRUE(checked.has_value()) << checked.error().message;
}

TEST(ValidateResource, AcceptsTheObservationFixture) {
  Result<boost::json::object> observation =
      parse_json_object(read_fixture("observation_glucose.json"));
  ASSERT_TRUE(observation.has_value());
  Result<void> checked = validate_resource(*observation);
  EXPECT_TRUE(checked.has_value()) << checked.error().message;
}

// The hand-written checks look only at what vigie indexes; the rest is the R4 structure's
// (structure_test.cpp).
TEST(ValidateResource, AcceptsWhatIsNotIndexed) {
  for (
      std::string_view json : {
          R"({"resourceType":"Organization","name":"Cabinet infirmier","alias":["CI"]})",
          R"({"resourceType":"Patient"})",
          R"({"resourceType":"Patient","birthDate":"1980"})",
          R"({"resourceType":"Patient","birthDate":"1980-02"})",
          R"({"resourceType":"Patient","birthDate":"2000-02-29"})",
          R"({"resourceType":"Patient","name":[{"text":"Jean Dupont"}],"gender":"unknown"})",
          R"({"resourceType":"Bundle","type":"collection","identifier":{"system":"s","value":"v"}})",
          R"({"resourceType":"Contract","subject":[{"reference":"Patient/a"}]})",
          R"({"resourceType":"Account","subject":[{"reference":"Patient/a"}],"status":"active"})",
          R"({"resourceType":"SearchParameter","url":"http://example.org/sp","name":"family","status":"active","description":"d","code":"family","base":["Patient"],"type":"string"})",
          R"({"resourceType":"Questionnaire","code":[{"code":"x"}],"status":"draft"})",
          R"({"resourceType":"Observation","status":"final","code":{"text":"note only"}})",
          R"({"resourceType":"Observation","status":"final","code":{"text":"t"},"subject":{"reference":"Group/g1"}})",
          R"({"resourceType":"Task","for":{"reference":"Patient/a"},"status":"draft","intent":"order"})",
          R"({"resourceType":"Organization","identifier":[{"system":"urn:oid:1.2.250.1.71.4.2.2"}]})",
      }) {
    Result<void> checked = validate_resource(object_from(json));
    EXPECT_TRUE(checked.has_value()) << json << ": " << checked.error().message;
  }
}

TEST(ValidateResource, AcceptsNumbersWithinTheirFhirTypes) {
  for (
      std::string_view json : {
          R"({"resourceType":"Observation","status":"final","code":{"text":"t"},"valueQuantity":{"value":1.50,"unit":"mmol/L"}})",
          R"({"resourceType":"Observation","status":"final","code":{"text":"t"},"component":[{"code":{"text":"a"},"valueInteger":-2147483648},{"code":{"text":"b"},"valueInteger":2147483647}]})",
          R"({"resourceType":"Observation","status":"final","code":{"text":"t"},"extension":[{"url":"u","valueDecimal":1.7976931348623157e308}]})",
          R"({"resourceType":"Observation","status":"final","code":{"text":"t"},"extension":[{"url":"u","valueDecimal":-4.9e-324}],"referenceRange":[{"low":{"value":0e99999}}]})",
          R"({"resourceType":"Immunization","status":"completed","vaccineCode":{"text":"v"},"patient":{"reference":"Patient/a"},"occurrenceDateTime":"2020","protocolApplied":[{"doseNumberPositiveInt":1}]})",
          R"({"resourceType":"Patient","multipleBirthInteger":2,"_multipleBirthInteger":{"id":"x"}})",
          R"({"resourceType":"Patient","extension":[{"url":"u","valueUnsignedInt":0}]})",
          R"({"resourceType":"Group","quantity":3,"type":"person","actual":true})",
          R"({"resourceType":"Observation","status":"final","code":{"text":"t"},"valueQuantity":{"unit":"no value"}})",
      }) {
    Result<void> checked = validate_resource(object_from(json));
    EXPECT_TRUE(checked.has_value()) << json << ": " << checked.error().message;
  }
}

struct InvalidResourceCase {
  std::string name;
  std::string json;
  std::string message;  // the exact message expected
};

class ValidateResourceRejects : public ::testing::TestWithParam<InvalidResourceCase> {};

TEST_P(ValidateResourceRejects, NamingThePathAndRule) {
  Result<void> checked = validate_resource(object_from(GetParam().json));
  ASSERT_FALSE(checked.has_value());
  EXPECT_EQ(checked.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(checked.error().message, GetParam().message);
  for (std::string_view secret : {"Secret", "1850578006084", "1985"}) {
    EXPECT_EQ(checked.error().message.find(secret), std::string::npos) << checked.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ValidateResourceRejects,
    ::testing::Values(
        InvalidResourceCase{"NoType", R"({"id":"a"})", "resourceType is missing"},
        InvalidResourceCase{"UnknownType", R"({"resourceType":"Secret"})",
                            "resourceType must be a FHIR R4 resource type"},
        InvalidResourceCase{"LowercaseType", R"({"resourceType":"patient"})",
                            "resourceType must be a FHIR R4 resource type"},
        InvalidResourceCase{"TypeNotString", R"({"resourceType":["Patient"]})",
                            "resourceType must be a FHIR R4 resource type"},
        InvalidResourceCase{"IdWithSlash", R"({"resourceType":"Patient","id":"Secret/1"})",
                            "Patient.id: must match [A-Za-z0-9-.]{1,64}"},
        InvalidResourceCase{"IdEmpty", R"({"resourceType":"Patient","id":""})",
                            "Patient.id: must match [A-Za-z0-9-.]{1,64}"},
        InvalidResourceCase{"IdNumber", R"({"resourceType":"Patient","id":12})",
                            "Patient.id: must match [A-Za-z0-9-.]{1,64}"},
        InvalidResourceCase{
            "IdTooLong",
            R"({"resourceType":"Patient","id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})",
            "Patient.id: must match [A-Za-z0-9-.]{1,64}"},
        InvalidResourceCase{"MetaNotObject", R"({"resourceType":"Patient","meta":"Secret"})",
                            "Patient.meta: must be an object"},
        InvalidResourceCase{"IdentifierNotList",
                            R"({"resourceType":"Patient","identifier":"Secret"})",
                            "Patient.identifier: must be a list of Identifier"},
        InvalidResourceCase{"IdentifierEntryNotObject",
                            R"({"resourceType":"Patient","identifier":[{"value":"a"},"Secret"]})",
                            "Patient.identifier[1]: must be an Identifier object"},
        InvalidResourceCase{"IdentifierValueNumber",
                            R"({"resourceType":"Patient","identifier":[{"value":1985}]})",
                            "Patient.identifier[0].value: must be a string"},
        InvalidResourceCase{"IdentifierSystemNumber",
                            R"({"resourceType":"Organization","identifier":[{"system":1}]})",
                            "Organization.identifier[0].system: must be a string"},
        InvalidResourceCase{
            "NirWrongKey",
            R"({"resourceType":"Patient","identifier":[{"system":"x","value":"y"},{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"185057800608492"}]})",
            "Patient.identifier[1]: INS-NIR has an invalid control key"},
        InvalidResourceCase{
            "NirTooShort",
            R"({"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"1850578006084"}]})",
            "Patient.identifier[0]: INS-NIR must be 15 characters"},
        InvalidResourceCase{
            "NiaLetters",
            R"({"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.9","value":"18505780060849X"}]})",
            "Patient.identifier[0]: INS-NIA must contain only digits (2A/2B allowed for Corsica)"},
        InvalidResourceCase{
            "NirWithoutValue",
            R"({"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8"}]})",
            "Patient.identifier[0]: INS-NIR has no value"},
        InvalidResourceCase{"NameNotList",
                            R"({"resourceType":"Patient","name":{"family":"Secret"}})",
                            "Patient.name: must be a list of HumanName"},
        InvalidResourceCase{"NameEntryNotObject", R"({"resourceType":"Patient","name":["Secret"]})",
                            "Patient.name[0]: must be a HumanName object"},
        InvalidResourceCase{"FamilyList",
                            R"({"resourceType":"Practitioner","name":[{"family":["Secret"]}]})",
                            "Practitioner.name[0].family: must be a string"},
        InvalidResourceCase{"GivenString",
                            R"({"resourceType":"Patient","name":[{"given":"Secret"}]})",
                            "Patient.name[0].given: must be a list of strings"},
        InvalidResourceCase{"GivenNumber",
                            R"({"resourceType":"RelatedPerson","name":[{},{"given":["a",1985]}]})",
                            "RelatedPerson.name[1].given[1]: must be a string"},
        InvalidResourceCase{"TextNumber", R"({"resourceType":"Patient","name":[{"text":1985}]})",
                            "Patient.name[0].text: must be a string"},
        InvalidResourceCase{"BirthDateWithTime",
                            R"({"resourceType":"Patient","birthDate":"1985-01-01T10:00:00Z"})",
                            "Patient.birthDate: must be a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)"},
        InvalidResourceCase{"BirthDateFrench",
                            R"({"resourceType":"Patient","birthDate":"12/05/1985"})",
                            "Patient.birthDate: must be a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)"},
        InvalidResourceCase{"BirthDateImpossible",
                            R"({"resourceType":"Patient","birthDate":"1985-02-29"})",
                            "Patient.birthDate: must be a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)"},
        InvalidResourceCase{"BirthDateNumber", R"({"resourceType":"Patient","birthDate":1985})",
                            "Patient.birthDate: must be a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)"},
        InvalidResourceCase{"GenderUnknownCode", R"({"resourceType":"Patient","gender":"F"})",
                            "Patient.gender: must be one of male, female, other, unknown"},
        InvalidResourceCase{"GenderCapitalised", R"({"resourceType":"Patient","gender":"Female"})",
                            "Patient.gender: must be one of male, female, other, unknown"},
        InvalidResourceCase{"StatusNotString",
                            R"({"resourceType":"Observation","status":{"code":"final"}})",
                            "Observation.status: must be a string"},
        InvalidResourceCase{"SubjectString",
                            R"({"resourceType":"Observation","subject":"Patient/Secret"})",
                            "Observation.subject: must be a Reference object"},
        InvalidResourceCase{"SubjectWithoutReference",
                            R"({"resourceType":"Observation","subject":{"display":"Secret"}})",
                            "Observation.subject.reference: must be a string"},
        InvalidResourceCase{"PatientReferenceNumber",
                            R"({"resourceType":"Immunization","patient":{"reference":1985}})",
                            "Immunization.patient.reference: must be a string"},
        InvalidResourceCase{"UnprofiledSubjectString",
                            R"({"resourceType":"Task","subject":"Secret"})",
                            "Task.subject: must be a Reference object"},
        InvalidResourceCase{"UnprofiledReferenceNumber",
                            R"({"resourceType":"Composition","patient":{"reference":1}})",
                            "Composition.patient.reference: must be a string"},
        InvalidResourceCase{"CodeString", R"({"resourceType":"Observation","code":"Secret"})",
                            "Observation.code: must be a CodeableConcept object"},
        InvalidResourceCase{"CodingNotList",
                            R"({"resourceType":"Condition","code":{"coding":{"code":"x"}}})",
                            "Condition.code.coding: must be a list of Coding"},
        InvalidResourceCase{"CodingEntryString",
                            R"({"resourceType":"Procedure","code":{"coding":["Secret"]}})",
                            "Procedure.code.coding[0]: must be a Coding object"},
        InvalidResourceCase{
            "CodingCodeNumber",
            R"({"resourceType":"Immunization","vaccineCode":{"coding":[{"system":"s","code":1985}]}})",
            "Immunization.vaccineCode.coding[0].code: must be a string"},
        InvalidResourceCase{
            "MedicationCodeText",
            R"({"resourceType":"MedicationRequest","medicationCodeableConcept":{"text":1}})",
            "MedicationRequest.medicationCodeableConcept.text: must be a string"},
        InvalidResourceCase{
            "DecimalOverflowing",
            R"({"resourceType":"Observation","valueQuantity":{"value":999906e00001595}})",
            "Observation.valueQuantity.value: must be a decimal of magnitude 0 or from about "
            "4.9e-324 to 1.8e308 (a 64-bit floating-point number)"},
        InvalidResourceCase{
            "DecimalOverflowingInAList",
            R"({"resourceType":"Observation","component":[{"code":{"text":"a"},"valueQuantity":{"value":1}},{"valueQuantity":{"value":-1e309}}]})",
            "Observation.component[1].valueQuantity.value: must be a decimal of magnitude 0 or "
            "from "
            "about 4.9e-324 to 1.8e308 (a 64-bit floating-point number)"},
        InvalidResourceCase{
            "DecimalUnderflowing",
            R"({"resourceType":"Patient","extension":[{"url":"u","valueDecimal":1e-400}]})",
            "Patient.extension[0].valueDecimal: must be a decimal of magnitude 0 or from about "
            "4.9e-324 to 1.8e308 (a 64-bit floating-point number)"},
        InvalidResourceCase{
            "DecimalOverflowingAnywhere",
            R"({"resourceType":"Basic","extension":[{"url":"u","valueRange":{"low":{"value":1},"high":{"value":1e400}}}]})",
            "Basic.extension[0].valueRange.high.value: must be a decimal of magnitude 0 or from "
            "about 4.9e-324 "
            "to 1.8e308 (a 64-bit floating-point number)"},
        InvalidResourceCase{
            "IntegerTooLarge", R"({"resourceType":"Patient","multipleBirthInteger":2147483648})",
            "Patient.multipleBirthInteger: must be a FHIR integer: a whole JSON number "
            "from -2147483648 to 2147483647"},
        InvalidResourceCase{"IntegerTooSmall",
                            R"({"resourceType":"Observation","valueInteger":-2147483649})",
                            "Observation.valueInteger: must be a FHIR integer: a whole JSON number "
                            "from -2147483648 to 2147483647"},
        InvalidResourceCase{"IntegerWithFraction",
                            R"({"resourceType":"Observation","valueInteger":2.0})",
                            "Observation.valueInteger: must be a FHIR integer: a whole JSON number "
                            "from -2147483648 to 2147483647"},
        InvalidResourceCase{"IntegerWithExponent",
                            R"({"resourceType":"Observation","valueInteger":1e2})",
                            "Observation.valueInteger: must be a FHIR integer: a whole JSON number "
                            "from -2147483648 to 2147483647"},
        InvalidResourceCase{"IntegerNegativeZero",
                            R"({"resourceType":"Observation","valueInteger":-0})",
                            "Observation.valueInteger: must be a FHIR integer: a whole JSON number "
                            "from -2147483648 to 2147483647"},
        InvalidResourceCase{
            "PositiveIntZero",
            R"({"resourceType":"Immunization","protocolApplied":[{"doseNumberPositiveInt":0}]})",
            "Immunization.protocolApplied[0].doseNumberPositiveInt: must be a FHIR positiveInt: a "
            "whole JSON number from 1 to 2147483647"},
        InvalidResourceCase{
            "UnsignedIntNegative",
            R"({"resourceType":"Patient","extension":[{"url":"u","valueUnsignedInt":-1}]})",
            "Patient.extension[0].valueUnsignedInt: must be a FHIR unsignedInt: a whole JSON "
            "number "
            "from 0 to 2147483647"},
        InvalidResourceCase{
            "DecimalAsString",
            R"({"resourceType":"Patient","extension":[{"url":"u","valueDecimal":"1.50"}]})",
            "Patient.extension[0].valueDecimal: must be a decimal (a JSON number)"},
        InvalidResourceCase{"IntegerAsString",
                            R"({"resourceType":"Observation","valueInteger":"1985"})",
                            "Observation.valueInteger: must be a FHIR integer: a whole JSON "
                            "number from -2147483648 to 2147483647"},
        InvalidResourceCase{"QuantityValueAsString",
                            R"({"resourceType":"Observation","valueQuantity":{"value":"1.50"}})",
                            "Observation.valueQuantity.value: must be a decimal (a JSON number)"},
        InvalidResourceCase{"StatusDecimal", R"({"resourceType":"Observation","status":1.50})",
                            "Observation.status: must be a string"},
        InvalidResourceCase{"FamilyDecimal",
                            R"({"resourceType":"Patient","name":[{"family":19.850}]})",
                            "Patient.name[0].family: must be a string"},
        InvalidResourceCase{"IdDecimal", R"({"resourceType":"Patient","id":1e2})",
                            "Patient.id: must match [A-Za-z0-9-.]{1,64}"}),
    [](const ::testing::TestParamInfo<InvalidResourceCase>& info) { return info.param.name; });

}  // namespace
}  // namespace vigie::fhir
