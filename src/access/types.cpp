#include "access/types.hpp"

#include <array>
#include <utility>

namespace vigie::access {

namespace {

constexpr std::array<std::pair<Role, std::string_view>, 5> kRoleNames = {{
    {Role::kPractitioner, "practitioner"},
    {Role::kAssistant, "assistant"},
    {Role::kAdmin, "admin"},
    {Role::kDpo, "dpo"},
    {Role::kService, "service"},
}};

struct ActionRow {
  Action action;
  std::string_view name;
  Permissions permissions;
};

constexpr std::array<ActionRow, 14> kActionTable = {{
    {Action::kRead, "read", kPermRead},
    {Action::kVread, "vread", kPermRead},
    {Action::kHistory, "history", kPermRead},
    {Action::kSearch, "search", kPermSearch},
    {Action::kCreate, "create", kPermCreate},
    {Action::kUpdate, "update", kPermUpdate},
    {Action::kDelete, "delete", kPermDelete},
    {Action::kErase, "erase", 0},
    {Action::kImport, "import", kPermCreate | kPermUpdate},
    {Action::kExport, "export", kPermRead | kPermSearch},
    {Action::kAuditRead, "audit-read", 0},
    {Action::kIncidentReport, "incident-report", 0},
    {Action::kAccountAdmin, "account-admin", 0},
    {Action::kConfigChange, "config-change", 0},
}};

constexpr std::array<Role, 5> kRoles = {Role::kPractitioner, Role::kAssistant, Role::kAdmin,
                                        Role::kDpo, Role::kService};

constexpr std::array<Action, 14> kActions = {
    Action::kRead,         Action::kVread,       Action::kHistory,   Action::kSearch,
    Action::kCreate,       Action::kUpdate,      Action::kDelete,    Action::kErase,
    Action::kImport,       Action::kExport,      Action::kAuditRead, Action::kIncidentReport,
    Action::kAccountAdmin, Action::kConfigChange};

const ActionRow& row_of(Action action) { return kActionTable[static_cast<size_t>(action)]; }

constexpr bool table_follows_enum() {
  for (size_t index = 0; index < kActionTable.size(); ++index) {
    if (static_cast<size_t>(kActionTable[index].action) != index ||
        kActions[index] != kActionTable[index].action) {
      return false;
    }
  }
  for (size_t index = 0; index < kRoleNames.size(); ++index) {
    if (static_cast<size_t>(kRoleNames[index].first) != index ||
        kRoles[index] != kRoleNames[index].first) {
      return false;
    }
  }
  return true;
}
static_assert(table_follows_enum(), "the tables are indexed by the enum values");

}  // namespace

bool is_resource_action(Action action) {
  return static_cast<size_t>(action) <= static_cast<size_t>(Action::kExport);
}

Permissions smart_permissions(Action action) { return row_of(action).permissions; }

std::string_view name_of(Role role) { return kRoleNames[static_cast<size_t>(role)].second; }

std::string_view name_of(Action action) { return row_of(action).name; }

std::optional<Role> parse_role(std::string_view name) {
  for (const auto& [role, role_name] : kRoleNames) {
    if (role_name == name) {
      return role;
    }
  }
  return std::nullopt;
}

std::optional<Action> parse_action(std::string_view name) {
  for (const ActionRow& row : kActionTable) {
    if (row.name == name) {
      return row.action;
    }
  }
  return std::nullopt;
}

std::span<const Role> all_roles() { return kRoles; }

std::span<const Action> all_actions() { return kActions; }

}  // namespace vigie::access
