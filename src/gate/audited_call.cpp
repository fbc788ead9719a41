#include "gate/audited_call.hpp"

#include <algorithm>

#include "fhir/json.hpp"
#include "fhir/resource_types.hpp"

namespace vigie::gate {

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

audit::Actor actor_of(const LocalUser& user, std::string_view auth_method) {
  audit::Actor actor;
  actor.kind = audit::ActorKind::kCustodian;
  actor.os_user = user.os_user;
  actor.session_id = user.session_id;
  actor.user_agent = user.user_agent;
  actor.auth_method = std::string(auth_method);
  return actor;
}

audit::Entry entry_for(audit::Actor actor, std::string_view action, const Clock& clock) {
  audit::Entry entry;
  entry.time_ms = clock.now_ms();
  entry.actor = std::move(actor);
  entry.action = std::string(action);
  return entry;
}

void mark_failure(audit::Entry& entry, const Error& error) {
  const bool refused = error.code == ErrorCode::kPermissionDenied ||
                       error.code == ErrorCode::kAuthenticationFailed ||
                       error.code == ErrorCode::kTooManyAttempts;
  entry.outcome = refused ? audit::Outcome::kDenied : audit::Outcome::kFailed;
  if (entry.reason.empty()) {
    entry.reason = std::string(name_of(error.code));
  }
}

Error unknown_reference(std::string_view type, std::string_view id) {
  return Error{ErrorCode::kNotFound, fmt::format("{}/{} not found", type, id),
               fmt::format("{}/{} introuvable", type, id)};
}

access::Target target_in(std::string_view type, const std::string& compartment) {
  return compartment == vault::kSharedCompartment
             ? access::Target::shared(std::string(type))
             : access::Target::patient(std::string(type), compartment);
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

audit::Target account_target(std::string_view login) {
  return audit::Target{"Account", std::string(login), 0, ""};
}

audit::Entry with_account_change(audit::Entry entry, std::string_view change,
                                 std::string_view login) {
  entry.purpose = std::string(change);
  if (!login.empty()) {
    entry.targets.push_back(account_target(login));
  }
  return entry;
}

Error unrecorded(const Error& audit_error) {
  // A full queue refused the entry before anything was written: the caller may retry.
  if (audit_error.code == ErrorCode::kUnavailable) {
    return audit_error;
  }
  return Error{ErrorCode::kInternal,
               fmt::format("the audit log could not record this call, so nothing is returned: {}",
                           audit_error.message)};
}

namespace {

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

}  // namespace

audit::Entry Gate::start_entry(const Principal& principal, std::string_view action) const {
  return entry_for(actor_of(principal, auth_method_), action, clock_);
}

vault::BeforeCommit Gate::write_hook(const audit::Entry& entry, std::optional<int64_t>& intent,
                                     WriteEffects effects) {
  return [this, &entry, &intent, effects = std::move(effects)](
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
    return record_intent(transaction, with_targets(entry, std::move(targets), false), intent);
  };
}

Result<void> Gate::record_durably(std::vector<audit::Entry> entries) {
  if (auto recorded = audit_->record(std::move(entries)); !recorded) {
    return tl::unexpected(unrecorded(recorded.error()));
  }
  return {};
}

Result<void> Gate::record_intent(store::DataStore& transaction, std::vector<audit::Entry> entries,
                                 std::optional<int64_t>& intent) {
  watch_intents(entries);
  auto last_seq = audit_->record_intent(std::move(entries));
  if (!last_seq) {
    return tl::unexpected(unrecorded(last_seq.error()));
  }
  // Set before the mark: whatever fails from here on, committed() states the intent's outcome.
  intent = *last_seq;
  return transaction.mark_intent_committed(*last_seq);
}

}  // namespace vigie::gate
