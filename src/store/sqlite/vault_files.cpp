#include <system_error>

#include "store/sqlite/sqlite_store.hpp"

namespace vigie::store::sqlite {

std::filesystem::path data_file_path(const std::filesystem::path& vault_dir) {
  return vault_dir / "vault.db";
}

std::filesystem::path audit_file_path(const std::filesystem::path& vault_dir) {
  return vault_dir / "audit.db";
}

std::filesystem::path keyring_file_path(const std::filesystem::path& vault_dir) {
  return vault_dir / "keyring.db";
}

Result<std::unique_ptr<DataStore>> open_data_connection(const std::filesystem::path& vault_dir) {
  std::error_code error;
  if (!std::filesystem::exists(keyring_file_path(vault_dir), error) ||
      !std::filesystem::exists(data_file_path(vault_dir), error)) {
    return fail(ErrorCode::kNotFound, "no vault in this directory (run `vigie init` first)");
  }
  return open_data_store(data_file_path(vault_dir), OpenMode::kOpenExisting);
}

}  // namespace vigie::store::sqlite
