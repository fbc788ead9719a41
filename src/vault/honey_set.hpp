#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/error.hpp"

// The honey records of a vault (docs/architecture.md 12.2): the ids of the decoy patients, whose
// compartments look like any other patient's. Whether a patient is a decoy is never stored in
// clear: the set is sealed under the master key in the keyring (Vault::add_decoys) and held here,
// in ordinary memory, once the vault is unlocked. A decoy id is no secret key: an attacker who
// reads the memory of an unlocked vault is outside the threat model (docs/architecture.md 1).

namespace vigie::vault {

// One set for every sibling of an unlocked vault, shared through a std::shared_ptr.
//
// Thread safety: every member may be called from any thread. mutex_ guards ids_ (a reader-writer
// lock: lookups take it shared, add() exclusive); size_ mirrors ids_.size() so that the lookup
// of a vault without decoys takes no lock at all.
class HoneySet {
 public:
  HoneySet() = default;
  HoneySet(const HoneySet&) = delete;
  HoneySet& operator=(const HoneySet&) = delete;

  // Whether `compartment` is a decoy patient's: one hash-set lookup, O(1) on average.
  [[nodiscard]] bool contains(std::string_view compartment) const;
  // Every decoy id, sorted.
  [[nodiscard]] std::vector<std::string> ids() const;
  [[nodiscard]] size_t size() const { return size_.load(std::memory_order_acquire); }
  // Makes the set exactly `ids`.
  void assign(std::span<const std::string> ids);

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  mutable std::shared_mutex mutex_;
  std::unordered_set<std::string, Hash, std::equal_to<>> ids_;  // guarded by mutex_
  std::atomic<size_t> size_ = 0;
};

// The plaintext that the keyring's sealed set holds: a format line, then one id per line, padded
// with zero bytes to a multiple of kHoneyPaddingBytes, so that the sealed size tells the number
// of decoys only to the nearest hundred or so.
inline constexpr size_t kHoneyPaddingBytes = 4096;
[[nodiscard]] std::vector<uint8_t> encode_honey_ids(std::span<const std::string> ids);
// The reverse: kIntegrity unless `plain` is what encode_honey_ids writes.
[[nodiscard]] Result<std::vector<std::string>> decode_honey_ids(std::span<const uint8_t> plain);

}  // namespace vigie::vault
