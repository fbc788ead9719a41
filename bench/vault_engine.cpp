#include "bench/vault_engine.hpp"

#include <utility>

#include "crypto/aead.hpp"

namespace vigie::bench {

Result<std::unique_ptr<VaultEngine>> VaultEngine::create(const std::filesystem::path& dir) {
  if (auto ready = crypto::initialize(); !ready) {
    return tl::unexpected(ready.error());
  }
  vault::UnlockSecret secret{store::UnlockerKind::kKeyFile,
                             crypto::SecretBytes::random(crypto::kKeyBytes)};
  std::unique_ptr<VaultEngine> engine(new VaultEngine());
  if (auto created = vault::Vault::create(dir, secret, {}, engine->clock_); !created) {
    return tl::unexpected(created.error());
  }
  auto opened = vault::Vault::open(dir, secret, engine->clock_);
  if (!opened) {
    return tl::unexpected(opened.error());
  }
  engine->vault_ = std::move(*opened);
  return engine;
}

Result<void> VaultEngine::import_batch(const fhir::BundlePlan& batch) {
  auto applied = vault_->apply_bundle(batch);
  if (!applied) {
    return tl::unexpected(applied.error());
  }
  return {};
}

Result<boost::json::object> VaultEngine::read(const std::string& type, const std::string& id) {
  auto stored = vault_->read(type, id);
  if (!stored) {
    return tl::unexpected(stored.error());
  }
  return std::move(stored->resource);
}

Result<std::vector<boost::json::object>> VaultEngine::search(const fhir::SearchQuery& query) {
  auto page = vault_->search(query);
  if (!page) {
    return tl::unexpected(page.error());
  }
  std::vector<boost::json::object> resources;
  resources.reserve(page->matches.size());
  for (vault::StoredResource& match : page->matches) {
    resources.push_back(std::move(match.resource));
  }
  return resources;
}

}  // namespace vigie::bench
