#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "common/error.hpp"
#include "config/config.hpp"
#include "crypto/blind_index.hpp"
#include "crypto/locked_block.hpp"
#include "vault/data_key_cache.hpp"

namespace vigie::vault {

// Out of the process's locked-memory budget ([memory] locked_mib), what SharedKeys leaves to the
// secrets that live outside its block: they are transient (a passphrase and its key-encryption
// key while unlocking, a batch of new data keys while importing) or belong to one connection (a
// sibling's data-key buffer) or to another module (the auth keys, the audit signing key), so
// they come and go in separate SecretBytes, a locked page each: 128 pages.
inline constexpr size_t kOtherSecretsBytes = size_t{512} * 1024;
// The fewest data keys that a budget must leave room for in the cache.
inline constexpr size_t kMinCachedDataKeys = 1024;

// The keys that every sibling of one unlocked vault shares (Vault::open_sibling), owned jointly
// through a std::shared_ptr: one copy of the master key and of the keys derived from it (blind
// index, erasure ledger), and one cache of unwrapped data keys, all carved from ONE
// crypto::LockedBlock of budget - kOtherSecretsBytes bytes; the cache gets every slot the fixed
// keys leave.
//
// Thread safety: the master key, the blind indexer and the ledger key are set once by create()
// and only read afterwards, by any thread, without a lock. mutex_ guards the cache and the
// erasure generation. No span into the cache ever leaves the lock: find_key() copies a key out
// into memory that the caller owns and keeps locked. Copying 32 bytes under the lock costs less
// than a cache lookup; running the AEAD under it instead would serialise every read of every
// worker.
class SharedKeys {
 public:
  // Writes the master key into the span it is given (the master key's place in the block), or
  // fails (a wrong unlock secret).
  using FillMasterKey = std::function<Result<void>(std::span<uint8_t> master_key)>;

  // Allocates and locks the block for `memory`, has `fill` write the master key into it, then
  // derives the blind-index and ledger keys. kUsage when `memory` is out of bounds
  // (config::check); kInternal naming RLIMIT_MEMLOCK, how to raise it and
  // the setting that lowers the need when the block cannot be locked (before `fill` runs); the
  // error of `fill` when it fails.
  [[nodiscard]] static Result<std::shared_ptr<SharedKeys>> create(
      const config::MemoryConfig& memory, const FillMasterKey& fill);

  // Data keys that the cache of a vault holds under `memory` (within config::check's bounds).
  [[nodiscard]] static size_t cached_data_keys_for(const config::MemoryConfig& memory);

  SharedKeys(const SharedKeys&) = delete;
  SharedKeys& operator=(const SharedKeys&) = delete;

  [[nodiscard]] std::span<const uint8_t> master_key() const { return master_key_; }
  [[nodiscard]] const crypto::BlindIndexer& blind_indexer() const { return blind_indexer_; }
  [[nodiscard]] std::span<const uint8_t> ledger_key() const { return ledger_key_; }
  // Bytes of the block, all locked.
  [[nodiscard]] size_t locked_bytes() const { return block_.size(); }

  // Copies `compartment`'s cached data key into `out` (DataKeyCache::kKeyBytes bytes) and returns
  // true; returns false, leaving `out` unchanged, when it is not cached.
  [[nodiscard]] bool find_key(const std::string& compartment, std::span<uint8_t> out);
  [[nodiscard]] bool has_key(const std::string& compartment);

  // Caches `key` for `compartment`, unless `generation` (the erasure generation the caller read
  // before it fetched the key) is older than the newest one seen: that key may belong to a
  // patient erased since, whose key an erasure already swept out of the cache.
  void cache_key(const std::string& compartment, std::span<const uint8_t> key, int64_t generation);
  // Forgets `compartment`'s key.
  void forget_key(const std::string& compartment);

  // Called with the erasure generation just read from the data file: when it is newer than every
  // one seen before, another connection erased a patient, and every cached key is forgotten.
  void observe_erasure_generation(int64_t generation);

 private:
  explicit SharedKeys(crypto::LockedBlock block);

  crypto::LockedBlock block_;  // first: every span below points into it
  const std::span<uint8_t> master_key_;
  const std::span<uint8_t> blind_key_;
  const std::span<uint8_t> ledger_key_;
  const crypto::BlindIndexer blind_indexer_;

  std::mutex mutex_;
  DataKeyCache data_keys_;           // guarded by mutex_
  int64_t erasure_generation_ = -1;  // guarded by mutex_; the newest observed, -1 before any
};

}  // namespace vigie::vault
