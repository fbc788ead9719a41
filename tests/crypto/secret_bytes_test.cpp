#include "crypto/secret_bytes.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace vigie::crypto {
namespace {

std::vector<uint8_t> bytes_of(const SecretBytes& secret) {
  return {secret.view().begin(), secret.view().end()};
}

TEST(InitializeTest, SucceedsRepeatedly) {
  EXPECT_TRUE(initialize().has_value());
  EXPECT_TRUE(initialize().has_value());
}

TEST(SecretBytesTest, DefaultAndZeroSizeAreEmpty) {
  SecretBytes by_default;
  EXPECT_TRUE(by_default.empty());
  EXPECT_EQ(by_default.size(), 0u);
  SecretBytes zero(0);
  EXPECT_TRUE(zero.empty());
  EXPECT_TRUE(zero.view().empty());
}

TEST(SecretBytesTest, AllocatesZeroedBytes) {
  SecretBytes secret(64);
  ASSERT_EQ(secret.size(), 64u);
  EXPECT_FALSE(secret.empty());
  EXPECT_TRUE(std::ranges::all_of(secret.view(), [](uint8_t byte) { return byte == 0; }));
}

TEST(SecretBytesTest, CopyOfHoldsTheSameBytes) {
  const std::vector<uint8_t> source = {1, 2, 3, 4, 5};
  SecretBytes secret = SecretBytes::copy_of(source);
  EXPECT_EQ(bytes_of(secret), source);
  EXPECT_NE(secret.data(), source.data());
}

TEST(SecretBytesTest, RandomHasRequestedSizeAndDiffers) {
  SecretBytes first = SecretBytes::random(32);
  SecretBytes second = SecretBytes::random(32);
  ASSERT_EQ(first.size(), 32u);
  ASSERT_EQ(second.size(), 32u);
  EXPECT_NE(bytes_of(first), bytes_of(second));
  EXPECT_TRUE(SecretBytes::random(0).empty());
}

TEST(SecretBytesTest, MoveConstructionTransfersOwnership) {
  const std::vector<uint8_t> source = {9, 8, 7, 6};
  SecretBytes original = SecretBytes::copy_of(source);
  const uint8_t* address = original.data();

  SecretBytes moved(std::move(original));

  EXPECT_TRUE(original.empty());        // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(original.data(), nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(moved.data(), address);
  EXPECT_EQ(bytes_of(moved), source);
}

TEST(SecretBytesTest, MoveAssignmentReleasesTargetAndTransfersOwnership) {
  const std::vector<uint8_t> source = {1, 1, 2, 3, 5, 8};
  SecretBytes original = SecretBytes::copy_of(source);
  const uint8_t* address = original.data();
  SecretBytes target = SecretBytes::random(16);

  target = std::move(original);

  EXPECT_TRUE(original.empty());        // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(original.data(), nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(target.data(), address);
  EXPECT_EQ(bytes_of(target), source);
}

TEST(SecretBytesTest, SelfMoveAssignmentKeepsTheBytes) {
  const std::vector<uint8_t> source = {4, 2};
  SecretBytes secret = SecretBytes::copy_of(source);
  SecretBytes& alias = secret;
  secret = std::move(alias);
  EXPECT_EQ(bytes_of(secret), source);
}

TEST(ConstantTimeEqualTest, ComparesContentAndLength) {
  const std::vector<uint8_t> a = {1, 2, 3, 4};
  const std::vector<uint8_t> same = {1, 2, 3, 4};
  const std::vector<uint8_t> last_differs = {1, 2, 3, 5};
  const std::vector<uint8_t> first_differs = {0, 2, 3, 4};
  const std::vector<uint8_t> prefix = {1, 2, 3};
  const std::vector<uint8_t> empty;

  EXPECT_TRUE(constant_time_equal(a, same));
  EXPECT_FALSE(constant_time_equal(a, last_differs));
  EXPECT_FALSE(constant_time_equal(a, first_differs));
  EXPECT_FALSE(constant_time_equal(a, prefix));
  EXPECT_FALSE(constant_time_equal(prefix, a));
  EXPECT_FALSE(constant_time_equal(a, empty));
  EXPECT_TRUE(constant_time_equal(empty, empty));
}

TEST(ConstantTimeEqualTest, DetectsEveryFlippedBit) {
  std::array<uint8_t, 32> reference{};
  random_fill(reference);
  for (size_t bit = 0; bit < reference.size() * 8; ++bit) {
    std::array<uint8_t, 32> altered = reference;
    altered[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(constant_time_equal(reference, altered)) << "bit " << bit;
  }
}

TEST(WipeTest, ZeroesEveryByte) {
  std::vector<uint8_t> buffer(100, 0xAB);
  wipe(buffer);
  EXPECT_TRUE(std::ranges::all_of(buffer, [](uint8_t byte) { return byte == 0; }));
  wipe(std::span<uint8_t>());
}

TEST(RandomFillTest, FillsWithDifferentBytesEachCall) {
  std::array<uint8_t, 32> first{};
  std::array<uint8_t, 32> second{};
  random_fill(first);
  random_fill(second);
  EXPECT_NE(first, second);
  EXPECT_NE(first, (std::array<uint8_t, 32>{}));
}

TEST(DisableCoreDumpsTest, SetsCoreLimitToZeroAndProcessUndumpable) {
  ASSERT_TRUE(disable_core_dumps()) << disable_core_dumps().error().message;
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_CORE, &limit), 0);
  EXPECT_EQ(limit.rlim_cur, 0u);
  EXPECT_EQ(limit.rlim_max, 0u);
  EXPECT_EQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}

}  // namespace
}  // namespace vigie::crypto
