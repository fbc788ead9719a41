#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>

#include "crypto/secret_bytes.hpp"
#include "vault/shared_keys.hpp"

namespace vigie::vault {
namespace {

using Key = std::array<uint8_t, DataKeyCache::kKeyBytes>;

class SharedKeysTest : public ::testing::Test {
 protected:
  SharedKeys keys_{crypto::SecretBytes::random(32), 4};
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

}  // namespace
}  // namespace vigie::vault
