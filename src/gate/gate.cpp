#include "gate/gate.hpp"

#include <fmt/format.h>

#include "crypto/locked_block.hpp"
#include "crypto/secret_bytes.hpp"
#include "fhir/resource_types.hpp"
#include "fhir/search_index.hpp"
#include "gate/audited_call.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace vigie::gate {

namespace json = boost::json;

namespace {

std::string_view credential_method(const auth::Authenticated& account) {
  return account.is_token ? "api-token" : "session";
}

}  // namespace

Result<void> harden_process() { return crypto::disable_core_dumps(); }

Result<void> check_locked_memory(const config::MemoryConfig& memory) {
  if (auto lockable = crypto::check_memory_locking(memory.locked_bytes()); !lockable) {
    return tl::unexpected(config::with_lower_memory_hint(lockable.error()));
  }
  return {};
}

Gate::Gate(std::unique_ptr<vault::Vault> vault, std::shared_ptr<audit::AuditLog> audit_log,
           std::shared_ptr<ErasureCleanup> cleanup,
           std::shared_ptr<auth::Authenticator> authenticator,
           std::unique_ptr<store::DataStore> accounts, std::filesystem::path dir,
           std::string auth_method, const Clock& clock)
    : vault_(std::move(vault)),
      audit_(std::move(audit_log)),
      cleanup_(std::move(cleanup)),
      authenticator_(std::move(authenticator)),
      accounts_(std::move(accounts)),
      dir_(std::move(dir)),
      auth_method_(std::move(auth_method)),
      clock_(clock) {}

Result<std::unique_ptr<Gate>> Gate::open_sibling() {
  auto vault = vault_->open_sibling();
  if (!vault) {
    return tl::unexpected(vault.error());
  }
  auto accounts = store::sqlite::open_data_connection(dir_);
  if (!accounts) {
    return tl::unexpected(accounts.error());
  }
  std::unique_ptr<Gate> sibling(new Gate(std::move(*vault), audit_, cleanup_, authenticator_,
                                         std::move(*accounts), dir_, auth_method_, clock_));
  sibling->closed_ = true;
  sibling->watch_ = watch_;
  return sibling;
}

Gate::~Gate() {
  if (!closed_) {
    static_cast<void>(close());
  }
}

Result<void> Gate::close() {
  if (!closed_) {
    // The first gate: siblings start closed.
    cleanup_->stop();
  }
  closed_ = true;
  return audit_->checkpoint_now();
}

Result<Gate::Caller> Gate::identify(const Principal& principal, audit::Entry& entry) {
  caller_role_ = {};
  if (principal.custodian() != nullptr) {
    return Caller(*principal.custodian());
  }
  auto account = authenticator_->authenticate(*accounts_, principal.bearer(), principal.address());
  if (!account) {
    return tl::unexpected(account.error());
  }
  Caller caller(std::move(*account));
  entry.actor.login = caller.account.login;
  entry.actor.session_id = caller.account.credential_id;
  entry.actor.auth_method = std::string(credential_method(caller.account));
  caller.subject.role = caller.account.role;
  caller_role_ = access::name_of(caller.account.role);
  if (caller.account.is_token) {
    caller.subject.scopes = caller.account.scopes;
  }
  caller.context.now_ms = clock_.now_ms();
  if (caller.account.role == access::Role::kPractitioner) {
    auto grants = accounts_->break_glass_of(caller.account.login,
                                            caller.context.now_ms - access::kBreakGlassWindowMs);
    if (!grants) {
      return tl::unexpected(grants.error());
    }
    for (const store::BreakGlassRow& row : *grants) {
      caller.context.break_glass.push_back(
          access::BreakGlassGrant{row.id, row.patient_id, row.start_ms});
    }
  }
  return caller;
}

Result<void> Gate::load_assignments(Caller& caller, std::optional<std::string_view> patient_id) {
  if (caller.custodian || caller.account.role != access::Role::kPractitioner ||
      caller.all_assignments_loaded) {
    return {};
  }
  if (patient_id) {
    const std::string patient(*patient_id);
    if (caller.context.assigned_patients.contains(patient)) {
      return {};
    }
    auto assigned = accounts_->is_assigned(caller.account.login, patient);
    if (!assigned) {
      return tl::unexpected(assigned.error());
    }
    if (*assigned) {
      caller.context.assigned_patients.insert(patient);
    }
    return {};
  }
  auto assignments = accounts_->assignments_of(caller.account.login);
  if (!assignments) {
    return tl::unexpected(assignments.error());
  }
  for (const store::AssignmentRow& row : *assignments) {
    caller.context.assigned_patients.insert(row.patient_id);
  }
  caller.all_assignments_loaded = true;
  return {};
}

