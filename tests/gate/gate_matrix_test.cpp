// The authorization matrix of tests/access/authorization_matrix.tsv, run against the gate: real
// accounts, sessions and API tokens, real assignments and break-glass grants, real resources.
//
// A cell runs when the gate has a call for it and its subject can exist:
// - subjects: a person's session for each person's role, and a service's token for each
//   `system/` scope. The gate issues no token to a person and none with `user/` or `patient/`
//   scopes, and a service has no session: those cells are access/'s alone (tests/access/).
// - export and config-change have no gate call yet (lifecycle/ and configuration issues).
// - search runs type-wide (the `all` cells); each hit then needs the `read` cell of where it lies,
//   which this test checks through the hits returned.
// - read, vread, history, update, delete, erase and import name one stored resource (`patient`
//   and `shared` cells); audit-read, incident-report and account-admin the `none` cell.
#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "access/scope.hpp"
#include "gate/access_world.hpp"
#include "support/authorization_matrix.hpp"

namespace vigie {
namespace {

using testing::AccessWorld;
using testing::MatrixTarget;

constexpr int64_t kThirtyMinutesMs = 30LL * 60 * 1000;

struct Variant {
  access::Role role;
  std::string_view scope;  // "session" or a token's scope
};

constexpr std::array<Variant, 6> kVariants = {{
    {access::Role::kPractitioner, "session"},
    {access::Role::kAssistant, "session"},
    {access::Role::kAdmin, "session"},
    {access::Role::kDpo, "session"},
    {access::Role::kService, "system/*.cruds"},
    {access::Role::kService, "system/Observation.rs"},
}};

// A call's outcome without its value.
template <typename T>
Result<void> as_void(const Result<T>& result) {
  if (!result) {
    return tl::unexpected(result.error());
  }
  return {};
}

// One vault set up for one subject in one relation to patient p1.
class MatrixWorld {
 public:
  MatrixWorld(const Variant& variant, std::string_view relation) {
    p1_ = world_.make_patient("Premier").id;
    p2_ = world_.make_patient("Second").id;
    p3_ = world_.make_patient("Troisieme").id;
    ids_["Patient"] = p1_;
    ids_["Observation"] = world_.make_observation(p1_).id;
    ids_["CareTeam"] = make_care_team(p1_);
    ids_["Appointment"] = world_.make(appointment_json(p1_)).id;
    ids_["Coverage"] = world_.make(coverage_json(p1_)).id;
    ids_["Practitioner"] = make_practitioner();
    ids_["Medication"] = make_medication();
    spare_["Observation"] = world_.make_observation(p1_).id;
    spare_["CareTeam"] = make_care_team(p1_);
    spare_["Appointment"] = world_.make(appointment_json(p1_)).id;
    spare_["Coverage"] = world_.make(coverage_json(p1_)).id;
    spare_["Practitioner"] = make_practitioner();
    spare_["Medication"] = make_medication();
    spare_["Patient"] = p1_;  // deleting p1 itself runs after every other cell
    gate::Gate& gate = world_.gate();
    if (variant.role == access::Role::kService) {
      subject_ = world_.service("svc", variant.scope);
    } else {
      subject_ = world_.person("subject", variant.role);
    }
    if (variant.role == access::Role::kPractitioner) {
      const std::string& assigned = relation == "assigned" ? p1_ : p2_;
      EXPECT_TRUE(gate.assign(world_.custodian(), "subject", assigned));
      if (relation != "assigned") {
        granted_ = relation == "break-glass" ? p1_ : p3_;
        auto opened = gate.break_glass(subject_, granted_, "patient inconscient à l'accueil");
        EXPECT_TRUE(opened) << opened.error().message;
      }
    }
    world_.clock().advance_ms(kThirtyMinutesMs);
  }

