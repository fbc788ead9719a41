#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bench/engine.hpp"
#include "common/clock.hpp"
#include "vault/vault.hpp"

// vigie's engine: a vault/ Vault, unlocked with a key file so that Argon2id is not measured.

namespace vigie::bench {

// Not thread-safe.
class VaultEngine final : public Engine {
 public:
  // Creates a vault in `dir` (which must not hold one) with a random key file unlocker, and
  // opens it.
  [[nodiscard]] static Result<std::unique_ptr<VaultEngine>> create(
      const std::filesystem::path& dir);

  Result<void> import_batch(const fhir::BundlePlan& batch) override;
  Result<boost::json::object> read(const std::string& type, const std::string& id) override;
  Result<std::vector<boost::json::object>> search(const fhir::SearchQuery& query) override;

 private:
  VaultEngine() = default;

  SystemClock clock_;  // declared first: the vault keeps a reference to it
  std::unique_ptr<vault::Vault> vault_;
};

}  // namespace vigie::bench
