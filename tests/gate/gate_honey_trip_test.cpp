// Issue 15, deliverables 1 (honey records) and 5: any read or search hit of a decoy by an account
// locks it and records a critical `honey` alert in the same call; the caller gets no decoy data
// and no hint. The custodian is never tripped (jobs that walk every patient: gate_honey_test.cpp).

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "access_world.hpp"
#include "audit/entry.hpp"
#include "gate/gate.hpp"
#include "watch/alert.hpp"

namespace vigie {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

class GateHoneyTripTest : public ::testing::Test {
 protected:
  void SetUp() override {
    real_ = world_.make_patient("Lefebvre").id;
    real_observation_ = world_.make_observation(real_).id;
    auto planted = gate().plant_honey(world_.custodian(), 1);
    ASSERT_TRUE(planted) << planted.error().message;
    ASSERT_EQ(planted->size(), 1U);
    decoy_ = planted->front();
    auto observations =
        gate().search(world_.custodian(), "Observation", {{"subject", "Patient/" + decoy_}});
    ASSERT_TRUE(observations) << observations.error().message;
    ASSERT_FALSE(observations->matches.empty());
    decoy_observation_ = observations->matches.front().id;
  }

  gate::Gate& gate() { return world_.gate(); }

  gate::Principal practitioner(const std::string& login) {
    return world_.person(login, access::Role::kPractitioner);
  }

  auth::AccountStatus status_of(const std::string& login) {
    auto shown = gate().show_account(world_.custodian(), login);
    EXPECT_TRUE(shown) << shown.error().message;
    return shown ? shown->status : auth::AccountStatus::kActive;
  }

  std::vector<watch::Alert> alerts() {
    auto listed = gate().alerts(world_.custodian(), {});
    EXPECT_TRUE(listed) << listed.error().message;
    return listed ? *listed : std::vector<watch::Alert>{};
  }

  // `login` is locked, with exactly one honey alert about it that names no
  // decoy, and the alert's audit entry is in the log; its credential no longer
  // opens anything.
  void expect_tripped(const std::string& login, const gate::Principal& principal) {
    EXPECT_EQ(status_of(login), auth::AccountStatus::kLocked) << login;
    size_t honey = 0;
    for (const watch::Alert& alert : alerts()) {
      if (alert.account != login) {
        continue;
      }
      ++honey;
      EXPECT_EQ(alert.kind, watch::AlertKind::kHoney);
      EXPECT_EQ(watch::severity_of(alert.kind), watch::Severity::kCritical);
      EXPECT_TRUE(alert.account_locked);
      EXPECT_EQ(alert.detail.find(decoy_), std::string::npos) << alert.detail;
      EXPECT_EQ(alert.detail.find(decoy_observation_), std::string::npos) << alert.detail;
    }
    EXPECT_EQ(honey, 1U) << login;
    bool audited = false;
    for (const audit::Entry& entry : world_.entries()) {
      if (entry.action == audit::kActionAlert && entry.purpose.starts_with("honey")) {
        audited = audited || std::ranges::any_of(entry.targets, [&](const audit::Target& target) {
                    return target.id == login;
                  });
        for (const audit::Target& target : entry.targets) {
          EXPECT_NE(target.id, decoy_);
        }
      }
    }
    EXPECT_TRUE(audited) << login;
    auto after = gate().read(principal, "Patient", real_);
    ASSERT_FALSE(after);
    EXPECT_EQ(after.error().code, ErrorCode::kAuthenticationFailed);
  }

  void expect_untouched(const std::string& login) {
    EXPECT_EQ(status_of(login), auth::AccountStatus::kActive) << login;
    for (const watch::Alert& alert : alerts()) {
      EXPECT_NE(alert.account, login) << watch::name_of(alert.kind);
    }
  }

