#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// watch/: supervision. Detectors see every audited event and raise alerts; an alert is stored
// (store/'s alerts table, through the gate) before any sink delivers it.

namespace vigie::watch {

// What an alert is about. Its name is what the custodian reads (`vigie alerts list`) and what
// the sinks and the metrics label it with.
enum class AlertKind : uint8_t {
  kBulkRead,           // "bulk-read": too many distinct patients returned to one account
  kHoney,              // "honey": a decoy record was touched
  kLoginFailures,      // "login-failures": a burst of failed logins (one account or one address)
  kBreakGlass,         // "break-glass": emergency access was opened
  kExport,             // "export": a bulk export or a migration package was started
  kSharedAccount,      // "shared-account": one account used from two addresses at once
  kOffHours,           // "off-hours": access outside the declared opening hours
  kAuditVerification,  // "audit-verification": the audit chain failed its verification
};

[[nodiscard]] std::string_view name_of(AlertKind kind);
// The kind named `name` (as name_of() writes it), or nullopt.
[[nodiscard]] std::optional<AlertKind> parse_alert_kind(std::string_view name);

enum class Severity : uint8_t { kWarning, kCritical };

// Honey and audit-verification alerts are critical: either means an attack or a tampered log.
[[nodiscard]] Severity severity_of(AlertKind kind);
// "warning" or "critical".
[[nodiscard]] std::string_view name_of(Severity severity);
// "avertissement" or "critique": what a French reader sees (`vigie alerts list`, the e-mail).
[[nodiscard]] std::string_view french_name_of(Severity severity);

// Where the delivery of an alert to one sink stands (gate/alert_delivery.hpp).
struct AlertDelivery {
  std::string sink = {};  // "log", "webhook", "email"
  int64_t attempts = 0;
  int64_t delivered_ms = 0;     // 0 while pending
  std::string last_error = {};  // the last failure's reason, empty when none
};

struct Alert {
  int64_t id = 0;  // 1, 2, ... in the order raised
  int64_t time_ms = 0;
  AlertKind kind = AlertKind::kBulkRead;
  std::string account = {};  // the login concerned, empty when none (e.g. a burst from one address)
  // Plain words for a human, e.g. "41 patients in 10 minutes (threshold 40)": never a patient's
  // id, name or value (a decoy's id would reveal the decoy), never a secret.
  std::string detail = {};
  bool account_locked = false;       // raising the alert locked the account
  std::string acknowledged_by = {};  // empty while open
  int64_t acknowledged_ms = 0;       // 0 while open
  // One per sink tried so far, in the order of their names; filled by Gate::alerts.
  std::vector<AlertDelivery> deliveries = {};
};

}  // namespace vigie::watch
