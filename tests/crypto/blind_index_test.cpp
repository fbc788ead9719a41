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
  const BlindIndexer indexer(counting_key());
  EXPECT_EQ(hex(indexer.token("Patient.family", "dupont")), "f82489820f8bb8aaa7cc11951c41bbe2");
}

TEST(BlindIndexTest, Deterministic) {
  const BlindIndexer indexer(SecretBytes::random(32));
  EXPECT_EQ(indexer.token("Patient.family", "dupont"), indexer.token("Patient.family", "dupont"));
}

TEST(BlindIndexTest, DiffersPerValueAndPerDomain) {
  const BlindIndexer indexer(SecretBytes::random(32));
  const BlindToken base = indexer.token("Patient.family", "dupont");
  EXPECT_NE(base, indexer.token("Patient.family", "dupond"));
  EXPECT_NE(base, indexer.token("Patient.given", "dupont"));
  EXPECT_NE(indexer.token("Patient.family", ""), indexer.token("Patient.given", ""));
}

TEST(BlindIndexTest, DiffersPerKey) {
  SecretBytes master = SecretBytes::random(32);
  const BlindIndexer first(derive_subkey(master, 1, "blindidx"));
  const BlindIndexer second(derive_subkey(master, 2, "blindidx"));
  EXPECT_NE(first.token("Patient.family", "dupont"), second.token("Patient.family", "dupont"));
}

TEST(BlindIndexTest, LengthPrefixesSeparateDomainFromValue) {
  const BlindIndexer indexer(SecretBytes::random(32));
  EXPECT_NE(indexer.token("ab", "c"), indexer.token("a", "bc"));
  EXPECT_NE(indexer.token("abc", ""), indexer.token("", "abc"));
  EXPECT_NE(indexer.token("a", ""), indexer.token("", "a"));
}

TEST(BlindIndexDeathTest, KeyMustBe32Bytes) {
  EXPECT_DEATH(BlindIndexer(SecretBytes::random(16)), "blind index key must be 32 bytes");
}

}  // namespace
}  // namespace vigie::crypto
