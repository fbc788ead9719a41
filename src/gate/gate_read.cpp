#include "gate/gate.hpp"

#include <fmt/format.h>

#include "gate/audited_call.hpp"

namespace vigie::gate {

Result<StoredResource> Gate::read(const Principal& principal, std::string_view type,
                                  std::string_view id) {
  return released(act_read(principal, type, id, vault::ResourceForm::kParsed), true);
}

Result<void> Gate::read(const Principal& principal, std::string_view type, std::string_view id,
                        Done<StoredResource> done, vault::ResourceForm form) {
  return released_then(act_read(principal, type, id, form), true, std::move(done));
}

Result<StoredResource> Gate::read_version(const Principal& principal, std::string_view type,
                                          std::string_view id, int64_t version) {
  return released(act_read_version(principal, type, id, version), true);
}

Result<void> Gate::read_version(const Principal& principal, std::string_view type,
                                std::string_view id, int64_t version, Done<StoredResource> done) {
  return released_then(act_read_version(principal, type, id, version), true, std::move(done));
}

Result<std::vector<StoredResource>> Gate::history(const Principal& principal, std::string_view type,
                                                  std::string_view id) {
  return released(act_history(principal, type, id), true);
}

Result<void> Gate::history(const Principal& principal, std::string_view type, std::string_view id,
                           Done<std::vector<StoredResource>> done) {
  return released_then(act_history(principal, type, id), true, std::move(done));
}

Result<std::map<std::string, int64_t>> Gate::count_by_type(const Principal& principal) {
  return released(act_count_by_type(principal), false);
}

Result<void> Gate::count_by_type(const Principal& principal,
                                 Done<std::map<std::string, int64_t>> done) {
  return released_then(act_count_by_type(principal), false, std::move(done));
}

Gate::Acted<StoredResource> Gate::act_read(const Principal& principal, std::string_view type,
                                           std::string_view id, vault::ResourceForm form) {
  audit::Entry entry = start_entry(principal, audit::kActionRead);
  std::vector<audit::Target> requested{audit::Target{std::string(type), std::string(id), 0, ""}};
  Result<StoredResource> result = [&]() -> Result<StoredResource> {
    auto caller = identify_reference(principal, type, id, entry);
    if (!caller) {
      return tl::unexpected(caller.error());
    }
    // Read once, then decide on the compartment of the version read: a concurrent update that
    // moves the resource cannot slip between the decision and the data.
    auto current = vault_->read_current(type, id, form);
    if (!current) {
      return current;
    }
    // A decoy answers as an unknown id (Vault::read_current's error), whatever the caller's
    // rights: naming one is the trip.
    if (touches_decoy(*caller, current->compartment)) {
      if (auto tripped = trip_honey(*caller, "read"); !tripped) {
        return tl::unexpected(tripped.error());
      }
      return fail(ErrorCode::kNotFound, fmt::format("{}/{} not found", type, id));
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
  return Acted<StoredResource>{std::move(entry), std::move(result), std::move(targets)};
}

Gate::Acted<StoredResource> Gate::act_read_version(const Principal& principal,
                                                   std::string_view type, std::string_view id,
                                                   int64_t version) {
  audit::Entry entry = start_entry(principal, audit::kActionVread);
  std::vector<audit::Target> requested{
      audit::Target{std::string(type), std::string(id), version, ""}};
  Result<StoredResource> result = [&]() -> Result<StoredResource> {
    auto caller = identify_reference(principal, type, id, entry);
    if (!caller) {
      return tl::unexpected(caller.error());
    }
    if (version < 1) {
      return fail(ErrorCode::kUsage, "a version number starts at 1");
    }
    // Decided on the version asked for, which may lie in another compartment than the current
    // one (a resource moved from one patient to another).
    auto stored = vault_->read_version(type, id, version);
    if (!stored) {
      // Whether a version exists is told only to whoever may read the resource where it is now.
      if (stored.error().code == ErrorCode::kNotFound && !caller->custodian) {
        auto compartment = stored_compartment(type, id);
        if (!compartment) {
          return tl::unexpected(compartment.error());
        }
        if (touches_decoy(*caller, *compartment)) {
          if (auto tripped = trip_honey(*caller, "vread"); !tripped) {
            return tl::unexpected(tripped.error());
          }
          return tl::unexpected(unknown_reference(type, id));
        }
        if (auto allowed =
                permit(*caller, access::Action::kVread, target_in(type, *compartment), entry);
            !allowed) {
          return tl::unexpected(allowed.error());
        }
      }
      return stored;
    }
    if (touches_decoy(*caller, stored->compartment)) {
      if (auto tripped = trip_honey(*caller, "vread"); !tripped) {
        return tl::unexpected(tripped.error());
      }
      return tl::unexpected(unknown_reference(type, id));
    }
    if (auto allowed =
            permit(*caller, access::Action::kVread, target_in(type, stored->compartment), entry);
        !allowed) {
      return tl::unexpected(allowed.error());
    }
    return stored;
  }();
  auto targets = result ? std::vector{target_of(*result)} : requested;
  return Acted<StoredResource>{std::move(entry), std::move(result), std::move(targets)};
}

Gate::Acted<std::vector<StoredResource>> Gate::act_history(const Principal& principal,
                                                           std::string_view type,
                                                           std::string_view id) {
  audit::Entry entry = start_entry(principal, audit::kActionHistory);
  // Versions left out because the caller may not read the compartment they lie in.
  std::vector<audit::Target> withheld;
  audit::Entry withheld_entry = entry;
  Result<std::vector<StoredResource>> result = [&]() -> Result<std::vector<StoredResource>> {
    auto caller = identify_reference(principal, type, id, entry);
    if (!caller) {
      return tl::unexpected(caller.error());
    }
    auto versions = vault_->history(type, id);
    if (!versions) {
      return versions;
    }
    for (const StoredResource& version : *versions) {
      if (touches_decoy(*caller, version.compartment)) {
        if (auto tripped = trip_honey(*caller, "history"); !tripped) {
          return tl::unexpected(tripped.error());
        }
        return fail(ErrorCode::kNotFound, fmt::format("{}/{} not found", type, id));
      }
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
  // The versions left out are a denial of their own, recorded just before the entry of what was
  // returned, in the same batch.
  std::vector<audit::Entry> recorded_first;
  if (result && !withheld.empty()) {
    withheld_entry.outcome = audit::Outcome::kDenied;
    recorded_first = with_targets(withheld_entry, std::move(withheld), false);
  }
  auto targets = result ? targets_of(*result)
                        : std::vector{audit::Target{std::string(type), std::string(id), 0, ""}};
  return Acted<std::vector<StoredResource>>{std::move(entry), std::move(result), std::move(targets),
                                            std::move(recorded_first)};
}

Gate::Acted<std::map<std::string, int64_t>> Gate::act_count_by_type(const Principal& principal) {
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
  return Acted<std::map<std::string, int64_t>>{std::move(entry), std::move(result), {}};
}

}  // namespace vigie::gate