  // The gate call of a cell; nullopt when the gate has none (see the file comment).
  std::optional<std::function<Result<void>()>> call(access::Action action,
                                                    const MatrixTarget& target) {
    gate::Gate& gate = world_.gate();
    const std::string type(target.type);
    const bool stored = target.compartment == "patient" || target.compartment == "shared";
    if (stored && !ids_.contains(type)) {
      return std::nullopt;
    }
    const std::string id = stored ? ids_[type] : std::string();
    switch (action) {
      case access::Action::kRead:
        return stored ? call_of([=, this, &gate] { return as_void(gate.read(subject_, type, id)); })
                      : std::nullopt;
      case access::Action::kVread:
        return stored ? call_of([=, this, &gate] {
          return as_void(gate.read_version(subject_, type, id, 1));
        })
                      : std::nullopt;
      case access::Action::kHistory:
        return stored
                   ? call_of([=, this, &gate] { return as_void(gate.history(subject_, type, id)); })
                   : std::nullopt;
      case access::Action::kSearch:
        return target.compartment == "all" ? call_of([=, this, &gate] {
          auto page = gate.search(subject_, type, {});
          if (page) {
            last_hits_.clear();
            for (const gate::StoredResource& hit : page->matches) {
              last_hits_.push_back(hit.id);
            }
          }
          return as_void(std::move(page));
        })
                                           : std::nullopt;
      case access::Action::kCreate:
        return stored ? call_of([=, this, &gate] {
          return as_void(gate.create(subject_, new_resource(type)));
        })
                      : std::nullopt;
      case access::Action::kUpdate:
        return stored ? call_of([=, this, &gate]() -> Result<void> {
          auto current = gate.read(world_.custodian(), type, id);
          if (!current) {
            return tl::unexpected(current.error());
          }
          return as_void(gate.update(subject_, type, id, current->resource));
        })
                      : std::nullopt;
      case access::Action::kDelete:
        return stored ? call_of([=, this, &gate] {
          return as_void(gate.remove(subject_, type, spare_[type]));
        })
                      : std::nullopt;
      case access::Action::kErase:
        return stored && type == "Patient"
                   ? call_of([=, this, &gate] { return as_void(gate.erase_patient(subject_, id)); })
                   : std::nullopt;
      case access::Action::kImport:
        return stored ? call_of([=, this, &gate] {
          boost::json::object entry{{"resource", new_resource(type)},
                                    {"request", {{"method", "POST"}, {"url", type}}}};
          if (type == "Patient") {
            auto current = gate.read(world_.custodian(), type, id);
            entry = boost::json::object{
                {"resource", current ? current->resource : boost::json::object()},
                {"request", {{"method", "PUT"}, {"url", "Patient/" + id}}}};
          }
          boost::json::object bundle{{"resourceType", "Bundle"},
                                     {"type", "transaction"},
                                     {"entry", boost::json::array{entry}}};
          return as_void(gate.import_bundle(subject_, bundle));
        })
                      : std::nullopt;
      case access::Action::kAuditRead:
        return target.compartment == "none" ? call_of([this, &gate] {
          return as_void(gate.audit_entries(subject_, audit::LogFilter{}));
        })
                                            : std::nullopt;
      case access::Action::kIncidentReport:
        return target.compartment == "none" ? call_of([this, &gate] {
          audit::IncidentScope scope;
          scope.actor_login = "subject";  // the caller itself: an actor the log knows
          return as_void(gate.incident_report(subject_, scope));
        })
                                            : std::nullopt;
      case access::Action::kAccountAdmin:
        return target.compartment == "none"
                   ? call_of([this, &gate] { return as_void(gate.list_accounts(subject_)); })
                   : std::nullopt;
      case access::Action::kExport:
      case access::Action::kConfigChange:
        return std::nullopt;
    }
    return std::nullopt;
  }

  [[nodiscard]] const std::vector<std::string>& last_hits() const { return last_hits_; }
  // Whether the last search returned a resource of the patient the subject's grant names (its
  // entry is then flagged: the hit was read through the grant).
  [[nodiscard]] bool hit_through_grant(const std::string& type) {
    return !granted_.empty() && std::ranges::any_of(last_hits_, [&](const std::string& hit) {
      return (type == "Patient" && hit == granted_) ||
             (granted_ == p1_ && (hit == ids_[type] || hit == spare_[type]));
    });
  }
  [[nodiscard]] const std::string& p1_resource(const std::string& type) { return ids_[type]; }
  [[nodiscard]] AccessWorld& world() { return world_; }

 private:
  static std::optional<std::function<Result<void>()>> call_of(std::function<Result<void>()> f) {
    return f;
  }

  boost::json::object new_resource(const std::string& type) const {
    if (type == "Patient") {
      return boost::json::parse(R"({"resourceType":"Patient","name":[{"family":"Nouveau"}]})")
          .as_object();
    }
    if (type == "Observation") {
      return boost::json::parse(R"({"resourceType":"Observation","status":"final","code":{
        "coding":[{"system":"http://loinc.org","code":"8310-5"}]},"subject":{"reference":
        "Patient/)" + p1_ + R"("}})")
          .as_object();
    }
    if (type == "Appointment") {
      return boost::json::parse(appointment_json(p1_)).as_object();
    }
    if (type == "Coverage") {
      return boost::json::parse(coverage_json(p1_)).as_object();
    }
    if (type == "CareTeam") {
      return boost::json::parse(R"({"resourceType":"CareTeam","subject":{"reference":"Patient/)" +
                                p1_ + R"("}})")
          .as_object();
    }
    return boost::json::parse(R"({"resourceType":")" + type + R"("})").as_object();
  }

  static std::string appointment_json(const std::string& patient) {
    return R"({"resourceType":"Appointment","status":"booked","participant":[{"actor":{
      "reference":"Patient/)" +
           patient + R"("},"status":"accepted"}]})";
  }
  static std::string coverage_json(const std::string& patient) {
    return R"({"resourceType":"Coverage","status":"active","beneficiary":{"reference":"Patient/)" +
           patient + R"("},"payor":[{"display":"CPAM"}]})";
  }

  std::string make_care_team(const std::string& patient) {
    return world_
        .make(R"({"resourceType":"CareTeam","subject":{"reference":"Patient/)" + patient + R"("}})")
        .id;
  }
  std::string make_practitioner() {
    return world_.make(R"({"resourceType":"Practitioner","name":[{"family":"Martin"}]})").id;
  }
  std::string make_medication() { return world_.make(R"({"resourceType":"Medication"})").id; }

  AccessWorld world_;
  std::string p1_;
  std::string p2_;
  std::string p3_;
  std::string granted_;  // the patient of the subject's break-glass grant, if any
  std::map<std::string, std::string> ids_;
  std::map<std::string, std::string> spare_;
  gate::Principal subject_ = gate::account_principal({}, {}, {});  // replaced per variant
  std::vector<std::string> last_hits_;
};

