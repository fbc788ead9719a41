#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <string>

#include "crypto/blind_index.hpp"
#include "crypto/secret_bytes.hpp"
#include "vault/data_key_cache.hpp"

namespace vigie::vault {

// The keys that every sibling of one unlocked vault shares (Vault::open_sibling), owned jointly
// through a std::shared_ptr: one copy of the master key and of the keys derived from it, and one
// cache of unwrapped data keys.
//
// Thread safety: the master key, the blind indexer and the ledger key are set once by the
// constructor and only read afterwards, by any thread, without a lock. mutex_ guards the cache
// and the erasure generation. No span into the cache ever leaves the lock: find_key() copies a
// key out into memory that the caller owns and keeps locked. Copying 32 bytes under the lock
// costs less than a cache lookup; running the AEAD under it instead would serialise every read of
// every worker.
class SharedKeys {
 public:
  // Derives the blind-index and ledger keys from `master_key` and makes an empty cache of
  // `cached_data_keys` keys.
  SharedKeys(crypto::SecretBytes master_key, size_t cached_data_keys);

  SharedKeys(const SharedKeys&) = delete;
  SharedKeys& operator=(const SharedKeys&) = delete;

  [[nodiscard]] const crypto::SecretBytes& master_key() const { return master_key_; }
  [[nodiscard]] const crypto::BlindIndexer& blind_indexer() const { return blind_indexer_; }
  [[nodiscard]] const crypto::SecretBytes& ledger_key() const { return ledger_key_; }

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
  const crypto::SecretBytes master_key_;
  const crypto::BlindIndexer blind_indexer_;
  const crypto::SecretBytes ledger_key_;

  std::mutex mutex_;
  DataKeyCache data_keys_;           // guarded by mutex_
  int64_t erasure_generation_ = -1;  // guarded by mutex_; the newest observed, -1 before any
};

}  // namespace vigie::vault
