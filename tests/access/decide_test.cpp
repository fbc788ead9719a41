#include "access/decide.hpp"

#include "support/authorization_matrix.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigie::access {
namespace {

using testing::kNow;

std::vector<Scope> scopes(std::initializer_list<const char*> texts) {
  std::vector<Scope> parsed;
  for (const char* text : texts) {
    parsed.push_back(parse_scope(text).value());
  }
  return parsed;
}

Context assigned_to_p1() {
  Context context;
  context.now_ms = kNow;
  context.assigned_patients.insert("p-1");
  return context;
}

// Types across every kind: demographics, administrative, directory, clinical, financial,
// documents, knowledge and infrastructure resources.
const std::vector<std::string> kTypes = {"Patient",
                                         "Observation",
                                         "Condition",
                                         "MedicationRequest",
                                         "AllergyIntolerance",
                                         "Encounter",
                                         "Procedure",
                                         "DiagnosticReport",
                                         "DocumentReference",
                                         "Immunization",
                                         "CareTeam",
                                         "CarePlan",
                                         "Appointment",
                                         "Coverage",
                                         "Claim",
                                         "ExplanationOfBenefit",
                                         "Consent",
                                         "RelatedPerson",
                                         "QuestionnaireResponse",
                                         "Binary",
                                         "Bundle",
                                         "Group",
                                         "List",
                                         "Provenance",
                                         "AuditEvent",
                                         "Practitioner",
                                         "Organization",
                                         "Location",
                                         "Schedule",
                                         "Slot",
                                         "Medication",
                                         "ValueSet"};

// Every target the gate could build from kTypes, in every reach.
std::vector<Target> every_target() {
  std::vector<Target> targets = {Target::none()};
  for (const std::string& type : kTypes) {
    targets.push_back(Target::patient(type, "p-1"));
    targets.push_back(Target::shared(type));
    targets.push_back(Target::all_patients(type));
  }
  return targets;
}

std::vector<std::optional<std::vector<Scope>>> every_scope_set() {
  return {std::nullopt,
          scopes({}),
          scopes({"user/*.cruds"}),
          scopes({"user/*.rs"}),
          scopes({"user/Patient.cruds", "user/Observation.rs"}),
          scopes({"system/*.cruds"}),
          scopes({"system/Observation.rs", "system/Patient.cu"}),
          scopes({"patient/*.cruds"}),
          scopes({"user/*.cruds", "system/*.cruds", "patient/*.cruds"})};
}

// Facts as generous as they get: assigned to p-1 and holding a live grant for it.
Context every_fact() {
  Context context = assigned_to_p1();
  context.break_glass.push_back(BreakGlassGrant{"p-1", "emergency", kNow - 1});
  return context;
}

TEST(DecideTest, AnAdminReadsNoClinicalValueByAnyPath) {
  const Context context = every_fact();
  size_t checked = 0;
  for (const auto& scope_set : every_scope_set()) {
    const Subject admin{.role = Role::kAdmin, .scopes = scope_set};
    for (Action action : all_actions()) {
      for (const Target& target : every_target()) {
        ++checked;
        const Decision decision = decide(admin, action, target, context);
        const bool own_business =
            (action == Action::kAccountAdmin || action == Action::kConfigChange) &&
            target.reach == Reach::kNone && !scope_set.has_value();
        EXPECT_EQ(decision.allow, own_business)
            << name_of(action) << ' ' << target.resource_type << ' ' << decision.reason;
        EXPECT_FALSE(decision.break_glass);
      }
    }
  }
  EXPECT_EQ(checked, 9U * 14U * (1U + 3U * kTypes.size()));
}

TEST(DecideTest, ADpoReachesNoResource) {
  const Context context = every_fact();
  for (Action action : all_actions()) {
    for (const Target& target : every_target()) {
      const Decision decision = decide(Subject{.role = Role::kDpo}, action, target, context);
      const bool own_business =
          (action == Action::kAuditRead || action == Action::kIncidentReport) &&
          target.reach == Reach::kNone;
      EXPECT_EQ(decision.allow, own_business) << name_of(action) << ' ' << target.resource_type;
    }
  }
}

TEST(DecideTest, AnAssistantReachesNoClinicalType) {
  const Context context = every_fact();
  for (const std::string& type : kTypes) {
    if (is_administrative_type(type)) {
      continue;
    }
    for (Action action : all_actions()) {
      for (const Target& target :
           {Target::patient(type, "p-1"), Target::shared(type), Target::all_patients(type)}) {
        EXPECT_FALSE(decide(Subject{.role = Role::kAssistant}, action, target, context).allow)
            << name_of(action) << ' ' << type;
      }
    }
  }
  EXPECT_TRUE(is_administrative_type("Patient"));
  EXPECT_TRUE(is_administrative_type("Appointment"));
  EXPECT_TRUE(is_administrative_type("Coverage"));
  EXPECT_FALSE(is_administrative_type("AppointmentResponse"));
  EXPECT_FALSE(is_administrative_type("CareTeam"));
  EXPECT_FALSE(is_administrative_type(""));
}

// A token never exceeds its account: whatever a person's token allows, their interactive
// session allows too; whatever a service's token allows, `system/*.cruds` allows too.
TEST(DecideTest, ATokenNeverExceedsItsAccount) {
  Context unassigned;
  unassigned.now_ms = kNow;
  for (const Context& context : {every_fact(), assigned_to_p1(), unassigned}) {
    for (Role role : all_roles()) {
      const Subject widest{.role = role,
                           .scopes = role == Role::kService ? std::optional<std::vector<Scope>>(
                                                                  scopes({"system/*.cruds"}))
                                                            : std::nullopt};
      for (const auto& scope_set : every_scope_set()) {
        const Subject token{.role = role, .scopes = scope_set};
        for (Action action : all_actions()) {
          for (const Target& target : every_target()) {
            if (decide(token, action, target, context).allow) {
              EXPECT_TRUE(decide(widest, action, target, context).allow)
                  << name_of(role) << ' ' << name_of(action) << ' ' << target.resource_type;
            }
          }
        }
      }
    }
  }
}

TEST(DecideTest, ImportNeedsCreateAndUpdateExportNeedsReadAndSearch) {
  const Target observation = Target::patient("Observation", "p-1");
  const Context context = assigned_to_p1();
  auto service = [](std::initializer_list<const char*> texts) {
    return Subject{.role = Role::kService, .scopes = scopes(texts)};
  };
  EXPECT_FALSE(
      decide(service({"system/Observation.c"}), Action::kImport, observation, context).allow);
  EXPECT_FALSE(
      decide(service({"system/Observation.u"}), Action::kImport, observation, context).allow);
  EXPECT_TRUE(
      decide(service({"system/Observation.c", "system/*.u"}), Action::kImport, observation, context)
          .allow);
  EXPECT_FALSE(
      decide(service({"system/Observation.r"}), Action::kExport, observation, context).allow);
  EXPECT_TRUE(
      decide(service({"system/*.r", "system/Observation.s"}), Action::kExport, observation, context)
          .allow);
  EXPECT_FALSE(decide(service({"system/Patient.rs"}), Action::kExport, observation, context).allow);
}

TEST(DecideTest, APersonCountsOnlyUserScopes) {
  const Target observation = Target::patient("Observation", "p-1");
  const Context context = assigned_to_p1();
  auto practitioner = [](std::initializer_list<const char*> texts) {
    return Subject{.role = Role::kPractitioner, .scopes = scopes(texts)};
  };
  EXPECT_TRUE(
      decide(practitioner({"user/Observation.r"}), Action::kRead, observation, context).allow);
  EXPECT_FALSE(decide(practitioner({"user/Patient.r"}), Action::kRead, observation, context).allow);
  EXPECT_FALSE(decide(practitioner({"system/*.cruds"}), Action::kRead, observation, context).allow);
  EXPECT_FALSE(
      decide(practitioner({"patient/*.cruds"}), Action::kRead, observation, context).allow);
  EXPECT_FALSE(decide(practitioner({}), Action::kRead, observation, context).allow);
  EXPECT_EQ(decide(practitioner({}), Action::kRead, observation, context).reason,
            "scope does not allow this");
}

TEST(DecideTest, AServiceWithoutScopesGetsNothing) {
  const Context context = assigned_to_p1();
  for (const auto& scope_set : {std::optional<std::vector<Scope>>(), std::optional(scopes({}))}) {
    const Subject service{.role = Role::kService, .scopes = scope_set};
    for (Action action : all_actions()) {
      for (const Target& target : every_target()) {
        EXPECT_FALSE(decide(service, action, target, context).allow);
      }
    }
  }
}

TEST(DecideTest, EraseIsAPersonsDecisionFromASession) {
  const Target patient = Target::patient("Patient", "p-1");
  const Context context = assigned_to_p1();
  EXPECT_TRUE(decide(Subject{.role = Role::kPractitioner}, Action::kErase, patient, context).allow);
  EXPECT_FALSE(decide(Subject{.role = Role::kPractitioner, .scopes = scopes({"user/*.cruds"})},
                      Action::kErase, patient, context)
                   .allow);
  EXPECT_EQ(decide(Subject{.role = Role::kService, .scopes = scopes({"system/*.cruds"})},
                   Action::kErase, patient, context)
                .reason,
            "role service may not erase");
  EXPECT_EQ(decide(Subject{.role = Role::kPractitioner}, Action::kErase,
                   Target::patient("Observation", "p-1"), context)
                .reason,
            "erase targets a Patient");
}

TEST(DecideTest, AMalformedTargetIsRefused) {
  const Subject practitioner{.role = Role::kPractitioner};
  const Context context = assigned_to_p1();
  EXPECT_EQ(decide(practitioner, Action::kRead, Target::patient("", "p-1"), context).reason,
            "action needs a resource");
  EXPECT_FALSE(
      decide(practitioner, Action::kRead, Target::patient("Observation", ""), context).allow);
  EXPECT_EQ(
      decide(Subject{.role = Role::kDpo}, Action::kAuditRead, Target::shared("AuditEvent"), context)
          .reason,
      "action does not apply to resources");
}

}  // namespace
}  // namespace vigie::access
