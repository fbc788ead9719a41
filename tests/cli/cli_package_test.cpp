// Sealed migration packages through the real binary: keygen, export create, open, import, list,
// revoke, approve and the deletion certificate; what leaves, what the file shows, what the audit
// log says.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "cli_fixture.hpp"
#include "demo/demo_data.hpp"
#include "fhir/identifiers.hpp"
#include "fhir/json.hpp"

namespace vigie {
namespace {

using testing::CliTest;
using testing::ProcessResult;
using testing::read_file;

namespace json = boost::json;

struct DemoPatient {
  std::string id;
  std::string family;
  std::string nir;
};

class CliPackageTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    init_vault();
    demo::DemoOptions options;
    options.patients = 4;
    options.seed = 14;
    const json::object bundle = demo::generate_bundle(options);
    ProcessResult imported =
        vigie_on_vault("import", {write_input("demo.json", fhir::to_json_text(bundle))});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    ProcessResult keygen = vigie({"keygen", "--out", (dir_ / "labo").string()});
    ASSERT_EQ(keygen.exit_code, 0) << keygen.err;
    ProcessResult found = vigie_on_vault("search", {"Patient"});
    ASSERT_EQ(found.exit_code, 0) << found.err;
    const json::value searchset = json::parse(found.out);
    for (const json::value& entry : searchset.at("entry").as_array()) {
      const json::object& patient = entry.at("resource").as_object();
      DemoPatient demo_patient{std::string(patient.at("id").as_string()),
                               std::string(patient.at("name").at(0).at("family").as_string()), ""};
      if (const json::value* identifiers = patient.if_contains("identifier")) {
        for (const json::value& identifier : identifiers->as_array()) {
          const json::object& fields = identifier.as_object();
          if (fields.contains("system") && fields.at("system").as_string() == fhir::kInsNirSystem) {
            demo_patient.nir = std::string(fields.at("value").as_string());
          }
        }
      }
      patients_.push_back(demo_patient);
    }
    // The patients with an NIR first: the first one's is looked for in the package.
    std::stable_partition(patients_.begin(), patients_.end(),
                          [](const DemoPatient& patient) { return !patient.nir.empty(); });
    ASSERT_EQ(patients_.size(), 4U);
    ASSERT_FALSE(patients_[0].nir.empty());
  }

  std::string public_key() const { return (dir_ / "labo.pub").string(); }
  std::string private_key() const { return (dir_ / "labo.key").string(); }

  ProcessResult create(const std::vector<std::string>& args) {
    return run({"export", "create"}, args);
  }

  std::vector<json::object> lines_of(const std::filesystem::path& path) {
    std::vector<json::object> out;
    std::istringstream input(read_file(path));
    std::string line;
    while (std::getline(input, line)) {
      out.push_back(json::parse(line).as_object());
    }
    return out;
  }

  std::vector<DemoPatient> patients_;
};

