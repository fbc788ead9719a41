#include "vault/shared_keys.hpp"

#include <algorithm>
#include <utility>

#include "crypto/aead.hpp"
#include "crypto/kdf.hpp"

namespace vigie::vault {

namespace {

// The master key, the blind-index key and the ledger key, each 32 bytes on a 16-byte boundary.
constexpr size_t kFixedKeysBytes = 3 * crypto::kKeyBytes;

static_assert(config::kMinLockedMib * (size_t{1} << 20) >=
                  kOtherSecretsBytes + kFixedKeysBytes +
                      kMinCachedDataKeys * DataKeyCache::kKeyBytes,
              "the smallest budget of the configuration must hold the fixed keys, the other "
              "secrets and the smallest cache");

size_t block_bytes_for(const config::MemoryConfig& memory) {
  return memory.locked_bytes() - kOtherSecretsBytes;
}

}  // namespace

size_t SharedKeys::cached_data_keys_for(const config::MemoryConfig& memory) {
  return (block_bytes_for(memory) - kFixedKeysBytes) / DataKeyCache::kKeyBytes;
}

Result<std::shared_ptr<SharedKeys>> SharedKeys::create(const config::MemoryConfig& memory,
                                                       const FillMasterKey& fill) {
  if (auto checked = config::check(memory); !checked) {
    return tl::unexpected(checked.error());
  }
  auto block = crypto::LockedBlock::allocate(block_bytes_for(memory), memory.locked_bytes());
  if (!block) {
    return tl::unexpected(config::with_lower_memory_hint(block.error()));
  }
  std::shared_ptr<SharedKeys> keys(new SharedKeys(std::move(*block)));
  if (auto filled = fill(keys->master_key_); !filled) {
    return tl::unexpected(filled.error());
  }
  crypto::derive_subkey_into(keys->master_key_, 1, "blindidx", keys->blind_key_);
  crypto::derive_subkey_into(keys->master_key_, 1, "ledger__", keys->ledger_key_);
  return keys;
}

SharedKeys::SharedKeys(crypto::LockedBlock block)
    : block_(std::move(block)),
      master_key_(block_.carve(crypto::kKeyBytes)),
      blind_key_(block_.carve(crypto::kKeyBytes)),
      ledger_key_(block_.carve(crypto::kKeyBytes)),
      blind_indexer_(blind_key_),
      data_keys_(
          block_.carve(block_.remaining() / DataKeyCache::kKeyBytes * DataKeyCache::kKeyBytes)) {}

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
