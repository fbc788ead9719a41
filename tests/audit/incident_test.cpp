#include "audit/incident.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include "audit/query.hpp"

namespace vigie::audit {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kSince = 1'709'596'800'000;  // 2024-03-05
constexpr int64_t kUntil = kSince + 2 * kDay;  // 2024-03-07, exclusive

Actor account(const std::string& login, const std::string& session, const std::string& address) {
  return Actor{.kind = ActorKind::kAccount,
               .login = login,
               .os_user = "",
               .session_id = session,
               .address = address,
               .user_agent = "ua",
               .auth_method = "password+totp"};
}

Entry entry(int64_t time_ms, Actor actor, std::string_view action, std::vector<Target> targets,
            Outcome outcome = Outcome::kSuccess, bool left = true) {
  Entry out;
  out.time_ms = time_ms;
  out.actor = std::move(actor);
  out.action = std::string(action);
  out.targets = std::move(targets);
  out.outcome = outcome;
  out.resources_returned = static_cast<int64_t>(out.targets.size());
  out.decrypted_data_left = left;
  return out;
}

Target target(std::string type, std::string id, std::string compartment) {
  return Target{.type = std::move(type),
                .id = std::move(id),
                .version = 1,
                .compartment = std::move(compartment)};
}

// A day of activity: the suspect "x.thief" and a colleague.
std::vector<Entry> scripted_log() {
  const Actor thief = account("x.thief", "sess-1", "203.0.113.5");
  const Actor thief_later = account("x.thief", "sess-2", "198.51.100.7");
  const Actor colleague = account("c.nurse", "sess-9", "203.0.113.5");
  return {
      // Before the window: not counted.
      entry(kSince - 1, thief, kActionRead, {target("Patient", "early", "early")}),
      // In the window.
      entry(kSince, thief, kActionRead, {target("Patient", "alice", "alice")}),
      entry(kSince + 1000, thief, kActionSearch,
            {target("Observation", "o1", "alice"), target("Observation", "o2", "bob"),
             target("Practitioner", "pr1", "*shared")}),
      entry(kSince + 2000, thief, kActionRead, {target("Observation", "o1", "alice")}),
      entry(kSince + 3000, thief, kActionRead, {target("Patient", "carol", "carol")},
            Outcome::kDenied),
      entry(kSince + 4000, thief, kActionRead, {target("Patient", "dave", "dave")},
            Outcome::kFailed),
      entry(kSince + 5000, thief, kActionUpdate, {target("Patient", "erin", "erin")}),
      entry(kSince + 6000, thief_later, kActionExport,
            {target("Condition", "c1", "frank"), target("RelatedPerson", "r1", "frank")},
            Outcome::kSuccess, false),
      entry(kSince + 7000, thief, kActionVread, {target("Account", "acc", "")}),
      // Someone else, same address.
      entry(kSince + 8000, colleague, kActionRead, {target("Patient", "grace", "grace")}),
      // At the exclusive end of the window: not counted.
      entry(kUntil, thief, kActionRead, {target("Patient", "heidi", "heidi")}),
  };
}

std::vector<std::string> ids(const std::vector<PatientAccess>& accesses) {
  std::vector<std::string> out;
  out.reserve(accesses.size());
  for (const PatientAccess& access : accesses) {
    out.push_back(access.patient_id);
  }
  return out;
}

TEST(DataCategoriesTest, PerResourceType) {
  EXPECT_EQ(data_categories("Patient"), (std::vector<std::string>{"identity", "contact", "NIR"}));
  EXPECT_EQ(data_categories("RelatedPerson"), (std::vector<std::string>{"identity", "contact"}));
  EXPECT_EQ(data_categories("Observation"),
            (std::vector<std::string>{"clinical:Observation", "free text"}));
  EXPECT_EQ(data_categories("Immunization"), (std::vector<std::string>{"clinical:Immunization"}));
}

TEST(CheckScopeTest, ExactlyOneSelectorAndAWindow) {
  EXPECT_TRUE(check_scope(IncidentScope{.actor_login = "a", .since_ms = 0}).has_value());
  EXPECT_EQ(check_scope(IncidentScope{.since_ms = 0}).error().code, ErrorCode::kUsage);
  EXPECT_EQ(
      check_scope(IncidentScope{.actor_login = "a", .session_id = "s", .since_ms = 0}).error().code,
      ErrorCode::kUsage);
  EXPECT_EQ(
      check_scope(IncidentScope{.address = "1.2.3.4", .since_ms = 5, .until_ms = 5}).error().code,
      ErrorCode::kUsage);
}

TEST(PatientsTouchedTest, ExactlyThePatientsTheActorReadInTheWindow) {
  const IncidentScope scope{.actor_login = "x.thief", .since_ms = kSince, .until_ms = kUntil};
  const std::vector<PatientAccess> touched = patients_touched(scripted_log(), scope);
  ASSERT_EQ(ids(touched), (std::vector<std::string>{"alice", "bob", "frank"}));

  const PatientAccess& alice = touched[0];
  EXPECT_EQ(alice.categories, (std::set<std::string>{"identity", "contact", "NIR",
                                                     "clinical:Observation", "free text"}));
  EXPECT_EQ(alice.resources, 2);  // Patient/alice and Observation/o1 (read twice)
  EXPECT_EQ(alice.accesses, 3);
  EXPECT_EQ(alice.first_ms, kSince);
  EXPECT_EQ(alice.last_ms, kSince + 2000);
  EXPECT_TRUE(alice.left_decrypted);

  const PatientAccess& bob = touched[1];
  EXPECT_EQ(bob.categories, (std::set<std::string>{"clinical:Observation", "free text"}));
  EXPECT_EQ(bob.resources, 1);

  const PatientAccess& frank = touched[2];
  EXPECT_EQ(frank.categories,
            (std::set<std::string>{"clinical:Condition", "free text", "identity", "contact"}));
  EXPECT_FALSE(frank.left_decrypted);
}

TEST(PatientsTouchedTest, SessionAndAddressSelectors) {
  const std::vector<Entry> log = scripted_log();
  EXPECT_EQ(ids(patients_touched(log, IncidentScope{.session_id = "sess-2", .since_ms = kSince})),
            (std::vector<std::string>{"frank"}));
  EXPECT_EQ(
      ids(patients_touched(
          log, IncidentScope{.address = "203.0.113.5", .since_ms = kSince, .until_ms = kUntil})),
      (std::vector<std::string>{"alice", "bob", "grace"}));
  // Without an end, the window runs on.
  EXPECT_EQ(ids(patients_touched(log, IncidentScope{.session_id = "sess-1", .since_ms = kSince})),
            (std::vector<std::string>{"alice", "bob", "heidi"}));
}

TEST(PatientsTouchedTest, CustodianIsSelectedByOsUser) {
  Actor custodian{.kind = ActorKind::kCustodian,
                  .login = "",
                  .os_user = "root",
                  .session_id = "",
                  .address = "",
                  .user_agent = "",
                  .auth_method = "passphrase"};
  const std::vector<Entry> log = {
      entry(kSince, custodian, kActionExport, {target("Patient", "p", "p")})};
  EXPECT_EQ(ids(patients_touched(log, IncidentScope{.actor_login = "root", .since_ms = 0})),
            (std::vector<std::string>{"p"}));
}

class IncidentReportTest : public ::testing::Test {
 protected:
  IncidentReport report() const {
    const IncidentScope scope{.actor_login = "x.thief", .since_ms = kSince, .until_ms = kUntil};
    const std::vector<PatientContact> contacts = {
        {.patient_id = "alice",
         .family = "Durand",
         .given = "Alice",
         .address_lines = {"12 rue des Lilas"},
         .postal_code = "69003",
         .city = "Lyon"},
        {.patient_id = "bob",
         .family = "Lefèvre",
         .given = "Bob",
         .address_lines = {"Bâtiment B", "3 allée Verte"},
         .postal_code = "13001",
         .city = "Marseille"},
        {.patient_id = "grace",
         .family = "Untouched",
         .given = "Grace",
         .address_lines = {},
         .postal_code = "75001",
         .city = "Paris"},
    };
    return build_incident_report(scope, patients_touched(scripted_log(), scope), contacts,
                                 kUntil + kDay);
  }
};

TEST_F(IncidentReportTest, TotalsAndEncryptionFacts) {
  const IncidentReport built = report();
  EXPECT_EQ(built.patients.size(), 3u);
  EXPECT_EQ(built.resources, 2 + 1 + 2);
  EXPECT_EQ(built.accesses, 3 + 1 + 2);
  EXPECT_EQ(built.first_ms, kSince);
  EXPECT_EQ(built.last_ms, kSince + 6000);
  EXPECT_TRUE(built.left_decrypted);
  EXPECT_TRUE(built.categories.contains("NIR"));
  ASSERT_EQ(built.letters.size(), 3u);
}

TEST_F(IncidentReportTest, EachLetterCarriesOnlyItsOwnPatient) {
  const IncidentReport built = report();
  const std::string markdown = render_markdown(built);
  const std::vector<std::pair<std::string, std::string>> names = {{"alice", "Alice Durand"},
                                                                  {"bob", "Bob Lefèvre"}};
  for (const PatientLetter& letter : built.letters) {
    EXPECT_NE(markdown.find(letter.text), std::string::npos) << letter.patient_id;
    EXPECT_NE(letter.text.find("Madame, Monsieur,"), std::string::npos);
    EXPECT_NE(letter.text.find("[Nom et coordonnées du DPO]"), std::string::npos);
    for (const auto& [patient_id, name] : names) {
      EXPECT_EQ(letter.text.find(name) != std::string::npos, patient_id == letter.patient_id)
          << letter.patient_id << " / " << name;
    }
    for (std::string_view other : {"alice", "bob", "frank"}) {
      if (other != letter.patient_id) {
        EXPECT_EQ(letter.text.find("`" + std::string(other) + "`"), std::string::npos);
      }
    }
  }
  EXPECT_NE(built.letters[0].text.find("12 rue des Lilas"), std::string::npos);
  EXPECT_NE(built.letters[0].text.find("69003 Lyon"), std::string::npos);
  EXPECT_NE(built.letters[0].text.find("numéro de sécurité sociale (NIR)"), std::string::npos);
  EXPECT_NE(built.letters[1].text.find("Bâtiment B"), std::string::npos);
  EXPECT_EQ(built.letters[1].text.find("NIR"), std::string::npos);  // Bob's NIR was not read
  // Frank's contact is unknown: placeholders, and no one else's address.
  EXPECT_NE(built.letters[2].text.find("[Nom et adresse du patient"), std::string::npos);
  EXPECT_EQ(markdown.find("Grace"), std::string::npos);
}

TEST_F(IncidentReportTest, MarkdownHoldsTheCnilDraftAndTheStatements) {
  const std::string markdown = render_markdown(report());
  for (const char* expected :
       {"# Rapport d'incident", "le compte `x.thief`", "Projet de notification à la CNIL",
        "art. 33", "art. 34", "[Nom et coordonnées du DPO]", "Hameçonnage (phishing)",
        "Nature de la violation", "3 personne(s)", "5 enregistrement(s)",
        "chiffrées au repos (XChaCha20-Poly1305, une clé par patient)",
        "Des données ont quitté le coffre déchiffrées", "| `alice` |", "| `bob` |", "| `frank` |",
        "5 mars 2024 à 00:00 UTC", "Mesures prises"}) {
    EXPECT_NE(markdown.find(expected), std::string::npos) << expected;
  }
  for (const char* absent :
       {"`carol`", "`dave`", "`erin`", "`grace`", "`early`", "`heidi`", "*shared"}) {
    EXPECT_EQ(markdown.find(absent), std::string::npos) << absent;
  }
}

TEST_F(IncidentReportTest, DataThatStayedEncryptedIsSaid) {
  const IncidentScope scope{.session_id = "sess-2", .since_ms = kSince};
  const IncidentReport built =
      build_incident_report(scope, patients_touched(scripted_log(), scope), {}, kUntil);
  EXPECT_FALSE(built.left_decrypted);
  EXPECT_NE(render_markdown(built).find("aucune de ces données n'a quitté le coffre déchiffrée"),
            std::string::npos);
}

TEST_F(IncidentReportTest, NoPatientMeansNoDraft) {
  const IncidentScope scope{.actor_login = "nobody", .since_ms = kSince};
  const IncidentReport built = build_incident_report(scope, {}, {}, kUntil);
  EXPECT_TRUE(built.cnil_notification.empty());
  EXPECT_TRUE(built.letters.empty());
  const std::string markdown = render_markdown(built);
  EXPECT_NE(markdown.find("aucune consultation"), std::string::npos);
  EXPECT_EQ(markdown.find("CNIL"), std::string::npos);
}

TEST_F(IncidentReportTest, JsonMirrorsTheReport) {
  const IncidentReport built = report();
  const boost::json::object json = to_json(built);
  EXPECT_EQ(json.at("patient_count").as_uint64(), 3u);
  EXPECT_EQ(json.at("scope").at("actor_login").as_string(), "x.thief");
  EXPECT_EQ(json.at("scope").at("since").as_string(), "2024-03-05T00:00:00.000Z");
  EXPECT_EQ(json.at("left_vault_decrypted").as_bool(), true);
  const boost::json::array& patients = json.at("patients").as_array();
  ASSERT_EQ(patients.size(), 3u);
  EXPECT_EQ(patients[0].at("patient_id").as_string(), "alice");
  EXPECT_EQ(patients[0].at("categories").as_array().front().as_string(), "identity");
  EXPECT_EQ(json.at("letters").as_array().size(), 3u);
  EXPECT_EQ(json.at("letters").as_array()[1].at("text").as_string(), built.letters[1].text);
  EXPECT_EQ(json.at("cnil_notification").as_string(), built.cnil_notification);
}

}  // namespace
}  // namespace vigie::audit
