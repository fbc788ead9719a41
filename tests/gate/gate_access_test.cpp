// The gate's authentication and need-to-know, scenario by scenario, through real sessions and
// tokens (the cell-by-cell matrix is gate_matrix_test.cpp).
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "demo/demo_data.hpp"
#include "fhir/identifiers.hpp"
#include "gate/access_world.hpp"
#include "support/json_object.hpp"

namespace vigie {
namespace {

using testing::AccessWorld;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kMinuteMs = 60'000;

using testing::parse_object;

class GateAccessTest : public ::testing::Test {
 protected:
  gate::Gate& gate() { return world_.gate(); }
  const gate::Custodian& custodian() { return world_.custodian(); }

  AccessWorld world_;
};

TEST_F(GateAccessTest, AnAdminReadsNoClinicalValueByAnyPath) {
  demo::DemoOptions options;
  options.patients = 4;
  const boost::json::object bundle = demo::generate_bundle(options);
  auto imported = gate().import_bundle(custodian(), bundle);
  ASSERT_TRUE(imported) << imported.error().message;
  const gate::Principal admin = world_.person("admin.dupont", access::Role::kAdmin);

  // Every refusal's message, which must not carry a value either.
  std::string messages;
  auto keep = [&](const auto& result) {
    if (!result) {
      messages += result.error().message + "\n";
    }
  };
  size_t calls = 0;
  for (const vault::EntryOutcome& written : imported->entries) {
    for (auto result : {gate().read(admin, written.type, written.id),
                        gate().read_version(admin, written.type, written.id, 1)}) {
      ++calls;
      ASSERT_FALSE(result) << written.type;
      EXPECT_EQ(result.error().code, ErrorCode::kPermissionDenied);
      keep(result);
    }
    auto history = gate().history(admin, written.type, written.id);
    ++calls;
    ASSERT_FALSE(history);
    EXPECT_EQ(history.error().code, ErrorCode::kPermissionDenied);
    keep(history);
  }
  for (std::string_view type :
       {"Patient", "Observation", "Condition", "Practitioner", "Organization"}) {
    for (const std::vector<std::pair<std::string, std::string>>& params :
         std::vector<std::vector<std::pair<std::string, std::string>>>{{}, {{"name", "mar"}}}) {
      auto page = gate().search(admin, type, params);
      ++calls;
      ASSERT_FALSE(page) << type;
      EXPECT_EQ(page.error().code, ErrorCode::kPermissionDenied);
      keep(page);
    }
  }
  for (const auto& result :
       {gate().count_by_type(admin).has_value(), gate().audit_entries(admin, {}).has_value(),
        gate().import_bundle(admin, bundle).has_value(),
        gate().create(admin, parse_object(R"({"resourceType":"Practitioner"})")).has_value()}) {
    ++calls;
    EXPECT_FALSE(result);
  }
  audit::IncidentScope scope;
  scope.actor_login = "admin.dupont";
  auto report = gate().incident_report(admin, scope);
  ++calls;
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kPermissionDenied);
  keep(report);
  for (const demo::DemoPatientFacts& facts : demo::patient_facts(bundle)) {
    EXPECT_THAT(messages, Not(HasSubstr(facts.family)));
    EXPECT_THAT(messages, Not(HasSubstr(facts.nir)));
  }
  EXPECT_GT(calls, 100U);
  // Every refusal is in the log as a denial, with its reason.
  size_t denials = 0;
  for (const audit::Entry& entry : world_.entries()) {
    if (entry.actor.login == "admin.dupont" && entry.outcome == audit::Outcome::kDenied) {
      ++denials;
      EXPECT_THAT(entry.reason, HasSubstr("permission-denied: "));
      EXPECT_FALSE(entry.decrypted_data_left);
    }
  }
  EXPECT_GE(denials, calls - 1);  // import_bundle's refusal is one entry, like every other call
}

TEST_F(GateAccessTest, ACareTeamNamingThePractitionerAssignsThemUntilItChanges) {
  const gate::Principal nurse =
      world_.person("infirmiere.leroy", access::Role::kPractitioner, "10101010101");
  const std::string patient = world_.make_patient("Lefèvre").id;
  const std::string practitioner =
      world_
          .make(R"({"resourceType":"Practitioner","identifier":[{"system":")" +
                std::string(fhir::kRppsSystem) + R"(","value":"10101010101"}]})")
          .id;
  EXPECT_EQ(gate().read(nurse, "Patient", patient).error().code, ErrorCode::kPermissionDenied);

  const std::string team_json = R"({"resourceType":"CareTeam","subject":{"reference":"Patient/)" +
                                patient + R"("},"participant":[{"member":{"reference":
                                "Practitioner/)" +
                                practitioner + R"(","identifier":{"system":")" +
                                std::string(fhir::kRppsSystem) + R"(","value":"10101010101"}}}]})";
  const gate::StoredResource team = world_.make(team_json);
  EXPECT_TRUE(gate().read(nurse, "Patient", patient));

  // The team is rewritten without her: the assignment goes with it.
  auto rewritten = gate().update(custodian(), "CareTeam", team.id,
                                 parse_object(R"({"resourceType":"CareTeam","subject":{
                                   "reference":"Patient/)" +
                                              patient + R"("}})"));
  ASSERT_TRUE(rewritten) << rewritten.error().message;
  EXPECT_EQ(gate().read(nurse, "Patient", patient).error().code, ErrorCode::kPermissionDenied);

  // Named again, then the team is deleted.
  ASSERT_TRUE(gate().update(custodian(), "CareTeam", team.id, parse_object(team_json)));
  EXPECT_TRUE(gate().read(nurse, "Patient", patient));
  ASSERT_TRUE(gate().remove(custodian(), "CareTeam", team.id));
  EXPECT_EQ(gate().read(nurse, "Patient", patient).error().code, ErrorCode::kPermissionDenied);
}

