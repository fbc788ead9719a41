// Need-to-know without holes (issue 11, item 2): each test attacks one way the gate could hand a
// caller data outside their reach, or keep what it should not.
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fhir/identifiers.hpp"
#include "fhir/search.hpp"
#include "gate/access_world.hpp"
#include "support/json_object.hpp"

namespace vigie {
namespace {

using testing::AccessWorld;
using ::testing::HasSubstr;
using ::testing::Not;

using testing::parse_object;

std::string observation_of(std::string_view patient_id) {
  return std::string(R"({"resourceType":"Observation","status":"final","code":{"coding":[
    {"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/)") +
         std::string(patient_id) + R"("}})";
}

// The hex form of `text`, as testing::query_rows() shows every column.
std::string hex_of(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : text) {
    hex += kHex[c >> 4];
    hex += kHex[c & 0x0f];
  }
  return hex;
}

class GateNeedToKnowTest : public ::testing::Test {
 protected:
  gate::Gate& gate() { return world_.gate(); }
  const gate::Custodian& custodian() { return world_.custodian(); }

  std::vector<audit::Entry> entries_of(std::string_view login, std::string_view action) {
    std::vector<audit::Entry> found;
    for (audit::Entry& entry : world_.entries()) {
      if (entry.actor.login == login && entry.action == action) {
        found.push_back(std::move(entry));
      }
    }
    return found;
  }

  AccessWorld world_;
};

// --- vread and history decide per version.

