#pragma once

#include <cstdint>

#include "common/error.hpp"

// Counts the syncs of SQLite write-ahead logs in this process, to tell how many audit entries
// one durable commit carried. A shim VFS (the pattern of SQLite's own vfstrace) over the default
// one forwards every call and counts xSync on files opened as a WAL.

namespace vigie::bench {

// Registers the shim as SQLite's default VFS. Call once, before any database is opened.
[[nodiscard]] Result<void> install_wal_sync_counter();

// WAL syncs since install_wal_sync_counter(), and the time spent in them. Thread-safe.
struct SyncTally {
  uint64_t syncs = 0;
  uint64_t nanoseconds = 0;
};
[[nodiscard]] SyncTally wal_syncs();

}  // namespace vigie::bench
