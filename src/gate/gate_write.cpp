#include "gate/gate.hpp"

#include <set>

#include <fmt/format.h>

#include "fhir/bundle.hpp"
#include "fhir/search_index.hpp"
#include "gate/audited_call.hpp"

namespace vigie::gate {

namespace json = boost::json;

namespace {

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

}  // namespace

Result<StoredResource> Gate::create(const Principal& principal, json::object resource) {
  audit::Entry entry = start_entry(principal, audit::kActionCreate);
  auto caller = identify(principal, entry);
  if (!caller) {
    return refused<StoredResource>(std::move(entry), caller.error());
  }
  if (auto allowed = permit(*caller, access::Action::kCreate, target_of_resource(resource), entry);
      !allowed) {
    return refused<StoredResource>(std::move(entry), allowed.error());
  }
  return write_new(*caller, std::move(entry), std::move(resource));
}

Result<Gate::ConditionalCreate> Gate::create_if_none_exist(const Principal& principal,
                                                           json::object resource,
                                                           std::string_view if_none_exist) {
  audit::Entry entry = start_entry(principal, audit::kActionCreate);
  auto caller = identify(principal, entry);
  if (!caller) {
    return refused<ConditionalCreate>(std::move(entry), caller.error());
  }
  const access::Target target = target_of_resource(resource);
  if (auto allowed = permit(*caller, access::Action::kCreate, target, entry); !allowed) {
    return refused<ConditionalCreate>(std::move(entry), allowed.error());
  }
  if (auto allowed = permit(*caller, access::Action::kSearch,
                            access::Target::all_patients(target.resource_type), entry);
      !allowed) {
    return refused<ConditionalCreate>(std::move(entry), allowed.error());
  }
  auto query = fhir::parse_if_none_exist(target.resource_type, if_none_exist);
  if (!query) {
    // Said without parse_search's reason, which names what the request wrote.
    return refused<ConditionalCreate>(
        std::move(entry),
        fail(ErrorCode::kInvalidInput,
             "la condition If-None-Exist n'est pas une recherche acceptée pour ce type (voir "
             "/fhir/metadata)",
             "the If-None-Exist condition is not a search this server accepts for this type "
             "(see /fhir/metadata)")
            .value());
  }
  auto matches = conditional_matches(*caller, *query, entry);
  if (!matches) {
    return refused<ConditionalCreate>(std::move(entry), matches.error());
  }
  if (matches->total > 1) {
    return refused<ConditionalCreate>(
        std::move(entry),
        fail(ErrorCode::kPreconditionFailed,
             "la condition If-None-Exist désigne plus d'une ressource : précisez-la",
             "the If-None-Exist condition matches more than one resource: narrow it")
            .value());
  }
  if (matches->total == 1 && !matches->matches.empty()) {
    // Nothing is written: what leaves is the match, found by a search.
    entry.action = std::string(audit::kActionSearch);
    auto targets = targets_of(matches->matches);
    return released(
        std::move(entry),
        Result<ConditionalCreate>(ConditionalCreate{std::move(matches->matches.front()), false}),
        std::move(targets), true);
  }
  auto created = write_new(*caller, std::move(entry), std::move(resource));
  if (!created) {
    return tl::unexpected(created.error());
  }
  return ConditionalCreate{std::move(*created), true};
}

Result<SearchPage> Gate::conditional_matches(Caller& caller, const fhir::SearchQuery& query,
                                             audit::Entry& entry) {
  if (caller.custodian) {
    return vault_->search(query);
  }
  if (auto loaded = load_assignments(caller, std::nullopt); !loaded) {
    return tl::unexpected(loaded.error());
  }
  std::set<std::string> through_break_glass;
  bool decoy_hit = false;  // a match in a decoy is left out and trips, as in a search
  auto page = vault_->search(query, [&](const std::string& compartment) {
    const access::Decision decision = access::decide(
        caller.subject, access::Action::kRead, target_in(query.type, compartment), caller.context);
    if (decision.allow && vault_->is_decoy(compartment)) {
      decoy_hit = true;
      return false;
    }
    if (decision.allow && decision.break_glass) {
      through_break_glass.insert(compartment);
    }
    return decision.allow;
  });
  if (page && decoy_hit) {
    if (auto tripped = trip_honey(caller, "conditional create"); !tripped) {
      return tl::unexpected(tripped.error());
    }
  }
  if (page) {
    for (const StoredResource& match : page->matches) {
      if (through_break_glass.contains(match.compartment)) {
        mark_break_glass(caller, match.compartment, entry);
      }
    }
  }
  return page;
}

Result<StoredResource> Gate::write_new(Caller& caller, audit::Entry entry, json::object resource) {
  const access::Target target = target_of_resource(resource);
  if (auto resolved = require_resolved_patient(resource, {}); !resolved) {
    return refused<StoredResource>(std::move(entry), resolved.error());
  }
  const bool registers_patient = !caller.custodian && target.resource_type == "Patient" &&
                                 caller.account.role == access::Role::kPractitioner;
  const bool is_care_team = target.resource_type == "CareTeam";
  const std::string login = caller.custodian ? std::string() : caller.account.login;
  // Read before the write: the hook runs inside the vault's transaction.
  auto members = is_care_team ? care_team_members(resource) : Result<CareTeamMembers>();
  if (!members) {
    return refused<StoredResource>(std::move(entry), members.error());
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
  std::optional<int64_t> intent;
  auto result = vault_->create(std::move(resource), write_hook(entry, intent, std::move(effects)));
  return committed(std::move(entry), std::move(result), intent);
}

Result<StoredResource> Gate::update(const Principal& principal, std::string_view type,
                                    std::string_view id, json::object resource,
                                    std::optional<int64_t> if_match_version) {
  audit::Entry entry = start_entry(principal, audit::kActionUpdate);
  entry.targets.push_back(audit::Target{std::string(type), std::string(id), 0, ""});
  bool registers_patient = false;  // update-as-create of a Patient by a practitioner
  auto admitted = [&]() -> Result<Caller> {
    auto caller = identify_reference(principal, type, id, entry);
    if (!caller) {
      return caller;
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
    return refused<StoredResource>(std::move(entry), admitted.error());
  }
  if (auto resolved = require_resolved_patient(resource, {}); !resolved) {
    return refused<StoredResource>(std::move(entry), resolved.error());
  }
  WriteEffects effects;
  if (type == "CareTeam") {
    auto members = care_team_members(resource);
    if (!members) {
      return refused<StoredResource>(std::move(entry), members.error());
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
  std::optional<int64_t> intent;
  auto result = vault_->update(type, id, std::move(resource),
                               write_hook(written, intent, std::move(effects)), if_match_version);
  return committed(std::move(entry), std::move(result), intent);
}

Result<StoredResource> Gate::remove(const Principal& principal, std::string_view type,
                                    std::string_view id) {
  audit::Entry entry = start_entry(principal, audit::kActionDelete);
  entry.targets.push_back(audit::Target{std::string(type), std::string(id), 0, ""});
  if (auto caller = admit_reference(principal, access::Action::kDelete, type, id, entry); !caller) {
    return refused<StoredResource>(std::move(entry), caller.error());
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
  std::optional<int64_t> intent;
  auto result = vault_->remove(type, id, write_hook(written, intent, std::move(effects)));
  return committed(std::move(entry), std::move(result), intent);
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

Result<BundleOutcome> Gate::import_bundle(const Principal& principal, json::object bundle) {
  audit::Entry entry = start_entry(principal, audit::kActionImport);
  auto caller = identify(principal, entry);
  if (!caller) {
    return refused<BundleOutcome>(std::move(entry), caller.error());
  }
  // A conditional create (ifNoneExist) sees what the caller's own search would: never a resource
  // outside its reach.
  const fhir::ConditionalMatcher find_matches =
      [&](const fhir::SearchQuery& query) -> Result<std::vector<std::string>> {
    auto page = conditional_matches(*caller, query, entry);
    if (!page) {
      return tl::unexpected(page.error());
    }
    std::vector<std::string> ids;
    for (const StoredResource& match : page->matches) {
      ids.push_back(match.id);
    }
    return ids;
  };
  auto plan = fhir::plan_bundle(std::move(bundle), &vault::Vault::new_id, find_matches);
  if (!plan) {
    return refused<BundleOutcome>(std::move(entry), plan.error());
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
      return refused<BundleOutcome>(std::move(entry), allowed.error());
    }
    if (planned.action != fhir::EntryAction::kDelete) {
      if (auto allowed =
              permit(*caller, access::Action::kImport, target_of_resource(planned.resource), entry);
          !allowed) {
        return refused<BundleOutcome>(std::move(entry), allowed.error());
      }
      if (auto resolved = require_resolved_patient(planned.resource, bundle_patients); !resolved) {
        return refused<BundleOutcome>(
            std::move(entry), fail(resolved.error().code,
                                   fmt::format("entrée {} ({}) : {}", planned.index, planned.type,
                                               resolved.error().french),
                                   fmt::format("entry {} ({}): {}", planned.index, planned.type,
                                               resolved.error().message))
                                  .value());
      }
    }
    if (planned.type == "CareTeam" && planned.action != fhir::EntryAction::kKeep) {
      auto members = planned.action == fhir::EntryAction::kDelete
                         ? Result<CareTeamMembers>()
                         : care_team_members(planned.resource);
      if (!members) {
        return refused<BundleOutcome>(std::move(entry), members.error());
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
  std::optional<int64_t> intent;
  auto result =
      vault_->apply_bundle(std::move(*plan), write_hook(entry, intent, std::move(effects)));
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
  return committed(std::move(entry), std::move(result), intent);
}

}  // namespace vigie::gate
