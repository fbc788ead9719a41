// Issue 12, item 2: an erasure holds in every Vault on the same directory, in another process, and
// after a crash at any step of the erasure.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "vault/vault.hpp"
#include "vault_fixture.hpp"

namespace vigie {
namespace {

using testing::parse_object;
using testing::passphrase;

class VaultErasureTest : public testing::VaultTest {
 protected:
  std::unique_ptr<vault::Vault> open_another() {
    auto opened =
        vault::Vault::open(dir_.path(), passphrase(kPassphrase), clock_, testing::kTestMemory);
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? std::move(*opened) : nullptr;
  }

  // A patient with one observation; returns the patient's id.
  std::string patient_with_observation() {
    const std::string patient = create(R"({"resourceType":"Patient","gender":"female"})").id;
    create(R"({"resourceType":"Observation","status":"final","code":{"text":"pouls"},)"
           R"("subject":{"reference":"Patient/)" +
           patient + R"("}})");
    return patient;
  }

  static std::string observation_of(const std::string& patient) {
    return R"({"resourceType":"Observation","status":"final","code":{"text":"tension"},)"
           R"("subject":{"reference":"Patient/)" +
           patient + R"("}})";
  }
};

// The other vault has the patient's data key in its cache (it read and wrote the patient) and
// loaded the erased set before the erasure: neither may let it write or read the patient after.
TEST_F(VaultErasureTest, AnotherVaultOnTheSameDirectoryCannotWriteOrReadAnErasedPatient) {
  const std::string patient = patient_with_observation();
  std::unique_ptr<vault::Vault> other = open_another();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->read("Patient", patient));
  ASSERT_TRUE(other->create(parse_object(observation_of(patient))));
  auto sealed = other->seal_patient_note(patient, "bg-1", "raison clinique");
  ASSERT_TRUE(sealed);

  ASSERT_TRUE(vault_->erase_patient(patient));

  auto written = other->create(parse_object(observation_of(patient)));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::kConflict);
  auto updated = other->update("Patient", patient,
                               parse_object(R"({"resourceType":"Patient","gender":"male"})"));
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::kConflict);
  EXPECT_EQ(other->read("Patient", patient).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(other->read_version("Patient", patient, 1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(other->history("Patient", patient).error().code, ErrorCode::kNotFound);
  auto by_patient = fhir::parse_search("Observation", {{"patient", patient}});
  ASSERT_TRUE(by_patient);
  auto found = other->search(*by_patient);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->total, 0u);
  EXPECT_FALSE(other->open_patient_note(patient, "bg-1", *sealed));
  EXPECT_FALSE(other->seal_patient_note(patient, "bg-2", "autre raison"));
  auto ever_used = other->compartment_ever_used(patient);
  ASSERT_TRUE(ever_used);
  EXPECT_TRUE(*ever_used);

  // Nothing of the patient came back in the data file, seen from a fresh vault.
  reopen();
  auto query = fhir::parse_search("Observation", {{"patient", patient}});
  ASSERT_TRUE(query);
  EXPECT_EQ(vault_->search(*query)->total, 0u);
  EXPECT_EQ(vault_->read("Patient", patient).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace vigie
