#include "config/config.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "config/toml_errors.hpp"

namespace vigie::config {

namespace {

using detail::read_watch;
using detail::refuse;
using detail::shown;

// At most this many characters of the TOML parser's description are shown.
constexpr size_t kShownDescriptionCharacters = 120;

// A character from U+00A1 to U+0499 or from U+FBE6 to U+FEFE where toml++ 3.3 (Debian 12) checks
// for whitespace or for the end of a value ("é = 1", "locked_mib = 8 é") reaches an unreachable
// branch of its Unicode tables: undefined behaviour in every build (found by fuzz_config). Where
// it looks ahead depends on its whole grammar, so non-ASCII text is let through only on comment
// lines (a line whose first character after blanks is '#': a comment, or a line of a multi-line
// string, where toml++ checks nothing of the kind). The line of the first other non-ASCII byte,
// or nullopt.
std::optional<size_t> non_ascii_outside_comment_lines(std::string_view text) {
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  if (text.starts_with(kByteOrderMark)) {
    text.remove_prefix(kByteOrderMark.size());
  }
  size_t number = 1;
  for (size_t start = 0; start < text.size(); ++number) {
    const size_t newline = text.find('\n', start);
    const size_t end = newline == std::string_view::npos ? text.size() : newline;
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    const size_t first = line.find_first_not_of(" \t");
    if (first != std::string_view::npos && line[first] == '#') {
      continue;
    }
    if (std::any_of(line.begin(), line.end(),
                    [](char character) { return static_cast<unsigned char>(character) > 0x7F; })) {
      return number;
    }
  }
  return std::nullopt;
}

Result<void> read_memory(const toml::node& node, const toml::source_region& where,
                         MemoryConfig& memory) {
  const toml::table* section = node.as_table();
  if (section == nullptr) {
    return refuse(where, "« memory » doit être une section [memory]",
                  "'memory' must be a [memory] section");
  }
  for (const auto& [key, value] : *section) {
    if (key.str() != "locked_mib") {
      return refuse(
          key.source(),
          fmt::format("clé inconnue « {} » dans [memory] (seule locked_mib existe)",
                      shown(key.str())),
          fmt::format("unknown key '{}' in [memory] (only locked_mib exists)", shown(key.str())));
    }
    const toml::value<int64_t>* mib = value.as_integer();
    if (mib == nullptr) {
      return refuse(value.source(),
                    fmt::format("[memory] locked_mib doit être un nombre entier de Mio, de {} à {}",
                                kMinLockedMib, kMaxLockedMib),
                    fmt::format("[memory] locked_mib must be a whole number of MiB, from {} to {}",
                                kMinLockedMib, kMaxLockedMib));
    }
    const MemoryConfig read{.locked_mib = mib->get()};
    if (auto checked = check(read); !checked) {
      return refuse(value.source(), checked.error().french, checked.error().message);
    }
    memory = read;
  }
  return {};
}

Result<void> read_export(const toml::node& node, const toml::source_region& where,
                         ExportConfig& exports) {
  const toml::table* section = node.as_table();
  if (section == nullptr) {
    return refuse(where, "« export » doit être une section [export]",
                  "'export' must be an [export] section");
  }
  for (const auto& [key, value] : *section) {
    if (key.str() != "approval_patients") {
      return refuse(
          key.source(),
          fmt::format("clé inconnue « {} » dans [export] (seule approval_patients existe)",
                      shown(key.str())),
          fmt::format("unknown key '{}' in [export] (only approval_patients exists)",
                      shown(key.str())));
    }
    const toml::value<int64_t>* patients = value.as_integer();
    if (patients == nullptr || patients->get() < 0) {
      return refuse(
          value.source(),
          "[export] approval_patients doit être un nombre entier de patients, à partir de 0",
          "[export] approval_patients must be a whole number of patients, from 0");
    }
    exports.approval_patients = patients->get();
  }
  return {};
}

Result<int64_t> read_years(const toml::node& value, std::string_view name, int64_t min,
                           int64_t max) {
  const toml::value<int64_t>* years = value.as_integer();
  if (years == nullptr || years->get() < min || years->get() > max) {
    return refuse(value.source(),
                  fmt::format("[retention] {} doit être un nombre entier d'années, de {} à {}",
                              shown(name), min, max),
                  fmt::format("[retention] {} must be a whole number of years, from {} to {}",
                              shown(name), min, max));
  }
  return years->get();
}

// A FHIR resource type's shape: an ASCII capital, then ASCII letters (lifecycle/ checks that
// the type is one vigie knows).
bool looks_like_a_resource_type(std::string_view name) {
  return !name.empty() && name.size() <= 64 && name.front() >= 'A' && name.front() <= 'Z' &&
         std::all_of(name.begin(), name.end(), [](char character) {
           return (character >= 'A' && character <= 'Z') || (character >= 'a' && character <= 'z');
         });
}

Result<void> read_retention_types(const toml::node& node, RetentionConfig& retention) {
  const toml::table* section = node.as_table();
  if (section == nullptr) {
    return refuse(node.source(), "« retention.types » doit être une section [retention.types]",
                  "'retention.types' must be a [retention.types] section");
  }
  for (const auto& [key, value] : *section) {
    if (!looks_like_a_resource_type(key.str())) {
      return refuse(
          key.source(),
          fmt::format("[retention.types] « {} » n'est pas un type de ressource FHIR",
                      shown(key.str())),
          fmt::format("[retention.types] '{}' is not a FHIR resource type", shown(key.str())));
    }
    auto years = read_years(value, fmt::format("types.{}", key.str()), kMinRetentionYears,
                            kMaxRetentionYears);
    if (!years) {
      return tl::unexpected(years.error());
    }
    retention.type_years[std::string(key.str())] = *years;
  }
  return {};
}

Result<void> read_retention(const toml::node& node, const toml::source_region& where,
                            RetentionConfig& retention) {
  const toml::table* section = node.as_table();
  if (section == nullptr) {
    return refuse(where, "« retention » doit être une section [retention]",
                  "'retention' must be a [retention] section");
  }
  const std::map<std::string_view, int64_t*> years = {
      {"active_years", &retention.active_years},
      {"inactive_years", &retention.inactive_years},
      {"deceased_years", &retention.deceased_years},
  };
  constexpr std::string_view kKeys =
      "daily, active_years, inactive_years, deceased_years, minor_until_age, [retention.types]";
  for (const auto& [key, value] : *section) {
    const std::string_view name = key.str();
    if (name == "types") {
      if (auto read = read_retention_types(value, retention); !read) {
        return read;
      }
    } else if (name == "daily") {
      const toml::value<bool>* daily = value.as_boolean();
      if (daily == nullptr) {
        return refuse(value.source(), "[retention] daily doit valoir true ou false",
                      "[retention] daily must be true or false");
      }
      retention.daily = daily->get();
    } else if (name == "minor_until_age") {
      auto age = read_years(value, name, 18, kMaxRetentionYears);
      if (!age) {
        return tl::unexpected(age.error());
      }
      retention.minor_until_age = *age;
    } else if (const auto found = years.find(name); found != years.end()) {
      auto read = read_years(value, name, kMinRetentionYears, kMaxRetentionYears);
      if (!read) {
        return tl::unexpected(read.error());
      }
      *found->second = *read;
    } else {
      return refuse(
          key.source(),
          fmt::format("clé inconnue « {} » dans [retention] (clés : {})", shown(name), kKeys),
          fmt::format("unknown key '{}' in [retention] (keys: {})", shown(name), kKeys));
    }
  }
  return {};
}

Result<std::string> read_string(const toml::node& value, std::string_view name) {
  const toml::value<std::string>* text = value.as_string();
  if (text == nullptr || text->get().empty() || text->get().size() > 2048) {
    return refuse(value.source(),
                  fmt::format("[alerts] {} doit être un texte non vide", shown(name)),
                  fmt::format("[alerts] {} must be a non-empty string", shown(name)));
  }
  return text->get();
}

Result<int64_t> read_seconds(const toml::node& value, std::string_view name) {
  const toml::value<int64_t>* seconds = value.as_integer();
  if (seconds == nullptr || seconds->get() < 1 || seconds->get() > kMaxRetrySeconds) {
    return refuse(value.source(),
                  fmt::format("[alerts] {} doit être un nombre entier de secondes, de 1 à {}",
                              shown(name), kMaxRetrySeconds),
                  fmt::format("[alerts] {} must be a whole number of seconds, from 1 to {}",
                              shown(name), kMaxRetrySeconds));
  }
  return seconds->get();
}

Result<void> read_alerts(const toml::node& node, const toml::source_region& where,
                         AlertsConfig& alerts) {
  const toml::table* section = node.as_table();
  if (section == nullptr) {
    return refuse(where, "« alerts » doit être une section [alerts]",
                  "'alerts' must be an [alerts] section");
  }
  constexpr std::string_view kKeys =
      "log, webhook_url, webhook_secret_file, smtp_url, smtp_from, smtp_to, "
      "smtp_credentials_file, ca_file, retry_first_seconds, retry_max_seconds";
  const std::map<std::string_view, std::string*> strings = {
      {"webhook_url", &alerts.webhook_url},
      {"webhook_secret_file", &alerts.webhook_secret_file},
      {"smtp_url", &alerts.smtp_url},
      {"smtp_from", &alerts.smtp_from},
      {"smtp_credentials_file", &alerts.smtp_credentials_file},
      {"ca_file", &alerts.ca_file},
  };
  for (const auto& [key, value] : *section) {
    const std::string_view name = key.str();
    if (name == "log") {
      const toml::value<bool>* log = value.as_boolean();
      if (log == nullptr) {
        return refuse(value.source(), "[alerts] log doit valoir true ou false",
                      "[alerts] log must be true or false");
      }
      alerts.log = log->get();
    } else if (const auto found = strings.find(name); found != strings.end()) {
      auto read = read_string(value, name);
      if (!read) {
        return tl::unexpected(read.error());
      }
      *found->second = std::move(*read);
    } else if (name == "smtp_to") {
      const toml::array* list = value.as_array();
      if (list == nullptr || list->empty()) {
        return refuse(value.source(), "[alerts] smtp_to doit être une liste d'adresses non vide",
                      "[alerts] smtp_to must be a non-empty list of addresses");
      }
      alerts.smtp_to.clear();
      for (const toml::node& address : *list) {
        auto read = read_string(address, name);
        if (!read) {
          return tl::unexpected(read.error());
        }
        alerts.smtp_to.push_back(std::move(*read));
      }
    } else if (name == "retry_first_seconds" || name == "retry_max_seconds") {
      auto read = read_seconds(value, name);
      if (!read) {
        return tl::unexpected(read.error());
      }
      (name == "retry_first_seconds" ? alerts.retry_first_seconds : alerts.retry_max_seconds) =
          *read;
    } else {
      return refuse(
          key.source(),
          fmt::format("clé inconnue « {} » dans [alerts] (clés : {})", shown(name), kKeys),
          fmt::format("unknown key '{}' in [alerts] (keys: {})", shown(name), kKeys));
    }
  }
  if (!alerts.webhook_url.empty() && !alerts.webhook_url.starts_with("https://")) {
    return refuse(where, "[alerts] webhook_url doit commencer par https://",
                  "[alerts] webhook_url must start with https://");
  }
  if (!alerts.smtp_url.empty() && !alerts.smtp_url.starts_with("smtps://") &&
      !alerts.smtp_url.starts_with("smtp://")) {
    return refuse(where, "[alerts] smtp_url doit commencer par smtps:// ou smtp://",
                  "[alerts] smtp_url must start with smtps:// or smtp://");
  }
  if (!alerts.smtp_url.empty() && (alerts.smtp_from.empty() || alerts.smtp_to.empty())) {
    return refuse(where, "[alerts] smtp_url demande smtp_from et smtp_to",
                  "[alerts] smtp_url needs smtp_from and smtp_to");
  }
  // An address goes into the mail's header and the SMTP envelope: nothing that could end a line
  // or a bracket there.
  std::vector<const std::string*> addresses = {&alerts.smtp_from};
  for (const std::string& to : alerts.smtp_to) {
    addresses.push_back(&to);
  }
  for (const std::string* address : addresses) {
    const bool plain = std::none_of(address->begin(), address->end(), [](char c) {
      return static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>' || c == ',' || c == 0x7f;
    });
    if (!address->empty() && (!plain || address->find('@') == std::string::npos)) {
      return refuse(where, "[alerts] une adresse électronique est mal formée",
                    "[alerts] an e-mail address is malformed");
    }
  }
  for (const std::string* file :
       {&alerts.webhook_secret_file, &alerts.smtp_credentials_file, &alerts.ca_file}) {
    if (!file->empty() && !std::filesystem::path(*file).is_absolute()) {
      return refuse(where, "[alerts] un chemin de fichier doit être absolu",
                    "[alerts] a file path must be absolute");
    }
  }
  if (alerts.retry_max_seconds < alerts.retry_first_seconds) {
    return refuse(where, "[alerts] retry_max_seconds doit être au moins retry_first_seconds",
                  "[alerts] retry_max_seconds must be at least retry_first_seconds");
  }
  return {};
}

}  // namespace

namespace detail {

std::string shown(std::string_view text, size_t at_most) {
  std::string out;
  for (const char character : text.substr(0, at_most)) {
    out.push_back(character >= 0x20 && character < 0x7f ? character : '?');
  }
  if (text.size() > at_most) {
    out.append("...");
  }
  return out;
}

tl::unexpected<Error> refuse(const toml::source_region& where, std::string_view french,
                             std::string_view english) {
  return fail(ErrorCode::kUsage, fmt::format("ligne {} : {}", where.begin.line, french),
              fmt::format("line {}: {}", where.begin.line, english));
}

}  // namespace detail

Result<void> check(const MemoryConfig& memory) {
  if (memory.locked_mib < kMinLockedMib) {
    return fail(
        ErrorCode::kUsage,
        fmt::format("[memory] locked_mib = {} est trop petit : il faut au moins {} Mio pour la "
                    "clé maîtresse, ses clés dérivées, les autres secrets et un cache minimal de "
                    "clés de patients",
                    memory.locked_mib, kMinLockedMib),
        fmt::format("[memory] locked_mib = {} is too small: it takes at least {} MiB to hold the "
                    "master key, its derived keys, the other secrets and a minimal cache of "
                    "patient keys",
                    memory.locked_mib, kMinLockedMib));
  }
  if (memory.locked_mib > kMaxLockedMib) {
    return fail(ErrorCode::kUsage,
                fmt::format("[memory] locked_mib = {} est trop grand : au plus {} (Mio)",
                            memory.locked_mib, kMaxLockedMib),
                fmt::format("[memory] locked_mib = {} is too large: at most {} (MiB)",
                            memory.locked_mib, kMaxLockedMib));
  }
  return {};
}

Result<Config> parse(std::string_view text) {
  if (const std::optional<size_t> line = non_ascii_outside_comment_lines(text)) {
    return fail(
        ErrorCode::kUsage,
        fmt::format("ligne {} : caractère non ASCII hors d'une ligne de commentaire", *line),
        fmt::format("line {}: a non-ASCII character outside a comment line", *line));
  }
  toml::table table;
  try {
    table = toml::parse(text);
  } catch (const toml::parse_error& error) {
    return refuse(
        error.source(), "syntaxe TOML invalide",
        fmt::format("invalid TOML: {}", shown(error.description(), kShownDescriptionCharacters)));
  }
  Config config;
  for (const auto& [key, value] : table) {
    if (key.str() == "export") {
      if (auto read = read_export(value, key.source(), config.exports); !read) {
        return tl::unexpected(read.error());
      }
      continue;
    }
    if (key.str() == "watch") {
      if (auto read = read_watch(value, key.source(), config.watch); !read) {
        return tl::unexpected(read.error());
      }
      continue;
    }
    if (key.str() == "retention") {
      if (auto read = read_retention(value, key.source(), config.retention); !read) {
        return tl::unexpected(read.error());
      }
      continue;
    }
    if (key.str() == "alerts") {
      if (auto read = read_alerts(value, key.source(), config.alerts); !read) {
        return tl::unexpected(read.error());
      }
      continue;
    }
    if (key.str() != "memory") {
      return refuse(
          key.source(),
          fmt::format("section ou clé inconnue « {} » (seules [memory], [export], [retention], "
                      "[watch] et [alerts] existent)",
                      shown(key.str())),
          fmt::format("unknown section or key '{}' (only [memory], [export], [retention], [watch] "
                      "and [alerts] exist)",
                      shown(key.str())));
    }
    if (auto read = read_memory(value, key.source(), config.memory); !read) {
      return tl::unexpected(read.error());
    }
  }
  return config;
}

Result<Config> load(const std::filesystem::path& vault_dir) {
  const std::filesystem::path path = vault_dir / kFileName;
  const std::string name = path.string();
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    return Config{};
  }
  if (error || status.type() != std::filesystem::file_type::regular) {
    return fail(ErrorCode::kUsage, fmt::format("{} : ce n'est pas un fichier lisible", name),
                fmt::format("{}: not a readable file", name));
  }
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error || size > kMaxFileBytes) {
    return fail(ErrorCode::kUsage,
                fmt::format("{} : fichier trop grand (au plus {} Kio)", name, kMaxFileBytes / 1024),
                fmt::format("{}: file too large (at most {} KiB)", name, kMaxFileBytes / 1024));
  }
  std::ifstream in(path, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.good() && !in.eof()) {
    return fail(ErrorCode::kUsage, fmt::format("{} : lecture impossible", name),
                fmt::format("{}: cannot be read", name));
  }
  auto config = parse(text);
  if (!config) {
    return fail(ErrorCode::kUsage, fmt::format("{}, {}", name, config.error().french),
                fmt::format("{}, {}", name, config.error().message));
  }
  return config;
}

Error with_lower_memory_hint(Error lock_failure) {
  lock_failure.french += fmt::format(
      " ; ou baissez [memory] locked_mib dans le fichier {} du répertoire du coffre ({} Mio par "
      "défaut)",
      kFileName, kDefaultLockedMib);
  lock_failure.message +=
      fmt::format("; or lower [memory] locked_mib in {} in the vault directory (default {} MiB)",
                  kFileName, kDefaultLockedMib);
  return lock_failure;
}

}  // namespace vigie::config
