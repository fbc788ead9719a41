#include "crypto/password_hash.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace vigie::crypto {
namespace {

using namespace std::string_literals;

// libsodium's lowest Argon2id cost (crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN),
// which keeps these tests fast.
constexpr PasswordHashLimits kFast{1, 8192};

std::string hash_or_fail(std::string_view password, const PasswordHashLimits& limits) {
  Result<std::string> hash = hash_password(password, limits);
  EXPECT_TRUE(hash.has_value()) << hash.error().message;
  return hash.value_or("");
}

TEST(PasswordHashTest, InteractiveLimitsAreTwoPassesAnd64MiB) {
  const PasswordHashLimits limits = interactive_password_limits();
  EXPECT_EQ(limits.ops_limit, 2u);
  EXPECT_EQ(limits.mem_limit_bytes, uint64_t{64} << 20);
}

TEST(PasswordHashTest, InteractiveHashIsArgon2idWithItsCostInTheString) {
  const std::string hash = hash_or_fail("correct horse", interactive_password_limits());
  EXPECT_TRUE(hash.starts_with("$argon2id$v=19$m=65536,t=2,p=1$")) << hash;
  EXPECT_FALSE(password_needs_rehash(hash, interactive_password_limits()));
}

TEST(PasswordHashTest, HashVerifiesOnlyItsOwnPassword) {
  const std::string hash = hash_or_fail("correct horse", kFast);
  EXPECT_TRUE(hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$")) << hash;
  EXPECT_TRUE(verify_password(hash, "correct horse"));
  EXPECT_FALSE(verify_password(hash, "correct horsf"));
  EXPECT_FALSE(verify_password(hash, "Correct horse"));
  EXPECT_FALSE(verify_password(hash, ""));
}

TEST(PasswordHashTest, SamePasswordHashesDifferentlyEachTime) {
  const std::string first = hash_or_fail("correct horse", kFast);
  const std::string second = hash_or_fail("correct horse", kFast);
  EXPECT_NE(first, second);
  EXPECT_TRUE(verify_password(second, "correct horse"));
}

TEST(PasswordHashTest, EmptyPasswordAndEmbeddedNulAreHashedAsGiven) {
  const std::string empty = hash_or_fail("", kFast);
  EXPECT_TRUE(verify_password(empty, ""));
  EXPECT_FALSE(verify_password(empty, "x"));

  const std::string with_nul = hash_or_fail("abc\0def"s, kFast);
  EXPECT_TRUE(verify_password(with_nul, "abc\0def"s));
  EXPECT_FALSE(verify_password(with_nul, "abc"));
}

TEST(PasswordHashTest, MalformedHashStringsMatchNothing) {
  const std::string hash = hash_or_fail("correct horse", kFast);
  EXPECT_FALSE(verify_password("", "correct horse"));
  EXPECT_FALSE(verify_password("not a hash", "correct horse"));
  EXPECT_FALSE(verify_password(hash.substr(0, hash.size() - 4), "correct horse"));
  EXPECT_FALSE(verify_password(hash + std::string(200, 'A'), "correct horse"));
  EXPECT_FALSE(verify_password(hash + "\0"s + "tail", "correct horse"));
}

TEST(PasswordHashTest, NeedsRehashWhenTheCostDiffersOrTheStringIsNoHash) {
  const std::string hash = hash_or_fail("correct horse", kFast);
  EXPECT_FALSE(password_needs_rehash(hash, kFast));
  EXPECT_TRUE(password_needs_rehash(hash, PasswordHashLimits{2, 8192}));
  EXPECT_TRUE(password_needs_rehash(hash, PasswordHashLimits{1, 16384}));
  EXPECT_TRUE(password_needs_rehash(hash, interactive_password_limits()));
  EXPECT_TRUE(password_needs_rehash("not a hash", kFast));
  EXPECT_TRUE(password_needs_rehash("", kFast));
}

TEST(PasswordHashTest, LimitsOutsideTheBoundsAreRefused) {
  for (const PasswordHashLimits& limits :
       {PasswordHashLimits{0, 8192}, PasswordHashLimits{1, 8191}, PasswordHashLimits{65, 8192},
        PasswordHashLimits{1, (uint64_t{4} << 30) + 1}}) {
    Result<std::string> hash = hash_password("correct horse", limits);
    ASSERT_FALSE(hash.has_value());
    EXPECT_EQ(hash.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(hash.error().message, "password hash limits outside the allowed bounds");
  }
  EXPECT_TRUE(hash_password("correct horse", PasswordHashLimits{64, 8192}).has_value());
}

}  // namespace
}  // namespace vigie::crypto
