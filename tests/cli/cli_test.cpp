#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "cli_fixture.hpp"
#include "demo/demo_data.hpp"
#include "fhir/json.hpp"

namespace vigie {
namespace {

using testing::CliTest;
using testing::ProcessResult;

std::string demo_bundle_text(size_t patients, uint64_t seed) {
  demo::DemoOptions options;
  options.patients = patients;
  options.seed = seed;
  return fhir::to_json_text(demo::generate_bundle(options));
}

std::string first_patient_id(const std::string& searchset) {
  auto bundle = boost::json::parse(searchset).as_object();
  return std::string(bundle.at("entry").at(0).at("resource").at("id").as_string());
}

TEST_F(CliTest, HelpAndUsageErrors) {
  EXPECT_EQ(vigie({"--help"}).exit_code, 0);
  EXPECT_EQ(vigie({}).exit_code, 2);
  EXPECT_EQ(vigie({"no-such-command"}).exit_code, 2);
  EXPECT_EQ(vigie({"get", "--vault", vault()}).exit_code, 2);
}

TEST_F(CliTest, InitRefusesShortPassphraseMissingSourceAndExistingVault) {
  const std::string short_file = write_input("short", "too short\n");
  ProcessResult too_short = vigie({"init", "--vault", vault(), "--passphrase-file", short_file});
  EXPECT_EQ(too_short.exit_code, 5);
  EXPECT_NE(too_short.err.find("12 characters"), std::string::npos) << too_short.err;
  EXPECT_FALSE(std::filesystem::exists(vault()));

  ProcessResult no_source = vigie({"init", "--vault", vault()}, {{"VIGIE_PASSPHRASE_FILE", ""}});
  EXPECT_EQ(no_source.exit_code, 2);
  EXPECT_NE(no_source.err.find("--passphrase-file"), std::string::npos);

  EXPECT_EQ(
      vigie({"init", "--vault", vault()}, {{"VIGIE_PASSPHRASE_FILE", passphrase_file()}}).exit_code,
      0);
  ProcessResult again = vigie({"init", "--vault", vault(), "--passphrase-file", passphrase_file()});
  EXPECT_EQ(again.exit_code, 5);
  EXPECT_NE(again.err.find("already holds a vault"), std::string::npos);
}

TEST_F(CliTest, ImportGetSearchAndHistory) {
  init_vault();
  const std::string bundle = write_input("demo.json", demo_bundle_text(5, 11));
  ProcessResult imported = vigie_on_vault("import", {bundle});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("Patient"), std::string::npos);

  ProcessResult count = vigie_on_vault("search", {"Patient", "--count-only"});
  ASSERT_EQ(count.exit_code, 0) << count.err;
  EXPECT_EQ(count.out, "5\n");

  ProcessResult searched = vigie_on_vault("search", {"Patient", "_count=1"});
  ASSERT_EQ(searched.exit_code, 0) << searched.err;
  auto searchset = boost::json::parse(searched.out).as_object();
  EXPECT_EQ(searchset.at("type").as_string(), "searchset");
  EXPECT_EQ(searchset.at("total").as_int64(), 5);
  const std::string id = first_patient_id(searched.out);

  ProcessResult got = vigie_on_vault("get", {"Patient/" + id});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  auto patient = boost::json::parse(got.out).as_object();
  EXPECT_EQ(patient.at("id").as_string(), id);
  EXPECT_EQ(patient.at("meta").at("versionId").as_string(), "1");
  EXPECT_EQ(vigie_on_vault("get", {"Patient/" + id, "--version", "1"}).exit_code, 0);
  EXPECT_EQ(vigie_on_vault("get", {"Patient/" + id, "--version", "2"}).exit_code, 4);
  EXPECT_EQ(vigie_on_vault("get", {"Patient/no-such-id"}).exit_code, 4);
  EXPECT_EQ(vigie_on_vault("get", {"Patient"}).exit_code, 2);
  EXPECT_EQ(vigie_on_vault("search", {"Patient", "nonsense=1"}).exit_code, 2);

  ProcessResult history = vigie_on_vault("history", {"Patient/" + id});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_EQ(boost::json::parse(history.out).at("type").as_string(), "history");

