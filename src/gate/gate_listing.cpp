// A type's history and a patient's $everything: listings across resources, each decided per
// version as a read of it, then paged (vault::Vault::type_history, vault::Vault::compartment).

#include <set>

#include <fmt/format.h>

#include "fhir/resource_types.hpp"
#include "fhir/search.hpp"
#include "gate/audited_call.hpp"
#include "gate/gate.hpp"

namespace vigie::gate {

Result<SearchPage> Gate::type_history(const Principal& principal, std::string_view type,
                                      const TypeHistoryQuery& query) {
  return released(act_type_history(principal, type, query), true);
}

Result<void> Gate::type_history(const Principal& principal, std::string_view type,
                                const TypeHistoryQuery& query, Done<SearchPage> done) {
  return released_then(act_type_history(principal, type, query), true, std::move(done));
}

Result<SearchPage> Gate::everything(const Principal& principal, std::string_view patient_id,
                                    size_t count, size_t offset) {
  return released(act_everything(principal, patient_id, count, offset), true);
}

Result<void> Gate::everything(const Principal& principal, std::string_view patient_id, size_t count,
                              size_t offset, Done<SearchPage> done) {
  return released_then(act_everything(principal, patient_id, count, offset), true, std::move(done));
}

namespace {

// The largest page a listing hands out: the bound of a search's _count.
constexpr size_t kMaxListingPage = 1000;

Result<void> check_page_size(size_t count) {
  if (count > kMaxListingPage) {
    return fail(ErrorCode::kUsage, "_count va de 0 à 1000", "_count goes from 0 to 1000");
  }
  return {};
}

}  // namespace

Gate::Acted<SearchPage> Gate::act_type_history(const Principal& principal, std::string_view type,
                                               const TypeHistoryQuery& query) {
  audit::Entry entry = start_entry(principal, audit::kActionHistory);
  Result<SearchPage> result = [&]() -> Result<SearchPage> {
    auto caller = admit_search(principal, type, entry);
    if (!caller) {
      return tl::unexpected(caller.error());
    }
    if (auto bounded = check_page_size(query.count); !bounded) {
      return tl::unexpected(bounded.error());
    }
    if (caller->custodian) {
      return vault_->type_history(type, query.since_ms, query.until_ms, query.count, query.offset,
                                  {});
    }
    if (auto loaded = load_assignments(*caller, std::nullopt); !loaded) {
      return tl::unexpected(loaded.error());
    }
    // Each version as a read of it where it lies: versions filed under a patient outside the
    // caller's reach are left out of the page and of the total, as a search leaves out its hits.
    // A decoy's version that would be shown is left out too, and trips.
    std::set<std::string> through_break_glass;
    bool decoy_hit = false;
    auto page =
        vault_->type_history(type, query.since_ms, query.until_ms, query.count, query.offset,
                             [&](const std::string& version_type, const std::string& compartment) {
                               const access::Decision decision = access::decide(
                                   caller->subject, access::Action::kHistory,
                                   target_in(version_type, compartment), caller->context);
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
      if (auto tripped = trip_honey(*caller, "history"); !tripped) {
        return tl::unexpected(tripped.error());
      }
    }
    if (page) {
      for (const StoredResource& version : page->matches) {
        if (through_break_glass.contains(version.compartment)) {
          mark_break_glass(*caller, version.compartment, entry);
        }
      }
    }
    return page;
  }();
  auto targets = result ? targets_of(result->matches)
                        : std::vector{audit::Target{std::string(type), "", 0, ""}};
  return Acted<SearchPage>{std::move(entry), std::move(result), std::move(targets)};
}

Gate::Acted<SearchPage> Gate::act_everything(const Principal& principal,
                                             std::string_view patient_id, size_t count,
                                             size_t offset) {
  audit::Entry entry = start_entry(principal, audit::kActionSearch);
  // The patient is named first, whatever the page holds.
  entry.targets.push_back(
      audit::Target{"Patient", std::string(patient_id), 0, std::string(patient_id)});
  Result<SearchPage> result = [&]() -> Result<SearchPage> {
    auto caller = identify_reference(principal, "Patient", patient_id, entry);
    if (!caller) {
      return tl::unexpected(caller.error());
    }
    if (auto bounded = check_page_size(count); !bounded) {
      return tl::unexpected(bounded.error());
    }
    // As read() does: an unknown patient is told, then the caller is decided on the Patient
    // where it lies (its own compartment), then a deleted one is told.
    auto patient = vault_->read_current("Patient", patient_id);
    if (!patient) {
      return tl::unexpected(patient.error());
    }
    if (touches_decoy(*caller, patient->compartment)) {
      if (auto tripped = trip_honey(*caller, "$everything"); !tripped) {
        return tl::unexpected(tripped.error());
      }
      return fail(ErrorCode::kNotFound, fmt::format("Patient/{} not found", patient_id));
    }
    if (auto allowed = permit(*caller, access::Action::kRead,
                              target_in("Patient", patient->compartment), entry);
        !allowed) {
      return tl::unexpected(allowed.error());
    }
    if (patient->deleted) {
      return fail(ErrorCode::kGone, fmt::format("Patient/{} supprimé", patient_id),
                  fmt::format("Patient/{} was deleted", patient_id));
    }
    if (caller->custodian) {
      return vault_->compartment(patient->compartment, count, offset, {});
    }
    // Each resource as a read of it: the types the caller's role or scopes do not reach (an
    // assistant's clinical records, a token's other types) are left out of the page and total.
    return vault_->compartment(patient->compartment, count, offset,
                               [&](const std::string& type, const std::string& compartment) {
                                 return access::decide(caller->subject, access::Action::kRead,
                                                       target_in(type, compartment),
                                                       caller->context)
                                     .allow;
                               });
  }();
  auto targets = result ? targets_of(result->matches) : std::vector<audit::Target>{};
  return Acted<SearchPage>{std::move(entry), std::move(result), std::move(targets)};
}

}  // namespace vigie::gate
