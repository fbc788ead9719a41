#include <fmt/format.h>

#include "gate/audited_call.hpp"
#include "gate/gate.hpp"

namespace vigie::gate {

namespace {

audit::Target alert_target(int64_t id) { return audit::Target{"Alert", std::to_string(id), 0, ""}; }

// An entry of the vault's own supervision: a detector's alert, a delivery.
audit::Entry vault_itself_entry(std::string_view action, const Clock& clock) {
  audit::Actor vault_itself;
  vault_itself.kind = audit::ActorKind::kService;
  vault_itself.auth_method = "watch";
  return entry_for(std::move(vault_itself), action, clock);
}

Result<watch::Alert> alert_of(store::AlertRow row) {
  auto kind = watch::parse_alert_kind(row.kind);
  if (!kind) {
    return fail(ErrorCode::kIntegrity, fmt::format("l'alerte {} porte un type inconnu", row.id),
                fmt::format("alert {} has an unknown kind", row.id));
  }
  return watch::Alert{.id = row.id,
                      .time_ms = row.time_ms,
                      .kind = *kind,
                      .account = std::move(row.account),
                      .detail = std::move(row.detail),
                      .account_locked = row.account_locked,
                      .acknowledged_by = std::move(row.acknowledged_by),
                      .acknowledged_ms = row.acknowledged_ms};
}

}  // namespace

Result<int64_t> Gate::raise_alert(const Principal& principal, watch::AlertKind kind,
                                  std::string_view login, std::string_view detail, bool lock) {
  audit::Entry entry = start_entry(principal, audit::kActionAlert);
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return refused<int64_t>(std::move(entry), caller.error());
  }
  return store_alert(std::move(entry), kind, login, detail, lock);
}

Result<int64_t> Gate::record_alert(watch::AlertKind kind, std::string_view login,
                                   std::string_view detail, bool lock) {
  return store_alert(vault_itself_entry(audit::kActionAlert, clock_), kind, login, detail, lock);
}

Result<int64_t> Gate::store_alert(audit::Entry entry, watch::AlertKind kind, std::string_view login,
                                  std::string_view detail, bool lock) {
  entry.purpose = fmt::format("{}: {}", watch::name_of(kind), detail);
  entry.supervise = true;
  if (!login.empty()) {
    entry.targets.push_back(account_target(login));
  }
  std::optional<int64_t> intent;
  Result<int64_t> stored = [&]() -> Result<int64_t> {
    auto transaction = store::begin_transaction(*accounts_);
    if (!transaction) {
      return tl::unexpected(transaction.error());
    }
    bool locked = false;
    if (lock && !login.empty()) {
      // An unknown login (a burst of failures on a made-up name) or a disabled account has no
      // session to stop: the alert is stored all the same.
      auto status = authenticator_->set_status(*accounts_, login, auth::AccountStatus::kLocked);
      if (!status && status.error().code != ErrorCode::kNotFound &&
          status.error().code != ErrorCode::kUsage) {
        return tl::unexpected(status.error());
      }
      locked = status.has_value();
    }
    auto id = accounts_->insert_alert(store::AlertRow{.time_ms = entry.time_ms,
                                                      .kind = std::string(watch::name_of(kind)),
                                                      .account = std::string(login),
                                                      .detail = std::string(detail),
                                                      .account_locked = locked});
    if (!id) {
      return tl::unexpected(id.error());
    }
    std::vector<audit::Entry> entries;
    audit::Entry alert = entry;
    alert.targets.push_back(alert_target(*id));
    entries.push_back(std::move(alert));
    if (locked) {
      audit::Entry lock_entry = entry;
      lock_entry.action = std::string(audit::kActionAccountChange);
      lock_entry.purpose = fmt::format("lock: alert {}", *id);
      lock_entry.targets = {account_target(login), alert_target(*id)};
      entries.push_back(std::move(lock_entry));
    }
    if (auto recorded = record_intent(*accounts_, std::move(entries), intent); !recorded) {
      return tl::unexpected(recorded.error());
    }
    if (auto saved = transaction->commit_durable(); !saved) {
      return tl::unexpected(saved.error());
    }
    return *id;
  }();
  return committed(std::move(entry), std::move(stored), intent);
}