TEST_F(CliPackageTest, OnlyTheListedTypesElementsAndPatientsLeaveAndTheFileShowsNone) {
  const std::string list =
      write_input("patients.txt", patients_[0].id + "\nPatient/" + patients_[1].id + "\n");
  const std::string package = (dir_ / "migration.vpkg").string();
  ProcessResult created =
      create({"--purpose", "migration vers le LIS B", "--types", "Patient,Observation", "--fields",
              "Patient.name,Patient.birthDate", "--patients", list, "--recipient", public_key(),
              "--expires", "7d", "--out", package});
  ASSERT_EQ(created.exit_code, 0) << created.err;

  // The raw package holds no patient value: neither a name nor an NIR.
  const std::string bytes = read_file(package);
  for (const DemoPatient& patient : patients_) {
    EXPECT_EQ(bytes.find(patient.family), std::string::npos) << patient.family;
    if (!patient.nir.empty()) {
      EXPECT_EQ(bytes.find(patient.nir), std::string::npos);
    }
    EXPECT_EQ(bytes.find(patient.id), std::string::npos);
  }

  ProcessResult opened = vigie(
      {"export", "open", "--key", private_key(), package, "--out", (dir_ / "opened").string()});
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  std::set<std::string> files;
  for (const auto& file : std::filesystem::directory_iterator(dir_ / "opened")) {
    files.insert(file.path().filename().string());
  }
  EXPECT_EQ(files, (std::set<std::string>{"Patient.ndjson", "Observation.ndjson", "manifest.json",
                                          "manifest.sig"}));
  const auto exported_patients = lines_of(dir_ / "opened" / "Patient.ndjson");
  ASSERT_EQ(exported_patients.size(), 2U);
  std::set<std::string> ids;
  for (const json::object& patient : exported_patients) {
    ids.insert(std::string(patient.at("id").as_string()));
    for (const auto& member : patient) {
      EXPECT_TRUE(member.key() == "resourceType" || member.key() == "id" ||
                  member.key() == "meta" || member.key() == "name" || member.key() == "birthDate")
          << member.key();
    }
  }
  EXPECT_EQ(ids, (std::set<std::string>{patients_[0].id, patients_[1].id}));
  const auto observations = lines_of(dir_ / "opened" / "Observation.ndjson");
  for (const json::object& observation : observations) {
    const std::string subject(observation.at("subject").at("reference").as_string());
    EXPECT_TRUE(subject == "Patient/" + patients_[0].id || subject == "Patient/" + patients_[1].id)
        << subject;
  }
  EXPECT_EQ(read_file(dir_ / "opened" / "Patient.ndjson").find(patients_[0].nir),
            std::string::npos);

  // The audit log has the job, naming the patients that left.
  ProcessResult log = run({"audit", "log"}, {"--action", "export", "--format", "json"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_TRUE(testing::contains(log.out, "migration vers le LIS B")) << log.out;
  EXPECT_TRUE(testing::contains(log.out, patients_[0].id));
  EXPECT_FALSE(testing::contains(log.out, patients_[2].id));
  ProcessResult listed = run({"export", "list"}, {});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_TRUE(testing::contains(listed.out, "ready")) << listed.out;
  EXPECT_TRUE(testing::contains(listed.out, "2 patient(s)")) << listed.out;

  // The opened directory imports into another vault, checked against its manifest, the patients
  // first.
  const std::string other = (dir_ / "other").string();
  ASSERT_EQ(vigie({"init", "--vault", other, "--passphrase-file", passphrase_file(), "--key-file",
                   (dir_ / "other.key").string()})
                .exit_code,
            0);
  ProcessResult imported = vigie({"import", "--vault", other, "--key-file",
                                  (dir_ / "other.key").string(), (dir_ / "opened").string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(testing::contains(imported.out, "2 fichier(s)")) << imported.out;
  EXPECT_TRUE(testing::contains(imported.out, fmt::format("{} created", 2 + observations.size())))
      << imported.out;
  // The audit of the second vault names each imported resource.
  ProcessResult other_log = vigie({"audit", "log", "--vault", other, "--key-file",
                                   (dir_ / "other.key").string(), "--format", "json"});
  ASSERT_EQ(other_log.exit_code, 0) << other_log.err;
  EXPECT_TRUE(testing::contains(other_log.out, patients_[0].id)) << other_log.out;
  EXPECT_TRUE(testing::contains(other_log.out, patients_[1].id));
  for (const json::object& observation : observations) {
    EXPECT_TRUE(testing::contains(other_log.out, std::string(observation.at("id").as_string())));
    // And the first vault's export entry named it too.
    EXPECT_TRUE(testing::contains(log.out, std::string(observation.at("id").as_string())));
  }
  // The references between them hold: each Observation is in its patient's compartment.
  ProcessResult linked =
      vigie({"search", "--vault", other, "--key-file", (dir_ / "other.key").string(), "Observation",
             "patient=" + patients_[0].id});
  ASSERT_EQ(linked.exit_code, 0) << linked.err;
  EXPECT_TRUE(testing::contains(linked.out, "Patient/" + patients_[0].id));
  ProcessResult got = vigie({"get", "--vault", other, "--key-file", (dir_ / "other.key").string(),
                             "Patient/" + patients_[0].id});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_TRUE(testing::contains(got.out, patients_[0].family));
}

TEST_F(CliPackageTest, ATamperedPackageAWrongKeyAndAnotherVaultAreRefusedBeforeAnyOutput) {
  const std::string package = (dir_ / "all.vpkg").string();
  ProcessResult created =
      create({"--purpose", "portabilité", "--types", "Patient", "--all", "--recipient",
              public_key(), "--expires", "2d", "--out", package});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string bytes = read_file(package);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x40);
  const std::string tampered = write_input("tampered.vpkg", bytes);
  ProcessResult refused =
      vigie({"export", "open", "--key", private_key(), tampered, "--out", (dir_ / "t").string()});
  EXPECT_EQ(refused.exit_code, 6) << refused.err;
  EXPECT_TRUE(testing::contains(refused.err, "package refused")) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "t"));

  ASSERT_EQ(vigie({"keygen", "--out", (dir_ / "other").string()}).exit_code, 0);
  ProcessResult wrong = vigie({"export", "open", "--key", (dir_ / "other.key").string(), package,
                               "--out", (dir_ / "w").string()});
  EXPECT_EQ(wrong.exit_code, 3) << wrong.err;
  EXPECT_TRUE(testing::contains(wrong.err, "another recipient")) << wrong.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "w"));

  ProcessResult elsewhere = vigie({"export", "open", "--key", private_key(), "--vault-identity",
                                   std::string(64, 'a'), package, "--out", (dir_ / "e").string()});
  EXPECT_EQ(elsewhere.exit_code, 6) << elsewhere.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "e"));
}

