#pragma once

#include <filesystem>
#include <string_view>

#include "common/error.hpp"

// Consistent copies of a live SQLite file, for backups (lifecycle/).

namespace vigie::store::sqlite {

// Copies the database at `source` into a new file `destination` (created exclusively, mode 0600;
// kConflict when it exists) with SQLite's online backup API, in one step: the copy is the state
// of one committed transaction, read under a WAL read lock, so writers of other connections and
// processes go on meanwhile. `file_kind` names the source in errors (kDataFile, ...). kNotFound
// when `source` does not exist. On failure, `destination` is removed.
[[nodiscard]] Result<void> snapshot_database(const std::filesystem::path& source,
                                             const std::filesystem::path& destination,
                                             std::string_view file_kind);

}  // namespace vigie::store::sqlite
