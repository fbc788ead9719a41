#include "store/sqlite/credential_memo.hpp"

#include <array>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

// The memo behind credential_with_account_by_hash, on its own: what it keeps and when it forgets.

namespace vigie::store::sqlite {
namespace {

std::array<uint8_t, 32> memo_hash(uint32_t n) {
  std::array<uint8_t, 32> hash{};
  for (size_t i = 0; i < 4; ++i) {
    hash[i] = static_cast<uint8_t>(n >> (8 * i));
  }
  return hash;
}

CredentialWithAccount answer_of(const std::string& id) {
  CredentialWithAccount answer;
  answer.credential.id = id;
  return answer;
}

TEST(CredentialMemo, AnAnswerIsServedOnlyWhileTheStampStaysTheSame) {
  CredentialMemo memo;
  const FileStamp first{.data_version = 3, .own_changes = 10};
  memo.remember(first, memo_hash(1), answer_of("tok-1"));
  ASSERT_TRUE(memo.find(first, memo_hash(1)).has_value());
  EXPECT_EQ(memo.find(first, memo_hash(1))->credential.id, "tok-1");
  EXPECT_FALSE(memo.find(first, memo_hash(2)).has_value());

  EXPECT_FALSE(memo.find(FileStamp{.data_version = 3, .own_changes = 11}, memo_hash(1)));
  // Forgotten for good: going back to the first stamp does not bring it back.
  EXPECT_FALSE(memo.find(first, memo_hash(1)));

  memo.remember(first, memo_hash(1), answer_of("tok-1"));
  EXPECT_FALSE(memo.find(FileStamp{.data_version = 4, .own_changes = 10}, memo_hash(1)));
}

TEST(CredentialMemo, ItEmptiesOnceItHoldsItsCapacity) {
  CredentialMemo memo;
  const FileStamp stamp{.data_version = 1, .own_changes = 0};
  for (uint32_t n = 0; n < CredentialMemo::kCapacity; ++n) {
    memo.remember(stamp, memo_hash(n), answer_of("tok"));
  }
  EXPECT_TRUE(memo.find(stamp, memo_hash(0)).has_value());
  memo.remember(stamp, memo_hash(CredentialMemo::kCapacity), answer_of("tok-last"));
  EXPECT_FALSE(memo.find(stamp, memo_hash(0)).has_value());
  ASSERT_TRUE(memo.find(stamp, memo_hash(CredentialMemo::kCapacity)).has_value());
}

}  // namespace
}  // namespace vigie::store::sqlite
