// What goes into the vault comes out exactly: numbers as written, and nothing is stored that
// cannot be read back.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "fhir/json.hpp"
#include "fhir/search.hpp"
#include "vault/vault.hpp"
#include "vault_fixture.hpp"

namespace vigie {
namespace {

using testing::parse_object;
using testing::VaultTest;

// Decimals as a lab writes them: trailing zeros and exponents are significant.
constexpr std::string_view kLabValues =
    R"("valueQuantity":{"value":1.50,"unit":"mmol/L"},"component":[{"code":{"text":"a"},"valueQuantity":{"value":0.10}},{"code":{"text":"b"},"valueQuantity":{"value":2.50e-3}},{"code":{"text":"c"},"valueQuantity":{"value":-0.0}},{"code":{"text":"d"},"extension":[{"url":"u","valueDecimal":-0}]},{"code":{"text":"e"},"valueInteger":7}])";

class VaultFidelityTest : public VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    patient_id_ = create(R"({"resourceType":"Patient","name":[{"family":"Lefèvre"}]})").id;
  }

  std::string observation(std::string_view members) const {
    return fmt::format(
        R"({{"resourceType":"Observation","status":"final","code":{{"coding":[{{"system":"http://loinc.org","code":"2339-0"}}]}},"subject":{{"reference":"Patient/{}"}},"effectiveDateTime":"2026-05-28",{}}})",
        patient_id_, members);
  }

  static void expect_lab_values(const vault::StoredResource& stored) {
    const std::string text = fhir::to_json_text(stored.resource);
    EXPECT_NE(text.find(kLabValues), std::string::npos) << text;
  }

  std::string patient_id_;
};

TEST_F(VaultFidelityTest, DecimalsReadBackAsWrittenEverywhere) {
  vault::StoredResource created = create(observation(kLabValues));
  expect_lab_values(created);
  clock_.advance_ms(1000);
  boost::json::object changed = created.resource;
  changed["status"] = "amended";
  ASSERT_TRUE(vault_->update("Observation", created.id, changed));

  auto read = vault_->read("Observation", created.id);
  ASSERT_TRUE(read) << read.error().message;
  expect_lab_values(*read);
  auto first = vault_->read_version("Observation", created.id, 1);
  ASSERT_TRUE(first);
  expect_lab_values(*first);
  auto history = vault_->history("Observation", created.id);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  for (const vault::StoredResource& version : *history) {
    expect_lab_values(version);
  }
  for (std::vector<std::pair<std::string, std::string>> parameters :
       {std::vector<std::pair<std::string, std::string>>{{"patient", patient_id_}},
        {{"patient", patient_id_}, {"date", "ge2026"}}}) {
    auto query = fhir::parse_search("Observation", parameters);
    ASSERT_TRUE(query) << query.error().message;
    auto page = vault_->search(*query);
    ASSERT_TRUE(page) << page.error().message;
    ASSERT_EQ(page->matches.size(), 1u);
    expect_lab_values(page->matches.front());
  }
}

TEST_F(VaultFidelityTest, AnOverflowingDecimalIsRefusedAndNothingIsStored) {
  auto created =
      vault_->create(parse_object(observation(R"("valueQuantity":{"value":999906e00001595})")));
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(created.error().message.find("Observation.valueQuantity.value"), std::string::npos)
      << created.error().message;
  EXPECT_EQ(vault_->count_by_type()->count("Observation"), 0u);
}

// The safety net under validation: a resource built in code with a string that is not UTF-8
// passes validation but would seal a text that no read can parse.
TEST_F(VaultFidelityTest, AResourceThatWouldNotReadBackIsRefusedAndNothingIsStored) {
  boost::json::object patient = parse_object(R"({"resourceType":"Patient","name":[{}]})");
  patient["name"].as_array()[0].as_object()["family"] = "Lef\xC3\x28vre";
  auto created = vault_->create(patient);
  ASSERT_FALSE(created.has_value());
  EXPECT_EQ(created.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(created.error().message.find("cannot be stored"), std::string::npos)
      << created.error().message;
  EXPECT_EQ(created.error().message.find("Lef"), std::string::npos) << created.error().message;
  EXPECT_EQ(vault_->count_by_type()->at("Patient"), 1);

  auto updated = vault_->update("Patient", patient_id_, [&] {
    patient["id"] = patient_id_;
    return patient;
  }());
  ASSERT_FALSE(updated.has_value());
  EXPECT_EQ(updated.error().code, ErrorCode::kInvalidInput);
  auto history = vault_->history("Patient", patient_id_);
  ASSERT_TRUE(history);
  EXPECT_EQ(history->size(), 1u);
}

}  // namespace
}  // namespace vigie
