#pragma once

#include <span>
#include <string>
#include <string_view>

#include "access/types.hpp"
#include "common/error.hpp"

namespace vigie::access {

// Whose data a SMART scope speaks for: one patient in context (`patient/`), what the signed-in
// user may see (`user/`), or a backend service with no user (`system/`).
enum class ScopeContext { kPatient, kUser, kSystem };

// One SMART App Launch resource scope, e.g. `system/Observation.cr`, held in its v2 form.
struct Scope {
  ScopeContext context = ScopeContext::kSystem;
  std::string resource_type;  // a FHIR R4 resource type, or "*" for every type
  Permissions permissions = 0;

  friend bool operator==(const Scope&, const Scope&) = default;
};

// Parses `context/type.permissions` with context patient, user or system; type `*` or a FHIR R4
// resource type (case-sensitive); permissions either SMART v2 letters, a non-empty subsequence of
// `cruds` (in that order, no repeats), or SMART v1's `read`, `write` or `*`. Bulk Data clients
// still send v1 (`system/Patient.read`), so v1 is understood, and mapped to the v2 letters that
// SMART App Launch 2 gives it: `read` -> `rs`, `write` -> `cud` (v1 write includes delete),
// `*` -> `cruds`. The scope is held, stored and shown in its v2 form only (to_string), so a token
// shows one syntax whatever its client sent. kUsage on anything else, with a fixed message that
// never repeats the input. Refused on purpose:
// - v2 query restrictions (`patient/Observation.rs?category=laboratory`): ignoring one would
//   grant more than the token says, and vigie does not evaluate them.
// - the non-resource scopes (`openid`, `fhirUser`, `launch/patient`, `offline_access`): a vigie
//   token carries resource scopes only.
[[nodiscard]] Result<Scope> parse_scope(std::string_view text);

// The canonical text of a scope: parse_scope(to_string(s)) == s.
[[nodiscard]] std::string to_string(const Scope& scope);

// The union of the letters that the scopes of `context` give on `resource_type`.
[[nodiscard]] Permissions granted(std::span<const Scope> scopes, ScopeContext context,
                                  std::string_view resource_type);

}  // namespace vigie::access
