#include "fhir/structure.hpp"

#include <string>
#include <string_view>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "fhir/json.hpp"
#include "fhir/resource_types.hpp"
#include "fhir/validate.hpp"
#include "fhir_test_support.hpp"

namespace vigie::fhir {
namespace {

using testing::object_from;
using testing::read_fixture;

TEST(Structure, EveryAcceptedResourceTypeHasATableEntry) {
  for (std::string_view type : known_resource_types()) {
    EXPECT_TRUE(has_structure_definition(type)) << type;
  }
  for (std::string_view not_a_resource : {"HumanName", "Observation.component", "string",
                                          "Resource", "DomainResource", "Element", ""}) {
    EXPECT_FALSE(has_structure_definition(not_a_resource)) << not_a_resource;
  }
}

TEST(Structure, AcceptsTheFixtures) {
  for (std::string_view name : {"patient_lefevre.json", "observation_glucose.json"}) {
    Result<void> checked = validate_structure(object_from(read_fixture(name)));
    EXPECT_TRUE(checked.has_value()) << name << ": " << checked.error().message;
  }
  boost::json::object bundle = object_from(read_fixture("transaction_small.json"));
  size_t resources = 0;
  for (const boost::json::value& entry : bundle.at("entry").as_array()) {
    if (const boost::json::value* resource = entry.as_object().if_contains("resource")) {
      Result<void> checked = validate_structure(resource->as_object());
      EXPECT_TRUE(checked.has_value()) << checked.error().message;
      ++resources;
    }
  }
  EXPECT_GT(resources, 0u);
}

TEST(Structure, AcceptsValidResourcesOfSeveralTypes) {
  for (
      std::string_view json : {
          // A required primitive given only by its extension sibling, a primitive list with null
          // where only the extension is given.
          R"({"resourceType":"Patient","active":true,"birthDate":"1985-05-12","_birthDate":{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthTime","valueDateTime":"1985-05-12T10:15:00+02:00"}]},"name":[{"family":"Martin","given":["Anne",null],"_given":[null,{"extension":[{"url":"u","valueString":"x"}]}]}],"multipleBirthInteger":2,"deceasedBoolean":false})",
          R"({"resourceType":"Observation","_status":{"extension":[{"url":"u","valueCode":"x"}]},"code":{"text":"t"},"issued":"2024-03-05T08:30:00.123Z","effectivePeriod":{"start":"2024"},"component":[{"code":{"text":"a"},"valueQuantity":{"value":1.50,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}],"referenceRange":[{"low":{"value":0}}]})",
          R"({"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/a"},"medicationReference":{"reference":"#med"},"contained":[{"resourceType":"Medication","id":"med","code":{"text":"paracétamol"}}],"dosageInstruction":[{"timing":{"repeat":{"frequency":3,"period":1,"periodUnit":"d"}},"doseAndRate":[{"doseQuantity":{"value":1}}]}]})",
          R"({"resourceType":"Questionnaire","status":"draft","item":[{"linkId":"1","type":"group","item":[{"linkId":"1.1","type":"string","enableWhen":[{"question":"1","operator":"exists","answerBoolean":true}]}]}]})",
          R"({"resourceType":"Encounter","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"subject":{"reference":"Patient/a"},"period":{"start":"2024-01-01T10:00:00+01:00","end":"2024-01-01T10:30:00+01:00"}})",
          R"({"resourceType":"Condition","subject":{"reference":"Patient/a"},"code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006"}]},"onsetAge":{"value":40,"unit":"a"}})",
          R"({"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:0a8c4b5e-1f7a-4c3e-9a57-0d5e7a1c2b3f","resource":{"resourceType":"Patient","gender":"female"}}]})",
          R"({"resourceType":"Organization","identifier":[{"system":"urn:oid:1.2.250.1.71.4.2.2","value":"1"}],"name":"Cabinet","modifierExtension":[{"url":"u","valueBoolean":true}],"text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Cabinet</div>"}})",
          R"({"resourceType":"Binary","contentType":"text/plain","data":"aGVsbG8="})",
      }) {
    Result<void> checked = validate_structure(object_from(json));
    EXPECT_TRUE(checked.has_value()) << json << ": " << checked.error().message;
  }
}

struct Refusal {
  std::string name;
  std::string json;
  std::string message;  // exactly
};

