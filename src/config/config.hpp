#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "config/watch_config.hpp"

// The settings of one vault, read from `vigie.toml` in the vault's directory. The file is
// optional: without it every setting has its default. Every section and key of the file must be
// one this module knows: a misspelt key is an error, never silently ignored. Text other than
// ASCII (accents) is accepted on comment lines of their own only (see config.cpp). Example:
//
//   [memory]
//   locked_mib = 8   # locked memory of the whole process, in MiB (default 8, from 1 to 256)
//   [export]
//   approval_patients = 1000   # more patients in one package need a second custodian (default)
//   [retention]          # see RetentionConfig and docs/architecture.md, "Retention"
//   active_years = 20
//   [retention.types]
//   DiagnosticReport = 30
//   [watch]              # see config/watch_config.hpp
//   verify_minutes = 60
//   [alerts]             # see AlertsConfig; delivered by `vigie serve`
//   webhook_url = "https://supervision.example.fr/vigie"
//   webhook_secret_file = "/etc/vigie/webhook.key"

namespace vigie::config {

inline constexpr std::string_view kFileName = "vigie.toml";
// Larger files are refused before parsing: the settings fit in a few lines.
inline constexpr size_t kMaxFileBytes = size_t{64} * 1024;

inline constexpr int64_t kDefaultLockedMib = 8;
inline constexpr int64_t kMinLockedMib = 1;
inline constexpr int64_t kMaxLockedMib = 256;

// [memory]
struct MemoryConfig {
  // Memory the whole process may lock for secrets, in MiB. The default runs under the usual
  // `ulimit -l` of 8 MiB without root. The vault's data-key cache gets what its other secrets
  // leave (vault/shared_keys.hpp).
  int64_t locked_mib = kDefaultLockedMib;

  [[nodiscard]] size_t locked_bytes() const { return static_cast<size_t>(locked_mib) << 20; }
};

// [export]: migration packages (lifecycle/export_job.hpp).
inline constexpr int64_t kDefaultApprovalPatients = 1000;
struct ExportConfig {
  // A package of more patients than this waits for a second custodian's approval (from 0).
  int64_t approval_patients = kDefaultApprovalPatients;
};

// [retention]: how long a patient's record is kept, in whole years, measured from the newest
// update of anything filed in their compartment (lifecycle/retention.hpp applies it). The
// defaults follow French law for medical records (docs/architecture.md, "Retention", cites them);
// where the law says nothing, the default is vigie's choice and the documentation says so.
inline constexpr int64_t kMinRetentionYears = 1;
inline constexpr int64_t kMaxRetentionYears = 100;
struct RetentionConfig {
  // Whether `vigie serve` applies the rules once a day (`vigie retention run` works either way).
  bool daily = true;
  // Patient.active is not false and the patient is not deceased: CSP art. R.1112-7, 20 years from
  // the last stay or consultation.
  int64_t active_years = 20;
  // Patient.active = false: vigie's default, the same 20 years (the law does not shorten it).
  int64_t inactive_years = 20;
  // Patient.deceased*: R.1112-7, 10 years from the death; vigie counts them from the newest
  // update (never before the death is recorded), and never longer than active_years.
  int64_t deceased_years = 10;
  // R.1112-7: a period that would end before this birthday (from Patient.birthDate) is extended
  // to it, whatever the age at the newest update. Not applied to a deceased patient.
  int64_t minor_until_age = 28;
  // [retention.types]: a resource type (FHIR name) and its years from the newest update of that
  // type in the compartment; the patient is kept until every rule that applies has expired.
  std::map<std::string, int64_t, std::less<>> type_years;

  bool operator==(const RetentionConfig&) const = default;
};

// [alerts]: where `vigie serve` delivers the alerts a vault stores (gate/alert_delivery.hpp), each
// sink retried with exponential back-off.
inline constexpr int64_t kMaxRetrySeconds = 86'400;
struct AlertsConfig {
  bool log = true;          // one line per alert on standard error (journald under systemd)
  std::string webhook_url;  // "https://..."; empty: no webhook
  // A file (absolute path) whose bytes are the key of an HMAC-SHA256 of each webhook body, sent
  // as "X-Vigie-Signature: sha256=HEX"; empty: no signature.
  std::string webhook_secret_file;
  std::string smtp_url;  // "smtps://host:465" or "smtp://host:587" (STARTTLS required); empty: none
  std::string smtp_from;
  std::vector<std::string> smtp_to;
  // A file (absolute path) holding "user:password" for the SMTP server; empty: no login.
  std::string smtp_credentials_file;
  // A PEM file (absolute path) of the authorities trusted for the webhook's and the SMTP server's
  // certificates, instead of the system's; empty: the system's.
  std::string ca_file;
  int64_t retry_first_seconds = 30;   // the wait after a first failure, doubled at each failure
  int64_t retry_max_seconds = 3'600;  // up to this

  bool operator==(const AlertsConfig&) const = default;
};

struct Config {
  MemoryConfig memory;
  ExportConfig exports = {};       // as retention below
  RetentionConfig retention = {};  // a default initializer: Config{.memory = ...} stays valid
  WatchConfig watch = {};          // [watch]: config/watch_config.hpp
  AlertsConfig alerts = {};
};

// kUsage, French first, when `memory` is outside the bounds above: parse() refuses such a file,
// and code that builds a configuration itself checks it with this.
[[nodiscard]] Result<void> check(const MemoryConfig& memory);

// The settings in `text` (TOML). kUsage, French first, naming the line, the section or key and
// the fix: malformed TOML, an unknown section or key, a value of the wrong type or out of range.
[[nodiscard]] Result<Config> parse(std::string_view text);

// The settings in `vault_dir`/vigie.toml, or the defaults when there is no such file. kUsage as
// parse() does, prefixed with the file's path, and when the file cannot be read or is larger than
// kMaxFileBytes.
[[nodiscard]] Result<Config> load(const std::filesystem::path& vault_dir);

// `lock_failure` (an error about memory that could not be locked) with the setting that lowers
// the need appended, in both languages.
[[nodiscard]] Error with_lower_memory_hint(Error lock_failure);

}  // namespace vigie::config
