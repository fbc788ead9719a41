// Search through the gate (issue 13): _lastUpdated, _sort, keyset pages that hold still while
// resources come and go, and _include/_revinclude, each included resource decided as a direct
// read would be.
#include <algorithm>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fhir/search.hpp"
#include "gate/access_world.hpp"
#include "support/raw_sql.hpp"

namespace vigie {
namespace {

using testing::AccessWorld;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;
using Params = std::vector<std::pair<std::string, std::string>>;

std::vector<std::string> search_ids_of(const std::vector<gate::StoredResource>& resources) {
  std::vector<std::string> ids;
  for (const gate::StoredResource& resource : resources) {
    ids.push_back(resource.id);
  }
  return ids;
}

class GateSearchTest : public ::testing::Test {
 protected:
  gate::Gate& gate() { return world_.gate(); }
  const gate::Custodian& custodian() { return world_.custodian(); }

  // Every page of a search, following each page's next position; `between` runs after each page.
  std::vector<std::string> all_pages(const gate::Principal& principal, std::string_view type,
                                     const Params& params,
                                     const std::function<void(size_t page)>& between = {}) {
    std::vector<std::string> seen;
    std::optional<fhir::PagePosition> after;
    for (size_t page_index = 0; page_index < 100; ++page_index) {
      auto page = gate().search(principal, type, params, after);
      EXPECT_TRUE(page) << page.error().message;
      if (!page) {
        break;
      }
      for (const std::string& id : search_ids_of(page->matches)) {
        seen.push_back(id);
      }
      if (!page->next) {
        break;
      }
      after = page->next;
      if (between) {
        between(page_index);
      }
    }
    return seen;
  }

