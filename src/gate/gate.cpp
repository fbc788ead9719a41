#include "gate/gate.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "crypto/secret_bytes.hpp"
#include "fhir/bundle.hpp"
#include "fhir/resource_types.hpp"
#include "fhir/search.hpp"

namespace vigie::gate {

namespace {

namespace json = boost::json;

const SystemClock& system_clock() {
  static const SystemClock clock;
  return clock;
}

Result<void> check_reference(std::string_view type, std::string_view id) {
  if (!fhir::is_known_resource_type(type)) {
    return fail(ErrorCode::kUsage, "unknown FHIR resource type");
  }
  if (!fhir::is_valid_id(id)) {
    return fail(ErrorCode::kUsage, "a resource id is 1 to 64 characters among A-Z a-z 0-9 - .");
  }
  return {};
}

std::string_view auth_method_of(const UnlockSecret& secret) {
  return secret.kind == UnlockerKind::kPassphrase ? "passphrase" : "key-file";
}

audit::Actor actor_of(const Principal& principal, std::string_view auth_method) {
  audit::Actor actor;
  actor.kind = audit::ActorKind::kCustodian;
  actor.os_user = principal.os_user;
  actor.session_id = principal.session_id;
  actor.address = principal.address;
  actor.user_agent = principal.user_agent;
  actor.auth_method = std::string(auth_method);
  return actor;
}

audit::Entry entry_for(const Principal& principal, std::string_view auth_method,
                       std::string_view action) {
  audit::Entry entry;
  entry.time_ms = system_clock().now_ms();
  entry.actor = actor_of(principal, auth_method);
  entry.action = std::string(action);
  return entry;
}

void mark_failure(audit::Entry& entry, const Error& error) {
  entry.outcome = error.code == ErrorCode::kPermissionDenied ? audit::Outcome::kDenied
                                                             : audit::Outcome::kFailed;
  entry.reason = std::string(name_of(error.code));
}

audit::Target target_of(const StoredResource& resource) {
  return audit::Target{resource.type, resource.id, resource.version, resource.compartment};
}

std::vector<audit::Target> targets_of(const std::vector<StoredResource>& resources) {
  std::vector<audit::Target> targets;
  targets.reserve(resources.size());
  std::transform(resources.begin(), resources.end(), std::back_inserter(targets), target_of);
  return targets;
}

// `entry` with `targets` added to its own, split over as many entries as the canonical form's
// target limit needs.
std::vector<audit::Entry> with_targets(const audit::Entry& entry,
                                       std::vector<audit::Target> targets, bool count_as_returned) {
  std::vector<audit::Entry> entries;
  size_t begin = 0;
  do {
    const size_t end = std::min(targets.size(), begin + audit::kMaxTargets);
    audit::Entry& part = entries.emplace_back(entry);
    part.targets.insert(part.targets.end(),
                        std::make_move_iterator(targets.begin() + static_cast<ptrdiff_t>(begin)),
                        std::make_move_iterator(targets.begin() + static_cast<ptrdiff_t>(end)));
    if (count_as_returned) {
      part.resources_returned = static_cast<int64_t>(end - begin);
    }
    begin = end;
  } while (begin < targets.size());
  return entries;
}

std::string text_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

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
          if (part.is_string()) {
            contact.given += (contact.given.empty() ? "" : " ") + std::string(part.as_string());
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
        if (line.is_string()) {
          contact.address_lines.emplace_back(line.as_string());
        }
      }
    }
    contact.postal_code = text_field(address, "postalCode");
    contact.city = text_field(address, "city");
  }
  return contact;
}

}  // namespace

void harden_process() { static_cast<void>(crypto::disable_core_dumps()); }

