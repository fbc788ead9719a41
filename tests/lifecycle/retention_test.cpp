#include "lifecycle/retention.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "fhir/date_time.hpp"
#include "fhir/json.hpp"

namespace vigie::lifecycle {
namespace {

int64_t at(std::string_view instant) {
  const std::optional<fhir::DateInterval> interval = fhir::read_date_interval(instant);
  EXPECT_TRUE(interval.has_value()) << instant;
  return interval ? interval->begin_ms : 0;
}

boost::json::object patient_json(std::string_view text) {
  auto parsed = fhir::parse_json_object(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed ? *parsed : boost::json::object{};
}

PatientFacts facts_of(const boost::json::object* patient, int64_t last_update_ms) {
  return patient_facts("p1", {{"Patient", last_update_ms}}, patient);
}

TEST(RetentionAddYearsTest, AddsCalendarYearsKeepingTheTimeOfDay) {
  EXPECT_EQ(add_years(at("2026-03-05T10:15:30Z"), 20), at("2046-03-05T10:15:30Z"));
  EXPECT_EQ(add_years(at("2024-02-29T08:00:00Z"), 1), at("2025-02-28T08:00:00Z"));
  EXPECT_EQ(add_years(at("2024-02-29T08:00:00Z"), 4), at("2028-02-29T08:00:00Z"));
  EXPECT_EQ(add_years(at("1969-12-31T23:59:59Z"), 10), at("1979-12-31T23:59:59Z"));
}

TEST(RetentionFactsTest, ReadsTheStatusAndTheLatestBirthInstant) {
  const boost::json::object active = patient_json(R"({"resourceType":"Patient","active":true})");
  EXPECT_EQ(facts_of(&active, 0).status, PatientStatus::kActive);
  const boost::json::object inactive = patient_json(R"({"resourceType":"Patient","active":false})");
  EXPECT_EQ(facts_of(&inactive, 0).status, PatientStatus::kInactive);
  const boost::json::object dead =
      patient_json(R"({"resourceType":"Patient","active":false,"deceasedBoolean":true})");
  EXPECT_EQ(facts_of(&dead, 0).status, PatientStatus::kDeceased);
  const boost::json::object dead_on =
      patient_json(R"({"resourceType":"Patient","deceasedDateTime":"2030-01-02"})");
  EXPECT_EQ(facts_of(&dead_on, 0).status, PatientStatus::kDeceased);
  const boost::json::object alive =
      patient_json(R"({"resourceType":"Patient","deceasedBoolean":false})");
  EXPECT_EQ(facts_of(&alive, 0).status, PatientStatus::kActive);
  EXPECT_EQ(facts_of(nullptr, 0).status, PatientStatus::kActive);

  const boost::json::object born_in =
      patient_json(R"({"resourceType":"Patient","birthDate":"2010"})");
  EXPECT_EQ(facts_of(&born_in, 0).latest_birth_ms, at("2011-01-01") - 1);
  const boost::json::object born_on =
      patient_json(R"({"resourceType":"Patient","birthDate":"2010-06-15"})");
  EXPECT_EQ(facts_of(&born_on, 0).latest_birth_ms, at("2010-06-16") - 1);
  const boost::json::object unreadable =
      patient_json(R"({"resourceType":"Patient","birthDate":"2010-02-30"})");
  EXPECT_FALSE(facts_of(&unreadable, 0).latest_birth_ms.has_value());
}

TEST(RetentionVerdictTest, DefaultsCountFromTheNewestUpdateOfTheCompartment) {
  const config::RetentionConfig rules;
  const PatientFacts facts = patient_facts(
      "p1", {{"Patient", at("2020-01-01")}, {"Observation", at("2026-03-05T10:00:00Z")}}, nullptr);
  const RetentionVerdict verdict = retention_of(rules, facts);
  EXPECT_EQ(verdict.last_update_ms, at("2026-03-05T10:00:00Z"));
  EXPECT_EQ(verdict.expires_ms, at("2046-03-05T10:00:00Z"));
  EXPECT_EQ(verdict.rule, "active patient, 20 years after the last update");
}

TEST(RetentionVerdictTest, EachStatusHasItsPeriod) {
  config::RetentionConfig rules;
  rules.inactive_years = 5;
  rules.deceased_years = 10;
  const int64_t last = at("2026-01-01");
  const boost::json::object inactive = patient_json(R"({"resourceType":"Patient","active":false})");
  const RetentionVerdict inactive_verdict = retention_of(rules, facts_of(&inactive, last));
  EXPECT_EQ(inactive_verdict.expires_ms, at("2031-01-01"));
  EXPECT_EQ(inactive_verdict.rule, "inactive patient, 5 years after the last update");
  const boost::json::object dead =
      patient_json(R"({"resourceType":"Patient","deceasedDateTime":"2025-12-30"})");
  const RetentionVerdict dead_verdict = retention_of(rules, facts_of(&dead, last));
  EXPECT_EQ(dead_verdict.expires_ms, at("2036-01-01"));
  EXPECT_EQ(dead_verdict.rule, "deceased patient, 10 years after the last update");
  // A deceased patient is never kept longer than an active one.
  rules.deceased_years = 30;
  EXPECT_EQ(retention_of(rules, facts_of(&dead, last)).expires_ms, at("2046-01-01"));
}

TEST(RetentionVerdictTest, APeriodEndingBeforeTheConfiguredBirthdayIsExtendedToIt) {
  config::RetentionConfig rules;
  const boost::json::object child =
      patient_json(R"({"resourceType":"Patient","birthDate":"2020-06-15"})");
  const RetentionVerdict verdict = retention_of(rules, facts_of(&child, at("2022-01-01")));
  EXPECT_EQ(verdict.expires_ms, at("2048-06-16") - 1);
  EXPECT_EQ(verdict.rule, "period extended to age 28");
  // Twenty years after the last update come after the 28th birthday: the status rule alone.
  EXPECT_EQ(retention_of(rules, facts_of(&child, at("2040-01-01"))).expires_ms, at("2060-01-01"));
  // R.1112-7 extends any period that ends before the 28th birthday, an adult's too: a patient of
  // 20 at the last update, under a 5-year rule, is kept until 28.
  rules.active_years = 5;
  const RetentionVerdict adult = retention_of(rules, facts_of(&child, at("2040-07-01")));
  EXPECT_EQ(adult.expires_ms, at("2048-06-16") - 1);
  EXPECT_EQ(adult.rule, "period extended to age 28");
  rules.active_years = 20;
  // A deceased minor: the deceased rule.
  const boost::json::object dead_child =
      patient_json(R"({"resourceType":"Patient","birthDate":"2020-06-15","deceasedBoolean":true})");
  EXPECT_EQ(retention_of(rules, facts_of(&dead_child, at("2022-01-01"))).expires_ms,
            at("2032-01-01"));
}

TEST(RetentionVerdictTest, ATypeRuleKeepsThePatientLongerFromThatTypesOwnUpdate) {
  config::RetentionConfig rules;
  rules.type_years = {{"DiagnosticReport", 30}, {"Immunization", 1}};
  const PatientFacts facts = patient_facts("p1",
                                           {{"Patient", at("2026-01-01")},
                                            {"DiagnosticReport", at("2021-01-01")},
                                            {"Immunization", at("2026-01-01")}},
                                           nullptr);
  const RetentionVerdict verdict = retention_of(rules, facts);
  EXPECT_EQ(verdict.expires_ms, at("2051-01-01"));
  EXPECT_EQ(verdict.rule, "DiagnosticReport, 30 years after its last update");
  // A shorter type rule never shortens the status rule.
  rules.type_years = {{"Immunization", 1}};
  EXPECT_EQ(retention_of(rules, facts).expires_ms, at("2046-01-01"));
  // A type absent from the compartment does not apply.
  rules.type_years = {{"Condition", 90}};
  EXPECT_EQ(retention_of(rules, facts).expires_ms, at("2046-01-01"));
}

TEST(RetentionRulesTest, AnUnknownResourceTypeIsRefused) {
  config::RetentionConfig rules;
  rules.type_years = {{"DiagnosticReport", 30}};
  EXPECT_TRUE(check_rules(rules));
  rules.type_years = {{"DiagnosticRepport", 30}};
  auto checked = check_rules(rules);
  ASSERT_FALSE(checked);
  EXPECT_EQ(checked.error().code, ErrorCode::kUsage);
  EXPECT_NE(checked.error().message.find("'DiagnosticRepport' is not a resource type"),
            std::string::npos);
}

TEST(RetentionScheduleTest, RunsAtStartThenOncePerPeriodAfterEachRun) {
  const int64_t start = at("2026-12-07T03:00:00Z");
  RetentionSchedule schedule(start);
  EXPECT_EQ(schedule.next_run_ms(), start);
  EXPECT_FALSE(schedule.take_if_due(start - 1));
  EXPECT_TRUE(schedule.take_if_due(start));
  EXPECT_FALSE(schedule.take_if_due(start));
  EXPECT_EQ(schedule.next_run_ms(), start + kRetentionPeriodMs);
  EXPECT_FALSE(schedule.take_if_due(start + kRetentionPeriodMs - 1));
  // Late (the machine slept two days): one run, and the next a day after it.
  const int64_t late = start + 3 * kRetentionPeriodMs + 5;
  EXPECT_TRUE(schedule.take_if_due(late));
  EXPECT_FALSE(schedule.take_if_due(late));
  EXPECT_EQ(schedule.next_run_ms(), late + kRetentionPeriodMs);
}

}  // namespace
}  // namespace vigie::lifecycle
