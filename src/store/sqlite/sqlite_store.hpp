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

// Opens or creates an audit file (WAL, synchronous=NORMAL, busy timeout), running its forward
// schema migrations as open_data_store does.
[[nodiscard]] Result<std::unique_ptr<AuditStore>> open_audit_store(
    const std::filesystem::path& path, OpenMode mode);

// The three files of a vault directory: the data file, the audit file beside it, and the keyring
// file, apart from both so that data backups never carry keys.
[[nodiscard]] std::filesystem::path data_file_path(const std::filesystem::path& vault_dir);
[[nodiscard]] std::filesystem::path audit_file_path(const std::filesystem::path& vault_dir);
[[nodiscard]] std::filesystem::path keyring_file_path(const std::filesystem::path& vault_dir);

// A connection of its own to the data file of the vault in `vault_dir`, opened without unlocking
// the vault: for the accounts and the audit settings. kNotFound when `vault_dir` holds no vault.
[[nodiscard]] Result<std::unique_ptr<DataStore>> open_data_connection(
    const std::filesystem::path& vault_dir);

// A connection of its own to the audit file of the vault in `vault_dir`, opened without unlocking
// the vault: its entries are hashed, not encrypted, and a failed unlock is recorded there. Creates
// the audit file of a vault that has none, copying the log an older build kept in the data file.
// kNotFound when `vault_dir` holds no vault.
[[nodiscard]] Result<std::unique_ptr<AuditStore>> open_audit_connection(
    const std::filesystem::path& vault_dir);

}  // namespace vigie::store::sqlite
