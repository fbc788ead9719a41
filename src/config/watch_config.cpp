#include "config/watch_config.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "config/toml_errors.hpp"

namespace vigie::config::detail {

namespace {

// The table of `node`, or a refusal naming the section it must be.
Result<const toml::table*> section_of(const toml::node& node, const toml::source_region& where,
                                      std::string_view name) {
  const toml::table* section = node.as_table();
  if (section == nullptr) {
    return refuse(where, fmt::format("« {} » doit être une section [{}]", name, name),
                  fmt::format("'{}' must be a [{}] section", name, name));
  }
  return section;
}

tl::unexpected<Error> unknown_key(const toml::key& key, std::string_view section,
                                  std::string_view keys) {
  return refuse(
      key.source(),
      fmt::format("clé inconnue « {} » dans [{}] (clés : {})", shown(key.str()), section, keys),
      fmt::format("unknown key '{}' in [{}] (keys: {})", shown(key.str()), section, keys));
}

Result<int64_t> whole_number(const toml::node& value, std::string_view section,
                             std::string_view name, int64_t min, int64_t max,
                             std::string_view french_unit, std::string_view english_unit) {
  const toml::value<int64_t>* number = value.as_integer();
  if (number == nullptr || number->get() < min || number->get() > max) {
    return refuse(value.source(),
                  fmt::format("[{}] {} doit être un nombre entier {}, de {} à {}", section,
                              shown(name), french_unit, min, max),
                  fmt::format("[{}] {} must be a whole number {}, from {} to {}", section,
                              shown(name), english_unit, min, max));
  }
  return number->get();
}

Result<int64_t> window(const toml::node& value, std::string_view section) {
  return whole_number(value, section, "window_minutes", 1, kMaxWatchWindowMinutes, "de minutes",
                      "of minutes");
}

Result<int64_t> threshold(const toml::node& value, std::string_view section,
                          std::string_view name) {
  return whole_number(value, section, name, 0, kMaxWatchThreshold, "(0 : sans limite)",
                      "(0: no limit)");
}

Result<bool> flag(const toml::node& value, std::string_view section, std::string_view name) {
  const toml::value<bool>* read = value.as_boolean();
  if (read == nullptr) {
    return refuse(value.source(),
                  fmt::format("[{}] {} doit valoir true ou false", section, shown(name)),
                  fmt::format("[{}] {} must be true or false", section, shown(name)));
  }
  return read->get();
}

// A service client's login as auth/ allows it: 1 to 64 of A-Z a-z 0-9 . _ -
bool looks_like_a_login(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

Result<void> read_clients(const toml::node& node, const toml::source_region& where,
                          BulkReadConfig& bulk) {
  auto section = section_of(node, where, "watch.bulk_read.clients");
  if (!section) {
    return tl::unexpected(section.error());
  }
  for (const auto& [key, value] : **section) {
    if (!looks_like_a_login(key.str())) {
      return refuse(key.source(),
                    fmt::format("[watch.bulk_read.clients] « {} » n'est pas un identifiant de "
                                "client (A-Z a-z 0-9 . _ -, 64 au plus)",
                                shown(key.str())),
                    fmt::format("[watch.bulk_read.clients] '{}' is not a client login (A-Z a-z "
                                "0-9 . _ -, at most 64)",
                                shown(key.str())));
    }
    auto read = threshold(value, "watch.bulk_read.clients", key.str());
    if (!read) {
      return tl::unexpected(read.error());
    }
    bulk.per_client[std::string(key.str())] = *read;
  }
  return {};
}

Result<void> read_bulk_read(const toml::node& node, const toml::source_region& where,
                            BulkReadConfig& bulk) {
  auto section = section_of(node, where, "watch.bulk_read");
  if (!section) {
    return tl::unexpected(section.error());
  }
  constexpr std::string_view kName = "watch.bulk_read";
  constexpr std::string_view kKeys =
      "window_minutes, practitioner, assistant, admin, dpo, service, lock, "
      "[watch.bulk_read.clients]";
  for (const auto& [key, value] : **section) {
    const std::string_view name = key.str();
    Result<void> read;
    if (name == "clients") {
      read = read_clients(value, key.source(), bulk);
    } else if (name == "window_minutes") {
      read = window(value, kName).map([&](int64_t minutes) { bulk.window_minutes = minutes; });
    } else if (name == "lock") {
      read = flag(value, kName, name).map([&](bool lock) { bulk.lock = lock; });
    } else if (std::find(kRoleNames.begin(), kRoleNames.end(), name) != kRoleNames.end()) {
      read = threshold(value, kName, name).map([&](int64_t patients) {
        bulk.per_role[std::string(name)] = patients;
      });
    } else {
      return unknown_key(key, kName, kKeys);
    }
    if (!read) {
      return read;
    }
  }
  return {};
}

Result<void> read_login_failures(const toml::node& node, const toml::source_region& where,
                                 LoginFailuresConfig& failures) {
  auto section = section_of(node, where, "watch.login_failures");
  if (!section) {
    return tl::unexpected(section.error());
  }
  constexpr std::string_view kName = "watch.login_failures";
  for (const auto& [key, value] : **section) {
    const std::string_view name = key.str();
    Result<void> read;
    if (name == "window_minutes") {
      read = window(value, kName).map([&](int64_t minutes) { failures.window_minutes = minutes; });
    } else if (name == "per_account") {
      read =
          threshold(value, kName, name).map([&](int64_t count) { failures.per_account = count; });
    } else if (name == "per_address") {
      read =
          threshold(value, kName, name).map([&](int64_t count) { failures.per_address = count; });
    } else {
      return unknown_key(key, kName, "window_minutes, per_account, per_address");
    }
    if (!read) {
      return read;
    }
  }
  return {};
}

Result<void> read_shared_account(const toml::node& node, const toml::source_region& where,
                                 SharedAccountConfig& shared) {
  auto section = section_of(node, where, "watch.shared_account");
  if (!section) {
    return tl::unexpected(section.error());
  }
  constexpr std::string_view kName = "watch.shared_account";
  for (const auto& [key, value] : **section) {
    const std::string_view name = key.str();
    Result<void> read;
    if (name == "window_minutes") {
      read = window(value, kName).map([&](int64_t minutes) { shared.window_minutes = minutes; });
    } else if (name == "enabled") {
      read = flag(value, kName, name).map([&](bool enabled) { shared.enabled = enabled; });
    } else if (name == "lock") {
      read = flag(value, kName, name).map([&](bool lock) { shared.lock = lock; });
    } else {
      return unknown_key(key, kName, "enabled, window_minutes, lock");
    }
    if (!read) {
      return read;
    }
  }
  return {};
}

// "HH:MM" (00:00 to 24:00) as minutes since midnight.
std::optional<int64_t> minute_of_day(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') {
    return std::nullopt;
  }
  auto digit = [&](size_t at) -> std::optional<int64_t> {
    return text[at] >= '0' && text[at] <= '9' ? std::optional<int64_t>(text[at] - '0')
                                              : std::nullopt;
  };
  const auto h1 = digit(0);
  const auto h2 = digit(1);
  const auto m1 = digit(3);
  const auto m2 = digit(4);
  if (!h1 || !h2 || !m1 || !m2) {
    return std::nullopt;
  }
  const int64_t hours = *h1 * 10 + *h2;
  const int64_t minutes = *m1 * 10 + *m2;
  if (minutes > 59 || hours > 24 || (hours == 24 && minutes != 0)) {
    return std::nullopt;
  }
  return hours * 60 + minutes;
}

Result<int64_t> time_of_day(const toml::node& value, std::string_view name) {
  const toml::value<std::string>* text = value.as_string();
  const std::optional<int64_t> minute = text == nullptr ? std::nullopt : minute_of_day(text->get());
  if (!minute) {
    return refuse(value.source(),
                  fmt::format("[watch.opening_hours] {} doit être une heure \"HH:MM\", de "
                              "\"00:00\" à \"24:00\"",
                              name),
                  fmt::format("[watch.opening_hours] {} must be a time \"HH:MM\", from \"00:00\" "
                              "to \"24:00\"",
                              name));
  }
  return *minute;
}

Result<uint8_t> day_set(const toml::node& value) {
  constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu",
                                                     "fri", "sat", "sun"};
  const Error bad =
      refuse(value.source(),
             "[watch.opening_hours] days doit être une liste de jours parmi \"mon\", \"tue\", "
             "\"wed\", \"thu\", \"fri\", \"sat\", \"sun\"",
             "[watch.opening_hours] days must be a list of days among \"mon\", \"tue\", \"wed\", "
             "\"thu\", \"fri\", \"sat\", \"sun\"")
          .value();
  const toml::array* days = value.as_array();
  if (days == nullptr) {
    return tl::unexpected(bad);
  }
  uint8_t set = 0;
  for (const toml::node& day : *days) {
    const toml::value<std::string>* text = day.as_string();
    const auto found =
        text == nullptr ? kDays.end() : std::find(kDays.begin(), kDays.end(), text->get());
    if (found == kDays.end()) {
      return tl::unexpected(bad);
    }
    set = static_cast<uint8_t>(set | (1U << static_cast<unsigned>(found - kDays.begin())));
  }
  return set;
}

Result<void> read_opening_hours(const toml::node& node, const toml::source_region& where,
                                OpeningHoursConfig& hours) {
  auto section = section_of(node, where, "watch.opening_hours");
  if (!section) {
    return tl::unexpected(section.error());
  }
  constexpr std::string_view kName = "watch.opening_hours";
  for (const auto& [key, value] : **section) {
    const std::string_view name = key.str();
    Result<void> read;
    if (name == "enabled") {
      read = flag(value, kName, name).map([&](bool enabled) { hours.enabled = enabled; });
    } else if (name == "days") {
      read = day_set(value).map([&](uint8_t days) { hours.days = days; });
    } else if (name == "open") {
      read = time_of_day(value, name).map([&](int64_t minute) { hours.open_minute = minute; });
    } else if (name == "close") {
      read = time_of_day(value, name).map([&](int64_t minute) { hours.close_minute = minute; });
    } else {
      return unknown_key(key, kName, "enabled, days, open, close");
    }
    if (!read) {
      return read;
    }
  }
  if (hours.open_minute >= hours.close_minute) {
    return refuse(where, "[watch.opening_hours] open doit précéder close",
                  "[watch.opening_hours] open must come before close");
  }
  return {};
}

}  // namespace