TEST_F(GateNeedToKnowTest, AVersionFiledUnderAnotherPatientIsNeitherVreadNorInTheHistory) {
  const gate::Principal nurse_b = world_.person("infirmiere.b", access::Role::kPractitioner);
  const std::string patient_a = world_.make_patient("Avant").id;
  const std::string patient_b = world_.make_patient("Apres").id;
  ASSERT_TRUE(gate().assign(custodian(), "infirmiere.b", patient_b));
  const gate::StoredResource observation = world_.make(observation_of(patient_a));
  auto moved =
      gate().update(custodian(), "Observation", observation.id,
                    parse_object(observation_of(patient_b)));  // version 2, under patient B
  ASSERT_TRUE(moved) << moved.error().message;

  ASSERT_TRUE(gate().read(nurse_b, "Observation", observation.id));
  auto first = gate().read_version(nurse_b, "Observation", observation.id, 1);
  ASSERT_FALSE(first) << "patient A's version reached patient B's care team";
  EXPECT_EQ(first.error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(gate().read_version(nurse_b, "Observation", observation.id, 2));

  auto history = gate().history(nurse_b, "Observation", observation.id);
  ASSERT_TRUE(history) << history.error().message;
  ASSERT_EQ(history->size(), 1U);
  EXPECT_EQ(history->front().version, 2);
  EXPECT_EQ(history->front().compartment, patient_b);
  // The version left out is a denial in the log, next to the entry of what was returned.
  bool withheld_logged = false;
  for (const audit::Entry& entry : entries_of("infirmiere.b", audit::kActionHistory)) {
    if (entry.outcome == audit::Outcome::kDenied) {
      ASSERT_EQ(entry.targets.size(), 1U);
      EXPECT_EQ(entry.targets.front().version, 1);
      EXPECT_EQ(entry.targets.front().compartment, patient_a);
      EXPECT_FALSE(entry.decrypted_data_left);
      withheld_logged = true;
    }
  }
  EXPECT_TRUE(withheld_logged);

  // Patient A's care team sees version 1 only, and cannot read the current version.
  const gate::Principal nurse_a = world_.person("infirmier.a", access::Role::kPractitioner);
  ASSERT_TRUE(gate().assign(custodian(), "infirmier.a", patient_a));
  EXPECT_EQ(gate().read(nurse_a, "Observation", observation.id).error().code,
            ErrorCode::kPermissionDenied);
  auto history_a = gate().history(nurse_a, "Observation", observation.id);
  ASSERT_TRUE(history_a) << history_a.error().message;
  ASSERT_EQ(history_a->size(), 1U);
  EXPECT_EQ(history_a->front().version, 1);
  // Someone with no version in reach is refused outright.
  const gate::Principal stranger = world_.person("infirmier.c", access::Role::kPractitioner);
  EXPECT_EQ(gate().history(stranger, "Observation", observation.id).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(gate().read_version(stranger, "Observation", observation.id, 9).error().code,
            ErrorCode::kPermissionDenied);
}

// --- A clinical resource must name a patient that exists.

TEST_F(GateNeedToKnowTest, AClinicalResourceWhosePatientDoesNotResolveIsRefusedAndNothingWritten) {
  const std::string patient = world_.make_patient("Existe").id;
  const std::string before = testing::vault_contents(world_.vault_dir());
  auto no_subject =
      gate().create(custodian(), parse_object(R"({"resourceType":"Observation","status":"final",
        "code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]}})"));
  ASSERT_FALSE(no_subject);
  EXPECT_EQ(no_subject.error().code, ErrorCode::kUnprocessable);
  EXPECT_THAT(no_subject.error().message, HasSubstr("Observation"));
  auto dangling = gate().create(custodian(), parse_object(observation_of("no-such-patient")));
  ASSERT_FALSE(dangling);
  EXPECT_EQ(dangling.error().code, ErrorCode::kUnprocessable);
  auto placed = gate().update(custodian(), "Observation", "obs-1",
                              parse_object(observation_of("no-such-patient")));
  ASSERT_FALSE(placed);
  EXPECT_EQ(placed.error().code, ErrorCode::kUnprocessable);
  auto imported = gate().import_bundle(
      custodian(), parse_object(R"({"resourceType":"Bundle","type":"batch","entry":[
        {"resource":)" + observation_of(patient) +
                                R"(,"request":{"method":"POST","url":"Observation"}},
        {"resource":)" + observation_of("no-such-patient") +
                                R"(,"request":{"method":"POST","url":"Observation"}}]})"));
  ASSERT_FALSE(imported);
  EXPECT_EQ(imported.error().code, ErrorCode::kUnprocessable);
  EXPECT_THAT(imported.error().message, HasSubstr("entry 1"));
  EXPECT_EQ(testing::vault_contents(world_.vault_dir()), before);
  EXPECT_EQ(exit_code_for(ErrorCode::kUnprocessable), 5);
  EXPECT_EQ(http_status_for(ErrorCode::kUnprocessable), 422);

  // Types declared non-patient need no patient; a Patient created by the same Bundle resolves.
  EXPECT_TRUE(gate().create(custodian(), parse_object(R"({"resourceType":"Organization"})")));
  EXPECT_TRUE(gate().create(custodian(), parse_object(R"({"resourceType":"Medication"})")));
  auto together = gate().import_bundle(
      custodian(), parse_object(R"({"resourceType":"Bundle","type":"transaction","entry":[
        {"fullUrl":"urn:uuid:5b1c0bd5-9a5e-4a5e-9f0e-000000000001","resource":{
          "resourceType":"Observation","status":"final","code":{"text":"x"},
          "subject":{"reference":"urn:uuid:5b1c0bd5-9a5e-4a5e-9f0e-000000000002"}},
         "request":{"method":"POST","url":"Observation"}},
        {"fullUrl":"urn:uuid:5b1c0bd5-9a5e-4a5e-9f0e-000000000002",
         "resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}]})"));
  EXPECT_TRUE(together) << together.error().message;
}

// --- Registering a patient through update-as-create hands over no existing compartment.

TEST_F(GateNeedToKnowTest, UpdateAsCreateOfAPatientOverExistingRecordsAssignsNobody) {
  // Records filed under p1 before any Patient/p1 exists (an older vigie, or another tool).
  {
    std::unique_ptr<vault::Vault> below = world_.open_vault();
    ASSERT_NE(below, nullptr);
    ASSERT_TRUE(below->update("Observation", "obs-before", [] {
      boost::json::object observation = boost::json::parse(observation_of("p1")).as_object();
      observation["id"] = "obs-before";
      return observation;
    }()));
  }
  const gate::Principal intruder = world_.person("infirmier.intrus", access::Role::kPractitioner);
  auto registered = gate().update(intruder, "Patient", "p1",
                                  parse_object(R"({"resourceType":"Patient","id":"p1"})"));
  ASSERT_FALSE(registered) << "an unassigned practitioner took over p1's compartment";
  EXPECT_EQ(registered.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(gate().read(intruder, "Observation", "obs-before").error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(testing::query_rows(world_.vault_dir() / "vault.db",
                                "SELECT * FROM assignments WHERE login = 'infirmier.intrus'"),
            "");
  // A compartment that never held anything is still a registration.
  auto fresh = gate().update(intruder, "Patient", "p2",
                             parse_object(R"({"resourceType":"Patient","id":"p2"})"));
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_TRUE(gate().read(intruder, "Patient", "p2"));
}

// --- Care-team membership never follows an editable Practitioner resource.

TEST_F(GateNeedToKnowTest, AddingOnesRppsToAColleaguesPractitionerGainsNoPatient) {
  constexpr std::string_view kColleagueRpps = "10101010111";
  constexpr std::string_view kIntruderRpps = "10101010122";
  const gate::Principal colleague =
      world_.person("dr.collegue", access::Role::kPractitioner, kColleagueRpps);
  const gate::Principal intruder =
      world_.person("dr.intrus", access::Role::kPractitioner, kIntruderRpps);
  const std::string patient = world_.make_patient("Suivi").id;
  const std::string rpps_system(fhir::kRppsSystem);
  const gate::StoredResource practitioner =
      world_.make(R"({"resourceType":"Practitioner","identifier":[{"system":")" + rpps_system +
                  R"(","value":")" + std::string(kColleagueRpps) + R"("}]})");
  const std::string team = R"({"resourceType":"CareTeam","subject":{"reference":"Patient/)" +
                           patient + R"("},"participant":[{"member":{"reference":"Practitioner/)" +
                           practitioner.id + R"(","identifier":{"system":")" + rpps_system +
                           R"(","value":")" + std::string(kColleagueRpps) + R"("}}}]})";
  const gate::StoredResource care_team = world_.make(team);
  ASSERT_TRUE(gate().read(colleague, "Patient", patient));

  // The intruder adds their RPPS number to the colleague's Practitioner resource (shared: any
  // practitioner may edit it), then the team is written again.
  boost::json::object edited = practitioner.resource;
  edited["identifier"].as_array().push_back(
      boost::json::object{{"system", rpps_system}, {"value", std::string(kIntruderRpps)}});
  ASSERT_TRUE(gate().update(intruder, "Practitioner", practitioner.id, edited));
  ASSERT_TRUE(gate().update(custodian(), "CareTeam", care_team.id, parse_object(team)));
  EXPECT_EQ(gate().read(intruder, "Patient", patient).error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(gate().read(colleague, "Patient", patient));
}

