#include "fhir/date_time.hpp"

#include <fmt/format.h>

#include "fhir/search.hpp"

namespace vigie::fhir {

namespace {

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr int64_t kMsPerDay = 24 * kMsPerHour;
constexpr int kMaxOffsetHours = 14;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  int64_t year_of_era = year - era * 400;
  int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

bool is_leap_year(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int64_t days_in_month(int64_t year, int64_t month) {
  constexpr int64_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

// A cursor over the text that reads fixed-width numbers and expected characters.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool at_end() const { return position_ == text_.size(); }

  std::optional<char> peek() const {
    return at_end() ? std::nullopt : std::optional<char>(text_[position_]);
  }

  bool consume(char expected) {
    if (peek() == expected) {
      ++position_;
      return true;
    }
    return false;
  }

  // Reads exactly `width` digits.
  std::optional<int64_t> digits(size_t width) {
    if (text_.size() - position_ < width) {
      return std::nullopt;
    }
    int64_t number = 0;
    for (size_t offset = 0; offset < width; ++offset) {
      char c = text_[position_ + offset];
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      number = number * 10 + (c - '0');
    }
    position_ += width;
    return number;
  }

  // Reads `separator` then `width` digits in [minimum, maximum].
  std::optional<int64_t> field(char separator, size_t width, int64_t minimum, int64_t maximum) {
    if (!consume(separator)) {
      return std::nullopt;
    }
    std::optional<int64_t> number = digits(width);
    if (!number || *number < minimum || *number > maximum) {
      return std::nullopt;
    }
    return number;
  }

  // Reads one digit into `value`; false (nothing consumed) when the next character is not one.
  bool next_digit(int64_t& value) {
    std::optional<char> c = peek();
    if (!c || *c < '0' || *c > '9') {
      return false;
    }
    value = *c - '0';
    ++position_;
    return true;
  }

 private:
  std::string_view text_;
  size_t position_ = 0;
};

// Reads the timezone that ends a dateTime, as an offset in ms to subtract to get UTC.
std::optional<int64_t> read_timezone(Reader& reader) {
  if (reader.at_end()) {
    return 0;
  }
  if (reader.consume('Z')) {
    return reader.at_end() ? std::optional<int64_t>(0) : std::nullopt;
  }
  int64_t sign = 1;
  if (reader.consume('-')) {
    sign = -1;
  } else if (!reader.consume('+')) {
    return std::nullopt;
  }
  std::optional<int64_t> hours = reader.digits(2);
  if (!hours || !reader.consume(':')) {
    return std::nullopt;
  }
  std::optional<int64_t> minutes = reader.digits(2);
  if (!minutes || *hours > kMaxOffsetHours || *minutes > 59 || !reader.at_end()) {
    return std::nullopt;
  }
  return sign * (*hours * kMsPerHour + *minutes * kMsPerMinute);
}

// Reads "hh:mm[:ss[.fff...]]" and the timezone after the 'T'.
std::optional<DateInterval> read_time(Reader& reader, int64_t day_start_ms) {
  std::optional<int64_t> hour = reader.digits(2);
  if (!hour || *hour > 23 || !reader.consume(':')) {
    return std::nullopt;
  }
  std::optional<int64_t> minute = reader.digits(2);
  if (!minute || *minute > 59) {
    return std::nullopt;
  }
  int64_t begin = day_start_ms + *hour * kMsPerHour + *minute * kMsPerMinute;
  int64_t width = kMsPerMinute;
  if (reader.consume(':')) {
    std::optional<int64_t> second = reader.digits(2);
    if (!second || *second > 59) {
      return std::nullopt;
    }
    begin += *second * kMsPerSecond;
    width = kMsPerSecond;
    if (reader.consume('.')) {
      // Fractions finer than a millisecond narrow the interval to one millisecond.
      int64_t scale = 100;
      size_t fraction_digits = 0;
      int64_t digit = 0;
      while (reader.next_digit(digit)) {
        begin += digit * scale;
        scale /= 10;
        ++fraction_digits;
      }
      if (fraction_digits == 0) {
        return std::nullopt;
      }
      width = 1;
    }
  }
  std::optional<int64_t> offset = read_timezone(reader);
  if (!offset) {
    return std::nullopt;
  }
  return DateInterval{begin - *offset, begin - *offset + width, true};
}

}  // namespace

std::optional<DateInterval> read_date_interval(std::string_view text) {
  Reader reader(text);
  std::optional<int64_t> year = reader.digits(4);
  if (!year || *year < 1) {
    return std::nullopt;
  }
  if (reader.at_end()) {
    return DateInterval{days_from_civil(*year, 1, 1) * kMsPerDay,
                        days_from_civil(*year + 1, 1, 1) * kMsPerDay, false};
  }
  std::optional<int64_t> month = reader.field('-', 2, 1, 12);
  if (!month) {
    return std::nullopt;
  }
  if (reader.at_end()) {
    int64_t next_year = *month == 12 ? *year + 1 : *year;
    int64_t next_month = *month == 12 ? 1 : *month + 1;
    return DateInterval{days_from_civil(*year, *month, 1) * kMsPerDay,
                        days_from_civil(next_year, next_month, 1) * kMsPerDay, false};
  }
  std::optional<int64_t> day = reader.field('-', 2, 1, days_in_month(*year, *month));
  if (!day) {
    return std::nullopt;
  }
  int64_t day_start = days_from_civil(*year, *month, *day) * kMsPerDay;
  if (reader.at_end()) {
    return DateInterval{day_start, day_start + kMsPerDay, false};
  }
  if (!reader.consume('T')) {
    return std::nullopt;
  }
  return read_time(reader, day_start);
}

Result<std::pair<int64_t, int64_t>> parse_date_interval(std::string_view text) {
  std::optional<DateInterval> interval = read_date_interval(text);
  if (!interval) {
    return fail(ErrorCode::kInvalidInput, "not a FHIR date, dateTime or instant");
  }
  return std::pair<int64_t, int64_t>(interval->begin_ms, interval->end_ms);
}

std::string format_instant(int64_t epoch_ms) {
  int64_t days = epoch_ms / kMsPerDay;
  int64_t ms_of_day = epoch_ms % kMsPerDay;
  if (ms_of_day < 0) {
    ms_of_day += kMsPerDay;
    --days;
  }
  // H. Hinnant's civil_from_days.
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t day_of_era = days - era * 146097;
  int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t month_index = (5 * day_of_year + 2) / 153;
  int64_t day = day_of_year - (153 * month_index + 2) / 5 + 1;
  int64_t month = month_index < 10 ? month_index + 3 : month_index - 9;
  int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", year, month, day,
                     ms_of_day / kMsPerHour, ms_of_day % kMsPerHour / kMsPerMinute,
                     ms_of_day % kMsPerMinute / kMsPerSecond, ms_of_day % kMsPerSecond);
}

}  // namespace vigie::fhir