Result<std::vector<watch::Alert>> Gate::alerts(const Principal& principal,
                                               const AlertQuery& query) {
  audit::Entry entry = start_entry(principal, audit::kActionAuditRead);
  entry.purpose = "alerts";
  Result<std::vector<watch::Alert>> result = [&]() -> Result<std::vector<watch::Alert>> {
    if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
      return tl::unexpected(caller.error());
    }
    auto rows = accounts_->list_alerts(query.after_id, query.limit, query.open_only);
    if (!rows) {
      return tl::unexpected(rows.error());
    }
    std::vector<watch::Alert> alerts;
    alerts.reserve(rows->size());
    for (store::AlertRow& row : *rows) {
      auto alert = alert_of(std::move(row));
      if (!alert) {
        return tl::unexpected(alert.error());
      }
      alerts.push_back(std::move(*alert));
    }
    if (alerts.empty()) {
      return alerts;
    }
    auto deliveries = accounts_->alert_deliveries(query.after_id, alerts.back().id);
    if (!deliveries) {
      return tl::unexpected(deliveries.error());
    }
    // Both ascending by alert id: one walk pairs them.
    auto alert = alerts.begin();
    for (store::AlertDeliveryRow& row : *deliveries) {
      while (alert != alerts.end() && alert->id < row.alert_id) {
        ++alert;
      }
      if (alert != alerts.end() && alert->id == row.alert_id) {
        alert->deliveries.push_back(watch::AlertDelivery{.sink = std::move(row.sink),
                                                         .attempts = row.attempts,
                                                         .delivered_ms = row.delivered_ms,
                                                         .last_error = std::move(row.last_error)});
      }
    }
    return alerts;
  }();
  return released(std::move(entry), std::move(result), {}, false);
}

Result<void> Gate::acknowledge_alert(const Principal& principal, int64_t id) {
  audit::Entry entry = start_entry(principal, audit::kActionAlertAck);
  entry.targets.push_back(alert_target(id));
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return refused<void>(std::move(entry), caller.error());
  }
  const std::string by = entry.actor.login.empty() ? entry.actor.os_user : entry.actor.login;
  return account_change<void>(entry, [&](store::DataStore& tx) -> Result<void> {
    auto acknowledged = tx.acknowledge_alert(id, by, clock_.now_ms());
    if (!acknowledged) {
      return tl::unexpected(acknowledged.error());
    }
    if (*acknowledged) {
      return {};
    }
    // Nothing written: an alert acknowledged already keeps its first acknowledgement.
    auto found = tx.list_alerts(id - 1, 1, false);
    if (!found) {
      return tl::unexpected(found.error());
    }
    if (found->empty() || found->front().id != id) {
      return fail(ErrorCode::kNotFound, fmt::format("aucune alerte {}", id),
                  fmt::format("no alert {}", id));
    }
    return {};
  });
}

Result<std::vector<Gate::PendingDelivery>> Gate::due_alerts(std::string_view sink, size_t limit) {
  auto rows = accounts_->due_alert_deliveries(std::string(sink), clock_.now_ms(), limit);
  if (!rows) {
    return tl::unexpected(rows.error());
  }
  std::vector<PendingDelivery> due;
  due.reserve(rows->size());
  for (store::DueAlert& row : *rows) {
    auto alert = alert_of(std::move(row.alert));
    if (!alert) {
      return tl::unexpected(alert.error());
    }
    due.push_back(PendingDelivery{.alert = std::move(*alert), .attempts = row.delivery.attempts});
  }
  return due;
}

Result<void> Gate::record_alert_delivery(const store::AlertDeliveryRow& row) {
  audit::Entry entry = vault_itself_entry(audit::kActionAlertDelivery, clock_);
  entry.targets.push_back(alert_target(row.alert_id));
  entry.purpose = row.delivered_ms != 0
                      ? fmt::format("{}: delivered, attempt {}", row.sink, row.attempts)
                      : fmt::format("{}: not delivered, attempt {} ({})", row.sink, row.attempts,
                                    row.last_error);
  return account_change<void>(std::move(entry),
                              [&](store::DataStore& tx) { return tx.save_alert_delivery(row); });
}

}  // namespace vigie::gate
