#include "auth/totp.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "auth/base32.hpp"

namespace vigie::auth {
namespace {

// The SHA-1 seed of RFC 6238 appendix B (and RFC 4226 appendix D).
const std::vector<uint8_t> kRfcSecret = [] {
  const std::string_view seed = "12345678901234567890";
  return std::vector<uint8_t>(seed.begin(), seed.end());
}();

// A time inside step 0x23523ED (RFC 6238's T = 1111111111).
constexpr int64_t kNow = 1111111111;
constexpr uint64_t kStep = 0x23523ED;

struct RfcVector {
  int64_t time;
  uint64_t step;
  uint32_t eight_digits;
  std::string_view six_digits;
};

TEST(TotpTest, MatchesRfc6238Sha1VectorsInEightAndSixDigits) {
  const RfcVector vectors[] = {
      {59, 0x1, 94287082, "287082"},
      {1111111109, 0x23523EC, 7081804, "081804"},
      {1111111111, 0x23523ED, 14050471, "050471"},
      {1234567890, 0x273EF07, 89005924, "005924"},
      {2000000000, 0x3F940AA, 69279037, "279037"},
      {20000000000, 0x27BC86AA, 65353130, "353130"},
  };
  for (const RfcVector& vector : vectors) {
    SCOPED_TRACE(vector.time);
    EXPECT_EQ(totp_step_at(vector.time), vector.step);
    EXPECT_EQ(hotp_truncated(kRfcSecret, vector.step) % 100'000'000, vector.eight_digits);
    EXPECT_EQ(totp_code(kRfcSecret, vector.step), vector.six_digits);
  }
}

TEST(TotpTest, MatchesRfc4226HotpVectors) {
  const std::string_view expected[] = {"755224", "287082", "359152", "969429", "338314",
                                       "254676", "287922", "162583", "399871", "520489"};
  for (uint64_t counter = 0; counter < 10; ++counter) {
    EXPECT_EQ(totp_code(kRfcSecret, counter), expected[counter]) << counter;
  }
}

TEST(TotpTest, StepsAreThirtySecondsFromTheEpoch) {
  EXPECT_EQ(totp_step_at(0), 0u);
  EXPECT_EQ(totp_step_at(29), 0u);
  EXPECT_EQ(totp_step_at(30), 1u);
  EXPECT_EQ(totp_step_at(59), 1u);
  EXPECT_EQ(totp_step_at(60), 2u);
}

TEST(TotpTest, NewSecretsAreTwentyRandomBytes) {
  const crypto::SecretBytes first = new_totp_secret();
  const crypto::SecretBytes second = new_totp_secret();
  ASSERT_EQ(first.size(), 20u);
  ASSERT_EQ(second.size(), 20u);
  EXPECT_FALSE(crypto::constant_time_equal(first.view(), second.view()));
  EXPECT_NE(totp_code(first.view(), kStep), totp_code(second.view(), kStep));
}

TEST(TotpTest, AcceptsTheCurrentStepAndOneStepEitherSide) {
  for (uint64_t step : {kStep - 1, kStep, kStep + 1}) {
    Result<uint64_t> matched =
        verify_totp(kRfcSecret, totp_code(kRfcSecret, step), kNow, std::nullopt);
    ASSERT_TRUE(matched.has_value()) << step << ": " << matched.error().message;
    EXPECT_EQ(*matched, step);
  }
}

TEST(TotpTest, RefusesCodesTwoStepsAwayEitherSide) {
  for (uint64_t step : {kStep - 2, kStep + 2}) {
    Result<uint64_t> matched =
        verify_totp(kRfcSecret, totp_code(kRfcSecret, step), kNow, std::nullopt);
    ASSERT_FALSE(matched.has_value()) << step;
    EXPECT_EQ(matched.error().code, ErrorCode::kAuthenticationFailed);
    EXPECT_EQ(to_display_text(matched.error()), "code incorrect / wrong code");
  }
}

TEST(TotpTest, RefusesAWrongCode) {
  const std::string right = totp_code(kRfcSecret, kStep);
  std::string wrong = right;
  wrong[5] = right[5] == '9' ? '0' : static_cast<char>(right[5] + 1);
  Result<uint64_t> matched = verify_totp(kRfcSecret, wrong, kNow, std::nullopt);
  ASSERT_FALSE(matched.has_value());
  EXPECT_EQ(matched.error().code, ErrorCode::kAuthenticationFailed);
}

TEST(TotpTest, ACodeIsUsableOnce) {
  const std::string code = totp_code(kRfcSecret, kStep);
  Result<uint64_t> first = verify_totp(kRfcSecret, code, kNow, std::nullopt);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, kStep);

