#include "fhir/resource_types.hpp"

#include <string>

#include <gtest/gtest.h>

namespace vigie::fhir {
namespace {

TEST(ResourceTypes, KnowsTheR4Types) {
  for (std::string_view type :
       {"Account", "AllergyIntolerance", "Binary", "Bundle", "CatalogEntry", "Claim",
        "EffectEvidenceSynthesis", "ExplanationOfBenefit", "Immunization",
        "MedicinalProductUndesirableEffect", "Observation", "OperationOutcome", "Parameters",
        "Patient", "Practitioner", "RiskEvidenceSynthesis", "SubstanceSpecification",
        "VerificationResult", "VisionPrescription"}) {
    EXPECT_TRUE(is_known_resource_type(type)) << type;
  }
}

TEST(ResourceTypes, RejectsOtherNames) {
  for (std::string_view type :
       {"", "patient", "PATIENT", "Patient ", "Resource", "DomainResource", "Foo",
        "MedicationUsage", "NutritionProduct", "SubscriptionTopic", "Evidence2", "Patien"}) {
    EXPECT_FALSE(is_known_resource_type(type)) << type;
  }
}

TEST(ResourceIds, FollowTheFhirPattern) {
  EXPECT_TRUE(is_valid_id("a"));
  EXPECT_TRUE(is_valid_id("27de96c6-6910-4f0f-8f10-00ce6090f447"));
  EXPECT_TRUE(is_valid_id("A.b-9"));
  EXPECT_TRUE(is_valid_id(std::string(64, 'x')));
  EXPECT_FALSE(is_valid_id(""));
  EXPECT_FALSE(is_valid_id(std::string(65, 'x')));
  EXPECT_FALSE(is_valid_id("a/b"));
  EXPECT_FALSE(is_valid_id("a_b"));
  EXPECT_FALSE(is_valid_id("a b"));
  EXPECT_FALSE(is_valid_id("é"));
  EXPECT_FALSE(is_valid_id("../etc"));
}

}  // namespace
}  // namespace vigie::fhir
