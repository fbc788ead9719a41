#include "crypto/kdf.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/crypto_test_support.hpp"

namespace vigie::crypto {
namespace {

// libsodium's lower bounds (crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), which keep
// these tests fast. Tests cannot include <sodium.h>; the boundary tests below confirm the values.
constexpr uint64_t kMinOps = 1;
constexpr uint64_t kMinMemBytes = 8192;

using test_support::bytes;
using test_support::counting_bytes;
using test_support::hex;

Argon2Params fast_params(uint8_t salt_fill) {
  Argon2Params params;
  params.ops_limit = kMinOps;
  params.mem_limit_bytes = kMinMemBytes;
  params.salt.fill(salt_fill);
  return params;
}

void expect_implausible(const Result<SecretBytes>& result) {
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(result.error().message, "keyring holds implausible key-derivation parameters");
}

TEST(Argon2Test, NewParamsUseThreePassesAnd64MiBWithRandomSalt) {
  const Argon2Params first = new_argon2_params();
  const Argon2Params second = new_argon2_params();
  EXPECT_EQ(first.ops_limit, 3u);
  EXPECT_EQ(first.mem_limit_bytes, uint64_t{64} * 1024 * 1024);
  EXPECT_NE(first.salt, second.salt);
  EXPECT_NE(first.salt, (std::array<uint8_t, 16>{}));
}

TEST(Argon2Test, NewParamsAreAcceptedForDerivation) {
  Result<SecretBytes> key = derive_key_from_passphrase(bytes("correct horse"), new_argon2_params());
  ASSERT_TRUE(key.has_value()) << key.error().message;
  EXPECT_EQ(key->size(), 32u);
}

TEST(Argon2Test, SamePassphraseAndParamsGiveSameKey) {
  const Argon2Params params = fast_params(7);
  Result<SecretBytes> first = derive_key_from_passphrase(bytes("correct horse"), params);
  Result<SecretBytes> second = derive_key_from_passphrase(bytes("correct horse"), params);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(first->size(), 32u);
  EXPECT_TRUE(constant_time_equal(first->view(), second->view()));
}

TEST(Argon2Test, DifferentSaltOrPassphraseGivesDifferentKey) {
  Result<SecretBytes> base = derive_key_from_passphrase(bytes("correct horse"), fast_params(7));
  Result<SecretBytes> other_salt =
      derive_key_from_passphrase(bytes("correct horse"), fast_params(8));
  Result<SecretBytes> other_pass =
      derive_key_from_passphrase(bytes("correct horsf"), fast_params(7));
  Argon2Params more_passes = fast_params(7);
  more_passes.ops_limit = 2;
  Result<SecretBytes> other_ops = derive_key_from_passphrase(bytes("correct horse"), more_passes);
  ASSERT_TRUE(base && other_salt && other_pass && other_ops);
  EXPECT_FALSE(constant_time_equal(base->view(), other_salt->view()));
  EXPECT_FALSE(constant_time_equal(base->view(), other_pass->view()));
  EXPECT_FALSE(constant_time_equal(base->view(), other_ops->view()));
}

TEST(Argon2Test, EmptyPassphraseStillDerives) {
  Result<SecretBytes> key = derive_key_from_passphrase({}, fast_params(1));
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->size(), 32u);
}

TEST(Argon2Test, TamperedParametersAreRejected) {
  Argon2Params too_many_passes = fast_params(1);
  too_many_passes.ops_limit = 65;
  expect_implausible(derive_key_from_passphrase(bytes("pw"), too_many_passes));

  Argon2Params too_few_passes = fast_params(1);
  too_few_passes.ops_limit = kMinOps - 1;
  expect_implausible(derive_key_from_passphrase(bytes("pw"), too_few_passes));

  Argon2Params too_much_memory = fast_params(1);
  too_much_memory.mem_limit_bytes = (uint64_t{4} << 30) + 1;
  expect_implausible(derive_key_from_passphrase(bytes("pw"), too_much_memory));

  Argon2Params huge_memory = fast_params(1);
  huge_memory.mem_limit_bytes = UINT64_MAX;
  expect_implausible(derive_key_from_passphrase(bytes("pw"), huge_memory));

  Argon2Params too_little_memory = fast_params(1);
  too_little_memory.mem_limit_bytes = kMinMemBytes - 1;
  expect_implausible(derive_key_from_passphrase(bytes("pw"), too_little_memory));
}

TEST(Argon2Test, BoundaryParametersAreAccepted) {
  Argon2Params most_passes = fast_params(1);
  most_passes.ops_limit = 64;
  EXPECT_TRUE(derive_key_from_passphrase(bytes("pw"), most_passes).has_value());
  EXPECT_TRUE(derive_key_from_passphrase(bytes("pw"), fast_params(1)).has_value());
}

TEST(KeyFileTest, TooShortIsRejected) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{31}}) {
    Result<SecretBytes> key = derive_key_from_key_file(counting_bytes(size));
    ASSERT_FALSE(key.has_value()) << size;
    EXPECT_EQ(key.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(key.error().message, "key file must hold at least 32 bytes");
  }
  EXPECT_TRUE(derive_key_from_key_file(counting_bytes(32)).has_value());
}

