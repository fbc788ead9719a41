#include <gtest/gtest.h>

#include "fhir/bundle.hpp"
#include "vault/vault.hpp"
#include "vault_fixture.hpp"

namespace vigie {
namespace {

using testing::parse_object;
using testing::VaultTest;

class VaultBundleTest : public VaultTest {
 protected:
  Result<vault::BundleOutcome> apply(std::string_view bundle_json) {
    auto plan = fhir::plan_bundle(parse_object(bundle_json), &vault::Vault::new_id);
    if (!plan) {
      return tl::unexpected(plan.error());
    }
    return vault_->apply_bundle(*plan);
  }
};

constexpr std::string_view kTransaction = R"({"resourceType":"Bundle","type":"transaction","entry":[
  {"fullUrl":"urn:uuid:11111111-1111-4111-8111-111111111111",
   "resource":{"resourceType":"Patient","name":[{"family":"Bernard"}]},
   "request":{"method":"POST","url":"Patient"}},
  {"fullUrl":"urn:uuid:22222222-2222-4222-8222-222222222222",
   "resource":{"resourceType":"Observation","status":"final","code":{"text":"note"},
     "subject":{"reference":"urn:uuid:11111111-1111-4111-8111-111111111111"}},
   "request":{"method":"POST","url":"Observation"}}]})";

TEST_F(VaultBundleTest, TransactionResolvesReferencesToAssignedIds) {
  auto outcome = apply(kTransaction);
  ASSERT_TRUE(outcome) << outcome.error().message;
  ASSERT_EQ(outcome->entries.size(), 2u);
  const std::string patient_id = outcome->entries[0].id;
  auto observation = vault_->read("Observation", outcome->entries[1].id);
  ASSERT_TRUE(observation);
  EXPECT_EQ(observation->resource.at("subject").at("reference").as_string(),
            "Patient/" + patient_id);
  EXPECT_EQ((*vault_->count_by_type())["Observation"], 1);
}

TEST_F(VaultBundleTest, FailedTransactionWritesNothing) {
  // The second entry deletes a resource that does not exist: the first must not stay.
  auto outcome = apply(R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}},
    {"request":{"method":"DELETE","url":"Patient/does-not-exist"}}]})");
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(vault_->count_by_type()->empty());
}

TEST_F(VaultBundleTest, BatchReportsEachEntry) {
  auto outcome = apply(R"({"resourceType":"Bundle","type":"batch","entry":[
    {"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}},
    {"request":{"method":"DELETE","url":"Patient/does-not-exist"}},
    {"resource":{"resourceType":"Patient","gender":"nope"},"request":{"method":"POST","url":"Patient"}}]})");
  ASSERT_TRUE(outcome) << outcome.error().message;
  ASSERT_EQ(outcome->entries.size(), 3u);
  EXPECT_FALSE(outcome->entries[0].error);
  ASSERT_TRUE(outcome->entries[1].error);
  EXPECT_EQ(outcome->entries[1].error->code, ErrorCode::kNotFound);
  ASSERT_TRUE(outcome->entries[2].error);
  EXPECT_EQ(outcome->entries[2].error->code, ErrorCode::kInvalidInput);
  EXPECT_EQ((*vault_->count_by_type())["Patient"], 1);
}

TEST_F(VaultBundleTest, PutCreatesWithTheGivenIdThenUpdates) {
  constexpr std::string_view kPut = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Patient","id":"p-1"},"request":{"method":"PUT","url":"Patient/p-1"}}]})";
  auto first = apply(kPut);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->entries[0].created);
  EXPECT_EQ(first->entries[0].version, 1);
  // The same content again writes no version; other content writes version 2.
  auto second = apply(kPut);
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->entries[0].created);
  EXPECT_TRUE(second->entries[0].unchanged);
  EXPECT_EQ(second->entries[0].version, 1);
  constexpr std::string_view kChanged = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Patient","id":"p-1","gender":"female"},"request":{"method":"PUT","url":"Patient/p-1"}}]})";
  auto third = apply(kChanged);
  ASSERT_TRUE(third);
  EXPECT_FALSE(third->entries[0].unchanged);
  EXPECT_EQ(third->entries[0].version, 2);
}

}  // namespace
}  // namespace vigie
