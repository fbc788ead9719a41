// The REST interactions that go beyond one resource (issue 13): conditional create, type-level
// history and Patient/$everything, each one audited call of the gate.
#include <future>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gate/access_world.hpp"

namespace vigie {
namespace {

using testing::AccessWorld;

constexpr std::string_view kIdentified =
    R"({"resourceType":"Patient","identifier":[{"system":"https://example.org/dossiers",
    "value":"D-42"}],"name":[{"family":"Roussel"}]})";
constexpr std::string_view kByIdentifier = "identifier=https://example.org/dossiers%7CD-42";

boost::json::object object_of(std::string_view json) {
  return boost::json::parse(json).as_object();
}

std::vector<std::string> ids_of(const gate::SearchPage& page) {
  std::vector<std::string> ids;
  for (const gate::StoredResource& match : page.matches) {
    ids.push_back(match.type + "/" + match.id + "/" + std::to_string(match.version));
  }
  return ids;
}

// --- Conditional create -------------------------------------------------------------------------

TEST(GateConditionalCreate, CreatesWhenNothingMatchesThenHandsOutTheMatchAndWritesNothing) {
  AccessWorld world;
  const gate::Principal lab = world.service("labo.bio", "system/Patient.crs");
  auto first = world.gate().create_if_none_exist(lab, object_of(kIdentified), kByIdentifier);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->created);
  EXPECT_EQ(world.last_entry().action, "create");

  const size_t entries_before = world.entries().size();
  auto second = world.gate().create_if_none_exist(lab, object_of(kIdentified), kByIdentifier);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->resource.id, first->resource.id);
  EXPECT_EQ(second->resource.version, 1);
  // One entry for the call: a search that names the match it handed out.
  const std::vector<audit::Entry> entries = world.entries();
  ASSERT_EQ(entries.size(), entries_before + 1);
  const audit::Entry& entry = entries.back();
  EXPECT_EQ(entry.action, "search");
  EXPECT_EQ(entry.outcome, audit::Outcome::kSuccess);
  EXPECT_TRUE(entry.decrypted_data_left);
  ASSERT_EQ(entry.targets.size(), 1U);
  EXPECT_EQ(entry.targets[0].id, first->resource.id);
  EXPECT_EQ(entry.targets[0].compartment, first->resource.id);
  auto counts = world.gate().count_by_type(world.custodian());
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->at("Patient"), 1);
}

TEST(GateConditionalCreate, SeveralMatchesArePreconditionFailedAndNothingIsWritten) {
  AccessWorld world;
  world.make(kIdentified);
  world.make(kIdentified);
  const gate::Principal lab = world.service("labo.bio", "system/Patient.crs");
  auto refused = world.gate().create_if_none_exist(lab, object_of(kIdentified), kByIdentifier);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kPreconditionFailed);
  EXPECT_EQ(world.last_entry().outcome, audit::Outcome::kFailed);
  EXPECT_EQ(world.last_entry().reason, "precondition-failed");
  EXPECT_EQ(world.gate().count_by_type(world.custodian())->at("Patient"), 2);
}

TEST(GateConditionalCreate, AQueryTheSearchParserRefusesIsInvalidInputAndWritesNothing) {
  AccessWorld world;
  const gate::Principal lab = world.service("labo.bio", "system/Patient.crs");
  for (std::string_view bad : {"", "?", "identifier", "unknown=1", "birthdate=yesterday",
                               "identifier=%zz", "&&", "_count=abc"}) {
    auto refused = world.gate().create_if_none_exist(lab, object_of(kIdentified), bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidInput) << bad;
  }
  EXPECT_EQ(world.gate().count_by_type(world.custodian())->count("Patient"), 0U);
}

TEST(GateConditionalCreate, TheCallerMustBeAllowedToSearchAndToCreate) {
  AccessWorld world;
  world.make(kIdentified);
  const gate::Principal creates_only = world.service("labo.c", "system/Patient.c");
  const gate::Principal searches_only = world.service("labo.rs", "system/Patient.rs");
  for (const gate::Principal* caller : {&creates_only, &searches_only}) {
    auto refused =
        world.gate().create_if_none_exist(*caller, object_of(kIdentified), kByIdentifier);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
    const audit::Entry entry = world.last_entry();
    EXPECT_EQ(entry.outcome, audit::Outcome::kDenied);
    EXPECT_FALSE(entry.decrypted_data_left);
    EXPECT_TRUE(entry.targets.empty());
  }
}

