#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/hex.hpp"
#include "crypto/signing.hpp"
#include "lifecycle/package.hpp"
#include "lifecycle/recipient_keys.hpp"
#include "support/temp_dir.hpp"

namespace vigie::lifecycle {
namespace {

using testing::read_file;
using testing::TempDir;

constexpr int64_t kPackageNow = 1'800'000'000'000;
constexpr int64_t kPackageDay = 24 * 3600 * 1000;

const std::vector<std::string> kPatientLines = {
    R"({"resourceType":"Patient","id":"p1","name":[{"family":"Dupont-Moretti","given":["Héloïse"]}],"identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"284127512345678"}]})",
    R"({"resourceType":"Patient","id":"p2","name":[{"family":"Nguyen"}]})"};
const std::vector<std::string> kObservationLines = {
    R"({"resourceType":"Observation","id":"o1","status":"final","code":{"text":"glycémie"},"subject":{"reference":"Patient/p1"}})"};

struct Sealed {
  std::filesystem::path path;
  crypto::BoxKeyPair recipient;
  crypto::SigningKeyPair vault;
  Manifest manifest;
};

Sealed seal_package(const TempDir& dir, int64_t expires_ms = kPackageNow + 7 * kPackageDay) {
  Sealed sealed{
      dir / "out.vpkg", crypto::generate_box_key_pair(), crypto::generate_signing_key_pair(), {}};
  auto writer =
      PackageWriter::create(sealed.path, sealed.recipient.public_key, {"Patient", "Observation"});
  EXPECT_TRUE(writer) << writer.error().message;
  for (const std::string& line : kPatientLines) {
    EXPECT_TRUE((*writer)->add(0, line));
  }
  for (const std::string& line : kObservationLines) {
    EXPECT_TRUE((*writer)->add(1, line));
  }
  Manifest manifest;
  manifest.job_id = "exp-0011223344556677";
  manifest.purpose = "migration vers le nouveau logiciel";
  manifest.patient_count = 2;
  manifest.created_ms = kPackageNow;
  manifest.expires_ms = expires_ms;
  auto finished = (*writer)->finish(manifest, sealed.vault.secret_key);
  EXPECT_TRUE(finished) << finished.error().message;
  EXPECT_TRUE((*writer)->commit());
  sealed.manifest = *finished;
  return sealed;
}

std::string joined_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) {
    out += line + "\n";
  }
  return out;
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

