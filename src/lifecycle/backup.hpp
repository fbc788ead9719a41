#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"
#include "lifecycle/backup_header.hpp"
#include "store/store.hpp"
#include "vault/vault.hpp"

// lifecycle/ backups: sealed copies of a vault's data and audit files, the keyring copied apart,
// and the erasure ledger a restore replays (docs/architecture.md, "Backups that never
// resurrect"). These functions handle files and keys they are given; gate/ decides who may call
// them and records each call.

namespace vigie::lifecycle {

// What a data backup holds, as written.
struct BackupSummary {
  uint64_t data_bytes = 0;
  uint64_t audit_bytes = 0;
};

// Writes a sealed backup of the vault in `vault_dir` to `out`, a new file (mode 0600; kConflict
// when it exists, and it is left alone). First a consistent snapshot of the data file, then one
// of the audit file (in that order: every write in the data snapshot has its audit intent in the
// audit snapshot), each made with SQLite's online backup API into a private directory inside the
// vault while writers go on, then streamed through the seal into `out` and removed. The
// keyring is never read: a data backup carries no key. On failure `out` is removed.
[[nodiscard]] Result<BackupSummary> write_data_backup(const std::filesystem::path& vault_dir,
                                                      const crypto::SecretBytes& backup_key,
                                                      const std::filesystem::path& out,
                                                      int64_t now_ms);

// Opens the sealed backup `backup` with `backup_key` and writes the data and audit files into
// `vault_dir` (an existing directory that holds neither). kIntegrity, with nothing left behind,
// when the backup does not open with that key, was altered in any byte, is truncated or has
// bytes after its end; kNotFound when it does not exist.
[[nodiscard]] Result<BackupSummary> open_data_backup(const std::filesystem::path& backup,
                                                     const crypto::SecretBytes& backup_key,
                                                     const std::filesystem::path& vault_dir);

// Copies the keyring file of the vault in `vault_dir` to `out`, a new file (mode 0600; kConflict
// when it exists), with SQLite's online backup API: a keyring file as it stood at one commit. It
// is not sealed again: every key in it is wrapped, the master key under each unlocker
// (Argon2id of a passphrase, or a key file), the others under the master key.
[[nodiscard]] Result<void> write_keyring_backup(const std::filesystem::path& vault_dir,
                                                const std::filesystem::path& out);

// The erasure ledger of `source`: a vault directory (its keyring file: the live vault) or a
// keyring file (a keyring backup taken after the last erasure). kNotFound when it holds neither.
[[nodiscard]] Result<std::vector<store::ErasureLedgerEntry>> read_erasure_ledger(
    const std::filesystem::path& source);

// Writes into `staging` (an existing empty directory) the vault files of a restore: the keyring
// (a copy of `keyring_file`: a keyring backup, or the live vault's keyring), then the data and
// audit files of `backup`, opened with the backup key that keyring and `secret` give. The
// restored data file's checkpoint policy loses its external file: that file belongs to the live
// vault, whose chain the restored one is not. kUnlockFailed when `secret` does not unlock the
// keyring; kIntegrity as open_data_backup.
[[nodiscard]] Result<BackupSummary> unpack_backup(const std::filesystem::path& backup,
                                                  const std::filesystem::path& keyring_file,
                                                  const vault::UnlockSecret& secret,
                                                  const std::filesystem::path& staging);

}  // namespace vigie::lifecycle
