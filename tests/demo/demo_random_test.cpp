#include "demo/demo_random.hpp"

#include <array>
#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

namespace vigie::demo {
namespace {

TEST(DemoRandomTest, SplitmixMatchesTheReferenceOutput) {
  uint64_t state = 0;
  EXPECT_EQ(splitmix64(state), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(state, 0x9e3779b97f4a7c15ULL);
}

// Values computed by an independent implementation of xoshiro256** seeded by splitmix64: the
// same on every platform, whatever the standard library.
TEST(DemoRandomTest, XoshiroMatchesTheReferenceSequence) {
  DemoRandom random(1);
  EXPECT_EQ(random.next(), 0xb3f2af6d0fc710c5ULL);
  EXPECT_EQ(random.next(), 0x853b559647364ceaULL);
  EXPECT_EQ(random.next(), 0x92f89756082a4514ULL);
  DemoRandom zero(0);
  EXPECT_EQ(zero.next(), 0x99ec5f36cb75f2b4ULL);
  EXPECT_EQ(zero.next(), 0xbf6e1f784956452aULL);
}

TEST(DemoRandomTest, UniformStaysInBoundsAndReachesBothEnds) {
  DemoRandom random(42);
  std::array<int, 7> seen{};
  for (int draw = 0; draw < 7000; ++draw) {
    const int64_t value = random.uniform(-3, 3);
    ASSERT_GE(value, -3);
    ASSERT_LE(value, 3);
    ++seen[static_cast<size_t>(value + 3)];
  }
  for (const int count : seen) {
    EXPECT_GT(count, 800);  // about 1000 each
    EXPECT_LT(count, 1200);
  }
  EXPECT_EQ(random.uniform(5, 5), 5);
}

TEST(DemoRandomTest, UniformHandlesTheFullRange) {
  DemoRandom random(3);
  bool negative = false;
  bool positive = false;
  for (int draw = 0; draw < 64; ++draw) {
    const int64_t value =
        random.uniform(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
    negative = negative || value < 0;
    positive = positive || value > 0;
  }
  EXPECT_TRUE(negative);
  EXPECT_TRUE(positive);
}

TEST(DemoRandomTest, ChanceAtZeroAndHundredIsCertain) {
  DemoRandom random(9);
  for (int draw = 0; draw < 1000; ++draw) {
    EXPECT_FALSE(random.chance(0));
    EXPECT_TRUE(random.chance(100));
  }
}

TEST(DemoRandomTest, PickWeightedNeverPicksAZeroWeight) {
  DemoRandom random(11);
  const std::array<int, 4> weights{0, 3, 0, 1};
  std::array<int, 4> seen{};
  for (int draw = 0; draw < 4000; ++draw) {
    ++seen[random.pick_weighted(weights)];
  }
  EXPECT_EQ(seen[0], 0);
  EXPECT_EQ(seen[2], 0);
  EXPECT_GT(seen[1], 2 * seen[3]);
  EXPECT_GT(seen[3], 0);
}

TEST(DemoRandomTest, SameSeedSameSequenceDifferentSeedDifferent) {
  DemoRandom first(77);
  DemoRandom second(77);
  DemoRandom other(78);
  bool differs = false;
  for (int draw = 0; draw < 16; ++draw) {
    const uint64_t value = first.next();
    EXPECT_EQ(value, second.next());
    differs = differs || value != other.next();
  }
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace vigie::demo
