#include "common/hex.hpp"

#include <array>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace vigie {
namespace {

TEST(HexTest, FromHexReadsBackWhatToHexWrites) {
  const std::vector<uint8_t> bytes{0, 1, 0x7f, 0x80, 0xfe, 0xff};
  EXPECT_EQ(to_hex(bytes), "00017f80feff");
  EXPECT_EQ(from_hex(to_hex(bytes), bytes.size()), bytes);
  std::array<uint8_t, 2> out{};
  EXPECT_TRUE(from_hex("00ff", out));
  EXPECT_EQ(out, (std::array<uint8_t, 2>{0, 255}));
}

TEST(HexTest, OnlyLowerCaseHexOfTheRightLength) {
  EXPECT_FALSE(from_hex("00FF", 2));
  EXPECT_FALSE(from_hex("00f", 2));
  EXPECT_FALSE(from_hex("00ff00", 2));
  EXPECT_FALSE(from_hex("0g", 1));
  EXPECT_FALSE(from_hex(" 0", 1));
  std::array<uint8_t, 1> out{};
  EXPECT_FALSE(from_hex("", out));
}

}  // namespace
}  // namespace vigie
