// Account administration through the real binary: `vigie user ...`, `vigie token ...`,
// `vigie assign`/`unassign` and the session settings of `vigie init`. What a person needs to sign
// in is printed once, in a fixed shape scripts can read; the audit log records every change and
// never a secret.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "audit/query.hpp"
#include "cli/account_commands.hpp"
#include "cli_fixture.hpp"
#include "common/clock.hpp"
#include "demo/demo_data.hpp"
#include "fhir/json.hpp"
#include "support/vault_contents.hpp"

namespace vigie {
namespace {

using testing::contains;

using testing::CliTest;
using testing::ProcessResult;

constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;
constexpr const char* kRpps = "10001234567";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    lines.push_back(line);
  }
  return lines;
}

// What `user add` or `reset-password` printed for a person.
struct Printed {
  std::string password;  // empty when no `Temporary password: ` line
  std::string uri;       // the otpauth line, if any
  std::vector<std::string> codes;
  size_t password_lines = 0;
};

Printed parse_enrolment(const std::string& out) {
  static const std::regex kCode("[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}");
  static const std::string kPasswordPrefix = "Temporary password: ";
  Printed printed;
  const std::vector<std::string> lines = lines_of(out);
  for (const std::string& line : lines) {
    if (line.starts_with(kPasswordPrefix)) {
      ++printed.password_lines;
      printed.password = line.substr(kPasswordPrefix.size());
    } else if (line.starts_with("otpauth://") && printed.uri.empty()) {
      printed.uri = line;
    } else if (std::regex_match(line, kCode)) {
      printed.codes.push_back(line);
    }
  }
  return printed;
}

std::string without_hyphens(std::string text) {
  std::erase(text, '-');
  return text;
}

std::string hex_of(const std::string& text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : text) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 0x0f];
  }
  return hex;
}

class CliAccountTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    init_vault();
  }

  ProcessResult add_user(const std::string& login, const std::string& role,
                         const std::string& rpps = "") {
    std::vector<std::string> args{"--login", login, "--name", "Dr " + login, "--role", role};
    if (!rpps.empty()) {
      args.insert(args.end(), {"--rpps", rpps});
    }
    return run({"user", "add"}, args);
  }

  std::string status_of(const std::string& login) {
    ProcessResult shown = run({"user", "show"}, {login});
    EXPECT_EQ(shown.exit_code, 0) << shown.err;
    for (const std::string& line : lines_of(shown.out)) {
      if (line.starts_with("Statut (status):")) {
        return line.substr(line.find_last_of(' ') + 1);
      }
    }
    return "";
  }

  // Imports one synthetic patient and returns its id.
  std::string import_patient() {
    demo::DemoOptions options;
    options.patients = 1;
    options.seed = 5;
    const std::string bundle =
        write_input("demo.json", fhir::to_json_text(demo::generate_bundle(options)));
    ProcessResult imported = vigie_on_vault("import", {bundle});
    EXPECT_EQ(imported.exit_code, 0) << imported.err;
    ProcessResult searched = vigie_on_vault("search", {"Patient"});
    EXPECT_EQ(searched.exit_code, 0) << searched.err;
    return std::string(
        boost::json::parse(searched.out).at("entry").at(0).at("resource").at("id").as_string());
  }
};

TEST(DurationTest, ParsesCountAndUnit) {
  EXPECT_EQ(cli::parse_duration_ms("15m", "mh"), 15 * 60 * 1000);
  EXPECT_EQ(cli::parse_duration_ms("12h", "mh"), 12LL * 60 * 60 * 1000);
  EXPECT_EQ(cli::parse_duration_ms("2w", "hdwy"), 14 * kDayMs);
  EXPECT_EQ(cli::parse_duration_ms("1y", "hdwy"), 365 * kDayMs);
  for (const char* bad : {"", "m", "15", "0m", "-5m", "+5m", "1.5h", "15 m", "15M", "15d", "h15",
                          "99999999999999999999m", "9223372036854775807h"}) {
    auto parsed = cli::parse_duration_ms(bad, "mh");
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUsage) << bad;
  }
}

