#include "vault/data_key_cache.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace vigie::vault {
namespace {

void fill(std::span<uint8_t> key, uint8_t value) { std::fill(key.begin(), key.end(), value); }

// Locked memory for `keys` slots, as SharedKeys carves it from its block.
crypto::SecretBytes slots_for(size_t keys) {
  return crypto::SecretBytes(keys * DataKeyCache::kKeyBytes);
}

std::span<uint8_t> whole(crypto::SecretBytes& bytes) { return {bytes.data(), bytes.size()}; }

TEST(DataKeyCacheTest, KeepsKeysUntilFullThenRecyclesOneSlotAtATime) {
  crypto::SecretBytes slots = slots_for(3);
  DataKeyCache cache(whole(slots));
  for (uint8_t number = 1; number <= 5; ++number) {
    std::span<uint8_t> slot = cache.insert("patient-" + std::to_string(number));
    ASSERT_EQ(slot.size(), DataKeyCache::kKeyBytes);
    EXPECT_TRUE(std::all_of(slot.begin(), slot.end(), [](uint8_t byte) { return byte == 0; }));
    fill(slot, number);
  }
  size_t cached = 0;
  for (uint8_t number = 1; number <= 5; ++number) {
    if (auto key = cache.find("patient-" + std::to_string(number))) {
      ++cached;
      EXPECT_TRUE(std::all_of(key->begin(), key->end(), [&](uint8_t byte) {
        return byte == number;
      })) << "a recycled slot kept another patient's key";
    }
  }
  EXPECT_EQ(cached, 3u);
  // The newest key is always there.
  EXPECT_TRUE(cache.find("patient-5").has_value());
}

TEST(DataKeyCacheTest, EraseForgetsAndWipes) {
  crypto::SecretBytes slots = slots_for(2);
  DataKeyCache cache(whole(slots));
  std::span<uint8_t> slot = cache.insert("a");
  fill(slot, 0xAB);
  cache.erase("a");
  EXPECT_FALSE(cache.find("a").has_value());
  EXPECT_TRUE(std::all_of(slot.begin(), slot.end(), [](uint8_t byte) { return byte == 0; }));
  cache.erase("never-there");
}

TEST(DataKeyCacheTest, HoldsAsManyKeysAsWholeSlotsFit) {
  crypto::SecretBytes slots(3 * DataKeyCache::kKeyBytes + 7);
  DataKeyCache cache(whole(slots));
  EXPECT_EQ(cache.capacity(), 3u);
  for (const char* compartment : {"a", "b", "c", "d"}) {
    fill(cache.insert(compartment), 9);
  }
  // The 7 bytes after the last whole slot are never handed out.
  EXPECT_TRUE(std::all_of(slots.data() + 3 * DataKeyCache::kKeyBytes, slots.data() + slots.size(),
                          [](uint8_t byte) { return byte == 0; }));
}

TEST(DataKeyCacheTest, InsertingAgainReplacesTheKey) {
  crypto::SecretBytes slots = slots_for(2);
  DataKeyCache cache(whole(slots));
  fill(cache.insert("a"), 1);
  fill(cache.insert("a"), 2);
  fill(cache.insert("b"), 3);
  auto key = cache.find("a");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ((*key)[0], 2);
  EXPECT_EQ((*cache.find("b"))[0], 3);
}

}  // namespace
}  // namespace vigie::vault
