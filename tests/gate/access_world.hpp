#pragma once

#include <algorithm>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "audit/entry.hpp"
#include "auth/authenticator.hpp"
#include "common/clock.hpp"
#include "crypto/secret_bytes.hpp"
#include "gate/gate.hpp"
#include "support/sign_in.hpp"
#include "support/temp_dir.hpp"
#include "support/vault_contents.hpp"

// A vault with accounts, for the access tests of the gate: the custodian sets it up, and people
// and services call the gate through real sessions and API tokens.

namespace vigie::testing {

inline constexpr std::string_view kNewPassword = "Tournesol bleu sur la colline 42!";
inline constexpr std::string_view kClientAddress = "192.0.2.10";

class AccessWorld {
 public:
  AccessWorld() {
    auth::AuthSettings settings;
    settings.password_limits = crypto::PasswordHashLimits{1, 8192};  // libsodium's minimum
    settings.session_idle_ms = 3LL * 60 * 60 * 1000;  // the matrix runs 30 minutes after its grants
    // Half the usual RLIMIT_MEMLOCK of 8 MiB, so that open_vault() fits beside it without root.
    auto created = gate::Gate::initialize(
        vault_dir_,
        gate::UnlockSecret{gate::UnlockerKind::kKeyFile, crypto::SecretBytes::copy_of(key_.view())},
        {}, audit::CheckpointPolicy{}, gate::current_local_user(), settings, clock_,
        config::Config{.memory = {.locked_mib = 4}, .exports = {}});
    EXPECT_TRUE(created) << created.error().message;
    if (created) {
      gate_ = std::move(created->gate);
      custodian_ = std::move(created->custodian);
    }
  }

  [[nodiscard]] gate::Gate& gate() { return *gate_; }
  [[nodiscard]] ManualClock& clock() { return clock_; }
  [[nodiscard]] const gate::Custodian& custodian() const { return *custodian_; }
  [[nodiscard]] const std::filesystem::path& vault_dir() const { return vault_dir_; }

  // Created by the custodian.
  gate::StoredResource make(std::string_view json) {
    auto created = gate_->create(*custodian_, boost::json::parse(json).as_object());
    EXPECT_TRUE(created) << created.error().message << " for " << json;
    return created ? std::move(*created) : gate::StoredResource{};
  }