Result<std::unique_ptr<Gate>> Gate::initialize(const std::filesystem::path& dir,
                                               const UnlockSecret& secret,
                                               const std::vector<const UnlockSecret*>& extra,
                                               const audit::CheckpointPolicy& policy,
                                               const Principal& principal) {
  if (policy.external_file) {
    std::error_code error;
    if (!std::filesystem::is_directory(policy.external_file->parent_path(), error)) {
      return fail(ErrorCode::kUsage, "the checkpoint file's directory does not exist");
    }
  }
  auto created = vault::Vault::create(dir, secret, extra, system_clock());
  if (!created) {
    return tl::unexpected(created.error());
  }
  auto connection = vault::open_data_connection(dir);
  if (!connection) {
    return tl::unexpected(connection.error());
  }
  auto signing_key = (*created)->audit_signing_key();
  if (!signing_key) {
    return tl::unexpected(signing_key.error());
  }
  auto log = std::make_unique<audit::AuditLog>(std::move(*connection), std::move(*signing_key),
                                               policy, system_clock());
  std::unique_ptr<Gate> gate(
      new Gate(std::move(*created), std::move(log), std::string(auth_method_of(secret))));
  // The settings and the entry that records them commit together.
  audit::Entry entry = gate->start_entry(principal, audit::kActionConfigChange);
  entry.targets.push_back(audit::Target{"Config", "audit-checkpoints", 0, ""});
  std::optional<audit::Checkpoint> signed_checkpoint;
  auto stored = [&]() -> Result<void> {
    auto opened = vault::open_data_connection(dir);
    if (!opened) {
      return tl::unexpected(opened.error());
    }
    store::DataStore& data = **opened;
    if (auto begun = data.begin(); !begun) {
      return begun;
    }
    if (auto saved = audit::store_policy(data, policy); !saved) {
      data.rollback();
      return saved;
    }
    auto appended = gate->audit_->append_in(data, {entry});
    if (!appended) {
      data.rollback();
      return tl::unexpected(appended.error());
    }
    signed_checkpoint = std::move(*appended);
    return data.commit_durable();
  }();
  if (!stored) {
    return tl::unexpected(stored.error());
  }
  if (auto published = gate->audit_->publish(signed_checkpoint); !published) {
    return tl::unexpected(published.error());
  }
  // A checkpoint from the first entry on: the external file exists as soon as the vault does, so
  // its disappearance is always a finding.
  if (auto signed_first = gate->audit_->checkpoint_now(); !signed_first) {
    return tl::unexpected(signed_first.error());
  }
  return gate;
}

Result<std::unique_ptr<Gate>> Gate::open(const std::filesystem::path& dir,
                                         const UnlockSecret& secret, const Principal& principal) {
  auto opened = vault::Vault::open(dir, secret, system_clock());
  if (!opened) {
    if (opened.error().code == ErrorCode::kUnlockFailed) {
      // Recorded without the key: the entry is hashed into the chain, and the next unlocked
      // command signs a checkpoint over it. The unlock error is what the caller needs to see.
      if (auto connection = vault::open_data_connection(dir)) {
        audit::AuditLog log(std::move(*connection), std::nullopt, audit::CheckpointPolicy{},
                            system_clock());
        audit::Entry entry =
            entry_for(principal, auth_method_of(secret), audit::kActionUnlockFailed);
        mark_failure(entry, opened.error());
        static_cast<void>(log.record({std::move(entry)}));
      }
    }
    return tl::unexpected(opened.error());
  }
  auto connection = vault::open_data_connection(dir);
  if (!connection) {
    return tl::unexpected(connection.error());
  }
  auto policy = audit::load_policy(**connection);
  if (!policy) {
    return tl::unexpected(policy.error());
  }
  auto signing_key = (*opened)->audit_signing_key();
  if (!signing_key) {
    return tl::unexpected(signing_key.error());
  }
  auto log = std::make_unique<audit::AuditLog>(std::move(*connection), std::move(*signing_key),
                                               std::move(*policy), system_clock());
  std::unique_ptr<Gate> gate(
      new Gate(std::move(*opened), std::move(log), std::string(auth_method_of(secret))));
  if (auto recorded = gate->audit_->record({gate->start_entry(principal, audit::kActionUnlock)});
      !recorded) {
    return tl::unexpected(recorded.error());
  }
  return gate;
}

Gate::Gate(std::unique_ptr<vault::Vault> vault, std::shared_ptr<audit::AuditLog> audit_log,
           std::string auth_method)
    : vault_(std::move(vault)),
      audit_(std::move(audit_log)),
      auth_method_(std::move(auth_method)) {}

Result<std::unique_ptr<Gate>> Gate::open_sibling() {
  auto vault = vault_->open_sibling();
  if (!vault) {
    return tl::unexpected(vault.error());
  }
  std::unique_ptr<Gate> sibling(new Gate(std::move(*vault), audit_, auth_method_));
  sibling->closed_ = true;
  return sibling;
}

Gate::~Gate() {
  if (!closed_) {
    static_cast<void>(close());
  }
}