TEST_F(GateAccessTest, ACareTeamImportedInABundleAssignsItsMembers) {
  const gate::Principal nurse =
      world_.person("infirmier.import", access::Role::kPractitioner, "10101010102");
  const std::string patient = world_.make_patient("Import").id;
  const std::string practitioner =
      world_
          .make(R"({"resourceType":"Practitioner","identifier":[{"system":")" +
                std::string(fhir::kRppsSystem) + R"(","value":"10101010102"}]})")
          .id;
  EXPECT_EQ(gate().read(nurse, "Patient", patient).error().code, ErrorCode::kPermissionDenied);
  auto imported = gate().import_bundle(
      custodian(), parse_object(R"({"resourceType":"Bundle","type":"transaction","entry":[
        {"resource":{"resourceType":"CareTeam","subject":{"reference":"Patient/)" +
                                patient + R"("},"participant":[{"member":{"reference":
        "Practitioner/)" + practitioner +
                                R"(","identifier":{"system":")" + std::string(fhir::kRppsSystem) +
                                R"(","value":"10101010102"}}}]},"request":{"method":"POST",
        "url":"CareTeam"}}]})"));
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_TRUE(gate().read(nurse, "Patient", patient));
}

TEST_F(GateAccessTest, APractitionerWhoRegistersAPatientIsAssignedToThem) {
  const gate::Principal nurse = world_.person("infirmier.roux", access::Role::kPractitioner);
  auto registered =
      gate().create(nurse, parse_object(R"({"resourceType":"Patient","name":[{"family":"Roy"}]})"));
  ASSERT_TRUE(registered) << registered.error().message;
  EXPECT_TRUE(gate().read(nurse, "Patient", registered->id));
  auto observation = gate().create(
      nurse, parse_object(R"({"resourceType":"Observation","status":"final","code":{"coding":[
        {"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/)" +
                          registered->id + R"("}})"));
  EXPECT_TRUE(observation) << observation.error().message;
  // The same through an update that creates the Patient under an id the client chose.
  auto placed = gate().update(nurse, "Patient", "choisi-par-le-client",
                              parse_object(R"({"resourceType":"Patient","id":"choisi-par-le-client",
                                "name":[{"family":"Roy"}]})"));
  ASSERT_TRUE(placed) << placed.error().message;
  EXPECT_TRUE(gate().read(nurse, "Patient", "choisi-par-le-client"));
}

