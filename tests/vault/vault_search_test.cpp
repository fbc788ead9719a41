#include <gtest/gtest.h>

#include "fhir/json.hpp"
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

// Walks every page of `query` by keyset (`count` a page), returning the ids in page order.
std::vector<std::string> walk_pages(vault::Vault& vault, fhir::SearchQuery query, size_t count,
                                    const std::function<bool(const std::string&)>& visible) {
  query.count = count;
  std::vector<std::string> walked;
  while (true) {
    auto page = vault.search(query, visible);
    EXPECT_TRUE(page) << page.error().message;
    if (!page) {
      return walked;
    }
    for (const auto& match : page->matches) {
      walked.push_back(match.id);
    }
    if (!page->next) {
      return walked;
    }
    query.after = page->next;
  }
}

TEST_F(VaultSearchTest, PagesWithoutTotalWalkTheSameMatchesAsPagesWithIt) {
  std::vector<std::string> observations;
  for (int i = 0; i < 11; ++i) {
    observations.push_back(observation(i % 3 == 0 ? martin_ : lefevre_, "2339-0",
                                       "2025-07-0" + std::to_string(1 + i % 9) + "T08:00:00Z"));
  }
  ASSERT_TRUE(vault_->remove("Observation", observations[4]));
  ASSERT_TRUE(vault_->remove("Observation", observations[5]));
  const std::function<bool(const std::string&)> everyone;
  const std::function<bool(const std::string&)> not_martin = [&](const std::string& compartment) {
    return compartment != martin_;
  };
  for (const auto* visible : {&everyone, &not_martin}) {
    for (const auto& params : std::vector<std::vector<std::pair<std::string, std::string>>>{
             {}, {{"code", "2339-0"}}, {{"patient", lefevre_}}}) {
      auto query = fhir::parse_search("Observation", params);
      ASSERT_TRUE(query);
      const std::vector<std::string> with_total = walk_pages(*vault_, *query, 3, *visible);
      fhir::SearchQuery without = *query;
      without.needs_total = false;
      for (size_t count : {1u, 3u, 4u, 100u}) {
        EXPECT_EQ(walk_pages(*vault_, without, count, *visible), with_total) << count;
      }
      EXPECT_TRUE(std::is_sorted(with_total.begin(), with_total.end()));
      EXPECT_EQ(std::count(with_total.begin(), with_total.end(), observations[4]), 0);
      const bool martin_matches = !*visible && (params.empty() || params[0].first == "code");
      EXPECT_EQ(std::count(with_total.begin(), with_total.end(), observations[0]),
                martin_matches ? 1 : 0);
    }
  }
}

TEST_F(VaultSearchTest, TextFormIsTheSerialisedParsedResource) {
  create(R"({"resourceType":"Observation","status":"final","code":{"text":"Glyc\u00e9mie"},
    "subject":{"reference":"Patient/)" +
         lefevre_ + R"("},"effectiveDateTime":"2025-06-02T08:00:00Z",
    "valueQuantity":{"value":5.0,"unit":"mmol/L"},
    "component":[{"code":{"text":"x"},"valueQuantity":{"value":178.69452709041775}}],
    "note":[{"text":"\"cit\u00e9\"\\ ligne\nsuivante\t\u0001"}]})");
  for (const auto& params : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {}, {{"date", "ge2025"}}, {{"patient", lefevre_}, {"_count", "2"}}}) {
    auto query = fhir::parse_search("Observation", params);
    ASSERT_TRUE(query);
    auto parsed = vault_->search(*query);
    auto text = vault_->search(*query, {}, vault::ResourceForm::kText);
    ASSERT_TRUE(parsed && text);
    ASSERT_EQ(text->matches.size(), parsed->matches.size());
    ASSERT_FALSE(text->matches.empty());
    for (size_t index = 0; index < text->matches.size(); ++index) {
      const vault::StoredResource& as_text = text->matches[index];
      EXPECT_TRUE(as_text.resource.empty());
      EXPECT_EQ(as_text.id, parsed->matches[index].id);
      EXPECT_EQ(as_text.text, fhir::to_json_text(parsed->matches[index].resource));
    }
  }
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
