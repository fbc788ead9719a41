#include "config/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "support/temp_dir.hpp"

namespace vigie::config {
namespace {

// `text` is refused with kUsage, French first naming `french`, English naming `english`.
void expect_refused(const std::string& text, const std::string& french,
                    const std::string& english) {
  auto parsed = parse(text);
  ASSERT_FALSE(parsed.has_value()) << text;
  EXPECT_EQ(parsed.error().code, ErrorCode::kUsage) << text;
  EXPECT_NE(parsed.error().french.find(french), std::string::npos)
      << text << " -> " << parsed.error().french;
  EXPECT_NE(parsed.error().message.find(english), std::string::npos)
      << text << " -> " << parsed.error().message;
}

TEST(ConfigParseTest, AnEmptyFileMeansTheDefaults) {
  for (const char* text : {"", "# nothing set\n", "[memory]\n"}) {
    auto parsed = parse(text);
    ASSERT_TRUE(parsed.has_value()) << text << ": " << parsed.error().message;
    EXPECT_EQ(parsed->memory.locked_mib, 8);
    EXPECT_EQ(parsed->memory.locked_bytes(), size_t{8} << 20);
  }
}

TEST(ConfigParseTest, ReadsTheLockedMemoryBudget) {
  for (const auto& [text, mib] : std::vector<std::pair<std::string, int64_t>>{
           {"[memory]\nlocked_mib = 1\n", 1},
           {"[memory]\nlocked_mib = 256 # the most\n", 256},
           {"memory.locked_mib = 16\n", 16},
           {"memory = { locked_mib = 2 }\n", 2},
           {"\xEF\xBB\xBF[memory]\r\nlocked_mib = 0x20\r\n", 32},
       }) {
    auto parsed = parse(text);
    ASSERT_TRUE(parsed.has_value()) << text << ": " << parsed.error().message;
    EXPECT_EQ(parsed->memory.locked_mib, mib) << text;
  }
}

TEST(ConfigParseTest, ABudgetThatIsNotAWholeNumberIsRefused) {
  for (const char* value :
       {"\"8\"", "8.0", "8.5", "true", "[8]", "{ mib = 8 }", "1979-05-27", "inf", "nan"}) {
    expect_refused(std::string("[memory]\nlocked_mib = ") + value + "\n",
                   "ligne 2 : [memory] locked_mib doit être un nombre entier de Mio, de 1 à 256",
                   "line 2: [memory] locked_mib must be a whole number of MiB, from 1 to 256");
  }
}

TEST(ConfigParseTest, ABudgetTooSmallForTheKeysIsRefused) {
  for (const char* value : {"0", "-1", "-9223372036854775808"}) {
    expect_refused(std::string("[memory]\nlocked_mib = ") + value + "\n",
                   std::string("[memory] locked_mib = ") + value + " est trop petit",
                   "is too small: it takes at least 1 MiB to hold the master key");
  }
}

TEST(ConfigParseTest, AnAbsurdBudgetIsRefused) {
  for (const char* value : {"257", "1048576", "9223372036854775807"}) {
    expect_refused(std::string("[memory]\nlocked_mib = ") + value + "\n",
                   std::string("[memory] locked_mib = ") + value + " est trop grand : au plus 256",
                   "is too large: at most 256 (MiB)");
  }
  // Beyond 64 bits TOML itself refuses the number.
  expect_refused("[memory]\nlocked_mib = 99999999999999999999\n", "ligne 2 : syntaxe TOML invalide",
                 "line 2: invalid TOML");
}

TEST(ConfigParseTest, UnknownSectionsAndKeysAreRefusedNotIgnored) {
  expect_refused("[memroy]\nlocked_mib = 8\n",
                 "ligne 1 : section ou clé inconnue « memroy » (seules [memory], [export], "
                 "[retention], [watch] et [alerts] existent)",
                 "line 1: unknown section or key 'memroy' (only [memory], [export], [retention], "
                 "[watch] and [alerts] exist)");
  expect_refused("locked_mib = 8\n", "section ou clé inconnue « locked_mib »",
                 "unknown section or key 'locked_mib'");
  expect_refused("[memory]\nlocked_mib = 8\n\n[server]\nport = 1\n",
                 "ligne 4 : section ou clé inconnue « server »", "line 4: unknown section");
  expect_refused("[memory]\nlocked_mb = 8\n",
                 "ligne 2 : clé inconnue « locked_mb » dans [memory] (seule locked_mib existe)",
                 "line 2: unknown key 'locked_mb' in [memory] (only locked_mib exists)");
  expect_refused("[memory.locked]\nmib = 8\n", "clé inconnue « locked » dans [memory]",
                 "unknown key 'locked' in [memory]");
}

TEST(ConfigRetentionTest, DefaultsAreTheFrenchDurations) {
  auto parsed = parse("");
  ASSERT_TRUE(parsed.has_value());
  const RetentionConfig& retention = parsed->retention;
  EXPECT_TRUE(retention.daily);
  EXPECT_EQ(retention.active_years, 20);
  EXPECT_EQ(retention.inactive_years, 20);
  EXPECT_EQ(retention.deceased_years, 10);
  EXPECT_EQ(retention.minor_until_age, 28);
  EXPECT_TRUE(retention.type_years.empty());
  auto empty_section = parse("[retention]\n");
  ASSERT_TRUE(empty_section.has_value());
  EXPECT_EQ(empty_section->retention, retention);
}

TEST(ConfigRetentionTest, ReadsEveryRule) {
  auto parsed = parse(
      "[memory]\nlocked_mib = 8\n[retention]\ndaily = false\nactive_years = 25\n"
      "inactive_years = 5\ndeceased_years = 12\nminor_until_age = 30\n"
      "[retention.types]\nDiagnosticReport = 30\nObservation = 1\n");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  const RetentionConfig& retention = parsed->retention;
  EXPECT_FALSE(retention.daily);
  EXPECT_EQ(retention.active_years, 25);
  EXPECT_EQ(retention.inactive_years, 5);
  EXPECT_EQ(retention.deceased_years, 12);
  EXPECT_EQ(retention.minor_until_age, 30);
  EXPECT_EQ(retention.type_years, (std::map<std::string, int64_t, std::less<>>{
                                      {"DiagnosticReport", 30}, {"Observation", 1}}));
  auto dotted = parse("retention.types.Observation = 3\n");
  ASSERT_TRUE(dotted.has_value()) << dotted.error().message;
  EXPECT_EQ(dotted->retention.type_years.at("Observation"), 3);
}

TEST(ConfigRetentionTest, BadValuesAreRefused) {
  for (const char* value : {"0", "-20", "101", "\"20\"", "20.5", "true", "[20]"}) {
    expect_refused(std::string("[retention]\nactive_years = ") + value + "\n",
                   "ligne 2 : [retention] active_years doit être un nombre entier d'années, de 1 "
                   "à 100",
                   "line 2: [retention] active_years must be a whole number of years, from 1 to "
                   "100");
  }
  expect_refused("[retention]\nminor_until_age = 17\n",
                 "[retention] minor_until_age doit être un nombre entier d'années, de 18 à 100",
                 "[retention] minor_until_age must be a whole number of years, from 18 to 100");
  expect_refused("[retention]\ndaily = 1\n",
                 "ligne 2 : [retention] daily doit valoir true ou false",
                 "line 2: [retention] daily must be true or false");
  expect_refused("[retention.types]\nObservation = 0\n",
                 "[retention] types.Observation doit être un nombre entier d'années",
                 "[retention] types.Observation must be a whole number of years");
  expect_refused("[retention.types]\nobservation = 3\n",
                 "ligne 2 : [retention.types] « observation » n'est pas un type de ressource FHIR",
                 "line 2: [retention.types] 'observation' is not a FHIR resource type");
  expect_refused("[retention.types]\n\"Obs-1\" = 3\n", "« Obs-1 » n'est pas un type",
                 "'Obs-1' is not a FHIR resource type");
  expect_refused("retention = 20\n", "ligne 1 : « retention » doit être une section [retention]",
                 "line 1: 'retention' must be a [retention] section");
  expect_refused("[retention]\ntypes = 3\n",
                 "« retention.types » doit être une section [retention.types]",
                 "'retention.types' must be a [retention.types] section");
}

TEST(ConfigRetentionTest, AMisspeltKeyIsRefusedNotIgnored) {
  expect_refused("[retention]\nactive_year = 20\n",
                 "ligne 2 : clé inconnue « active_year » dans [retention] (clés : daily, "
                 "active_years, inactive_years, deceased_years, minor_until_age, "
                 "[retention.types])",
                 "line 2: unknown key 'active_year' in [retention] (keys: daily, active_years");
  expect_refused("[retention]\ndeceased = 10\n", "clé inconnue « deceased » dans [retention]",
                 "unknown key 'deceased' in [retention]");
  expect_refused("[retention.type]\nObservation = 3\n", "clé inconnue « type » dans [retention]",
                 "unknown key 'type' in [retention]");
  expect_refused("[retentoin]\nactive_years = 20\n", "section ou clé inconnue « retentoin »",
                 "unknown section or key 'retentoin'");
}

TEST(ConfigParseTest, MemoryMustBeASection) {
  expect_refused("memory = 8\n", "ligne 1 : « memory » doit être une section [memory]",
                 "line 1: 'memory' must be a [memory] section");
  expect_refused("[[memory]]\nlocked_mib = 8\n", "« memory » doit être une section [memory]",
                 "'memory' must be a [memory] section");
}

TEST(ConfigParseTest, MalformedTomlIsRefusedWithItsLine) {
  for (const char* text :
       {"[memory\n", "[memory]\nlocked_mib = \n", "[memory]\nlocked_mib\n", "[memory]\n[memory]\n",
        "[memory]\nlocked_mib = 1\nlocked_mib = 2\n", "[memory]\nlocked_mib = 8 8\n"}) {
    auto parsed = parse(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUsage);
    EXPECT_NE(parsed.error().french.find("syntaxe TOML invalide"), std::string::npos)
        << parsed.error().french;
    EXPECT_NE(parsed.error().message.find("invalid TOML"), std::string::npos);
  }
}

TEST(ConfigParseTest, ATableHeaderWithoutAKeyIsInvalidToml) {
  // Inputs that break a precondition of toml++ 3.3's key parser (found by fuzz_config): its
  // release build, the one vigie links, reports them as errors.
  for (const char* text : {"[=\n", "[[[1]]]\n", "[\x01nmory]\nlocked_mib = 8\n", "[\n", "[",
                           "[[\r\n", "\xEF\xBB\xBF[=\n", "[memory]\nlocked_mib = 8\n  [ [x]]\n"}) {
    auto parsed = parse(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUsage);
    EXPECT_NE(parsed.error().french.find("syntaxe TOML invalide"), std::string::npos);
    EXPECT_NE(parsed.error().message.find("invalid TOML"), std::string::npos);
  }
  // Headers with spaces or a quoted key are still TOML.
  for (const char* text : {" [ memory ]\nlocked_mib = 2\n", "[\"memory\"]\nlocked_mib = 2\n",
                           "\t[ 'memory' ] # the budget\nlocked_mib = 2\n"}) {
    auto parsed = parse(text);
    ASSERT_TRUE(parsed.has_value()) << text << ": " << parsed.error().message;
    EXPECT_EQ(parsed->memory.locked_mib, 2);
  }
}

TEST(ConfigParseTest, NonAsciiIsRefusedOutsideCommentLinesBeforeTomlPlusPlusSeesIt) {
  // Characters that reach undefined behaviour in toml++ 3.3's whitespace tables (found by
  // fuzz_config) where it checks for whitespace or the end of a value.
  for (const char* text :
       {"\xC3\xA9 = 1\n", "[memory]\nlocked_mib = 8 \xC3\xA9\n", "\xEF\xBB\xA6v = 1\n",
        "a = 1979-05-\"7T07 \xEF\xBB\x9F\n", "[memory]\nlocked_mib = 4 # Mio, c'est \xC3\xA7\x61\n",
        "[memory]\nlocked_mib = \"huit Mio, \xC3\xA9\"\n"}) {
    auto parsed = parse(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_NE(parsed.error().message.find("a non-ASCII character outside a comment line"),
              std::string::npos)
        << parsed.error().message;
    EXPECT_NE(parsed.error().french.find("caractère non ASCII hors d'une ligne de commentaire"),
              std::string::npos);
  }
  EXPECT_EQ(parse("# ok\n[memory]\nlocked_mib = 8 \xC3\xA9\n").error().message,
            "line 3: a non-ASCII character outside a comment line");
  // On a comment line of its own, accents are welcome.
  auto commented = parse("# mémoire verrouillée\n[memory]\n  # en Mio, c'est ça\nlocked_mib = 4\n");
  ASSERT_TRUE(commented.has_value()) << commented.error().message;
  EXPECT_EQ(commented->memory.locked_mib, 4);
}

TEST(ConfigParseTest, MessagesShowOnlyPrintableAsciiAndAShortKey) {
  auto parsed = parse("[memory]\n\"cl\\u00e9\\u0007" + std::string(200, 'x') + "\" = 1\n");
  ASSERT_FALSE(parsed.has_value());
  for (const std::string& text : {parsed.error().message}) {
    for (const char character : text) {
      EXPECT_TRUE(character >= 0x20 && character < 0x7f) << text;
    }
    EXPECT_LT(text.size(), 160u) << text;
  }
}

TEST(ConfigCheckTest, RefusesABudgetBuiltInCodeOutOfBounds) {
  EXPECT_TRUE(check({}).has_value());
  EXPECT_TRUE(check({.locked_mib = kMinLockedMib}).has_value());
  EXPECT_TRUE(check({.locked_mib = kMaxLockedMib}).has_value());
  for (int64_t mib : {int64_t{0}, int64_t{-8}, kMaxLockedMib + 1}) {
    auto checked = check({.locked_mib = mib});
    ASSERT_FALSE(checked.has_value()) << mib;
    EXPECT_EQ(checked.error().code, ErrorCode::kUsage);
    EXPECT_EQ(checked.error().message.rfind("[memory] locked_mib = " + std::to_string(mib), 0), 0u);
    EXPECT_EQ(checked.error().french.rfind("[memory] locked_mib = " + std::to_string(mib), 0), 0u);
  }
}

TEST(ConfigLoadTest, NoFileMeansTheDefaults) {
  testing::TempDir dir;
  auto loaded = load(dir.path());
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(loaded->memory.locked_mib, kDefaultLockedMib);
  // A vault directory that does not exist yet (vigie init creates it) has no file either.
  auto absent = load(dir / "not-yet");
  ASSERT_TRUE(absent.has_value()) << absent.error().message;
}

TEST(ConfigLoadTest, ReadsTheFileOfTheVaultDirectory) {
  testing::TempDir dir;
  testing::write_file(dir / "vigie.toml", "[memory]\nlocked_mib = 3\n");
  auto loaded = load(dir.path());
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(loaded->memory.locked_mib, 3);
}

TEST(ConfigLoadTest, ErrorsNameTheFile) {
  testing::TempDir dir;
  const std::string path = (dir / "vigie.toml").string();
  testing::write_file(path, "[memory]\nlocked_mib = 0\n");
  auto refused = load(dir.path());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUsage);
  EXPECT_EQ(refused.error().french.rfind(path + ", ligne 2 : [memory] locked_mib = 0", 0), 0u)
      << refused.error().french;
  EXPECT_EQ(refused.error().message.rfind(path + ", line 2: [memory] locked_mib = 0", 0), 0u)
      << refused.error().message;
}

TEST(ConfigLoadTest, AFileTooLargeOrNotAFileIsRefused) {
  testing::TempDir dir;
  testing::write_file(dir / "vigie.toml", std::string(kMaxFileBytes + 1, '#'));
  auto too_large = load(dir.path());
  ASSERT_FALSE(too_large.has_value());
  EXPECT_NE(too_large.error().french.find("fichier trop grand (au plus 64 Kio)"),
            std::string::npos);
  EXPECT_NE(too_large.error().message.find("file too large (at most 64 KiB)"), std::string::npos);

  testing::TempDir other;
  std::filesystem::create_directory(other / "vigie.toml");
  auto directory = load(other.path());
  ASSERT_FALSE(directory.has_value());
  EXPECT_EQ(directory.error().code, ErrorCode::kUsage);
  EXPECT_NE(directory.error().message.find("not a readable file"), std::string::npos);
}

TEST(ConfigHintTest, NamesTheSettingThatLowersTheNeedInBothLanguages) {
  const Error hinted = with_lower_memory_hint(Error{ErrorCode::kInternal, "cannot lock", "bloqué"});
  EXPECT_EQ(hinted.code, ErrorCode::kInternal);
  EXPECT_EQ(hinted.message,
            "cannot lock; or lower [memory] locked_mib in vigie.toml in the vault directory "
            "(default 8 MiB)");
  EXPECT_EQ(hinted.french,
            "bloqué ; ou baissez [memory] locked_mib dans le fichier vigie.toml du répertoire du "
            "coffre (8 Mio par défaut)");
}

TEST(ConfigAlertsTest, TheDefaultIsTheLogSinkAloneWithRetriesFrom30SecondsToAnHour) {
  auto parsed = parse("");
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->alerts.log);
  EXPECT_TRUE(parsed->alerts.webhook_url.empty());
  EXPECT_TRUE(parsed->alerts.smtp_url.empty());
  EXPECT_EQ(parsed->alerts.retry_first_seconds, 30);
  EXPECT_EQ(parsed->alerts.retry_max_seconds, 3600);
}

TEST(ConfigAlertsTest, ReadsEverySink) {
  auto parsed = parse(
      "[alerts]\nlog = false\nwebhook_url = \"https://supervision.example.fr/vigie\"\n"
      "webhook_secret_file = \"/etc/vigie/webhook.key\"\nsmtp_url = \"smtps://mail.example.fr\"\n"
      "smtp_from = \"vigie@example.fr\"\nsmtp_to = [\"dpo@example.fr\", \"it@example.fr\"]\n"
      "smtp_credentials_file = \"/etc/vigie/smtp\"\nretry_first_seconds = 5\n"
      "retry_max_seconds = 600\nca_file = \"/etc/vigie/ca.pem\"\n");
  ASSERT_TRUE(parsed) << parsed.error().message;
  const AlertsConfig& alerts = parsed->alerts;
  EXPECT_FALSE(alerts.log);
  EXPECT_EQ(alerts.webhook_url, "https://supervision.example.fr/vigie");
  EXPECT_EQ(alerts.webhook_secret_file, "/etc/vigie/webhook.key");
  EXPECT_EQ(alerts.smtp_url, "smtps://mail.example.fr");
  EXPECT_EQ(alerts.smtp_to, (std::vector<std::string>{"dpo@example.fr", "it@example.fr"}));
  EXPECT_EQ(alerts.smtp_credentials_file, "/etc/vigie/smtp");
  EXPECT_EQ(alerts.retry_first_seconds, 5);
  EXPECT_EQ(alerts.retry_max_seconds, 600);
  EXPECT_EQ(alerts.ca_file, "/etc/vigie/ca.pem");
}

TEST(ConfigAlertsTest, RefusesPlainWebhooksRelativeFilesAndBadRetries) {
  expect_refused("[alerts]\nwebhook_url = \"http://x.example.fr\"\n", "https://", "https://");
  expect_refused("[alerts]\nsmtp_url = \"ftp://x\"\n", "smtps://", "smtps://");
  expect_refused("[alerts]\nsmtp_url = \"smtps://x\"\n", "smtp_from", "smtp_from");
  expect_refused("[alerts]\nwebhook_secret_file = \"key\"\n", "absolu", "absolute");
  expect_refused("[alerts]\nretry_first_seconds = 0\n", "de 1 à", "from 1 to");
  expect_refused("[alerts]\nretry_first_seconds = 60\nretry_max_seconds = 30\n", "au moins",
                 "at least");
  expect_refused("[alerts]\nwebhook = \"https://x\"\n", "clé inconnue « webhook »",
                 "unknown key 'webhook'");
  expect_refused("[alerts]\nsmtp_to = []\n", "non vide", "non-empty");
  expect_refused("[alerts]\nlog = 1\n", "true ou false", "true or false");
  expect_refused("[alerts]\nca_file = \"ca.pem\"\n", "absolu", "absolute");
}

TEST(ConfigAlertsTest, RefusesAnAddressThatCouldInjectAMailHeader) {
  const std::string sink = "[alerts]\nsmtp_url = \"smtps://mail.example.fr\"\n";
  for (const std::string& addresses :
       {std::string("smtp_from = \"vigie@example.fr\\r\\nBcc: x@evil.example\"\nsmtp_to = "
                    "[\"dpo@example.fr\"]\n"),
        std::string("smtp_from = \"vigie@example.fr\"\nsmtp_to = [\"dpo@example.fr> <x@evil\"]\n"),
        std::string("smtp_from = \"vigie\"\nsmtp_to = [\"dpo@example.fr\"]\n")}) {
    expect_refused(sink + addresses, "adresse électronique", "e-mail address");
  }
}

}  // namespace
}  // namespace vigie::config

TEST(ConfigParseTest, TheExportSectionSetsTheApprovalThreshold) {
  auto config = vigie::config::parse("[export]\napproval_patients = 25\n");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->exports.approval_patients, 25);
  auto defaults = vigie::config::parse("");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->exports.approval_patients, vigie::config::kDefaultApprovalPatients);
  EXPECT_FALSE(vigie::config::parse("[export]\napproval_patients = -1\n"));
  EXPECT_FALSE(vigie::config::parse("[export]\napproval = 1\n"));
}
