#include "common/percent.hpp"

#include <gtest/gtest.h>

namespace vigie {
namespace {

TEST(DecodePercentEscapes, DecodesEscapesAndPlusOnlyWhenAsked) {
  EXPECT_EQ(decode_percent_escapes("a%7Cb%2fc+d", false), "a|b/c+d");
  EXPECT_EQ(decode_percent_escapes("a%7Cb%2fc+d", true), "a|b/c d");
  EXPECT_EQ(decode_percent_escapes("", false), "");
}

TEST(DecodePercentEscapes, RefusesMalformedEscapes) {
  for (const char* bad : {"%", "%4", "a%zz", "%g0", "x%"}) {
    EXPECT_FALSE(decode_percent_escapes(bad, true)) << bad;
  }
}

}  // namespace
}  // namespace vigie
