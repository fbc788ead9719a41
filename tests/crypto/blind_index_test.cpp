#include "crypto/blind_index.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/crypto_test_support.hpp"
#include "crypto/kdf.hpp"

namespace vigie::crypto {
namespace {

using test_support::counting_bytes;
using test_support::hex;

SecretBytes counting_key() { return SecretBytes::copy_of(counting_bytes(32)); }

TEST(BlindIndexTest, MatchesKnownAnswer) {
  // BLAKE2b, 16-byte output, key = bytes 0..31, input = u32le(14) "Patient.family" u32le(6)
  // "dupont"; computed with Python's hashlib.
  const SecretBytes key = counting_key();
  const BlindIndexer indexer(key.view());
  EXPECT_EQ(hex(indexer.token("Patient.family", "dupont")), "f82489820f8bb8aaa7cc11951c41bbe2");
}

TEST(BlindIndexTest, Deterministic) {
  const SecretBytes key = SecretBytes::random(32);
  const BlindIndexer indexer(key.view());
  EXPECT_EQ(indexer.token("Patient.family", "dupont"), indexer.token("Patient.family", "dupont"));
}

TEST(BlindIndexTest, DiffersPerValueAndPerDomain) {
  const SecretBytes key = SecretBytes::random(32);
  const BlindIndexer indexer(key.view());
  const BlindToken base = indexer.token("Patient.family", "dupont");
  EXPECT_NE(base, indexer.token("Patient.family", "dupond"));
  EXPECT_NE(base, indexer.token("Patient.given", "dupont"));
  EXPECT_NE(indexer.token("Patient.family", ""), indexer.token("Patient.given", ""));
}

TEST(BlindIndexTest, DiffersPerKey) {
  SecretBytes master = SecretBytes::random(32);
  const SecretBytes first_key = derive_subkey(master.view(), 1, "blindidx");
  const SecretBytes second_key = derive_subkey(master.view(), 2, "blindidx");
  const BlindIndexer first(first_key.view());
  const BlindIndexer second(second_key.view());
  EXPECT_NE(first.token("Patient.family", "dupont"), second.token("Patient.family", "dupont"));
}

TEST(BlindIndexTest, LengthPrefixesSeparateDomainFromValue) {
  const SecretBytes key = SecretBytes::random(32);
  const BlindIndexer indexer(key.view());
  EXPECT_NE(indexer.token("ab", "c"), indexer.token("a", "bc"));
  EXPECT_NE(indexer.token("abc", ""), indexer.token("", "abc"));
  EXPECT_NE(indexer.token("a", ""), indexer.token("", "a"));
}

TEST(BlindIndexDeathTest, KeyMustBe32Bytes) {
  const SecretBytes short_key = SecretBytes::random(16);
  EXPECT_DEATH(BlindIndexer(short_key.view()), "blind index key must be 32 bytes");
}

}  // namespace
}  // namespace vigie::crypto