// --- Break-glass.

TEST_F(GateNeedToKnowTest, SearchHitsThroughAGrantAreFlaggedWithTheGrantNotItsReason) {
  const gate::Principal nurse = world_.person("infirmiere.nuit", access::Role::kPractitioner);
  const std::string patient = world_.make_patient("Nuit").id;
  world_.make_observation(patient);
  constexpr std::string_view kReason = "douleur thoracique, médecin traitant injoignable";
  ASSERT_TRUE(gate().break_glass(nurse, patient, kReason));
  const audit::Entry opened = world_.last_entry_of(audit::kActionBreakGlass);
  EXPECT_TRUE(opened.break_glass);
  EXPECT_THAT(opened.purpose, HasSubstr("break-glass grant bg-"));

  auto page = gate().search(nurse, "Observation", {});
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->matches.size(), 1U);
  const audit::Entry searched = world_.last_entry();
  EXPECT_EQ(searched.action, audit::kActionSearch);
  EXPECT_TRUE(searched.break_glass) << "a search hit through a grant was not flagged";
  EXPECT_EQ(searched.purpose, opened.purpose);

  // The reason is nowhere in clear: not in the grants table, not in the log.
  const std::filesystem::path data_file = world_.vault_dir() / "vault.db";
  EXPECT_THAT(testing::query_rows(data_file, "SELECT * FROM break_glass"),
              Not(HasSubstr(hex_of(kReason))));
  EXPECT_THAT(
      testing::query_rows(world_.vault_dir() / "audit.db", "SELECT canonical FROM audit_log"),
      Not(HasSubstr(hex_of(kReason))));
  // The dpo reads it back until the patient is erased; then it is gone with the patient.
  const gate::Principal dpo = world_.person("dpo.cabinet", access::Role::kDpo);
  auto grants = gate().break_glass_grants(dpo, "infirmiere.nuit");
  ASSERT_TRUE(grants) << grants.error().message;
  ASSERT_EQ(grants->size(), 1U);
  EXPECT_EQ(grants->front().reason, kReason);
  EXPECT_THAT(opened.purpose, HasSubstr(grants->front().id));
  EXPECT_EQ(gate().break_glass_grants(nurse, "infirmiere.nuit").error().code,
            ErrorCode::kPermissionDenied);
  ASSERT_TRUE(gate().erase_patient(custodian(), patient));
  grants = gate().break_glass_grants(dpo, "infirmiere.nuit");
  ASSERT_TRUE(grants) << grants.error().message;
  ASSERT_EQ(grants->size(), 1U);
  EXPECT_TRUE(grants->front().reason_erased);
  EXPECT_EQ(grants->front().reason, "");
}