  for (int64_t later : {kNow, kNow + 15}) {
    Result<uint64_t> replay = verify_totp(kRfcSecret, code, later, *first);
    ASSERT_FALSE(replay.has_value());
    EXPECT_EQ(replay.error().code, ErrorCode::kAuthenticationFailed);
    EXPECT_EQ(to_display_text(replay.error()),
              "code déjà utilisé, attendez le suivant / code already used, wait for the next one");
  }
}

TEST(TotpTest, NoCodeOfAnEarlierStepIsAcceptedAfterALaterOne) {
  Result<uint64_t> used =
      verify_totp(kRfcSecret, totp_code(kRfcSecret, kStep + 1), kNow, std::nullopt);
  ASSERT_TRUE(used.has_value());
  EXPECT_EQ(*used, kStep + 1);
  for (uint64_t earlier : {kStep - 1, kStep}) {
    Result<uint64_t> matched = verify_totp(kRfcSecret, totp_code(kRfcSecret, earlier), kNow, *used);
    ASSERT_FALSE(matched.has_value()) << earlier;
    EXPECT_EQ(matched.error().code, ErrorCode::kAuthenticationFailed);
  }
}

TEST(TotpTest, TheNextStepIsAcceptedAfterTheLastUsedOne) {
  Result<uint64_t> matched = verify_totp(kRfcSecret, totp_code(kRfcSecret, kStep), kNow, kStep - 1);
  ASSERT_TRUE(matched.has_value());
  EXPECT_EQ(*matched, kStep);
}

TEST(TotpTest, RefusesMalformedCodeText) {
  const std::string code = totp_code(kRfcSecret, kStep);
  const std::string malformed[] = {
      "",
      code.substr(0, 5),
      code + "0",
      "12a456",
      "abcdef",
      " " + code,
      code + " ",
      code.substr(0, 3) + " " + code.substr(3),
      "-12345",
      "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96",  // fullwidth 1-6
  };
  for (const std::string& text : malformed) {
    Result<uint64_t> matched = verify_totp(kRfcSecret, text, kNow, std::nullopt);
    ASSERT_FALSE(matched.has_value()) << "[" << text << "]";
    EXPECT_EQ(matched.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(to_display_text(matched.error()),
              "le code doit comporter 6 chiffres / the code must be 6 digits");
  }
}

TEST(TotpTest, RefusesATimeBeforeTheEpoch) {
  Result<uint64_t> matched = verify_totp(kRfcSecret, totp_code(kRfcSecret, 0), -1, std::nullopt);
  ASSERT_FALSE(matched.has_value());
  EXPECT_EQ(matched.error().code, ErrorCode::kInvalidInput);
}

TEST(TotpTest, FirstStepsOfTheEpochHaveNoPreviousStep) {
  Result<uint64_t> matched = verify_totp(kRfcSecret, totp_code(kRfcSecret, 0), 0, std::nullopt);
  ASSERT_TRUE(matched.has_value());
  EXPECT_EQ(*matched, 0u);
}

TEST(TotpTest, OtpauthUriNamesIssuerLoginSecretAndParameters) {
  EXPECT_EQ(otpauth_uri("jdupont", kRfcSecret).view(),
            "otpauth://totp/vigie:jdupont?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=vigie&algorithm=SHA1&digits=6&period=30");
}

TEST(TotpTest, OtpauthUriPercentEncodesTheLogin) {
  const std::string prefix = "otpauth://totp/vigie:";
  const std::string suffix =
      "?secret=" + base32_encode(kRfcSecret) + "&issuer=vigie&algorithm=SHA1&digits=6&period=30";
  EXPECT_EQ(otpauth_uri("m.curie_2~x-y", kRfcSecret).view(), prefix + "m.curie_2~x-y" + suffix);
  EXPECT_EQ(otpauth_uri("marie curie@labo", kRfcSecret).view(),
            prefix + "marie%20curie%40labo" + suffix);
  EXPECT_EQ(otpauth_uri("a:b?c&d=e/f#g%", kRfcSecret).view(),
            prefix + "a%3Ab%3Fc%26d%3De%2Ff%23g%25" + suffix);
  EXPECT_EQ(otpauth_uri("\xc3\x89lodie", kRfcSecret).view(), prefix + "%C3%89lodie" + suffix);
}

}  // namespace
}  // namespace vigie::auth