TEST(PackageTest, RoundTripGivesBackEveryLineAndTheSignedManifest) {
  TempDir dir;
  Sealed sealed = seal_package(dir);
  EXPECT_FALSE(std::filesystem::exists(dir / "out.vpkg.partial"));
  auto opened = open_package(sealed.path, sealed.recipient, to_hex(sealed.vault.public_key),
                             kPackageNow, dir / "opened");
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(read_file(dir / "opened" / "Patient.ndjson"), joined_lines(kPatientLines));
  EXPECT_EQ(read_file(dir / "opened" / "Observation.ndjson"), joined_lines(kObservationLines));
  EXPECT_EQ(opened->purpose, "migration vers le nouveau logiciel");
  EXPECT_EQ(opened->patient_count, 2);
  ASSERT_EQ(opened->files.size(), 2U);
  EXPECT_EQ(opened->files[0].count, 2);
  EXPECT_EQ(opened->files[1].count, 1);
  EXPECT_EQ(opened->vault_identity, to_hex(sealed.vault.public_key));
  struct stat info {};
  ASSERT_EQ(stat((dir / "opened" / "Patient.ndjson").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  ASSERT_EQ(stat(sealed.path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
}

TEST(PackageTest, AnOpenedDirectoryIsCheckedAgainstItsSignedManifest) {
  TempDir dir;
  Sealed sealed = seal_package(dir);
  const std::filesystem::path opened = dir / "opened";
  ASSERT_TRUE(open_package(sealed.path, sealed.recipient, std::nullopt, kPackageNow, opened));
  auto checked = check_opened_package(opened);
  ASSERT_TRUE(checked) << checked.error().message;
  EXPECT_EQ(checked->job_id, sealed.manifest.job_id);
  ASSERT_EQ(checked->files.size(), 2U);
  auto patients = read_opened_file(opened, checked->files[0]);
  ASSERT_TRUE(patients) << patients.error().message;
  EXPECT_EQ(*patients, joined_lines(kPatientLines));

  const auto expect_refused = [&](const std::string& what) {
    auto refused = check_opened_package(opened);
    ASSERT_FALSE(refused) << what;
    EXPECT_EQ(refused.error().code, ErrorCode::kIntegrity) << what;
    EXPECT_FALSE(refused.error().french.empty()) << what;
  };
  const std::filesystem::path file = opened / "Observation.ndjson";
  const std::string original = read_file(file);
  std::string edited = original;
  edited[edited.find("final")] = 'F';
  write_bytes(file, edited);
  expect_refused("edited line");
  write_bytes(file, "");
  expect_refused("lines removed");
  write_bytes(file, original + original);
  expect_refused("line repeated");
  write_bytes(file, original.substr(0, original.size() - 1));
  expect_refused("newline cut");
  write_bytes(file, original);
  const std::string manifest = read_file(opened / "manifest.json");
  std::string forged = manifest;
  forged.replace(forged.find("\"count\":1"), 9, "\"count\":2");
  write_bytes(opened / "manifest.json", forged);
  expect_refused("manifest edited");
  write_bytes(opened / "manifest.json", manifest);
  const std::string signature = read_file(opened / "manifest.sig");
  write_bytes(opened / "manifest.sig", std::string(128, '0') + "\n");
  expect_refused("signature replaced");
  write_bytes(opened / "manifest.sig", signature);
  write_bytes(opened / "notes.txt", "x");
  expect_refused("extra file");
  std::filesystem::remove(opened / "notes.txt");
  std::filesystem::remove(opened / "manifest.sig");
  expect_refused("no signature");
  write_bytes(opened / "manifest.sig", signature);
  EXPECT_TRUE(check_opened_package(opened));
}

TEST(PackageTest, TheRawFileHoldsNoPatientValue) {
  TempDir dir;
  Sealed sealed = seal_package(dir);
  const std::string bytes = read_file(sealed.path);
  for (const std::string value :
       {"Dupont-Moretti", "284127512345678", "Nguyen", "glycémie", "Héloïse", "Patient/p1"}) {
    EXPECT_EQ(bytes.find(value), std::string::npos) << value;
  }
}

TEST(PackageTest, AFlippedByteAnywhereIsRefusedAndNothingIsWritten) {
  TempDir dir;
  Sealed sealed = seal_package(dir);
  const std::string original = read_file(sealed.path);
  const std::filesystem::path tampered = dir / "tampered.vpkg";
  // Every byte of every part: magic, sealed key, stream header, messages and their lengths,
  // the final message, the manifest, its signature and the trailer.
  for (size_t offset = 0; offset < original.size(); ++offset) {
    std::string bytes = original;
    bytes[offset] = static_cast<char>(bytes[offset] ^ 0x01);
    write_bytes(tampered, bytes);
    const std::filesystem::path out = dir / ("out-" + std::to_string(offset));
    auto opened = open_package(tampered, sealed.recipient, std::nullopt, kPackageNow, out);
    ASSERT_FALSE(opened) << "flipped byte " << offset << " of " << original.size();
    EXPECT_TRUE(!std::filesystem::exists(out) || std::filesystem::is_empty(out)) << offset;
  }
  // Truncated or extended files too.
  write_bytes(tampered, original.substr(0, original.size() - 1));
  EXPECT_FALSE(open_package(tampered, sealed.recipient, std::nullopt, kPackageNow, dir / "cut"));
  write_bytes(tampered, original + "x");
  EXPECT_FALSE(open_package(tampered, sealed.recipient, std::nullopt, kPackageNow, dir / "long"));
}

TEST(PackageTest, AnotherRecipientsKeyFailsCleanly) {
  TempDir dir;
  Sealed sealed = seal_package(dir);
  const crypto::BoxKeyPair other = crypto::generate_box_key_pair();
  auto opened = open_package(sealed.path, other, std::nullopt, kPackageNow, dir / "opened");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kUnlockFailed);
  EXPECT_FALSE(std::filesystem::exists(dir / "opened"));
}

TEST(PackageTest, AnExpiredPackageRefusesToOpen) {
  TempDir dir;
  Sealed sealed = seal_package(dir, kPackageNow + kPackageDay);
  auto opened = open_package(sealed.path, sealed.recipient, std::nullopt, kPackageNow + kPackageDay,
                             dir / "o");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kPermissionDenied);
  EXPECT_FALSE(std::filesystem::exists(dir / "o"));
}

TEST(PackageTest, APackageOfAnotherVaultIsRefusedWhenTheIdentityIsGiven) {
  TempDir dir;
  Sealed sealed = seal_package(dir);
  const crypto::SigningKeyPair other = crypto::generate_signing_key_pair();
  auto opened =
      open_package(sealed.path, sealed.recipient, to_hex(other.public_key), kPackageNow, dir / "o");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kIntegrity);
}

TEST(PackageTest, AManifestResignedByAnotherKeyIsRefusedAgainstTheExpectedIdentity) {
  // An attacker re-signs a changed manifest with a key of their own and states that key: the
  // package is self-consistent, so only the expected identity stops it.
  TempDir dir;
  Sealed sealed = seal_package(dir);
  auto verified = verify_package(sealed.path, std::nullopt);
  ASSERT_TRUE(verified);
  EXPECT_FALSE(verify_package(sealed.path, std::string(64, '0')));
}

TEST(PackageTest, TheWriterNeverOverwritesAndLeavesNoPartialFile) {
  TempDir dir;
  const crypto::BoxKeyPair recipient = crypto::generate_box_key_pair();
  write_bytes(dir / "exists.vpkg", "x");
  auto refused = PackageWriter::create(dir / "exists.vpkg", recipient.public_key, {"Patient"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  {
    auto writer = PackageWriter::create(dir / "new.vpkg", recipient.public_key, {"Patient"});
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->add(0, kPatientLines[0]));
    EXPECT_TRUE(std::filesystem::exists(dir / "new.vpkg.partial"));
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "new.vpkg.partial"));
  EXPECT_FALSE(std::filesystem::exists(dir / "new.vpkg"));
  const std::array<uint8_t, 32> zero{};
  EXPECT_FALSE(PackageWriter::create(dir / "z.vpkg", zero, {"Patient"}));
}

TEST(PackageTest, ManifestParsingIsStrict) {
  TempDir dir;
  Sealed sealed = seal_package(dir);
  const std::string text = manifest_text(sealed.manifest);
  ASSERT_TRUE(parse_manifest(text));
  std::string extra = text;
  extra.insert(1, R"("extra":1,)");
  EXPECT_FALSE(parse_manifest(extra));
  EXPECT_FALSE(parse_manifest("[]"));
  EXPECT_FALSE(parse_manifest("{"));
  Manifest bad = sealed.manifest;
  bad.files[0].name = "../evil.ndjson";
  EXPECT_FALSE(parse_manifest(manifest_text(bad)));
  bad = sealed.manifest;
  bad.files[0].type = "NotAType";
  bad.files[0].name = "NotAType.ndjson";
  bad.types[0] = "NotAType";
  EXPECT_FALSE(parse_manifest(manifest_text(bad)));
}

TEST(RecipientKeysTest, KeygenWritesAPrivateKeyAndAPublicKeyThatMatch) {
  TempDir dir;
  auto files = write_recipient_key_pair(dir / "labo");
  ASSERT_TRUE(files) << files.error().message;
  struct stat info {};
  ASSERT_EQ(stat(files->secret_key.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  auto pair = read_recipient_key_pair(files->secret_key);
  auto public_key = read_recipient_public_key(files->public_key);
  ASSERT_TRUE(pair) << pair.error().message;
  ASSERT_TRUE(public_key);
  EXPECT_EQ(pair->public_key, *public_key);
  EXPECT_FALSE(write_recipient_key_pair(dir / "labo"));
  ASSERT_EQ(chmod(files->secret_key.c_str(), 0640), 0);
  auto exposed = read_recipient_key_pair(files->secret_key);
  ASSERT_FALSE(exposed);
  EXPECT_EQ(exposed.error().code, ErrorCode::kUnlockFailed);
  EXPECT_FALSE(read_recipient_public_key(files->secret_key));
}

}  // namespace
}  // namespace vigie::lifecycle
