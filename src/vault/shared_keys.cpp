#include "vault/shared_keys.hpp"

#include <algorithm>
#include <utility>

#include "crypto/kdf.hpp"

namespace vigie::vault {

SharedKeys::SharedKeys(crypto::SecretBytes master_key, size_t cached_data_keys)
    : master_key_(std::move(master_key)),
      blind_indexer_(crypto::derive_subkey(master_key_, 1, "blindidx")),
      ledger_key_(crypto::derive_subkey(master_key_, 1, "ledger__")),
      data_keys_(cached_data_keys) {}

bool SharedKeys::find_key(const std::string& compartment, std::span<uint8_t> out) {
  std::lock_guard lock(mutex_);
  auto cached = data_keys_.find(compartment);
  if (!cached) {
    return false;
  }
  std::copy(cached->begin(), cached->end(), out.begin());
  return true;
}

bool SharedKeys::has_key(const std::string& compartment) {
  std::lock_guard lock(mutex_);
  return data_keys_.find(compartment).has_value();
}

void SharedKeys::cache_key(const std::string& compartment, std::span<const uint8_t> key,
                           int64_t generation) {
  std::lock_guard lock(mutex_);
  if (generation < erasure_generation_) {
    return;
  }
  std::span<uint8_t> slot = data_keys_.insert(compartment);
  std::copy(key.begin(), key.end(), slot.begin());
}

void SharedKeys::forget_key(const std::string& compartment) {
  std::lock_guard lock(mutex_);
  data_keys_.erase(compartment);
}

void SharedKeys::observe_erasure_generation(int64_t generation) {
  std::lock_guard lock(mutex_);
  if (generation > erasure_generation_) {
    data_keys_.clear();
    erasure_generation_ = generation;
  }
}

}  // namespace vigie::vault
