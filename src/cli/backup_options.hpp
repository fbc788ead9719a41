#pragma once

#include <string>

// The options of `vigie backup`, `vigie backup verify` and `vigie restore`
// (cli/backup_commands.hpp), held in cli::Options.

namespace vigie::cli {

struct BackupOptions {
  bool keyring = false;        // backup --keyring: the keyring file instead of the data
  std::string from;            // restore --from: the data backup
  std::string keyring_backup;  // restore, verify --keyring: a keyring backup
  std::string ledger;          // restore --ledger: the live vault or a later keyring backup
  bool without_current_ledger = false;  // restore --without-current-ledger
  std::string file;                     // verify FILE
};

}  // namespace vigie::cli