TEST(KeyFileTest, MatchesKnownAnswer) {
  // BLAKE2b-256("vigie-key-file-v1" || bytes 0..63), computed with Python's hashlib.
  Result<SecretBytes> key = derive_key_from_key_file(counting_bytes(64));
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(hex(key->view()), "8f46b9f5c2d0f0b5364b44a72aaeaad845b716cee79c0d2a48c50d5a2cc52844");
}

TEST(KeyFileTest, DifferentContentsGiveDifferentKeys) {
  std::vector<uint8_t> contents = counting_bytes(40);
  Result<SecretBytes> first = derive_key_from_key_file(contents);
  contents.back() ^= 1;
  Result<SecretBytes> second = derive_key_from_key_file(contents);
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(constant_time_equal(first->view(), second->view()));
}

TEST(SubkeyTest, DeterministicAndIndependent) {
  SecretBytes master = SecretBytes::random(32);
  SecretBytes blind = derive_subkey(master.view(), 1, "blindidx");
  SecretBytes blind_again = derive_subkey(master.view(), 1, "blindidx");
  SecretBytes blind_two = derive_subkey(master.view(), 2, "blindidx");
  SecretBytes pepper = derive_subkey(master.view(), 1, "pepper__");

  ASSERT_EQ(blind.size(), 32u);
  EXPECT_TRUE(constant_time_equal(blind.view(), blind_again.view()));
  EXPECT_FALSE(constant_time_equal(blind.view(), blind_two.view()));
  EXPECT_FALSE(constant_time_equal(blind.view(), pepper.view()));
  EXPECT_FALSE(constant_time_equal(blind.view(), master.view()));

  SecretBytes other_master = SecretBytes::random(32);
  EXPECT_FALSE(
      constant_time_equal(blind.view(), derive_subkey(other_master.view(), 1, "blindidx").view()));
}

TEST(SubkeyDeathTest, ContextMustBeEightCharacters) {
  SecretBytes master = SecretBytes::random(32);
  EXPECT_DEATH((void)derive_subkey(master.view(), 1, "short"), "exactly 8 characters");
  EXPECT_DEATH((void)derive_subkey(master.view(), 1, "ninechars"), "exactly 8 characters");
}

TEST(Blake2bTest, MatchesKnownAnswers) {
  EXPECT_EQ(hex(blake2b_256({})),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  EXPECT_EQ(hex(blake2b_256(bytes("abc"))),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  SecretBytes key = SecretBytes::copy_of(counting_bytes(32));
  EXPECT_EQ(hex(blake2b_256_keyed(key.view(), bytes("abc"))),
            "d63a32d3e44738d7907f964316c241adaba0abfeabc32349677578a15a203f7f");
}

TEST(Blake2bTest, KeyChangesTheDigest) {
  SecretBytes first = SecretBytes::random(32);
  SecretBytes second = SecretBytes::random(32);
  EXPECT_NE(blake2b_256_keyed(first.view(), bytes("abc")),
            blake2b_256_keyed(second.view(), bytes("abc")));
  EXPECT_NE(blake2b_256_keyed(first.view(), bytes("abc")), blake2b_256(bytes("abc")));
}

}  // namespace
}  // namespace vigie::crypto
