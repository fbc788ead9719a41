#include "common/words.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigie {
namespace {

TEST(WordsTest, SplitsOnSpacesAndSkipsEmptyWords) {
  EXPECT_EQ(split_words("a bb  ccc "), (std::vector<std::string>{"a", "bb", "ccc"}));
  EXPECT_EQ(split_words(" x"), (std::vector<std::string>{"x"}));
  EXPECT_TRUE(split_words("").empty());
  EXPECT_TRUE(split_words("   ").empty());
}

}  // namespace
}  // namespace vigie
