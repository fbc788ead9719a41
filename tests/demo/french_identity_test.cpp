#include "demo/french_identity.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace vigie::demo {
namespace {

TEST(FrenchIdentityTest, FoldsNamesForEmails) {
  EXPECT_EQ(fold_to_ascii_lower("Élodie"), "elodie");
  EXPECT_EQ(fold_to_ascii_lower("Jean-François"), "jean-francois");
  EXPECT_EQ(fold_to_ascii_lower("N'Diaye"), "ndiaye");
  EXPECT_EQ(fold_to_ascii_lower("Da Silva"), "dasilva");
  EXPECT_EQ(fold_to_ascii_lower("Müller"), "muller");
  EXPECT_EQ(fold_to_ascii_lower("Lefèvre"), "lefevre");
  EXPECT_EQ(fold_to_ascii_lower("Conceição"), "conceicao");
  EXPECT_EQ(fold_to_ascii_lower("Œuvrard"), "oeuvrard");
}

TEST(FrenchIdentityTest, FoldedNamesArePlainAscii) {
  for (const NameOrigin origin :
       {NameOrigin::kFrance, NameOrigin::kCorsica, NameOrigin::kMaghreb, NameOrigin::kWestAfrica,
        NameOrigin::kIberia, NameOrigin::kItaly, NameOrigin::kVietnam}) {
    const NamePool& pool = name_pool(origin);
    for (const auto& list : {pool.families, pool.female_given, pool.male_given}) {
      ASSERT_FALSE(list.empty());
      for (const std::string_view name : list) {
        const std::string folded = fold_to_ascii_lower(name);
        EXPECT_GE(folded.size(), 2u) << "a name folded to almost nothing";
        for (const char letter : folded) {
          EXPECT_TRUE((letter >= 'a' && letter <= 'z') || letter == '-') << folded;
        }
      }
    }
  }
}

TEST(FrenchIdentityTest, CitiesHaveConsistentCodes) {
  std::set<std::string_view> departments;
  for (const City& city : french_cities()) {
    departments.insert(city.department);
    ASSERT_EQ(city.department.size(), 2u);
    ASSERT_EQ(city.commune.size(), 3u);
    ASSERT_EQ(city.postal_code.size(), 5u);
    if (city.department == "2A" || city.department == "2B") {
      EXPECT_EQ(city.postal_code.substr(0, 2), "20") << city.name;
    } else {
      EXPECT_EQ(city.postal_code.substr(0, 2), city.department) << city.name;
      EXPECT_NE(city.department, "20");
    }
    if (city.department == "97") {
      // Overseas communes: the NIR's commune field starts with the department's third digit.
      EXPECT_EQ(city.commune.front(), city.postal_code[2]) << city.name;
    }
  }
  EXPECT_TRUE(departments.contains("2A"));
  EXPECT_TRUE(departments.contains("2B"));
}

TEST(FrenchIdentityTest, BirthCountriesUseThreeDigitCodes) {
  for (const BirthCountry& country : birth_countries()) {
    EXPECT_EQ(country.cog_code.size(), 3u);
    EXPECT_EQ(country.iso_code.size(), 2u);
  }
}

}  // namespace
}  // namespace vigie::demo
