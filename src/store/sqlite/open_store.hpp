#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <utility>

#include "common/error.hpp"
#include "store/sqlite/schema_migrations.hpp"
#include "store/sqlite/sqlite_handle.hpp"
#include "store/store.hpp"

// Private to store/sqlite: what opening the data file and opening the keyring file share.

namespace vigie::store::sqlite {

// How one kind of file is opened.
struct FileSettings {
  // kDataFile or kKeyringFile, for error messages.
  std::string_view file_kind;
  // The argument of "PRAGMA journal_mode", e.g. "wal" or "delete".
  std::string_view journal_mode;
  // PRAGMA statements run on every new connection, after the journal mode is set.
  std::string_view pragmas;
};

// Sets up a newly opened connection: a busy timeout, `settings.journal_mode` and
// `settings.pragmas`, then brings its schema to the last of `migrations` (see migrate()).
// Returns the first failure.
[[nodiscard]] Result<void> configure(Database& db, const FileSettings& settings,
                                     std::span<const Migration> migrations, OpenMode mode);

// Opens `path` (see Database::open), configures it, then hands the connection to a new `Impl`
// (an implementation of `Interface` constructed from a Database) and prepares its statements
// with Impl::prepare_statements(). When `mode` is kCreate and any step after the file was made
// fails, the connection is closed and the file removed (remove_database_files); a file that
// existed before is never removed.
template <typename Interface, typename Impl>
[[nodiscard]] Result<std::unique_ptr<Interface>> open_store(const std::filesystem::path& path,
                                                            OpenMode mode,
                                                            const FileSettings& settings,
                                                            std::span<const Migration> migrations) {
  auto db = Database::open(path, mode, settings.file_kind);
  if (!db) {
    return tl::unexpected(db.error());
  }
  // The connection lives inside this lambda, so it is closed before the files are removed.
  auto store = [&](Database opened) -> Result<std::unique_ptr<Interface>> {
    if (auto configured = configure(opened, settings, migrations, mode); !configured) {
      return tl::unexpected(configured.error());
    }
    auto impl = std::make_unique<Impl>(std::move(opened));
    if (auto prepared = impl->prepare_statements(); !prepared) {
      return tl::unexpected(prepared.error());
    }
    return impl;
  }(std::move(*db));
  if (!store && mode == OpenMode::kCreate) {
    remove_database_files(path);
  }
  return store;
}

}  // namespace vigie::store::sqlite