  gate::StoredResource make_patient(std::string_view family) {
    return make(std::string(R"({"resourceType":"Patient","name":[{"family":")") +
                std::string(family) + R"("}]})");
  }

  gate::StoredResource make_observation(std::string_view patient_id) {
    return make(std::string(R"({"resourceType":"Observation","status":"final","code":{"coding":[
      {"system":"http://loinc.org","code":"8867-4"}]},"valueQuantity":{"value":72},
      "subject":{"reference":"Patient/)") +
                std::string(patient_id) + R"("}})");
  }

  // A person's account, signed in with the password they chose and the second factor they
  // enrolled at their first login (the one-time password alone).
  gate::Principal person(std::string_view login, access::Role role, std::string_view rpps = "") {
    auto enrolment = gate_->add_account(
        *custodian_, auth::NewAccount{std::string(login), "Camille Test", role, std::string(rpps)});
    EXPECT_TRUE(enrolment) << enrolment.error().message;
    if (!enrolment) {
      return gate::account_principal({}, {}, {});
    }
    const gate::Principal first = gate::account_principal(
        sign_in(login, enrolment->temporary_password, ""), std::string(kClientAddress), "test");
    auto changed = gate_->change_password(first, enrolment->temporary_password, kNewPassword);
    EXPECT_TRUE(changed) << changed.error().message;
    auto factor = gate_->enrol_second_factor(first);
    EXPECT_TRUE(factor) << factor.error().message;
    if (!factor) {
      return gate::account_principal({}, {}, {});
    }
    return gate::account_principal(sign_in(login, kNewPassword, factor->otpauth_uri),
                                   std::string(kClientAddress), "test");
  }

  // A session secret (the bearer), or "" when the login is refused. `uri` is the enrolment's
  // otpauth URI, or empty for an account without a second factor yet (the password alone).
  // Moves the clock to the next TOTP step afterwards, so that the account can sign in again.
  std::string sign_in(std::string_view login, std::string_view password, std::string_view uri) {
    auto session = gate_->login(
        auth::LoginRequest{
            std::string(login), crypto::SecretString(password),
            crypto::SecretString(uri.empty() ? std::string() : totp_code_now(uri, clock_.now_ms())),
            std::string(kClientAddress)},
        "test");
    clock_.advance_ms(31'000);
    return session ? session->secret : std::string();
  }

  // A service account with one API token holding `scope`.
  gate::Principal service(std::string_view login, std::string_view scope) {
    auto added = gate_->add_account(
        *custodian_,
        auth::NewAccount{std::string(login), "Interface labo", access::Role::kService, ""});
    EXPECT_TRUE(added) << added.error().message;
    auto token = gate_->create_token(*custodian_, login, {std::string(scope)},
                                     clock_.now_ms() + 30LL * 24 * 60 * 60 * 1000, {});
    EXPECT_TRUE(token) << token.error().message;
    return gate::account_principal(token ? token->secret : std::string(),
                                   std::string(kClientAddress), "test");
  }

  // Closes the gate and unlocks the vault again, as a restarted server would, with `watch` as the
  // detectors' settings.
  void reopen(const config::WatchConfig& watch = {}) {
    auto closed = gate_->close();
    EXPECT_TRUE(closed) << closed.error().message;
    gate_.reset();
    custodian_.reset();
    config::Config config;
    config.memory.locked_mib = 4;
    config.watch = watch;
    auto opened = gate::Gate::open(
        vault_dir_,
        gate::UnlockSecret{gate::UnlockerKind::kKeyFile, crypto::SecretBytes::copy_of(key_.view())},
        gate::current_local_user(), clock_, config);
    ASSERT_TRUE(opened) << opened.error().message;
    gate_ = std::move(opened->gate);
    custodian_ = std::move(opened->custodian);
  }

  // The world's vault opened directly, below the gate, as data written by an older vigie (or by
  // any tool holding the key) would be found. Beside the gate's vault in this process, with the
  // smallest budget.
  [[nodiscard]] std::unique_ptr<vault::Vault> open_vault() {
    auto opened = vault::Vault::open(vault_dir_,
                                     vault::UnlockSecret{store::UnlockerKind::kKeyFile,
                                                         crypto::SecretBytes::copy_of(key_.view())},
                                     clock_, {.locked_mib = config::kMinLockedMib});
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? std::move(*opened) : nullptr;
  }

  [[nodiscard]] std::vector<audit::Entry> entries() const { return audit_entries(vault_dir_); }

  [[nodiscard]] audit::Entry last_entry() const {
    std::vector<audit::Entry> all = entries();
    return all.empty() ? audit::Entry{} : all.back();
  }

  // The last entry of `action`: a call that raised an alert is followed by the alert's entries.
  [[nodiscard]] audit::Entry last_entry_of(std::string_view action) const {
    std::vector<audit::Entry> all = entries();
    const auto found = std::find_if(all.rbegin(), all.rend(), [&](const audit::Entry& entry) {
      return entry.action == action;
    });
    return found == all.rend() ? audit::Entry{} : *found;
  }

 private:
  TempDir dir_;
  std::filesystem::path vault_dir_ = dir_ / "vault";
  crypto::SecretBytes key_ = crypto::SecretBytes::random(32);
  ManualClock clock_{1'790'000'000'000};  // 2026-09-21
  std::optional<gate::Custodian> custodian_;
  std::unique_ptr<gate::Gate> gate_;
};

}  // namespace vigie::testing
