#include "store/sqlite/snapshot.hpp"

#include <sqlite3.h>

#include "store/sqlite/sqlite_handle.hpp"

namespace vigie::store::sqlite {

namespace {

// How long the backup waits for a lock on the source (a checkpoint, a writer in rollback mode).
constexpr int kBusyTimeoutMs = 5000;

Result<void> copy_pages(Database& source, Database& destination, std::string_view file_kind) {
  sqlite3_busy_timeout(source.handle(), kBusyTimeoutMs);
  sqlite3_backup* backup =
      sqlite3_backup_init(destination.handle(), "main", source.handle(), "main");
  if (backup == nullptr) {
    return tl::unexpected(sqlite_error(sqlite3_errcode(destination.handle()), "backup", file_kind));
  }
  // -1: every page in one step, under one read transaction of the source.
  const int stepped = sqlite3_backup_step(backup, -1);
  const int finished = sqlite3_backup_finish(backup);
  if (stepped != SQLITE_DONE) {
    return tl::unexpected(sqlite_error(stepped, "backup", file_kind));
  }
  if (finished != SQLITE_OK) {
    return tl::unexpected(sqlite_error(finished, "backup", file_kind));
  }
  return {};
}

}  // namespace

Result<void> snapshot_database(const std::filesystem::path& source,
                               const std::filesystem::path& destination,
                               std::string_view file_kind) {
  auto from = Database::open(source, OpenMode::kOpenExisting, file_kind);
  if (!from) {
    return tl::unexpected(from.error());
  }
  auto copied = [&]() -> Result<void> {
    auto to = Database::open(destination, OpenMode::kCreate, "backup copy");
    if (!to) {
      return tl::unexpected(to.error());
    }
    return copy_pages(*from, *to, file_kind);
  }();
  if (!copied && copied.error().code != ErrorCode::kConflict) {
    remove_database_files(destination);
  }
  return copied;
}

}  // namespace vigie::store::sqlite
