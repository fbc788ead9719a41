#pragma once

#include <filesystem>
#include <memory>

#include "common/error.hpp"
#include "store/store.hpp"

namespace vigie::store::sqlite {

// Opens or creates the data file (WAL, synchronous=NORMAL, foreign keys on, secure_delete on,
// temp_store=MEMORY, busy timeout). Runs forward schema migrations on open; refuses a file whose
// schema is newer than this build (kIntegrity naming both versions).
[[nodiscard]] Result<std::unique_ptr<DataStore>> open_data_store(const std::filesystem::path& path,
                                                                 OpenMode mode);

// Opens or creates the keyring file (rollback journal, synchronous=FULL, secure_delete on).
[[nodiscard]] Result<std::unique_ptr<KeyringStore>> open_keyring_store(
    const std::filesystem::path& path, OpenMode mode);

}  // namespace vigie::store::sqlite
