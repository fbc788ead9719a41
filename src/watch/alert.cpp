#include "watch/alert.hpp"

#include <array>
#include <utility>

namespace vigie::watch {

namespace {

constexpr std::array<std::pair<AlertKind, std::string_view>, 8> kKindNames = {{
    {AlertKind::kBulkRead, "bulk-read"},
    {AlertKind::kHoney, "honey"},
    {AlertKind::kLoginFailures, "login-failures"},
    {AlertKind::kBreakGlass, "break-glass"},
    {AlertKind::kExport, "export"},
    {AlertKind::kSharedAccount, "shared-account"},
    {AlertKind::kOffHours, "off-hours"},
    {AlertKind::kAuditVerification, "audit-verification"},
}};

}  // namespace

std::string_view name_of(AlertKind kind) {
  for (const auto& [known, name] : kKindNames) {
    if (known == kind) {
      return name;
    }
  }
  return "unknown";
}

std::optional<AlertKind> parse_alert_kind(std::string_view name) {
  for (const auto& [kind, known] : kKindNames) {
    if (known == name) {
      return kind;
    }
  }
  return std::nullopt;
}

Severity severity_of(AlertKind kind) {
  return kind == AlertKind::kHoney || kind == AlertKind::kAuditVerification ? Severity::kCritical
                                                                            : Severity::kWarning;
}

std::string_view name_of(Severity severity) {
  return severity == Severity::kCritical ? "critical" : "warning";
}

std::string_view french_name_of(Severity severity) {
  return severity == Severity::kCritical ? "critique" : "avertissement";
}

}  // namespace vigie::watch
