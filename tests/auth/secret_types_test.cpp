// Passwords, one-time passwords, TOTP secrets and recovery codes live in locked memory
// (crypto::SecretString) from the moment they are read or made (issue 11, item 5): a change back
// to std::string fails the build of these tests.
#include <gtest/gtest.h>

#include <type_traits>
#include <vector>

#include "auth/authenticator.hpp"
#include "auth/recovery_codes.hpp"
#include "auth/totp.hpp"
#include "crypto/secret_string.hpp"

namespace vigie::auth {
namespace {

using crypto::SecretString;

static_assert(std::is_same_v<decltype(LoginRequest::password), SecretString>);
static_assert(std::is_same_v<decltype(LoginRequest::second_factor), SecretString>);
static_assert(std::is_same_v<decltype(Enrolment::temporary_password), SecretString>);
static_assert(std::is_same_v<decltype(Enrolment::otpauth_uri), SecretString>);
static_assert(std::is_same_v<decltype(Enrolment::recovery_codes), std::vector<SecretString>>);
static_assert(std::is_same_v<decltype(RecoveryCodeSet::codes), std::vector<SecretString>>);
static_assert(std::is_same_v<decltype(random_grouped_code(1)), SecretString>);
static_assert(std::is_same_v<decltype(otpauth_uri("", {})), SecretString>);

class SecretTypesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::initialize()); }
};

TEST_F(SecretTypesTest, GeneratedSecretsAreBuiltInLockedMemory) {
  const SecretString password = random_grouped_code(20);
  EXPECT_EQ(password.size(), 24U);  // 20 characters, 4 hyphens
  const uint8_t key[20] = {};
  const SecretString uri = otpauth_uri("jmartin", key);
  EXPECT_TRUE(uri.view().starts_with("otpauth://totp/vigie:jmartin?secret=AAAA")) << uri.view();
}

}  // namespace
}  // namespace vigie::auth
