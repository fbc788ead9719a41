#include "cli/status_commands.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "audit/query.hpp"
#include "config/config.hpp"
#include "lifecycle/retention.hpp"

namespace vigie::cli {

namespace {

// What `vigie status` reports; each part comes from one audited gate call of the custodian.
struct VaultStatus {
  std::vector<std::string> locked_accounts;
  int64_t open_alerts = 0;
  std::optional<int64_t> last_verification_ms;
  std::optional<audit::AuditLog::CheckpointTime> last_checkpoint;
  int64_t packages_awaiting_approval = 0;
  int64_t packages_until_expiry = 0;  // ready, not past their expiry: the recipient may fetch
  int64_t bulk_jobs = 0;              // jobs of a running server whose files are on disk
  int64_t retention_due = 0;          // patients whose retention has expired (dry run)
};

Result<VaultStatus> read_status(const Options& options, gate::Gate& gate,
                                const gate::Custodian& custodian) {
  VaultStatus status;
  auto accounts = gate.list_accounts(custodian);
  if (!accounts) {
    return tl::unexpected(accounts.error());
  }
  for (const auth::AccountView& account : *accounts) {
    if (account.status == auth::AccountStatus::kLocked) {
      status.locked_accounts.push_back(account.login);
    }
  }
  for (int64_t after = 0;;) {
    constexpr size_t kPage = 1000;
    auto alerts = gate.alerts(
        custodian, gate::Gate::AlertQuery{.after_id = after, .limit = kPage, .open_only = true});
    if (!alerts) {
      return tl::unexpected(alerts.error());
    }
    status.open_alerts += static_cast<int64_t>(alerts->size());
    if (alerts->size() < kPage) {
      break;
    }
    after = alerts->back().id;
  }
  // The last verification is the last audit-read entry of target AuditLog/verify.
  auto reads = gate.audit_entries(custodian,
                                  audit::LogFilter{.action = std::string(audit::kActionAuditRead)});
  if (!reads) {
    return tl::unexpected(reads.error());
  }
  for (const audit::Entry& entry : *reads) {
    if (std::ranges::any_of(entry.targets, [](const audit::Target& target) {
          return target.type == "AuditLog" && target.id == "verify";
        })) {
      status.last_verification_ms = entry.time_ms;
    }
  }
  auto checkpoint = gate.last_checkpoint(custodian);
  if (!checkpoint) {
    return tl::unexpected(checkpoint.error());
  }
  status.last_checkpoint = *checkpoint;
  auto jobs = gate.export_jobs(custodian);
  if (!jobs) {
    return tl::unexpected(jobs.error());
  }
  const int64_t now_ms = gate.clock().now_ms();
  for (const lifecycle::ExportJob& job : *jobs) {
    if (job.status == lifecycle::JobStatus::kAwaitingApproval) {
      ++status.packages_awaiting_approval;
    } else if (job.status == lifecycle::JobStatus::kReady && job.expires_ms > now_ms) {
      ++status.packages_until_expiry;
    }
  }
  std::error_code ignored;
  for (const auto& job : std::filesystem::directory_iterator(
           std::filesystem::path(options.vault_dir) / "exports", ignored)) {
    static_cast<void>(job);
    ++status.bulk_jobs;
  }
  auto config = config::load(options.vault_dir);
  if (!config) {
    return tl::unexpected(config.error());
  }
  auto retention = gate.apply_retention(custodian, config->retention, true);
  if (!retention) {
    return tl::unexpected(retention.error());
  }
  status.retention_due = static_cast<int64_t>(retention->due.size());
  return status;
}

std::string time_or_never(const std::optional<int64_t>& ms, std::string_view never) {
  return ms ? audit::format_time(*ms) : std::string(never);
}

void print_status(const VaultStatus& status) {
  std::string locked;
  for (const std::string& login : status.locked_accounts) {
    locked += (locked.empty() ? " (" : ", ") + login;
  }
  if (!locked.empty()) {
    locked += ")";
  }
  fmt::print("Comptes verrouillés / accounts locked: {}{}\n", status.locked_accounts.size(),
             locked);
  fmt::print("Alertes ouvertes / open alerts: {}{}\n", status.open_alerts,
             status.open_alerts > 0 ? " (vigie alerts list --open)" : "");
  fmt::print("Dernière vérification du journal d'audit / last audit verification: {}\n",
             time_or_never(status.last_verification_ms, "jamais / never (vigie audit verify)"));
  if (status.last_checkpoint) {
    fmt::print("Dernier point de contrôle signé / last signed checkpoint: {} (entrée / entry {})\n",
               audit::format_time(status.last_checkpoint->time_ms), status.last_checkpoint->seq);
  } else {
    fmt::print("Dernier point de contrôle signé / last signed checkpoint: aucun / none\n");
  }
  fmt::print(
      "Exports en attente / exports pending: {} paquet(s) à approuver / package(s) awaiting "
      "approval, {} paquet(s) avant expiration / package(s) until expiry, {} export(s) Bulk "
      "Data en cours / Bulk Data job(s) held\n",
      status.packages_awaiting_approval, status.packages_until_expiry, status.bulk_jobs);
  fmt::print("Rétention échue / retention due: {} patient(s){}\n", status.retention_due,
             status.retention_due > 0 ? " (vigie retention run)" : "");
}

void print_status_json(const VaultStatus& status) {
  boost::json::array locked;
  for (const std::string& login : status.locked_accounts) {
    locked.emplace_back(login);
  }
  boost::json::object out{
      {"accounts_locked", locked},
      {"last_audit_verification",
       status.last_verification_ms
           ? boost::json::value(audit::format_time(*status.last_verification_ms))
           : boost::json::value(nullptr)},
      {"exports_pending",
       boost::json::object{{"packages_awaiting_approval", status.packages_awaiting_approval},
                           {"packages_until_expiry", status.packages_until_expiry},
                           {"bulk_jobs", status.bulk_jobs}}},
      {"retention_due", status.retention_due},
      {"alerts_open", status.open_alerts}};
  if (status.last_checkpoint) {
    out["last_checkpoint"] =
        boost::json::object{{"seq", status.last_checkpoint->seq},
                            {"time", audit::format_time(status.last_checkpoint->time_ms)}};
  } else {
    out["last_checkpoint"] = nullptr;
  }
  fmt::print("{}\n", boost::json::serialize(out));
}

int run_status(const Options& options) {
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  gate::Gate& gate = *unlocked->gate;
  auto status = read_status(options, gate, unlocked->custodian);
  if (!status) {
    return close_gate(gate, report(status.error()));
  }
  if (options.json) {
    print_status_json(*status);
  } else {
    print_status(*status);
  }
  return close_gate(gate, 0);
}

}  // namespace

void add_status_commands(CLI::App& app, Options& options, int (*&action)(const Options&),
                         const std::function<void(CLI::App*)>& add_vault) {
  CLI::App* status = app.add_subcommand(
      "status",
      "État du coffre pour le dépositaire : comptes verrouillés, alertes ouvertes, journal "
      "d'audit, exports, rétention / The vault's state for the custodian: locked accounts, open "
      "alerts, audit log, exports, retention");
  add_vault(status);
  status->add_flag("--json", options.json,
                   "Sortie JSON pour les scripts / JSON output for scripts");
  status->callback([&] { action = run_status; });
}

}  // namespace vigie::cli
