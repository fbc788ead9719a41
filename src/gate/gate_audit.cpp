#include "gate/gate.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "audit/display.hpp"
#include "fhir/json.hpp"
#include "gate/audited_call.hpp"

namespace vigie::gate {

namespace json = boost::json;

namespace {

// The patient's official (else first) name and first address, for their art. 34 letter.
audit::PatientContact contact_of(const StoredResource& patient) {
  audit::PatientContact contact;
  contact.patient_id = patient.id;
  const json::object& resource = patient.resource;
  if (const json::value* names = resource.if_contains("name"); names && names->is_array()) {
    const json::object* chosen = nullptr;
    for (const json::value& name : names->as_array()) {
      if (!name.is_object()) {
        continue;
      }
      if (chosen == nullptr || text_field(name.as_object(), "use") == "official") {
        chosen = &name.as_object();
      }
    }
    if (chosen != nullptr) {
      contact.family = text_field(*chosen, "family");
      if (const json::value* given = chosen->if_contains("given"); given && given->is_array()) {
        for (const json::value& part : given->as_array()) {
          if (const json::string* text = fhir::json_string(part)) {
            contact.given += (contact.given.empty() ? "" : " ") + std::string(*text);
          }
        }
      }
    }
  }
  if (const json::value* addresses = resource.if_contains("address");
      addresses && addresses->is_array() && !addresses->as_array().empty() &&
      addresses->as_array().front().is_object()) {
    const json::object& address = addresses->as_array().front().as_object();
    if (const json::value* lines = address.if_contains("line"); lines && lines->is_array()) {
      for (const json::value& line : lines->as_array()) {
        if (const json::string* text = fhir::json_string(line)) {
          contact.address_lines.emplace_back(*text);
        }
      }
    }
    contact.postal_code = text_field(address, "postalCode");
    contact.city = text_field(address, "city");
  }
  return contact;
}

}  // namespace

Result<audit::VerifyReport> Gate::verify_audit(
    const Principal& principal, const std::optional<std::filesystem::path>& checkpoint_file) {
  audit::Entry entry = start_entry(principal, audit::kActionAuditRead);
  entry.targets.push_back(audit::Target{"AuditLog", "verify", 0, ""});
  Result<audit::VerifyReport> result = [&]() -> Result<audit::VerifyReport> {
    if (auto caller = admit(principal, access::Action::kAuditRead, entry); !caller) {
      return tl::unexpected(caller.error());
    }
    std::vector<audit::Checkpoint> external;
    const std::optional<std::filesystem::path>& file =
        checkpoint_file ? checkpoint_file : audit_->policy().external_file;
    if (file) {
      auto read = audit::read_checkpoint_file(*file);
      if (!read) {
        return tl::unexpected(read.error());
      }
      external = std::move(*read);
    }
    return audit_->verify(external);
  }();
  // The verification's own entry comes after the entries it verified.
  return released(std::move(entry), std::move(result), {}, false);
}

Result<std::vector<audit::Entry>> Gate::audit_entries(const Principal& principal,
                                                      const audit::LogFilter& filter) {
  audit::Entry entry = start_entry(principal, audit::kActionAuditRead);
  entry.targets.push_back(audit::Target{"AuditLog", "query", 0, ""});
  Result<std::vector<audit::Entry>> result = [&]() -> Result<std::vector<audit::Entry>> {
    if (auto caller = admit(principal, access::Action::kAuditRead, entry); !caller) {
      return tl::unexpected(caller.error());
    }
    return audit_->entries(filter);
  }();
  return released(std::move(entry), std::move(result), {}, false);
}

namespace {

// The longest selector value repeated in a message.
constexpr size_t kMaxShownSelector = 100;

// kNotFound when the scope's actor, session or address appears nowhere in the log: an empty report
// would read as "nothing was touched" about someone the vault never saw (a mistyped session id).
// `window_entries` are the entries of the report's window, searched first.
Result<void> require_in_log(audit::AuditLog& log, const audit::IncidentScope& scope,
                            const std::vector<audit::Entry>& window_entries) {
  audit::LogFilter selector;
  selector.actor_login = scope.actor_login;
  selector.session_id = scope.session_id;
  selector.address = scope.address;
  if (std::ranges::any_of(window_entries, [&](const audit::Entry& entry) {
        return audit::matches(entry, selector);
      })) {
    return {};
  }
  auto ever = log.entries(selector);
  if (!ever) {
    return tl::unexpected(ever.error());
  }
  if (!ever->empty()) {
    return {};
  }
  const auto [french, english] = scope.session_id    ? std::pair{"la session", "session"}
                                 : scope.actor_login ? std::pair{"l'acteur", "actor"}
                                                     : std::pair{"l'adresse", "address"};
  const std::string who = audit::printable(
      scope.session_id.value_or(scope.actor_login.value_or(scope.address.value_or(""))),
      kMaxShownSelector);
  return fail(ErrorCode::kNotFound,
              fmt::format("{} {} n'apparaît nulle part dans le journal d'audit : pas de rapport",
                          french, who),
              fmt::format("{} {} never appears in the audit log: no report", english, who));
}

}  // namespace

Result<audit::IncidentReport> Gate::incident_report(const Principal& principal,
                                                    const audit::IncidentScope& scope) {
  audit::Entry entry = start_entry(principal, audit::kActionIncidentReport);
  std::vector<audit::Target> patients_read;
  Result<audit::IncidentReport> result = [&]() -> Result<audit::IncidentReport> {
    if (auto caller = admit(principal, access::Action::kIncidentReport, entry); !caller) {
      return tl::unexpected(caller.error());
    }
    if (auto valid = audit::check_scope(scope); !valid) {
      return tl::unexpected(valid.error());
    }
    audit::LogFilter window;
    window.since_ms = scope.since_ms;
    window.until_ms = scope.until_ms;
    auto entries = audit_->entries(window);
    if (!entries) {
      return tl::unexpected(entries.error());
    }
    if (auto known = require_in_log(*audit_, scope, *entries); !known) {
      return tl::unexpected(known.error());
    }
    std::vector<audit::PatientAccess> accesses = audit::patients_touched(*entries, scope);
    std::vector<audit::PatientContact> contacts;
    for (const audit::PatientAccess& access : accesses) {
      auto patient = vault_->read("Patient", access.patient_id);
      if (patient) {
        patients_read.push_back(target_of(*patient));
        contacts.push_back(contact_of(*patient));
      } else if (patient.error().code == ErrorCode::kInternal ||
                 patient.error().code == ErrorCode::kIntegrity) {
        return tl::unexpected(patient.error());
      }
    }
    return audit::build_incident_report(scope, std::move(accesses), contacts, clock_.now_ms());
  }();
  return released(std::move(entry), std::move(result), std::move(patients_read), true);
}

}  // namespace vigie::gate
