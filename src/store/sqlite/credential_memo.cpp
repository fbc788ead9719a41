#include "store/sqlite/credential_memo.hpp"

#include <algorithm>

namespace vigie::store::sqlite {

namespace {

std::array<uint8_t, 32> key_of(std::span<const uint8_t, 32> hash) {
  std::array<uint8_t, 32> key{};
  std::ranges::copy(hash, key.begin());
  return key;
}

}  // namespace

std::optional<CredentialWithAccount> CredentialMemo::find(const FileStamp& stamp,
                                                          std::span<const uint8_t, 32> hash) {
  follow(stamp);
  const auto known = answers_.find(key_of(hash));
  if (known == answers_.end()) {
    return std::nullopt;
  }
  return known->second;
}

void CredentialMemo::remember(const FileStamp& stamp, std::span<const uint8_t, 32> hash,
                              const CredentialWithAccount& answer) {
  follow(stamp);
  if (answers_.size() >= kCapacity) {
    answers_.clear();
  }
  answers_.insert_or_assign(key_of(hash), answer);
}

void CredentialMemo::follow(const FileStamp& stamp) {
  if (stamp != stamp_) {
    answers_.clear();
    stamp_ = stamp;
  }
}

}  // namespace vigie::store::sqlite