// A match outside the caller's reach is never told: the practitioner gets exactly what a vault
// without that match would give (a new Patient), never the other patient or a hint of them.
TEST(GateConditionalCreate, AMatchOutsideTheCallersReachIsNeitherHandedOutNorHinted) {
  AccessWorld world;
  const gate::Principal first_nurse = world.person("infirmiere.a", access::Role::kPractitioner);
  const gate::Principal second_nurse = world.person("infirmiere.b", access::Role::kPractitioner);
  auto theirs =
      world.gate().create_if_none_exist(first_nurse, object_of(kIdentified), kByIdentifier);
  ASSERT_TRUE(theirs) << theirs.error().message;
  ASSERT_TRUE(theirs->created);

  auto mine =
      world.gate().create_if_none_exist(second_nurse, object_of(kIdentified), kByIdentifier);
  ASSERT_TRUE(mine) << mine.error().message;
  EXPECT_TRUE(mine->created);
  EXPECT_NE(mine->resource.id, theirs->resource.id);
  const audit::Entry entry = world.last_entry();
  EXPECT_EQ(entry.actor.login, "infirmiere.b");
  for (const audit::Target& target : entry.targets) {
    EXPECT_NE(target.compartment, theirs->resource.id);
  }
  // Each now finds their own, and only their own.
  auto again =
      world.gate().create_if_none_exist(second_nurse, object_of(kIdentified), kByIdentifier);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->resource.id, mine->resource.id);
}

// --- Type-level history -------------------------------------------------------------------------

TEST(GateTypeHistory, APractitionerSeesOnlyTheVersionsOfThePatientsInTheirCare) {
  AccessWorld world;
  const gate::Principal nurse = world.person("infirmiere", access::Role::kPractitioner);
  const gate::StoredResource mine = world.make_patient("Mien");
  const gate::StoredResource other = world.make_patient("Autre");
  ASSERT_TRUE(world.gate().assign(world.custodian(), "infirmiere", mine.id));
  world.clock().advance_ms(1000);
  const gate::StoredResource mine_observation = world.make_observation(mine.id);
  world.make_observation(other.id);
  world.clock().advance_ms(1000);
  ASSERT_TRUE(world.gate().update(world.custodian(), "Patient", mine.id,
                                  object_of(R"({"resourceType":"Patient","name":[{"family":
                                  "Mien-Renommé"}]})")));
  ASSERT_TRUE(world.gate().update(world.custodian(), "Patient", other.id,
                                  object_of(R"({"resourceType":"Patient","name":[{"family":
                                  "Autre-Renommé"}]})")));

  auto all = world.gate().type_history(world.custodian(), "Patient", {});
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->total, 4U);

  auto seen = world.gate().type_history(nurse, "Patient", {});
  ASSERT_TRUE(seen) << seen.error().message;
  EXPECT_EQ(seen->total, 2U);
  EXPECT_EQ(ids_of(*seen),
            (std::vector<std::string>{"Patient/" + mine.id + "/2", "Patient/" + mine.id + "/1"}));
  const audit::Entry entry = world.last_entry();
  EXPECT_EQ(entry.action, "history");
  EXPECT_TRUE(entry.decrypted_data_left);
  EXPECT_EQ(entry.resources_returned, 2);
  for (const audit::Target& target : entry.targets) {
    EXPECT_EQ(target.compartment, mine.id);
  }

  auto observations = world.gate().type_history(nurse, "Observation", {});
  ASSERT_TRUE(observations);
  EXPECT_EQ(ids_of(*observations),
            (std::vector<std::string>{"Observation/" + mine_observation.id + "/1"}));
}

TEST(GateTypeHistory, PagesAreBoundedAndTheWindowFiltersByLastUpdated) {
  AccessWorld world;
  std::vector<std::string> created;
  for (std::string_view family : {"Un", "Deux", "Trois"}) {
    created.push_back(world.make_patient(family).id);
    world.clock().advance_ms(1000);
  }
  gate::Gate::TypeHistoryQuery query;
  query.count = 2;
  auto first = world.gate().type_history(world.custodian(), "Patient", query);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->total, 3U);
  EXPECT_EQ(ids_of(*first), (std::vector<std::string>{"Patient/" + created[2] + "/1",
                                                      "Patient/" + created[1] + "/1"}));
  query.offset = 2;
  auto second = world.gate().type_history(world.custodian(), "Patient", query);
  ASSERT_TRUE(second);
  EXPECT_EQ(ids_of(*second), (std::vector<std::string>{"Patient/" + created[0] + "/1"}));

  gate::Gate::TypeHistoryQuery window;
  window.since_ms = world.clock().now_ms() - 1500;
  window.until_ms = world.clock().now_ms() - 1000;
  auto between = world.gate().type_history(world.custodian(), "Patient", window);
  ASSERT_TRUE(between);
  EXPECT_EQ(ids_of(*between), (std::vector<std::string>{"Patient/" + created[2] + "/1"}));

  gate::Gate::TypeHistoryQuery too_large;
  too_large.count = 1001;
  auto refused = world.gate().type_history(world.custodian(), "Patient", too_large);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUsage);
}

TEST(GateTypeHistory, ACallerWhoMayNotSearchTheTypeIsRefusedAndAudited) {
  AccessWorld world;
  world.make_patient("Refus");
  const gate::Principal lab = world.service("labo.bio", "system/Observation.rs");
  const gate::Principal admin = world.person("admin", access::Role::kAdmin);
  for (const gate::Principal* caller : {&lab, &admin}) {
    auto refused = world.gate().type_history(*caller, "Patient", {});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(world.last_entry().outcome, audit::Outcome::kDenied);
    EXPECT_EQ(world.last_entry().action, "history");
  }
}

