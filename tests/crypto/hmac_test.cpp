#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/hex.hpp"
#include "crypto/hmac.hpp"

namespace vigie::crypto {
namespace {

std::string hmac_hex(const std::vector<uint8_t>& key, std::string_view message) {
  const auto mac = hmac_sha256(key, message);
  return to_hex(mac);
}

// RFC 4231, test cases 2 (a short key) and 6 (a key longer than SHA-256's block).
TEST(HmacTest, MatchesRfc4231) {
  EXPECT_EQ(hmac_hex({'J', 'e', 'f', 'e'}, "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmac_hex(std::vector<uint8_t>(131, 0xaa),
                     "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacTest, AnyChangeOfKeyOrMessageChangesTheMac) {
  const std::vector<uint8_t> key = {1, 2, 3};
  EXPECT_NE(hmac_hex(key, "alerte"), hmac_hex(key, "alertf"));
  EXPECT_NE(hmac_hex(key, "alerte"), hmac_hex({1, 2, 4}, "alerte"));
}

}  // namespace
}  // namespace vigie::crypto
