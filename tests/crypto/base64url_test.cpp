#include "crypto/base64url.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace vigie::crypto {
namespace {

TEST(Base64Url, EncodesWithTheUrlSafeAlphabetAndNoPadding) {
  const std::vector<uint8_t> bytes{0xfb, 0xff, 0xbf, 0x00, 0x10};
  EXPECT_EQ(to_base64url(bytes), "-_-_ABA");
  EXPECT_EQ(from_base64url("-_-_ABA"), bytes);
}

TEST(Base64Url, RoundTripsEveryLength) {
  std::vector<uint8_t> bytes;
  for (int length = 1; length <= 40; ++length) {
    bytes.push_back(static_cast<uint8_t>(length * 37));
    EXPECT_EQ(from_base64url(to_base64url(bytes)), bytes) << length;
  }
}

TEST(Base64Url, RefusesWhatIsNotCanonicalUrlSafeBase64) {
  for (const std::string& bad : {std::string(), std::string("+/+/"), std::string("ab=="),
                                 std::string("a"), std::string("ab c"), std::string("-_-_ABB")}) {
    EXPECT_FALSE(from_base64url(bad)) << bad;
  }
}

TEST(Base64, DecodesFhirBase64BinaryAndRefusesTheRest) {
  EXPECT_EQ(from_base64("SGVsbG8="), (std::vector<uint8_t>{'H', 'e', 'l', 'l', 'o'}));
  EXPECT_EQ(from_base64("+/8="), (std::vector<uint8_t>{0xFB, 0xFF}));
  EXPECT_EQ(from_base64(""), std::vector<uint8_t>{});
  for (const char* bad : {"SGVsbG8", "-_8=", "SGVs bG8=", "SGVsbG8=x", "%%%%"}) {
    EXPECT_FALSE(from_base64(bad)) << bad;
  }
}

}  // namespace
}  // namespace vigie::crypto