  AccessWorld world_;
};

TEST_F(GateSearchTest, LastUpdatedFiltersOnTheStoredTimeWithEveryPrefix) {
  const int64_t start = world_.clock().now_ms();  // 2026-09-21T...
  const std::string first = world_.make_patient("Premier").id;
  world_.clock().advance_ms(86'400'000);
  const std::string second = world_.make_patient("Second").id;
  world_.clock().advance_ms(86'400'000);
  const std::string third = world_.make_patient("Troisieme").id;
  const std::string day_two = fhir::format_instant(start + 86'400'000).substr(0, 10);
  auto found = [&](const std::string& value) {
    auto page = gate().search(custodian(), "Patient", {{"_lastUpdated", value}});
    EXPECT_TRUE(page) << page.error().message;
    std::vector<std::string> ids = page ? search_ids_of(page->matches) : std::vector<std::string>{};
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  auto sorted = [](std::vector<std::string> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  EXPECT_EQ(found(day_two), sorted({second}));
  EXPECT_EQ(found("eq" + day_two), sorted({second}));
  EXPECT_EQ(found("ne" + day_two), sorted({first, third}));
  EXPECT_EQ(found("lt" + day_two), sorted({first}));
  EXPECT_EQ(found("le" + day_two), sorted({first, second}));
  EXPECT_EQ(found("gt" + day_two), sorted({third}));
  EXPECT_EQ(found("ge" + day_two), sorted({second, third}));
  EXPECT_EQ(found("sa" + day_two), sorted({third}));
  EXPECT_EQ(found("eb" + day_two), sorted({first}));
  EXPECT_EQ(found(fhir::format_instant(start + 86'400'000)), sorted({second}));
  EXPECT_EQ(found(day_two.substr(0, 4)), sorted({first, second, third}));
  auto page = gate().search(custodian(), "Patient", {{"_lastUpdated", "gt" + day_two}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 1U);
}

// _lastUpdated and the sort read clear metadata: the resources they leave out are never
// decrypted. Shown by breaking the seal of those: a search that opened one would fail.
TEST_F(GateSearchTest, LastUpdatedAndTheSortDecryptOnlyThePageReturned) {
  const int64_t start = world_.clock().now_ms();
  const std::string first = world_.make_patient("Scelle").id;
  world_.clock().advance_ms(86'400'000);
  const std::string second = world_.make_patient("Scelle").id;
  world_.clock().advance_ms(86'400'000);
  const std::string third = world_.make_patient("Scelle").id;
  for (const std::string& broken : {first, third}) {
    testing::exec_raw(world_.vault_dir() / "vault.db",
                      "UPDATE resource_versions SET sealed = x'00' WHERE id = '" + broken + "'");
  }
  const std::string day_two = fhir::format_instant(start + 86'400'000).substr(0, 10);
  auto page = gate().search(custodian(), "Patient", {{"_lastUpdated", day_two}});
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_THAT(search_ids_of(page->matches), ElementsAre(second));
  auto sorted =
      gate().search(custodian(), "Patient",
                    {{"_sort", "_lastUpdated"}, {"_lastUpdated", "ge" + day_two}, {"_count", "1"}});
  ASSERT_TRUE(sorted) << sorted.error().message;
  EXPECT_THAT(search_ids_of(sorted->matches), ElementsAre(second));
  EXPECT_EQ(sorted->total, 2U);
  // The broken seals are found as soon as a search opens them.
  auto everything = gate().search(custodian(), "Patient", {});
  ASSERT_FALSE(everything);
  EXPECT_EQ(everything.error().code, ErrorCode::kIntegrity);
}

TEST_F(GateSearchTest, SortByLastUpdatedEitherWayIdsBreakTies) {
  std::vector<std::string> made;
  for (int index = 0; index < 5; ++index) {
    made.push_back(world_.make_patient("Tri").id);
    if (index % 2 == 1) {
      world_.clock().advance_ms(1000);  // pairs created in the same millisecond
    }
  }
  // Expected: by time, then id.
  std::vector<std::pair<int64_t, std::string>> keyed;
  auto page = gate().search(custodian(), "Patient", {{"_sort", "_lastUpdated"}});
  ASSERT_TRUE(page) << page.error().message;
  for (const gate::StoredResource& match : page->matches) {
    keyed.emplace_back(match.last_updated_ms, match.id);
  }
  ASSERT_EQ(keyed.size(), 5U);
  EXPECT_TRUE(std::is_sorted(keyed.begin(), keyed.end()));
  EXPECT_THAT(search_ids_of(page->matches), UnorderedElementsAreArray(made));

  auto descending = gate().search(custodian(), "Patient", {{"_sort", "-_lastUpdated"}});
  ASSERT_TRUE(descending) << descending.error().message;
  std::vector<std::pair<int64_t, std::string>> reversed;
  for (const gate::StoredResource& match : descending->matches) {
    reversed.emplace_back(-match.last_updated_ms, match.id);
  }
  EXPECT_TRUE(std::is_sorted(reversed.begin(), reversed.end()));
  EXPECT_EQ(descending->matches.front().last_updated_ms, keyed.back().first);

  // The default order stays: ids ascending.
  auto by_id = gate().search(custodian(), "Patient", {});
  ASSERT_TRUE(by_id);
  std::vector<std::string> ids = search_ids_of(by_id->matches);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));

  auto refused = gate().search(custodian(), "Patient", {{"_sort", "family"}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUsage);
}

// Keyset pages: what existed throughout the paging comes back exactly once, whatever was created
// or deleted between two pages, in each sort order.
TEST_F(GateSearchTest, PagesNeitherSkipNorRepeatWhenResourcesComeAndGo) {
  for (const Params& order :
       {Params{}, Params{{"_sort", "_lastUpdated"}}, Params{{"_sort", "-_lastUpdated"}}}) {
    std::vector<std::string> stable;
    std::vector<std::string> removable;
    for (int index = 0; index < 12; ++index) {
      const std::string id = world_.make_patient("Pagination").id;
      (index % 4 == 3 ? removable : stable).push_back(id);
      if (index % 3 == 0) {
        world_.clock().advance_ms(7);
      }
    }
    Params params = order;
    params.emplace_back("family", "pagination");
    params.emplace_back("_count", "4");
    std::set<std::string> created_later;
    std::vector<std::string> seen =
        all_pages(gate::Principal(custodian()), "Patient", params, [&](size_t page) {
          // Between pages: one new patient, and one deletion.
          created_later.insert(world_.make_patient("Pagination").id);
          world_.clock().advance_ms(3);
          if (page < removable.size()) {
            ASSERT_TRUE(gate().remove(custodian(), "Patient", removable[page]));
          }
        });
    std::multiset<std::string> counted(seen.begin(), seen.end());
    for (const std::string& id : stable) {
      EXPECT_EQ(counted.count(id), 1U) << "skipped or repeated";
    }
    for (const std::string& id : seen) {
      EXPECT_EQ(counted.count(id), 1U) << "repeated";
    }
    // Clean up for the next order: every patient of this round is deleted.
    for (const std::string& id : stable) {
      ASSERT_TRUE(gate().remove(custodian(), "Patient", id));
    }
    for (const std::string& id : created_later) {
      ASSERT_TRUE(gate().remove(custodian(), "Patient", id));
    }
    for (const std::string& id : removable) {
      (void)gate().remove(custodian(), "Patient", id);
    }
  }
}

TEST_F(GateSearchTest, OffsetSkipsWithinTheFirstPageAndTheNextPositionFollows) {
  std::vector<std::string> made;
  for (int index = 0; index < 6; ++index) {
    made.push_back(world_.make_patient("Decalage").id);
  }
  std::sort(made.begin(), made.end());
  auto first = gate().search(custodian(), "Patient", {{"_count", "2"}, {"_offset", "1"}});
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_THAT(search_ids_of(first->matches), ElementsAre(made[1], made[2]));
  ASSERT_TRUE(first->next);
  EXPECT_EQ(first->next->id, made[2]);
  EXPECT_EQ(first->total, 6U);
  auto second = gate().search(custodian(), "Patient", {{"_count", "2"}}, first->next);
  ASSERT_TRUE(second);
  EXPECT_THAT(search_ids_of(second->matches), ElementsAre(made[3], made[4]));
  auto last = gate().search(custodian(), "Patient", {{"_count", "2"}}, second->next);
  ASSERT_TRUE(last);
  EXPECT_THAT(search_ids_of(last->matches), ElementsAre(made[5]));
  EXPECT_FALSE(last->next);
}

TEST_F(GateSearchTest, IncludeAddsTheSubjectsInIncludeModeAndTheEntryNamesThem) {
  const std::string alice = world_.make_patient("Alice").id;
  const std::string bruno = world_.make_patient("Bruno").id;
  world_.make_observation(alice);
  world_.make_observation(alice);
  world_.make_observation(bruno);
  auto page =
      gate().search(custodian(), "Observation",
                    {{"_include", "Observation:subject"}, {"_include", "Observation:patient"}});
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->matches.size(), 3U);
  EXPECT_EQ(page->total, 3U);
  EXPECT_THAT(search_ids_of(page->included), UnorderedElementsAre(alice, bruno));
  EXPECT_FALSE(page->included_cut);
  const audit::Entry entry = world_.last_entry();
  std::set<std::string> patients;
  for (const audit::Target& target : entry.targets) {
    patients.insert(target.compartment);
  }
  EXPECT_THAT(patients, UnorderedElementsAre(alice, bruno));
  EXPECT_EQ(entry.targets.size(), 5U);

  auto reverse = gate().search(custodian(), "Patient",
                               {{"_id", alice}, {"_revinclude", "Observation:subject"}});
  ASSERT_TRUE(reverse) << reverse.error().message;
  EXPECT_THAT(search_ids_of(reverse->matches), ElementsAre(alice));
  EXPECT_EQ(reverse->included.size(), 2U);
  for (const gate::StoredResource& observation : reverse->included) {
    EXPECT_EQ(observation.type, "Observation");
    EXPECT_EQ(observation.compartment, alice);
  }
  EXPECT_FALSE(gate().search(custodian(), "Observation", {{"_include", "Observation:performer"}}));
}

// The attack: a practitioner asks every Patient with their Observations. Only their care team's
// patients come back, and only those patients' Observations; nothing says others exist.
TEST_F(GateSearchTest, APractitionersRevincludeNeverReturnsAnotherPatientsObservation) {
  const gate::Principal nurse = world_.person("infirmiere.equipe", access::Role::kPractitioner);
  const std::string mine = world_.make_patient("Suivie").id;
  const std::string other = world_.make_patient("Ailleurs").id;
  ASSERT_TRUE(gate().assign(custodian(), "infirmiere.equipe", mine));
  const std::string my_observation = world_.make_observation(mine).id;
  for (int index = 0; index < 3; ++index) {
    world_.make_observation(other);
  }
  for (const Params& params :
       {Params{{"_revinclude", "Observation:subject"}},
        Params{{"_revinclude", "Observation:patient"}, {"_revinclude", "Observation:subject"}},
        Params{{"_id", mine + "," + other}, {"_revinclude", "Observation:subject"}}}) {
    auto page = gate().search(nurse, "Patient", params);
    ASSERT_TRUE(page) << page.error().message;
    EXPECT_THAT(search_ids_of(page->matches), ElementsAre(mine));
    EXPECT_EQ(page->total, 1U);
    EXPECT_THAT(search_ids_of(page->included), ElementsAre(my_observation));
    EXPECT_FALSE(page->included_cut);
    for (const audit::Target& target : world_.last_entry().targets) {
      EXPECT_EQ(target.compartment, mine);
    }
  }
  // The same from the Observations: the other patient is neither a match nor included.
  auto forward = gate().search(nurse, "Observation", {{"_include", "Observation:subject"}});
  ASSERT_TRUE(forward) << forward.error().message;
  EXPECT_THAT(search_ids_of(forward->matches), ElementsAre(my_observation));
  EXPECT_THAT(search_ids_of(forward->included), ElementsAre(mine));
}

// A service token that may read Observations but not Patients gets the Observations and no
// included Patient, silently.
TEST_F(GateSearchTest, AnIncludedTypeOutsideTheScopesIsLeftOutSilently) {
  const gate::Principal lab = world_.service("labo.inclusion", "system/Observation.rs");
  const std::string patient = world_.make_patient("Portee").id;
  world_.make_observation(patient);
  auto page = gate().search(lab, "Observation", {{"_include", "Observation:subject"}});
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->matches.size(), 1U);
  EXPECT_THAT(page->included, IsEmpty());
  EXPECT_FALSE(page->included_cut);
  EXPECT_EQ(world_.last_entry().targets.size(), 1U);
}

TEST_F(GateSearchTest, IncludedResourcesAreBounded) {
  const std::string patient = world_.make_patient("Nombreux").id;
  for (size_t index = 0; index < fhir::kMaxIncludedPerPage + 5; ++index) {
    world_.make_observation(patient);
  }
  auto page = gate().search(custodian(), "Patient",
                            {{"_id", patient}, {"_revinclude", "Observation:subject"}});
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->included.size(), fhir::kMaxIncludedPerPage);
  EXPECT_TRUE(page->included_cut);
}

TEST_F(GateSearchTest, TheAsynchronousFormCarriesThePositionAndTheIncludes) {
  const std::string patient = world_.make_patient("Asynchrone").id;
  world_.make_observation(patient);
  world_.make_observation(patient);
  std::promise<Result<gate::SearchPage>> first_promise;
  ASSERT_TRUE(gate().search(
      custodian(), "Observation", {{"_count", "1"}, {"_include", "Observation:subject"}},
      [&](Result<gate::SearchPage> page) { first_promise.set_value(std::move(page)); }));
  Result<gate::SearchPage> first = first_promise.get_future().get();
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(first->matches.size(), 1U);
  EXPECT_THAT(search_ids_of(first->included), ElementsAre(patient));
  ASSERT_TRUE(first->next);
  std::promise<Result<gate::SearchPage>> second_promise;
  ASSERT_TRUE(gate().search(
      custodian(), "Observation", {{"_count", "1"}, {"_include", "Observation:subject"}},
      [&](Result<gate::SearchPage> page) { second_promise.set_value(std::move(page)); },
      first->next));
  Result<gate::SearchPage> second = second_promise.get_future().get();
  ASSERT_TRUE(second) << second.error().message;
  ASSERT_EQ(second->matches.size(), 1U);
  EXPECT_NE(second->matches.front().id, first->matches.front().id);
  EXPECT_FALSE(second->next);
}

}  // namespace
}  // namespace vigie
