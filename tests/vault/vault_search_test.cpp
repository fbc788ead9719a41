#include <gtest/gtest.h>

#include "fhir/search.hpp"
#include "vault/vault.hpp"
#include "vault_fixture.hpp"

namespace vigie {
namespace {

using testing::parse_object;
using testing::VaultTest;

class VaultSearchTest : public VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    lefevre_ = create(R"({"resourceType":"Patient",
      "identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"284037512345640"}],
      "name":[{"family":"Lefèvre","given":["Élodie","Marie-Claire"]}],
      "gender":"female","birthDate":"1984-03-12"})")
                   .id;
    martin_ = create(R"({"resourceType":"Patient","name":[{"family":"Martin","given":["Luc"]}],
      "gender":"male","birthDate":"1950-11-02"})")
                  .id;
    glucose_old_ = observation(lefevre_, "2339-0", "2024-01-15T08:00:00+01:00");
    glucose_new_ = observation(lefevre_, "2339-0", "2025-06-01T08:00:00Z");
    observation(lefevre_, "8867-4", "2025-06-01T08:00:00Z");
    observation(martin_, "2339-0", "2025-06-01T08:00:00Z");
  }

  std::string observation(const std::string& patient, const std::string& loinc,
                          const std::string& when) {
    return create(R"({"resourceType":"Observation","status":"final","code":{"coding":[
      {"system":"http://loinc.org","code":")" +
                  loinc + R"("}]},"subject":{"reference":"Patient/)" + patient +
                  R"("},"effectiveDateTime":")" + when + R"("})")
        .id;
  }

  std::vector<std::string> ids(std::string_view type,
                               std::vector<std::pair<std::string, std::string>> params) {
    auto query = fhir::parse_search(type, params);
    EXPECT_TRUE(query) << query.error().message;
    auto page = vault_->search(*query);
    EXPECT_TRUE(page) << page.error().message;
    std::vector<std::string> found;
    for (const auto& match : page->matches) {
      found.push_back(match.id);
    }
    std::sort(found.begin(), found.end());
    return found;
  }

  std::string lefevre_, martin_, glucose_old_, glucose_new_;
};

TEST_F(VaultSearchTest, FamilyPrefixFoldsCaseAndAccents) {
  EXPECT_EQ(ids("Patient", {{"family", "lefevre"}}), std::vector{lefevre_});
  EXPECT_EQ(ids("Patient", {{"family", "LEF"}}), std::vector{lefevre_});
  EXPECT_EQ(ids("Patient", {{"family", "Lefèv"}}), std::vector{lefevre_});
  EXPECT_TRUE(ids("Patient", {{"family", "efevre"}}).empty());
  EXPECT_EQ(ids("Patient", {{"given", "claire"}}), std::vector{lefevre_});
  EXPECT_EQ(ids("Patient", {{"name", "elod"}}), std::vector{lefevre_});
}

TEST_F(VaultSearchTest, IdentifierBirthdateAndGender) {
  EXPECT_EQ(ids("Patient", {{"identifier", "urn:oid:1.2.250.1.213.1.4.8|284037512345640"}}),
            std::vector{lefevre_});
  EXPECT_EQ(ids("Patient", {{"identifier", "284037512345640"}}), std::vector{lefevre_});
  EXPECT_TRUE(ids("Patient", {{"identifier", "284037512345641"}}).empty());
  EXPECT_EQ(ids("Patient", {{"birthdate", "1950-11-02"}}), std::vector{martin_});
  EXPECT_EQ(ids("Patient", {{"birthdate", "1984"}}), std::vector{lefevre_});
  EXPECT_EQ(ids("Patient", {{"gender", "male"}}), std::vector{martin_});
  EXPECT_TRUE(ids("Patient", {{"gender", "male"}, {"family", "lef"}}).empty());
  auto either = ids("Patient", {{"gender", "male,female"}});
  EXPECT_EQ(either.size(), 2u);
}

TEST_F(VaultSearchTest, CompartmentCodeAndDate) {
  auto glucose = ids("Observation", {{"patient", lefevre_}, {"code", "2339-0"}});
  std::vector<std::string> expected{glucose_old_, glucose_new_};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(glucose, expected);
  EXPECT_EQ(ids("Observation", {{"subject", "Patient/" + lefevre_}}).size(), 3u);
  EXPECT_EQ(ids("Observation", {{"code", "http://loinc.org|2339-0"}}).size(), 3u);
  EXPECT_EQ(ids("Observation", {{"patient", lefevre_}, {"code", "2339-0"}, {"date", "ge2025"}}),
            std::vector{glucose_new_});
  EXPECT_EQ(ids("Observation", {{"patient", lefevre_}, {"code", "2339-0"}, {"date", "lt2025"}}),
            std::vector{glucose_old_});
}

TEST_F(VaultSearchTest, PagingAndTotal) {
  auto query = fhir::parse_search("Observation", {{"_count", "1"}, {"_offset", "1"}});
  ASSERT_TRUE(query);
  auto page = vault_->search(*query);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 4u);
  EXPECT_EQ(page->matches.size(), 1u);
}

TEST_F(VaultSearchTest, UpdatedAndDeletedResourcesLeaveTheIndex) {
  auto patient = vault_->read("Patient", martin_);
  ASSERT_TRUE(patient);
  boost::json::object renamed = patient->resource;
  renamed["name"] = boost::json::parse(R"([{"family":"Dupont"}])");
  ASSERT_TRUE(vault_->update("Patient", martin_, renamed));
  EXPECT_TRUE(ids("Patient", {{"family", "martin"}}).empty());
  EXPECT_EQ(ids("Patient", {{"family", "dupont"}}), std::vector{martin_});
  ASSERT_TRUE(vault_->remove("Patient", martin_));
  EXPECT_TRUE(ids("Patient", {{"family", "dupont"}}).empty());
}

}  // namespace
}  // namespace vigie
