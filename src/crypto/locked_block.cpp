#include "crypto/locked_block.hpp"

#include <sodium.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "crypto/preconditions.hpp"

namespace vigie::crypto {

namespace {

constexpr size_t kCarveAlignment = 16;

size_t page_size() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Memory this process has locked already, in KiB (VmLck of /proc/self/status; 0 if unknown).
size_t locked_kib_now() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmLck:")) {
      return static_cast<size_t>(std::strtoull(line.c_str() + 6, nullptr, 10));
    }
  }
  return 0;
}

tl::unexpected<Error> cannot_lock(size_t bytes) {
  rlimit limit{};
  getrlimit(RLIMIT_MEMLOCK, &limit);
  const bool unlimited = limit.rlim_cur == RLIM_INFINITY;
  std::string french = unlimited ? "illimité" : fmt::format("{} Kio", limit.rlim_cur / 1024);
  std::string english = unlimited ? "unlimited" : fmt::format("{} KiB", limit.rlim_cur / 1024);
  if (const size_t locked = locked_kib_now(); locked > 0) {
    french += fmt::format(" ; ce processus en verrouille déjà {} Kio", locked);
    english += fmt::format("; this process locks {} KiB already", locked);
  }
  const size_t kib = round_up(bytes, 1024) / 1024;
  return fail(ErrorCode::kInternal,
              fmt::format("impossible de verrouiller {} Kio de mémoire pour les secrets "
                          "(RLIMIT_MEMLOCK vaut {}) : augmentez la limite, par exemple `ulimit -l "
                          "{}` ou LimitMEMLOCK={}K dans l'unité systemd",
                          kib, french, kib, kib),
              fmt::format("cannot lock {} KiB of memory for secrets (RLIMIT_MEMLOCK is {}): raise "
                          "it, e.g. `ulimit -l {}` or LimitMEMLOCK={}K in the systemd unit",
                          kib, english, kib, kib));
}

}  // namespace

Result<LockedBlock> LockedBlock::allocate(size_t bytes, size_t process_bytes) {
  require_initialized();
  const size_t page = page_size();
  const size_t size = round_up(bytes == 0 ? 1 : bytes, page);
  void* mapping = mmap(nullptr, size + 2 * page, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mapping == MAP_FAILED) {
    return fail(ErrorCode::kInternal, "impossible d'allouer la mémoire des secrets",
                fmt::format("cannot map {} KiB of memory for secrets", size / 1024));
  }
  LockedBlock block;
  block.mapping_ = static_cast<uint8_t*>(mapping);
  block.data_ = block.mapping_ + page;
  block.size_ = size;
  if (mprotect(block.mapping_, page, PROT_NONE) != 0 ||
      mprotect(block.data_ + size, page, PROT_NONE) != 0) {
    return fail(ErrorCode::kInternal, "impossible de protéger la mémoire des secrets",
                "cannot set the guard pages around the memory for secrets");
  }
  if (mlock(block.data_, size) != 0) {
    return cannot_lock(std::max(size, process_bytes));
  }
  // Excluded from core dumps even if they are turned on again; not every kernel knows the flag.
  static_cast<void>(madvise(block.data_, size, MADV_DONTDUMP));
  return block;
}

LockedBlock::~LockedBlock() { release(); }

LockedBlock::LockedBlock(LockedBlock&& other) noexcept
    : mapping_(std::exchange(other.mapping_, nullptr)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      used_(std::exchange(other.used_, 0)) {}

LockedBlock& LockedBlock::operator=(LockedBlock&& other) noexcept {
  if (this != &other) {
    release();
    mapping_ = std::exchange(other.mapping_, nullptr);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    used_ = std::exchange(other.used_, 0);
  }
  return *this;
}

std::span<uint8_t> LockedBlock::carve(size_t bytes) {
  const size_t start = round_up(used_, kCarveAlignment);
  if (start > size_ || bytes > size_ - start) {
    die("locked block exhausted (programming error)");
  }
  used_ = start + bytes;
  return {data_ + start, bytes};
}

void LockedBlock::release() {
  if (mapping_ == nullptr) {
    return;
  }
  sodium_memzero(data_, size_);
  munlock(data_, size_);
  munmap(mapping_, size_ + 2 * page_size());
  mapping_ = nullptr;
  data_ = nullptr;
  size_ = 0;
  used_ = 0;
}

Result<void> check_memory_locking(size_t bytes) {
  void* scratch = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (scratch != MAP_FAILED) {
    const bool locked = mlock(scratch, bytes) == 0;
    if (locked) {
      munlock(scratch, bytes);
    }
    munmap(scratch, bytes);
    if (locked) {
      return {};
    }
  }
  return cannot_lock(bytes);
}

}  // namespace vigie::crypto
