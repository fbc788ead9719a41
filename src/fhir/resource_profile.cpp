#include "fhir/resource_profile.hpp"

#include <algorithm>

namespace vigie::fhir {

namespace {

constexpr DateElement kNoDate{};

constexpr DateElement date_time(std::string_view name) {
  return DateElement{name, DateElementKind::kDateTime};
}

constexpr DateElement period(std::string_view name) {
  return DateElement{name, DateElementKind::kPeriod};
}

// The R4 types whose `subject` or `patient` names the Patient they are about, sorted by type.
// `code_element` is set only where that element is a CodeableConcept in R4.
constexpr ResourceProfile kProfiles[] = {
    {"AdverseEvent", "subject", "", false, {}},
    {"AllergyIntolerance", "patient", "code", false, {}},
    {"Basic", "subject", "code", false, {}},
    {"BodyStructure", "patient", "", false, {}},
    {"CarePlan", "subject", "", true, {period("period"), kNoDate, kNoDate}},
    {"CareTeam", "subject", "", true, {}},
    {"ChargeItem", "subject", "code", true, {}},
    {"Claim", "patient", "", true, {date_time("created"), kNoDate, kNoDate}},
    {"ClaimResponse", "patient", "", true, {}},
    {"ClinicalImpression", "subject", "code", true, {}},
    {"Communication", "subject", "", true, {}},
    {"CommunicationRequest", "subject", "", true, {}},
    {"Composition", "subject", "", true, {}},
    {"Condition",
     "subject",
     "code",
     false,
     {date_time("recordedDate"), date_time("onsetDateTime"), kNoDate}},
    {"Consent", "patient", "", true, {}},
    {"Coverage", "beneficiary", "", true, {}},
    {"CoverageEligibilityRequest", "patient", "", true, {}},
    {"CoverageEligibilityResponse", "patient", "", true, {}},
    {"DetectedIssue", "patient", "code", true, {}},
    {"DeviceRequest", "subject", "", true, {}},
    {"DeviceUseStatement", "subject", "", true, {}},
    {"DiagnosticReport",
     "subject",
     "code",
     true,
     {date_time("effectiveDateTime"), period("effectivePeriod"), kNoDate}},
    {"DocumentManifest", "subject", "", true, {}},
    {"DocumentReference", "subject", "", true, {}},
    {"Encounter", "subject", "", true, {period("period"), kNoDate, kNoDate}},
    {"EpisodeOfCare", "patient", "", true, {}},
    {"ExplanationOfBenefit", "patient", "", true, {date_time("created"), kNoDate, kNoDate}},
    {"FamilyMemberHistory", "patient", "", true, {}},
    {"Flag", "subject", "code", true, {}},
    {"Goal", "subject", "", false, {}},
    {"ImagingStudy", "subject", "", true, {}},
    {"Immunization",
     "patient",
     "vaccineCode",
     true,
     {date_time("occurrenceDateTime"), kNoDate, kNoDate}},
    {"ImmunizationEvaluation", "patient", "", true, {}},
    {"ImmunizationRecommendation", "patient", "", false, {}},
    {"Invoice", "subject", "", true, {}},
    {"List", "subject", "code", true, {}},
    {"MeasureReport", "subject", "", true, {}},
    {"Media", "subject", "", true, {}},
    {"MedicationAdministration", "subject", "", true, {}},
    {"MedicationDispense", "subject", "", true, {}},
    {"MedicationRequest",
     "subject",
     "medicationCodeableConcept",
     true,
     {date_time("authoredOn"), kNoDate, kNoDate}},
    {"MedicationStatement", "subject", "", true, {}},
    {"MolecularSequence", "patient", "", false, {}},
    {"NutritionOrder", "patient", "", true, {}},
    {"Observation",
     "subject",
     "code",
     true,
     {date_time("effectiveDateTime"), period("effectivePeriod"), date_time("effectiveInstant")}},
    {"Procedure",
     "subject",
     "code",
     true,
     {date_time("performedDateTime"), period("performedPeriod"), kNoDate}},
    {"QuestionnaireResponse", "subject", "", true, {}},
    {"RelatedPerson", "patient", "", false, {}},
    {"RequestGroup", "subject", "code", true, {}},
    {"RiskAssessment", "subject", "code", true, {}},
    {"ServiceRequest", "subject", "code", true, {}},
    {"Specimen", "subject", "", true, {}},
    {"SupplyDelivery", "patient", "", true, {}},
    {"VisionPrescription", "patient", "", true, {}},
};

constexpr bool profiles_are_sorted() {
  for (size_t index = 1; index < std::size(kProfiles); ++index) {
    if (!(kProfiles[index - 1].type < kProfiles[index].type)) {
      return false;
    }
  }
  return true;
}
static_assert(profiles_are_sorted(), "kProfiles must stay sorted by type for find_profile");

}  // namespace

const ResourceProfile* find_profile(std::string_view type) {
  const ResourceProfile* end = std::end(kProfiles);
  const ResourceProfile* found = std::lower_bound(
      std::begin(kProfiles), end, type,
      [](const ResourceProfile& profile, std::string_view key) { return profile.type < key; });
  return found != end && found->type == type ? found : nullptr;
}

bool has_date(const ResourceProfile& profile) { return !profile.date_elements[0].name.empty(); }

bool has_person_name(std::string_view type) {
  return type == "Patient" || type == "Practitioner" || type == "RelatedPerson";
}

}  // namespace vigie::fhir
