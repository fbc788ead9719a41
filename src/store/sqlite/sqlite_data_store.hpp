#pragma once

#include <filesystem>
#include <memory>
#include <span>

#include "common/error.hpp"
#include "store/sqlite/schema_migrations.hpp"
#include "store/store.hpp"

// Private to store/sqlite and its tests.

namespace vigie::store::sqlite {

// The data file's schema history, oldest first.
[[nodiscard]] std::span<const Migration> data_migrations();

// open_data_store with a given migration list instead of data_migrations(), so tests can prove
// that a file written by an older build is migrated forward.
[[nodiscard]] Result<std::unique_ptr<DataStore>> open_data_store_with_migrations(
    const std::filesystem::path& path, OpenMode mode, std::span<const Migration> migrations);

}  // namespace vigie::store::sqlite
