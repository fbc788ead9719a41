#pragma once

#include <string>

// The options of `vigie backup`, `vigie backup verify` and `vigie restore`
// (cli/backup_commands.hpp), held in cli::Options.

namespace vigie::cli {

struct BackupOptions {
  bool keyring = false;        // backup --keyring: the keyring file instead of the data
  bool ledger_copy = false;    // backup --ledger-copy: start the erasure ledger's copy at --out
  std::string from;            // restore --from: the data backup
  std::string keyring_backup;  // restore, verify --keyring: a keyring backup
  std::string
      ledger;  // restore --ledger: the live vault, its ledger copy or a later keyring backup
  bool without_current_ledger = false;  // restore --without-current-ledger
  std::string file;                     // verify FILE
};

}  // namespace vigie::cli
