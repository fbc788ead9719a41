#include "audit/query.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include <fmt/format.h>
#include <boost/json/array.hpp>

#include "audit/display.hpp"
#include "common/utf8.hpp"

namespace vigie::audit {

namespace {

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr int64_t kMsPerDay = 24 * kMsPerHour;
// Years 0000 to 9999, the range of RFC 3339.
constexpr int64_t kFirstFormattableMs = -62'167'219'200'000;
constexpr int64_t kEndOfFormattableMs = 253'402'300'800'000;
// Longest fraction of a second accepted (nanoseconds).
constexpr size_t kMaxFractionDigits = 9;
// Widest a free-text cell of the table may grow.
constexpr size_t kMaxCellCharacters = 48;

// Reads `count` ASCII digits at `position`, or nullopt.
std::optional<int> read_digits(std::string_view text, size_t position, size_t count) {
  if (position + count > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (size_t index = position; index < position + count; ++index) {
    if (text[index] < '0' || text[index] > '9') {
      return std::nullopt;
    }
    value = value * 10 + (text[index] - '0');
  }
  return value;
}

bool has_char(std::string_view text, size_t position, char expected) {
  return position < text.size() && text[position] == expected;
}

// Days since the epoch of a YYYY-MM-DD prefix of `text`, or nullopt.
std::optional<int64_t> read_date(std::string_view text) {
  std::optional<int> year = read_digits(text, 0, 4);
  std::optional<int> month = read_digits(text, 5, 2);
  std::optional<int> day = read_digits(text, 8, 2);
  if (!year || !month || !day || !has_char(text, 4, '-') || !has_char(text, 7, '-')) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) {
    return std::nullopt;
  }
  return std::chrono::sys_days(date).time_since_epoch().count();
}

// Milliseconds into the day given by "Thh:mm:ss[.fff]" and the offset "Z" / "+hh:mm" / "-hh:mm"
// that follow the date, converted to UTC; nullopt if the rest of `text` is anything else.
std::optional<int64_t> read_time_of_day(std::string_view text) {
  constexpr size_t kTimeStart = 11;
  if (text.size() <= 10 || (text[10] != 'T' && text[10] != 't')) {
    return std::nullopt;
  }
  std::optional<int> hour = read_digits(text, kTimeStart, 2);
  std::optional<int> minute = read_digits(text, kTimeStart + 3, 2);
  std::optional<int> second = read_digits(text, kTimeStart + 6, 2);
  if (!hour || !minute || !second || !has_char(text, kTimeStart + 2, ':') ||
      !has_char(text, kTimeStart + 5, ':') || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  int64_t ms = *hour * kMsPerHour + *minute * kMsPerMinute + *second * kMsPerSecond;
  size_t position = kTimeStart + 8;
  if (has_char(text, position, '.')) {
    ++position;
    size_t fraction_digits = 0;
    int64_t fraction_ms = 0;
    while (position < text.size() && text[position] >= '0' && text[position] <= '9') {
      if (fraction_digits < 3) {
        fraction_ms = fraction_ms * 10 + (text[position] - '0');
      }
      ++fraction_digits;
      ++position;
    }
    if (fraction_digits == 0 || fraction_digits > kMaxFractionDigits) {
      return std::nullopt;
    }
    for (size_t padding = fraction_digits; padding < 3; ++padding) {
      fraction_ms *= 10;
    }
    ms += fraction_ms;
  }
  const std::string_view zone = text.substr(std::min(position, text.size()));
  if (zone == "Z" || zone == "z") {
    return ms;
  }
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') {
    return std::nullopt;
  }
  std::optional<int> offset_hours = read_digits(zone, 1, 2);
  std::optional<int> offset_minutes = read_digits(zone, 4, 2);
  if (!offset_hours || !offset_minutes || *offset_hours > 23 || *offset_minutes > 59) {
    return std::nullopt;
  }
  const int64_t offset_ms = *offset_hours * kMsPerHour + *offset_minutes * kMsPerMinute;
  return zone[0] == '+' ? ms - offset_ms : ms + offset_ms;
}

std::string json_text(std::string_view text) { return to_valid_utf8(text, text.size() * 3); }

std::string actor_cell(const Actor& actor) {
  std::string cell;
  switch (actor.kind) {
    case ActorKind::kCustodian:
      cell = "custodian:" + actor.os_user;
      break;
    case ActorKind::kAccount:
      cell = actor.login;
      break;
    case ActorKind::kService:
      cell = "service";
      break;
  }
  if (!actor.address.empty()) {
    cell += "@" + actor.address;
  }
  return printable(cell, kMaxCellCharacters);
}

std::string targets_cell(const std::vector<Target>& targets) {
  if (targets.empty()) {
    return "-";
  }
  const Target& first = targets.front();
  std::string cell = first.id.empty() ? first.type : first.type + "/" + first.id;
  if (first.version > 0) {
    cell += fmt::format("/_history/{}", first.version);
  }
  cell = printable(cell, kMaxCellCharacters);
  if (targets.size() > 1) {
    cell += fmt::format(" (+{})", targets.size() - 1);
  }
  return cell;
}

std::string outcome_cell(const Entry& entry) {
  std::string cell(name_of(entry.outcome));
  if (entry.awaits_commit) {
    cell = "[intent] " + cell;
  }
  if (!entry.reason.empty()) {
    cell += ": " + printable(entry.reason, kMaxCellCharacters);
  }
  return cell;
}

std::string purpose_cell(const Entry& entry) {
  std::string cell = printable(entry.purpose, kMaxCellCharacters);
  if (entry.break_glass) {
    cell = "[break-glass] " + cell;
  }
  if (entry.supervise) {
    cell = "[supervise] " + cell;
  }
  return cell.empty() ? "-" : cell;
}

}  // namespace

bool actor_has_login(const Actor& actor, std::string_view login) {
  if (actor.kind == ActorKind::kCustodian) {
    return actor.os_user == login;
  }
  return actor.login == login;
}

bool matches(const Entry& entry, const LogFilter& filter) {
  if (filter.actor_login && !actor_has_login(entry.actor, *filter.actor_login)) {
    return false;
  }
  if ((filter.session_id && entry.actor.session_id != *filter.session_id) ||
      (filter.address && entry.actor.address != *filter.address) ||
      (filter.action && entry.action != *filter.action)) {
    return false;
  }
  if ((filter.since_ms && entry.time_ms < *filter.since_ms) ||
      (filter.until_ms && entry.time_ms >= *filter.until_ms)) {
    return false;
  }
  if (filter.patient_id) {
    return std::any_of(entry.targets.begin(), entry.targets.end(), [&](const Target& target) {
      return target.compartment == *filter.patient_id;
    });
  }
  return true;
}

Result<int64_t> parse_time(std::string_view text, bool end_of_day) {
  const std::optional<int64_t> days = read_date(text);
  if (days && text.size() == 10) {
    return (*days + (end_of_day ? 1 : 0)) * kMsPerDay;
  }
  const std::optional<int64_t> time_of_day = days ? read_time_of_day(text) : std::nullopt;
  if (!time_of_day) {
    return fail(ErrorCode::kUsage,
                "a time is a date (2024-03-05) or an RFC 3339 time (2024-03-05T10:15:30Z, "
                "2024-03-05T11:15:30+01:00)");
  }
  return *days * kMsPerDay + *time_of_day;
}

std::string format_time(int64_t ms) {
  if (ms < kFirstFormattableMs || ms >= kEndOfFormattableMs) {
    return fmt::format("{}ms", ms);
  }
  const int64_t days = ms >= 0 ? ms / kMsPerDay : -((-ms + kMsPerDay - 1) / kMsPerDay);
  const int64_t ms_of_day = ms - days * kMsPerDay;
  const std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(days))};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     ms_of_day / kMsPerHour, ms_of_day % kMsPerHour / kMsPerMinute,
                     ms_of_day % kMsPerMinute / kMsPerSecond, ms_of_day % kMsPerSecond);
}