TEST(DurationTest, ExpiryIsADurationFromNowOrATime) {
  const int64_t now = 1'700'000'000'000;
  EXPECT_EQ(cli::parse_expiry_ms("90d", now), now + 90 * kDayMs);
  EXPECT_EQ(cli::parse_expiry_ms("48h", now), now + 2 * kDayMs);
  EXPECT_EQ(cli::parse_expiry_ms("1y", now), now + 365 * kDayMs);
  EXPECT_EQ(cli::parse_expiry_ms("2026-03-05", now), *audit::parse_time("2026-03-05", false));
  EXPECT_EQ(cli::parse_expiry_ms("2026-03-05T10:15:30Z", now),
            *audit::parse_time("2026-03-05T10:15:30Z", false));
  for (const char* bad : {"", "soon", "90", "90m", "0d", "2026-13-01", "1000000000000000y"}) {
    auto parsed = cli::parse_expiry_ms(bad, now);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUsage) << bad;
  }
}

TEST_F(CliAccountTest, UserAddPrintsAOneTimePasswordAndNoSecondFactor) {
  ProcessResult added = add_user("alice", "practitioner", kRpps);
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const Printed printed = parse_enrolment(added.out);
  EXPECT_EQ(printed.password_lines, 1u);
  EXPECT_GE(printed.password.size(), 12u);
  // The person enrols their own second factor: whoever created the account never sees it.
  EXPECT_EQ(printed.uri, "") << added.out;
  EXPECT_TRUE(printed.codes.empty()) << added.out;
  EXPECT_FALSE(contains(added.out, "otpauth://"));
  // French first: the first line is the header, not a secret.
  EXPECT_TRUE(lines_of(added.out).front().starts_with("Compte alice créé")) << added.out;
  EXPECT_TRUE(contains(added.out, "vigie user enrol alice")) << added.out;
  EXPECT_TRUE(contains(added.out, "shown once"));
  // Not a terminal: no QR code.
  EXPECT_FALSE(contains(added.out, "\xe2\x96\x80")) << "upper half block";
  EXPECT_FALSE(contains(added.out, "\xe2\x96\x88")) << "full block";
  EXPECT_FALSE(contains(added.out, "\x1b[")) << "ANSI colours";
  EXPECT_EQ(added.err, "");

  // The same login again: exit 5, nothing printed on standard output.
  ProcessResult again = add_user("alice", "assistant");
  EXPECT_EQ(again.exit_code, 5) << again.err;
  EXPECT_EQ(again.out, "");
  EXPECT_TRUE(contains(again.err, "this login exists already")) << again.err;

  // A service gets no secret, only the way to get a token.
  ProcessResult service = add_user("lab-import", "service");
  ASSERT_EQ(service.exit_code, 0) << service.err;
  EXPECT_TRUE(contains(service.out, "vigie token create")) << service.out;
  EXPECT_FALSE(contains(service.out, "Temporary password"));
  EXPECT_FALSE(contains(service.out, "otpauth://"));
}

