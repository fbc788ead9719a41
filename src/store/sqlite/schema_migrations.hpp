#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/error.hpp"
#include "store/sqlite/sqlite_handle.hpp"
#include "store/store.hpp"

namespace vigie::store::sqlite {

// One forward step of a file's schema: `script` takes a file at version `version - 1` to
// `version`. A file's migration list starts at version 1 and has no gaps; it is only ever
// appended to (a released script never changes).
struct Migration {
  int64_t version = 0;
  std::string_view script;
};

// Brings the schema of `db` to the last version of `migrations`, recorded in the one-row table
// schema_version(version).
// kCreate: `db` is a new, empty file; creates schema_version and runs every script.
// kOpenExisting: kIntegrity if the file has no schema_version (not a vigie file) or a version
// newer than the last migration (the message names both numbers). When the file is at the last
// version, only reads it: nothing is written. Otherwise runs the missing scripts in order.
// Every write happens in one IMMEDIATE transaction: on failure the file is left as it was.
// kInternal if `migrations` is empty or not numbered 1, 2, 3, ...
[[nodiscard]] Result<void> migrate(Database& db, std::span<const Migration> migrations,
                                   OpenMode mode);

}  // namespace vigie::store::sqlite
