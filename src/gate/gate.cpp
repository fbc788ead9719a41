#include "gate/gate.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "audit/display.hpp"
#include "auth/totp.hpp"
#include "common/utf8.hpp"
#include "crypto/secret_bytes.hpp"
#include "fhir/bundle.hpp"
#include "fhir/identifiers.hpp"
#include "fhir/json.hpp"
#include "fhir/resource_types.hpp"
#include "fhir/search.hpp"
#include "fhir/search_index.hpp"

namespace vigie::gate {

namespace {

namespace json = boost::json;

std::string text_field(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  const json::string* text = value != nullptr ? fhir::json_string(*value) : nullptr;
  return text != nullptr ? std::string(*text) : std::string();
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

audit::Actor actor_of(const LocalUser& user, std::string_view auth_method) {
  audit::Actor actor;
  actor.kind = audit::ActorKind::kCustodian;
  actor.os_user = user.os_user;
  actor.session_id = user.session_id;
  actor.user_agent = user.user_agent;
  actor.auth_method = std::string(auth_method);
  return actor;
}

audit::Actor actor_of(const Principal& principal, std::string_view auth_method) {
  if (principal.custodian() != nullptr) {
    return actor_of(principal.custodian()->user(), auth_method);
  }
  audit::Actor actor;
  actor.kind = audit::ActorKind::kAccount;
  actor.address = principal.address();
  actor.user_agent = principal.user_agent();
  return actor;
}

audit::Entry entry_for(audit::Actor actor, std::string_view action, const Clock& clock) {
  audit::Entry entry;
  entry.time_ms = clock.now_ms();
  entry.actor = std::move(actor);
  entry.action = std::string(action);
  return entry;
}

// A refusal (not allowed, not authenticated, throttled) is a denial, anything else a failure. A
// denial's reason may have been written by Gate::permit(); otherwise the code's name is recorded.
void mark_failure(audit::Entry& entry, const Error& error) {
  const bool refused = error.code == ErrorCode::kPermissionDenied ||
                       error.code == ErrorCode::kAuthenticationFailed ||
                       error.code == ErrorCode::kTooManyAttempts;
  entry.outcome = refused ? audit::Outcome::kDenied : audit::Outcome::kFailed;
  if (entry.reason.empty()) {
    entry.reason = std::string(name_of(error.code));
  }
}

// Where a stored resource lies, for access/.
access::Target target_in(std::string_view type, const std::string& compartment) {
  return compartment == vault::kSharedCompartment
             ? access::Target::shared(std::string(type))
             : access::Target::patient(std::string(type), compartment);
}

// Where a resource about to be written lands. A new Patient without an id yet is its own,
// unnamed, compartment.
access::Target target_of_resource(const json::object& resource) {
  const std::string type = text_field(resource, "resourceType");
  if (type == "Patient") {
    const std::string id = text_field(resource, "id");
    return access::Target::patient(type, id.empty() ? std::string("(new)") : id);
  }
  std::optional<std::string> patient = fhir::patient_compartment_of(resource);
  return patient ? access::Target::patient(type, *patient) : access::Target::shared(type);
}

std::string_view credential_method(const auth::Authenticated& account) {
  return account.is_token ? "api-token" : "session";
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

Result<void> harden_process() {
  if (auto no_dumps = crypto::disable_core_dumps(); !no_dumps) {
    return no_dumps;
  }
  return crypto::check_memory_locking();
}

namespace {

// The authenticator of an unlocked vault, with the settings stored in it.
Result<std::shared_ptr<auth::Authenticator>> authenticator_for(vault::Vault& vault,
                                                               store::DataStore& data,
                                                               const Clock& clock) {
  auto settings = auth::load_settings(data);
  if (!settings) {
    return tl::unexpected(settings.error());
  }
  return std::make_shared<auth::Authenticator>(
      auth::AuthKeys{vault.session_pepper(), vault.account_secret_key()}, *settings, clock);
}

}  // namespace

Result<Unlocked> Gate::initialize(const std::filesystem::path& dir, const UnlockSecret& secret,
                                  const std::vector<const UnlockSecret*>& extra,
                                  const audit::CheckpointPolicy& policy, const LocalUser& user,
                                  const auth::AuthSettings& auth_settings, const Clock& clock) {
  if (policy.external_file) {
    std::error_code error;
    if (!std::filesystem::is_directory(policy.external_file->parent_path(), error)) {
      return fail(ErrorCode::kUsage, "the checkpoint file's directory does not exist");
    }
  }
  auto created = vault::Vault::create(dir, secret, extra, clock);
  if (!created) {
    return tl::unexpected(created.error());
  }
  auto log_connection = vault::open_data_connection(dir);
  if (!log_connection) {
    return tl::unexpected(log_connection.error());
  }
  auto accounts = vault::open_data_connection(dir);
  if (!accounts) {
    return tl::unexpected(accounts.error());
  }
  auto signing_key = (*created)->audit_signing_key();
  if (!signing_key) {
    return tl::unexpected(signing_key.error());
  }
  auto log = std::make_unique<audit::AuditLog>(std::move(*log_connection), std::move(*signing_key),
                                               policy, clock);
  auto authenticator = std::make_shared<auth::Authenticator>(
      auth::AuthKeys{(*created)->session_pepper(), (*created)->account_secret_key()}, auth_settings,
      clock);
  std::unique_ptr<Gate> gate(new Gate(std::move(*created), std::move(log), std::move(authenticator),
                                      std::move(*accounts), dir,
                                      std::string(auth_method_of(secret)), clock));
  Custodian custodian(user);
  // The settings and the entry that records them commit together.
  audit::Entry entry = gate->start_entry(custodian, audit::kActionConfigChange);
  entry.targets.push_back(audit::Target{"Config", "audit-checkpoints", 0, ""});
  entry.targets.push_back(audit::Target{"Config", "auth", 0, ""});
  auto stored = gate->account_change<void>(entry, [&](store::DataStore& data) -> Result<void> {
    if (auto saved = audit::store_policy(data, policy); !saved) {
      return saved;
    }
    return auth::store_settings(data, auth_settings);
  });
  if (!stored) {
    return tl::unexpected(stored.error());
  }
  // A checkpoint from the first entry on: the external file exists as soon as the vault does, so
  // its disappearance is always a finding.
  if (auto signed_first = gate->audit_->checkpoint_now(); !signed_first) {
    return tl::unexpected(signed_first.error());
  }
  return Unlocked{std::move(gate), std::move(custodian)};
}

Result<Unlocked> Gate::open(const std::filesystem::path& dir, const UnlockSecret& secret,
                            const LocalUser& user, const Clock& clock) {
  auto opened = vault::Vault::open(dir, secret, clock);
  if (!opened) {
    if (opened.error().code != ErrorCode::kNotFound) {
      // Any failed attempt on a vault that exists (a wrong secret, a malformed key file, a
      // damaged keyring) is recorded without the key: the entry is hashed into the chain, and the
      // next unlocked command signs a checkpoint over it. The unlock error is what the caller needs
      // to see.
      if (auto connection = vault::open_data_connection(dir)) {
        audit::AuditLog log(std::move(*connection), std::nullopt, audit::CheckpointPolicy{}, clock);
        audit::Entry entry =
            entry_for(actor_of(user, auth_method_of(secret)), audit::kActionUnlockFailed, clock);
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
  auto accounts = vault::open_data_connection(dir);
  if (!accounts) {
    return tl::unexpected(accounts.error());
  }
  auto policy = audit::load_policy(**connection);
  if (!policy) {
    return tl::unexpected(policy.error());
  }
  auto authenticator = authenticator_for(**opened, **accounts, clock);
  if (!authenticator) {
    return tl::unexpected(authenticator.error());
  }
  auto signing_key = (*opened)->audit_signing_key();
  if (!signing_key) {
    return tl::unexpected(signing_key.error());
  }
  auto log = std::make_unique<audit::AuditLog>(std::move(*connection), std::move(*signing_key),
                                               std::move(*policy), clock);
  std::unique_ptr<Gate> gate(new Gate(std::move(*opened), std::move(log), std::move(*authenticator),
                                      std::move(*accounts), dir,
                                      std::string(auth_method_of(secret)), clock));
  Custodian custodian(user);
  std::vector<audit::Entry> entries{gate->start_entry(custodian, audit::kActionUnlock)};
  for (const std::string& patient_id : gate->vault_->erasures_finished_at_open()) {
    audit::Entry finished = gate->start_entry(custodian, audit::kActionErase);
    finished.targets.push_back(audit::Target{"Patient", patient_id, 0, patient_id});
    finished.purpose = std::string(kErasureFinishedAtUnlock);
    entries.push_back(std::move(finished));
  }
  if (auto recorded = gate->audit_->record(entries); !recorded) {
    return tl::unexpected(recorded.error());
  }
  return Unlocked{std::move(gate), std::move(custodian)};
}

Gate::Gate(std::unique_ptr<vault::Vault> vault, std::shared_ptr<audit::AuditLog> audit_log,
           std::shared_ptr<auth::Authenticator> authenticator,
           std::unique_ptr<store::DataStore> accounts, std::filesystem::path dir,
           std::string auth_method, const Clock& clock)
    : vault_(std::move(vault)),
      audit_(std::move(audit_log)),
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
  auto accounts = vault::open_data_connection(dir_);
  if (!accounts) {
    return tl::unexpected(accounts.error());
  }
  std::unique_ptr<Gate> sibling(new Gate(std::move(*vault), audit_, authenticator_,
                                         std::move(*accounts), dir_, auth_method_, clock_));
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

Result<Gate::Caller> Gate::identify(const Principal& principal, audit::Entry& entry) {
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

void Gate::mark_break_glass(const Caller& caller, std::string_view patient_id,
                            audit::Entry& entry) {
  entry.break_glass = true;
  for (const access::BreakGlassGrant& grant : caller.context.break_glass) {
    if (access::is_active(grant, patient_id, caller.context.now_ms)) {
      const std::string named = fmt::format("break-glass grant {}", grant.id);
      if (entry.purpose.find(named) == std::string::npos) {
        entry.purpose += (entry.purpose.empty() ? "" : "; ") + named;
      }
    }
  }
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
    return fail(ErrorCode::kNotFound, fmt::format("{}/{} introuvable", type, id),
                fmt::format("{}/{} not found", type, id));
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

Result<Gate::Caller> Gate::admit_reference(const Principal& principal, access::Action action,
                                           std::string_view type, std::string_view id,
                                           audit::Entry& entry) {
  auto caller = identify(principal, entry);
  if (!caller) {
    return caller;
  }
  if (auto valid = check_reference(type, id); !valid) {
    return tl::unexpected(valid.error());
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

audit::Entry Gate::start_entry(const Principal& principal, std::string_view action) const {
  return entry_for(actor_of(principal, auth_method_), action, clock_);
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
                                     std::vector<audit::Checkpoint>& signed_checkpoints,
                                     WriteEffects effects) {
  return [this, &entry, &signed_checkpoints, effects = std::move(effects)](
             store::DataStore& transaction,
             std::span<const vault::EntryOutcome> written) -> Result<void> {
    if (effects) {
      if (auto applied = effects(transaction, written); !applied) {
        return applied;
      }
    }
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

template <typename T>
Result<T> Gate::account_change(audit::Entry entry,
                               const std::function<Result<T>(store::DataStore&)>& work) {
  std::vector<audit::Checkpoint> signed_checkpoints;
  Result<T> result = [&]() -> Result<T> {
    if (auto begun = accounts_->begin(); !begun) {
      return tl::unexpected(begun.error());
    }
    Result<T> done = work(*accounts_);
    if (!done) {
      accounts_->rollback();
      return done;
    }
    auto appended = audit_->append_in(*accounts_, {entry});
    if (!appended) {
      accounts_->rollback();
      return tl::unexpected(appended.error());
    }
    if (const std::optional<audit::Checkpoint>& checkpoint = *appended; checkpoint.has_value()) {
      signed_checkpoints.push_back(*checkpoint);
    }
    if (auto saved = accounts_->commit_durable(); !saved) {
      return tl::unexpected(saved.error());
    }
    return done;
  }();
  return committed(std::move(entry), std::move(result), signed_checkpoints);
}

Result<Gate::CareTeamMembers> Gate::care_team_members(const json::object& care_team) {
  CareTeamMembers members;
  const std::optional<std::string> patient = fhir::patient_compartment_of(care_team);
  const json::value* participants = care_team.if_contains("participant");
  if (!patient || participants == nullptr || !participants->is_array()) {
    return members;
  }
  members.patient_id = *patient;
  std::set<std::string> rpps_numbers;
  for (const json::value& participant : participants->as_array()) {
    const json::value* member =
        participant.is_object() ? participant.as_object().if_contains("member") : nullptr;
    if (member == nullptr || !member->is_object()) {
      continue;
    }
    // The member's own identifier, never the Practitioner resource it may also reference: any
    // practitioner or assistant may edit that resource, and adding one's RPPS number to a
    // colleague's would gain their patients.
    const json::value* identifier = member->as_object().if_contains("identifier");
    if (identifier != nullptr && identifier->is_object() &&
        text_field(identifier->as_object(), "system") == fhir::kRppsSystem) {
      rpps_numbers.insert(text_field(identifier->as_object(), "value"));
    }
  }
  if (rpps_numbers.empty()) {
    return members;
  }
  auto accounts = accounts_->accounts();
  if (!accounts) {
    return tl::unexpected(accounts.error());
  }
  for (const store::AccountRow& account : *accounts) {
    if (!account.rpps.empty() && rpps_numbers.contains(account.rpps) &&
        account.role == access::name_of(access::Role::kPractitioner)) {
      members.logins.push_back(account.login);
    }
  }
  return members;
}

Result<void> Gate::replace_care_team_assignments(store::DataStore& tx,
                                                 const std::string& care_team_id,
                                                 const CareTeamMembers& members) const {
  const std::string source = "CareTeam/" + care_team_id;
  if (auto removed = tx.remove_assignments_from(source); !removed) {
    return tl::unexpected(removed.error());
  }
  for (const std::string& login : members.logins) {
    auto added =
        tx.add_assignment(store::AssignmentRow{login, members.patient_id, source, clock_.now_ms()});
    if (!added) {
      return tl::unexpected(added.error());
    }
  }
  return {};
}

Result<StoredResource> Gate::read(const Principal& principal, std::string_view type,
                                  std::string_view id) {
  audit::Entry entry = start_entry(principal, audit::kActionRead);
  std::vector<audit::Target> requested{audit::Target{std::string(type), std::string(id), 0, ""}};
  Result<StoredResource> result = [&]() -> Result<StoredResource> {
    auto caller = identify(principal, entry);
    if (!caller) {
      return tl::unexpected(caller.error());
    }
    if (auto valid = check_reference(type, id); !valid) {
      return tl::unexpected(valid.error());
    }
    // Read once, then decide on the compartment of the version read: a concurrent update that
    // moves the resource cannot slip between the decision and the data.
    auto current = vault_->read_current(type, id);
    if (!current) {
      return current;
    }
    if (auto allowed =
            permit(*caller, access::Action::kRead, target_in(type, current->compartment), entry);
        !allowed) {
      return tl::unexpected(allowed.error());
    }
    if (current->deleted) {
      return fail(ErrorCode::kGone, fmt::format("{}/{} supprimé", type, id),
                  fmt::format("{}/{} was deleted", type, id));
    }
    return current;
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
    auto caller = identify(principal, entry);
    if (!caller) {
      return tl::unexpected(caller.error());
    }
    if (auto valid = check_reference(type, id); !valid) {
      return tl::unexpected(valid.error());
    }
    if (version < 1) {
      return fail(ErrorCode::kUsage, "a version number starts at 1");
    }
    // Decided on the version asked for, which may lie in another compartment than the current
    // one (a resource moved from one patient to another).
    auto stored = vault_->read_version(type, id, version);
    if (!stored) {
      // Whether a version exists is told only to whoever may read the resource where it is now.
      if (stored.error().code == ErrorCode::kNotFound) {
        if (auto allowed = permit_stored(*caller, access::Action::kVread, type, id, entry);
            !allowed) {
          return tl::unexpected(allowed.error());
        }
      }
      return stored;
    }
    if (auto allowed =
            permit(*caller, access::Action::kVread, target_in(type, stored->compartment), entry);
        !allowed) {
      return tl::unexpected(allowed.error());
    }
    return stored;
  }();
  auto targets = result ? std::vector{target_of(*result)} : requested;
  return released(std::move(entry), std::move(result), std::move(targets), true);
}

Result<std::vector<StoredResource>> Gate::history(const Principal& principal, std::string_view type,
                                                  std::string_view id) {
  audit::Entry entry = start_entry(principal, audit::kActionHistory);
  // Versions left out because the caller may not read the compartment they lie in.
  std::vector<audit::Target> withheld;
  audit::Entry withheld_entry = entry;
  Result<std::vector<StoredResource>> result = [&]() -> Result<std::vector<StoredResource>> {
    auto caller = identify(principal, entry);
    if (!caller) {
      return tl::unexpected(caller.error());
    }
    if (auto valid = check_reference(type, id); !valid) {
      return tl::unexpected(valid.error());
    }
    auto versions = vault_->history(type, id);
    if (!versions) {
      return versions;
    }
    // Decided per version: a resource moved from patient A to patient B keeps A's versions
    // from B's care team, and B's from A's.
    std::vector<StoredResource> allowed_versions;
    std::optional<Error> denial;
    for (StoredResource& version : *versions) {
      audit::Entry decision = entry;
      auto allowed =
          permit(*caller, access::Action::kHistory, target_in(type, version.compartment), decision);
      if (allowed) {
        if (decision.break_glass) {
          entry.break_glass = true;
          entry.purpose = decision.purpose;
        }
        allowed_versions.push_back(std::move(version));
      } else if (allowed.error().code == ErrorCode::kPermissionDenied) {
        withheld.push_back(target_of(version));
        withheld_entry.actor = decision.actor;
        withheld_entry.reason = decision.reason;
        denial = allowed.error();
      } else {
        return tl::unexpected(allowed.error());
      }
    }
    if (allowed_versions.empty() && denial) {
      entry.reason = withheld_entry.reason;
      withheld.clear();
      return tl::unexpected(*denial);
    }
    return allowed_versions;
  }();
  if (result && !withheld.empty()) {
    // The versions left out are a denial of their own, next to the entry of what was returned.
    withheld_entry.outcome = audit::Outcome::kDenied;
    if (auto recorded = audit_->record(with_targets(withheld_entry, std::move(withheld), false));
        !recorded) {
      return fail(
          ErrorCode::kInternal,
          fmt::format("the audit log could not record this call, so nothing is returned: {}",
                      recorded.error().message));
    }
  }
  auto targets = result ? targets_of(*result)
                        : std::vector{audit::Target{std::string(type), std::string(id), 0, ""}};
  return released(std::move(entry), std::move(result), std::move(targets), true);
}

Result<SearchPage> Gate::search(const Principal& principal, std::string_view type,
                                const std::vector<std::pair<std::string, std::string>>& params) {
  audit::Entry entry = start_entry(principal, audit::kActionSearch);
  Result<SearchPage> result = [&]() -> Result<SearchPage> {
    auto caller = identify(principal, entry);
    if (!caller) {
      return tl::unexpected(caller.error());
    }
    if (!fhir::is_known_resource_type(type)) {
      return fail(ErrorCode::kUsage, "unknown FHIR resource type");
    }
    if (auto allowed = permit(*caller, access::Action::kSearch,
                              access::Target::all_patients(std::string(type)), entry);
        !allowed) {
      return tl::unexpected(allowed.error());
    }
    auto query = fhir::parse_search(type, params);
    if (!query) {
      return tl::unexpected(query.error());
    }
    if (caller->custodian) {
      return vault_->search(*query);
    }
    if (auto loaded = load_assignments(*caller, std::nullopt); !loaded) {
      return tl::unexpected(loaded.error());
    }
    // Each match must be readable on its own: hits outside the caller's reach are left out of
    // the page and of the total. The vault decides again on each version it decrypts.
    std::set<std::string> through_break_glass;
    auto page = vault_->search(*query, [&](const std::string& compartment) {
      const access::Decision decision = access::decide(
          caller->subject, access::Action::kRead, target_in(type, compartment), caller->context);
      if (decision.allow && decision.break_glass) {
        through_break_glass.insert(compartment);
      }
      return decision.allow;
    });
    if (page) {
      // Hits returned through a grant flag the entry, like a read through it.
      for (const StoredResource& match : page->matches) {
        if (through_break_glass.contains(match.compartment)) {
          mark_break_glass(*caller, match.compartment, entry);
        }
      }
    }
    return page;
  }();
  auto targets = result ? targets_of(result->matches)
                        : std::vector{audit::Target{std::string(type), "", 0, ""}};
  return released(std::move(entry), std::move(result), std::move(targets), true);
}

Result<StoredResource> Gate::create(const Principal& principal, json::object resource) {
  audit::Entry entry = start_entry(principal, audit::kActionCreate);
  auto caller = identify(principal, entry);
  if (!caller) {
    return released(std::move(entry), Result<StoredResource>(tl::unexpected(caller.error())), {},
                    false);
  }
  const access::Target target = target_of_resource(resource);
  if (auto allowed = permit(*caller, access::Action::kCreate, target, entry); !allowed) {
    return released(std::move(entry), Result<StoredResource>(tl::unexpected(allowed.error())), {},
                    false);
  }
  if (auto resolved = require_resolved_patient(resource, {}); !resolved) {
    return released(std::move(entry), Result<StoredResource>(tl::unexpected(resolved.error())), {},
                    false);
  }
  const bool registers_patient = !caller->custodian && target.resource_type == "Patient" &&
                                 caller->account.role == access::Role::kPractitioner;
  const bool is_care_team = target.resource_type == "CareTeam";
  const std::string login = caller->custodian ? std::string() : caller->account.login;
  // Read before the write: the hook runs inside the vault's transaction.
  auto members = is_care_team ? care_team_members(resource) : Result<CareTeamMembers>();
  if (!members) {
    return released(std::move(entry), Result<StoredResource>(tl::unexpected(members.error())), {},
                    false);
  }
  // A practitioner who registers a patient is assigned to them; a CareTeam assigns its members.
  WriteEffects effects = [&](store::DataStore& tx,
                             std::span<const vault::EntryOutcome> written) -> Result<void> {
    for (const vault::EntryOutcome& outcome : written) {
      if (registers_patient) {
        auto added = tx.add_assignment(
            store::AssignmentRow{login, outcome.id, "registration", clock_.now_ms()});
        if (!added) {
          return tl::unexpected(added.error());
        }
      }
      if (is_care_team) {
        if (auto replaced = replace_care_team_assignments(tx, outcome.id, *members); !replaced) {
          return replaced;
        }
      }
    }
    return {};
  };
  std::vector<audit::Checkpoint> signed_checkpoints;
  auto result = vault_->create(std::move(resource),
                               write_hook(entry, signed_checkpoints, std::move(effects)));
  return committed(std::move(entry), std::move(result), signed_checkpoints);
}

Result<StoredResource> Gate::update(const Principal& principal, std::string_view type,
                                    std::string_view id, json::object resource) {
  audit::Entry entry = start_entry(principal, audit::kActionUpdate);
  entry.targets.push_back(audit::Target{std::string(type), std::string(id), 0, ""});
  bool registers_patient = false;  // update-as-create of a Patient by a practitioner
  auto admitted = [&]() -> Result<Caller> {
    auto caller = identify(principal, entry);
    if (!caller) {
      return caller;
    }
    if (auto valid = check_reference(type, id); !valid) {
      return tl::unexpected(valid.error());
    }
    if (caller->custodian) {
      return caller;
    }
    // Both where the resource is and where it would go.
    auto where = vault_->locate(type, id);
    if (!where) {
      return tl::unexpected(where.error());
    }
    if (where->has_value()) {
      if (auto allowed = permit(*caller, access::Action::kUpdate, target_in(type, **where), entry);
          !allowed) {
        return tl::unexpected(allowed.error());
      }
    }
    json::object placed = resource;
    placed["id"] = id;
    // A Patient is registered (a create, which needs no assignment and assigns its registrant)
    // only into a compartment that never held anything: otherwise an update-as-create would hand
    // its author the records already filed under that id, or those of a deleted Patient.
    bool registers_into_empty_compartment = false;
    if (!where->has_value() && type == "Patient") {
      auto used = vault_->compartment_ever_used(id);
      if (!used) {
        return tl::unexpected(used.error());
      }
      registers_into_empty_compartment = !*used;
    }
    const access::Action action =
        where->has_value() || (type == "Patient" && !registers_into_empty_compartment)
            ? access::Action::kUpdate
            : access::Action::kCreate;
    if (auto allowed = permit(*caller, action, target_of_resource(placed), entry); !allowed) {
      return tl::unexpected(allowed.error());
    }
    registers_patient =
        registers_into_empty_compartment && caller->account.role == access::Role::kPractitioner;
    return caller;
  }();
  if (!admitted) {
    return released(std::move(entry), Result<StoredResource>(tl::unexpected(admitted.error())), {},
                    false);
  }
  if (auto resolved = require_resolved_patient(resource, {}); !resolved) {
    return released(std::move(entry), Result<StoredResource>(tl::unexpected(resolved.error())), {},
                    false);
  }
  WriteEffects effects;
  if (type == "CareTeam") {
    auto members = care_team_members(resource);
    if (!members) {
      return released(std::move(entry), Result<StoredResource>(tl::unexpected(members.error())), {},
                      false);
    }
    effects = [this, members = std::move(*members), care_team_id = std::string(id)](
                  store::DataStore& tx, std::span<const vault::EntryOutcome>) {
      return replace_care_team_assignments(tx, care_team_id, members);
    };
  }
  if (registers_patient) {
    effects = [this, login = admitted->account.login, patient = std::string(id)](
                  store::DataStore& tx, std::span<const vault::EntryOutcome>) -> Result<void> {
      auto added =
          tx.add_assignment(store::AssignmentRow{login, patient, "registration", clock_.now_ms()});
      if (!added) {
        return tl::unexpected(added.error());
      }
      return {};
    };
  }
  audit::Entry written = entry;
  written.targets.clear();
  std::vector<audit::Checkpoint> signed_checkpoints;
  auto result = vault_->update(type, id, std::move(resource),
                               write_hook(written, signed_checkpoints, std::move(effects)));
  return committed(std::move(entry), std::move(result), signed_checkpoints);
}

Result<StoredResource> Gate::remove(const Principal& principal, std::string_view type,
                                    std::string_view id) {
  audit::Entry entry = start_entry(principal, audit::kActionDelete);
  entry.targets.push_back(audit::Target{std::string(type), std::string(id), 0, ""});
  if (auto caller = admit_reference(principal, access::Action::kDelete, type, id, entry); !caller) {
    return released(std::move(entry), Result<StoredResource>(tl::unexpected(caller.error())), {},
                    false);
  }
  WriteEffects effects;
  if (type == "CareTeam") {
    effects = [this, care_team_id = std::string(id)](store::DataStore& tx,
                                                     std::span<const vault::EntryOutcome>) {
      return replace_care_team_assignments(tx, care_team_id, CareTeamMembers{});
    };
  }
  audit::Entry written = entry;
  written.targets.clear();
  std::vector<audit::Checkpoint> signed_checkpoints;
  auto result =
      vault_->remove(type, id, write_hook(written, signed_checkpoints, std::move(effects)));
  return committed(std::move(entry), std::move(result), signed_checkpoints);
}

Result<void> Gate::check_bundle(const Principal& principal, const json::object& bundle) {
  audit::Entry entry = start_entry(principal, audit::kActionValidate);
  Result<void> result = [&]() -> Result<void> {
    // Checking reads nothing from the vault: any authenticated caller may.
    if (auto caller = identify(principal, entry); !caller) {
      return tl::unexpected(caller.error());
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
  auto caller = identify(principal, entry);
  if (!caller) {
    return released(std::move(entry), Result<BundleOutcome>(tl::unexpected(caller.error())), {},
                    false);
  }
  // A conditional create (ifNoneExist) sees what the caller's own search would: never a resource
  // outside its reach.
  const fhir::ConditionalMatcher find_matches =
      [&](const fhir::SearchQuery& query) -> Result<std::vector<std::string>> {
    std::function<bool(const std::string&)> visible;
    if (!caller->custodian) {
      if (auto loaded = load_assignments(*caller, std::nullopt); !loaded) {
        return tl::unexpected(loaded.error());
      }
      visible = [&](const std::string& compartment) {
        return access::decide(caller->subject, access::Action::kRead,
                              target_in(query.type, compartment), caller->context)
            .allow;
      };
    }
    auto page = vault_->search(query, visible);
    if (!page) {
      return tl::unexpected(page.error());
    }
    std::vector<std::string> ids;
    for (const StoredResource& match : page->matches) {
      ids.push_back(match.id);
    }
    return ids;
  };
  auto plan = fhir::plan_bundle(bundle, &vault::Vault::new_id, find_matches);
  if (!plan) {
    return released(std::move(entry), Result<BundleOutcome>(tl::unexpected(plan.error())), {},
                    false);
  }
  // Every entry must be allowed, where it lands and where it was: one refusal refuses the import.
  // Its Patient must resolve, in the vault or among the Bundle's own Patients.
  std::set<std::string, std::less<>> bundle_patients;
  for (const fhir::PlannedEntry& planned : plan->entries) {
    if (!planned.error && planned.type == "Patient" &&
        planned.action != fhir::EntryAction::kDelete) {
      bundle_patients.insert(planned.id);
    }
  }
  std::map<std::string, CareTeamMembers> care_teams;
  for (const fhir::PlannedEntry& planned : plan->entries) {
    if (planned.error) {
      continue;
    }
    if (auto allowed =
            permit_stored(*caller, access::Action::kImport, planned.type, planned.id, entry);
        !allowed && allowed.error().code != ErrorCode::kNotFound) {
      return released(std::move(entry), Result<BundleOutcome>(tl::unexpected(allowed.error())), {},
                      false);
    }
    if (planned.action != fhir::EntryAction::kDelete) {
      if (auto allowed =
              permit(*caller, access::Action::kImport, target_of_resource(planned.resource), entry);
          !allowed) {
        return released(std::move(entry), Result<BundleOutcome>(tl::unexpected(allowed.error())),
                        {}, false);
      }
      if (auto resolved = require_resolved_patient(planned.resource, bundle_patients); !resolved) {
        return released(
            std::move(entry),
            Result<BundleOutcome>(fail(resolved.error().code,
                                       fmt::format("entrée {} ({}) : {}", planned.index,
                                                   planned.type, resolved.error().french),
                                       fmt::format("entry {} ({}): {}", planned.index, planned.type,
                                                   resolved.error().message))),
            {}, false);
      }
    }
    if (planned.type == "CareTeam" && planned.action != fhir::EntryAction::kKeep) {
      auto members = planned.action == fhir::EntryAction::kDelete
                         ? Result<CareTeamMembers>()
                         : care_team_members(planned.resource);
      if (!members) {
        return released(std::move(entry), Result<BundleOutcome>(tl::unexpected(members.error())),
                        {}, false);
      }
      care_teams[planned.id] = std::move(*members);
    }
  }
  WriteEffects effects;
  if (!care_teams.empty()) {
    effects = [this, &care_teams](store::DataStore& tx,
                                  std::span<const vault::EntryOutcome> written) -> Result<void> {
      for (const vault::EntryOutcome& outcome : written) {
        auto found = care_teams.find(outcome.id);
        if (outcome.type != "CareTeam" || outcome.error || found == care_teams.end()) {
          continue;
        }
        if (auto replaced = replace_care_team_assignments(tx, outcome.id, found->second);
            !replaced) {
          return replaced;
        }
      }
      return {};
    };
  }
  std::vector<audit::Checkpoint> signed_checkpoints;
  auto result =
      vault_->apply_bundle(*plan, write_hook(entry, signed_checkpoints, std::move(effects)));
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
                                                  std::string_view patient_id,
                                                  const vault::ErasureOptions& options) {
  audit::Entry entry = start_entry(principal, audit::kActionErase);
  entry.targets.push_back(
      audit::Target{"Patient", std::string(patient_id), 0, std::string(patient_id)});
  if (auto caller =
          admit_reference(principal, access::Action::kErase, "Patient", patient_id, entry);
      !caller) {
    return released(std::move(entry), Result<vault::ErasureOutcome>(tl::unexpected(caller.error())),
                    {}, false);
  }
  std::vector<audit::Checkpoint> signed_checkpoints;
  auto result = vault_->erase_patient(
      patient_id,
      [&](store::DataStore& transaction, const vault::ErasureOutcome&) -> Result<void> {
        if (auto removed = transaction.remove_assignments_to(std::string(patient_id)); !removed) {
          return tl::unexpected(removed.error());
        }
        auto appended = audit_->append_in(transaction, {entry});
        if (!appended) {
          return tl::unexpected(appended.error());
        }
        if (const std::optional<audit::Checkpoint>& checkpoint = *appended; checkpoint) {
          signed_checkpoints.push_back(*checkpoint);
        }
        return {};
      },
      options);
  return committed(std::move(entry), std::move(result), signed_checkpoints);
}

Result<std::map<std::string, int64_t>> Gate::count_by_type(const Principal& principal) {
  audit::Entry entry = start_entry(principal, audit::kActionCount);
  Result<std::map<std::string, int64_t>> result = [&]() -> Result<std::map<std::string, int64_t>> {
    auto caller = identify(principal, entry);
    if (!caller) {
      return tl::unexpected(caller.error());
    }
    if (!caller->custodian) {
      constexpr std::string_view kReason = "counting every resource is for the custodian";
      entry.reason = fmt::format("{}: {}", name_of(ErrorCode::kPermissionDenied), kReason);
      return fail(ErrorCode::kPermissionDenied, "accès refusé",
                  fmt::format("access denied: {}", kReason));
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

namespace {

audit::Target account_target(std::string_view login) {
  return audit::Target{"Account", std::string(login), 0, ""};
}

// The entry of an account administration call: what changed goes in `purpose`.
audit::Entry with_account_change(audit::Entry entry, std::string_view change,
                                 std::string_view login) {
  entry.purpose = std::string(change);
  if (!login.empty()) {
    entry.targets.push_back(account_target(login));
  }
  return entry;
}

}  // namespace

Result<auth::Enrolment> Gate::add_account(const Principal& principal,
                                          const auth::NewAccount& account) {
  audit::Entry entry = with_account_change(start_entry(principal, audit::kActionAccountChange),
                                           "add", account.login);
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return released(std::move(entry), Result<auth::Enrolment>(tl::unexpected(caller.error())), {},
                    false);
  }
  return account_change<auth::Enrolment>(
      entry, [&](store::DataStore& tx) { return authenticator_->add_account(tx, account); });
}

Result<std::vector<auth::AccountView>> Gate::list_accounts(const Principal& principal) {
  audit::Entry entry =
      with_account_change(start_entry(principal, audit::kActionAccountRead), "list", "");
  Result<std::vector<auth::AccountView>> result = [&]() -> Result<std::vector<auth::AccountView>> {
    if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
      return tl::unexpected(caller.error());
    }
    return authenticator_->list_accounts(*accounts_);
  }();
  return released(std::move(entry), std::move(result), {}, false);
}

Result<auth::AccountView> Gate::show_account(const Principal& principal, std::string_view login) {
  audit::Entry entry =
      with_account_change(start_entry(principal, audit::kActionAccountRead), "show", login);
  Result<auth::AccountView> result = [&]() -> Result<auth::AccountView> {
    if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
      return tl::unexpected(caller.error());
    }
    return authenticator_->show_account(*accounts_, login);
  }();
  return released(std::move(entry), std::move(result), {}, false);
}

Result<void> Gate::set_account_status(const Principal& principal, std::string_view login,
                                      auth::AccountStatus status) {
  const std::string_view change = status == auth::AccountStatus::kActive   ? "unlock"
                                  : status == auth::AccountStatus::kLocked ? "lock"
                                                                           : "disable";
  audit::Entry entry =
      with_account_change(start_entry(principal, audit::kActionAccountChange), change, login);
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return released(std::move(entry), Result<void>(tl::unexpected(caller.error())), {}, false);
  }
  return account_change<void>(
      entry, [&](store::DataStore& tx) { return authenticator_->set_status(tx, login, status); });
}

Result<crypto::SecretString> Gate::reset_password(const Principal& principal,
                                                  std::string_view login) {
  audit::Entry entry = with_account_change(start_entry(principal, audit::kActionAccountChange),
                                           "reset-password", login);
  entry.supervise = true;  // whoever reset it knows the password until its owner changes it
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return released(std::move(entry), Result<crypto::SecretString>(tl::unexpected(caller.error())),
                    {}, false);
  }
  return account_change<crypto::SecretString>(
      entry, [&](store::DataStore& tx) { return authenticator_->reset_password(tx, login); });
}

Result<void> Gate::reset_second_factor(const Principal& principal, std::string_view login) {
  audit::Entry entry =
      with_account_change(start_entry(principal, audit::kActionAccountChange), "reset-otp", login);
  entry.supervise = true;  // the next login takes the password alone, until a new enrolment
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return released(std::move(entry), Result<void>(tl::unexpected(caller.error())), {}, false);
  }
  return account_change<void>(
      entry, [&](store::DataStore& tx) { return authenticator_->reset_second_factor(tx, login); });
}

Result<auth::Enrolment> Gate::enrol_second_factor(const Principal& principal) {
  audit::Entry entry = with_account_change(start_entry(principal, audit::kActionAccountChange),
                                           "enrol-second-factor", "");
  auto caller = identify(principal, entry);
  if (!caller || caller->custodian || caller->account.is_token) {
    Result<auth::Enrolment> refused =
        caller ? fail(ErrorCode::kUsage, "only a person's session enrols a second factor")
               : Result<auth::Enrolment>(tl::unexpected(caller.error()));
    return released(std::move(entry), std::move(refused), {}, false);
  }
  entry.targets.push_back(account_target(caller->account.login));
  if (caller->account.password_change_required) {
    entry.reason = fmt::format("{}: temporary password must be changed first",
                               name_of(ErrorCode::kPermissionDenied));
    return released(
        std::move(entry),
        Result<auth::Enrolment>(fail(ErrorCode::kPermissionDenied, "accès refusé",
                                     "access denied: temporary password must be changed first")),
        {}, false);
  }
  return account_change<auth::Enrolment>(entry, [&](store::DataStore& tx) {
    return authenticator_->enrol_second_factor(tx, caller->account.login);
  });
}

Result<auth::IssuedToken> Gate::create_token(const Principal& principal, std::string_view login,
                                             const std::vector<std::string>& scopes,
                                             int64_t expires_ms,
                                             const std::vector<std::string>& allowed_addresses) {
  audit::Entry entry = with_account_change(start_entry(principal, audit::kActionAccountChange),
                                           "token-create", login);
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return released(std::move(entry), Result<auth::IssuedToken>(tl::unexpected(caller.error())), {},
                    false);
  }
  return account_change<auth::IssuedToken>(entry, [&](store::DataStore& tx) {
    return authenticator_->create_token(tx, login, scopes, expires_ms, allowed_addresses);
  });
}

Result<Revocation> Gate::revoke_credential(const Principal& principal,
                                           std::string_view id_or_secret) {
  audit::Entry entry =
      with_account_change(start_entry(principal, audit::kActionAccountChange), "revoke", "");
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return released(std::move(entry), Result<Revocation>(tl::unexpected(caller.error())), {},
                    false);
  }
  // Only the id reaches the entry: the text may be a secret.
  auto credential_id = authenticator_->credential_id_of(*accounts_, id_or_secret);
  if (!credential_id) {
    return released(std::move(entry), Result<Revocation>(tl::unexpected(credential_id.error())), {},
                    false);
  }
  entry.targets.push_back(audit::Target{"Credential", *credential_id, 0, ""});
  return account_change<Revocation>(entry, [&](store::DataStore& tx) -> Result<Revocation> {
    auto revoked = authenticator_->revoke(tx, *credential_id);
    if (!revoked) {
      return tl::unexpected(revoked.error());
    }
    return Revocation{*credential_id, *revoked};
  });
}

Result<void> Gate::assign(const Principal& principal, std::string_view login,
                          std::string_view patient_id) {
  audit::Entry entry =
      with_account_change(start_entry(principal, audit::kActionAccountChange), "assign", login);
  entry.targets.push_back(
      audit::Target{"Patient", std::string(patient_id), 0, std::string(patient_id)});
  auto admitted = [&]() -> Result<void> {
    if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
      return tl::unexpected(caller.error());
    }
    return require_patient(patient_id);
  }();
  if (!admitted) {
    return released(std::move(entry), std::move(admitted), {}, false);
  }
  return account_change<void>(entry, [&](store::DataStore& tx) -> Result<void> {
    auto account = tx.account(std::string(login));
    if (!account) {
      return tl::unexpected(account.error());
    }
    if (!account->has_value()) {
      return fail(ErrorCode::kNotFound, "aucun compte de cet identifiant",
                  "no account has this login");
    }
    if ((*account)->role != access::name_of(access::Role::kPractitioner)) {
      return fail(ErrorCode::kUsage, "seul un compte praticien est affecté à un patient",
                  "only a practitioner account is assigned to a patient");
    }
    auto added = tx.add_assignment(
        store::AssignmentRow{std::string(login), std::string(patient_id), "cli", clock_.now_ms()});
    if (!added) {
      return tl::unexpected(added.error());
    }
    return {};
  });
}

Result<void> Gate::unassign(const Principal& principal, std::string_view login,
                            std::string_view patient_id) {
  audit::Entry entry =
      with_account_change(start_entry(principal, audit::kActionAccountChange), "unassign", login);
  entry.targets.push_back(
      audit::Target{"Patient", std::string(patient_id), 0, std::string(patient_id)});
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return released(std::move(entry), Result<void>(tl::unexpected(caller.error())), {}, false);
  }
  // Every source of the assignment ends: the command line, registration, CareTeams (a CareTeam
  // that still names the practitioner assigns them again when it is next written). The entry's
  // purpose says which sources ended.
  auto assignments = accounts_->assignments_of(std::string(login));
  if (!assignments) {
    return released(std::move(entry), Result<void>(tl::unexpected(assignments.error())), {}, false);
  }
  std::vector<std::string> sources;
  for (const store::AssignmentRow& row : *assignments) {
    if (row.patient_id == patient_id) {
      sources.push_back(row.source);
    }
  }
  if (sources.empty()) {
    return released(
        std::move(entry),
        Result<void>(fail(ErrorCode::kNotFound, "aucune affectation de ce compte à ce patient",
                          "no such assignment of this account to this patient")),
        {}, false);
  }
  entry.purpose = fmt::format("unassign ({})", fmt::join(sources, ", "));
  return account_change<void>(entry, [&](store::DataStore& tx) -> Result<void> {
    for (const std::string& source : sources) {
      auto removed = tx.remove_assignment(std::string(login), std::string(patient_id), source);
      if (!removed) {
        return tl::unexpected(removed.error());
      }
    }
    return {};
  });
}

Result<auth::IssuedSession> Gate::login(const auth::LoginRequest& request,
                                        std::string_view user_agent) {
  Principal principal = account_principal("", request.address, std::string(user_agent));
  audit::Entry entry = start_entry(principal, audit::kActionLogin);
  entry.actor.auth_method = request.second_factor.empty() ? "password"
                            : request.second_factor.size() == auth::kTotpDigits
                                ? "password+totp"
                                : "password+recovery-code";
  auto checked = authenticator_->check_login(*accounts_, request);
  if (!checked) {
    return released(std::move(entry), Result<auth::IssuedSession>(tl::unexpected(checked.error())),
                    {}, false);
  }
  if (checked->account_known) {
    entry.actor.login = request.login;
    entry.targets.push_back(account_target(request.login));
  }
  std::vector<audit::Checkpoint> signed_checkpoints;
  Result<auth::LoginOutcome> outcome = [&]() -> Result<auth::LoginOutcome> {
    if (auto begun = accounts_->begin(); !begun) {
      return tl::unexpected(begun.error());
    }
    auto recorded = authenticator_->record_login(*accounts_, *checked, request);
    if (!recorded) {
      accounts_->rollback();
      return recorded;
    }
    audit::Entry final_entry = entry;
    if (recorded->session) {
      final_entry.actor.session_id = recorded->session->id;
    } else {
      final_entry.outcome = audit::Outcome::kDenied;
      final_entry.reason =
          fmt::format("{}: {}{}", name_of(ErrorCode::kAuthenticationFailed), recorded->refusal,
                      recorded->locked_now ? "; account locked now" : "");
    }
    auto appended = audit_->append_in(*accounts_, {final_entry});
    if (!appended) {
      accounts_->rollback();
      return tl::unexpected(appended.error());
    }
    if (const std::optional<audit::Checkpoint>& checkpoint = *appended; checkpoint.has_value()) {
      signed_checkpoints.push_back(*checkpoint);
    }
    if (auto saved = accounts_->commit_durable(); !saved) {
      return tl::unexpected(saved.error());
    }
    return recorded;
  }();
  auto published = committed(std::move(entry), std::move(outcome), signed_checkpoints);
  if (!published) {
    return tl::unexpected(published.error());
  }
  if (!published->session) {
    return fail(ErrorCode::kAuthenticationFailed, std::string(auth::login_refused_french()),
                std::string(auth::login_refused_message()));
  }
  return std::move(*published->session);
}

Result<void> Gate::logout(const Principal& principal) {
  audit::Entry entry = start_entry(principal, audit::kActionLogout);
  auto caller = identify(principal, entry);
  if (!caller || caller->custodian) {
    Result<void> refused = caller ? fail(ErrorCode::kUsage, "the custodian has no session to end")
                                  : Result<void>(tl::unexpected(caller.error()));
    return released(std::move(entry), std::move(refused), {}, false);
  }
  return account_change<void>(entry, [&](store::DataStore& tx) {
    return authenticator_->end_session(tx, caller->account.credential_id);
  });
}

Result<void> Gate::change_password(const Principal& principal, std::string_view current,
                                   std::string_view replacement) {
  audit::Entry entry = with_account_change(start_entry(principal, audit::kActionAccountChange),
                                           "password-change", "");
  auto caller = identify(principal, entry);
  if (!caller || caller->custodian || caller->account.is_token) {
    Result<void> refused =
        caller ? fail(ErrorCode::kUsage, "only a person's session changes its password")
               : Result<void>(tl::unexpected(caller.error()));
    return released(std::move(entry), std::move(refused), {}, false);
  }
  entry.targets.push_back(account_target(caller->account.login));
  return account_change<void>(entry, [&](store::DataStore& tx) {
    return authenticator_->change_password(tx, caller->account.login, current, replacement,
                                           caller->account.credential_id);
  });
}

Result<void> Gate::break_glass(const Principal& principal, std::string_view patient_id,
                               std::string_view reason) {
  audit::Entry entry = start_entry(principal, audit::kActionBreakGlass);
  entry.break_glass = true;
  entry.targets.push_back(
      audit::Target{"Patient", std::string(patient_id), 0, std::string(patient_id)});
  auto caller = [&]() -> Result<Caller> {
    auto identified = identify(principal, entry);
    if (!identified) {
      return identified;
    }
    if (identified->custodian || identified->account.is_token ||
        identified->account.role != access::Role::kPractitioner) {
      entry.reason = fmt::format("{}: break-glass is for practitioners' sessions",
                                 name_of(ErrorCode::kPermissionDenied));
      return fail(ErrorCode::kPermissionDenied, "accès refusé",
                  "access denied: break-glass is for practitioners' sessions");
    }
    if (identified->account.password_change_required || identified->account.second_factor_missing) {
      const std::string_view first = identified->account.password_change_required
                                         ? "temporary password must be changed first"
                                         : "a second factor must be enrolled first";
      entry.reason = fmt::format("{}: {}", name_of(ErrorCode::kPermissionDenied), first);
      return fail(ErrorCode::kPermissionDenied, "accès refusé",
                  fmt::format("access denied: {}", first));
    }
    if (!access::is_stated_reason(reason) || reason.size() > access::kMaxBreakGlassReasonBytes ||
        !is_valid_utf8(std::span(reinterpret_cast<const uint8_t*>(reason.data()), reason.size()))) {
      return fail(ErrorCode::kUsage,
                  fmt::format("le motif fait 1 à {} octets, pas seulement des blancs",
                              access::kMaxBreakGlassReasonBytes),
                  fmt::format("the reason is 1 to {} bytes, not only white space",
                              access::kMaxBreakGlassReasonBytes));
    }
    if (auto exists = require_patient(patient_id); !exists) {
      return tl::unexpected(exists.error());
    }
    return identified;
  }();
  if (!caller) {
    return released(std::move(entry), Result<void>(tl::unexpected(caller.error())), {}, false);
  }
  // The reason is often clinical: sealed under the patient's key, so that erasure shreds it. The
  // audit log keeps that the grant exists, by its id.
  const std::string grant_id = "bg-" + vault::Vault::new_id();
  auto sealed = vault_->seal_patient_note(patient_id, grant_id, reason);
  if (!sealed) {
    return released(std::move(entry), Result<void>(tl::unexpected(sealed.error())), {}, false);
  }
  entry.purpose = fmt::format("break-glass grant {}", grant_id);
  return account_change<void>(entry, [&](store::DataStore& tx) {
    return tx.insert_break_glass(store::BreakGlassRow{grant_id, caller->account.login,
                                                      std::string(patient_id), std::move(*sealed),
                                                      clock_.now_ms()});
  });
}

Result<std::vector<Gate::BreakGlassView>> Gate::break_glass_grants(const Principal& principal,
                                                                   std::string_view login) {
  audit::Entry entry = start_entry(principal, audit::kActionAuditRead);
  entry.targets.push_back(account_target(login));
  std::vector<audit::Target> patients;
  Result<std::vector<BreakGlassView>> result = [&]() -> Result<std::vector<BreakGlassView>> {
    if (auto caller = admit(principal, access::Action::kAuditRead, entry); !caller) {
      return tl::unexpected(caller.error());
    }
    auto rows = accounts_->break_glass_of(std::string(login), 0);
    if (!rows) {
      return tl::unexpected(rows.error());
    }
    std::vector<BreakGlassView> grants;
    for (const store::BreakGlassRow& row : *rows) {
      BreakGlassView& grant = grants.emplace_back();
      grant.id = row.id;
      grant.login = row.login;
      grant.patient_id = row.patient_id;
      grant.start_ms = row.start_ms;
      if (row.reason_sealed.empty()) {
        continue;  // a grant from before reasons were sealed: its clear reason was dropped
      }
      auto reason = vault_->open_patient_note(row.patient_id, row.id, row.reason_sealed);
      if (reason) {
        grant.reason = std::move(*reason);
        patients.push_back(audit::Target{"Patient", row.patient_id, 0, row.patient_id});
      } else if (reason.error().code == ErrorCode::kNotFound) {
        grant.reason_erased = true;
      } else {
        return tl::unexpected(reason.error());
      }
    }
    return grants;
  }();
  return released(std::move(entry), std::move(result), std::move(patients), true);
}

}  // namespace vigie::gate