  // Every patient is found by the first 4 characters (not bytes) of their family name.
  ProcessResult all = vigie_on_vault("search", {"Patient"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const boost::json::value all_patients = boost::json::parse(all.out);
  for (const auto& entry : all_patients.at("entry").as_array()) {
    const auto& resource = entry.at("resource");
    const std::string family(resource.at("name").at(0).at("family").as_string());
    size_t prefix_bytes = 0;
    for (int characters = 0; prefix_bytes < family.size() && characters < 4; ++characters) {
      do {
        ++prefix_bytes;
      } while (prefix_bytes < family.size() && (family[prefix_bytes] & 0xC0) == 0x80);
    }
    ProcessResult by_name =
        vigie_on_vault("search", {"Patient", "family=" + family.substr(0, prefix_bytes)});
    ASSERT_EQ(by_name.exit_code, 0) << by_name.err;
    EXPECT_NE(by_name.out.find(std::string(resource.at("id").as_string())), std::string::npos);
  }
}

// What the audit entry names as returned is what the command prints: included resources too.
TEST_F(CliTest, SearchPrintsIncludedResourcesInIncludeMode) {
  init_vault();
  ASSERT_EQ(vigie_on_vault("import", {write_input("demo.json", demo_bundle_text(2, 11))}).exit_code,
            0);
  const std::string id = first_patient_id(vigie_on_vault("search", {"Patient"}).out);
  ProcessResult searched = vigie_on_vault(
      "search", {"Patient", "_id=" + id, "_revinclude=Observation:subject", "_count=1"});
  ASSERT_EQ(searched.exit_code, 0) << searched.err;
  const boost::json::value searchset = boost::json::parse(searched.out);
  EXPECT_EQ(searchset.at("total").as_int64(), 1);
  size_t included = 0;
  for (const auto& entry : searchset.at("entry").as_array()) {
    if (entry.at("search").at("mode") == "include") {
      ++included;
      EXPECT_EQ(entry.at("resource").at("resourceType"), "Observation");
      EXPECT_EQ(std::string(entry.at("resource").at("subject").at("reference").as_string()),
                "Patient/" + id);
    }
  }
  EXPECT_GT(included, 0U);
  EXPECT_EQ(vigie_on_vault("search", {"Patient", "_sort=Secret"}).exit_code, 2);
}

TEST_F(CliTest, NdjsonAndSingleResourceFiles) {
  init_vault();
  const std::string single =
      write_input("patient.json", R"({"resourceType":"Patient","id":"p1","gender":"male"})");
  const std::string ndjson = write_input("lines.ndjson",
                                         "{\"resourceType\":\"Patient\",\"id\":\"p2\"}\n\n{"
                                         "\"resourceType\":\"Patient\",\"id\":\"p3\"}\n");
  ProcessResult imported = vigie_on_vault("import", {single, ndjson});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  for (const char* id : {"Patient/p1", "Patient/p2", "Patient/p3"}) {
    EXPECT_EQ(vigie_on_vault("get", {id}).exit_code, 0) << id;
  }
  // Importing the same file again changes nothing: no second version.
  ASSERT_EQ(vigie_on_vault("import", {single}).exit_code, 0);
  EXPECT_EQ(vigie_on_vault("get", {"Patient/p1", "--version", "2"}).exit_code, 4);
}

TEST_F(CliTest, EraseNeedsConfirmationThenShredsThePatient) {
  init_vault();
  ASSERT_EQ(vigie_on_vault("import", {write_input("demo.json", demo_bundle_text(2, 3))}).exit_code,
            0);
  const std::string id = first_patient_id(vigie_on_vault("search", {"Patient"}).out);
  ProcessResult unconfirmed = vigie_on_vault("erase", {"Patient/" + id});
  EXPECT_EQ(unconfirmed.exit_code, 2);
  EXPECT_EQ(vigie_on_vault("get", {"Patient/" + id}).exit_code, 0);
  EXPECT_EQ(vigie_on_vault("erase", {"Observation/" + id, "--yes"}).exit_code, 2);
  ProcessResult erased = vigie_on_vault("erase", {"Patient/" + id, "--yes"});
  ASSERT_EQ(erased.exit_code, 0) << erased.err;
  EXPECT_EQ(vigie_on_vault("get", {"Patient/" + id}).exit_code, 4);
  EXPECT_EQ(vigie_on_vault("search", {"Observation", "patient=" + id, "--count-only"}).out, "0\n");
  EXPECT_EQ(vigie_on_vault("erase", {"Patient/" + id, "--yes"}).exit_code, 4);
}

TEST_F(CliTest, DemoDataIsDeterministicAndWritesAFile) {
  ProcessResult first = vigie({"demo-data", "--patients", "3", "--seed", "5"});
  ProcessResult second = vigie({"demo-data", "--patients", "3", "--seed", "5"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, second.out);
  EXPECT_NE(first.out, vigie({"demo-data", "--patients", "3", "--seed", "6"}).out);
  const std::string out = (dir_ / "demo.json").string();
  ASSERT_EQ(vigie({"demo-data", "--patients", "3", "--seed", "5", "--out", out}).exit_code, 0);
  EXPECT_EQ(testing::read_file(out), first.out);
  EXPECT_EQ(vigie({"demo-data", "--patients", "0"}).exit_code, 2);
}

}  // namespace
}  // namespace vigie