TEST_F(GateAccessTest, SearchLeavesOtherPatientsOutOfThePageAndTheTotal) {
  const gate::Principal nurse = world_.person("infirmiere.blanc", access::Role::kPractitioner);
  const std::string mine = world_.make_patient("Martin").id;
  world_.make_patient("Martinez");
  world_.make_patient("Martineau");
  ASSERT_TRUE(gate().assign(custodian(), "infirmiere.blanc", mine));
  auto page = gate().search(nurse, "Patient", {{"name", "mar"}});
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->total, 1U);
  ASSERT_EQ(page->matches.size(), 1U);
  EXPECT_EQ(page->matches.front().id, mine);
  // The custodian sees all three.
  EXPECT_EQ(gate().search(custodian(), "Patient", {{"name", "mar"}})->total, 3U);
}

TEST_F(GateAccessTest, AnUpdateCannotMoveARecordIntoAnUnassignedPatient) {
  const gate::Principal nurse = world_.person("infirmier.petit", access::Role::kPractitioner);
  const std::string mine = world_.make_patient("Petit").id;
  const std::string other = world_.make_patient("Grand").id;
  ASSERT_TRUE(gate().assign(custodian(), "infirmier.petit", mine));
  const gate::StoredResource observation = world_.make_observation(mine);
  boost::json::object moved = observation.resource;
  moved["subject"] = boost::json::object{{"reference", "Patient/" + other}};
  auto updated = gate().update(nurse, "Observation", observation.id, moved);
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(gate().read(custodian(), "Observation", observation.id)->compartment, mine);
}

TEST_F(GateAccessTest, ATemporaryPasswordOnlyLetsTheSessionChangeIt) {
  auto enrolment = gate().add_account(
      custodian(), auth::NewAccount{"dr.moreau", "Dr Moreau", access::Role::kPractitioner, ""});
  ASSERT_TRUE(enrolment);
  const std::string session = world_.sign_in("dr.moreau", enrolment->temporary_password, "");
  ASSERT_FALSE(session.empty());
  const gate::Principal principal =
      gate::account_principal(session, std::string(testing::kClientAddress), "test");
  auto page = gate().search(principal, "Patient", {});
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(world_.last_entry().reason,
            "permission-denied: temporary password must be changed first");
  auto weak = gate().change_password(principal, enrolment->temporary_password, "dr.moreau2026!!");
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.error().code, ErrorCode::kInvalidInput);
  ASSERT_TRUE(
      gate().change_password(principal, enrolment->temporary_password, testing::kNewPassword));
  // The old password no longer signs in; the new one does (still without a second factor).
  EXPECT_EQ(world_.sign_in("dr.moreau", enrolment->temporary_password, ""), "");
  world_.clock().advance_ms(kMinuteMs);
  EXPECT_NE(world_.sign_in("dr.moreau", testing::kNewPassword, ""), "");
}

