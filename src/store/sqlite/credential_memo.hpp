#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>

#include "store/store.hpp"

// Private to store/sqlite.

namespace vigie::store::sqlite {

// One connection's view of its file: PRAGMA data_version, which moves when any other connection
// (of this process or another) commits, and sqlite3_total_changes64, which moves when this one
// changes a row. While neither moves, a read outside a transaction gives what it gave before.
struct FileStamp {
  int64_t data_version = 0;
  int64_t own_changes = 0;

  bool operator==(const FileStamp&) const = default;
};

// The answers of credential_with_account_by_hash on one connection, kept while its FileStamp does
// not move: authenticating the same secret again then runs no join. Found rows only, keyed by the
// secret's hash (never the secret); emptied when the stamp moves and when it holds kCapacity
// answers. Not thread-safe: it belongs to its connection, and so to one thread.
class CredentialMemo {
 public:
  static constexpr size_t kCapacity = 1024;

  // The answer remembered for `hash` under `stamp`; nullopt if there is none, or if the stamp has
  // moved since (everything remembered is then dropped).
  [[nodiscard]] std::optional<CredentialWithAccount> find(const FileStamp& stamp,
                                                          std::span<const uint8_t, 32> hash);
  // Remembers `answer`, read outside a transaction after `stamp` was taken.
  void remember(const FileStamp& stamp, std::span<const uint8_t, 32> hash,
                const CredentialWithAccount& answer);

 private:
  void follow(const FileStamp& stamp);

  FileStamp stamp_;
  std::map<std::array<uint8_t, 32>, CredentialWithAccount> answers_;
};

}  // namespace vigie::store::sqlite
