#include "gate/gate.hpp"

#include <gtest/gtest.h>
#include <optional>

#include <boost/json.hpp>

#include "crypto/secret_bytes.hpp"
#include "support/temp_dir.hpp"
#include "support/vault_contents.hpp"

namespace vigie {
namespace {

gate::UnlockSecret key_file_secret(const crypto::SecretBytes& key) {
  return gate::UnlockSecret{gate::UnlockerKind::kKeyFile, crypto::SecretBytes::copy_of(key.view())};
}

class GateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gate::UnlockSecret passphrase{
        gate::UnlockerKind::kPassphrase,
        crypto::SecretBytes::copy_of(std::span<const uint8_t>(
            reinterpret_cast<const uint8_t*>("a long enough passphrase"), 24))};
    gate::UnlockSecret key_file = key_file_secret(key_);
    ASSERT_TRUE(gate::Gate::initialize(dir_.path(), passphrase, {&key_file}, {}, user_));
    auto opened = gate::Gate::open(dir_.path(), key_file_secret(key_), user_);
    ASSERT_TRUE(opened) << opened.error().message;
    gate_ = std::move(opened->gate);
    custodian_ = std::move(opened->custodian);
  }

  const gate::LocalUser user_ = gate::current_local_user();
  std::optional<gate::Custodian> custodian_;
  testing::TempDir dir_;
  crypto::SecretBytes key_ = crypto::SecretBytes::random(32);
  std::unique_ptr<gate::Gate> gate_;
};

TEST_F(GateTest, CustodianIsTheCurrentOsUser) {
  EXPECT_FALSE(custodian_->user().os_user.empty());
  EXPECT_EQ(custodian_->user().os_user, user_.os_user);
}

TEST_F(GateTest, MalformedReferencesAreUsageErrors) {
  EXPECT_EQ(gate_->read(*custodian_, "Patientt", "abc").error().code, ErrorCode::kUsage);
  EXPECT_EQ(gate_->read(*custodian_, "Patient", "a/b").error().code, ErrorCode::kUsage);
  EXPECT_EQ(gate_->read(*custodian_, "Patient", std::string(65, 'a')).error().code,
            ErrorCode::kUsage);
  EXPECT_EQ(gate_->read_version(*custodian_, "Patient", "abc", 0).error().code, ErrorCode::kUsage);
  EXPECT_EQ(gate_->erase_patient(*custodian_, "").error().code, ErrorCode::kUsage);
  EXPECT_EQ(gate_->search(*custodian_, "Patient", {{"unknown", "x"}}).error().code,
            ErrorCode::kUsage);
}

TEST_F(GateTest, ImportChecksTheWholeBundleFirst) {
  const boost::json::object bad =
      boost::json::parse(R"({"resourceType":"Bundle","type":"transaction",
    "entry":[{"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}},
             {"resource":{"resourceType":"Patient","birthDate":"12/03/1984"},
              "request":{"method":"POST","url":"Patient"}}]})")
          .as_object();
  EXPECT_EQ(gate_->check_bundle(*custodian_, bad).error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(gate_->import_bundle(*custodian_, bad).error().code, ErrorCode::kInvalidInput);
  EXPECT_TRUE(gate_->count_by_type(*custodian_)->empty());
}

TEST_F(GateTest, CreateReadSearchAndErase) {
  auto created = gate_->create(
      *custodian_,
      boost::json::parse(R"({"resourceType":"Patient","name":[{"family":"Girard"}]})").as_object());
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_TRUE(gate_->read(*custodian_, "Patient", created->id));
  auto page = gate_->search(*custodian_, "Patient", {{"family", "gir"}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 1u);
  ASSERT_TRUE(gate_->erase_patient(*custodian_, created->id));
  EXPECT_EQ(gate_->read(*custodian_, "Patient", created->id).error().code, ErrorCode::kNotFound);
}

TEST_F(GateTest, AnUpdateWithIfMatchWritesOnlyAtTheExpectedVersion) {
  auto patient = [](std::string_view family) {
    return boost::json::parse(std::string(R"({"resourceType":"Patient","name":[{"family":")") +
                              std::string(family) + R"("}]})")
        .as_object();
  };
  auto created = gate_->update(*custodian_, "Patient", "p-if-match", patient("Roux"), 0);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->version, 1);

  auto stale = gate_->update(*custodian_, "Patient", "p-if-match", patient("Blanc"), 0);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kPreconditionFailed);
  auto updated = gate_->update(*custodian_, "Patient", "p-if-match", patient("Blanc"), 1);
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(updated->version, 2);
  auto behind = gate_->update(*custodian_, "Patient", "p-if-match", patient("Noir"), 1);
  ASSERT_FALSE(behind);
  EXPECT_EQ(behind.error().code, ErrorCode::kPreconditionFailed);

  auto current = gate_->read(*custodian_, "Patient", "p-if-match");
  ASSERT_TRUE(current);
  EXPECT_EQ(current->version, 2);
  EXPECT_EQ(current->resource.at("name").at(0).at("family"), "Blanc");
  // The refused update is in the log, before the read.
  std::vector<audit::Entry> updates;
  for (audit::Entry& entry : testing::audit_entries(dir_.path())) {
    if (entry.action == "update") {
      updates.push_back(std::move(entry));
    }
  }
  ASSERT_FALSE(updates.empty());
  EXPECT_EQ(updates.back().outcome, audit::Outcome::kFailed);
  EXPECT_EQ(updates.back().reason, "precondition-failed");
}

TEST(GateOpen, WrongKeyFileIsUnlockFailed) {
  testing::TempDir dir;
  gate::UnlockSecret key{gate::UnlockerKind::kKeyFile, crypto::SecretBytes::random(32)};
  const gate::LocalUser user = gate::current_local_user();
  ASSERT_TRUE(gate::Gate::initialize(dir.path(), key, {}, {}, user));
  gate::UnlockSecret other{gate::UnlockerKind::kKeyFile, crypto::SecretBytes::random(32)};
  EXPECT_EQ(gate::Gate::open(dir.path(), other, user).error().code, ErrorCode::kUnlockFailed);
}

}  // namespace
}  // namespace vigie
