#include "audit/display.hpp"

#include <gtest/gtest.h>

#include "common/utf8.hpp"

namespace vigie::audit {
namespace {

std::span<const uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

TEST(Utf8Test, ValidAndInvalidSequences) {
  EXPECT_TRUE(is_valid_utf8(bytes("")));
  EXPECT_TRUE(is_valid_utf8(bytes("Hélène Lefèvre \xF0\x9F\xA9\xBA \xE2\x82\xAC")));
  EXPECT_TRUE(is_valid_utf8(bytes("\xF4\x8F\xBF\xBF")));  // U+10FFFF
  for (std::string_view bad : {"\x80", "\xC3", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                               "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "a\xE2\x82"}) {
    EXPECT_FALSE(is_valid_utf8(bytes(bad))) << bad.size();
  }
}

TEST(Utf8Test, CleaningReplacesAndCutsAtCharacterBoundaries) {
  EXPECT_EQ(to_valid_utf8("abc", 10), "abc");
  EXPECT_EQ(to_valid_utf8("a\xFF"
                          "b",
                          10),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(to_valid_utf8("\xC3\xA9\xC3\xA9", 3), "\xC3\xA9");
  EXPECT_EQ(to_valid_utf8("ab\xFF", 4), "ab");
}

TEST(DisplayTest, ControlAndBidiCharactersAreNeutralised) {
  EXPECT_EQ(printable("line\nnext\x1B[2J", 100), "line\xEF\xBF\xBDnext\xEF\xBF\xBD[2J");
  EXPECT_EQ(printable("a\xE2\x80\xAE"
                      "b",
                      100),
            "a\xEF\xBF\xBD"
            "b");  // U+202E
  EXPECT_EQ(printable("a\xC2\x85"
                      "b",
                      100),
            "a\xEF\xBF\xBD"
            "b");  // U+0085 (C1)
  EXPECT_EQ(printable("Hélène", 100), "Hélène");
}

TEST(DisplayTest, LongTextIsCut) {
  EXPECT_EQ(printable("abcdef", 3), "abc\xE2\x80\xA6");
  EXPECT_EQ(printable("abc", 3), "abc");
  EXPECT_EQ(display_width("Hélène"), 6u);
}

}  // namespace
}  // namespace vigie::audit