Result<void> Gate::close() {
  closed_ = true;
  return audit_->checkpoint_now();
}

Result<void> Gate::authorize(const Principal& principal) const {
  if (principal.kind == Principal::Kind::kCustodian) {
    return {};
  }
  return fail(ErrorCode::kPermissionDenied, "this principal may not use the vault");
}

Result<void> Gate::authorize_reference(const Principal& principal, std::string_view type,
                                       std::string_view id) const {
  if (auto allowed = authorize(principal); !allowed) {
    return allowed;
  }
  return check_reference(type, id);
}

audit::Entry Gate::start_entry(const Principal& principal, std::string_view action) const {
  return entry_for(principal, auth_method_, action);
}

template <typename T>
Result<T> Gate::released(audit::Entry entry, Result<T> result, std::vector<audit::Target> targets,
                         bool decrypted) {
  std::vector<audit::Entry> entries;
  if (result) {
    entry.decrypted_data_left = decrypted && !targets.empty();
    entries = with_targets(entry, std::move(targets), decrypted);
  } else {
    mark_failure(entry, result.error());
    entries = with_targets(entry, std::move(targets), false);
  }
  if (auto recorded = audit_->record(std::move(entries)); !recorded) {
    return fail(ErrorCode::kInternal,
                fmt::format("the audit log could not record this call, so nothing is returned: {}",
                            recorded.error().message));
  }
  return result;
}

vault::BeforeCommit Gate::write_hook(const audit::Entry& entry,
                                     std::vector<audit::Checkpoint>& signed_checkpoints) {
  return [this, &entry, &signed_checkpoints](
             store::DataStore& transaction,
             std::span<const vault::EntryOutcome> written) -> Result<void> {
    std::vector<audit::Target> targets;
    targets.reserve(written.size());
    for (const vault::EntryOutcome& outcome : written) {
      targets.push_back(
          audit::Target{outcome.type, outcome.id, outcome.version, outcome.compartment});
    }
    auto appended = audit_->append_in(transaction, with_targets(entry, std::move(targets), false));
    if (!appended) {
      return tl::unexpected(appended.error());
    }
    if (const std::optional<audit::Checkpoint>& checkpoint = *appended; checkpoint.has_value()) {
      signed_checkpoints.push_back(*checkpoint);
    }
    return {};
  };
}

template <typename T>
Result<T> Gate::committed(audit::Entry entry, Result<T> result,
                          const std::vector<audit::Checkpoint>& signed_checkpoints) {
  if (!result) {
    // The transaction rolled back with its entry: the failure gets an entry of its own.
    return released(std::move(entry), std::move(result), {}, false);
  }
  for (const audit::Checkpoint& checkpoint : signed_checkpoints) {
    if (auto published = audit_->publish(checkpoint); !published) {
      return fail(ErrorCode::kInternal,
                  fmt::format("the change is saved, but its checkpoint could not be appended to "
                              "the checkpoint file: {}",
                              published.error().message));
    }
  }
  return result;
}

Result<StoredResource> Gate::read(const Principal& principal, std::string_view type,
                                  std::string_view id) {
  audit::Entry entry = start_entry(principal, audit::kActionRead);
  std::vector<audit::Target> requested{audit::Target{std::string(type), std::string(id), 0, ""}};
  Result<StoredResource> result = [&]() -> Result<StoredResource> {
    if (auto allowed = authorize_reference(principal, type, id); !allowed) {
      return tl::unexpected(allowed.error());
    }
    return vault_->read(type, id);
  }();
  auto targets = result ? std::vector{target_of(*result)} : requested;
  return released(std::move(entry), std::move(result), std::move(targets), true);
}

Result<StoredResource> Gate::read_version(const Principal& principal, std::string_view type,
                                          std::string_view id, int64_t version) {
  audit::Entry entry = start_entry(principal, audit::kActionVread);
  std::vector<audit::Target> requested{
      audit::Target{std::string(type), std::string(id), version, ""}};
  Result<StoredResource> result = [&]() -> Result<StoredResource> {
    if (auto allowed = authorize_reference(principal, type, id); !allowed) {
      return tl::unexpected(allowed.error());
    }
    if (version < 1) {
      return fail(ErrorCode::kUsage, "a version number starts at 1");
    }
    return vault_->read_version(type, id, version);
  }();
  auto targets = result ? std::vector{target_of(*result)} : requested;
  return released(std::move(entry), std::move(result), std::move(targets), true);
}

