// What a new user tripped on, with the README in hand (issue 11, item 4), through the real binary:
// a token revoked by its secret, an unlock that ends a lock only, re-imports that change nothing,
// searches that cannot match, one bilingual error style, and an incident report about nobody.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "cli_fixture.hpp"
#include "demo/demo_data.hpp"
#include "fhir/json.hpp"

namespace vigie {
namespace {

using testing::contains;

using testing::CliTest;
using testing::ProcessResult;

std::string last_line(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    lines.push_back(line);
  }
  return lines.empty() ? "" : lines.back();
}

// Every byte of the vault's data file and of its write-ahead log, as an attacker copies them.
std::string raw_data_files(const std::filesystem::path& vault_dir) {
  std::string bytes;
  for (const char* name : {"vault.db", "vault.db-wal"}) {
    std::ifstream file(vault_dir / name, std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  return bytes;
}

class CliNewUserTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    init_vault();
  }

  std::string demo_file(size_t patients) {
    demo::DemoOptions options;
    options.patients = patients;
    options.seed = 11;
    return write_input("demo.json", fhir::to_json_text(demo::generate_bundle(options)));
  }

  int64_t count(const std::string& type) {
    ProcessResult counted = run({"search"}, {type, "--count-only"});
    EXPECT_EQ(counted.exit_code, 0) << counted.err;
    return std::stoll(counted.out);
  }
};

// One line on stderr: "vigie: <français> / <English>".
void expect_bilingual_error(const ProcessResult& result, int exit_code, const std::string& french,
                            const std::string& english) {
  EXPECT_EQ(result.exit_code, exit_code) << result.err;
  EXPECT_TRUE(result.err.starts_with("vigie: ")) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  const size_t separator = result.err.find(" / ");
  ASSERT_NE(separator, std::string::npos) << result.err;
  EXPECT_TRUE(contains(result.err.substr(0, separator), french)) << result.err;
  EXPECT_TRUE(contains(result.err.substr(separator), english)) << result.err;
}

TEST_F(CliNewUserTest, TokenRevokedByItsSecretLeavesNoByteOfItInTheLog) {
  ASSERT_EQ(
      run({"user", "add"}, {"--login", "lab", "--name", "Labo", "--role", "service"}).exit_code, 0);
  ProcessResult token = run({"token", "create"},
                            {"--login", "lab", "--scope", "system/Patient.r", "--expires", "7d"});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  const std::string secret = last_line(token.out);
  ASSERT_TRUE(secret.starts_with("vgt_")) << token.out;
  std::smatch id_match;
  ASSERT_TRUE(std::regex_search(token.out, id_match, std::regex("tok-[0-9a-f]{16}")));
  const std::string token_id = id_match.str();

  ProcessResult revoked = run({"token", "revoke"}, {secret});
  EXPECT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_TRUE(contains(revoked.out, token_id)) << revoked.out;
  EXPECT_FALSE(contains(revoked.out, secret.substr(4)));
  ProcessResult again = run({"token", "revoke"}, {token_id});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(contains(again.out, "already revoked")) << again.out;

  // Secrets nobody holds, and text that is neither an id nor a secret.
  const std::string unknown_token = "vgt_" + std::string(64, 'a');
  const std::string unknown_session = "vgs_" + std::string(64, 'b');
  EXPECT_EQ(run({"token", "revoke"}, {unknown_token}).exit_code, 4);
  EXPECT_EQ(run({"token", "revoke"}, {unknown_session}).exit_code, 4);
  ProcessResult garbage = run({"token", "revoke"}, {"ccccccccccccccccccccccccc"});
  EXPECT_EQ(garbage.exit_code, 2) << garbage.err;

  ProcessResult log = run({"audit", "log"}, {"--format", "json", "--action", "account-change"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_TRUE(contains(log.out, token_id)) << log.out;
  const std::string raw = raw_data_files(vault());
  ASSERT_FALSE(raw.empty());
  for (const std::string& leaked :
       {secret, secret.substr(4), unknown_token.substr(4), unknown_session.substr(4),
        std::string("ccccccccccccccccccccccccc")}) {
    EXPECT_FALSE(contains(log.out, leaked)) << "a secret is in the audit log";
    EXPECT_FALSE(contains(raw, leaked)) << "a secret is in the data file";
  }
}

TEST_F(CliNewUserTest, UnlockEndsALockAndNeverReactivatesADisabledAccount) {
  ASSERT_EQ(run({"user", "add"}, {"--login", "alice", "--name", "Dr A", "--role", "practitioner"})
                .exit_code,
            0);
  auto status = [&] {
    ProcessResult shown = run({"user", "show"}, {"alice"});
    EXPECT_EQ(shown.exit_code, 0) << shown.err;
    std::smatch match;
    std::regex_search(shown.out, match, std::regex("Statut \\(status\\): +([a-z]+)"));
    return match.str(1);
  };
  ASSERT_EQ(run({"user", "lock"}, {"alice"}).exit_code, 0);
  EXPECT_EQ(status(), "locked");
  ASSERT_EQ(run({"user", "unlock"}, {"alice"}).exit_code, 0);
  EXPECT_EQ(status(), "active");

  ASSERT_EQ(run({"user", "disable"}, {"alice"}).exit_code, 0);
  expect_bilingual_error(run({"user", "unlock"}, {"alice"}), 2, "désactivé", "disabled");
  EXPECT_EQ(status(), "disabled");
  // Nor through a lock first: a disabled account is not locked, it stays disabled.
  expect_bilingual_error(run({"user", "lock"}, {"alice"}), 2, "désactivé", "disabled");
  EXPECT_EQ(status(), "disabled");
}

TEST_F(CliNewUserTest, IncidentReportAboutSomeoneAbsentFromTheLogSaysSoAndExits4) {
  const std::string out = (std::filesystem::path(vault()).parent_path() / "incident").string();
  struct Case {
    std::string flag;
    std::string value;
  };
  for (const Case& absent : {Case{"--session", "cli-00000000deadbeef"}, Case{"--actor", "nobody"},
                             Case{"--address", "192.0.2.99"}}) {
    ProcessResult result = run({"incident", "report"},
                               {absent.flag, absent.value, "--since", "2020-01-01", "--out", out});
    expect_bilingual_error(result, 4, absent.value, absent.value);
    EXPECT_TRUE(contains(result.err, "never appears in the audit log")) << result.err;
    EXPECT_FALSE(std::filesystem::exists(out)) << absent.flag;
  }
  // Someone the log knows (the custodian who created the vault), in a window where they did
  // nothing: an empty report, exit 0.
  ProcessResult log = run({"audit", "log"}, {"--format", "json"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  const std::string custodian(
      boost::json::parse(log.out).at(0).at("actor").at("os_user").as_string());
  ProcessResult known = run({"incident", "report"}, {"--actor", custodian, "--since", "2020-01-01",
                                                     "--until", "2020-01-02"});
  EXPECT_EQ(known.exit_code, 0) << known.err;
}

TEST_F(CliNewUserTest, ImportingTheSameDataTwiceChangesNothing) {
  const std::string demo = demo_file(3);
  ProcessResult first = vigie_on_vault("import", {demo});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(contains(first.out, " 0 unchanged")) << first.out;
  const int64_t patients = count("Patient");
  const int64_t observations = count("Observation");
  ASSERT_GT(observations, 0);

  // The demo data is a transaction whose entries carry ifNoneExist: nothing new the second time.
  ProcessResult second = vigie_on_vault("import", {demo});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_TRUE(contains(second.out, "(0 created, 0 updated")) << second.out;
  EXPECT_EQ(count("Patient"), patients);
  EXPECT_EQ(count("Observation"), observations);

  // A resource with an id, imported twice: one version; changed, a second one.
  const std::string with_id = write_input(
      "org.json", R"({"resourceType":"Organization","id":"labo-1","name":"Labo des Lilas"})");
  ASSERT_EQ(vigie_on_vault("import", {with_id}).exit_code, 0);
  ProcessResult again = vigie_on_vault("import", {with_id});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(contains(again.out, "(0 created, 0 updated, 1 unchanged")) << again.out;
  ProcessResult history = vigie_on_vault("history", {"Organization/labo-1"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_EQ(boost::json::parse(history.out).at("total").as_int64(), 1) << history.out;
  const std::string renamed = write_input(
      "org2.json", R"({"resourceType":"Organization","id":"labo-1","name":"Labo des Lilas Nord"})");
  ProcessResult changed = vigie_on_vault("import", {renamed});
  EXPECT_TRUE(contains(changed.out, "(0 created, 1 updated, 0 unchanged")) << changed.out;

  // ifNoneExist that matches two resources is refused, and nothing of the file is written.
  const std::string twice =
      write_input("twice.json", R"({"resourceType":"Bundle","type":"collection",
    "entry":[{"resource":{"resourceType":"Organization","identifier":[{"system":"urn:s","value":"x"}]}},
             {"resource":{"resourceType":"Organization","identifier":[{"system":"urn:s","value":"x"}]}}]})");
  ASSERT_EQ(vigie_on_vault("import", {twice}).exit_code, 0);
  const int64_t organizations = count("Organization");
  const std::string ambiguous =
      write_input("ambiguous.json", R"({"resourceType":"Bundle","type":"transaction",
    "entry":[{"resource":{"resourceType":"Organization","name":"Z"},
              "request":{"method":"POST","url":"Organization","ifNoneExist":"identifier=urn:s%7Cx"}}]})");
  ProcessResult refused = vigie_on_vault("import", {ambiguous});
  EXPECT_EQ(refused.exit_code, 5) << refused.err;
  EXPECT_TRUE(contains(refused.err, "ifNoneExist")) << refused.err;
  EXPECT_EQ(count("Organization"), organizations);
}

TEST_F(CliNewUserTest, SearchesThatCannotMatchAreUsageErrors) {
  expect_bilingual_error(run({"search"}, {"Patient", "family=le"}), 2, "family", "family:exact");
  expect_bilingual_error(run({"search"}, {"Patient", "gender=F"}), 2, "gender",
                         "male, female, other or unknown");
  expect_bilingual_error(run({"search"}, {"Patient", "nom=Martin"}), 2, "nom",
                         "accepted: _id, _count, _offset, _lastUpdated, _sort, identifier, family");
  ProcessResult exact = run({"search"}, {"Patient", "family:exact=le", "--count-only"});
  EXPECT_EQ(exact.exit_code, 0) << exact.err;
}

TEST_F(CliNewUserTest, EveryErrorHasOneBilingualStyleAndHelpIsFrenchFirst) {
  ProcessResult version = run({"get"}, {"Patient/x", "--version", "0"});
  expect_bilingual_error(version, 2, "« 0 » refusé", "'0' refused; expected a whole number from 1");
  EXPECT_FALSE(contains(version.err, "179769")) << version.err;
  expect_bilingual_error(vigie({"frob"}), 2, "commande inconnue « frob »",
                         "unknown command 'frob'; commands of vigie: init, import");
  expect_bilingual_error(vigie({}), 2, "commande manquante", "missing command after vigie");
  expect_bilingual_error(vigie({"user", "frob"}), 2, "« frob »", "commands of vigie user");
  expect_bilingual_error(vigie({"get", "Patient/x"}), 2, "--vault est obligatoire",
                         "--vault is required; see vigie get --help");
  expect_bilingual_error(run({"get"}, {"Patient/x", "--vualt"}), 2, "option inconnue",
                         "unknown option: --vualt");
  expect_bilingual_error(run({"audit", "log"}, {"--format", "xml"}), 2, "« xml »",
                         "expected table, json or ndjson");
  expect_bilingual_error(run({"demo-data"}, {"--patients", "lots"}), 2, "« lots »",
                         "a whole number from 1 to 1000000");
  // Errors of the core: French first too.
  expect_bilingual_error(run({"get"}, {"Patient/nobody"}), 4, "introuvable", "not found");
  expect_bilingual_error(run({"get"}, {"Patient"}), 2, "attendu TYPE/ID", "expected TYPE/ID");
  expect_bilingual_error(run({"user", "show"}, {"nobody"}), 4, "aucun compte", "no account");

  ProcessResult help = vigie({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(contains(help.out, "Utilisation / Usage")) << help.out;
  EXPECT_TRUE(contains(help.out, "Affiche cette aide / Show this help")) << help.out;
  EXPECT_TRUE(contains(help.out, "Crée un coffre")) << help.out;
  ProcessResult get_help = vigie({"get", "--help"});
  EXPECT_TRUE(contains(get_help.out, "Répertoire du coffre / Vault directory")) << get_help.out;
}

}  // namespace
}  // namespace vigie