class StructureRefuses : public ::testing::TestWithParam<Refusal> {};

TEST_P(StructureRefuses, NamingThePathNeverTheValue) {
  Result<void> checked = validate_structure(object_from(GetParam().json));
  ASSERT_FALSE(checked.has_value());
  EXPECT_EQ(checked.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(checked.error().message, GetParam().message);
  EXPECT_EQ(checked.error().message.find("Secret"), std::string::npos);
}

constexpr std::string_view kObservation = R"("resourceType":"Observation","status":"final",)";

std::string observation(std::string_view members) {
  return fmt::format(R"({{{}{}}})", kObservation, members);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, StructureRefuses,
    ::testing::Values(
        // Unknown elements, at every level.
        Refusal{"UnknownElement", R"({"resourceType":"Patient","nickname":"Secret"})",
                "Patient.nickname: is not an element of Patient"},
        Refusal{"UnknownElementInADataType",
                observation(R"("code":{"coding":[{"system":"s","kode":"Secret"}]})"),
                "Observation.code.coding[0].kode: is not an element of Coding"},
        Refusal{"UnknownElementNameNotEchoed", R"({"resourceType":"Patient","Secret Name":"x"})",
                "Patient.(invalid name): is not an element of Patient"},
        Refusal{"ResourceTypeInADataType", observation(R"("code":{"resourceType":"Secret"})"),
                "Observation.code.resourceType: is not an element of CodeableConcept"},
        // Primitives of the wrong JSON type or format.
        Refusal{"UriNumber", observation(R"("code":{"coding":[{"system":1985}]})"),
                "Observation.code.coding[0].system: must be a string"},
        Refusal{"UriWithSpace", observation(R"("code":{"coding":[{"system":"http://Secret x"}]})"),
                "Observation.code.coding[0].system: must be a uri (no whitespace)"},
        Refusal{"BooleanString", R"({"resourceType":"Patient","active":"true"})",
                "Patient.active: must be a boolean (true or false)"},
        Refusal{"IntegerFraction", R"({"resourceType":"Patient","multipleBirthInteger":1.5})",
                "Patient.multipleBirthInteger: must be a FHIR integer: a whole JSON number from "
                "-2147483648 to 2147483647"},
        Refusal{"UnsignedIntNegative", R"({"resourceType":"Patient","photo":[{"size":-1}]})",
                "Patient.photo[0].size: must be a FHIR unsignedInt: a whole JSON number from 0 "
                "to 2147483647"},
        Refusal{"PositiveIntZero",
                R"({"resourceType":"Patient","extension":[{"url":"u","valuePositiveInt":0}]})",
                "Patient.extension[0].valuePositiveInt: must be a FHIR positiveInt: a whole JSON "
                "number from 1 to 2147483647"},
        Refusal{"Base64WithPercent",
                R"({"resourceType":"Binary","contentType":"a/b","data":"a%b"})",
                "Binary.data: must be base64"},
        Refusal{"DecimalString",
                observation(R"("code":{"text":"t"},"valueQuantity":{"value":"1.5"})"),
                "Observation.valueQuantity.value: must be a decimal (a JSON number)"},
        Refusal{"StringEmpty", observation(R"("code":{"text":""})"),
                "Observation.code.text: must not be empty"},
        Refusal{"DateFrench", R"({"resourceType":"Patient","birthDate":"12/05/1985"})",
                "Patient.birthDate: must be a date (YYYY, YYYY-MM or YYYY-MM-DD)"},
        Refusal{"DateTimeWithoutZone",
                observation(R"("code":{"text":"t"},"effectiveDateTime":"2024-03-05T08:30:00")"),
                "Observation.effectiveDateTime: must be a dateTime (YYYY, YYYY-MM, YYYY-MM-DD or "
                "YYYY-MM-DDThh:mm:ss with a time zone)"},
        Refusal{"DateTimeMonth13",
                observation(R"("code":{"text":"t"},"effectiveDateTime":"2024-13")"),
                "Observation.effectiveDateTime: must be a dateTime (YYYY, YYYY-MM, YYYY-MM-DD or "
                "YYYY-MM-DDThh:mm:ss with a time zone)"},
        Refusal{"InstantDateOnly", observation(R"("code":{"text":"t"},"issued":"2024-03-05")"),
                "Observation.issued: must be an instant (YYYY-MM-DDThh:mm:ss[.fff] with a time "
                "zone)"},
        Refusal{"CodeWithSpaces",
                R"({"resourceType":"Observation","status":" final","code":{"text":"t"}})",
                "Observation.status: must be a code (no leading, trailing or double space)"},
        Refusal{"IdWithSlash", observation(R"("code":{"text":"t"},"meta":{"versionId":"a/b"})"),
                "Observation.meta.versionId: must be an id ([A-Za-z0-9-.]{1,64})"},
        Refusal{"TimeWithoutSeconds", observation(R"("code":{"text":"t"},"valueTime":"10:15")"),
                "Observation.valueTime: must be a time (hh:mm:ss)"},
        // Lists and single values.
        Refusal{"ListWhereOneValue", observation(R"("code":[{"text":"Secret"}])"),
                "Observation.code: must be a single value, not a list"},
        Refusal{"OneValueWhereList", R"({"resourceType":"Patient","name":{"family":"Secret"}})",
                "Patient.name: must be a list"},
        Refusal{"EmptyList", R"({"resourceType":"Patient","name":[]})",
                "Patient.name: must not be an empty list"},
        Refusal{"EmptyObject", R"({"resourceType":"Patient","name":[{"family":"a"},{}]})",
                "Patient.name[1]: must not be empty (an element has a value or children)"},
        Refusal{"EmptySibling", R"({"resourceType":"Patient","birthDate":"1985","_birthDate":{}})",
                "Patient._birthDate: must not be empty (an element has a value or children)"},
        Refusal{"EmptySiblingList",
                R"({"resourceType":"Patient","name":[{"given":["a"],"_given":[]}]})",
                "Patient.name[0]._given: must not be an empty list"},
        Refusal{"ObjectWhereString", R"({"resourceType":"Patient","gender":{"code":"female"}})",
                "Patient.gender: must be a string"},
        Refusal{"StringWhereObject", observation(R"("code":"Secret")"),
                "Observation.code: must be a CodeableConcept object"},
        // Required elements: primitive, complex, nested, choice type.
        Refusal{"MissingStatus", R"({"resourceType":"Observation","code":{"text":"t"}})",
                "Observation.status: is required"},
        Refusal{"MissingCode", R"({"resourceType":"Observation","status":"final"})",
                "Observation.code: is required"},
        Refusal{"MissingNestedCode",
                observation(R"("code":{"text":"t"},"component":[{"valueString":"Secret"}])"),
                "Observation.component[0].code: is required"},
        Refusal{
            "MissingChoice",
            R"({"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/a"}})",
            "MedicationRequest.medication[x]: is required"},
        Refusal{"MissingExtensionUrl",
                R"({"resourceType":"Patient","extension":[{"valueString":"Secret"}]})",
                "Patient.extension[0].url: is required"},
        // Required bindings.
        Refusal{"StatusOutsideValueSet",
                R"({"resourceType":"Observation","status":"Secret","code":{"text":"t"}})",
                "Observation.status: must be a code of "
                "http://hl7.org/fhir/ValueSet/observation-status"},
        Refusal{
            "NestedCodeOutsideValueSet",
            R"({"resourceType":"Patient","telecom":[{"system":"Secret","value":"0102030405"}]})",
            "Patient.telecom[0].system: must be a code of "
            "http://hl7.org/fhir/ValueSet/contact-point-system"},
        Refusal{
            "CodeListOutsideValueSet",
            R"({"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/a"},"category":["food","Secret"]})",
            "AllergyIntolerance.category[1]: must be a code of "
            "http://hl7.org/fhir/ValueSet/allergy-intolerance-category"},
        // Choice types.
        Refusal{"TwoFormsOfAChoice",
                observation(R"("code":{"text":"t"},"valueString":"a","valueBoolean":true)"),
                "Observation.valueBoolean: only one of value[x] may be given"},
        Refusal{"UnknownFormOfAChoice",
                observation(R"("code":{"text":"t"},"valueMoney":{"value":1})"),
                "Observation.valueMoney: is not an element of Observation"},
        Refusal{"ChoiceOfTheWrongType",
                observation(R"("code":{"text":"t"},"valueQuantity":"Secret")"),
                "Observation.valueQuantity: must be a Quantity object"},
        // Primitive extension siblings.
        Refusal{"SiblingOfAComplexElement",
                observation(R"("code":{"text":"t"},"_code":{"id":"x"})"),
                "Observation._code: is not an element of Observation"},
        Refusal{"SiblingWithValue", R"({"resourceType":"Patient","_birthDate":{"value":"Secret"}})",
                "Patient._birthDate.value: is not an element of Element"},
        Refusal{"SiblingNotObject", R"({"resourceType":"Patient","_birthDate":"Secret"})",
                "Patient._birthDate: must be an Element object"},
        Refusal{"SiblingListItem",
                R"({"resourceType":"Patient","name":[{"given":["a"],"_given":["Secret"]}]})",
                "Patient.name[0]._given[0]: must be an Element object or null"},
        // Contained resources and resources inside resources.
        Refusal{
            "ContainedUnknownElement",
            R"({"resourceType":"Patient","contained":[{"resourceType":"Organization","Nom":"Secret"}]})",
            "Patient.contained[0].Nom: is not an element of Organization"},
        Refusal{"ContainedUnknownType",
                R"({"resourceType":"Patient","contained":[{"resourceType":"Secret"}]})",
                "Patient.contained[0].resourceType: must be a FHIR R4 resource type that vigie "
                "accepts"},
        Refusal{
            "ContainedMissingRequired",
            R"({"resourceType":"Patient","contained":[{"resourceType":"Observation","code":{"text":"t"}}]})",
            "Patient.contained[0].status: is required"},
        Refusal{
            "BundleEntryResource",
            R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","active":"Secret"}}]})",
            "Bundle.entry[0].resource.active: must be a boolean (true or false)"},
        // Backbone elements, nested and by content reference.
        Refusal{"BackboneUnknownElement",
                observation(R"("code":{"text":"t"},"referenceRange":[{"lowest":{"value":1}}])"),
                "Observation.referenceRange[0].lowest: is not an element of "
                "Observation.referenceRange"},
        Refusal{
            "ContentReferenceMissingRequired",
            R"({"resourceType":"Questionnaire","status":"draft","item":[{"linkId":"1","type":"group","item":[{"type":"string"}]}]})",
            "Questionnaire.item[0].item[0].linkId: is required"},
        Refusal{
            "ElementTypedBackboneHasNoModifierExtension",
            R"({"resourceType":"Patient","extension":[{"url":"u","valueTiming":{"repeat":{"modifierExtension":[]}}}]})",
            "Patient.extension[0].valueTiming.repeat.modifierExtension: is not an element of "
            "Timing.repeat"},
        // Extensions.
        Refusal{"ExtensionUnknownElement",
                R"({"resourceType":"Patient","modifierExtension":[{"url":"u","valueFoo":"x"}]})",
                "Patient.modifierExtension[0].valueFoo: is not an element of Extension"},
        Refusal{"ExtensionNotList",
                R"({"resourceType":"Patient","extension":{"url":"u","valueString":"Secret"}})",
                "Patient.extension: must be a list"},
        Refusal{
            "NestedExtensionWrongType",
            R"({"resourceType":"Patient","extension":[{"url":"u","extension":[{"url":"v","valueInteger":"Secret"}]}]})",
            "Patient.extension[0].extension[0].valueInteger: must be a FHIR integer: a whole "
            "JSON number from -2147483648 to 2147483647"},
        Refusal{"DecimalOverflowing",
                observation(R"("code":{"text":"t"},"valueQuantity":{"value":999906e00001595})"),
                "Observation.valueQuantity.value: must be a decimal of magnitude 0 or from about "
                "4.9e-324 to 1.8e308 (a 64-bit floating-point number)"}),
    [](const ::testing::TestParamInfo<Refusal>& info) { return info.param.name; });

// validate_resource, which create, update and every Bundle entry go through, applies the table.
TEST(Structure, ValidateResourceAppliesIt) {
  Result<void> checked =
      validate_resource(object_from(R"({"resourceType":"Patient","nickname":"Secret"})"));
  ASSERT_FALSE(checked.has_value());
  EXPECT_EQ(checked.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(checked.error().message, "Patient.nickname: is not an element of Patient");
}

}  // namespace
}  // namespace vigie::fhir