TEST_F(CliAccountTest, UserAddRefusesBadRoleLoginNameAndRppsWithExit2) {
  struct Case {
    std::vector<std::string> args;
    std::string message;  // part of the error, "" for CLI11's own
  };
  const std::vector<Case> cases{
      {{"--login", "bob", "--name", "Bob", "--role", "doctor"}, "--role"},
      {{"--login", "bob", "--name", "Bob", "--role", ""}, "--role"},
      {{"--login", "Bob", "--name", "Bob", "--role", "admin"}, "a login is 2 to 64"},
      {{"--login", "b", "--name", "Bob", "--role", "admin"}, "a login is 2 to 64"},
      {{"--login", "9bob", "--name", "Bob", "--role", "admin"}, "a login is 2 to 64"},
      {{"--login", "bob smith", "--name", "Bob", "--role", "admin"}, "a login is 2 to 64"},
      {{"--login", "bob", "--name", "", "--role", "admin"}, "display name"},
      {{"--login", "bob", "--name", "Bob\x1b[2J", "--role", "admin"}, "display name"},
      {{"--login", "bob", "--name", "Bob", "--role", "practitioner", "--rpps", "123"}, "RPPS"},
      {{"--login", "bob", "--name", "Bob", "--role", "practitioner", "--rpps", "1000123456a"},
       "RPPS"},
      {{"--login", "bob", "--name", "Bob", "--role", "service", "--rpps", kRpps}, "RPPS"},
      {{"--name", "Bob", "--role", "admin"}, ""},
      {{"--login", "bob", "--role", "admin"}, ""},
      {{"--login", "bob", "--name", "Bob"}, ""},
  };
  for (const Case& bad : cases) {
    ProcessResult result = run({"user", "add"}, bad.args);
    EXPECT_EQ(result.exit_code, 2) << ::testing::PrintToString(bad.args) << result.err;
    EXPECT_EQ(result.out, "") << ::testing::PrintToString(bad.args);
    EXPECT_TRUE(contains(result.err, bad.message)) << result.err;
  }
  ProcessResult list = run({"user", "list"}, {});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out, "Aucun compte (no account).\n");
}