// --- Patient/$everything ------------------------------------------------------------------------

TEST(GateEverything, HandsOutThePatientFirstThenWhatTheCallerMayReadOfTheCompartment) {
  AccessWorld world;
  const gate::StoredResource patient = world.make_patient("Entier");
  const gate::StoredResource other = world.make_patient("Voisin");
  const gate::StoredResource first = world.make_observation(patient.id);
  const gate::StoredResource second = world.make_observation(patient.id);
  world.make_observation(other.id);
  const gate::Principal nurse = world.person("infirmiere", access::Role::kPractitioner);
  ASSERT_TRUE(world.gate().assign(world.custodian(), "infirmiere", patient.id));

  auto everything = world.gate().everything(nurse, patient.id, 50, 0);
  ASSERT_TRUE(everything) << everything.error().message;
  EXPECT_EQ(everything->total, 3U);
  ASSERT_EQ(everything->matches.size(), 3U);
  EXPECT_EQ(everything->matches[0].type, "Patient");
  EXPECT_EQ(everything->matches[0].id, patient.id);
  std::set<std::string> observations;
  for (size_t index = 1; index < everything->matches.size(); ++index) {
    EXPECT_EQ(everything->matches[index].compartment, patient.id);
    observations.insert(everything->matches[index].id);
  }
  EXPECT_EQ(observations, (std::set<std::string>{first.id, second.id}));
  const audit::Entry entry = world.last_entry();
  EXPECT_EQ(entry.action, "search");
  EXPECT_EQ(entry.outcome, audit::Outcome::kSuccess);
  EXPECT_TRUE(entry.decrypted_data_left);
  EXPECT_EQ(entry.resources_returned, 3);
  ASSERT_EQ(entry.targets.size(), 4U);
  EXPECT_EQ(entry.targets[0].type, "Patient");
  EXPECT_EQ(entry.targets[0].id, patient.id);
  for (const audit::Target& target : entry.targets) {
    EXPECT_EQ(target.compartment, patient.id);
  }

  // Paged: the Patient on the first page only, the total the same on each.
  auto page = world.gate().everything(nurse, patient.id, 2, 2);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 3U);
  ASSERT_EQ(page->matches.size(), 1U);
  EXPECT_EQ(page->matches[0].type, "Observation");
  EXPECT_EQ(world.last_entry().targets[0].id, patient.id);
}

TEST(GateEverything, LeavesOutTheTypesTheCallerMayNotRead) {
  AccessWorld world;
  const gate::StoredResource patient = world.make_patient("Accueil");
  world.make_observation(patient.id);
  const gate::Principal assistant = world.person("secretaire", access::Role::kAssistant);
  auto everything = world.gate().everything(assistant, patient.id, 50, 0);
  ASSERT_TRUE(everything) << everything.error().message;
  EXPECT_EQ(everything->total, 1U);
  EXPECT_EQ(ids_of(*everything), (std::vector<std::string>{"Patient/" + patient.id + "/1"}));
}

TEST(GateEverything, UnknownIs404AndOutsideTheCareTeamIs403WithAnEntry) {
  AccessWorld world;
  const gate::StoredResource patient = world.make_patient("Ailleurs");
  world.make_observation(patient.id);
  const gate::Principal nurse = world.person("infirmiere", access::Role::kPractitioner);

  auto unknown = world.gate().everything(nurse, "inconnu", 50, 0);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);

  auto refused = world.gate().everything(nurse, patient.id, 50, 0);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  const audit::Entry entry = world.last_entry();
  EXPECT_EQ(entry.outcome, audit::Outcome::kDenied);
  EXPECT_FALSE(entry.decrypted_data_left);
  ASSERT_EQ(entry.targets.size(), 1U);
  EXPECT_EQ(entry.targets[0].id, patient.id);

  auto bad_id = world.gate().everything(nurse, "bad id", 50, 0);
  ASSERT_FALSE(bad_id);
  EXPECT_EQ(bad_id.error().code, ErrorCode::kUsage);
}

TEST(GateEverything, TheAsynchronousFormHandsOutTheSamePageOnceItsEntryIsStored) {
  AccessWorld world;
  const gate::StoredResource patient = world.make_patient("Async");
  world.make_observation(patient.id);
  std::promise<Result<gate::SearchPage>> handed;
  auto queued = world.gate().everything(
      world.custodian(), patient.id, 50, 0,
      [&](Result<gate::SearchPage> page) { handed.set_value(std::move(page)); });
  ASSERT_TRUE(queued);
  auto page = handed.get_future().get();
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 2U);
  EXPECT_EQ(world.last_entry().action, "search");
}

}  // namespace
}  // namespace vigie
