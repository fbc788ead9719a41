#include "fhir/identifiers.hpp"

#include <cstdint>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace vigie::fhir {
namespace {

// An independent computation of the key: Corsica's 2A/2B replaced by 19/18, then 97 - n mod 97.
std::string with_key(std::string first13) {
  std::string digits = first13;
  if (digits.substr(5, 2) == "2A") {
    digits.replace(5, 2, "19");
  } else if (digits.substr(5, 2) == "2B") {
    digits.replace(5, 2, "18");
  }
  int64_t number = std::stoll(digits);
  return first13 + fmt::format("{:02}", 97 - number % 97);
}

std::string with_wrong_key(const std::string& first13) {
  std::string valid = with_key(first13);
  int key = std::stoi(valid.substr(13));
  return first13 + fmt::format("{:02}", key == 97 ? 1 : key + 1);
}

TEST(Nir, AcceptsAPublishedExample) { EXPECT_TRUE(validate_nir("269054958815780").has_value()); }

TEST(Nir, AcceptsComputedNumbersOfEveryKind) {
  for (std::string first13 : {"1850578006084", "2690549588157", "3891099123456", "4000199123456",
                              "7650275123456", "8991231999999", "1891099123456"}) {
    std::string nir = with_key(first13);
    EXPECT_TRUE(validate_nir(nir).has_value()) << nir;
    EXPECT_EQ(fmt::format("{:02}", nir_control_key(first13)), nir.substr(13));
  }
}

TEST(Nir, HandlesCorsica) {
  std::string corse_du_sud = with_key("180012A123456");
  std::string haute_corse = with_key("280072B045012");
  EXPECT_EQ(corse_du_sud.substr(13), "20");
  EXPECT_EQ(haute_corse.substr(13), "64");
  EXPECT_TRUE(validate_nir(corse_du_sud).has_value());
  EXPECT_TRUE(validate_nir(haute_corse).has_value());
  EXPECT_EQ(nir_control_key("180012A123456"), 20);
  EXPECT_EQ(nir_control_key("280072B045012"), 64);
  // The same digits with 19 / 18 written out have the same key: 2A / 2B count as 19 / 18.
  EXPECT_EQ(nir_control_key("1800119123456"), 20);
  EXPECT_FALSE(validate_nir(with_wrong_key("180012A123456")).has_value());
  EXPECT_FALSE(validate_nir(with_wrong_key("280072B045012")).has_value());
}

struct NirCase {
  std::string name;
  std::string value;
  std::string rule;
};

class NirRejects : public ::testing::TestWithParam<NirCase> {};

TEST_P(NirRejects, NamingTheRuleNotTheValue) {
  Result<void> checked = validate_nir(GetParam().value);
  ASSERT_FALSE(checked.has_value());
  EXPECT_EQ(checked.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(checked.error().message.find(GetParam().rule), std::string::npos)
      << checked.error().message;
  if (GetParam().value.size() >= 5) {
    EXPECT_EQ(checked.error().message.find(GetParam().value.substr(0, 5)), std::string::npos)
        << checked.error().message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NirRejects,
    ::testing::Values(
        NirCase{"Empty", "", "must be 15 characters"},
        NirCase{"TooShort", "26905495881578", "must be 15 characters"},
        NirCase{"TooLong", "2690549588157801", "must be 15 characters"},
        NirCase{"Spaces", "2 69 05 49 588 1", "must be 15 characters"},
        NirCase{"Letter", "26905495X815780",
                "must contain only digits (2A/2B allowed for Corsica)"},
        NirCase{"LowercaseCorsica", "180012a12345620",
                "must contain only digits (2A/2B allowed for Corsica)"},
        NirCase{"CorsicaElsewhere", "12A012012345620",
                "must contain only digits (2A/2B allowed for Corsica)"},
        NirCase{"Department2C", "180012C12345620",
                "must contain only digits (2A/2B allowed for Corsica)"},
        NirCase{"FirstDigitFive", with_key("5690549588157"), "must start with 1, 2, 3, 4, 7 or 8"},
        NirCase{"FirstDigitZero", with_key("0690549588157"), "must start with 1, 2, 3, 4, 7 or 8"},
        NirCase{"WrongKey", "269054958815781", "has an invalid control key"},
        NirCase{"KeyZero", "269054958815700", "has an invalid control key"},
        NirCase{"ComputedWrongKey", with_wrong_key("1850578006084"), "has an invalid control key"}),
    [](const ::testing::TestParamInfo<NirCase>& info) { return info.param.name; });

TEST(Rpps, IsElevenDigits) {
  EXPECT_TRUE(is_valid_rpps("10001234567"));
  EXPECT_FALSE(is_valid_rpps("1000123456"));
  EXPECT_FALSE(is_valid_rpps("100012345678"));
  EXPECT_FALSE(is_valid_rpps("1000123456A"));
  EXPECT_FALSE(is_valid_rpps(""));
}

}  // namespace
}  // namespace vigie::fhir