Result<std::vector<StoredResource>> Gate::history(const Principal& principal, std::string_view type,
                                                  std::string_view id) {
  audit::Entry entry = start_entry(principal, audit::kActionHistory);
  Result<std::vector<StoredResource>> result = [&]() -> Result<std::vector<StoredResource>> {
    if (auto allowed = authorize_reference(principal, type, id); !allowed) {
      return tl::unexpected(allowed.error());
    }
    return vault_->history(type, id);
  }();
  auto targets = result ? targets_of(*result)
                        : std::vector{audit::Target{std::string(type), std::string(id), 0, ""}};
  return released(std::move(entry), std::move(result), std::move(targets), true);
}

Result<SearchPage> Gate::search(const Principal& principal, std::string_view type,
                                const std::vector<std::pair<std::string, std::string>>& params) {
  audit::Entry entry = start_entry(principal, audit::kActionSearch);
  Result<SearchPage> result = [&]() -> Result<SearchPage> {
    if (auto allowed = authorize(principal); !allowed) {
      return tl::unexpected(allowed.error());
    }
    auto query = fhir::parse_search(type, params);
    if (!query) {
      return tl::unexpected(query.error());
    }
    return vault_->search(*query);
  }();
  auto targets = result ? targets_of(result->matches)
                        : std::vector{audit::Target{std::string(type), "", 0, ""}};
  return released(std::move(entry), std::move(result), std::move(targets), true);
}

Result<StoredResource> Gate::create(const Principal& principal, json::object resource) {
  audit::Entry entry = start_entry(principal, audit::kActionCreate);
  if (auto allowed = authorize(principal); !allowed) {
    return released(std::move(entry), Result<StoredResource>(tl::unexpected(allowed.error())), {},
                    false);
  }
  std::vector<audit::Checkpoint> signed_checkpoints;
  auto result = vault_->create(std::move(resource), write_hook(entry, signed_checkpoints));
  return committed(std::move(entry), std::move(result), signed_checkpoints);
}

Result<StoredResource> Gate::update(const Principal& principal, std::string_view type,
                                    std::string_view id, json::object resource) {
  audit::Entry entry = start_entry(principal, audit::kActionUpdate);
  entry.targets.push_back(audit::Target{std::string(type), std::string(id), 0, ""});
  if (auto allowed = authorize_reference(principal, type, id); !allowed) {
    return released(std::move(entry), Result<StoredResource>(tl::unexpected(allowed.error())), {},
                    false);
  }
  audit::Entry written = entry;
  written.targets.clear();
  std::vector<audit::Checkpoint> signed_checkpoints;
  auto result =
      vault_->update(type, id, std::move(resource), write_hook(written, signed_checkpoints));
  return committed(std::move(entry), std::move(result), signed_checkpoints);
}

Result<StoredResource> Gate::remove(const Principal& principal, std::string_view type,
                                    std::string_view id) {
  audit::Entry entry = start_entry(principal, audit::kActionDelete);
  entry.targets.push_back(audit::Target{std::string(type), std::string(id), 0, ""});
  if (auto allowed = authorize_reference(principal, type, id); !allowed) {
    return released(std::move(entry), Result<StoredResource>(tl::unexpected(allowed.error())), {},
                    false);
  }
  audit::Entry written = entry;
  written.targets.clear();
  std::vector<audit::Checkpoint> signed_checkpoints;
  auto result = vault_->remove(type, id, write_hook(written, signed_checkpoints));
  return committed(std::move(entry), std::move(result), signed_checkpoints);
}

Result<void> Gate::check_bundle(const Principal& principal, const json::object& bundle) {
  audit::Entry entry = start_entry(principal, audit::kActionValidate);
  Result<void> result = [&]() -> Result<void> {
    if (auto allowed = authorize(principal); !allowed) {
      return allowed;
    }
    auto plan = fhir::plan_bundle(bundle, &vault::Vault::new_id);
    if (!plan) {
      return tl::unexpected(plan.error());
    }
    return {};
  }();
  return released(std::move(entry), std::move(result), {}, false);
}