Result<void> Gate::permit(Caller& caller, access::Action action, const access::Target& target,
                          audit::Entry& entry) {
  if (caller.custodian) {
    return {};
  }
  if (target.reach == access::Reach::kPatient) {
    if (auto loaded = load_assignments(caller, target.patient_id); !loaded) {
      return loaded;
    }
  }
  access::Decision decision;
  if (caller.account.password_change_required) {
    decision.reason = "temporary password must be changed first";
  } else if (caller.account.second_factor_missing) {
    decision.reason = "a second factor must be enrolled first";
  } else {
    decision = access::decide(caller.subject, action, target, caller.context);
  }
  if (!decision.allow) {
    entry.reason = fmt::format("{}: {}", name_of(ErrorCode::kPermissionDenied), decision.reason);
    return fail(ErrorCode::kPermissionDenied, "accès refusé",
                fmt::format("access denied: {}", decision.reason));
  }
  if (decision.break_glass) {
    mark_break_glass(caller, target.patient_id, entry);
  }
  return {};
}

Result<void> Gate::permit_stored(Caller& caller, access::Action action, std::string_view type,
                                 std::string_view id, audit::Entry& entry) {
  if (caller.custodian) {
    return {};
  }
  auto compartment = stored_compartment(type, id);
  if (!compartment) {
    return tl::unexpected(compartment.error());
  }
  return permit(caller, action, target_in(type, *compartment), entry);
}

Result<std::string> Gate::stored_compartment(std::string_view type, std::string_view id) {
  auto where = vault_->locate(type, id);
  if (!where) {
    return tl::unexpected(where.error());
  }
  if (!where->has_value()) {
    return tl::unexpected(unknown_reference(type, id));
  }
  return std::move(**where);
}

Result<void> Gate::require_patient(std::string_view patient_id) {
  if (auto valid = check_reference("Patient", patient_id); !valid) {
    return valid;
  }
  auto compartment = stored_compartment("Patient", patient_id);
  if (!compartment) {
    return tl::unexpected(compartment.error());
  }
  return {};
}

Result<void> Gate::require_resolved_patient(
    const json::object& resource, const std::set<std::string, std::less<>>& bundle_patients) {
  const std::string type = text_field(resource, "resourceType");
  if (type == "Patient") {
    return {};
  }
  const std::optional<std::string> patient = fhir::patient_compartment_of(resource);
  if (!patient) {
    if (fhir::belongs_to_a_patient(type)) {
      return fail(ErrorCode::kUnprocessable,
                  fmt::format("un(e) {} doit nommer son patient (Patient/ID)", type),
                  fmt::format("this {} must name its patient (a Patient/ID reference)", type));
    }
    return {};
  }
  if (bundle_patients.contains(*patient)) {
    return {};
  }
  auto where = vault_->locate("Patient", *patient);
  if (!where) {
    return tl::unexpected(where.error());
  }
  if (!where->has_value()) {
    return fail(ErrorCode::kUnprocessable,
                fmt::format("le patient auquel renvoie ce/cette {} n'existe pas", type),
                fmt::format("the Patient this {} refers to does not exist", type));
  }
  return {};
}

Result<Gate::Caller> Gate::identify_reference(const Principal& principal, std::string_view type,
                                              std::string_view id, audit::Entry& entry) {
  auto caller = identify(principal, entry);
  if (!caller) {
    return caller;
  }
  if (auto valid = check_reference(type, id); !valid) {
    return tl::unexpected(valid.error());
  }
  return caller;
}

Result<Gate::Caller> Gate::admit_search(const Principal& principal, std::string_view type,
                                        audit::Entry& entry) {
  auto caller = identify(principal, entry);
  if (!caller) {
    return caller;
  }
  if (!fhir::is_known_resource_type(type)) {
    return fail(ErrorCode::kUsage, "unknown FHIR resource type");
  }
  if (auto allowed = permit(*caller, access::Action::kSearch,
                            access::Target::all_patients(std::string(type)), entry);
      !allowed) {
    return tl::unexpected(allowed.error());
  }
  return caller;
}

Result<Gate::Caller> Gate::admit_reference(const Principal& principal, access::Action action,
                                           std::string_view type, std::string_view id,
                                           audit::Entry& entry) {
  auto caller = identify_reference(principal, type, id, entry);
  if (!caller) {
    return caller;
  }
  if (auto allowed = permit_stored(*caller, action, type, id, entry); !allowed) {
    return tl::unexpected(allowed.error());
  }
  return caller;
}

Result<Gate::Caller> Gate::admit(const Principal& principal, access::Action action,
                                 audit::Entry& entry) {
  auto caller = identify(principal, entry);
  if (!caller) {
    return caller;
  }
  if (auto allowed = permit(*caller, action, access::Target::none(), entry); !allowed) {
    return tl::unexpected(allowed.error());
  }
  return caller;
}

}  // namespace vigie::gate
