#include "lifecycle/retention.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "fhir/date_time.hpp"
#include "fhir/json.hpp"
#include "fhir/resource_types.hpp"

namespace vigie::lifecycle {

namespace {

bool is_deceased(const boost::json::object& patient) {
  if (const boost::json::value* flag = patient.if_contains("deceasedBoolean");
      flag != nullptr && flag->is_bool()) {
    return flag->get_bool();
  }
  return patient.contains("deceasedDateTime");
}

}  // namespace

PatientFacts patient_facts(std::string patient_id,
                           std::map<std::string, int64_t, std::less<>> last_update_by_type,
                           const boost::json::object* patient) {
  PatientFacts facts;
  facts.patient_id = std::move(patient_id);
  facts.last_update_by_type = std::move(last_update_by_type);
  if (patient == nullptr) {
    return facts;
  }
  if (is_deceased(*patient)) {
    facts.status = PatientStatus::kDeceased;
  } else if (const boost::json::value* active = patient->if_contains("active");
             active != nullptr && active->is_bool() && !active->get_bool()) {
    facts.status = PatientStatus::kInactive;
  }
  if (auto birth = fhir::json_string_member(*patient, "birthDate")) {
    if (auto interval = fhir::read_date_interval(*birth)) {
      facts.latest_birth_ms = interval->end_ms - 1;
    }
  }
  return facts;
}

int64_t add_years(int64_t instant_ms, int64_t years) {
  using namespace std::chrono;
  const sys_time<milliseconds> instant{milliseconds{instant_ms}};
  const sys_days day = floor<days>(instant);
  year_month_day date{day};
  date += std::chrono::years{years};
  if (!date.ok()) {
    date = date.year() / date.month() / last;
  }
  return (sys_days{date} + (instant - day)).time_since_epoch().count();
}

RetentionVerdict retention_of(const config::RetentionConfig& rules, const PatientFacts& facts) {
  RetentionVerdict verdict;
  for (const auto& [type, last_update_ms] : facts.last_update_by_type) {
    verdict.last_update_ms = std::max(verdict.last_update_ms, last_update_ms);
  }
  const int64_t last = verdict.last_update_ms;
  switch (facts.status) {
    case PatientStatus::kActive:
      verdict.expires_ms = add_years(last, rules.active_years);
      verdict.rule =
          fmt::format("active patient, {} years after the last update", rules.active_years);
      break;
    case PatientStatus::kInactive:
      verdict.expires_ms = add_years(last, rules.inactive_years);
      verdict.rule =
          fmt::format("inactive patient, {} years after the last update", rules.inactive_years);
      break;
    case PatientStatus::kDeceased: {
      const int64_t years = std::min(rules.deceased_years, rules.active_years);
      verdict.expires_ms = add_years(last, years);
      verdict.rule = fmt::format("deceased patient, {} years after the last update", years);
      break;
    }
  }
  // R.1112-7: a period that ends before the 28th birthday is extended to it, whatever the age at
  // the last stay (with the 20-year default, only a child under 8 then is concerned; with a
  // shorter configured period, a young adult too). "In all cases" the death clause prevails.
  if (facts.status != PatientStatus::kDeceased && facts.latest_birth_ms) {
    const int64_t until = add_years(*facts.latest_birth_ms, rules.minor_until_age);
    if (until > verdict.expires_ms) {
      verdict.expires_ms = until;
      verdict.rule = fmt::format("period extended to age {}", rules.minor_until_age);
    }
  }
  for (const auto& [type, years] : rules.type_years) {
    const auto found = facts.last_update_by_type.find(type);
    if (found == facts.last_update_by_type.end()) {
      continue;
    }
    const int64_t until = add_years(found->second, years);
    if (until > verdict.expires_ms) {
      verdict.expires_ms = until;
      verdict.rule = fmt::format("{}, {} years after its last update", type, years);
    }
  }
  return verdict;
}

Result<void> check_rules(const config::RetentionConfig& rules) {
  for (const auto& [type, years] : rules.type_years) {
    if (!fhir::is_known_resource_type(type)) {
      return fail(ErrorCode::kUsage,
                  fmt::format("[retention.types] « {} » n'est pas un type de ressource que vigie "
                              "connaît",
                              type),
                  fmt::format("[retention.types] '{}' is not a resource type vigie knows", type));
    }
  }
  return {};
}

bool RetentionSchedule::take_if_due(int64_t now_ms) {
  if (now_ms < next_ms_) {
    return false;
  }
  next_ms_ = now_ms + period_ms_;
  return true;
}

}  // namespace vigie::lifecycle
