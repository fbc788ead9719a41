#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "access/scope.hpp"
#include "access/types.hpp"

// Who may do what: a pure function of facts that the caller gathers (no I/O, no clock). The rules
// of issue #4, with the choices made where it is silent (each marked "Choice"):
//
// - practitioner: every resource action inside the compartment of a patient they are assigned to
//   (CareTeam or `vigie assign`), erase included; every resource action on shared resources
//   (Practitioner, Organization, Medication, ...) except erase, which only concerns patients.
//   Outside their patients, only through an active break-glass grant for that patient, which
//   allows read, vread, history, search, create and update, flagged for auditing and alerting.
//   Choice: break-glass does not allow delete, erase, import or export (an emergency needs
//   reading and recording care, not removing or carrying records away), nor writing a CareTeam
//   (a practitioner could name themselves and turn one hour into a permanent assignment).
//   Choice: creating a Patient needs no assignment (registering a new patient, who has no data
//   yet); the gate must therefore call decide with kCreate only when the id is new, and should
//   assign the practitioner who registered the patient.
//   Choice: a search across every patient is allowed for the query; the gate passes each hit
//   through decide(kRead) (true for every role, harmless where the reach is type-wide).
//   Choice: an export across every patient is not a practitioner's (a whole-vault export is a
//   migration: a service with `system/*.rs` or the custodian).
// - assistant: Patient, Appointment, Coverage and the shared directory (Practitioner,
//   PractitionerRole, Organization, Location, HealthcareService, Endpoint, Schedule, Slot):
//   read, vread, history, search, create, update. Every other type is clinical and refused.
//   Choice: no assignment needed (a secretary books any patient of the practice); break-glass
//   grants are ignored (break-glass exists for care); no delete (an Appointment is cancelled by
//   its status), no erase, import or export.
// - admin: accounts and configuration only. Choice: no resource action at all, not even on the
//   shared directory, so that "an admin reads no patient data" holds without a list to maintain.
// - dpo: audit log and incident reports only (patient identities appear inside the report);
//   no resource action.
// - service: what its `system/` scopes allow on resources, nothing else. Choice: a service's
//   reach is not limited to assigned patients (an integration serves the whole practice), never
//   erases (a person's decision), and never reaches the audit log, accounts or configuration.
// - tokens: a subject with scopes is limited to what they allow, on top of the role (a token
//   never exceeds its account). Choice: people's tokens count only `user/` scopes and services'
//   only `system/` scopes; `patient/` scopes grant nothing (vigie has no patient-facing app).
//   No scope expresses erase or the four actions outside FHIR, so a token never does them: they
//   need an interactive session.
//
// Order of checks, which decides the reason given when several rules refuse: the shape of the
// request, then the role (with assignment and break-glass), then the scopes.
namespace vigie::access {

// A practitioner's emergency access to one patient outside their care teams. Its reason is not
// here: it is sealed under the patient's key (see gate::Gate::break_glass), and a grant is only
// made with a stated reason (is_stated_reason()).
struct BreakGlassGrant {
  std::string id;  // names the grant in the audit log
  std::string patient_id;
  int64_t start_ms = 0;
};

// The longest reason a grant takes, in bytes of UTF-8.
inline constexpr size_t kMaxBreakGlassReasonBytes = 500;

// True when `reason` says something: at least one character that is not white space (space, tab,
// CR, LF, vertical tab, form feed). The one test of a blank reason, wherever a reason is taken.
[[nodiscard]] bool is_stated_reason(std::string_view reason);

// How long a grant lasts: [start_ms, start_ms + kBreakGlassWindowMs). The window is fixed here
// rather than carried by the grant, so that no caller can widen it.
inline constexpr int64_t kBreakGlassWindowMs = 60 * 60 * 1000;

[[nodiscard]] bool is_active(const BreakGlassGrant& grant, std::string_view patient_id,
                             int64_t now_ms);

// Who is asking.
struct Subject {
  Role role = Role::kPractitioner;
  // The scopes of the token used, or nullopt for an interactive session of a person (the role
  // alone applies). A service always calls with a token; nullopt then grants nothing.
  std::optional<std::vector<Scope>> scopes = std::nullopt;
};

// Where a resource action lands.
enum class Reach {
  kPatient,      // one patient's compartment (the Patient itself included)
  kShared,       // resources outside every patient's compartment (vault::kSharedCompartment)
  kAllPatients,  // a search or an export not limited to one patient
  kNone,         // not a resource: the audit log, an incident report, accounts, configuration
};

struct Target {
  std::string resource_type;  // empty for kNone
  Reach reach = Reach::kNone;
  std::string patient_id;  // for kPatient

  [[nodiscard]] static Target patient(std::string type, std::string id);
  [[nodiscard]] static Target shared(std::string type);
  [[nodiscard]] static Target all_patients(std::string type);
  [[nodiscard]] static Target none();
};

// The facts about the subject at the time of the request.
struct Context {
  int64_t now_ms = 0;
  std::set<std::string, std::less<>> assigned_patients;  // practitioners' care teams
  std::vector<BreakGlassGrant> break_glass;
};

struct Decision {
  bool allow = false;
  std::string reason;        // a short stable English phrase, for the audit log and the caller
  bool break_glass = false;  // allowed only through a break-glass grant: audit and alert
};

[[nodiscard]] Decision decide(const Subject& subject, Action action, const Target& target,
                              const Context& context);

// What the assistant's role reaches; every other resource type is clinical.
[[nodiscard]] bool is_administrative_type(std::string_view resource_type);

}  // namespace vigie::access
