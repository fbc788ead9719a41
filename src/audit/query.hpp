#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "audit/entry.hpp"
#include "common/error.hpp"

namespace vigie::audit {

// Which entries a query wants. Every field set must match; an empty filter matches everything.
struct LogFilter {
  std::optional<std::string> actor_login =
      std::nullopt;  // the account's login, or the custodian's OS user
  std::optional<std::string> session_id = std::nullopt;
  std::optional<std::string> address = std::nullopt;
  std::optional<std::string> patient_id = std::nullopt;  // any target in that patient's compartment
  std::optional<std::string> action = std::nullopt;
  std::optional<int64_t> since_ms = std::nullopt;  // inclusive
  std::optional<int64_t> until_ms = std::nullopt;  // exclusive
};

// True when `actor` is the account `login`, or the custodian whose OS user is `login`.
[[nodiscard]] bool actor_has_login(const Actor& actor, std::string_view login);

[[nodiscard]] bool matches(const Entry& entry, const LogFilter& filter);

// Milliseconds since the epoch (UTC) of an RFC 3339 time ("2024-03-05T10:15:30Z",
// "2024-03-05T11:15:30.250+01:00"; the fraction is cut to milliseconds) or of a date
// "2024-03-05": its start (00:00 UTC), or with `end_of_day` the start of the next day, so that
// a date given as an exclusive upper bound includes the whole day. kUsage on anything else
// (including impossible dates and times, and leap seconds).
[[nodiscard]] Result<int64_t> parse_time(std::string_view text, bool end_of_day);

// RFC 3339 UTC with milliseconds: "2024-03-05T10:15:30.250Z". Times outside the years 0000 to
// 9999 (only a corrupted entry holds one) are printed as "<ms>ms".
[[nodiscard]] std::string format_time(int64_t ms);

// A text table of entries, one line each (seq, time, actor, action, outcome, targets, returned,
// purpose), with untrusted text made printable.
[[nodiscard]] std::string render_table(const std::vector<Entry>& entries);

// Every field of an entry, for JSON and NDJSON output (times as RFC 3339 strings).
[[nodiscard]] boost::json::object to_json(const Entry& entry);

}  // namespace vigie::audit
