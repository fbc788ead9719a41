#include "gate/gate.hpp"

#include <set>

#include "fhir/resource_types.hpp"
#include "fhir/search.hpp"
#include "gate/audited_call.hpp"

namespace vigie::gate {

Result<SearchPage> Gate::search(const Principal& principal, std::string_view type,
                                const std::vector<std::pair<std::string, std::string>>& params) {
  return released(act_search(principal, type, params), true);
}

Result<void> Gate::search(const Principal& principal, std::string_view type,
                          const std::vector<std::pair<std::string, std::string>>& params,
                          Done<SearchPage> done) {
  return released_then(act_search(principal, type, params), true, std::move(done));
}

Gate::Acted<SearchPage> Gate::act_search(
    const Principal& principal, std::string_view type,
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
  return Acted<SearchPage>{std::move(entry), std::move(result), std::move(targets)};
}

}  // namespace vigie::gate