// Deletes of p1's own record, then its erasure, run last: they end the cells that need p1.
int order_of(access::Action action, const MatrixTarget& target) {
  if (action == access::Action::kErase) {
    return 3;
  }
  if (action == access::Action::kDelete) {
    return target.type == "Patient" ? 2 : 1;
  }
  return 0;
}

TEST(GateAuthorizationMatrixTest, EveryReachableCellMatchesTheMatrix) {
  const std::vector<testing::Row> rows = testing::load_matrix();
  ASSERT_FALSE(rows.empty());
  size_t cells_run = 0;
  std::map<std::string, size_t> cells_by_expectation;
  size_t failures = 0;
  constexpr size_t kMaxReported = 40;
  auto report = [&](const std::string& message) {
    if (++failures <= kMaxReported) {
      ADD_FAILURE() << message;
    }
  };
  for (const Variant& variant : kVariants) {
    for (std::string_view relation : testing::kRelations) {
      MatrixWorld world(variant, relation);
      const std::string role(access::name_of(variant.role));
      auto expected_for = [&](access::Action action, const MatrixTarget& target) {
        const std::vector<size_t> matching = testing::rows_matching(
            rows, role, access::name_of(action), target, relation, variant.scope);
        return matching.size() == 1 ? std::optional<testing::Row>(rows[matching.front()])
                                    : std::nullopt;
      };
      for (int pass = 0; pass <= 3; ++pass) {
        for (access::Action action : access::all_actions()) {
          for (const MatrixTarget& target : testing::kTargets) {
            if (order_of(action, target) != pass) {
              continue;
            }
            auto call = world.call(action, target);
            if (!call) {
              continue;
            }
            const std::optional<testing::Row> row = expected_for(action, target);
            const std::string cell = role + ' ' + std::string(access::name_of(action)) + ' ' +
                                     std::string(target.type) + '@' +
                                     std::string(target.compartment) + ' ' + std::string(relation) +
                                     ' ' + std::string(variant.scope);
            if (!row) {
              report(cell + ": no single row of the matrix");
              continue;
            }
            ++cells_run;
            ++cells_by_expectation[row->expect];
            const Result<void> result = (*call)();
            const audit::Entry entry = world.world().last_entry();
            const std::string& expect = row->expect;
            if (expect == "deny") {
              if (result || result.error().code != ErrorCode::kPermissionDenied) {
                report(cell + ": expected a denial (" + row->reason + "), got " +
                       (result ? std::string("success") : result.error().message));
              } else if (entry.reason != "permission-denied: " + row->reason ||
                         entry.outcome != audit::Outcome::kDenied) {
                report(cell + ": the denial is audited as '" + entry.reason + "'");
              }
              continue;
            }
            if (!result) {
              report(cell + ": expected " + expect + ", got " + result.error().message);
              continue;
            }
            bool flagged = expect == "break-glass";
            if (action == access::Action::kSearch) {
              // p1's resource of that type is among the hits exactly when reading it is allowed,
              // and a hit read through a grant flags the search's entry.
              const MatrixTarget in_p1{target.type, "patient"};
              const std::optional<testing::Row> read_row =
                  expected_for(access::Action::kRead, in_p1);
              const bool readable = read_row && read_row->expect != "deny";
              const std::string& p1_id = world.p1_resource(std::string(target.type));
              const bool listed =
                  std::ranges::find(world.last_hits(), p1_id) != world.last_hits().end();
              if (readable != listed) {
                report(cell + ": p1's resource is " + (listed ? "" : "not ") +
                       "among the hits, but reading it is " + (readable ? "allowed" : "denied"));
              }
              flagged = flagged || world.hit_through_grant(std::string(target.type));
            }
            if (entry.break_glass != flagged) {
              report(cell + ": the entry's break-glass flag is " +
                     (entry.break_glass ? "set" : "not set"));
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(failures, 0U) << "(the first " << kMaxReported << " are reported)";
  // 18 vaults: 4 persons' sessions and 2 service tokens, in 3 relations each.
  EXPECT_GE(cells_run, 18U * 30U);
  EXPECT_GT(cells_by_expectation["allow"], 0U);
  EXPECT_GT(cells_by_expectation["deny"], 0U);
  EXPECT_GT(cells_by_expectation["break-glass"], 0U);
  std::cout << "gate matrix: " << cells_run << " cells run: " << cells_by_expectation["allow"]
            << " allow, " << cells_by_expectation["deny"] << " deny, "
            << cells_by_expectation["break-glass"] << " break-glass\n";
}

}  // namespace
}  // namespace vigie
