#include "bench/sync_counter.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <new>

namespace vigie::bench {

namespace {

// The shim's file: the underlying VFS's file lives in the bytes right after it.
struct CountedFile {
  sqlite3_file base;
  sqlite3_file* real;
  bool wal;
};

sqlite3_vfs* underlying = nullptr;
sqlite3_vfs shim{};
std::atomic<uint64_t> syncs{0};
std::atomic<uint64_t> sync_nanoseconds{0};

sqlite3_file* real_of(sqlite3_file* file) { return reinterpret_cast<CountedFile*>(file)->real; }

int counted_close(sqlite3_file* file) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xClose(real);
}
int counted_read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xRead(real, buffer, amount, offset);
}
int counted_write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xWrite(real, buffer, amount, offset);
}
int counted_truncate(sqlite3_file* file, sqlite3_int64 size) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xTruncate(real, size);
}
int counted_sync(sqlite3_file* file, int flags) {
  sqlite3_file* real = real_of(file);
  if (!reinterpret_cast<CountedFile*>(file)->wal) {
    return real->pMethods->xSync(real, flags);
  }
  const auto start = std::chrono::steady_clock::now();
  const int rc = real->pMethods->xSync(real, flags);
  const auto spent = std::chrono::steady_clock::now() - start;
  syncs.fetch_add(1, std::memory_order_relaxed);
  sync_nanoseconds.fetch_add(
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(spent).count()),
      std::memory_order_relaxed);
  return rc;
}
int counted_file_size(sqlite3_file* file, sqlite3_int64* size) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xFileSize(real, size);
}
int counted_lock(sqlite3_file* file, int lock) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xLock(real, lock);
}
int counted_unlock(sqlite3_file* file, int lock) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xUnlock(real, lock);
}
int counted_check_reserved_lock(sqlite3_file* file, int* reserved) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xCheckReservedLock(real, reserved);
}
int counted_file_control(sqlite3_file* file, int operation, void* argument) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xFileControl(real, operation, argument);
}
int counted_sector_size(sqlite3_file* file) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xSectorSize(real);
}
int counted_device_characteristics(sqlite3_file* file) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xDeviceCharacteristics(real);
}
int counted_shm_map(sqlite3_file* file, int region, int size, int extend, void volatile** map) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xShmMap(real, region, size, extend, map);
}
int counted_shm_lock(sqlite3_file* file, int offset, int count, int flags) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xShmLock(real, offset, count, flags);
}
void counted_shm_barrier(sqlite3_file* file) {
  sqlite3_file* real = real_of(file);
  real->pMethods->xShmBarrier(real);
}
int counted_shm_unmap(sqlite3_file* file, int delete_flag) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xShmUnmap(real, delete_flag);
}
int counted_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** page) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xFetch(real, offset, amount, page);
}
int counted_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  sqlite3_file* real = real_of(file);
  return real->pMethods->xUnfetch(real, offset, page);
}

// One table per io_methods version, so that SQLite calls no method the real file lacks.
sqlite3_io_methods methods_of_version(int version) {
  return sqlite3_io_methods{version,
                            counted_close,
                            counted_read,
                            counted_write,
                            counted_truncate,
                            counted_sync,
                            counted_file_size,
                            counted_lock,
                            counted_unlock,
                            counted_check_reserved_lock,
                            counted_file_control,
                            counted_sector_size,
                            counted_device_characteristics,
                            counted_shm_map,
                            counted_shm_lock,
                            counted_shm_barrier,
                            counted_shm_unmap,
                            counted_fetch,
                            counted_unfetch};
}
const std::array<sqlite3_io_methods, 3> kMethods = {methods_of_version(1), methods_of_version(2),
                                                    methods_of_version(3)};

int counted_open(sqlite3_vfs* /*vfs*/, sqlite3_filename name, sqlite3_file* file, int flags,
                 int* out_flags) {
  auto* counted = new (file) CountedFile{{nullptr}, nullptr, (flags & SQLITE_OPEN_WAL) != 0};
  counted->real = reinterpret_cast<sqlite3_file*>(counted + 1);
  const int rc = underlying->xOpen(underlying, name, counted->real, flags, out_flags);
  // SQLite closes the file only when pMethods is set, whether the open failed or not.
  if (const sqlite3_io_methods* real_methods = counted->real->pMethods; real_methods != nullptr) {
    const int version = std::clamp(real_methods->iVersion, 1, 3);
    counted->base.pMethods = &kMethods[static_cast<size_t>(version) - 1];
  }
  return rc;
}

}  // namespace

Result<void> install_wal_sync_counter() {
  if (sqlite3_initialize() != SQLITE_OK) {
    return fail(ErrorCode::kInternal, "SQLite does not initialise");
  }
  underlying = sqlite3_vfs_find(nullptr);
  if (underlying == nullptr) {
    return fail(ErrorCode::kInternal, "SQLite has no default VFS");
  }
  // The underlying VFS's other methods do not depend on which sqlite3_vfs they are called with.
  shim = *underlying;
  shim.szOsFile = static_cast<int>(sizeof(CountedFile)) + underlying->szOsFile;
  shim.zName = "vigie-bench-sync-counter";
  shim.xOpen = counted_open;
  if (sqlite3_vfs_register(&shim, 1) != SQLITE_OK) {
    return fail(ErrorCode::kInternal, "SQLite refused the sync-counting VFS");
  }
  return {};
}

SyncTally wal_syncs() {
  return SyncTally{syncs.load(std::memory_order_relaxed),
                   sync_nanoseconds.load(std::memory_order_relaxed)};
}

}  // namespace vigie::bench
