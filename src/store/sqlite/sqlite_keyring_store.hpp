#pragma once

#include <filesystem>
#include <memory>
#include <span>

#include "common/error.hpp"
#include "store/sqlite/schema_migrations.hpp"
#include "store/store.hpp"

// Private to store/sqlite and its tests.

namespace vigie::store::sqlite {

// The keyring file's schema history, oldest first.
[[nodiscard]] std::span<const Migration> keyring_migrations();

// open_keyring_store with a given migration list instead of keyring_migrations(), so tests can
// prove that a file written by an older build is migrated forward.
[[nodiscard]] Result<std::unique_ptr<KeyringStore>> open_keyring_store_with_migrations(
    const std::filesystem::path& path, OpenMode mode, std::span<const Migration> migrations);

}  // namespace vigie::store::sqlite
