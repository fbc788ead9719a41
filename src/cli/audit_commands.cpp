#include "cli/audit_commands.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <boost/json/array.hpp>

#include "audit/incident.hpp"
#include "audit/query.hpp"
#include "fhir/json.hpp"

namespace vigie::cli {

namespace {

namespace json = boost::json;

// `text` as a time bound; an empty text is no bound.
Result<std::optional<int64_t>> time_bound(const std::string& text, std::string_view flag,
                                          bool end_of_day) {
  if (text.empty()) {
    return std::optional<int64_t>{};
  }
  auto parsed = audit::parse_time(text, end_of_day);
  if (!parsed) {
    return fail(ErrorCode::kUsage,
                fmt::format("{} prend une heure RFC 3339 (2026-03-05T10:15:30Z) ou une date "
                            "(2026-03-05)",
                            flag),
                fmt::format("{} takes an RFC 3339 time (2026-03-05T10:15:30Z) or a date "
                            "(2026-03-05)",
                            flag));
  }
  return std::optional<int64_t>{*parsed};
}

// --since and --until as [since, until) bounds (a date as --until includes its whole day).
Result<std::pair<std::optional<int64_t>, std::optional<int64_t>>> time_window(
    const Options& options) {
  auto since = time_bound(options.since, "--since", false);
  if (!since) {
    return tl::unexpected(since.error());
  }
  auto until = time_bound(options.until, "--until", true);
  if (!until) {
    return tl::unexpected(until.error());
  }
  return std::pair{*since, *until};
}

std::optional<std::string> unless_empty(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

// Writes `text` to `path`, readable by its owner only (a report names patients).
Result<void> write_private_file(const std::filesystem::path& path, const std::string& text) {
  const mode_t previous = umask(077);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  umask(previous);
  if (!out) {
    return fail(ErrorCode::kInternal, fmt::format("impossible d'écrire {}", path.string()),
                fmt::format("cannot write {}", path.string()));
  }
  return {};
}

int verify(gate::Gate& gate, const gate::Custodian& custodian, const Options& options) {
  std::optional<std::filesystem::path> checkpoint_file;
  if (!options.checkpoint_file.empty()) {
    checkpoint_file = options.checkpoint_file;
  }
  auto verified = gate.verify_audit(custodian, checkpoint_file);
  if (!verified) {
    return report(verified.error());
  }
  if (verified->failure) {
    fmt::print(stderr,
               "vigie: journal d'audit rompu à l'entrée {} (audit log broken at entry {}): {}\n",
               verified->failure->seq, verified->failure->seq, verified->failure->reason);
    return exit_code_for(ErrorCode::kIntegrity);
  }
  fmt::print("{} entrées vérifiées (entries verified): chaîne intacte.\n", verified->verified);
  return 0;
}

int print_log(gate::Gate& gate, const gate::Custodian& custodian, const Options& options,
              const audit::LogFilter& filter) {
  auto entries = gate.audit_entries(custodian, filter);
  if (!entries) {
    return report(entries.error());
  }
  if (options.format == "table") {
    fmt::print("{}", audit::render_table(*entries));
  } else if (options.format == "json") {
    json::array array;
    for (const audit::Entry& entry : *entries) {
      array.push_back(audit::to_json(entry));
    }
    fmt::print("{}\n", fhir::to_pretty_json_text(array));
  } else {
    for (const audit::Entry& entry : *entries) {
      fmt::print("{}\n", fhir::to_json_text(audit::to_json(entry)));
    }
  }
  return 0;
}

int write_report(gate::Gate& gate, const gate::Custodian& custodian, const Options& options,
                 const audit::IncidentScope& scope) {
  auto built = gate.incident_report(custodian, scope);
  if (!built) {
    return report(built.error());
  }
  const bool markdown = options.format == "md";
  const std::string text =
      markdown ? audit::render_markdown(*built) : fhir::to_pretty_json_text(audit::to_json(*built));
  if (options.out.empty()) {
    fmt::print("{}\n", text);
    return 0;
  }
  const std::filesystem::path dir(options.out);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return report(Error{ErrorCode::kInternal, fmt::format("cannot create {}", options.out),
                        fmt::format("impossible de créer {}", options.out)});
  }
  std::vector<std::pair<std::filesystem::path, const std::string*>> files{
      {dir / (markdown ? "rapport.md" : "rapport.json"), &text}};
  if (!built->cnil_notification.empty()) {
    files.emplace_back(dir / "notification-cnil.md", &built->cnil_notification);
  }
  for (const audit::PatientLetter& letter : built->letters) {
    files.emplace_back(dir / fmt::format("lettre-patient-{}.md", letter.patient_id), &letter.text);
  }
  for (const auto& [path, content] : files) {
    if (auto written = write_private_file(path, *content); !written) {
      return report(written.error());
    }
  }
  fmt::print("Rapport écrit dans {} (report written): {} patient(s), {} lettre(s).\n", options.out,
             built->patients.size(), built->letters.size());
  return 0;
}

}  // namespace

int run_audit_verify(const Options& options) {
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  return close_gate(*unlocked->gate, verify(*unlocked->gate, unlocked->custodian, options));
}

int run_audit_log(const Options& options) {
  audit::LogFilter filter;
  filter.actor_login = unless_empty(options.actor);
  filter.patient_id = unless_empty(options.patient);
  filter.action = unless_empty(options.action);
  auto window = time_window(options);
  if (!window) {
    return report(window.error());
  }
  filter.since_ms = window->first;
  filter.until_ms = window->second;
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  return close_gate(*unlocked->gate,
                    print_log(*unlocked->gate, unlocked->custodian, options, filter));
}

int run_incident_report(const Options& options) {
  audit::IncidentScope scope;
  scope.actor_login = unless_empty(options.actor);
  scope.session_id = unless_empty(options.session);
  scope.address = unless_empty(options.address);
  auto window = time_window(options);
  if (!window) {
    return report(window.error());
  }
  scope.since_ms = window->first.value_or(0);
  scope.until_ms = window->second;
  if (auto valid = audit::check_scope(scope); !valid) {
    return report(valid.error());
  }
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  return close_gate(*unlocked->gate,
                    write_report(*unlocked->gate, unlocked->custodian, options, scope));
}

}  // namespace vigie::cli
