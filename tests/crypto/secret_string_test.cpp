// crypto::SecretString: text secrets in locked memory, never copied, never from a std::string.
#include "crypto/secret_string.hpp"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <utility>

namespace vigie::crypto {
namespace {

// A password typed into a std::string must not turn into a SecretString by accident, and a
// SecretString is never duplicated.
static_assert(!std::is_convertible_v<std::string, SecretString>);
static_assert(!std::is_copy_constructible_v<SecretString>);
static_assert(!std::is_copy_assignable_v<SecretString>);
static_assert(std::is_nothrow_move_constructible_v<SecretString>);

class SecretStringTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(initialize()); }
};

TEST_F(SecretStringTest, HoldsTheTextItWasGiven) {
  const SecretString secret{std::string_view("correct horse battery staple")};
  EXPECT_EQ(secret.view(), "correct horse battery staple");
  EXPECT_EQ(secret.size(), 28U);
  EXPECT_FALSE(secret.empty());
  EXPECT_TRUE(SecretString().empty());
  EXPECT_EQ(SecretString().view(), "");
}

TEST_F(SecretStringTest, AMoveHandsOverTheSameLockedBytes) {
  SecretString first("un mot de passe");
  const char* where = first.view().data();
  SecretString second = std::move(first);
  EXPECT_EQ(second.view().data(), where);
  EXPECT_EQ(second.view(), "un mot de passe");
  EXPECT_TRUE(first.empty());  // NOLINT(bugprone-use-after-move): the move empties it
  SecretString third;
  third = std::move(second);
  EXPECT_EQ(third.view().data(), where);
}

TEST_F(SecretStringTest, AdoptTakesSecretBytesWithoutACopy) {
  SecretBytes bytes =
      SecretBytes::copy_of(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("abc123"), 6));
  const void* where = bytes.data();
  const SecretString secret = SecretString::adopt(std::move(bytes));
  EXPECT_EQ(static_cast<const void*>(secret.view().data()), where);
  EXPECT_EQ(secret.view(), "abc123");
}

TEST_F(SecretStringTest, TakeWipesTheStringItCopied) {
  // Longer than the small-string buffer: the characters live in a heap block the test keeps
  // reading through its own pointer while the string still owns it.
  std::string typed = "a passphrase long enough to live on the heap";
  typed.reserve(128);
  const char* buffer = typed.data();
  const size_t length = typed.size();
  const SecretString secret = SecretString::take(std::move(typed));
  EXPECT_EQ(secret.view(), "a passphrase long enough to live on the heap");
  EXPECT_TRUE(typed.empty());  // NOLINT(bugprone-use-after-move): take() clears it
  EXPECT_EQ(typed.data(), buffer) << "take() keeps the wiped block with the string";
  EXPECT_EQ(std::string(buffer, length), std::string(length, '\0'));
}

}  // namespace
}  // namespace vigie::crypto