  // The error of `call` on the decoy equals the one on an unknown id (same
  // code, same words, the id aside), and the decoy's answer says nothing else.
  static void expect_same_as_unknown(const Error& decoy, const Error& unknown,
                                     const std::string& decoy_id, const std::string& unknown_id) {
    auto named = [&](std::string text) {
      for (size_t at = text.find(unknown_id); at != std::string::npos;
           at = text.find(unknown_id, at + decoy_id.size())) {
        text.replace(at, unknown_id.size(), decoy_id);
      }
      return text;
    };
    EXPECT_EQ(decoy.code, unknown.code);
    EXPECT_EQ(decoy.message, named(unknown.message));
    EXPECT_EQ(decoy.french, named(unknown.french));
  }

  // Every resource that `page` hands out lies outside the decoy's compartment.
  void expect_no_decoy(const gate::SearchPage& page) {
    for (const auto* list : {&page.matches, &page.included}) {
      for (const gate::StoredResource& resource : *list) {
        EXPECT_NE(resource.compartment, decoy_) << resource.type << "/" << resource.id;
      }
    }
  }

  testing::AccessWorld world_;
  std::string real_;
  std::string real_observation_;
  std::string decoy_;
  std::string decoy_observation_;
};

// A direct call that names a decoy, and the same call on an unknown id.
struct Named {
  const char* name;
  std::function<Result<void>(gate::Gate&, const gate::Principal&, const std::string& patient,
                             const std::string& observation)>
      call;
};

TEST_F(GateHoneyTripTest, EveryCallThatNamesADecoyAnswersAsAnUnknownIdAndLocksAtOnce) {
  const std::vector<Named> calls = {
      {"read Patient",
       [](gate::Gate& gate, const gate::Principal& principal, const std::string& patient,
          const std::string&) -> Result<void> {
         auto read = gate.read(principal, "Patient", patient);
         return read ? Result<void>{} : tl::unexpected(read.error());
       }},
      {"read Observation",
       [](gate::Gate& gate, const gate::Principal& principal, const std::string&,
          const std::string& observation) -> Result<void> {
         auto read = gate.read(principal, "Observation", observation);
         return read ? Result<void>{} : tl::unexpected(read.error());
       }},
      {"vread",
       [](gate::Gate& gate, const gate::Principal& principal, const std::string& patient,
          const std::string&) -> Result<void> {
         auto read = gate.read_version(principal, "Patient", patient, 1);
         return read ? Result<void>{} : tl::unexpected(read.error());
       }},
      {"vread of a version that does not exist",
       [](gate::Gate& gate, const gate::Principal& principal, const std::string&,
          const std::string& observation) -> Result<void> {
         auto read = gate.read_version(principal, "Observation", observation, 7);
         return read ? Result<void>{} : tl::unexpected(read.error());
       }},
      {"history",
       [](gate::Gate& gate, const gate::Principal& principal, const std::string&,
          const std::string& observation) -> Result<void> {
         auto read = gate.history(principal, "Observation", observation);
         return read ? Result<void>{} : tl::unexpected(read.error());
       }},
      {"$everything",
       [](gate::Gate& gate, const gate::Principal& principal, const std::string& patient,
          const std::string&) -> Result<void> {
         auto read = gate.everything(principal, patient, 50, 0);
         return read ? Result<void>{} : tl::unexpected(read.error());
       }},
  };
  const gate::Principal reference = practitioner("dr.reference");
  const std::string unknown = vault::Vault::new_id();
  for (size_t index = 0; index < calls.size(); ++index) {
    SCOPED_TRACE(calls[index].name);
    const std::string login = "dr.curious" + std::to_string(index);
    const gate::Principal curious = practitioner(login);
    auto on_unknown = calls[index].call(gate(), reference, unknown, unknown);
    ASSERT_FALSE(on_unknown);
    auto on_decoy = calls[index].call(gate(), curious, decoy_, decoy_observation_);
    ASSERT_FALSE(on_decoy);
    const bool patient_call =
        std::string_view(calls[index].name).find("Observation") == std::string_view::npos &&
        std::string_view(calls[index].name) != "history" &&
        std::string_view(calls[index].name).find("does not exist") == std::string_view::npos;
    expect_same_as_unknown(on_decoy.error(), on_unknown.error(),
                           patient_call ? decoy_ : decoy_observation_, unknown);
    // The call's own entry is the one an unknown id gets: a failure naming what
    // was asked.
    expect_tripped(login, curious);
  }
  expect_untouched("dr.reference");
}

TEST_F(GateHoneyTripTest, AServicesSearchLeavesTheDecoyOutCountsItNowhereAndLocks) {
  const gate::Principal lab = world_.service("labo.scan", "system/*.rs");
  auto page = gate().search(lab, "Patient", {});
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->matches.size(), 1U);
  EXPECT_EQ(page->matches[0].id, real_);
  EXPECT_EQ(page->total, 1U);
  expect_no_decoy(*page);
  const audit::Entry entry = world_.last_entry();
  EXPECT_EQ(entry.action, audit::kActionSearch);
  for (const audit::Target& target : entry.targets) {
    EXPECT_NE(target.compartment, decoy_);
  }
  expect_tripped("labo.scan", lab);
}

