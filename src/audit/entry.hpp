#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

// audit/: the append-only log of every call through gate/, allowed or denied. An entry records
// who did what to which resources and how it ended; never clinical content, never a secret.

namespace vigie::audit {

enum class ActorKind : uint8_t {
  kCustodian,  // the person at the CLI holding the vault's key (identified by os_user)
  kAccount,    // a named account (auth/)
  kService,    // the vault itself (scheduled jobs, detectors)
};

struct Actor {
  ActorKind kind = ActorKind::kCustodian;
  std::string login;        // the account's login; empty for the custodian
  std::string os_user;      // the operating-system user running the CLI
  std::string session_id;   // the session or token id, never the token itself
  std::string address;      // client IP address
  std::string user_agent;   // as sent by the client
  std::string auth_method;  // e.g. "passphrase", "key-file", "password+totp", "passkey"

  bool operator==(const Actor&) const = default;
};

// One resource an entry concerns.
struct Target {
  std::string type;  // FHIR resource type, or a non-FHIR object kind ("Account", "Config")
  std::string id;
  int64_t version = 0;      // 0 when not applicable
  std::string compartment;  // the patient id, "*shared", or empty when not applicable

  bool operator==(const Target&) const = default;
};

enum class Outcome : uint8_t { kSuccess, kDenied, kFailed };

struct Entry {
  int64_t seq = 0;      // 1 for the first entry of a log, then +1 per entry
  int64_t time_ms = 0;  // UTC, milliseconds since the Unix epoch
  Actor actor;
  std::string action;  // one of the kAction* names below
  std::vector<Target> targets;
  std::string purpose;  // the declared purpose, or the break-glass reason
  bool break_glass = false;
  Outcome outcome = Outcome::kSuccess;
  std::string reason;  // for denials and failures: the error code's name, never a message
  int64_t resources_returned = 0;
  bool decrypted_data_left = false;  // decrypted patient data was sent out of the vault
  // For a human's review: an account's password or second factor was reset by someone else, who
  // could have used the account until its owner noticed.
  bool supervise = false;
  // Written before the change it records commits (a write, an account change, an erasure): an
  // intent. A later entry of action kActionCommit names it and says whether the change committed
  // (success) or not (failed). Until then, the change may or may not have happened.
  bool awaits_commit = false;

  bool operator==(const Entry&) const = default;
};

inline constexpr std::string_view kActionRead = "read";
inline constexpr std::string_view kActionVread = "vread";
inline constexpr std::string_view kActionHistory = "history";
inline constexpr std::string_view kActionSearch = "search";
inline constexpr std::string_view kActionCreate = "create";
inline constexpr std::string_view kActionUpdate = "update";
inline constexpr std::string_view kActionDelete = "delete";
inline constexpr std::string_view kActionErase = "erase";
inline constexpr std::string_view kActionImport = "import";
inline constexpr std::string_view kActionExport = "export";
inline constexpr std::string_view kActionUnlock = "unlock";
inline constexpr std::string_view kActionUnlockFailed = "unlock-failed";
inline constexpr std::string_view kActionLogin = "login";
inline constexpr std::string_view kActionLogout = "logout";
inline constexpr std::string_view kActionAccountChange = "account-change";
inline constexpr std::string_view kActionAccountRead = "account-read";  // accounts listed or shown
inline constexpr std::string_view kActionAlert = "alert";               // raised by a detector
inline constexpr std::string_view kActionAlertAck = "alert-ack";        // acknowledged by a human
// An alert's delivery to a sink tried: the purpose names the sink and says whether it took it.
inline constexpr std::string_view kActionAlertDelivery = "alert-delivery";
inline constexpr std::string_view kActionConfigChange = "config-change";
inline constexpr std::string_view kActionValidate = "validate";     // a Bundle checked, not written
inline constexpr std::string_view kActionCount = "count";           // resources counted per type
inline constexpr std::string_view kActionAuditRead = "audit-read";  // the log queried or verified
inline constexpr std::string_view kActionIncidentReport = "incident-report";
inline constexpr std::string_view kActionBreakGlass = "break-glass";  // emergency access opened
inline constexpr std::string_view kActionRetention = "retention";     // retention rules examined
// The outcome of an intent (Entry::awaits_commit): its targets are its entries ("AuditEntry", the
// seq as id), its outcome whether the change committed.
inline constexpr std::string_view kActionCommit = "commit";
inline constexpr std::string_view kAuditEntryTargetType = "AuditEntry";

// Stable lowercase names for output: "custodian", "account", "service"; "success", "denied",
// "failed".
[[nodiscard]] std::string_view name_of(ActorKind kind);
[[nodiscard]] std::string_view name_of(Outcome outcome);

// Limits of the canonical form. encode() clamps to them; decode() rejects anything beyond.
inline constexpr size_t kMaxStringBytes = 4096;
inline constexpr size_t kMaxTargets = 100'000;

// The version byte that starts every canonical entry.
inline constexpr uint8_t kEntryFormatVersion = 1;

// The canonical bytes of `entry`, which the hash chain covers: deterministic and independent of
// the platform (little-endian integers, length-prefixed UTF-8 strings in a fixed order; a target
// whose type or compartment equals the previous target's stores a flag instead of the string).
// Strings are made valid UTF-8 (invalid sequences become U+FFFD) and cut at a character boundary
// to kMaxStringBytes; only the first kMaxTargets targets are kept, so callers split larger sets
// over several entries. For any other entry, decode(encode(entry)) == entry. Never fails.
[[nodiscard]] std::vector<uint8_t> encode(const Entry& entry);

// Reverses encode(). kIntegrity, with a message naming the field and never its content, on any
// malformation: an unknown format version, truncation, trailing bytes, a length or count over
// the limits, invalid UTF-8, an unknown enum value, reserved flag bits, or a form encode() would
// not produce (so that one entry has exactly one canonical encoding).
[[nodiscard]] Result<Entry> decode(std::span<const uint8_t> canonical);

// The same checks as decode() without building the entry (no allocation): the entry's seq when
// `canonical` is a well-formed entry, nullopt otherwise. For verifying millions of entries.
[[nodiscard]] std::optional<int64_t> canonical_seq(std::span<const uint8_t> canonical);

}  // namespace vigie::audit
