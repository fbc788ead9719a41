#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vigie::access {

// What an account is for. A person has exactly one role; every service account is `kService`.
enum class Role { kPractitioner, kAssistant, kAdmin, kDpo, kService };

// Everything a caller may ask of the gate. The first ten act on FHIR resources; the last four on
// objects outside FHIR (the audit log, incident reports, accounts, configuration).
enum class Action {
  kRead,
  kVread,
  kHistory,  // the history of one resource
  kSearch,
  kCreate,
  kUpdate,
  kDelete,
  kErase,   // crypto-shredding of a whole patient compartment
  kImport,  // one resource of a bulk import: created or updated
  kExport,  // resources leaving the vault in bulk (migration, portability)
  kAuditRead,
  kIncidentReport,
  kAccountAdmin,
  kConfigChange,
};

// SMART v2 permission letters as bits, in the order the syntax requires (c r u d s).
using Permissions = uint8_t;
inline constexpr Permissions kPermCreate = 1U << 0U;
inline constexpr Permissions kPermRead = 1U << 1U;
inline constexpr Permissions kPermUpdate = 1U << 2U;
inline constexpr Permissions kPermDelete = 1U << 3U;
inline constexpr Permissions kPermSearch = 1U << 4U;

// True for the ten actions on FHIR resources.
[[nodiscard]] bool is_resource_action(Action action);

// The letters a SMART scope needs to allow `action`: read, vread and history need r (SMART v2
// puts instance history under r), search s, create c, update u, delete d, import c and u (it
// creates or overwrites), export r and s (SMART Bulk Data exports under read scopes). 0 when no
// scope can express the action: erase and the four actions outside FHIR.
[[nodiscard]] Permissions smart_permissions(Action action);

// Stable lowercase names ("practitioner", "audit-read", ...), for the CLI, logs and tests.
[[nodiscard]] std::string_view name_of(Role role);
[[nodiscard]] std::string_view name_of(Action action);
[[nodiscard]] std::optional<Role> parse_role(std::string_view name);
[[nodiscard]] std::optional<Action> parse_action(std::string_view name);

// Every value, in declaration order.
[[nodiscard]] std::span<const Role> all_roles();
[[nodiscard]] std::span<const Action> all_actions();

}  // namespace vigie::access