TEST_F(CliAccountTest, ListShowAndStatusChanges) {
  ASSERT_EQ(add_user("alice", "practitioner", kRpps).exit_code, 0);
  ASSERT_EQ(add_user("lab-import", "service").exit_code, 0);

  ProcessResult list = run({"user", "list"}, {});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const std::vector<std::string> lines = lines_of(list.out);
  ASSERT_EQ(lines.size(), 3u) << list.out;
  for (const char* column : {"LOGIN", "NAME", "ROLE", "RPPS", "STATUS", "CREATED", "LAST USED"}) {
    EXPECT_TRUE(contains(lines[0], column)) << column;
  }
  const std::regex alice_row(
      "alice +Dr alice +practitioner +10001234567 +active +"
      "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z +-");
  EXPECT_TRUE(std::regex_match(lines[1], alice_row)) << lines[1];
  const std::regex service_row("lab-import +Dr lab-import +service +- +active +\\S+Z +-");
  EXPECT_TRUE(std::regex_match(lines[2], service_row)) << lines[2];

  ProcessResult shown = run({"user", "show"}, {"alice"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  for (const char* expected :
       {"Identifiant (login):", "alice", "Nom (name):", "Dr alice", "Rôle (role):", "practitioner",
        "RPPS:", kRpps, "Statut (status):", "active",
        "Mot de passe temporaire (temporary password):", "oui (yes)",
        "Échecs de connexion (failed logins):",
        "Codes de secours inutilisés (unused recovery "
        "codes):",
        "Créé (created):", "Dernière utilisation (last used):"}) {
    EXPECT_TRUE(contains(shown.out, expected)) << expected << "\n" << shown.out;
  }
  const std::vector<std::string> show_lines = lines_of(shown.out);
  EXPECT_EQ(show_lines.size(), 10u);
  EXPECT_TRUE(std::regex_match(show_lines[6], std::regex(".*failed logins\\): +0")))
      << show_lines[6];
  EXPECT_TRUE(std::regex_match(show_lines[7], std::regex(".*recovery codes\\): +0")))
      << show_lines[7];
  EXPECT_TRUE(std::regex_match(show_lines[9], std::regex(".*last used\\): +-"))) << show_lines[9];

  ProcessResult service = run({"user", "show"}, {"lab-import"});
  ASSERT_EQ(service.exit_code, 0) << service.err;
  EXPECT_TRUE(contains(service.out, "non (no)"));

  EXPECT_EQ(status_of("alice"), "active");
  ProcessResult locked = run({"user", "lock"}, {"alice"});
  EXPECT_EQ(locked.exit_code, 0) << locked.err;
  EXPECT_TRUE(contains(locked.out, "(account locked)")) << locked.out;
  EXPECT_EQ(status_of("alice"), "locked");
  EXPECT_EQ(run({"user", "unlock"}, {"alice"}).exit_code, 0);
  EXPECT_EQ(status_of("alice"), "active");
  EXPECT_EQ(run({"user", "disable"}, {"alice"}).exit_code, 0);
  EXPECT_EQ(status_of("alice"), "disabled");
  EXPECT_EQ(status_of("lab-import"), "active");

  for (const char* command : {"show", "lock", "unlock", "disable", "reset-password", "reset-otp"}) {
    ProcessResult unknown = run({"user", command}, {"nobody"});
    EXPECT_EQ(unknown.exit_code, 4) << command << ": " << unknown.err;
    ProcessResult malformed = run({"user", command}, {"No Body"});
    EXPECT_EQ(malformed.exit_code, 2) << command << ": " << malformed.err;
    EXPECT_EQ(run({"user", command}, {}).exit_code, 2) << command;
  }
}

TEST_F(CliAccountTest, ResetsHandOverAOneTimePasswordAtMostAndNeverASecondFactor) {
  ProcessResult added = add_user("alice", "practitioner");
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const Printed first = parse_enrolment(added.out);

  ProcessResult reset = run({"user", "reset-password"}, {"alice"});
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  const Printed second = parse_enrolment(reset.out);
  EXPECT_EQ(second.password_lines, 1u) << reset.out;
  EXPECT_FALSE(second.password.empty());
  EXPECT_NE(second.password, first.password);
  EXPECT_TRUE(second.codes.empty());
  EXPECT_FALSE(contains(reset.out, "otpauth://"));
  EXPECT_TRUE(contains(reset.out, "supervision")) << reset.out;

  ProcessResult otp = run({"user", "reset-otp"}, {"alice"});
  ASSERT_EQ(otp.exit_code, 0) << otp.err;
  const Printed third = parse_enrolment(otp.out);
  EXPECT_EQ(third.password_lines, 0u);
  EXPECT_EQ(third.uri, "");
  EXPECT_TRUE(third.codes.empty());
  EXPECT_TRUE(contains(otp.out, "vigie user enrol alice")) << otp.out;
  EXPECT_TRUE(contains(otp.out, "supervision")) << otp.out;

  // Enrolment is the person's, at a terminal: refused without one.
  ProcessResult enrol = run({"user", "enrol"}, {"alice"});
  EXPECT_EQ(enrol.exit_code, 2) << enrol.err;
  EXPECT_TRUE(contains(enrol.err, "by the person themselves")) << enrol.err;

  // A service has neither password nor second factor.
  ASSERT_EQ(add_user("lab-import", "service").exit_code, 0);
  EXPECT_EQ(run({"user", "reset-password"}, {"lab-import"}).exit_code, 2);
  EXPECT_EQ(run({"user", "reset-otp"}, {"lab-import"}).exit_code, 2);
}

TEST_F(CliAccountTest, TokenCreatePrintsTheTokenAloneOnTheLastLine) {
  ASSERT_EQ(add_user("lab-import", "service").exit_code, 0);
  ProcessResult created =
      run({"token", "create"}, {"--login", "lab-import", "--scope", "system/Observation.cr",
                                "--scope", "system/Patient.rs", "--expires", "90d"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::vector<std::string> lines = lines_of(created.out);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_TRUE(lines.back().starts_with("vgt_")) << created.out;
  EXPECT_EQ(lines.back().find(' '), std::string::npos);
  EXPECT_TRUE(lines.front().starts_with("Jeton tok-")) << created.out;
  const std::string token_id = lines.front().substr(6, lines.front().find(' ', 6) - 6);

  // --expires as a date and as the longest duration; addresses the token is bound to.
  const std::string date = audit::format_time(system_clock().now_ms() + 30 * kDayMs).substr(0, 10);
  ProcessResult dated =
      run({"token", "create"}, {"--login", "lab-import", "--scope", "system/*.r", "--expires", date,
                                "--allow-address", "192.0.2.7", "--allow-address", "2001:db8::1"});
  ASSERT_EQ(dated.exit_code, 0) << dated.err;
  EXPECT_TRUE(contains(dated.out, date + "T00:00:00.000Z")) << dated.out;
  ProcessResult year = run({"token", "create"},
                           {"--login", "lab-import", "--scope", "system/*.r", "--expires", "1y"});
  EXPECT_EQ(year.exit_code, 0) << year.err;
  EXPECT_NE(lines_of(year.out).back(), lines.back());

  // (A person's account gets no token: see AuditLogRecordsEveryChangeAndNoSecret.)
  struct Case {
    std::vector<std::string> args;
    int exit_code;
  };
  const std::vector<Case> cases{
      {{"--login", "lab-import", "--scope", "system/Patient.r", "--expires", "400d"}, 2},
      {{"--login", "lab-import", "--scope", "system/Patient.r", "--expires", "53w"}, 2},
      {{"--login", "lab-import", "--scope", "system/Patient.r", "--expires", "2020-01-01"}, 2},
      {{"--login", "lab-import", "--scope", "system/Patient.r", "--expires", "soon"}, 2},
      {{"--login", "lab-import", "--scope", "system/Patient.r", "--expires", "0d"}, 2},
      {{"--login", "lab-import", "--scope", "user/Patient.r", "--expires", "90d"}, 2},
      {{"--login", "lab-import", "--scope", "patient/Patient.r", "--expires", "90d"}, 2},
      {{"--login", "lab-import", "--scope", "system/Patient.reed", "--expires", "90d"}, 2},
      {{"--login", "lab-import", "--scope", "system/Patient.r", "--expires", "90d",
        "--allow-address", "example.org"},
       2},
      {{"--login", "lab-import", "--expires", "90d"}, 2},
      {{"--login", "lab-import", "--scope", "system/Patient.r"}, 2},
      {{"--login", "Lab", "--scope", "system/Patient.r", "--expires", "90d"}, 2},
      {{"--login", "nobody", "--scope", "system/Patient.r", "--expires", "90d"}, 4},
  };
  for (const Case& bad : cases) {
    ProcessResult result = run({"token", "create"}, bad.args);
    EXPECT_EQ(result.exit_code, bad.exit_code)
        << ::testing::PrintToString(bad.args) << ": " << result.err;
    EXPECT_EQ(result.out, "") << ::testing::PrintToString(bad.args);
  }

  ProcessResult revoked = run({"token", "revoke"}, {token_id});
  EXPECT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_TRUE(contains(revoked.out, token_id)) << revoked.out;
  ProcessResult unknown = run({"token", "revoke"}, {"tok-0000000000000000"});
  EXPECT_EQ(unknown.exit_code, 4) << unknown.err;
  EXPECT_EQ(run({"token", "revoke"}, {}).exit_code, 2);

  // A disabled service gets no new token.
  ASSERT_EQ(run({"user", "disable"}, {"lab-import"}).exit_code, 0);
  EXPECT_EQ(run({"token", "create"},
                {"--login", "lab-import", "--scope", "system/Patient.r", "--expires", "90d"})
                .exit_code,
            2);
}

TEST_F(CliAccountTest, AssignAndUnassignAPractitioner) {
  const std::string patient = "Patient/" + import_patient();
  ASSERT_EQ(add_user("alice", "practitioner", kRpps).exit_code, 0);
  ASSERT_EQ(add_user("lab-import", "service").exit_code, 0);

  EXPECT_EQ(run({"assign"}, {"--login", "alice", "Patient/no-such-patient"}).exit_code, 4);
  EXPECT_EQ(run({"assign"}, {"--login", "lab-import", patient}).exit_code, 2);
  EXPECT_EQ(run({"assign"}, {"--login", "nobody", patient}).exit_code, 4);
  for (const char* bad : {"Observation/123", "Patient", "Patient/", "/123", "Patient/1/2"}) {
    EXPECT_EQ(run({"assign"}, {"--login", "alice", bad}).exit_code, 2) << bad;
    EXPECT_EQ(run({"unassign"}, {"--login", "alice", bad}).exit_code, 2) << bad;
  }
  EXPECT_EQ(run({"assign"}, {patient}).exit_code, 2);
  EXPECT_EQ(run({"assign"}, {"--login", "alice"}).exit_code, 2);

  ProcessResult assigned = run({"assign"}, {"--login", "alice", patient});
  EXPECT_EQ(assigned.exit_code, 0) << assigned.err;
  EXPECT_TRUE(contains(assigned.out, patient)) << assigned.out;
  ProcessResult unassigned = run({"unassign"}, {"--login", "alice", patient});
  EXPECT_EQ(unassigned.exit_code, 0) << unassigned.err;
  ProcessResult again = run({"unassign"}, {"--login", "alice", patient});
  EXPECT_EQ(again.exit_code, 4) << again.err;
}

TEST_F(CliAccountTest, WrongPassphraseExits3AndChangesNoAccount) {
  const std::string wrong = write_input("wrong", "pas la bonne phrase de passe\n");
  ProcessResult list = vigie({"user", "list", "--vault", vault(), "--passphrase-file", wrong});
  EXPECT_EQ(list.exit_code, 3) << list.err;
  EXPECT_EQ(list.out, "");
  ProcessResult add = vigie({"user", "add", "--vault", vault(), "--passphrase-file", wrong,
                             "--login", "alice", "--name", "Alice", "--role", "admin"});
  EXPECT_EQ(add.exit_code, 3) << add.err;
  EXPECT_EQ(add.out, "");
  // The right passphrase opens it, and there is still no account.
  ProcessResult right =
      vigie({"user", "list", "--vault", vault(), "--passphrase-file", passphrase_file()});
  EXPECT_EQ(right.exit_code, 0) << right.err;
  EXPECT_EQ(right.out, "Aucun compte (no account).\n");
}

TEST_F(CliAccountTest, AuditLogRecordsEveryChangeAndNoSecret) {
  const std::string patient_id = import_patient();
  ProcessResult added = add_user("alice", "practitioner", kRpps);
  ASSERT_EQ(added.exit_code, 0) << added.err;
  ASSERT_EQ(add_user("lab-import", "service").exit_code, 0);
  ASSERT_EQ(run({"user", "list"}, {}).exit_code, 0);
  ASSERT_EQ(run({"user", "show"}, {"alice"}).exit_code, 0);
  ASSERT_EQ(run({"user", "lock"}, {"alice"}).exit_code, 0);
  ASSERT_EQ(run({"user", "unlock"}, {"alice"}).exit_code, 0);
  ProcessResult reset = run({"user", "reset-password"}, {"alice"});
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  ProcessResult token = run({"token", "create"}, {"--login", "lab-import", "--scope",
                                                  "system/Patient.r", "--expires", "7d"});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  const std::string token_line = lines_of(token.out).front();
  const std::string token_id = token_line.substr(6, token_line.find(' ', 6) - 6);
  ASSERT_EQ(run({"token", "revoke"}, {token_id}).exit_code, 0);
  ProcessResult again = run({"token", "revoke"}, {token_id});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(contains(again.out, "already revoked")) << again.out;
  // Tokens are for services: a person's account gets none (exit 2), and the refusal is logged.
  ProcessResult person_token = run(
      {"token", "create"}, {"--login", "alice", "--scope", "system/Patient.r", "--expires", "7d"});
  EXPECT_EQ(person_token.exit_code, 2) << person_token.err;
  EXPECT_TRUE(contains(person_token.err, "API tokens are for service accounts"))
      << person_token.err;
  ASSERT_EQ(run({"assign"}, {"--login", "alice", "Patient/" + patient_id}).exit_code, 0);
  ASSERT_EQ(run({"unassign"}, {"--login", "alice", "Patient/" + patient_id}).exit_code, 0);
  ASSERT_EQ(run({"user", "disable"}, {"alice"}).exit_code, 0);
  ASSERT_EQ(add_user("alice", "admin").exit_code, 5);

  ProcessResult log = run({"audit", "log"}, {"--format", "json", "--action", "account-change"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  std::vector<std::string> changes;
  const boost::json::value entries = boost::json::parse(log.out);
  for (const boost::json::value& entry : entries.as_array()) {
    const std::string purpose(entry.at("purpose").as_string());
    const std::string outcome(entry.at("outcome").as_string());
    changes.push_back(purpose + (outcome == "success" ? "" : ":" + outcome));
  }
  const std::vector<std::string> expected{"add",
                                          "add",
                                          "lock",
                                          "unlock",
                                          "reset-password",
                                          "token-create",
                                          "revoke",
                                          "revoke",
                                          "token-create:failed",
                                          "assign",
                                          "unassign (cli)",
                                          "disable",
                                          "add:failed"};
  EXPECT_EQ(changes, expected) << log.out;
  ProcessResult reads = run({"audit", "log"}, {"--format", "json", "--action", "account-read"});
  ASSERT_EQ(reads.exit_code, 0) << reads.err;
  EXPECT_EQ(boost::json::parse(reads.out).as_array().size(), 2U) << reads.out;

  // No secret anywhere in the log, in any form.
  const Printed enrolment = parse_enrolment(added.out);
  const Printed new_password = parse_enrolment(reset.out);
  const std::string token_secret = lines_of(token.out).back();
  ASSERT_TRUE(token_secret.starts_with("vgt_"));
  std::vector<std::string> secrets{enrolment.password, new_password.password, token_secret,
                                   token_secret.substr(4)};
  secrets.push_back(without_hyphens(enrolment.password));
  ProcessResult whole = run({"audit", "log"}, {"--format", "json"});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const std::string raw_log =
      testing::query_rows(std::filesystem::path(vault()) / "audit.db", "SELECT * FROM audit_log");
  ASSERT_NE(raw_log.find('|'), std::string::npos) << raw_log;
  for (const std::string& secret : secrets) {
    ASSERT_GE(secret.size(), 12u);
    EXPECT_FALSE(contains(whole.out, secret)) << "a secret is in the audit log";
    EXPECT_FALSE(contains(raw_log, hex_of(secret))) << "a secret is in the audit table";
  }
}

TEST_F(CliAccountTest, InitStoresTheSessionTimeouts) {
  const auto setting = [&](const std::string& dir, const std::string& key) {
    return testing::query_rows(std::filesystem::path(dir) / "vault.db",
                               "SELECT value FROM meta WHERE key = '" + key + "'");
  };
  // The fixture's vault has the defaults: 15 minutes, 12 hours.
  EXPECT_EQ(setting(vault(), "auth.session_idle_ms"), hex_of("900000") + "|\n");
  EXPECT_EQ(setting(vault(), "auth.session_lifetime_ms"), hex_of("43200000") + "|\n");

  const std::string other = (dir_ / "other").string();
  ProcessResult init = vigie({"init", "--vault", other, "--key-file", (dir_ / "other.key").string(),
                              "--passphrase-file", passphrase_file(), "--session-idle", "30m",
                              "--session-lifetime", "8h"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_EQ(setting(other, "auth.session_idle_ms"), hex_of("1800000") + "|\n");
  EXPECT_EQ(setting(other, "auth.session_lifetime_ms"), hex_of("28800000") + "|\n");

  for (const auto& [flag, value] :
       std::vector<std::pair<std::string, std::string>>{{"--session-idle", "15"},
                                                        {"--session-idle", "0m"},
                                                        {"--session-idle", "1d"},
                                                        {"--session-lifetime", "12"},
                                                        {"--session-lifetime", "1w"}}) {
    const std::string dir = (dir_ / "refused").string();
    ProcessResult refused =
        vigie({"init", "--vault", dir, "--passphrase-file", passphrase_file(), flag, value});
    EXPECT_EQ(refused.exit_code, 2) << flag << " " << value << ": " << refused.err;
    EXPECT_TRUE(contains(refused.err, flag)) << refused.err;
    EXPECT_FALSE(std::filesystem::exists(dir)) << flag << " " << value;
  }
}

}  // namespace
}  // namespace vigie
