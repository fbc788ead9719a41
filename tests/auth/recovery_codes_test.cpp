#include "auth/recovery_codes.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vigie::auth {
namespace {

// libsodium's lowest Argon2id cost keeps these tests fast.
constexpr crypto::PasswordHashLimits kFast{1, 8192};

RecoveryCodeSet new_set() {
  Result<RecoveryCodeSet> set = new_recovery_codes(kFast);
  EXPECT_TRUE(set.has_value()) << set.error().message;
  return set ? std::move(*set) : RecoveryCodeSet{};
}

std::string upper_with_spaces(std::string_view code) {
  std::string out;
  for (char c : code) {
    out.push_back(c == '-' ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

TEST(RecoveryCodesTest, TenDistinctCodesOfThreeGroupsFromTheUnambiguousAlphabet) {
  const RecoveryCodeSet set = new_set();
  ASSERT_EQ(set.codes.size(), 10u);
  ASSERT_EQ(set.stored.size(), 10u);
  const std::regex shape("[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}");
  std::set<std::string> distinct;
  for (const crypto::SecretString& code : set.codes) {
    const std::string text(code.view());
    EXPECT_TRUE(std::regex_match(text, shape)) << text;
    distinct.insert(text);
  }
  EXPECT_EQ(distinct.size(), 10u);
}

TEST(RecoveryCodesTest, StoredFormIsAnUnusedArgon2idHashNotTheCode) {
  const RecoveryCodeSet set = new_set();
  for (size_t index = 0; index < set.stored.size(); ++index) {
    const StoredRecoveryCode& stored = set.stored[index];
    EXPECT_FALSE(stored.used);
    EXPECT_TRUE(stored.hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$")) << stored.hash;
    std::string characters(set.codes[index].view());
    std::erase(characters, '-');
    EXPECT_EQ(stored.hash.find(characters), std::string::npos);
    EXPECT_TRUE(crypto::verify_password(stored.hash, characters));
  }
}

TEST(RecoveryCodesTest, EachCodeRedeemsOnceAndMarksItsOwnEntry) {
  RecoveryCodeSet set = new_set();
  for (size_t index = 0; index < set.codes.size(); ++index) {
    Result<size_t> redeemed = redeem_recovery_code(set.codes[index], set.stored);
    ASSERT_TRUE(redeemed.has_value()) << redeemed.error().message;
    EXPECT_EQ(*redeemed, index);
    EXPECT_TRUE(set.stored[index].used);

    Result<size_t> again = redeem_recovery_code(set.codes[index], set.stored);
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, ErrorCode::kAuthenticationFailed);
    EXPECT_EQ(to_display_text(again.error()),
              "code de récupération refusé / recovery code refused");
  }
  EXPECT_TRUE(std::ranges::all_of(set.stored, [](const auto& stored) { return stored.used; }));
}

TEST(RecoveryCodesTest, CaseSpacesAndHyphensAreIgnored) {
  RecoveryCodeSet set = new_set();
  Result<size_t> upper = redeem_recovery_code(upper_with_spaces(set.codes[3]), set.stored);
  ASSERT_TRUE(upper.has_value()) << upper.error().message;
  EXPECT_EQ(*upper, 3u);

  std::string bare(set.codes[7].view());
  std::erase(bare, '-');
  Result<size_t> without_hyphens = redeem_recovery_code(" " + bare + " ", set.stored);
  ASSERT_TRUE(without_hyphens.has_value());
  EXPECT_EQ(*without_hyphens, 7u);
}

TEST(RecoveryCodesTest, AWellFormedUnknownCodeMarksNothing) {
  RecoveryCodeSet set = new_set();
  std::string unknown = "2222-3333-4444";
  ASSERT_EQ(std::ranges::count(set.codes, unknown, &crypto::SecretString::view), 0);
  Result<size_t> redeemed = redeem_recovery_code(unknown, set.stored);
  ASSERT_FALSE(redeemed.has_value());
  EXPECT_EQ(redeemed.error().code, ErrorCode::kAuthenticationFailed);
  EXPECT_TRUE(std::ranges::none_of(set.stored, [](const auto& stored) { return stored.used; }));
}

TEST(RecoveryCodesTest, TextThatCannotBeACodeIsMalformed) {
  RecoveryCodeSet set = new_set();
  const std::string code(set.codes[0].view());
  const std::string malformed[] = {
      "",
      code.substr(0, code.size() - 1),
      code + "a",
      "abcd-efgh-jkm0",  // 0, o, 1, l and i are not in the alphabet
      "abcd-efgh-jkmo",
      "abcd-efgh-jkm1",
      "abcd-efgh-jkml",
      "abcd-efgh-jkmi",
      "abcd_efgh_jkmn",
  };
  for (const std::string& text : malformed) {
    Result<size_t> redeemed = redeem_recovery_code(text, set.stored);
    ASSERT_FALSE(redeemed.has_value()) << text;
    EXPECT_EQ(redeemed.error().code, ErrorCode::kInvalidInput) << text;
    EXPECT_EQ(to_display_text(redeemed.error()),
              "code de récupération mal formé / malformed recovery code");
  }
}

}  // namespace
}  // namespace vigie::auth
