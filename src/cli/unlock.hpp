#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"
#include "gate/gate.hpp"

namespace vigie::cli {

// How a command was told to unlock the vault. A passphrase never comes from an argument.
struct UnlockOptions {
  std::string passphrase_file;  // --passphrase-file
  std::string key_file;         // --key-file
};

inline constexpr char kPassphraseFileVariable[] = "VIGIE_PASSPHRASE_FILE";
inline constexpr size_t kMinPassphraseCharacters = 12;

// Reads a whole secret file (at most 64 KiB) into locked memory, once it is a regular file owned
// by the effective user and readable by no one else (common/private_file.hpp). `what` names it in
// the error ("passphrase file", "webhook secret file").
[[nodiscard]] Result<crypto::SecretBytes> read_secret_file(const std::string& path,
                                                           std::string_view what);

// The secret that opens an existing vault, from the first source that is given: --key-file,
// --passphrase-file, the file named by $VIGIE_PASSPHRASE_FILE, a prompt on the terminal.
// kUsage when there is none, kInvalidInput when a passphrase file is empty. A secret file must be
// a regular file owned by the effective user (root included: a file another account owns could
// have been swapped by it) that group and others can neither read nor write; kUnlockFailed, naming
// the file and the fix (chmod 600), when it is not, or is missing or unreadable.
[[nodiscard]] Result<gate::UnlockSecret> secret_for_open(const UnlockOptions& options);

// The passphrase of a new vault: from --passphrase-file / $VIGIE_PASSPHRASE_FILE, or asked twice
// on the terminal. kInvalidInput when shorter than 12 characters or when the two entries differ.
[[nodiscard]] Result<gate::UnlockSecret> passphrase_for_init(const UnlockOptions& options);

// The key-file unlocker of a new vault: creates `path` (O_EXCL, mode 0600, 32 random bytes).
// kConflict when `path` exists: an existing file is never adopted as a new key.
[[nodiscard]] Result<gate::UnlockSecret> key_file_for_init(const std::string& path);

}  // namespace vigie::cli
