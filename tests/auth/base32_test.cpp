#include "auth/base32.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace vigie::auth {
namespace {

std::vector<uint8_t> bytes(std::string_view text) { return {text.begin(), text.end()}; }

// RFC 4648 section 10, with the '=' padding removed.
TEST(Base32Test, MatchesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(base32_encode(bytes("")), "");
  EXPECT_EQ(base32_encode(bytes("f")), "MY");
  EXPECT_EQ(base32_encode(bytes("fo")), "MZXQ");
  EXPECT_EQ(base32_encode(bytes("foo")), "MZXW6");
  EXPECT_EQ(base32_encode(bytes("foob")), "MZXW6YQ");
  EXPECT_EQ(base32_encode(bytes("fooba")), "MZXW6YTB");
  EXPECT_EQ(base32_encode(bytes("foobar")), "MZXW6YTBOI");
}

TEST(Base32Test, TwentyByteSecretIs32CharactersOfTheAlphabet) {
  const std::vector<uint8_t> all_ones(20, 0xFF);
  EXPECT_EQ(base32_encode(all_ones), std::string(32, '7'));
  const std::vector<uint8_t> zeros(20, 0x00);
  EXPECT_EQ(base32_encode(zeros), std::string(32, 'A'));
  EXPECT_EQ(base32_encode(bytes("12345678901234567890")), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

}  // namespace
}  // namespace vigie::auth
