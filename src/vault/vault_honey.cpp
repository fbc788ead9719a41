// Honey records: the sealed set of decoy patients (docs/architecture.md 12.2).

#include <algorithm>

#include "crypto/aead.hpp"
#include "vault/vault.hpp"
#include "vault/vault_internal.hpp"

namespace vigie::vault {

namespace {

// The keyring's name for the sealed set, and what its seal is bound to.
constexpr std::string_view kHoneySetName = "sealed-register";
constexpr std::string_view kHoneySetPurpose = "vigie/sealed-register/v1/honey";

}  // namespace

Result<std::vector<std::string>> Vault::sealed_decoys() {
  auto sealed = keyring_->system_key(std::string(kHoneySetName));
  if (!sealed) {
    return tl::unexpected(sealed.error());
  }
  if (!sealed->has_value()) {
    return std::vector<std::string>{};
  }
  auto plain = crypto::open(keys_->master_key(), **sealed, as_bytes(kHoneySetPurpose));
  if (!plain) {
    return fail(ErrorCode::kIntegrity, "the sealed honey set failed authentication");
  }
  return decode_honey_ids(*plain);
}

Result<void> Vault::seal_decoys(std::span<const std::string> patient_ids) {
  const std::vector<uint8_t> sealed =
      crypto::seal(keys_->master_key(), encode_honey_ids(patient_ids), as_bytes(kHoneySetPurpose));
  return keyring_->put_system_key(std::string(kHoneySetName), sealed);
}

Result<void> Vault::add_decoys(std::span<const std::string> patient_ids) {
  auto stored = sealed_decoys();
  if (!stored) {
    return tl::unexpected(stored.error());
  }
  std::vector<std::string> ids = std::move(*stored);
  ids.insert(ids.end(), patient_ids.begin(), patient_ids.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (auto sealed = seal_decoys(ids); !sealed) {
    return sealed;
  }
  honey_->assign(ids);
  return {};
}

}  // namespace vigie::vault