TEST_F(GateNeedToKnowTest, AReasonOfOnlyWhiteSpaceIsRefusedAndNoGrantIsMade) {
  const gate::Principal nurse = world_.person("infirmier.blanc", access::Role::kPractitioner);
  const std::string patient = world_.make_patient("Blanc").id;
  for (std::string_view blank : {"   ", "\r", "\r\n", " \t\r ", "\v\f"}) {
    auto refused = gate().break_glass(nurse, patient, blank);
    ASSERT_FALSE(refused) << "a blank reason was accepted";
    EXPECT_EQ(refused.error().code, ErrorCode::kUsage);
  }
  EXPECT_EQ(testing::query_rows(world_.vault_dir() / "vault.db", "SELECT * FROM break_glass"), "");
}

TEST_F(GateNeedToKnowTest, ASessionWithATemporaryPasswordCannotBreakTheGlass) {
  auto enrolment = gate().add_account(
      custodian(), auth::NewAccount{"dr.temporaire", "Dr T", access::Role::kPractitioner, ""});
  ASSERT_TRUE(enrolment) << enrolment.error().message;
  const std::string session =
      world_.sign_in("dr.temporaire", enrolment->temporary_password, enrolment->otpauth_uri);
  ASSERT_FALSE(session.empty());
  const gate::Principal principal =
      gate::account_principal(session, std::string(testing::kClientAddress), "test");
  const std::string patient = world_.make_patient("Temporaire").id;
  auto refused = gate().break_glass(principal, patient, "urgence");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(world_.last_entry().reason,
            "permission-denied: temporary password must be changed first");
}

// --- An admin never holds a person's second factor.

