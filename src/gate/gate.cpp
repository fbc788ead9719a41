#include "gate/gate.hpp"

#include "crypto/secret_bytes.hpp"
#include "fhir/bundle.hpp"
#include "fhir/resource_types.hpp"
#include "fhir/search.hpp"

namespace vigie::gate {

namespace {

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

}  // namespace

void harden_process() { static_cast<void>(crypto::disable_core_dumps()); }

Result<void> initialize_vault(const std::filesystem::path& dir, const UnlockSecret& secret,
                              const std::vector<const UnlockSecret*>& extra) {
  return vault::Vault::create(dir, secret, extra, system_clock());
}

Result<std::unique_ptr<Gate>> Gate::open(const std::filesystem::path& dir,
                                         const UnlockSecret& secret) {
  auto opened = vault::Vault::open(dir, secret, system_clock());
  if (!opened) {
    return tl::unexpected(opened.error());
  }
  return std::unique_ptr<Gate>(new Gate(std::move(*opened)));
}

Gate::Gate(std::unique_ptr<vault::Vault> vault) : vault_(std::move(vault)) {}

Result<void> Gate::authorize(const Principal& principal) const {
  if (principal.kind == Principal::Kind::kCustodian) {
    return {};
  }
  return fail(ErrorCode::kPermissionDenied, "this principal may not use the vault");
}

Result<StoredResource> Gate::read(const Principal& principal, std::string_view type,
                                  std::string_view id) {
  if (auto allowed = authorize(principal); !allowed) {
    return tl::unexpected(allowed.error());
  }
  if (auto valid = check_reference(type, id); !valid) {
    return tl::unexpected(valid.error());
  }
  return vault_->read(type, id);
}

Result<StoredResource> Gate::read_version(const Principal& principal, std::string_view type,
                                          std::string_view id, int64_t version) {
  if (auto allowed = authorize(principal); !allowed) {
    return tl::unexpected(allowed.error());
  }
  if (auto valid = check_reference(type, id); !valid) {
    return tl::unexpected(valid.error());
  }
  if (version < 1) {
    return fail(ErrorCode::kUsage, "a version number starts at 1");
  }
  return vault_->read_version(type, id, version);
}

Result<std::vector<StoredResource>> Gate::history(const Principal& principal, std::string_view type,
                                                  std::string_view id) {
  if (auto allowed = authorize(principal); !allowed) {
    return tl::unexpected(allowed.error());
  }
  if (auto valid = check_reference(type, id); !valid) {
    return tl::unexpected(valid.error());
  }
  return vault_->history(type, id);
}

Result<SearchPage> Gate::search(const Principal& principal, std::string_view type,
                                const std::vector<std::pair<std::string, std::string>>& params) {
  if (auto allowed = authorize(principal); !allowed) {
    return tl::unexpected(allowed.error());
  }
  auto query = fhir::parse_search(type, params);
  if (!query) {
    return tl::unexpected(query.error());
  }
  return vault_->search(*query);
}

Result<StoredResource> Gate::create(const Principal& principal, boost::json::object resource) {
  if (auto allowed = authorize(principal); !allowed) {
    return tl::unexpected(allowed.error());
  }
  return vault_->create(std::move(resource));
}

Result<StoredResource> Gate::update(const Principal& principal, std::string_view type,
                                    std::string_view id, boost::json::object resource) {
  if (auto allowed = authorize(principal); !allowed) {
    return tl::unexpected(allowed.error());
  }
  if (auto valid = check_reference(type, id); !valid) {
    return tl::unexpected(valid.error());
  }
  return vault_->update(type, id, std::move(resource));
}

Result<StoredResource> Gate::remove(const Principal& principal, std::string_view type,
                                    std::string_view id) {
  if (auto allowed = authorize(principal); !allowed) {
    return tl::unexpected(allowed.error());
  }
  if (auto valid = check_reference(type, id); !valid) {
    return tl::unexpected(valid.error());
  }
  return vault_->remove(type, id);
}

Result<void> Gate::check_bundle(const Principal& principal, const boost::json::object& bundle) {
  if (auto allowed = authorize(principal); !allowed) {
    return allowed;
  }
  auto plan = fhir::plan_bundle(bundle, &vault::Vault::new_id);
  if (!plan) {
    return tl::unexpected(plan.error());
  }
  return {};
}

Result<BundleOutcome> Gate::import_bundle(const Principal& principal,
                                          const boost::json::object& bundle) {
  if (auto allowed = authorize(principal); !allowed) {
    return tl::unexpected(allowed.error());
  }
  auto plan = fhir::plan_bundle(bundle, &vault::Vault::new_id);
  if (!plan) {
    return tl::unexpected(plan.error());
  }
  return vault_->apply_bundle(*plan);
}

Result<vault::ErasureOutcome> Gate::erase_patient(const Principal& principal,
                                                  std::string_view patient_id) {
  if (auto allowed = authorize(principal); !allowed) {
    return tl::unexpected(allowed.error());
  }
  if (auto valid = check_reference("Patient", patient_id); !valid) {
    return tl::unexpected(valid.error());
  }
  return vault_->erase_patient(patient_id);
}

Result<std::map<std::string, int64_t>> Gate::count_by_type(const Principal& principal) {
  if (auto allowed = authorize(principal); !allowed) {
    return tl::unexpected(allowed.error());
  }
  return vault_->count_by_type();
}

}  // namespace vigie::gate
