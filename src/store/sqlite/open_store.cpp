#include "store/sqlite/open_store.hpp"

#include <string>

namespace vigie::store::sqlite {

namespace {

constexpr int kBusyTimeoutMs = 5000;

}  // namespace

Result<void> configure(Database& db, const FileSettings& settings,
                       std::span<const Migration> migrations, OpenMode mode) {
  if (int rc = sqlite3_busy_timeout(db.handle(), kBusyTimeoutMs); rc != SQLITE_OK) {
    return tl::unexpected(sqlite_error(rc, "set busy timeout", db.file_kind()));
  }
  if (auto journal = db.set_journal_mode(settings.journal_mode); !journal) {
    return journal;
  }
  if (auto configured =
          db.exec("configure " + std::string(settings.file_kind), std::string(settings.pragmas));
      !configured) {
    return configured;
  }
  return migrate(db, migrations, mode);
}

}  // namespace vigie::store::sqlite