std::string render_table(const std::vector<Entry>& entries) {
  constexpr size_t kColumns = 8;
  using Row = std::array<std::string, kColumns>;
  std::vector<Row> rows;
  rows.reserve(entries.size() + 1);
  rows.push_back(
      {"SEQ", "TIME (UTC)", "ACTOR", "ACTION", "OUTCOME", "TARGETS", "RETURNED", "PURPOSE"});
  for (const Entry& entry : entries) {
    rows.push_back({std::to_string(entry.seq), format_time(entry.time_ms), actor_cell(entry.actor),
                    printable(entry.action, kMaxCellCharacters), outcome_cell(entry),
                    targets_cell(entry.targets), std::to_string(entry.resources_returned),
                    purpose_cell(entry)});
  }
  std::array<size_t, kColumns> widths{};
  for (const Row& row : rows) {
    for (size_t column = 0; column < kColumns; ++column) {
      widths[column] = std::max(widths[column], display_width(row[column]));
    }
  }
  std::string table;
  for (const Row& row : rows) {
    for (size_t column = 0; column < kColumns; ++column) {
      table += row[column];
      if (column + 1 < kColumns) {
        table.append(widths[column] - display_width(row[column]) + 2, ' ');
      }
    }
    table += '\n';
  }
  return table;
}

boost::json::object to_json(const Entry& entry) {
  boost::json::object actor;
  actor["kind"] = name_of(entry.actor.kind);
  actor["login"] = json_text(entry.actor.login);
  actor["os_user"] = json_text(entry.actor.os_user);
  actor["session_id"] = json_text(entry.actor.session_id);
  actor["address"] = json_text(entry.actor.address);
  actor["user_agent"] = json_text(entry.actor.user_agent);
  actor["auth_method"] = json_text(entry.actor.auth_method);

  boost::json::array targets;
  targets.reserve(entry.targets.size());
  for (const Target& target : entry.targets) {
    boost::json::object item;
    item["type"] = json_text(target.type);
    item["id"] = json_text(target.id);
    item["version"] = target.version;
    item["compartment"] = json_text(target.compartment);
    targets.push_back(std::move(item));
  }

  boost::json::object out;
  out["seq"] = entry.seq;
  out["time"] = format_time(entry.time_ms);
  out["actor"] = std::move(actor);
  out["action"] = json_text(entry.action);
  out["targets"] = std::move(targets);
  out["purpose"] = json_text(entry.purpose);
  out["break_glass"] = entry.break_glass;
  out["outcome"] = name_of(entry.outcome);
  out["reason"] = json_text(entry.reason);
  out["resources_returned"] = entry.resources_returned;
  out["decrypted_data_left"] = entry.decrypted_data_left;
  out["supervise"] = entry.supervise;
  out["awaits_commit"] = entry.awaits_commit;
  return out;
}

}  // namespace vigie::audit
