#include "cli/alert_commands.hpp"

#include <string>
#include <vector>

#include <fmt/format.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "audit/display.hpp"
#include "audit/query.hpp"
#include "watch/alert.hpp"
#include "watch/alert_sinks.hpp"

namespace vigie::cli {

namespace {

// Alerts are read in pages of this many.
constexpr size_t kPage = 1000;

// Every alert (or the open ones), oldest first, page by page.
Result<std::vector<watch::Alert>> all_alerts(gate::Gate& gate, const gate::Custodian& custodian,
                                             bool open_only) {
  std::vector<watch::Alert> all;
  int64_t after = 0;
  for (;;) {
    auto page = gate.alerts(
        custodian,
        gate::Gate::AlertQuery{.after_id = after, .limit = kPage, .open_only = open_only});
    if (!page) {
      return tl::unexpected(page.error());
    }
    if (page->empty()) {
      return all;
    }
    after = page->back().id;
    const bool last = page->size() < kPage;
    all.insert(all.end(), std::make_move_iterator(page->begin()),
               std::make_move_iterator(page->end()));
    if (last) {
      return all;
    }
  }
}

// Where the delivery to each sink stands, e.g. "webhook: délivrée / delivered 2026-12-07T10:00:00Z"
// or "webhook: en attente / pending (3 essais / attempts: webhook: the receiver answered 503)".
std::string delivery_text(const watch::AlertDelivery& delivery) {
  if (delivery.delivered_ms != 0) {
    return fmt::format("{} : délivrée / delivered {}", delivery.sink,
                       audit::format_time(delivery.delivered_ms));
  }
  return fmt::format("{} : en attente / pending ({} essai(s) / attempt(s): {})", delivery.sink,
                     delivery.attempts, audit::printable(delivery.last_error, 200));
}

void print_alert(const watch::Alert& alert) {
  const watch::Severity severity = watch::severity_of(alert.kind);
  fmt::print(
      "n° {}  {}  {}  {} / {}  compte / account: {}{}\n    {}\n    {}\n", alert.id,
      audit::format_time(alert.time_ms), watch::name_of(alert.kind),
      watch::french_name_of(severity), watch::name_of(severity),
      alert.account.empty() ? "-" : audit::printable(alert.account, 64),
      alert.account_locked ? " (verrouillé / locked)" : "", audit::printable(alert.detail, 500),
      alert.acknowledged_by.empty() ? std::string("ouverte / open")
                                    : fmt::format("acquittée / acknowledged: {} {}",
                                                  audit::printable(alert.acknowledged_by, 64),
                                                  audit::format_time(alert.acknowledged_ms)));
  if (alert.deliveries.empty()) {
    fmt::print("    envoi : pas encore tentée / delivery: not tried yet\n");
  }
  for (const watch::AlertDelivery& delivery : alert.deliveries) {
    fmt::print("    {}\n", delivery_text(delivery));
  }
}

boost::json::object alert_json(const watch::Alert& alert) {
  boost::json::object out = watch::alert_document(alert);
  boost::json::array deliveries;
  for (const watch::AlertDelivery& delivery : alert.deliveries) {
    boost::json::object one{{"sink", delivery.sink},
                            {"attempts", delivery.attempts},
                            {"delivered", delivery.delivered_ms != 0}};
    if (delivery.delivered_ms != 0) {
      one["delivered_time"] = audit::format_time(delivery.delivered_ms);
    } else {
      one["last_error"] = delivery.last_error;
    }
    deliveries.push_back(std::move(one));
  }
  out["deliveries"] = std::move(deliveries);
  return out;
}

int run_alerts_list(const Options& options) {
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  gate::Gate& gate = *unlocked->gate;
  auto alerts = all_alerts(gate, unlocked->custodian, options.open_only);
  if (!alerts) {
    return close_gate(gate, report(alerts.error()));
  }
  if (options.json) {
    for (const watch::Alert& alert : *alerts) {
      fmt::print("{}\n", boost::json::serialize(alert_json(alert)));
    }
  } else if (alerts->empty()) {
    fmt::print("Aucune alerte / no alert\n");
  } else {
    for (const watch::Alert& alert : *alerts) {
      print_alert(alert);
    }
  }
  return close_gate(gate, 0);
}

int run_alerts_ack(const Options& options) {
  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  gate::Gate& gate = *unlocked->gate;
  if (auto acknowledged = gate.acknowledge_alert(unlocked->custodian, options.alert_id);
      !acknowledged) {
    return close_gate(gate, report(acknowledged.error()));
  }
  fmt::print("Alerte n° {} acquittée / alert #{} acknowledged\n", options.alert_id,
             options.alert_id);
  return close_gate(gate, 0);
}

}  // namespace

void add_alert_commands(CLI::App& app, Options& options, int (*&action)(const Options&),
                        const std::function<void(CLI::App*)>& add_vault) {
  CLI::App* alerts = app.add_subcommand(
      "alerts", "Alertes de supervision / Supervision alerts (honey, bulk-read, ...)");
  alerts->require_subcommand(1);
  CLI::App* list = alerts->add_subcommand(
      "list", "Liste les alertes, les plus anciennes d'abord / List the alerts, oldest first");
  add_vault(list);
  list->add_flag("--open", options.open_only,
                 "Seulement les alertes non acquittées / Only the alerts not acknowledged");
  list->add_flag("--json", options.json, "Une ligne JSON par alerte / One JSON line per alert");
  list->callback([&] { action = run_alerts_list; });
  CLI::App* ack = alerts->add_subcommand(
      "ack", "Acquitte une alerte (le dépositaire) / Acknowledge an alert (the custodian)");
  add_vault(ack);
  ack->add_option("ID", options.alert_id, "Numéro de l'alerte / The alert's number")
      ->required()
      ->check(CLI::PositiveNumber);
  ack->callback([&] { action = run_alerts_ack; });
}

}  // namespace vigie::cli
