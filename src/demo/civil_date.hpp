#pragma once

#include <cstdint>
#include <string>

namespace vigie::demo {

// A date of the proleptic Gregorian calendar.
struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..days_in_month
};

inline constexpr int64_t kMillisPerDay = 86'400'000;

// Days since 1970-01-01 (negative before), for any date of years -1,000,000..1,000,000.
[[nodiscard]] int64_t days_from_civil(const CivilDate& date);

// Inverse of days_from_civil.
[[nodiscard]] CivilDate civil_from_days(int64_t days);

// 28..31. Precondition: month in 1..12.
[[nodiscard]] int days_in_month(int year, int month);

// FHIR date "YYYY-MM-DD". Precondition: year in 0..9999.
[[nodiscard]] std::string format_date(const CivilDate& date);

// FHIR dateTime "YYYY-MM-DDThh:mm:ssZ" (UTC) of a Unix time in milliseconds (seconds
// truncated toward the past). Precondition: the year is in 0..9999.
[[nodiscard]] std::string format_date_time(int64_t unix_ms);

}  // namespace vigie::demo