TEST_F(GateNeedToKnowTest, WhoeverCreatesOrResetsAnAccountNeverHoldsItsSecondFactor) {
  const gate::Principal admin = world_.person("admin.cabinet", access::Role::kAdmin);
  const std::string patient = world_.make_patient("Admin").id;
  auto enrolment = gate().add_account(
      admin, auth::NewAccount{"dr.neuf", "Dr Neuf", access::Role::kPractitioner, ""});
  ASSERT_TRUE(enrolment) << enrolment.error().message;
  EXPECT_FALSE(enrolment->temporary_password.empty());
  EXPECT_EQ(enrolment->otpauth_uri.view(), "") << "the admin received the person's TOTP secret";
  EXPECT_TRUE(enrolment->recovery_codes.empty());
  ASSERT_TRUE(gate().assign(admin, "dr.neuf", patient));

  // The admin signs in as the person with the one-time password: the session can do nothing but
  // change it and enrol, so no patient data.
  const gate::Principal as_admin =
      gate::account_principal(world_.sign_in("dr.neuf", enrolment->temporary_password, ""),
                              std::string(testing::kClientAddress), "test");
  EXPECT_EQ(gate().read(as_admin, "Patient", patient).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(gate().enrol_second_factor(as_admin).error().code, ErrorCode::kPermissionDenied);
  constexpr std::string_view kChosen = "Un mot de passe que seul le docteur connait 7";
  ASSERT_TRUE(gate().change_password(as_admin, enrolment->temporary_password, kChosen));
  auto read = gate().read(as_admin, "Patient", patient);
  ASSERT_FALSE(read);
  EXPECT_EQ(world_.last_entry().reason,
            "permission-denied: a second factor must be enrolled first");
  EXPECT_EQ(gate().break_glass(as_admin, patient, "urgence").error().code,
            ErrorCode::kPermissionDenied);

  // Enrolment returns the factor to whoever holds the session, and ends it: the next login needs
  // the new factor.
  auto factor = gate().enrol_second_factor(as_admin);
  ASSERT_TRUE(factor) << factor.error().message;
  EXPECT_THAT(factor->otpauth_uri, HasSubstr("otpauth://totp/"));
  EXPECT_EQ(factor->recovery_codes.size(), 10U);
  EXPECT_EQ(gate().read(as_admin, "Patient", patient).error().code,
            ErrorCode::kAuthenticationFailed);
  EXPECT_EQ(gate().enrol_second_factor(as_admin).error().code, ErrorCode::kAuthenticationFailed);
  EXPECT_EQ(world_.sign_in("dr.neuf", kChosen, ""), "");
  world_.clock().advance_ms(60'000);
  const gate::Principal doctor =
      gate::account_principal(world_.sign_in("dr.neuf", kChosen, factor->otpauth_uri),
                              std::string(testing::kClientAddress), "test");
  EXPECT_TRUE(gate().read(doctor, "Patient", patient));
  EXPECT_EQ(gate().enrol_second_factor(doctor).error().code, ErrorCode::kConflict);

  // A password reset gives the admin a one-time password, not the factor: it signs in no more.
  auto reset = gate().reset_password(admin, "dr.neuf");
  ASSERT_TRUE(reset) << reset.error().message;
  EXPECT_TRUE(world_.last_entry().supervise);
  EXPECT_EQ(world_.sign_in("dr.neuf", *reset, ""), "");
  // A second-factor reset hands nothing over, and is flagged too.
  ASSERT_TRUE(gate().reset_second_factor(admin, "dr.neuf"));
  const audit::Entry reset_otp = world_.last_entry();
  EXPECT_EQ(reset_otp.purpose, "reset-otp");
  EXPECT_TRUE(reset_otp.supervise);
  EXPECT_EQ(gate().read(doctor, "Patient", patient).error().code, ErrorCode::kAuthenticationFailed);
}

// --- Any assignment can be ended.

TEST_F(GateNeedToKnowTest, UnassignEndsAnAssignmentWhateverMadeIt) {
  const gate::Principal nurse = world_.person("infirmier.fin", access::Role::kPractitioner);
  auto registered = gate().create(nurse, parse_object(R"({"resourceType":"Patient"})"));
  ASSERT_TRUE(registered) << registered.error().message;
  ASSERT_TRUE(gate().read(nurse, "Patient", registered->id));
  auto ended = gate().unassign(custodian(), "infirmier.fin", registered->id);
  ASSERT_TRUE(ended) << "an assignment from registration could not be ended";
  EXPECT_EQ(world_.last_entry().purpose, "unassign (registration)");
  EXPECT_EQ(gate().read(nurse, "Patient", registered->id).error().code,
            ErrorCode::kPermissionDenied);

  const std::string patient = world_.make_patient("Equipe").id;
  ASSERT_TRUE(gate().assign(custodian(), "infirmier.fin", patient));
  world_.person("infirmier.equipe", access::Role::kPractitioner, "10101010133");
  world_.make(R"({"resourceType":"CareTeam","subject":{"reference":"Patient/)" + patient +
              R"("},"participant":[{"member":{"identifier":{"system":")" +
              std::string(fhir::kRppsSystem) + R"(","value":"10101010133"}}}]})");
  ASSERT_TRUE(gate().unassign(custodian(), "infirmier.fin", patient));
  EXPECT_EQ(world_.last_entry().purpose, "unassign (cli)");
  ASSERT_TRUE(gate().unassign(custodian(), "infirmier.equipe", patient));
  EXPECT_THAT(world_.last_entry().purpose, HasSubstr("CareTeam/"));
  EXPECT_EQ(testing::query_rows(world_.vault_dir() / "vault.db",
                                "SELECT * FROM assignments WHERE patient_id = '" + patient + "'"),
            "");
}

// --- Search values are bounded.

TEST_F(GateNeedToKnowTest, AnOverlongValueListIsAUsageErrorNamingTheParameter) {
  std::string codes = "c0";
  for (int index = 1; index < 40'000; ++index) {
    codes += ",c" + std::to_string(index);
  }
  auto refused = gate().search(custodian(), "Observation", {{"code", codes}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUsage) << refused.error().message;
  EXPECT_THAT(refused.error().message, HasSubstr("code"));
  EXPECT_THAT(refused.error().message, HasSubstr(std::to_string(fhir::kMaxSearchValues)));
  std::string ids = "a";
  for (size_t index = 1; index <= fhir::kMaxSearchValues; ++index) {
    ids += ",a" + std::to_string(index);
  }
  auto too_many_ids = gate().search(custodian(), "Observation", {{"_id", ids}});
  ASSERT_FALSE(too_many_ids);
  EXPECT_EQ(too_many_ids.error().code, ErrorCode::kUsage);
  EXPECT_THAT(too_many_ids.error().message, HasSubstr("_id"));
  std::vector<std::pair<std::string, std::string>> repeated(fhir::kMaxSearchParameters + 1,
                                                            {"code", "c"});
  EXPECT_EQ(gate().search(custodian(), "Observation", repeated).error().code, ErrorCode::kUsage);
}

}  // namespace
}  // namespace vigie