TEST_F(CliPackageTest, AnOpenedDirectoryThatDoesNotMatchItsManifestIsRefusedAndNothingImported) {
  const std::string package = (dir_ / "all.vpkg").string();
  ASSERT_EQ(create({"--purpose", "portabilité", "--types", "Patient,Observation", "--all",
                    "--recipient", public_key(), "--expires", "2d", "--out", package})
                .exit_code,
            0);
  const std::filesystem::path opened = dir_ / "opened";
  ProcessResult open =
      vigie({"export", "open", "--key", private_key(), package, "--out", opened.string()});
  ASSERT_EQ(open.exit_code, 0) << open.err;
  const std::string other = (dir_ / "other").string();
  const std::string other_key = (dir_ / "other.key").string();
  ASSERT_EQ(vigie({"init", "--vault", other, "--passphrase-file", passphrase_file(), "--key-file",
                   other_key})
                .exit_code,
            0);
  const std::filesystem::path patients = opened / "Patient.ndjson";
  const std::filesystem::path manifest = opened / "manifest.json";
  const std::string original = read_file(patients);
  const std::string original_manifest = read_file(manifest);
  const auto rewrite = [](const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  };
  const auto expect_refused = [&](const std::string& what, const std::string& names) {
    ProcessResult refused =
        vigie({"import", "--vault", other, "--key-file", other_key, opened.string()});
    EXPECT_EQ(refused.exit_code, 6) << what << ": " << refused.err;
    EXPECT_TRUE(testing::contains(refused.err, names)) << what << ": " << refused.err;
  };
  // A byte changed in a line (same count, other SHA-256).
  std::string edited = original;
  edited[edited.find("\"id\":\"") + 6] ^= 0x01;
  rewrite(patients, edited);
  expect_refused("edited", "does not match the manifest");
  // A line removed.
  rewrite(patients, original.substr(original.find('\n') + 1));
  expect_refused("line removed", "does not match the manifest");
  // A line added (a copy of the first).
  rewrite(patients, original + original.substr(0, original.find('\n') + 1));
  expect_refused("line added", "does not match the manifest");
  rewrite(patients, original);
  // The manifest edited to match edited files: its signature fails.
  std::string forged = original_manifest;
  forged.replace(forged.find("portabilité"), std::string("portabilité").size(), "portabilite!");
  rewrite(manifest, forged);
  expect_refused("manifest edited", "signature is invalid");
  rewrite(manifest, original_manifest);
  // A file the manifest does not list.
  rewrite(opened / "Condition.ndjson", "");
  expect_refused("extra file", "does not list");
  std::filesystem::remove(opened / "Condition.ndjson");
  // The manifest gone.
  std::filesystem::rename(manifest, dir_ / "manifest.json");
  expect_refused("no manifest", "manifest or signature missing");
  std::filesystem::rename(dir_ / "manifest.json", manifest);
  // Nothing was imported by the refused attempts.
  ProcessResult empty = vigie({"search", "--vault", other, "--key-file", other_key, "Patient"});
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(json::parse(empty.out).at("total").as_int64(), 0) << empty.out;
  // Whole again, it imports and reports its counts.
  ProcessResult imported =
      vigie({"import", "--vault", other, "--key-file", other_key, opened.string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(testing::contains(imported.out, "Patient")) << imported.out;
  EXPECT_TRUE(testing::contains(imported.out, "Observation")) << imported.out;
  ProcessResult all = vigie({"search", "--vault", other, "--key-file", other_key, "Patient"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(json::parse(all.out).at("total").as_int64(), 4) << all.out;
}

TEST_F(CliPackageTest, PurposeTypesAndPatientsAreRequired) {
  const std::string out = (dir_ / "x.vpkg").string();
  EXPECT_EQ(create({"--types", "Patient", "--all", "--recipient", public_key(), "--expires", "1d",
                    "--out", out})
                .exit_code,
            2);
  EXPECT_EQ(create({"--purpose", "p", "--all", "--recipient", public_key(), "--expires", "1d",
                    "--out", out})
                .exit_code,
            2);
  ProcessResult neither = create({"--purpose", "p", "--types", "Patient", "--recipient",
                                  public_key(), "--expires", "1d", "--out", out});
  EXPECT_EQ(neither.exit_code, 2) << neither.err;
  EXPECT_TRUE(testing::contains(neither.err, "--patients")) << neither.err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST_F(CliPackageTest, RevokeDeletesThePackageAndTheCertificateWaitsForTheExpiry) {
  const std::string package = (dir_ / "r.vpkg").string();
  ProcessResult created =
      create({"--purpose", "essai", "--types", "Patient", "--all", "--recipient", public_key(),
              "--expires", "1d", "--out", package});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const size_t start = created.out.find("exp-");
  ASSERT_NE(start, std::string::npos) << created.out;
  const std::string job = created.out.substr(start, 20);
  ProcessResult early = run({"export", "certificate"}, {job});
  EXPECT_EQ(early.exit_code, 5) << early.err;
  ASSERT_EQ(run({"export", "revoke"}, {job}).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(package));
  ProcessResult listed = run({"export", "list"}, {});
  EXPECT_TRUE(testing::contains(listed.out, "revoked")) << listed.out;
  ProcessResult certificate = run({"export", "certificate"}, {job});
  ASSERT_EQ(certificate.exit_code, 0) << certificate.err;
  const json::object signed_certificate = json::parse(certificate.out).as_object();
  const json::object body =
      json::parse(signed_certificate.at("certificate").as_string()).as_object();
  EXPECT_EQ(body.at("job").as_string(), job);
  EXPECT_EQ(body.at("patients").as_int64(), 4);
  EXPECT_TRUE(testing::contains(std::string(body.at("statement").as_string()), "no copy"));
  EXPECT_EQ(signed_certificate.at("signature").as_string().size(), 128U);
}

TEST_F(CliPackageTest, ManyPatientsWaitForASecondCustodianWithAnotherUnlocker) {
  write_input("vault/vigie.toml", "[export]\napproval_patients = 2\n");
  const std::string package = (dir_ / "big.vpkg").string();
  ProcessResult created =
      create({"--purpose", "migration", "--types", "Patient", "--all", "--recipient", public_key(),
              "--expires", "1d", "--out", package});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_FALSE(std::filesystem::exists(package));
  const size_t start = created.out.find("exp-");
  ASSERT_NE(start, std::string::npos);
  const std::string job = created.out.substr(start, 20);
  // The same unlocker (the key file) cannot approve its own job.
  ProcessResult same = run({"export", "approve"}, {job});
  EXPECT_EQ(same.exit_code, 7) << same.err;
  EXPECT_FALSE(std::filesystem::exists(package));
  // The passphrase is another unlocker.
  ProcessResult approved =
      vigie({"export", "approve", "--vault", vault(), "--passphrase-file", passphrase_file(), job});
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_TRUE(std::filesystem::exists(package));
  ProcessResult log = run({"audit", "log"}, {"--action", "export", "--format", "json"});
  EXPECT_TRUE(testing::contains(log.out, "approved by")) << log.out;
  ProcessResult opened =
      vigie({"export", "open", "--key", private_key(), package, "--out", (dir_ / "big").string()});
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_EQ(lines_of(dir_ / "big" / "Patient.ndjson").size(), 4U);
}

}  // namespace
}  // namespace vigie
