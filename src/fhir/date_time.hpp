#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace vigie::fhir {

// A FHIR date, dateTime or instant read as the half-open UTC interval [begin_ms, end_ms) that its
// precision covers: "2020" covers the year, "2020-03-01T10:15:30+01:00" one second.
struct DateInterval {
  int64_t begin_ms = 0;
  int64_t end_ms = 0;
  bool has_time = false;  // false for the date-only forms YYYY, YYYY-MM, YYYY-MM-DD
};

// Reads YYYY, YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDThh:mm[:ss[.fff...]] with an optional
// timezone (Z or +hh:mm / -hh:mm; none means UTC). Years 0001..9999, calendar-checked days.
// nullopt for anything else.
[[nodiscard]] std::optional<DateInterval> read_date_interval(std::string_view text);

}  // namespace vigie::fhir