Result<void> read_watch(const toml::node& node, const toml::source_region& where,
                        WatchConfig& watch) {
  auto section = section_of(node, where, "watch");
  if (!section) {
    return tl::unexpected(section.error());
  }
  constexpr std::string_view kName = "watch";
  for (const auto& [key, value] : **section) {
    const std::string_view name = key.str();
    Result<void> read;
    if (name == "verify_minutes") {
      read = whole_number(value, kName, name, 0, kMaxVerifyMinutes, "de minutes (0 : jamais)",
                          "of minutes (0: never)")
                 .map([&](int64_t minutes) { watch.verify_minutes = minutes; });
    } else if (name == "break_glass") {
      read = flag(value, kName, name).map([&](bool on) { watch.break_glass = on; });
    } else if (name == "exports") {
      read = flag(value, kName, name).map([&](bool on) { watch.exports = on; });
    } else if (name == "bulk_read") {
      read = read_bulk_read(value, key.source(), watch.bulk_read);
    } else if (name == "login_failures") {
      read = read_login_failures(value, key.source(), watch.login_failures);
    } else if (name == "shared_account") {
      read = read_shared_account(value, key.source(), watch.shared_account);
    } else if (name == "opening_hours") {
      read = read_opening_hours(value, key.source(), watch.opening_hours);
    } else {
      return unknown_key(key, kName,
                         "verify_minutes, break_glass, exports, [watch.bulk_read], "
                         "[watch.login_failures], [watch.shared_account], [watch.opening_hours]");
    }
    if (!read) {
      return read;
    }
  }
  return {};
}

}  // namespace vigie::config::detail
