#pragma once

#include <string>

#include "common/error.hpp"
#include "gate/gate.hpp"

namespace vigie::cli {

// How a command was told to unlock the vault. A passphrase never comes from an argument.
struct UnlockOptions {
  std::string passphrase_file;  // --passphrase-file
  std::string key_file;         // --key-file
};

inline constexpr char kPassphraseFileVariable[] = "VIGIE_PASSPHRASE_FILE";
inline constexpr size_t kMinPassphraseCharacters = 12;

// The secret that opens an existing vault, from the first source that is given: --key-file,
// --passphrase-file, the file named by $VIGIE_PASSPHRASE_FILE, a prompt on the terminal.
// kUsage when there is none, kInvalidInput when a file is unreadable or empty.
[[nodiscard]] Result<gate::UnlockSecret> secret_for_open(const UnlockOptions& options);

// The passphrase of a new vault: from --passphrase-file / $VIGIE_PASSPHRASE_FILE, or asked twice
// on the terminal. kInvalidInput when shorter than 12 characters or when the two entries differ.
[[nodiscard]] Result<gate::UnlockSecret> passphrase_for_init(const UnlockOptions& options);

// The key-file unlocker of a new vault: reads `path`, or creates it (mode 0600, 32 random bytes)
// when it does not exist.
[[nodiscard]] Result<gate::UnlockSecret> key_file_for_init(const std::string& path);

}  // namespace vigie::cli