TEST_F(GateAccessTest, LockingAnAccountEndsItsOpenSessionAtOnce) {
  const gate::Principal nurse = world_.person("infirmiere.garnier", access::Role::kPractitioner);
  ASSERT_TRUE(gate().search(nurse, "Patient", {}));
  ASSERT_TRUE(
      gate().set_account_status(custodian(), "infirmiere.garnier", auth::AccountStatus::kLocked));
  auto refused = gate().search(nurse, "Patient", {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kAuthenticationFailed);
  const audit::Entry entry = world_.last_entry();
  EXPECT_EQ(entry.action, audit::kActionSearch);
  EXPECT_EQ(entry.reason, "authentication-failed");
  EXPECT_EQ(entry.resources_returned, 0);
  // Unlocking does not bring the revoked session back.
  ASSERT_TRUE(
      gate().set_account_status(custodian(), "infirmiere.garnier", auth::AccountStatus::kActive));
  EXPECT_FALSE(gate().search(nurse, "Patient", {}));
}

TEST_F(GateAccessTest, ALoggedOutSessionIsRefused) {
  const gate::Principal nurse = world_.person("infirmier.faure", access::Role::kPractitioner);
  ASSERT_TRUE(gate().logout(nurse));
  auto replayed = gate().search(nurse, "Patient", {});
  ASSERT_FALSE(replayed);
  EXPECT_EQ(replayed.error().code, ErrorCode::kAuthenticationFailed);
}

TEST_F(GateAccessTest, ASessionEndsAfterItsIdleTimeAndItsLifetime) {
  const gate::Principal nurse = world_.person("infirmiere.henry", access::Role::kPractitioner);
  // This world's idle timeout is 3 h: activity every 2 h keeps the session until 12 h.
  for (int hours = 0; hours < 10; hours += 2) {
    world_.clock().advance_ms(120 * kMinuteMs);
    ASSERT_TRUE(gate().search(nurse, "Patient", {})) << "after " << hours + 2 << " h";
  }
  world_.clock().advance_ms(120 * kMinuteMs);
  EXPECT_EQ(gate().search(nurse, "Patient", {}).error().code, ErrorCode::kAuthenticationFailed);

  const gate::Principal idle = world_.person("infirmier.idle", access::Role::kPractitioner);
  world_.clock().advance_ms(3 * 60 * kMinuteMs);
  EXPECT_EQ(gate().search(idle, "Patient", {}).error().code, ErrorCode::kAuthenticationFailed);
}

TEST_F(GateAccessTest, ARevokedOrExpiredTokenIsRefused) {
  world_.make_observation(world_.make_patient("Token").id);
  const gate::Principal lab = world_.service("labo.bio", "system/Observation.rs");
  ASSERT_TRUE(gate().search(lab, "Observation", {}));
  std::string token_id;
  for (const audit::Entry& entry : world_.entries()) {
    if (entry.actor.login == "labo.bio") {
      token_id = entry.actor.session_id;
    }
  }
  ASSERT_THAT(token_id, HasSubstr("tok-"));
  ASSERT_TRUE(gate().revoke_credential(custodian(), token_id));
  EXPECT_EQ(gate().search(lab, "Observation", {}).error().code, ErrorCode::kAuthenticationFailed);

  auto short_lived = gate().create_token(custodian(), "labo.bio", {"system/Observation.rs"},
                                         world_.clock().now_ms() + 60 * kMinuteMs, {});
  ASSERT_TRUE(short_lived);
  const gate::Principal fresh =
      gate::account_principal(short_lived->secret, std::string(testing::kClientAddress), "t");
  EXPECT_TRUE(gate().search(fresh, "Observation", {}));
  world_.clock().advance_ms(60 * kMinuteMs);
  EXPECT_EQ(gate().search(fresh, "Observation", {}).error().code, ErrorCode::kAuthenticationFailed);
  // Its scope never reached Patient.
  EXPECT_FALSE(gate().create_token(custodian(), "labo.bio", {"system/Observation.rs"},
                                   world_.clock().now_ms() + 366LL * 24 * 60 * kMinuteMs, {}));
}

TEST_F(GateAccessTest, TheAccessLogNamesATokenByItsIdBeforeAndAfterItsRevocation) {
  const gate::Principal lab = world_.service("labo.log", "system/Observation.rs");
  ASSERT_TRUE(gate().search(lab, "Observation", {}));
  const std::string token_id = world_.last_entry().actor.session_id;
  ASSERT_THAT(token_id, HasSubstr("tok-"));
  EXPECT_EQ(gate().credential_id_for_log(lab), token_id);
  ASSERT_TRUE(gate().revoke_credential(custodian(), token_id));
  // The id stays (the log says whose request was refused); the secret no longer opens anything.
  EXPECT_EQ(gate().credential_id_for_log(lab), token_id);
  EXPECT_EQ(gate().search(lab, "Observation", {}).error().code, ErrorCode::kAuthenticationFailed);
  const gate::Principal unknown = gate::account_principal(
      "vgt_" + std::string(64, '0'), std::string(testing::kClientAddress), "t");
  EXPECT_EQ(gate().credential_id_for_log(unknown), "");
  EXPECT_EQ(gate().credential_id_for_log(custodian()), "");
}

TEST_F(GateAccessTest, ATokenNeverExceedsItsScopes) {
  const std::string patient = world_.make_patient("Scope").id;
  world_.make_observation(patient);
  const gate::Principal lab = world_.service("labo.lecture", "system/Observation.rs");
  EXPECT_TRUE(gate().search(lab, "Observation", {}));
  EXPECT_EQ(gate().read(lab, "Patient", patient).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(gate()
                .create(lab, parse_object(R"({"resourceType":"Observation","status":"final",
              "code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
              "subject":{"reference":"Patient/)" +
                                          patient + R"("}})"))
                .error()
                .code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(gate().erase_patient(lab, patient).error().code, ErrorCode::kPermissionDenied);
}

TEST_F(GateAccessTest, EveryRefusedLoginLooksTheSameAndOnlyKnownLoginsAreNamedInTheLog) {
  auto enrolment = gate().add_account(
      custodian(), auth::NewAccount{"sage.femme", "Agnès Sage", access::Role::kPractitioner, ""});
  ASSERT_TRUE(enrolment);
  const std::string code = testing::totp_code_now(enrolment->otpauth_uri, world_.clock().now_ms());
  auto unknown = gate().login(auth::LoginRequest{"Secret-typed-in-the-login-field", "x",
                                                 crypto::SecretString(code), "198.51.100.7"},
                              "t");
  auto wrong = gate().login(auth::LoginRequest{"sage.femme", "not the password",
                                               crypto::SecretString(code), "198.51.100.8"},
                            "t");
  ASSERT_FALSE(unknown);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(unknown.error().code, ErrorCode::kAuthenticationFailed);
  EXPECT_EQ(unknown.error().code, wrong.error().code);
  EXPECT_EQ(unknown.error().message, wrong.error().message);
  EXPECT_EQ(unknown.error().message, auth::login_refused_message());

  std::vector<audit::Entry> logins;
  for (const audit::Entry& entry : world_.entries()) {
    if (entry.action == audit::kActionLogin) {
      logins.push_back(entry);
    }
  }
  ASSERT_EQ(logins.size(), 2U);
  EXPECT_EQ(logins[0].actor.login, "");
  EXPECT_EQ(logins[0].reason, "authentication-failed: unknown login");
  EXPECT_EQ(logins[0].actor.address, "198.51.100.7");
  EXPECT_EQ(logins[1].actor.login, "sage.femme");
  EXPECT_EQ(logins[1].reason, "authentication-failed: wrong password");
  const std::string raw =
      testing::query_rows(world_.vault_dir() / "audit.db", "SELECT * FROM audit_log");
  EXPECT_THAT(raw, Not(HasSubstr("Secret-typed")));
}

TEST_F(GateAccessTest, BackOffAndTheLockAfterTenFailuresAreAudited) {
  auto enrolment = gate().add_account(
      custodian(), auth::NewAccount{"kine.dubois", "Paul Dubois", access::Role::kPractitioner, ""});
  ASSERT_TRUE(enrolment);
  auto attempt = [&](std::string_view password) {
    return gate().login(auth::LoginRequest{"kine.dubois", crypto::SecretString(password),
                                           crypto::SecretString(testing::totp_code_now(
                                               enrolment->otpauth_uri, world_.clock().now_ms())),
                                           "203.0.113.5"},
                        "t");
  };
  for (int failure = 1; failure <= 3; ++failure) {
    EXPECT_EQ(attempt("wrong").error().code, ErrorCode::kAuthenticationFailed);
  }
  // The fourth attempt comes too soon, even with the right password: refused unchecked.
  auto throttled = attempt(enrolment->temporary_password);
  ASSERT_FALSE(throttled);
  EXPECT_EQ(throttled.error().code, ErrorCode::kTooManyAttempts);
  audit::Entry entry = world_.last_entry();
  EXPECT_EQ(entry.action, audit::kActionLogin);
  EXPECT_EQ(entry.outcome, audit::Outcome::kDenied);
  EXPECT_EQ(entry.reason, "too-many-attempts");
  for (int failure = 4; failure <= 10; ++failure) {
    world_.clock().advance_ms(20 * kMinuteMs);
    EXPECT_EQ(attempt("wrong").error().code, ErrorCode::kAuthenticationFailed);
  }
  entry = world_.last_entry();
  EXPECT_EQ(entry.reason, "authentication-failed: wrong password; account locked now");
  world_.clock().advance_ms(20 * kMinuteMs);
  auto locked = attempt(enrolment->temporary_password);
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().message, auth::login_refused_message());
  EXPECT_EQ(world_.last_entry().reason, "authentication-failed: account locked");
  ASSERT_TRUE(gate().set_account_status(custodian(), "kine.dubois", auth::AccountStatus::kActive));
  world_.clock().advance_ms(kMinuteMs);
  EXPECT_TRUE(attempt(enrolment->temporary_password));
}

TEST_F(GateAccessTest, BreakGlassNeedsAReasonOpensOneHourAndIsFlagged) {
  const gate::Principal nurse = world_.person("infirmiere.urgences", access::Role::kPractitioner);
  const gate::Principal assistant = world_.person("secretariat", access::Role::kAssistant);
  const std::string patient = world_.make_patient("Urgence").id;
  const std::string observation = world_.make_observation(patient).id;
  EXPECT_EQ(gate().read(nurse, "Observation", observation).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(gate().break_glass(nurse, patient, "   ").error().code, ErrorCode::kUsage);
  EXPECT_EQ(gate().break_glass(assistant, patient, "urgence").error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(gate().break_glass(nurse, "unknown-patient", "urgence").error().code,
            ErrorCode::kNotFound);
  ASSERT_TRUE(gate().break_glass(nurse, patient, "malaise au domicile, médecin injoignable"));
  const audit::Entry opened = world_.last_entry_of(audit::kActionBreakGlass);
  EXPECT_EQ(opened.action, audit::kActionBreakGlass);
  EXPECT_TRUE(opened.break_glass);
  EXPECT_THAT(opened.purpose, HasSubstr("break-glass grant bg-"));

  ASSERT_TRUE(gate().read(nurse, "Observation", observation));
  const audit::Entry read = world_.last_entry();
  EXPECT_TRUE(read.break_glass);
  EXPECT_EQ(read.purpose, opened.purpose);
  // Break-glass does not allow deleting.
  EXPECT_EQ(gate().remove(nurse, "Observation", observation).error().code,
            ErrorCode::kPermissionDenied);

  world_.clock().advance_ms(60 * kMinuteMs);
  EXPECT_EQ(gate().read(nurse, "Observation", observation).error().code,
            ErrorCode::kPermissionDenied);
}

TEST_F(GateAccessTest, AssignmentIsForPractitionersAndExistingPatients) {
  world_.person("secretaire", access::Role::kAssistant);
  world_.person("infirmier.assign", access::Role::kPractitioner);
  const std::string patient = world_.make_patient("Assign").id;
  EXPECT_EQ(gate().assign(custodian(), "secretaire", patient).error().code, ErrorCode::kUsage);
  EXPECT_EQ(gate().assign(custodian(), "infirmier.assign", "missing").error().code,
            ErrorCode::kNotFound);
  ASSERT_TRUE(gate().assign(custodian(), "infirmier.assign", patient));
  ASSERT_TRUE(gate().unassign(custodian(), "infirmier.assign", patient));
  EXPECT_EQ(gate().unassign(custodian(), "infirmier.assign", patient).error().code,
            ErrorCode::kNotFound);
  const audit::Entry entry = world_.last_entry();
  EXPECT_EQ(entry.action, audit::kActionAccountChange);
  EXPECT_EQ(entry.purpose, "unassign");
}

TEST_F(GateAccessTest, ErasingAPatientRemovesTheirAssignments) {
  world_.person("infirmier.efface", access::Role::kPractitioner);
  const std::string patient = world_.make_patient("Efface").id;
  ASSERT_TRUE(gate().assign(custodian(), "infirmier.efface", patient));
  ASSERT_TRUE(gate().erase_patient(custodian(), patient));
  EXPECT_EQ(testing::query_rows(world_.vault_dir() / "vault.db",
                                "SELECT * FROM assignments WHERE patient_id = '" + patient + "'"),
            "");
}

}  // namespace
}  // namespace vigie
