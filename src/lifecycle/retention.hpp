#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "common/error.hpp"
#include "config/config.hpp"

// lifecycle/retention: when a patient's record has been kept long enough, as pure functions of
// facts that gate/ gathers (the newest update per resource type from clear metadata, the status
// from the Patient resource) and of the [retention] rules of vigie.toml. The gate applies the
// verdicts by crypto-shredding (Gate::apply_retention); nothing here touches the vault.
//
// A patient's period runs from the newest update of anything filed in their compartment
// (lastUpdated of their newest version, deleted versions included): vigie knows no visit dates,
// and every care episode writes to the record. Rules, in whole calendar years:
//   - status: active_years (active), inactive_years (Patient.active = false), deceased_years
//     (Patient.deceasedBoolean true or any deceasedDateTime), a deceased patient's never longer
//     than active_years;
//   - a patient not deceased is kept at least until their minor_until_age birthday
//     (Patient.birthDate, read as the latest day it may mean): R.1112-7 extends any period that
//     ends before the 28th birthday, not only a minor's;
//   - [retention.types]: each type present in the compartment keeps the patient that many years
//     after that type's newest update.
// The patient is due when every rule that applies has expired: the latest expiry wins, and it
// names the rule.

namespace vigie::lifecycle {

enum class PatientStatus { kActive, kInactive, kDeceased };

// What retention knows of one patient.
struct PatientFacts {
  std::string patient_id;
  std::map<std::string, int64_t, std::less<>> last_update_by_type;  // never empty
  PatientStatus status = PatientStatus::kActive;
  std::optional<int64_t> latest_birth_ms;  // the last instant birthDate may mean
};

// The facts of `patient` (the current Patient resource; null when the compartment has none, or
// it is deleted: then active, with no birth date). Never fails: an unreadable status or date is
// taken as the one that keeps the record longest (active; no minor rule needs a date).
[[nodiscard]] PatientFacts patient_facts(
    std::string patient_id, std::map<std::string, int64_t, std::less<>> last_update_by_type,
    const boost::json::object* patient);

struct RetentionVerdict {
  int64_t last_update_ms = 0;  // the newest update of the whole compartment
  int64_t expires_ms = 0;      // the patient is due from this instant on
  // The rule that sets expires_ms, in English, for the audit entry's purpose and the report
  // (never a patient value): e.g. "active patient, 20 years after the last update".
  std::string rule;
};

[[nodiscard]] RetentionVerdict retention_of(const config::RetentionConfig& rules,
                                            const PatientFacts& facts);

// `instant_ms` plus `years` calendar years (UTC; 29 February becomes 28 February).
[[nodiscard]] int64_t add_years(int64_t instant_ms, int64_t years);

// kUsage, French first, naming a [retention.types] entry that is not a resource type vigie
// knows (a misspelt type would otherwise never match).
[[nodiscard]] Result<void> check_rules(const config::RetentionConfig& rules);

// One patient whose period has expired.
struct DuePatient {
  std::string patient_id;
  RetentionVerdict verdict;
  bool erased = false;  // by this run (a dry run erases nothing)
};

// What one run found and did.
struct RetentionReport {
  int64_t now_ms = 0;
  bool dry_run = false;
  size_t patients_examined = 0;
  std::vector<DuePatient> due;  // ascending patient id
};

// When `vigie serve` applies the rules: at start, then once per period after each run. Pure
// (the caller passes the time), so that tests drive it with a ManualClock and no sleep. Not
// thread-safe: one owner.
inline constexpr int64_t kRetentionPeriodMs = int64_t{24} * 60 * 60 * 1000;
class RetentionSchedule {
 public:
  explicit RetentionSchedule(int64_t start_ms, int64_t period_ms = kRetentionPeriodMs)
      : next_ms_(start_ms), period_ms_(period_ms) {}
  // Whether a run is due at `now_ms`; when it is, the next one is due a period after `now_ms`
  // (a clock set back or a late run never makes two runs follow each other).
  [[nodiscard]] bool take_if_due(int64_t now_ms);
  // When the next run is due.
  [[nodiscard]] int64_t next_run_ms() const { return next_ms_; }
  // The run taken last could not start: the next one is due at `ms` instead.
  void retry_at(int64_t ms) { next_ms_ = ms; }

 private:
  int64_t next_ms_;
  int64_t period_ms_;
};

}  // namespace vigie::lifecycle
