#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>

#include "crypto/kdf.hpp"
#include "crypto/secret_bytes.hpp"
#include "support/locked_memory.hpp"
#include "vault/shared_keys.hpp"

namespace vigie::vault {
namespace {

using Key = std::array<uint8_t, DataKeyCache::kKeyBytes>;

// The smallest budget the configuration accepts.
constexpr config::MemoryConfig kSmallestBudget{.locked_mib = config::kMinLockedMib};

std::shared_ptr<SharedKeys> shared_keys_with(const crypto::SecretBytes& master,
                                             const config::MemoryConfig& memory) {
  auto keys = SharedKeys::create(memory, [&](std::span<uint8_t> slot) -> Result<void> {
    std::copy(master.view().begin(), master.view().end(), slot.begin());
    return {};
  });
  return keys ? *keys : nullptr;
}

class SharedKeysTest : public ::testing::Test {
 protected:
  std::shared_ptr<SharedKeys> shared_ =
      shared_keys_with(crypto::SecretBytes::random(32), kSmallestBudget);
  SharedKeys& keys_ = *shared_;
  Key key_ = [] {
    Key key{};
    key.fill(0x5a);
    return key;
  }();
};

TEST_F(SharedKeysTest, FindKeyCopiesTheCachedKeyOut) {
  keys_.observe_erasure_generation(0);
  keys_.cache_key("p1", key_, 0);
  Key out{};
  ASSERT_TRUE(keys_.find_key("p1", out));
  EXPECT_EQ(out, key_);
  Key untouched{};
  EXPECT_FALSE(keys_.find_key("p2", untouched));
  EXPECT_EQ(untouched, Key{});
}

TEST_F(SharedKeysTest, AKeyFetchedBeforeAnErasureAlreadySeenIsNotCached) {
  keys_.observe_erasure_generation(2);
  keys_.cache_key("p1", key_, 1);
  EXPECT_FALSE(keys_.has_key("p1"));
  keys_.cache_key("p1", key_, 2);
  EXPECT_TRUE(keys_.has_key("p1"));
}

TEST_F(SharedKeysTest, ANewerErasureGenerationForgetsEveryKeyAndAnOlderOneNothing) {
  keys_.observe_erasure_generation(5);
  keys_.cache_key("p1", key_, 5);
  keys_.cache_key("p2", key_, 5);
  keys_.observe_erasure_generation(4);
  EXPECT_TRUE(keys_.has_key("p1"));
  keys_.observe_erasure_generation(6);
  EXPECT_FALSE(keys_.has_key("p1"));
  EXPECT_FALSE(keys_.has_key("p2"));
}

TEST_F(SharedKeysTest, ForgetKeyForgetsOnlyThatKey) {
  keys_.cache_key("p1", key_, 0);
  keys_.cache_key("p2", key_, 0);
  keys_.forget_key("p1");
  EXPECT_FALSE(keys_.has_key("p1"));
  EXPECT_TRUE(keys_.has_key("p2"));
}

TEST(SharedKeysLayoutTest, TheCacheGetsWhatTheBudgetLeavesAfterTheOtherSecrets) {
  // (8 MiB - 512 KiB for the other secrets - 3 keys of 32 bytes) / 32 bytes a key.
  EXPECT_EQ(SharedKeys::cached_data_keys_for({}), 245'757u);
  EXPECT_EQ(SharedKeys::cached_data_keys_for(kSmallestBudget), 16'381u);
  EXPECT_GE(SharedKeys::cached_data_keys_for(kSmallestBudget), kMinCachedDataKeys);
  EXPECT_EQ(SharedKeys::cached_data_keys_for({.locked_mib = 64}),
            ((size_t{64} << 20) - kOtherSecretsBytes - 96) / DataKeyCache::kKeyBytes);
}

TEST(SharedKeysLayoutTest, OneBlockHoldsTheMasterKeyItsDerivedKeysAndEveryCacheSlot) {
  const crypto::SecretBytes master = crypto::SecretBytes::random(32);
  std::shared_ptr<SharedKeys> keys = shared_keys_with(master, kSmallestBudget);
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(keys->locked_bytes(), kSmallestBudget.locked_bytes() - kOtherSecretsBytes);
  EXPECT_TRUE(crypto::constant_time_equal(keys->master_key(), master.view()));
  EXPECT_TRUE(crypto::constant_time_equal(
      keys->ledger_key(), crypto::derive_subkey(master.view(), 1, "ledger__").view()));
  const crypto::SecretBytes blind_key = crypto::derive_subkey(master.view(), 1, "blindidx");
  EXPECT_EQ(keys->blind_indexer().token("Patient.family", "martin"),
            crypto::BlindIndexer(blind_key.view()).token("Patient.family", "martin"));
  // Every slot of the budget's cache is usable: the first key cached is still there when the
  // cache is full, and one more recycles a slot.
  const size_t capacity = SharedKeys::cached_data_keys_for(kSmallestBudget);
  const Key key{};
  for (size_t index = 0; index < capacity; ++index) {
    keys->cache_key("p" + std::to_string(index), key, 0);
  }
  EXPECT_TRUE(keys->has_key("p0"));
  EXPECT_TRUE(keys->has_key("p" + std::to_string(capacity - 1)));
  keys->cache_key("one-more", key, 0);
  size_t cached = 0;
  for (size_t index = 0; index < capacity; ++index) {
    cached += keys->has_key("p" + std::to_string(index)) ? 1 : 0;
  }
  EXPECT_EQ(cached, capacity - 1);
}

TEST(SharedKeysLayoutTest, ABudgetOutOfBoundsIsRefusedBeforeAnyMemoryIsLocked) {
  bool filled = false;
  auto fill = [&](std::span<uint8_t>) -> Result<void> {
    filled = true;
    return {};
  };
  for (int64_t mib : {int64_t{0}, int64_t{-1}, config::kMaxLockedMib + 1}) {
    auto keys = SharedKeys::create({.locked_mib = mib}, fill);
    ASSERT_FALSE(keys.has_value()) << mib;
    EXPECT_EQ(keys.error().code, ErrorCode::kUsage);
    EXPECT_NE(keys.error().message.find("[memory] locked_mib = " + std::to_string(mib)),
              std::string::npos);
  }
  EXPECT_FALSE(filled);
}

TEST(SharedKeysLayoutTest, AFailedFillIsTheError) {
  auto keys = SharedKeys::create(kSmallestBudget, [](std::span<uint8_t>) -> Result<void> {
    return fail(ErrorCode::kUnlockFailed, "wrong secret");
  });
  ASSERT_FALSE(keys.has_value());
  EXPECT_EQ(keys.error().code, ErrorCode::kUnlockFailed);
}

TEST(SharedKeysLayoutTest, TheBlockIsLockedMemoryOfTheBudgetLessTheOtherSecrets) {
  if (testing::kMlockIsIntercepted) {
    GTEST_SKIP() << "mlock is a no-op under AddressSanitizer";
  }
  const size_t before = testing::locked_kib();
  std::shared_ptr<SharedKeys> keys = shared_keys_with(crypto::SecretBytes::random(32), {});
  ASSERT_NE(keys, nullptr);
  // The master key given to shared_keys_with() is a SecretBytes of its own, freed by now.
  EXPECT_EQ(testing::locked_kib() - before,
            (config::MemoryConfig{}.locked_bytes() - kOtherSecretsBytes) / 1024);
}

}  // namespace
}  // namespace vigie::vault