Result<BundleOutcome> Gate::import_bundle(const Principal& principal, const json::object& bundle) {
  audit::Entry entry = start_entry(principal, audit::kActionImport);
  if (auto allowed = authorize(principal); !allowed) {
    return released(std::move(entry), Result<BundleOutcome>(tl::unexpected(allowed.error())), {},
                    false);
  }
  auto plan = fhir::plan_bundle(bundle, &vault::Vault::new_id);
  if (!plan) {
    return released(std::move(entry), Result<BundleOutcome>(tl::unexpected(plan.error())), {},
                    false);
  }
  std::vector<audit::Checkpoint> signed_checkpoints;
  auto result = vault_->apply_bundle(*plan, write_hook(entry, signed_checkpoints));
  if (result) {
    // Batch entries that failed wrote nothing; they get one entry of their own.
    std::vector<audit::Target> rejected;
    std::optional<ErrorCode> first_error;
    for (const vault::EntryOutcome& outcome : result->entries) {
      if (outcome.error) {
        rejected.push_back(audit::Target{outcome.type, outcome.id, 0, ""});
        first_error = first_error.value_or(outcome.error->code);
      }
    }
    if (first_error) {
      audit::Entry failed = entry;
      mark_failure(failed, Error{*first_error, ""});
      if (auto recorded = audit_->record(with_targets(failed, std::move(rejected), false));
          !recorded) {
        return tl::unexpected(recorded.error());
      }
    }
  }
  return committed(std::move(entry), std::move(result), signed_checkpoints);
}

Result<vault::ErasureOutcome> Gate::erase_patient(const Principal& principal,
                                                  std::string_view patient_id) {
  audit::Entry entry = start_entry(principal, audit::kActionErase);
  entry.targets.push_back(
      audit::Target{"Patient", std::string(patient_id), 0, std::string(patient_id)});
  if (auto allowed = authorize(principal); !allowed) {
    return released(std::move(entry),
                    Result<vault::ErasureOutcome>(tl::unexpected(allowed.error())), {}, false);
  }
  if (auto valid = check_reference("Patient", patient_id); !valid) {
    return released(std::move(entry), Result<vault::ErasureOutcome>(tl::unexpected(valid.error())),
                    {}, false);
  }
  std::vector<audit::Checkpoint> signed_checkpoints;
  auto result = vault_->erase_patient(
      patient_id, [&](store::DataStore& transaction, const vault::ErasureOutcome&) -> Result<void> {
        auto appended = audit_->append_in(transaction, {entry});
        if (!appended) {
          return tl::unexpected(appended.error());
        }
        if (const std::optional<audit::Checkpoint>& checkpoint = *appended; checkpoint) {
          signed_checkpoints.push_back(*checkpoint);
        }
        return {};
      });
  return committed(std::move(entry), std::move(result), signed_checkpoints);
}

Result<std::map<std::string, int64_t>> Gate::count_by_type(const Principal& principal) {
  audit::Entry entry = start_entry(principal, audit::kActionCount);
  Result<std::map<std::string, int64_t>> result = [&]() -> Result<std::map<std::string, int64_t>> {
    if (auto allowed = authorize(principal); !allowed) {
      return tl::unexpected(allowed.error());
    }
    return vault_->count_by_type();
  }();
  return released(std::move(entry), std::move(result), {}, false);
}

Result<audit::VerifyReport> Gate::verify_audit(
    const Principal& principal, const std::optional<std::filesystem::path>& checkpoint_file) {
  audit::Entry entry = start_entry(principal, audit::kActionAuditRead);
  entry.targets.push_back(audit::Target{"AuditLog", "verify", 0, ""});
  Result<audit::VerifyReport> result = [&]() -> Result<audit::VerifyReport> {
    if (auto allowed = authorize(principal); !allowed) {
      return tl::unexpected(allowed.error());
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
    if (auto allowed = authorize(principal); !allowed) {
      return tl::unexpected(allowed.error());
    }
    return audit_->entries(filter);
  }();
  return released(std::move(entry), std::move(result), {}, false);
}

Result<audit::IncidentReport> Gate::incident_report(const Principal& principal,
                                                    const audit::IncidentScope& scope) {
  audit::Entry entry = start_entry(principal, audit::kActionIncidentReport);
  std::vector<audit::Target> patients_read;
  Result<audit::IncidentReport> result = [&]() -> Result<audit::IncidentReport> {
    if (auto allowed = authorize(principal); !allowed) {
      return tl::unexpected(allowed.error());
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
    return audit::build_incident_report(scope, std::move(accesses), contacts,
                                        system_clock().now_ms());
  }();
  return released(std::move(entry), std::move(result), std::move(patients_read), true);
}

}  // namespace vigie::gate
