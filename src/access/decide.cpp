#include "access/decide.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace vigie::access {

namespace {

// Patient demographics, the two administrative types of issue #4, and the shared directory
// that scheduling needs. Sorted for binary search.
constexpr std::array<std::string_view, 11> kAdministrativeTypes = {
    "Appointment",      "Coverage",     "Endpoint", "HealthcareService",
    "Location",         "Organization", "Patient",  "Practitioner",
    "PractitionerRole", "Schedule",     "Slot"};
static_assert(std::ranges::is_sorted(kAdministrativeTypes));

constexpr std::string_view kScopeRefused = "scope does not allow this";

Decision allow(std::string_view reason, bool break_glass = false) {
  return Decision{true, std::string(reason), break_glass};
}

Decision deny(std::string_view reason) { return Decision{false, std::string(reason), false}; }

Decision deny_action(Role role, Action action) {
  return deny("role " + std::string(name_of(role)) + " may not " + std::string(name_of(action)));
}

// Requests that make no sense whatever the role.
std::optional<Decision> refuse_shape(Action action, const Target& target) {
  if (!is_resource_action(action)) {
    if (target.reach != Reach::kNone) {
      return deny("action does not apply to resources");
    }
    return std::nullopt;
  }
  if (target.reach == Reach::kNone || target.resource_type.empty()) {
    return deny("action needs a resource");
  }
  if (target.reach == Reach::kPatient && target.patient_id.empty()) {
    return deny("target names no patient");
  }
  if (action == Action::kErase &&
      (target.reach != Reach::kPatient || target.resource_type != "Patient")) {
    return deny("erase targets a Patient");
  }
  if (target.reach == Reach::kAllPatients && action != Action::kSearch &&
      action != Action::kExport) {
    return deny("action needs a single compartment");
  }
  return std::nullopt;
}

Decision outside_fhir(Role role, Action action) {
  struct Rule {
    Action action;
    Role role;
    std::string_view allowed;
    std::string_view refused;
  };
  static constexpr std::array<Rule, 4> kRules = {{
      {Action::kAuditRead, Role::kDpo, "dpo reads the audit log",
       "only the dpo reads the audit log"},
      {Action::kIncidentReport, Role::kDpo, "dpo reports incidents",
       "only the dpo reports incidents"},
      {Action::kAccountAdmin, Role::kAdmin, "admin manages accounts",
       "only an admin manages accounts"},
      {Action::kConfigChange, Role::kAdmin, "admin changes configuration",
       "only an admin changes configuration"},
  }};
  const Rule& rule = *std::ranges::find(kRules, action, &Rule::action);
  return role == rule.role ? allow(rule.allowed) : deny(rule.refused);
}

Decision practitioner(Action action, const Target& target, const Context& context) {
  switch (target.reach) {
    case Reach::kShared:
      return allow("shared resource");
    case Reach::kAllPatients:
      return action == Action::kSearch ? allow("search hits are filtered per patient")
                                       : deny("role practitioner may not export across patients");
    case Reach::kNone:
    case Reach::kPatient:
      break;
  }
  if (context.assigned_patients.contains(target.patient_id)) {
    return allow("assigned patient");
  }
  if (action == Action::kCreate && target.resource_type == "Patient") {
    return allow("registering a new patient");
  }
  const bool granted = std::ranges::any_of(context.break_glass, [&](const BreakGlassGrant& grant) {
    return is_active(grant, target.patient_id, context.now_ms);
  });
  if (!granted) {
    return deny("patient not assigned; break-glass required");
  }
  switch (action) {
    case Action::kRead:
    case Action::kVread:
    case Action::kHistory:
    case Action::kSearch:
      return allow("break-glass grant", true);
    case Action::kCreate:
    case Action::kUpdate:
      return target.resource_type == "CareTeam" ? deny("break-glass may not change the care team")
                                                : allow("break-glass grant", true);
    default:
      return deny("break-glass allows reading and recording care only");
  }
}

Decision assistant(Action action, const Target& target) {
  if (!is_administrative_type(target.resource_type)) {
    return deny("role assistant may not access clinical resources");
  }
  if (action == Action::kDelete || action == Action::kErase || action == Action::kImport ||
      action == Action::kExport) {
    return deny_action(Role::kAssistant, action);
  }
  return allow("administrative resource");
}

Decision on_resources(Role role, Action action, const Target& target, const Context& context) {
  switch (role) {
    case Role::kPractitioner:
      return practitioner(action, target, context);
    case Role::kAssistant:
      return assistant(action, target);
    case Role::kAdmin:
      return deny("role admin may not access resources");
    case Role::kDpo:
      return deny("role dpo may not access resources");
    case Role::kService:
      return action == Action::kErase ? deny_action(role, action) : allow("allowed by scope");
  }
  return deny("unknown role");
}

}  // namespace

bool is_stated_reason(std::string_view reason) {
  return reason.find_first_not_of(" \t\r\n\v\f") != std::string_view::npos;
}

bool is_active(const BreakGlassGrant& grant, std::string_view patient_id, int64_t now_ms) {
  // Unsigned so that extreme times cannot overflow; start_ms <= now_ms makes it exact.
  return grant.patient_id == patient_id && !patient_id.empty() && grant.start_ms <= now_ms &&
         static_cast<uint64_t>(now_ms) - static_cast<uint64_t>(grant.start_ms) <
             static_cast<uint64_t>(kBreakGlassWindowMs);
}

Target Target::patient(std::string type, std::string id) {
  return Target{std::move(type), Reach::kPatient, std::move(id)};
}

Target Target::shared(std::string type) { return Target{std::move(type), Reach::kShared, {}}; }

Target Target::all_patients(std::string type) {
  return Target{std::move(type), Reach::kAllPatients, {}};
}

Target Target::none() { return Target{}; }

bool is_administrative_type(std::string_view resource_type) {
  return std::ranges::binary_search(kAdministrativeTypes, resource_type);
}

Decision decide(const Subject& subject, Action action, const Target& target,
                const Context& context) {
  if (std::optional<Decision> refused = refuse_shape(action, target)) {
    return *std::move(refused);
  }
  Decision by_role = is_resource_action(action)
                         ? on_resources(subject.role, action, target, context)
                         : outside_fhir(subject.role, action);
  if (!by_role.allow) {
    return by_role;
  }
  if (!subject.scopes) {
    return subject.role == Role::kService ? deny(kScopeRefused) : by_role;
  }
  const Permissions needed = smart_permissions(action);
  const ScopeContext context_of_role =
      subject.role == Role::kService ? ScopeContext::kSystem : ScopeContext::kUser;
  const Permissions letters = granted(*subject.scopes, context_of_role, target.resource_type);
  if (needed == 0 || (letters & needed) != needed) {
    return deny(kScopeRefused);
  }
  return by_role;
}

}  // namespace vigie::access
