// A search decides on compartments, then decrypts the page: an update that moves a match to
// another patient in between must not leak it.
#include <gtest/gtest.h>

#include <string>

#include "fhir/search.hpp"
#include "vault/vault.hpp"
#include "vault_fixture.hpp"

namespace vigie {
namespace {

using testing::parse_object;
using testing::VaultTest;

class VaultSearchRaceTest : public VaultTest {
 protected:
  std::string observation_json(const std::string& patient) {
    return R"({"resourceType":"Observation","status":"final","code":{"coding":[
      {"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/)" +
           patient + R"("}})";
  }
};

TEST_F(VaultSearchRaceTest, AMatchMovedAfterTheDecisionIsLeftOut) {
  const std::string mine = create(R"({"resourceType":"Patient"})").id;
  const std::string other = create(R"({"resourceType":"Patient"})").id;
  const vault::StoredResource observation = create(observation_json(mine));
  auto sibling = vault_->open_sibling();
  ASSERT_TRUE(sibling) << sibling.error().message;
  auto query = fhir::parse_search("Observation", {});
  ASSERT_TRUE(query) << query.error().message;

  bool moved = false;
  auto page = vault_->search(*query, [&](const std::string& compartment) {
    // Another connection moves the match to another patient right after it was decided on.
    if (!moved) {
      moved = true;
      boost::json::object resource = parse_object(observation_json(other));
      EXPECT_TRUE((*sibling)->update("Observation", observation.id, std::move(resource)));
    }
    return compartment == mine;
  });
  ASSERT_TRUE(moved);
  ASSERT_TRUE(page) << page.error().message;
  for (const vault::StoredResource& match : page->matches) {
    EXPECT_EQ(match.compartment, mine) << "a version filed under another patient was returned";
  }
  EXPECT_TRUE(page->matches.empty());
  EXPECT_EQ(page->total, 0U);
}

}  // namespace
}  // namespace vigie
