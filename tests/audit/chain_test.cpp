#include "audit/chain.hpp"

#include <cstdint>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "audit/entry.hpp"
#include "audit/sample_entries.hpp"
#include "crypto/kdf.hpp"

namespace vigie::audit {
namespace {

TEST(ChainTest, IsBlake2bOfPreviousAndCanonicalBytes) {
  const std::vector<uint8_t> canonical = encode(testing::sample_entry(1));
  Hash previous{};
  previous[0] = 0xAB;
  std::vector<uint8_t> joined(previous.begin(), previous.end());
  joined.insert(joined.end(), canonical.begin(), canonical.end());
  EXPECT_EQ(chain_hash(previous, canonical), crypto::blake2b_256(joined));
  EXPECT_EQ(kGenesisHash, Hash{});
}

TEST(ChainTest, LargeEntriesHashTheSameWay) {
  const std::vector<uint8_t> large(5000, 0x5A);
  std::vector<uint8_t> joined(kGenesisHash.begin(), kGenesisHash.end());
  joined.insert(joined.end(), large.begin(), large.end());
  EXPECT_EQ(chain_hash(kGenesisHash, large), crypto::blake2b_256(joined));
}

TEST(ChainTest, EveryFlippedBitChangesTheHash) {
  const std::vector<uint8_t> canonical = encode(testing::sample_entry(1));
  const Hash original = chain_hash(kGenesisHash, canonical);
  std::set<Hash> seen = {original};
  for (size_t bit = 0; bit < canonical.size() * 8; ++bit) {
    std::vector<uint8_t> tampered = canonical;
    tampered[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    ASSERT_TRUE(seen.insert(chain_hash(kGenesisHash, tampered)).second) << "bit " << bit;
  }
  for (size_t bit = 0; bit < kGenesisHash.size() * 8; ++bit) {
    Hash previous = kGenesisHash;
    previous[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    ASSERT_NE(chain_hash(previous, canonical), original) << "previous bit " << bit;
  }
}

}  // namespace
}  // namespace vigie::audit
