#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <boost/json.hpp>

#include "common/clock.hpp"
#include "crypto/secret_bytes.hpp"
#include "fhir/json.hpp"
#include "support/temp_dir.hpp"
#include "vault/vault.hpp"

namespace vigie::testing {

inline vault::UnlockSecret passphrase(std::string_view text) {
  return vault::UnlockSecret{
      store::UnlockerKind::kPassphrase,
      crypto::SecretBytes::copy_of({reinterpret_cast<const uint8_t*>(text.data()), text.size()})};
}

// Parses a test's JSON as vigie parses any input (numbers keep their text).
inline boost::json::object parse_object(std::string_view text) {
  return fhir::parse_json_object(text).value();
}

// The locked-memory budget of the vaults these tests open: some open several at once in one
// process, which must stay under the usual RLIMIT_MEMLOCK of 8 MiB when not run as root.
inline constexpr config::MemoryConfig kTestMemory{.locked_mib = 2};

// A vault in a temporary directory, created once per test and opened.
class VaultTest : public ::testing::Test {
 protected:
  static constexpr std::string_view kPassphrase = "correct horse battery staple";

  void SetUp() override {
    ASSERT_TRUE(vault::Vault::create(dir_.path(), passphrase(kPassphrase), {}, clock_));
    reopen();
  }

  void reopen() {
    vault_.reset();
    auto opened = vault::Vault::open(dir_.path(), passphrase(kPassphrase), clock_, kTestMemory);
    ASSERT_TRUE(opened) << opened.error().message;
    vault_ = std::move(*opened);
  }

  vault::StoredResource create(std::string_view json) {
    auto created = vault_->create(parse_object(json));
    EXPECT_TRUE(created) << created.error().message;
    return created ? std::move(*created) : vault::StoredResource{};
  }

  TempDir dir_;
  ManualClock clock_{1'780'000'000'000};
  std::unique_ptr<vault::Vault> vault_;
};

}  // namespace vigie::testing
