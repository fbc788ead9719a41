#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/error.hpp"

namespace vigie::crypto {

// One region of locked memory that an owner carves into fixed spans for its long-lived secrets
// (SharedKeys: the master key, the keys derived from it and the data-key cache), so that they
// cost one locked block instead of a locked page (and four mappings) each. The region lies between
// two inaccessible guard pages, is locked with mlock, excluded from core dumps, zeroed on
// release. There is no global state: each block is an object with one owner.
// Not copyable; moves transfer ownership. Not thread-safe: carve every span before the block is
// shared.
class LockedBlock {
 public:
  // `bytes` (rounded up to whole pages) of zeroed, locked memory. kInternal naming RLIMIT_MEMLOCK
  // and how to raise it to `process_bytes` (what the whole process locks, this block included)
  // when the OS refuses to lock them: a secret never silently lands in memory that may be swapped
  // out. kInternal too when the memory cannot be mapped.
  [[nodiscard]] static Result<LockedBlock> allocate(size_t bytes, size_t process_bytes);

  LockedBlock() = default;
  ~LockedBlock();
  LockedBlock(const LockedBlock&) = delete;
  LockedBlock& operator=(const LockedBlock&) = delete;
  LockedBlock(LockedBlock&& other) noexcept;
  LockedBlock& operator=(LockedBlock&& other) noexcept;

  // The next `bytes` of the block, zeroed, starting on a 16-byte boundary; spans never overlap.
  // Aborts when the block has no room left (a programming error: owners size the block first).
  [[nodiscard]] std::span<uint8_t> carve(size_t bytes);

  // Locked bytes in all, and bytes not carved yet.
  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] size_t remaining() const { return size_ - used_; }

 private:
  void release();

  uint8_t* mapping_ = nullptr;  // guard page, then size_ locked bytes, then guard page
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t used_ = 0;
};

// Checks that `bytes` of memory can be locked now (mlock of a scratch mapping, released at once):
// called with the whole locked-memory budget before any secret is read, it stops a command whose
// RLIMIT_MEMLOCK is too low before the first secret is handled. kInternal naming RLIMIT_MEMLOCK
// and how to raise it.
[[nodiscard]] Result<void> check_memory_locking(size_t bytes);

}  // namespace vigie::crypto
