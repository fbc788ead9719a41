#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/error.hpp"

namespace vigie::crypto {

// Initialises libsodium. Safe to call many times and from several threads; every other function
// of crypto/ calls it first. Fails only when the platform has no usable random source.
[[nodiscard]] Result<void> initialize();

// Secret bytes (keys, passphrases, unwrapped data keys) in memory from sodium_malloc: guard pages,
// mlock'ed where the OS allows, excluded from core dumps, zeroed on release. Each costs at least
// one locked page: long-lived keys of a vault live in one crypto::LockedBlock instead
// (vault/shared_keys.hpp); SecretBytes is for transient and per-connection secrets.
// Not copyable; moves transfer ownership without copying the bytes (written by hand on purpose:
// a defaulted move of a class holding key bytes would duplicate them into unlocked memory).
// Not thread-safe for concurrent mutation; concurrent reads are fine.
class SecretBytes {
 public:
  SecretBytes() = default;
  // Allocates `size` zeroed bytes. Aborts the process if memory cannot be allocated (a secret
  // must never silently fall back to ordinary memory).
  explicit SecretBytes(size_t size);
  ~SecretBytes();

  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;

  // `size` bytes from the OS CSPRNG.
  [[nodiscard]] static SecretBytes random(size_t size);
  // A locked copy of `bytes`. The caller remains responsible for wiping its own copy.
  [[nodiscard]] static SecretBytes copy_of(std::span<const uint8_t> bytes);

  [[nodiscard]] uint8_t* data() { return data_; }
  [[nodiscard]] const uint8_t* data() const { return data_; }
  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] std::span<const uint8_t> view() const { return {data_, size_}; }

 private:
  void release();

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Compares two byte strings in time that depends only on their lengths. Different lengths
// compare unequal.
[[nodiscard]] bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b);

// Overwrites `bytes` with zeros in a way the compiler cannot elide.
void wipe(std::span<uint8_t> bytes);

// Fills `out` from the OS CSPRNG (nonces, ids, salts; a key only into locked memory).
void random_fill(std::span<uint8_t> out);

// Disables core dumps for this process (RLIMIT_CORE = 0, PR_SET_DUMPABLE = 0). kInternal naming
// the setting the OS refused.
[[nodiscard]] Result<void> disable_core_dumps();

}  // namespace vigie::crypto
