#include "crypto/locked_block.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "support/locked_memory.hpp"

namespace vigie::crypto {
namespace {

size_t block_test_page() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

bool all_zero(std::span<const uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t byte) { return byte == 0; });
}

TEST(LockedBlockTest, RoundsUpToWholePagesAndCountsWhatIsCarved) {
  auto block = LockedBlock::allocate(block_test_page() + 1, 0);
  ASSERT_TRUE(block.has_value()) << block.error().message;
  EXPECT_EQ(block->size(), 2 * block_test_page());
  EXPECT_EQ(block->remaining(), 2 * block_test_page());
  static_cast<void>(block->carve(40));
  EXPECT_EQ(block->remaining(), 2 * block_test_page() - 40);
  static_cast<void>(block->carve(8));
  // The second span starts on the next 16-byte boundary.
  EXPECT_EQ(block->remaining(), 2 * block_test_page() - 48 - 8);
}

TEST(LockedBlockTest, SpansAreZeroedAlignedAndNeverOverlap) {
  auto block = LockedBlock::allocate(block_test_page(), 0);
  ASSERT_TRUE(block.has_value()) << block.error().message;
  std::vector<std::span<uint8_t>> spans;
  for (size_t bytes : {32, 5, 100, 32, 1}) {
    spans.push_back(block->carve(bytes));
    ASSERT_EQ(spans.back().size(), bytes);
    EXPECT_TRUE(all_zero(spans.back()));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(spans.back().data()) % 16, 0u);
  }
  for (size_t index = 0; index < spans.size(); ++index) {
    std::fill(spans[index].begin(), spans[index].end(), static_cast<uint8_t>(index + 1));
  }
  for (size_t index = 0; index < spans.size(); ++index) {
    EXPECT_TRUE(std::all_of(spans[index].begin(), spans[index].end(),
                            [&](uint8_t byte) { return byte == index + 1; }))
        << "span " << index << " was overwritten by another";
    for (size_t other = index + 1; other < spans.size(); ++other) {
      const bool disjoint = spans[index].data() + spans[index].size() <= spans[other].data() ||
                            spans[other].data() + spans[other].size() <= spans[index].data();
      EXPECT_TRUE(disjoint) << index << " and " << other;
    }
  }
}

TEST(LockedBlockTest, TheWholeBlockCanBeCarved) {
  auto block = LockedBlock::allocate(block_test_page(), 0);
  ASSERT_TRUE(block.has_value()) << block.error().message;
  std::span<uint8_t> everything = block->carve(block_test_page());
  std::fill(everything.begin(), everything.end(), 0xAB);
  EXPECT_EQ(block->remaining(), 0u);
}

TEST(LockedBlockTest, ItsMemoryIsLockedAndUnlockedOnRelease) {
  if (testing::kMlockIsIntercepted) {
    GTEST_SKIP() << "mlock is a no-op under AddressSanitizer";
  }
  const size_t before = testing::locked_kib();
  {
    auto block = LockedBlock::allocate(64 * 1024, 0);
    ASSERT_TRUE(block.has_value()) << block.error().message;
    EXPECT_EQ(testing::locked_kib(), before + 64);
  }
  EXPECT_EQ(testing::locked_kib(), before);
}

TEST(LockedBlockTest, MovesTransferTheMemory) {
  auto block = LockedBlock::allocate(block_test_page(), 0);
  ASSERT_TRUE(block.has_value()) << block.error().message;
  std::span<uint8_t> key = block->carve(32);
  key[0] = 7;
  LockedBlock moved = std::move(*block);
  EXPECT_EQ(block->size(), 0u);  // NOLINT(bugprone-use-after-move): the moved-from state is tested
  EXPECT_EQ(moved.size(), block_test_page());
  EXPECT_EQ(key[0], 7);
  EXPECT_EQ(moved.remaining(), block_test_page() - 32);
}

TEST(CheckMemoryLockingTest, LocksTheDefaultBudgetHere) {
  // The refusal is tested through the binary under a lowered RLIMIT_MEMLOCK (tests/cli).
  auto checked = check_memory_locking(size_t{8} << 20);
  ASSERT_TRUE(checked.has_value()) << checked.error().message;
}

TEST(LockedBlockDeathTest, CarvingPastTheEndAborts) {
  auto block = LockedBlock::allocate(block_test_page(), 0);
  ASSERT_TRUE(block.has_value()) << block.error().message;
  static_cast<void>(block->carve(block_test_page() - 8));
  EXPECT_DEATH(static_cast<void>(block->carve(16)), "locked block exhausted");
}

TEST(LockedBlockDeathTest, GuardPagesSurroundTheBlock) {
  auto block = LockedBlock::allocate(block_test_page(), 0);
  ASSERT_TRUE(block.has_value()) << block.error().message;
  std::span<uint8_t> all = block->carve(block_test_page());
  volatile uint8_t* after = all.data() + all.size();
  volatile uint8_t* before = all.data() - 1;
  EXPECT_DEATH(*after = 1, "");
  EXPECT_DEATH(*before = 1, "");
}

TEST(LockedBlockDeathTest, ReleasedMemoryIsGone) {
  // Release zeroes the bytes, then unmaps them: a stale span points to nothing readable.
  volatile uint8_t* stale = nullptr;
  {
    auto block = LockedBlock::allocate(block_test_page(), 0);
    ASSERT_TRUE(block.has_value()) << block.error().message;
    std::span<uint8_t> key = block->carve(32);
    key[0] = 0x5A;
    stale = key.data();
  }
  EXPECT_DEATH(static_cast<void>(*stale), "");
}

}  // namespace
}  // namespace vigie::crypto
