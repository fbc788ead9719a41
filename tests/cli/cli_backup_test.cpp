// vigie backup, vigie backup verify and vigie restore through the binary: the resurrect attack
// end to end, and the refusals a custodian meets.

#include <gtest/gtest.h>

#include <algorithm>

#include <filesystem>
#include <string>
#include <thread>

#include "cli/cli_fixture.hpp"

namespace vigie::testing {
namespace {

constexpr const char* kTwoPatients =
    R"({"resourceType":"Bundle","type":"transaction","entry":[)"
    R"({"resource":{"resourceType":"Patient","id":"p1","name":[{"family":"Lefevre"}]},)"
    R"("request":{"method":"PUT","url":"Patient/p1"}},)"
    R"({"resource":{"resourceType":"Patient","id":"p2","name":[{"family":"Martin"}]},)"
    R"("request":{"method":"PUT","url":"Patient/p2"}}]})";

class CliBackupTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    init_vault();
    ProcessResult imported = vigie_on_vault("import", {write_input("two.json", kTwoPatients)});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
};

TEST_F(CliBackupTest, ARestoreWithTheLiveLedgerDoesNotBringAnErasedPatientBack) {
  ProcessResult data = vigie_on_vault("backup", {"--out", path("data.backup")});
  ASSERT_EQ(data.exit_code, 0) << data.err;
  ProcessResult keyring = vigie_on_vault("backup", {"--keyring", "--out", path("old.keyring")});
  ASSERT_EQ(keyring.exit_code, 0) << keyring.err;
  ASSERT_EQ(vigie_on_vault("erase", {"Patient/p1", "--yes"}).exit_code, 0);

  ProcessResult verified = run({"backup", "verify", path("data.backup")}, {});
  ASSERT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_TRUE(contains(verified.out, "1 patient(s)")) << verified.out;
  EXPECT_TRUE(contains(verified.out, "audit chain verified")) << verified.out;

  ProcessResult without =
      vigie({"restore", "--from", path("data.backup"), "--keyring", path("old.keyring"), "--vault",
             path("restored"), "--key-file", key_file()});
  EXPECT_EQ(without.exit_code, 2) << without.err;
  EXPECT_TRUE(contains(without.err, "--ledger")) << without.err;
  EXPECT_FALSE(std::filesystem::exists(path("restored")));

  ProcessResult restored =
      vigie({"restore", "--from", path("data.backup"), "--keyring", path("old.keyring"), "--vault",
             path("restored"), "--ledger", vault(), "--key-file", key_file()});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_TRUE(contains(restored.out, "1 erased patients' key(s) dropped")) << restored.out;
  ProcessResult erased =
      vigie({"get", "--vault", path("restored"), "--key-file", key_file(), "Patient/p1"});
  EXPECT_EQ(erased.exit_code, 4) << erased.out;
  ProcessResult kept =
      vigie({"get", "--vault", path("restored"), "--key-file", key_file(), "Patient/p2"});
  EXPECT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_TRUE(contains(kept.out, "Martin"));

  ProcessResult again =
      vigie({"restore", "--from", path("data.backup"), "--keyring", path("old.keyring"), "--vault",
             path("restored"), "--ledger", vault(), "--key-file", key_file()});
  EXPECT_EQ(again.exit_code, 5) << again.err;
}

TEST_F(CliBackupTest, AnAlteredBackupExitsWithAnIntegrityFailure) {
  ASSERT_EQ(vigie_on_vault("backup", {"--out", path("data.backup")}).exit_code, 0);
  std::string bytes = read_file(path("data.backup"));
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x40);
  write_file(path("data.backup"), bytes);
  ProcessResult verified = run({"backup", "verify", path("data.backup")}, {});
  EXPECT_EQ(verified.exit_code, 6) << verified.err;
  ProcessResult overwrite = vigie_on_vault("backup", {"--out", path("data.backup")});
  EXPECT_EQ(overwrite.exit_code, 5) << overwrite.err;
}

