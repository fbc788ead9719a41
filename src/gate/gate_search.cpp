#include "gate/gate.hpp"

#include <algorithm>
#include <set>

#include "fhir/resource_types.hpp"
#include "fhir/search.hpp"
#include "fhir/search_index.hpp"
#include "gate/audited_call.hpp"

namespace vigie::gate {

namespace {

// Whether the caller may read a resource of the bound type in a compartment; empty: everything
// (the custodian).
using Visible = std::function<bool(const std::string& compartment)>;
using VisibleAs = std::function<Visible(const std::string& type)>;

// The Patient ids that the reference parameter `param` of each resource points to (what the
// index holds for it: "Patient/ID"), sorted and unique.
std::vector<std::string> referenced_patients(const std::vector<StoredResource>& resources,
                                             const std::string& param) {
  constexpr std::string_view kPrefix = "Patient/";
  std::vector<std::string> ids;
  for (const StoredResource& resource : resources) {
    for (const fhir::IndexEntry& entry : fhir::index_entries(resource.resource)) {
      if (entry.param == param && entry.value.starts_with(kPrefix)) {
        ids.push_back(entry.value.substr(kPrefix.size()));
      }
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// Adds to `page` what the query's _include and _revinclude name, at most
// fhir::kMaxIncludedPerPage resources, each one that `visible_as` its type allows (the vault
// decides on each candidate's compartment, then again on the version it decrypts). A resource
// already on the page is not added twice.
Result<void> add_included(vault::Vault& vault, const fhir::SearchQuery& query, SearchPage& page,
                          const VisibleAs& visible_as) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const StoredResource& match : page.matches) {
    seen.emplace(match.type, match.id);
  }
  // One query of the vault: its visible results join the page while room is left.
  auto take = [&](fhir::SearchQuery included) -> Result<void> {
    const size_t room = fhir::kMaxIncludedPerPage - page.included.size();
    included.count = room + 1;
    auto found = vault.search(included, visible_as(included.type));
    if (!found) {
      return tl::unexpected(found.error());
    }
    page.included_cut = page.included_cut || found->total > found->matches.size();
    for (StoredResource& resource : found->matches) {
      if (!seen.emplace(resource.type, resource.id).second) {
        continue;
      }
      if (page.included.size() == fhir::kMaxIncludedPerPage) {
        page.included_cut = true;
        break;
      }
      page.included.push_back(std::move(resource));
    }
    return {};
  };
  for (const fhir::IncludeSpec& spec : query.includes) {
    if (page.matches.empty() || page.included.size() == fhir::kMaxIncludedPerPage) {
      break;
    }
    if (!spec.reverse) {
      fhir::SearchQuery included;
      included.type = "Patient";
      included.ids = referenced_patients(page.matches, spec.param);
      if (included.ids.empty()) {
        continue;
      }
      if (auto taken = take(std::move(included)); !taken) {
        return taken;
      }
      continue;
    }
    // The resources of spec.source_type whose spec.param names one of the matched Patients, by
    // groups of references no larger than a client's search may hold.
    for (size_t first = 0; first < page.matches.size(); first += fhir::kMaxSearchValues) {
      fhir::SearchQuery included;
      included.type = spec.source_type;
      fhir::TokenCondition& condition = included.token_conditions.emplace_back();
      condition.param = spec.param;
      const size_t last = std::min(page.matches.size(), first + fhir::kMaxSearchValues);
      for (size_t index = first; index < last; ++index) {
        condition.any_of.push_back("Patient/" + page.matches[index].id);
      }
      if (auto taken = take(std::move(included)); !taken) {
        return taken;
      }
      if (page.included.size() == fhir::kMaxIncludedPerPage) {
        break;
      }
    }
  }
  return {};
}

}  // namespace

Result<SearchPage> Gate::search(const Principal& principal, std::string_view type,
                                const std::vector<std::pair<std::string, std::string>>& params,
                                std::optional<fhir::PagePosition> after) {
  return released(act_search(principal, type, params, std::move(after)), true);
}

Result<void> Gate::search(const Principal& principal, std::string_view type,
                          const std::vector<std::pair<std::string, std::string>>& params,
                          Done<SearchPage> done, std::optional<fhir::PagePosition> after) {
  return released_then(act_search(principal, type, params, std::move(after)), true,
                       std::move(done));
}

Gate::Acted<SearchPage> Gate::act_search(
    const Principal& principal, std::string_view type,
    const std::vector<std::pair<std::string, std::string>>& params,
    std::optional<fhir::PagePosition> after) {
  audit::Entry entry = start_entry(principal, audit::kActionSearch);
  Result<SearchPage> result = [&]() -> Result<SearchPage> {
    auto caller = admit_search(principal, type, entry);
    if (!caller) {
      return tl::unexpected(caller.error());
    }
    auto query = fhir::parse_search(type, params);
    if (!query) {
      return tl::unexpected(query.error());
    }
    query->after = std::move(after);
    if (!caller->custodian) {
      if (auto loaded = load_assignments(*caller, std::nullopt); !loaded) {
        return tl::unexpected(loaded.error());
      }
    }
    // Each match, and each included resource, must be readable on its own, as a direct read of
    // it would be: the others are left out of the page and of the total. The vault decides again
    // on each version it decrypts.
    // A decoy that would be a hit is left out too, and trips once the search is done.
    std::set<std::string> through_break_glass;
    bool decoy_hit = false;
    const VisibleAs visible_as = [&](const std::string& resource_type) -> Visible {
      if (caller->custodian) {
        return {};
      }
      return [&, resource_type](const std::string& compartment) {
        const access::Decision decision =
            access::decide(caller->subject, access::Action::kRead,
                           target_in(resource_type, compartment), caller->context);
        if (decision.allow && vault_->is_decoy(compartment)) {
          decoy_hit = true;
          return false;
        }
        if (decision.allow && decision.break_glass) {
          through_break_glass.insert(compartment);
        }
        return decision.allow;
      };
    };
    auto page = vault_->search(*query, visible_as(query->type));
    if (page && !query->includes.empty()) {
      if (auto added = add_included(*vault_, *query, *page, visible_as); !added) {
        return tl::unexpected(added.error());
      }
    }
    if (page && decoy_hit) {
      if (auto tripped = trip_honey(*caller, "search"); !tripped) {
        return tl::unexpected(tripped.error());
      }
    }
    if (page) {
      // Resources returned through a grant flag the entry, like a read through it.
      for (const auto* list : {&page->matches, &page->included}) {
        for (const StoredResource& resource : *list) {
          if (through_break_glass.contains(resource.compartment)) {
            mark_break_glass(*caller, resource.compartment, entry);
          }
        }
      }
    }
    return page;
  }();
  std::vector<audit::Target> targets;
  if (result) {
    targets = targets_of(result->matches);
    std::vector<audit::Target> included = targets_of(result->included);
    targets.insert(targets.end(), included.begin(), included.end());
  } else {
    targets = {audit::Target{std::string(type), "", 0, ""}};
  }
  return Acted<SearchPage>{std::move(entry), std::move(result), std::move(targets)};
}

}  // namespace vigie::gate
