#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/secret_bytes.hpp"

namespace vigie::vault {

// Unwrapped per-patient data keys, kept in fixed-size slots of ONE span of locked memory that the
// owner provides (SharedKeys carves it from its crypto::LockedBlock): one sodium_malloc per key
// would cost four memory mappings and a system call each, which made every cache miss cost more
// than the read itself. When full, one slot is recycled (CLOCK: a key used since the hand last
// passed gets a second chance) and wiped before reuse. Not thread-safe: the one cache of a vault
// lives in SharedKeys, behind its mutex.
class DataKeyCache {
 public:
  static constexpr size_t kKeyBytes = 32;

  // slots.size() / kKeyBytes keys (at least one) in `slots`: zeroed locked memory that outlives
  // the cache.
  explicit DataKeyCache(std::span<uint8_t> slots);

  [[nodiscard]] size_t capacity() const { return owners_.size(); }

  // The key of `compartment`, or nullopt when it is not cached. The span stays valid until the
  // next insert() or erase().
  [[nodiscard]] std::optional<std::span<const uint8_t>> find(const std::string& compartment);

  // A zeroed slot for `compartment`'s key, for the caller to fill (replacing any cached one).
  [[nodiscard]] std::span<uint8_t> insert(const std::string& compartment);

  // Forgets `compartment`'s key and wipes its slot.
  void erase(const std::string& compartment);
  // Forgets every key and wipes every slot.
  void clear();

 private:
  [[nodiscard]] size_t take_slot();
  [[nodiscard]] std::span<uint8_t> slot(size_t index);

  std::span<uint8_t> slots_;
  std::vector<std::string> owners_;  // compartment of each slot, empty when free
  std::vector<bool> recently_used_;
  std::unordered_map<std::string, size_t> index_;
  size_t clock_hand_ = 0;
};

}  // namespace vigie::vault
