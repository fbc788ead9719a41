#include <gtest/gtest.h>

#include <span>
#include <stdexcept>

#include "store/store.hpp"
#include "vault/vault.hpp"
#include "vault_fixture.hpp"

namespace vigie {
namespace {

using testing::parse_object;
using testing::VaultTest;

constexpr std::string_view kPatient = R"({"resourceType":"Patient",
  "name":[{"family":"Lefèvre","given":["Élodie"]}],"gender":"female","birthDate":"1984-03-12"})";

TEST_F(VaultTest, AnErrorFromTheHookLeavesNothingWritten) {
  int hook_calls = 0;
  auto refused = vault_->create(
      parse_object(kPatient),
      [&](store::DataStore& transaction, std::span<const vault::EntryOutcome>) -> Result<void> {
        ++hook_calls;
        if (auto marked = transaction.set_meta("hook", "ran"); !marked) {
          return marked;
        }
        return fail(ErrorCode::kInternal, "the hook refuses");
      });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "the hook refuses");
  EXPECT_EQ(hook_calls, 1);
  EXPECT_TRUE(vault_->count_by_type()->empty());
  create(kPatient);
  EXPECT_EQ(vault_->count_by_type()->at("Patient"), 1);
}

TEST_F(VaultTest, AnExceptionFromTheHookLeavesNothingWrittenAndTheVaultUsable) {
  int hook_calls = 0;
  EXPECT_THROW(
      static_cast<void>(vault_->create(
          parse_object(kPatient),
          [&](store::DataStore& transaction, std::span<const vault::EntryOutcome>) -> Result<void> {
            ++hook_calls;
            if (auto marked = transaction.set_meta("hook", "ran"); !marked) {
              return marked;
            }
            throw std::runtime_error("the hook throws");
          })),
      std::runtime_error);
  EXPECT_EQ(hook_calls, 1);
  EXPECT_TRUE(vault_->count_by_type()->empty());
  // The next write begins a transaction of its own: the one the exception left was rolled back.
  vault::StoredResource created = create(kPatient);
  EXPECT_EQ(vault_->count_by_type()->at("Patient"), 1);
  auto read = vault_->read("Patient", created.id);
  ASSERT_TRUE(read) << read.error().message;
  // What reached the disk is what the next write committed, and nothing of the rolled-back one.
  reopen();
  EXPECT_EQ(vault_->count_by_type()->at("Patient"), 1);
}

}  // namespace
}  // namespace vigie