TEST_F(GateHoneyTripTest, IncludeAndRevincludeNeverHandOutADecoyAndTrip) {
  const std::vector<std::pair<std::string, Params>> searches = {
      {"Observation", {{"_include", "Observation:subject"}}},
      {"Patient", {{"_revinclude", "Observation:subject"}}},
  };
  for (size_t index = 0; index < searches.size(); ++index) {
    const std::string login = "labo.include" + std::to_string(index);
    const gate::Principal lab = world_.service(login, "system/*.rs");
    auto page = gate().search(lab, searches[index].first, searches[index].second);
    ASSERT_TRUE(page) << page.error().message;
    expect_no_decoy(*page);
    EXPECT_FALSE(page->matches.empty());
    expect_tripped(login, lab);
  }
}

TEST_F(GateHoneyTripTest, TypeHistoryLeavesTheDecoyOutAndLocks) {
  const gate::Principal lab = world_.service("labo.history", "system/*.rs");
  auto page = gate().type_history(lab, "Observation", {});
  ASSERT_TRUE(page) << page.error().message;
  expect_no_decoy(*page);
  ASSERT_EQ(page->matches.size(), 1U);
  EXPECT_EQ(page->matches[0].id, real_observation_);
  expect_tripped("labo.history", lab);
}

TEST_F(GateHoneyTripTest, AnAssistantsSearchByNameThatMatchesADecoyTrips) {
  auto decoy = gate().read(world_.custodian(), "Patient", decoy_);
  ASSERT_TRUE(decoy) << decoy.error().message;
  const std::string family(
      decoy->resource.at("name").as_array().at(0).as_object().at("family").as_string());
  const gate::Principal desk = world_.person("accueil.sophie", access::Role::kAssistant);
  auto page = gate().search(desk, "Patient", {{"family", family}});
  ASSERT_TRUE(page) << page.error().message;
  expect_no_decoy(*page);
  EXPECT_EQ(page->total, page->matches.size());
  expect_tripped("accueil.sophie", desk);
}

TEST_F(GateHoneyTripTest, APractitionersSearchOutsideTheCareTeamDoesNotTrip) {
  const gate::Principal doctor = practitioner("dr.careful");
  auto page = gate().search(doctor, "Observation", {});
  ASSERT_TRUE(page) << page.error().message;
  expect_no_decoy(*page);
  expect_untouched("dr.careful");
}

TEST_F(GateHoneyTripTest, TheCustodianReadsADecoyWithoutTrippingAndIsAudited) {
  auto read = gate().read(world_.custodian(), "Patient", decoy_);
  ASSERT_TRUE(read) << read.error().message;
  const audit::Entry entry = world_.last_entry();
  EXPECT_EQ(entry.action, audit::kActionRead);
  ASSERT_EQ(entry.targets.size(), 1U);
  EXPECT_EQ(entry.targets[0].id, decoy_);
  auto page = gate().search(world_.custodian(), "Patient", {});
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->total, 2U);
  EXPECT_TRUE(alerts().empty());
}

}  // namespace
}  // namespace vigie