// vigie import in another process (one transaction per file) while vigie backup runs: the backup
// holds the vault before or after the import, never a part of it, and its audit chain verifies.
TEST_F(CliBackupTest, ABackupTakenWhileAnotherProcessImportsIsWholeAndVerifies) {
  ASSERT_EQ(
      vigie({"demo-data", "--patients", "300", "--seed", "3", "--out", path("big.json")}).exit_code,
      0);
  ProcessResult imported;
  std::thread importer([&] { imported = vigie_on_vault("import", {path("big.json")}); });
  ProcessResult backed_up = vigie_on_vault("backup", {"--out", path("during.backup")});
  importer.join();
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  ASSERT_EQ(backed_up.exit_code, 0) << backed_up.err;
  ProcessResult verified = run({"backup", "verify", path("during.backup")}, {});
  ASSERT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_TRUE(contains(verified.out, " 2 patient(s)") || contains(verified.out, " 302 patient(s)"))
      << verified.out;
  EXPECT_TRUE(contains(verified.out, "audit chain verified")) << verified.out;
}

TEST_F(CliBackupTest, TheLedgerCopyOutsideTheVaultServesARestoreWithTheVaultGone) {
  ProcessResult kept =
      vigie_on_vault("backup", {"--ledger-copy", "--out", path("erasures.ledger")});
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_TRUE(contains(kept.out, "0 entries")) << kept.out;
  ASSERT_EQ(vigie_on_vault("backup", {"--out", path("data.backup")}).exit_code, 0);
  ASSERT_EQ(vigie_on_vault("backup", {"--keyring", "--out", path("old.keyring")}).exit_code, 0);
  ASSERT_EQ(vigie_on_vault("erase", {"Patient/p1", "--yes"}).exit_code, 0);
  const std::string copy = read_file(path("erasures.ledger"));
  EXPECT_EQ(std::count(copy.begin(), copy.end(), '\n'), 1);
  EXPECT_FALSE(contains(copy, "p1"));
  std::filesystem::remove_all(vault());

  // Edited, it is refused with the line it breaks at, and nothing is restored.
  std::string edited = copy;
  edited[30] = edited[30] == '0' ? '1' : '0';
  const std::string forged = write_input("forged.ledger", edited);
  ProcessResult refused =
      vigie({"restore", "--from", path("data.backup"), "--keyring", path("old.keyring"), "--vault",
             path("restored"), "--ledger", forged, "--key-file", key_file()});
  EXPECT_EQ(refused.exit_code, 6) << refused.err;
  EXPECT_TRUE(contains(refused.err, "line 1")) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(path("restored")));

  ProcessResult restored =
      vigie({"restore", "--from", path("data.backup"), "--keyring", path("old.keyring"), "--vault",
             path("restored"), "--ledger", path("erasures.ledger"), "--key-file", key_file()});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_TRUE(contains(restored.out, "1 erased patients' key(s) dropped")) << restored.out;
  ProcessResult erased =
      vigie({"get", "--vault", path("restored"), "--key-file", key_file(), "Patient/p1"});
  EXPECT_EQ(erased.exit_code, 4) << erased.out;
  ProcessResult other =
      vigie({"get", "--vault", path("restored"), "--key-file", key_file(), "Patient/p2"});
  EXPECT_EQ(other.exit_code, 0) << other.err;
}

TEST_F(CliBackupTest, InitStartsTheLedgerCopyAndEveryErasureGoesToIt) {
  const std::string second = path("second");
  ProcessResult init =
      vigie({"init", "--vault", second, "--passphrase-file", passphrase_file(), "--key-file",
             path("second.key"), "--ledger-file", path("second.ledger")});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  ASSERT_TRUE(std::filesystem::exists(path("second.ledger")));
  EXPECT_EQ(read_file(path("second.ledger")), "");
  ASSERT_EQ(vigie({"import", "--vault", second, "--key-file", path("second.key"),
                   write_input("two-again.json", kTwoPatients)})
                .exit_code,
            0);
  ASSERT_EQ(
      vigie({"erase", "--vault", second, "--key-file", path("second.key"), "Patient/p1", "--yes"})
          .exit_code,
      0);
  ASSERT_EQ(
      vigie({"erase", "--vault", second, "--key-file", path("second.key"), "Patient/p2", "--yes"})
          .exit_code,
      0);
  const std::string copy = read_file(path("second.ledger"));
  EXPECT_EQ(std::count(copy.begin(), copy.end(), '\n'), 2) << copy;
  EXPECT_TRUE(copy.starts_with("vigie-erasure v1 1 ")) << copy;
}

}  // namespace
}  // namespace vigie::testing
