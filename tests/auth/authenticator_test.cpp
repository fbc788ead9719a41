#include "auth/authenticator.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "access/scope.hpp"
#include "auth/base32.hpp"
#include "auth/totp.hpp"
#include "common/clock.hpp"
#include "crypto/password_hash.hpp"
#include "crypto/secret_bytes.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "store/store_test_support.hpp"

// The Authenticator against a real SQLite data file: accounts, logins, back-off and locking,
// sessions, API tokens, settings, and the properties an attacker probes (replays, races, user
// enumeration, secrets at rest).

namespace vigie::auth {
namespace {

using store::test_support::contains;
using store::test_support::read_bytes;
using store::test_support::TempDir;

constexpr int64_t kStartMs = 1'700'000'000'000;  // 2023-11-14, inside a TOTP step
constexpr int64_t kStepMs = kTotpPeriodSeconds * 1000;
constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 60 * kMinuteMs;
constexpr int64_t kDayMs = 24 * kHourMs;
// libsodium's minimum Argon2id cost (crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), so
// that the tests are fast.
constexpr crypto::PasswordHashLimits kCheapLimits{1, 8192};
constexpr std::string_view kAddress = "192.0.2.1";
constexpr std::string_view kStrongPassword = "Kx7#pLm2qR9w";

// RFC 4648 base32 without padding (the inverse of auth::base32_encode).
std::vector<uint8_t> base32_decode(std::string_view text) {
  std::vector<uint8_t> bytes;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    uint32_t value = 0;
    if (c >= 'A' && c <= 'Z') {
      value = static_cast<uint32_t>(c - 'A');
    } else if (c >= '2' && c <= '7') {
      value = static_cast<uint32_t>(c - '2' + 26);
    } else {
      ADD_FAILURE() << "not base32: " << text;
      return {};
    }
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<uint8_t>(buffer >> bits));
      buffer &= (1U << bits) - 1;
    }
  }
  return bytes;
}

// The TOTP secret of an otpauth:// URI.
std::vector<uint8_t> totp_secret_of(std::string_view uri) {
  const size_t begin = uri.find("secret=");
  if (begin == std::string::npos) {
    ADD_FAILURE() << "no secret in the URI";
    return {};
  }
  const size_t end = uri.find('&', begin);
  return base32_decode(uri.substr(begin + 7, end - begin - 7));
}

// A test keeps the secrets it was shown in plain strings, to replay them.
std::string text_of(const crypto::SecretString& secret) { return std::string(secret.view()); }

std::vector<std::string> texts_of(const std::vector<crypto::SecretString>& secrets) {
  std::vector<std::string> texts;
  for (const crypto::SecretString& secret : secrets) {
    texts.push_back(text_of(secret));
  }
  return texts;
}

std::vector<uint8_t> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

std::string without_hyphens(std::string text) {
  std::erase(text, '-');
  return text;
}

AuthSettings cheap_settings() {
  AuthSettings settings;
  settings.password_limits = kCheapLimits;
  return settings;
}

// What a test keeps of a person's enrolment.
struct Person {
  std::string login;
  std::string password;
  std::vector<uint8_t> totp;
  std::vector<std::string> recovery_codes;
};

double median(std::vector<double> values) {
  std::ranges::sort(values);
  return values[values.size() / 2];
}

// A DataStore that forwards every call to another one and runs a hook once, just before the next
// begin(): it lets a test slip a concurrent change between a read and the transaction that
// follows it.
class HookedStore final : public store::DataStore {
 public:
  explicit HookedStore(store::DataStore& inner) : inner_(inner) {}

  std::function<void()> before_begin;

  Result<void> begin() override {
    if (before_begin) {
      auto hook = std::move(before_begin);
      before_begin = nullptr;
      hook();
    }
    return inner_.begin();
  }
  Result<void> commit() override { return inner_.commit(); }
  void rollback() override { inner_.rollback(); }
  Result<void> commit_durable() override { return inner_.commit_durable(); }
  Result<void> begin_read() override { return inner_.begin_read(); }
  Result<void> append_version(const store::ResourceVersionRow& row,
                              std::span<const store::SearchToken> tokens) override {
    return inner_.append_version(row, tokens);
  }
  Result<std::optional<store::CredentialWithAccount>> credential_with_account_by_hash(
      std::span<const uint8_t, 32> secret_hash) override {
    return inner_.credential_with_account_by_hash(secret_hash);
  }
  Result<std::optional<store::ResourceVersionRow>> latest_version(const std::string& type,
                                                                  const std::string& id) override {
    return inner_.latest_version(type, id);
  }
  std::optional<uint32_t> file_version() const override { return inner_.file_version(); }
  Result<std::optional<store::ResourceVersionRow>> read_version(const std::string& type,
                                                                const std::string& id,
                                                                int64_t version) override {
    return inner_.read_version(type, id, version);
  }
  Result<std::vector<store::ResourceVersionRow>> history(const std::string& type,
                                                         const std::string& id) override {
    return inner_.history(type, id);
  }
  Result<std::vector<store::ResourceVersionRow>> versions_of_type(const std::string& type,
                                                                  int64_t since_ms,
                                                                  int64_t until_ms) override {
    return inner_.versions_of_type(type, since_ms, until_ms);
  }
  Result<std::vector<store::ResourceVersionRow>> current_in_compartment(
      const std::string& compartment) override {
    return inner_.current_in_compartment(compartment);
  }
  Result<std::vector<std::string>> find_ids(const std::string& type,
                                            std::span<const store::TokenGroup> groups) override {
    return inner_.find_ids(type, groups);
  }
  Result<std::map<std::string, int64_t>> count_by_type() override { return inner_.count_by_type(); }
  Result<std::vector<std::string>> compartments() override { return inner_.compartments(); }
  Result<std::vector<TypeLastUpdate>> last_updates() override { return inner_.last_updates(); }
  Result<int64_t> remove_compartment(const std::string& compartment) override {
    return inner_.remove_compartment(compartment);
  }
  Result<RemovedRows> remove_compartment_rows(const std::string& compartment,
                                              int64_t max_resources) override {
    return inner_.remove_compartment_rows(compartment, max_resources);
  }
  Result<int64_t> count_versions_in(const std::string& compartment) override {
    return inner_.count_versions_in(compartment);
  }
  Result<std::map<std::string, int64_t>> count_current_in(const std::string& compartment) override {
    return inner_.count_current_in(compartment);
  }
  Result<std::optional<std::string>> get_meta(const std::string& key) override {
    return inner_.get_meta(key);
  }
  Result<void> set_meta(const std::string& key, const std::string& value) override {
    return inner_.set_meta(key, value);
  }
  Result<void> mark_intent_committed(int64_t last_seq) override {
    return inner_.mark_intent_committed(last_seq);
  }
  Result<bool> intent_committed(int64_t last_seq) override {
    return inner_.intent_committed(last_seq);
  }
  Result<std::optional<store::AccountRow>> account(const std::string& login) override {
    return inner_.account(login);
  }
  Result<std::vector<store::AccountRow>> accounts() override { return inner_.accounts(); }
  Result<void> insert_account(const store::AccountRow& row) override {
    return inner_.insert_account(row);
  }
  Result<void> update_account(const store::AccountRow& row) override {
    return inner_.update_account(row);
  }
  Result<void> insert_credential(const store::CredentialRow& row) override {
    return inner_.insert_credential(row);
  }
  Result<std::optional<store::CredentialRow>> credential_by_hash(
      std::span<const uint8_t, 32> secret_hash) override {
    return inner_.credential_by_hash(secret_hash);
  }
  Result<std::optional<store::CredentialRow>> credential(const std::string& id) override {
    return inner_.credential(id);
  }
  Result<std::vector<store::CredentialRow>> credentials_of(const std::string& login) override {
    return inner_.credentials_of(login);
  }
  Result<void> touch_credential(const std::string& id, int64_t last_used_ms) override {
    return inner_.touch_credential(id, last_used_ms);
  }
  Result<bool> revoke_credential(const std::string& id, int64_t revoked_ms) override {
    return inner_.revoke_credential(id, revoked_ms);
  }
  Result<int64_t> revoke_credentials_of(const std::string& login, int64_t revoked_ms) override {
    return inner_.revoke_credentials_of(login, revoked_ms);
  }
  Result<bool> add_assignment(const store::AssignmentRow& row) override {
    return inner_.add_assignment(row);
  }
  Result<bool> remove_assignment(const std::string& login, const std::string& patient_id,
                                 const std::string& source) override {
    return inner_.remove_assignment(login, patient_id, source);
  }
  Result<int64_t> remove_assignments_from(const std::string& source) override {
    return inner_.remove_assignments_from(source);
  }
  Result<int64_t> remove_assignments_to(const std::string& patient_id) override {
    return inner_.remove_assignments_to(patient_id);
  }
  Result<bool> is_assigned(const std::string& login, const std::string& patient_id) override {
    return inner_.is_assigned(login, patient_id);
  }
  Result<std::vector<store::CurrentMetadata>> current_metadata(
      const std::string& type, std::span<const std::string> ids) override {
    return inner_.current_metadata(type, ids);
  }
  Result<std::vector<store::AssignmentRow>> assignments_of(const std::string& login) override {
    return inner_.assignments_of(login);
  }
  Result<void> insert_break_glass(const store::BreakGlassRow& row) override {
    return inner_.insert_break_glass(row);
  }
  Result<std::vector<store::BreakGlassRow>> break_glass_of(const std::string& login,
                                                           int64_t since_ms) override {
    return inner_.break_glass_of(login, since_ms);
  }
  Result<bool> insert_client_key(const store::ClientKeyRow& row) override {
    return inner_.insert_client_key(row);
  }
  Result<std::vector<store::ClientKeyRow>> client_keys(const std::string& login) override {
    return inner_.client_keys(login);
  }
  Result<int64_t> insert_alert(const store::AlertRow& row) override {
    return inner_.insert_alert(row);
  }
  Result<std::vector<store::AlertRow>> list_alerts(int64_t after_id, size_t limit,
                                                   bool open_only) override {
    return inner_.list_alerts(after_id, limit, open_only);
  }
  Result<bool> acknowledge_alert(int64_t id, const std::string& by, int64_t at_ms) override {
    return inner_.acknowledge_alert(id, by, at_ms);
  }
  Result<std::vector<store::DueAlert>> due_alert_deliveries(const std::string& sink, int64_t now_ms,
                                                            size_t limit) override {
    return inner_.due_alert_deliveries(sink, now_ms, limit);
  }
  Result<void> save_alert_delivery(const store::AlertDeliveryRow& row) override {
    return inner_.save_alert_delivery(row);
  }
  Result<std::vector<store::AlertDeliveryRow>> alert_deliveries(int64_t after_id,
                                                                int64_t last_id) override {
    return inner_.alert_deliveries(after_id, last_id);
  }
  Result<bool> remember_assertion_id(std::span<const uint8_t, 32> id_hash,
                                     int64_t expires_ms) override {
    return inner_.remember_assertion_id(id_hash, expires_ms);
  }
  Result<int64_t> forget_assertion_ids_before(int64_t now_ms) override {
    return inner_.forget_assertion_ids_before(now_ms);
  }

 private:
  store::DataStore& inner_;
};

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::sqlite::open_data_store(path(), store::OpenMode::kCreate);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
    auth_ = make_authenticator(cheap_settings());
  }

  [[nodiscard]] std::filesystem::path path() const { return dir_.path() / "data.db"; }

  // An Authenticator with the fixture's keys (so it reads what the others wrote) and `settings`.
  std::unique_ptr<Authenticator> make_authenticator(const AuthSettings& settings) {
    return std::make_unique<Authenticator>(
        AuthKeys{crypto::SecretBytes::copy_of(pepper_.view()),
                 crypto::SecretBytes::copy_of(secret_key_.view())},
        settings, clock_);
  }

  // Runs `change` in a transaction of the fixture's store: committed when it succeeds (a refused
  // login is a success that the gate commits with its audit entry), rolled back otherwise.
  template <typename Change>
  auto committed(Change&& change) -> decltype(change()) {
    auto begun = store_->begin();
    EXPECT_TRUE(begun) << begun.error().message;
    auto result = change();
    if (result) {
      auto done = store_->commit();
      EXPECT_TRUE(done) << done.error().message;
    } else {
      store_->rollback();
    }
    return result;
  }

  Person add_person(Authenticator& auth, const std::string& login,
                    access::Role role = access::Role::kPractitioner) {
    auto enrolment = committed([&] {
      return auth.add_account(*store_, NewAccount{login, "Jeanne Martin", role, ""});
    });
    if (!enrolment) {
      ADD_FAILURE() << "add_account: " << enrolment.error().message;
      return Person{login, "", {}, {}};
    }
    // The person's own enrolment, as at their first login.
    auto factor = committed([&] { return auth.enrol_second_factor(*store_, login); });
    if (!factor) {
      ADD_FAILURE() << "enrol_second_factor: " << factor.error().message;
      return Person{login, text_of(enrolment->temporary_password), {}, {}};
    }
    return Person{login, text_of(enrolment->temporary_password),
                  totp_secret_of(factor->otpauth_uri), texts_of(factor->recovery_codes)};
  }
  Person add_person(const std::string& login, access::Role role = access::Role::kPractitioner) {
    return add_person(*auth_, login, role);
  }

  void add_service(const std::string& login) {
    auto enrolment = committed([&] {
      return auth_->add_account(*store_,
                                NewAccount{login, "Laboratoire", access::Role::kService, ""});
    });
    ASSERT_TRUE(enrolment) << enrolment.error().message;
  }

  [[nodiscard]] std::string code_now(const std::vector<uint8_t>& totp) const {
    return totp_code(totp, totp_step_at(clock_.now_ms() / 1000));
  }

  static LoginRequest request(const std::string& login, std::string_view password,
                              std::string_view second_factor, std::string_view address = kAddress) {
    return LoginRequest{login, crypto::SecretString(password), crypto::SecretString(second_factor),
                        std::string(address)};
  }

  // Both halves of a login, as the gate runs them.
  Result<LoginOutcome> attempt(Authenticator& auth, const LoginRequest& login) {
    auto check = auth.check_login(*store_, login);
    if (!check) {
      return tl::unexpected(check.error());
    }
    return committed([&] { return auth.record_login(*store_, *check, login); });
  }
  Result<LoginOutcome> attempt(const LoginRequest& login) { return attempt(*auth_, login); }

  // A refused login: both halves answer (no Error that could tell why) and no session is issued.
  // Returns the refusal.
  std::string refused(Authenticator& auth, const LoginRequest& login) {
    auto outcome = attempt(auth, login);
    if (!outcome) {
      ADD_FAILURE() << "the login answered with an error: " << outcome.error().message;
      return "";
    }
    EXPECT_FALSE(outcome->session.has_value());
    EXPECT_FALSE(outcome->refusal.empty());
    return outcome->refusal;
  }
  std::string refused(const LoginRequest& login) { return refused(*auth_, login); }

  // A login with the password and the code of the next TOTP step (the clock moves 30 s on, so
  // that the code was never used); it must succeed.
  IssuedSession sign_in(Authenticator& auth, const Person& person, std::string_view password,
                        std::string_view address = kAddress) {
    clock_.advance_ms(kStepMs);
    auto outcome = attempt(auth, request(person.login, password, code_now(person.totp), address));
    if (!outcome || !outcome->session) {
      ADD_FAILURE() << "sign-in of " << person.login
                    << " refused: " << (outcome ? outcome->refusal : outcome.error().message);
      return IssuedSession{};
    }
    EXPECT_TRUE(outcome->refusal.empty());
    EXPECT_FALSE(outcome->session->id.empty());
    EXPECT_FALSE(outcome->session->secret.empty());
    return *outcome->session;
  }
  IssuedSession sign_in(const Person& person) { return sign_in(*auth_, person, person.password); }

  AccountView view(const std::string& login) {
    auto shown = auth_->show_account(*store_, login);
    EXPECT_TRUE(shown) << shown.error().message;
    return shown ? *shown : AccountView{};
  }

  store::AccountRow row(const std::string& login) {
    auto found = store_->account(login);
    EXPECT_TRUE(found && found->has_value());
    return found && found->has_value() ? **found : store::AccountRow{};
  }

  Result<Authenticated> authenticate(const std::string& secret,
                                     std::string_view address = kAddress) {
    return auth_->authenticate(*store_, secret, address);
  }

  void expect_authentication_fails(const std::string& secret, std::string_view address = kAddress) {
    auto found = authenticate(secret, address);
    ASSERT_FALSE(found.has_value());
    EXPECT_EQ(found.error().code, ErrorCode::kAuthenticationFailed);
  }

  Result<IssuedToken> create_token(const std::string& login, const std::vector<std::string>& scopes,
                                   int64_t expires_ms,
                                   const std::vector<std::string>& addresses = {}) {
    return committed(
        [&] { return auth_->create_token(*store_, login, scopes, expires_ms, addresses); });
  }

  // Every byte of the data file and its write-ahead log.
  [[nodiscard]] std::vector<uint8_t> raw_files() const {
    std::vector<uint8_t> bytes = read_bytes(path());
    const std::filesystem::path wal = path().string() + "-wal";
    if (std::filesystem::exists(wal)) {
      const std::vector<uint8_t> log = read_bytes(wal);
      bytes.insert(bytes.end(), log.begin(), log.end());
    }
    return bytes;
  }

  TempDir dir_;
  ManualClock clock_{kStartMs};
  crypto::SecretBytes pepper_ = crypto::SecretBytes::random(32);
  crypto::SecretBytes secret_key_ = crypto::SecretBytes::random(32);
  std::unique_ptr<store::DataStore> store_;
  std::unique_ptr<Authenticator> auth_;
};

template <typename T>
void expect_code(const Result<T>& result, ErrorCode code) {
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, code) << result.error().message;
}

// --- The test's own helpers.

TEST(AuthenticatorTestHelpers, Base32DecodeInvertsTheEncoder) {
  const std::vector<uint8_t> bytes = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x12, 0x34, 0x56, 0x78,
                                      0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
  for (size_t size = 0; size <= bytes.size(); ++size) {
    const std::span<const uint8_t> prefix(bytes.data(), size);
    EXPECT_EQ(base32_decode(base32_encode(prefix)),
              std::vector<uint8_t>(prefix.begin(), prefix.end()));
  }
}

// --- Names.

TEST(AuthenticatorNamesTest, CheckLoginNameAcceptsTwoToSixtyFourOfAz09DotUnderscoreHyphen) {
  for (std::string_view login : {"ab", "j.martin", "a_b-c.9", "zz"}) {
    EXPECT_TRUE(check_login_name(login)) << login;
  }
  EXPECT_TRUE(check_login_name("a" + std::string(63, '9')));
  for (std::string_view login : {"", "a", "9ab", ".ab", "_ab", "Ab", "a b", "a/b", "a@b", "é"}) {
    auto checked = check_login_name(login);
    ASSERT_FALSE(checked) << login;
    EXPECT_EQ(checked.error().code, ErrorCode::kUsage);
  }
  EXPECT_FALSE(check_login_name("a" + std::string(64, '9')));
  EXPECT_FALSE(check_login_name(std::string_view("ab\0c", 4)));
}

TEST(AuthenticatorNamesTest, StatusNamesRoundTrip) {
  for (AccountStatus status :
       {AccountStatus::kActive, AccountStatus::kLocked, AccountStatus::kDisabled}) {
    EXPECT_EQ(parse_status(name_of(status)), status);
  }
  EXPECT_FALSE(parse_status("Active").has_value());
  EXPECT_FALSE(parse_status("").has_value());
}

// --- Accounts.

TEST_F(AuthenticatorTest, AddAccountGivesAPersonAOneTimePasswordAndTheirEnrolmentTheRest) {
  auto enrolment = committed([&] {
    return auth_->add_account(*store_, NewAccount{"jmartin", "Jeanne Martin",
                                                  access::Role::kPractitioner, "10101010101"});
  });
  ASSERT_TRUE(enrolment) << enrolment.error().message;
  EXPECT_GE(without_hyphens(text_of(enrolment->temporary_password)).size(), 20U);
  EXPECT_EQ(enrolment->otpauth_uri.view(), "")
      << "whoever creates the account gets no second factor";
  EXPECT_TRUE(enrolment->recovery_codes.empty());
  EXPECT_TRUE(row("jmartin").totp_sealed.empty());
  EXPECT_EQ(view("jmartin").unused_recovery_codes, 0);

  // The first login takes the one-time password alone; the session must enrol a second factor.
  auto first = attempt(request("jmartin", enrolment->temporary_password, ""));
  ASSERT_TRUE(first && first->session) << (first ? first->refusal : first.error().message);
  EXPECT_TRUE(first->session->password_change_required);
  EXPECT_TRUE(first->session->second_factor_missing);
  auto authenticated = authenticate(first->session->secret);
  ASSERT_TRUE(authenticated) << authenticated.error().message;
  EXPECT_TRUE(authenticated->second_factor_missing);

  auto factor = committed([&] { return auth_->enrol_second_factor(*store_, "jmartin"); });
  ASSERT_TRUE(factor) << factor.error().message;
  EXPECT_TRUE(factor->temporary_password.empty());
  EXPECT_TRUE(factor->otpauth_uri.view().starts_with("otpauth://totp/vigie:jmartin?secret="))
      << factor->otpauth_uri.view();
  EXPECT_EQ(totp_secret_of(factor->otpauth_uri).size(), kTotpSecretBytes);
  ASSERT_EQ(factor->recovery_codes.size(), 10U);
  std::vector<std::string> distinct = texts_of(factor->recovery_codes);
  std::ranges::sort(distinct);
  EXPECT_EQ(std::ranges::unique(distinct).begin(), distinct.end());
  // Enrolling ends the session opened without it; the password alone no longer signs in.
  expect_authentication_fails(first->session->secret);
  EXPECT_EQ(refused(request("jmartin", enrolment->temporary_password, "")), "wrong second factor");
  expect_code(committed([&] { return auth_->enrol_second_factor(*store_, "jmartin"); }),
              ErrorCode::kConflict);

  const AccountView shown = view("jmartin");
  EXPECT_EQ(shown.login, "jmartin");
  EXPECT_EQ(shown.display_name, "Jeanne Martin");
  EXPECT_EQ(shown.role, access::Role::kPractitioner);
  EXPECT_EQ(shown.rpps, "10101010101");
  EXPECT_EQ(shown.status, AccountStatus::kActive);
  EXPECT_TRUE(shown.password_temporary);
  EXPECT_EQ(shown.unused_recovery_codes, 10);
  EXPECT_EQ(shown.created_ms, kStartMs);
}

TEST_F(AuthenticatorTest, AddAccountGivesAServiceNoPasswordNoSecondFactorNoCodes) {
  auto enrolment = committed([&] {
    return auth_->add_account(*store_,
                              NewAccount{"labo-sync", "Laboratoire", access::Role::kService, ""});
  });
  ASSERT_TRUE(enrolment) << enrolment.error().message;
  EXPECT_TRUE(enrolment->temporary_password.empty());
  EXPECT_TRUE(enrolment->otpauth_uri.empty());
  EXPECT_TRUE(enrolment->recovery_codes.empty());
  const store::AccountRow stored = row("labo-sync");
  EXPECT_TRUE(stored.password_hash.empty());
  EXPECT_TRUE(stored.totp_sealed.empty());
  EXPECT_FALSE(stored.password_temporary);
  EXPECT_EQ(view("labo-sync").role, access::Role::kService);
  EXPECT_EQ(view("labo-sync").unused_recovery_codes, 0);
}

TEST_F(AuthenticatorTest, AddAccountRefusesABadLoginNameOrRppsWithUsageAndWritesNothing) {
  const std::string long_login = "a" + std::string(64, 'b');
  const std::vector<NewAccount> bad = {
      {"", "Nom", access::Role::kPractitioner, ""},
      {"a", "Nom", access::Role::kPractitioner, ""},
      {long_login, "Nom", access::Role::kPractitioner, ""},
      {"1abc", "Nom", access::Role::kPractitioner, ""},
      {"-abc", "Nom", access::Role::kPractitioner, ""},
      {"Jmartin", "Nom", access::Role::kPractitioner, ""},
      {"j martin", "Nom", access::Role::kPractitioner, ""},
      {"jmartin@x", "Nom", access::Role::kPractitioner, ""},
      {"jmartín", "Nom", access::Role::kPractitioner, ""},
      {"jmartin", "", access::Role::kPractitioner, ""},
      {"jmartin", std::string(201, 'x'), access::Role::kPractitioner, ""},
      {"jmartin", "Jeanne\nMartin", access::Role::kPractitioner, ""},
      {"jmartin", "Jeanne\tMartin", access::Role::kPractitioner, ""},
      {"jmartin", "Jeanne \xff Martin", access::Role::kPractitioner, ""},
      {"jmartin", "Jeanne \xc3", access::Role::kPractitioner, ""},
      {"jmartin", "Nom", access::Role::kPractitioner, "1010101010"},
      {"jmartin", "Nom", access::Role::kPractitioner, "101010101010"},
      {"jmartin", "Nom", access::Role::kPractitioner, "1010101010a"},
      {"jmartin", "Nom", access::Role::kPractitioner, "10101 10101"},
      {"labo", "Labo", access::Role::kService, "10101010101"},
  };
  for (const NewAccount& account : bad) {
    SCOPED_TRACE(account.login + " / " + account.display_name + " / " + account.rpps);
    expect_code(committed([&] { return auth_->add_account(*store_, account); }), ErrorCode::kUsage);
  }
  auto all = auth_->list_accounts(*store_);
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_TRUE(all->empty());
}

TEST_F(AuthenticatorTest, AddAccountAcceptsTheBoundariesOfLoginAndName) {
  for (const std::string& login :
       {std::string("ab"), "a" + std::string(63, 'z'), std::string("j.martin_2-x")}) {
    SCOPED_TRACE(login);
    EXPECT_TRUE(committed([&] {
      return auth_->add_account(
          *store_, NewAccount{login, std::string(200, 'x'), access::Role::kService, ""});
    }));
  }
}

TEST_F(AuthenticatorTest, AddAccountCountsTheDisplayNameInCharactersAsTheHeaderSays) {
  // The header: "1 to 200 characters of valid UTF-8". 200 accented letters are 400 bytes.
  std::string name;
  for (int i = 0; i < 200; ++i) {
    name += "é";
  }
  auto added = committed([&] {
    return auth_->add_account(*store_, NewAccount{"accents", name, access::Role::kService, ""});
  });
  EXPECT_TRUE(added) << added.error().message;
  expect_code(committed([&] {
                return auth_->add_account(
                    *store_, NewAccount{"accents2", name + "é", access::Role::kService, ""});
              }),
              ErrorCode::kUsage);
}

TEST_F(AuthenticatorTest, AddAccountRefusesDelAndC1ControlCharactersInTheDisplayName) {
  // "no control character": U+007F and U+0080..U+009F are control characters too (U+009B is a
  // terminal CSI: a display name printed by the CLI must not drive the terminal).
  for (const std::string& name : {std::string("Jeanne\x7fMartin"), std::string("Jeanne\xc2\x85"),
                                  std::string("Jeanne\xc2\x9b[2J")}) {
    SCOPED_TRACE(name);
    expect_code(committed([&] {
                  return auth_->add_account(
                      *store_, NewAccount{"jmartin", name, access::Role::kService, ""});
                }),
                ErrorCode::kUsage);
  }
}

TEST_F(AuthenticatorTest, AddAccountRefusesAnExistingLoginWithConflict) {
  add_person("jmartin");
  const std::string password_hash = row("jmartin").password_hash;
  expect_code(committed([&] {
                return auth_->add_account(
                    *store_, NewAccount{"jmartin", "Autre", access::Role::kService, ""});
              }),
              ErrorCode::kConflict);
  EXPECT_EQ(row("jmartin").password_hash, password_hash);
  EXPECT_EQ(view("jmartin").display_name, "Jeanne Martin");
}

TEST_F(AuthenticatorTest, TheDataFileNeverHoldsAnEnrolmentOrABearerSecretInClear) {
  auto enrolment = committed([&] {
    return auth_->add_account(
        *store_, NewAccount{"jmartin", "Jeanne Martin", access::Role::kPractitioner, ""});
  });
  ASSERT_TRUE(enrolment) << enrolment.error().message;
  auto factor = committed([&] { return auth_->enrol_second_factor(*store_, "jmartin"); });
  ASSERT_TRUE(factor) << factor.error().message;
  const Person person{"jmartin", text_of(enrolment->temporary_password),
                      totp_secret_of(factor->otpauth_uri), texts_of(factor->recovery_codes)};
  const IssuedSession session = sign_in(person);
  add_service("labo");
  auto token = create_token("labo", {"system/Observation.cr"}, clock_.now_ms() + kDayMs);
  ASSERT_TRUE(token) << token.error().message;

  const std::vector<uint8_t> raw = raw_files();
  ASSERT_FALSE(raw.empty());
  ASSERT_TRUE(contains(raw, bytes_of("jmartin")));  // the search itself works
  EXPECT_FALSE(contains(raw, bytes_of(person.password)));
  EXPECT_FALSE(contains(raw, bytes_of(without_hyphens(person.password))));
  EXPECT_FALSE(contains(raw, person.totp));
  EXPECT_FALSE(contains(raw, bytes_of(base32_encode(person.totp))));
  for (const std::string& code : person.recovery_codes) {
    EXPECT_FALSE(contains(raw, bytes_of(code))) << "a recovery code";
    EXPECT_FALSE(contains(raw, bytes_of(without_hyphens(code)))) << "a recovery code";
  }
  EXPECT_FALSE(contains(raw, bytes_of(session.secret)));
  EXPECT_FALSE(contains(raw, bytes_of(token->secret)));
}

TEST_F(AuthenticatorTest, ShowSetStatusResetRefuseAnUnknownLoginWithNotFound) {
  expect_code(auth_->show_account(*store_, "nobody"), ErrorCode::kNotFound);
  expect_code(
      committed([&] { return auth_->set_status(*store_, "nobody", AccountStatus::kLocked); }),
      ErrorCode::kNotFound);
  expect_code(committed([&] { return auth_->reset_password(*store_, "nobody"); }),
              ErrorCode::kNotFound);
  expect_code(committed([&] { return auth_->reset_second_factor(*store_, "nobody"); }),
              ErrorCode::kNotFound);
  expect_code(create_token("nobody", {"system/Patient.r"}, clock_.now_ms() + kDayMs),
              ErrorCode::kNotFound);
}

TEST_F(AuthenticatorTest, ListAccountsShowsEveryAccountInLoginOrder) {
  add_person("zoe");
  add_service("alpha");
  add_person("marc", access::Role::kAdmin);
  auto all = auth_->list_accounts(*store_);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 3U);
  EXPECT_EQ((*all)[0].login, "alpha");
  EXPECT_EQ((*all)[0].role, access::Role::kService);
  EXPECT_EQ((*all)[1].login, "marc");
  EXPECT_EQ((*all)[1].role, access::Role::kAdmin);
  EXPECT_EQ((*all)[2].login, "zoe");
  EXPECT_EQ((*all)[2].unused_recovery_codes, 10);
}

TEST_F(AuthenticatorTest, ResetPasswordAndSecondFactorRefuseAServiceWithUsage) {
  add_service("labo");
  expect_code(committed([&] { return auth_->reset_password(*store_, "labo"); }), ErrorCode::kUsage);
  expect_code(committed([&] { return auth_->reset_second_factor(*store_, "labo"); }),
              ErrorCode::kUsage);
}

// --- Login, password change.

TEST_F(AuthenticatorTest, LoginWithTheTemporaryPasswordOpensASessionThatAsksForAPasswordChange) {
  const Person person = add_person("jmartin", access::Role::kAdmin);
  clock_.advance_ms(kStepMs);
  const LoginRequest login = request(person.login, person.password, code_now(person.totp));
  auto check = auth_->check_login(*store_, login);
  ASSERT_TRUE(check) << check.error().message;
  EXPECT_TRUE(check->account_known);
  EXPECT_TRUE(check->password_ok);
  EXPECT_TRUE(check->second_factor_ok);
  EXPECT_TRUE(check->refusal.empty());
  auto outcome = committed([&] { return auth_->record_login(*store_, *check, login); });
  ASSERT_TRUE(outcome) << outcome.error().message;
  ASSERT_TRUE(outcome->session.has_value()) << outcome->refusal;
  EXPECT_TRUE(outcome->refusal.empty());
  EXPECT_FALSE(outcome->locked_now);
  EXPECT_TRUE(outcome->session->password_change_required);
  EXPECT_EQ(outcome->session->expires_ms, clock_.now_ms() + auth_->settings().session_lifetime_ms);
  EXPECT_NE(outcome->session->id, outcome->session->secret);

  auto who = authenticate(outcome->session->secret);
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_EQ(who->login, "jmartin");
  EXPECT_EQ(who->role, access::Role::kAdmin);
  EXPECT_EQ(who->credential_id, outcome->session->id);
  EXPECT_FALSE(who->is_token);
  EXPECT_TRUE(who->scopes.empty());
  EXPECT_TRUE(who->password_change_required);
  EXPECT_EQ(view("jmartin").last_used_ms, clock_.now_ms());
}

TEST_F(AuthenticatorTest, ChangePasswordEnforcesThePolicyAndClearsTheChangeRequiredFlag) {
  const Person person = add_person("jmartin");
  const IssuedSession session = sign_in(person);
  auto change = [&](std::string_view current, std::string_view replacement) {
    return committed([&] {
      return auth_->change_password(*store_, "jmartin", current, replacement, session.id);
    });
  };
  expect_code(change(person.password, "Kx7#pLm2"), ErrorCode::kInvalidInput);           // short
  expect_code(change(person.password, "Incomprehensible1"), ErrorCode::kInvalidInput);  // cracklib
  expect_code(change(person.password, "Qz7#jmartin#Lm2"), ErrorCode::kInvalidInput);    // login
  expect_code(change(person.password, "Qz7#Martin#Lm2x"), ErrorCode::kInvalidInput);    // name
  expect_code(change(person.password, person.password), ErrorCode::kInvalidInput);      // same
  expect_code(change("not the password", kStrongPassword), ErrorCode::kAuthenticationFailed);
  expect_code(change("", kStrongPassword), ErrorCode::kAuthenticationFailed);
  EXPECT_TRUE(view("jmartin").password_temporary);

  auto changed = change(person.password, kStrongPassword);
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_FALSE(view("jmartin").password_temporary);
  auto who = authenticate(session.secret);
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_FALSE(who->password_change_required);

  const IssuedSession next = sign_in(*auth_, person, std::string(kStrongPassword));
  EXPECT_FALSE(next.password_change_required);
  // A change from `next` ends every other session, `session` included.
  ASSERT_TRUE(committed([&] {
    return auth_->change_password(*store_, "jmartin", kStrongPassword, "Vx9#tRq4 plume verte",
                                  next.id);
  }));
  EXPECT_EQ(authenticate(session.secret).error().code, ErrorCode::kAuthenticationFailed);
  EXPECT_TRUE(authenticate(next.secret));
  clock_.advance_ms(kStepMs);
  EXPECT_EQ(refused(request(person.login, person.password, code_now(person.totp))),
            "wrong password");
}

TEST_F(AuthenticatorTest, ChangePasswordOfAServiceOrAnUnknownLoginIsRefused) {
  add_service("labo");
  expect_code(
      committed([&] { return auth_->change_password(*store_, "labo", "", kStrongPassword, ""); }),
      ErrorCode::kAuthenticationFailed);
  auto unknown = committed(
      [&] { return auth_->change_password(*store_, "nobody", "whatever", kStrongPassword, ""); });
  EXPECT_FALSE(unknown.has_value());
}

// --- Second factors.

TEST_F(AuthenticatorTest, ATotpCodeIsRefusedTheSecondTimeAndSoIsAnEarlierStepsCode) {
  const Person person = add_person("jmartin");
  clock_.advance_ms(kStepMs);
  const uint64_t step = totp_step_at(clock_.now_ms() / 1000);
  const std::string code = totp_code(person.totp, step);
  auto first = attempt(request(person.login, person.password, code));
  ASSERT_TRUE(first && first->session) << (first ? first->refusal : first.error().message);

  const std::string again = refused(request(person.login, person.password, code));
  EXPECT_TRUE(again == "second factor code already used" || again == "wrong second factor")
      << again;
  const std::string earlier =
      refused(request(person.login, person.password, totp_code(person.totp, step - 1)));
  EXPECT_TRUE(earlier == "second factor code already used" || earlier == "wrong second factor")
      << earlier;
  // Still refused when the clock has moved on but the code is inside the drift window.
  clock_.advance_ms(kStepMs);
  EXPECT_FALSE(refused(request(person.login, person.password, code)).empty());
  // The code of a step never used works (past the back-off of the three refusals).
  clock_.advance_ms(kStepMs);
  const std::string next = code_now(person.totp);
  auto later = attempt(request(person.login, person.password, next));
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_TRUE(later->session.has_value()) << later->refusal;
}

TEST_F(AuthenticatorTest, TwoConcurrentLoginsWithTheSameTotpCodeOpenOneSession) {
  const Person person = add_person("jmartin");
  clock_.advance_ms(kStepMs);
  const LoginRequest login = request(person.login, person.password, code_now(person.totp));
  auto first = auth_->check_login(*store_, login);
  auto second = auth_->check_login(*store_, login);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->second_factor_ok && second->second_factor_ok);
  auto won = committed([&] { return auth_->record_login(*store_, *first, login); });
  ASSERT_TRUE(won) << won.error().message;
  EXPECT_TRUE(won->session.has_value()) << won->refusal;
  auto lost = committed([&] { return auth_->record_login(*store_, *second, login); });
  ASSERT_TRUE(lost) << lost.error().message;
  EXPECT_FALSE(lost->session.has_value());
  EXPECT_EQ(lost->refusal, "second factor code already used");
}

TEST_F(AuthenticatorTest, ARecoveryCodeSignsInOnceThenIsRefused) {
  const Person person = add_person("jmartin");
  const std::string code = person.recovery_codes[3];
  auto first = attempt(request(person.login, person.password, code));
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(first->session.has_value()) << first->refusal;
  EXPECT_EQ(view("jmartin").unused_recovery_codes, 9);

  EXPECT_FALSE(refused(request(person.login, person.password, code)).empty());
  EXPECT_EQ(view("jmartin").unused_recovery_codes, 9);

  // Case, spaces and hyphens are ignored.
  std::string typed = without_hyphens(person.recovery_codes[7]);
  std::ranges::transform(typed, typed.begin(),
                         [](char c) { return static_cast<char>(toupper(c)); });
  auto second = attempt(request(person.login, person.password, typed));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_TRUE(second->session.has_value()) << second->refusal;
  EXPECT_EQ(view("jmartin").unused_recovery_codes, 8);
}

TEST_F(AuthenticatorTest, TwoConcurrentLoginsWithTheSameRecoveryCodeOpenOneSession) {
  const Person person = add_person("jmartin");
  const LoginRequest login = request(person.login, person.password, person.recovery_codes[0]);
  auto first = auth_->check_login(*store_, login);
  auto second = auth_->check_login(*store_, login);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->second_factor_ok && second->second_factor_ok);
  auto won = committed([&] { return auth_->record_login(*store_, *first, login); });
  ASSERT_TRUE(won && won->session);
  auto lost = committed([&] { return auth_->record_login(*store_, *second, login); });
  ASSERT_TRUE(lost) << lost.error().message;
  EXPECT_FALSE(lost->session.has_value());
  // The first login changed the account's recovery codes under the second one's check.
  EXPECT_EQ(lost->refusal, "credentials changed during the login");
  EXPECT_EQ(view("jmartin").unused_recovery_codes, 9);
}

// --- Refusals.

TEST_F(AuthenticatorTest, EveryBadLoginIsRefusedWithARefusalAndNeverWithAnError) {
  const Person person = add_person("jmartin");
  const Person disabled = add_person("disabled");
  const Person locked = add_person("locked");
  add_service("labo");
  ASSERT_TRUE(
      committed([&] { return auth_->set_status(*store_, "disabled", AccountStatus::kDisabled); }));
  ASSERT_TRUE(
      committed([&] { return auth_->set_status(*store_, "locked", AccountStatus::kLocked); }));

  // Each attempt after the back-off of the previous ones, with a code never used.
  auto later = [&] {
    clock_.advance_ms(16 * kMinuteMs);
    return code_now(person.totp);
  };
  EXPECT_EQ(refused(request("jmartin", "wrong password", later())), "wrong password");
  later();
  EXPECT_EQ(refused(request("jmartin", person.password, "000000")), "wrong second factor");
  later();
  EXPECT_EQ(refused(request("jmartin", person.password, "zzzz-zzzz-zzzz")), "wrong second factor");
  later();
  EXPECT_EQ(refused(request("jmartin", person.password, "")), "wrong second factor");
  later();
  EXPECT_EQ(refused(request("jmartin", "", "")), "wrong password");
  EXPECT_EQ(refused(request("nobody", person.password, later())), "unknown login");
  EXPECT_EQ(refused(request("", "", "")), "unknown login");
  EXPECT_EQ(refused(request("JMARTIN", person.password, later())), "unknown login");
  EXPECT_FALSE(refused(request("labo", "", "")).empty());
  later();
  EXPECT_FALSE(refused(request("labo", "", person.recovery_codes[0])).empty());
  later();
  EXPECT_EQ(refused(request("disabled", disabled.password, code_now(disabled.totp))),
            "account disabled");
  EXPECT_EQ(refused(request("locked", locked.password, code_now(locked.totp))), "account locked");
  EXPECT_EQ(view("jmartin").failed_logins, 5);
  EXPECT_EQ(view("disabled").failed_logins, 0);

  // check_login on its own, for an unknown login: nothing says it is unknown but the refusal.
  auto unknown = auth_->check_login(*store_, request("nobody", "x", "123456"));
  ASSERT_TRUE(unknown) << unknown.error().message;
  EXPECT_FALSE(unknown->account_known);
  EXPECT_FALSE(unknown->password_ok);
  EXPECT_FALSE(unknown->second_factor_ok);
  EXPECT_FALSE(unknown->new_password_hash.has_value());

  // The message a caller gets names no reason.
  const std::string_view message = login_refused_message();
  EXPECT_FALSE(message.empty());
  for (std::string_view reason : {"unknown", "locked", "disabled", "inconnu", "verrouill"}) {
    EXPECT_EQ(message.find(reason), std::string_view::npos) << reason;
  }
}

// --- Back-off, locking, throttling.

TEST_F(AuthenticatorTest, BackOffAfterThreeFailuresIsTheSameForKnownAndUnknownLogins) {
  const Person person = add_person("jmartin");
  std::map<std::string, std::string> messages;
  for (const std::string& login : {std::string("jmartin"), std::string("nobody")}) {
    SCOPED_TRACE(login);
    const int64_t start = clock_.now_ms();
    for (int failure = 0; failure < 3; ++failure) {
      refused(request(login, "wrong password", "123456"));
    }
    auto throttled = auth_->check_login(*store_, request(login, person.password, "123456"));
    ASSERT_NO_FATAL_FAILURE(expect_code(throttled, ErrorCode::kTooManyAttempts));
    messages[login] = throttled.error().message;
    clock_.advance_ms(1999);
    expect_code(auth_->check_login(*store_, request(login, person.password, "123456")),
                ErrorCode::kTooManyAttempts);
    clock_.advance_ms(1);
    EXPECT_TRUE(auth_->check_login(*store_, request(login, person.password, "123456")));
    // The fourth failure doubles the wait.
    refused(request(login, "wrong password", "123456"));
    clock_.advance_ms(3999);
    expect_code(auth_->check_login(*store_, request(login, person.password, "123456")),
                ErrorCode::kTooManyAttempts);
    clock_.advance_ms(1);
    EXPECT_TRUE(auth_->check_login(*store_, request(login, person.password, "123456")));
    // Reset the clock origin for the other login: the same schedule must follow.
    EXPECT_EQ(clock_.now_ms() - start, 6000);
  }
  EXPECT_EQ(messages["jmartin"], messages["nobody"]);
}

TEST_F(AuthenticatorTest, TenFailuresInARowLockTheAccountUntilTheCustodianUnlocksIt) {
  const Person person = add_person("jmartin");
  for (int failure = 1; failure <= kLockAfterFailures; ++failure) {
    SCOPED_TRACE(failure);
    clock_.advance_ms(16 * kMinuteMs);  // past every back-off
    auto outcome = attempt(request("jmartin", "wrong password", code_now(person.totp)));
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_FALSE(outcome->session.has_value());
    EXPECT_EQ(outcome->locked_now, failure == kLockAfterFailures);
    EXPECT_EQ(view("jmartin").failed_logins, failure);
  }
  EXPECT_EQ(view("jmartin").status, AccountStatus::kLocked);
  clock_.advance_ms(16 * kMinuteMs);
  EXPECT_EQ(refused(request("jmartin", person.password, code_now(person.totp))), "account locked");
  clock_.advance_ms(16 * kMinuteMs);
  EXPECT_EQ(refused(request("jmartin", person.password, person.recovery_codes[0])),
            "account locked");
  EXPECT_EQ(view("jmartin").unused_recovery_codes, 10);

  ASSERT_TRUE(
      committed([&] { return auth_->set_status(*store_, "jmartin", AccountStatus::kActive); }));
  EXPECT_EQ(view("jmartin").status, AccountStatus::kActive);
  EXPECT_EQ(view("jmartin").failed_logins, 0);
  sign_in(person);  // unlocking also lifts the back-off: no clock advance needed
}

TEST_F(AuthenticatorTest, ASuccessfulLoginResetsTheConsecutiveFailureCount) {
  const Person person = add_person("jmartin");
  refused(request("jmartin", "wrong password", "123456"));
  refused(request("jmartin", "wrong password", "123456"));
  EXPECT_EQ(view("jmartin").failed_logins, 2);
  sign_in(person);
  EXPECT_EQ(view("jmartin").failed_logins, 0);
  // Nine more failures do not lock: the count started again.
  for (int failure = 1; failure < kLockAfterFailures; ++failure) {
    clock_.advance_ms(16 * kMinuteMs);
    auto outcome = attempt(request("jmartin", "wrong password", "123456"));
    ASSERT_TRUE(outcome);
    EXPECT_FALSE(outcome->locked_now);
  }
  EXPECT_EQ(view("jmartin").status, AccountStatus::kActive);
  clock_.advance_ms(16 * kMinuteMs);
  sign_in(person);
}

TEST_F(AuthenticatorTest, AnAddressWithTooManyFailuresIsThrottledForEveryLoginUntilTheWindowEnds) {
  AuthSettings settings = cheap_settings();
  settings.address_failures_per_window = 5;
  settings.address_window_ms = 10 * kMinuteMs;
  auto auth = make_authenticator(settings);
  const Person person = add_person(*auth, "jmartin");
  constexpr std::string_view kAttacker = "203.0.113.9";
  // Five failures from one address, each on another login (no per-login back-off), some known.
  refused(*auth, request("alice", "x", "123456", kAttacker));
  refused(*auth, request("bob", "x", "123456", kAttacker));
  refused(*auth, request("jmartin", "x", "123456", kAttacker));
  refused(*auth, request("carol", "x", "123456", kAttacker));
  clock_.advance_ms(kStepMs);
  sign_in(*auth, person, person.password, kAttacker);  // a success does not reset the address
  refused(*auth, request("dave", "x", "123456", kAttacker));

  clock_.advance_ms(kStepMs);
  const LoginRequest good = request("jmartin", person.password, code_now(person.totp), kAttacker);
  expect_code(auth->check_login(*store_, good), ErrorCode::kTooManyAttempts);
  expect_code(auth->check_login(*store_, request("erin", "x", "123456", kAttacker)),
              ErrorCode::kTooManyAttempts);
  // Another address, and a local caller, are still admitted.
  sign_in(*auth, person, person.password, "203.0.113.10");
  sign_in(*auth, person, person.password, "");
  // After the window, the address is admitted again.
  clock_.advance_ms(settings.address_window_ms);
  sign_in(*auth, person, person.password, kAttacker);
}

// --- Races between check_login and record_login (the custodian acts in between).

TEST_F(AuthenticatorTest, APasswordResetBetweenCheckAndRecordRefusesTheOldPassword) {
  const Person person = add_person("jmartin");
  clock_.advance_ms(kStepMs);
  const LoginRequest login = request(person.login, person.password, code_now(person.totp));
  auto check = auth_->check_login(*store_, login);
  ASSERT_TRUE(check && check->password_ok && check->second_factor_ok);
  auto reset = committed([&] { return auth_->reset_password(*store_, "jmartin"); });
  ASSERT_TRUE(reset) << reset.error().message;
  auto outcome = committed([&] { return auth_->record_login(*store_, *check, login); });
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_FALSE(outcome->session.has_value())
      << "the password checked is no longer the account's password";
}

TEST_F(AuthenticatorTest, ARehashRecordedAfterAPasswordResetDoesNotRestoreTheOldPassword) {
  const Person person = add_person("jmartin");
  AuthSettings costlier = cheap_settings();
  costlier.password_limits = {2, 16384};
  auto auth = make_authenticator(costlier);
  clock_.advance_ms(kStepMs);
  const LoginRequest login = request(person.login, person.password, code_now(person.totp));
  auto check = auth->check_login(*store_, login);
  ASSERT_TRUE(check && check->new_password_hash.has_value());
  auto reset = committed([&] { return auth_->reset_password(*store_, "jmartin"); });
  ASSERT_TRUE(reset) << reset.error().message;
  auto outcome = committed([&] { return auth->record_login(*store_, *check, login); });
  ASSERT_TRUE(outcome) << outcome.error().message;
  const std::string stored = row("jmartin").password_hash;
  EXPECT_TRUE(crypto::verify_password(stored, *reset)) << "the custodian's reset was undone";
  EXPECT_FALSE(crypto::verify_password(stored, person.password))
      << "the password the custodian replaced works again";
}

TEST_F(AuthenticatorTest, ASecondFactorResetBetweenCheckAndRecordRefusesTheOldFactors) {
  const Person person = add_person("jmartin");
  clock_.advance_ms(kStepMs);
  const LoginRequest by_totp = request(person.login, person.password, code_now(person.totp));
  const LoginRequest by_code = request(person.login, person.password, person.recovery_codes[0]);
  auto totp_check = auth_->check_login(*store_, by_totp);
  auto code_check = auth_->check_login(*store_, by_code);
  ASSERT_TRUE(totp_check && totp_check->second_factor_ok);
  ASSERT_TRUE(code_check && code_check->second_factor_ok);
  ASSERT_TRUE(committed([&] { return auth_->reset_second_factor(*store_, "jmartin"); }));
  auto totp_outcome = committed([&] { return auth_->record_login(*store_, *totp_check, by_totp); });
  ASSERT_TRUE(totp_outcome) << totp_outcome.error().message;
  EXPECT_FALSE(totp_outcome->session.has_value()) << "a code of the replaced TOTP secret";
  auto code_outcome = committed([&] { return auth_->record_login(*store_, *code_check, by_code); });
  ASSERT_TRUE(code_outcome) << code_outcome.error().message;
  EXPECT_FALSE(code_outcome->session.has_value()) << "a replaced recovery code";
  EXPECT_EQ(view("jmartin").unused_recovery_codes, 0);
}

TEST_F(AuthenticatorTest, ALockRecordedBetweenCheckAndRecordRefusesTheLogin) {
  const Person person = add_person("jmartin");
  clock_.advance_ms(kStepMs);
  const LoginRequest login = request(person.login, person.password, code_now(person.totp));
  auto check = auth_->check_login(*store_, login);
  ASSERT_TRUE(check && check->password_ok && check->second_factor_ok);
  ASSERT_TRUE(
      committed([&] { return auth_->set_status(*store_, "jmartin", AccountStatus::kLocked); }));
  auto outcome = committed([&] { return auth_->record_login(*store_, *check, login); });
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_FALSE(outcome->session.has_value());
  EXPECT_EQ(outcome->refusal, "account locked");
}

// --- Sessions.

TEST_F(AuthenticatorTest, ASessionUnusedForTheIdleTimeoutEnds) {
  const Person person = add_person("jmartin");
  const IssuedSession session = sign_in(person);
  EXPECT_TRUE(authenticate(session.secret));
  clock_.advance_ms(auth_->settings().session_idle_ms - 1);
  EXPECT_TRUE(authenticate(session.secret));  // touched now
  clock_.advance_ms(auth_->settings().session_idle_ms);
  expect_authentication_fails(session.secret);
}

TEST_F(AuthenticatorTest, ActivityWithinTheIdleWindowKeepsASessionAlive) {
  const Person person = add_person("jmartin");
  const IssuedSession session = sign_in(person);
  for (int use = 0; use < 6; ++use) {
    clock_.advance_ms(10 * kMinuteMs);
    auto who = authenticate(session.secret);
    ASSERT_TRUE(who) << "use " << use << ": " << who.error().message;
  }
}

TEST_F(AuthenticatorTest, ASessionEndsAtItsAbsoluteLifetimeEvenWhenActive) {
  const Person person = add_person("jmartin");
  const IssuedSession session = sign_in(person);
  const int64_t lifetime = auth_->settings().session_lifetime_ms;
  EXPECT_EQ(session.expires_ms, clock_.now_ms() + lifetime);
  while (clock_.now_ms() + 10 * kMinuteMs < session.expires_ms) {
    clock_.advance_ms(10 * kMinuteMs);
    ASSERT_TRUE(authenticate(session.secret));
  }
  clock_.advance_ms(session.expires_ms - clock_.now_ms());
  expect_authentication_fails(session.secret);
}

TEST_F(AuthenticatorTest, AnUnknownSecretIsRefused) {
  const Person person = add_person("jmartin");
  const IssuedSession session = sign_in(person);
  expect_authentication_fails("");
  expect_authentication_fails("vgs_00");
  expect_authentication_fails(session.id);  // the public id is not the secret
  expect_authentication_fails(session.secret + "0");
}

TEST_F(AuthenticatorTest, EndSessionAndRevokeRefuseTheSessionAfterwards) {
  const Person person = add_person("jmartin");
  const IssuedSession ended = sign_in(person);
  const IssuedSession revoked = sign_in(person);
  const IssuedSession kept = sign_in(person);
  ASSERT_TRUE(committed([&] { return auth_->end_session(*store_, ended.id); }));
  expect_authentication_fails(ended.secret);

  auto first = committed([&] { return auth_->revoke(*store_, revoked.id); });
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(*first);
  auto second = committed([&] { return auth_->revoke(*store_, revoked.id); });
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(*second);
  expect_code(committed([&] { return auth_->revoke(*store_, "ses-0000000000000000"); }),
              ErrorCode::kNotFound);
  expect_authentication_fails(revoked.secret);
  EXPECT_TRUE(authenticate(kept.secret));
}

TEST_F(AuthenticatorTest, LockingOrDisablingAnAccountRevokesEverySessionForGood) {
  for (AccountStatus status : {AccountStatus::kLocked, AccountStatus::kDisabled}) {
    const std::string login(name_of(status));
    SCOPED_TRACE(login);
    const Person person = add_person(login);
    const IssuedSession one = sign_in(person);
    const IssuedSession two = sign_in(person);
    ASSERT_TRUE(committed([&] { return auth_->set_status(*store_, login, status); }));
    EXPECT_EQ(view(login).status, status);
    expect_authentication_fails(one.secret);
    expect_authentication_fails(two.secret);
    if (status == AccountStatus::kDisabled) {
      // Disabled is for good: neither unlock nor lock brings the account back.
      expect_code(
          committed([&] { return auth_->set_status(*store_, login, AccountStatus::kActive); }),
          ErrorCode::kUsage);
      expect_code(
          committed([&] { return auth_->set_status(*store_, login, AccountStatus::kLocked); }),
          ErrorCode::kUsage);
      EXPECT_EQ(view(login).status, AccountStatus::kDisabled);
      expect_authentication_fails(one.secret);
      continue;
    }
    // Unlocked, the account signs in again, but the old sessions stay dead.
    ASSERT_TRUE(
        committed([&] { return auth_->set_status(*store_, login, AccountStatus::kActive); }));
    expect_authentication_fails(one.secret);
    expect_authentication_fails(two.secret);
    const IssuedSession three = sign_in(person);
    EXPECT_TRUE(authenticate(three.secret));
  }
}

TEST_F(AuthenticatorTest, ResetPasswordRevokesSessionsAndOnlyTheNewTemporaryPasswordWorks) {
  const Person person = add_person("jmartin");
  ASSERT_TRUE(committed([&] {
    return auth_->change_password(*store_, "jmartin", person.password, kStrongPassword, "");
  }));
  const IssuedSession session = sign_in(*auth_, person, std::string(kStrongPassword));
  auto reset = committed([&] { return auth_->reset_password(*store_, "jmartin"); });
  ASSERT_TRUE(reset) << reset.error().message;
  EXPECT_NE(reset->view(), person.password);
  expect_authentication_fails(session.secret);
  EXPECT_TRUE(view("jmartin").password_temporary);
  clock_.advance_ms(kStepMs);
  EXPECT_EQ(refused(request("jmartin", std::string(kStrongPassword), code_now(person.totp))),
            "wrong password");
  const IssuedSession fresh = sign_in(*auth_, person, *reset);
  EXPECT_TRUE(fresh.password_change_required);
}

TEST_F(AuthenticatorTest, ResetSecondFactorRevokesSessionsAndRetiresTheOldSecretAndCodes) {
  const Person person = add_person("jmartin");
  const IssuedSession session = sign_in(person);
  ASSERT_TRUE(committed([&] { return auth_->reset_second_factor(*store_, "jmartin"); }));
  expect_authentication_fails(session.secret);
  EXPECT_EQ(view("jmartin").unused_recovery_codes, 0);
  EXPECT_TRUE(row("jmartin").totp_sealed.empty());

  // The old factors are gone; the person signs in with the password alone, into a session that
  // can only enrol, and enrols a new factor themselves.
  clock_.advance_ms(kStepMs);
  auto alone = attempt(request("jmartin", person.password, ""));
  ASSERT_TRUE(alone && alone->session) << (alone ? alone->refusal : alone.error().message);
  EXPECT_TRUE(alone->session->second_factor_missing);
  auto enrolment = committed([&] { return auth_->enrol_second_factor(*store_, "jmartin"); });
  ASSERT_TRUE(enrolment) << enrolment.error().message;
  ASSERT_EQ(enrolment->recovery_codes.size(), 10U);
  const std::vector<uint8_t> fresh_totp = totp_secret_of(enrolment->otpauth_uri);
  EXPECT_NE(fresh_totp, person.totp);
  EXPECT_EQ(refused(request("jmartin", person.password, code_now(person.totp))),
            "wrong second factor");
  EXPECT_EQ(refused(request("jmartin", person.password, person.recovery_codes[0])),
            "wrong second factor");
  const Person renewed{"jmartin", person.password, fresh_totp, texts_of(enrolment->recovery_codes)};
  sign_in(renewed);
  auto by_code = attempt(request("jmartin", person.password, enrolment->recovery_codes[0]));
  ASSERT_TRUE(by_code) << by_code.error().message;
  EXPECT_TRUE(by_code->session.has_value()) << by_code->refusal;
}

TEST_F(AuthenticatorTest, AuthenticateKeepsTheCustodiansConcurrentLockInsteadOfWritingAStaleRow) {
  // authenticate() reads the account, then records the use in a transaction of its own. A lock
  // (or password change, or login) committed in between by another connection must survive.
  const Person person = add_person("jmartin");
  const IssuedSession session = sign_in(person);
  clock_.advance_ms(2 * kMinuteMs);  // the use will be recorded
  auto other = store::sqlite::open_data_store(path(), store::OpenMode::kOpenExisting);
  ASSERT_TRUE(other) << other.error().message;
  HookedStore hooked(*store_);
  hooked.before_begin = [&] {
    ASSERT_TRUE((*other)->begin());
    ASSERT_TRUE(auth_->set_status(**other, "jmartin", AccountStatus::kLocked));
    ASSERT_TRUE((*other)->commit());
  };
  (void)auth_->authenticate(hooked, session.secret, kAddress);
  EXPECT_EQ(view("jmartin").status, AccountStatus::kLocked) << "the lock was overwritten";
}

TEST_F(AuthenticatorTest, AuthenticateKeepsAConcurrentPasswordChange) {
  const Person person = add_person("jmartin");
  const IssuedSession session = sign_in(person);
  clock_.advance_ms(2 * kMinuteMs);
  auto other = store::sqlite::open_data_store(path(), store::OpenMode::kOpenExisting);
  ASSERT_TRUE(other) << other.error().message;
  HookedStore hooked(*store_);
  hooked.before_begin = [&] {
    ASSERT_TRUE((*other)->begin());
    ASSERT_TRUE(auth_->change_password(**other, "jmartin", person.password, kStrongPassword, ""));
    ASSERT_TRUE((*other)->commit());
  };
  (void)auth_->authenticate(hooked, session.secret, kAddress);
  const store::AccountRow stored = row("jmartin");
  EXPECT_TRUE(crypto::verify_password(stored.password_hash, kStrongPassword))
      << "the new password was overwritten by the old one";
  EXPECT_FALSE(stored.password_temporary);
}

// --- API tokens.

class AuthenticatorTokenTest : public AuthenticatorTest {
 protected:
  void SetUp() override {
    AuthenticatorTest::SetUp();
    add_service("labo");
  }
};

TEST_F(AuthenticatorTokenTest, ATokenAuthenticatesItsServiceWithItsScopes) {
  auto token = create_token("labo", {"system/Observation.cr", "system/Patient.rs"},
                            clock_.now_ms() + 30 * kDayMs);
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(token->expires_ms, clock_.now_ms() + 30 * kDayMs);
  EXPECT_FALSE(token->id.empty());
  EXPECT_NE(token->id, token->secret);
  auto who = authenticate(token->secret, "198.51.100.7");
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_EQ(who->login, "labo");
  EXPECT_EQ(who->role, access::Role::kService);
  EXPECT_EQ(who->credential_id, token->id);
  EXPECT_TRUE(who->is_token);
  EXPECT_FALSE(who->password_change_required);
  const std::vector<access::Scope> expected = {*access::parse_scope("system/Observation.cr"),
                                               *access::parse_scope("system/Patient.rs")};
  EXPECT_EQ(who->scopes, expected);
}

TEST_F(AuthenticatorTokenTest, CreateTokenRefusesAPersonOrAnInactiveServiceWithUsage) {
  add_person("jmartin");
  const int64_t expires = clock_.now_ms() + kDayMs;
  expect_code(create_token("jmartin", {"system/Patient.r"}, expires), ErrorCode::kUsage);
  for (AccountStatus status : {AccountStatus::kLocked, AccountStatus::kDisabled}) {
    ASSERT_TRUE(committed([&] { return auth_->set_status(*store_, "labo", status); }));
    expect_code(create_token("labo", {"system/Patient.r"}, expires), ErrorCode::kUsage);
  }
}

TEST_F(AuthenticatorTokenTest, CreateTokenTakesOnlyWellFormedSystemScopes) {
  const int64_t expires = clock_.now_ms() + kDayMs;
  for (const std::vector<std::string>& scopes : std::vector<std::vector<std::string>>{
           {},
           {"user/Patient.r"},
           {"patient/Observation.rs"},
           {"system/Patient.r", "user/Patient.r"},
           {"system/Patient.reed"},
           {"system/Patient.**"},
           {"system/patient.r"},
           {"system/Patient.rs?category=x"},
           {"system/Patient."},
           {"openid"},
           {""},
           {"system/Patient.r system/Observation.r"},
       }) {
    SCOPED_TRACE(scopes.empty() ? "(none)" : scopes.back());
    expect_code(create_token("labo", scopes, expires), ErrorCode::kUsage);
  }
  EXPECT_TRUE(create_token("labo", {"system/*.r"}, expires));
}

TEST_F(AuthenticatorTokenTest, CreateTokenTakesAnExpiryWithinTheNextYear) {
  const int64_t now = clock_.now_ms();
  for (int64_t expires : {int64_t{0}, now - 1, now, now + kMaxTokenLifetimeMs + 1,
                          std::numeric_limits<int64_t>::max()}) {
    SCOPED_TRACE(expires);
    expect_code(create_token("labo", {"system/Patient.r"}, expires), ErrorCode::kUsage);
  }
  EXPECT_TRUE(create_token("labo", {"system/Patient.r"}, now + 1));
  EXPECT_TRUE(create_token("labo", {"system/Patient.r"}, now + kMaxTokenLifetimeMs));
}

TEST_F(AuthenticatorTokenTest, ATokenExpiresAndCanBeRevoked) {
  auto expiring = create_token("labo", {"system/Patient.r"}, clock_.now_ms() + 2 * kDayMs);
  auto revoked = create_token("labo", {"system/Patient.r"}, clock_.now_ms() + 30 * kDayMs);
  ASSERT_TRUE(expiring && revoked);
  auto first = committed([&] { return auth_->revoke(*store_, revoked->id); });
  ASSERT_TRUE(first && *first);
  expect_authentication_fails(revoked->secret);
  clock_.advance_ms(2 * kDayMs - 1);
  EXPECT_TRUE(authenticate(expiring->secret));
  clock_.advance_ms(1);
  expect_authentication_fails(expiring->secret);
}

TEST_F(AuthenticatorTokenTest, ATokenHasNoIdleTimeout) {
  auto token = create_token("labo", {"system/Patient.r"}, clock_.now_ms() + 30 * kDayMs);
  ASSERT_TRUE(token) << token.error().message;
  clock_.advance_ms(kDayMs);
  auto who = authenticate(token->secret);
  EXPECT_TRUE(who) << who.error().message;
}

TEST_F(AuthenticatorTokenTest, ATokenWithAllowedAddressesIsRefusedFromAnyOther) {
  auto token = create_token("labo", {"system/Patient.r"}, clock_.now_ms() + kDayMs,
                            {"10.0.0.1", "2001:db8::7"});
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_TRUE(authenticate(token->secret, "10.0.0.1"));
  EXPECT_TRUE(authenticate(token->secret, "2001:db8::7"));
  expect_authentication_fails(token->secret, "10.0.0.2");
  expect_authentication_fails(token->secret, "");
  expect_authentication_fails(token->secret, "10.0.0.1 ");
  expect_authentication_fails(token->secret, "10.0.0.10");
}

TEST_F(AuthenticatorTokenTest, AnAllowedAddressMatchesWhateverItsSpelling) {
  // An address is a number, not a string: "2001:DB8:0::7" and "2001:db8::7" are one address.
  auto token =
      create_token("labo", {"system/Patient.r"}, clock_.now_ms() + kDayMs, {"2001:DB8:0::7"});
  ASSERT_TRUE(token) << token.error().message;
  auto who = authenticate(token->secret, "2001:db8::7");
  EXPECT_TRUE(who) << who.error().message;
}

TEST_F(AuthenticatorTokenTest, CreateTokenRefusesAnAddressThatIsNotAnIpAddress) {
  for (const std::string& address :
       {std::string("10.0.0.300"), std::string("localhost"), std::string(""),
        std::string("10.0.0.0/8"), std::string("10.0.0.1 10.0.0.2"), std::string("::g")}) {
    SCOPED_TRACE(address);
    expect_code(create_token("labo", {"system/Patient.r"}, clock_.now_ms() + kDayMs, {address}),
                ErrorCode::kUsage);
  }
}

TEST_F(AuthenticatorTokenTest, LockingAServiceRevokesItsTokens) {
  auto token = create_token("labo", {"system/Patient.r"}, clock_.now_ms() + kDayMs);
  ASSERT_TRUE(token) << token.error().message;
  ASSERT_TRUE(
      committed([&] { return auth_->set_status(*store_, "labo", AccountStatus::kLocked); }));
  expect_authentication_fails(token->secret);
  ASSERT_TRUE(
      committed([&] { return auth_->set_status(*store_, "labo", AccountStatus::kActive); }));
  expect_authentication_fails(token->secret);
}

TEST_F(AuthenticatorTokenTest, AServiceCannotSignInInteractively) {
  EXPECT_FALSE(refused(request("labo", "", "")).empty());
  auto check = auth_->check_login(*store_, request("labo", "", ""));
  ASSERT_TRUE(check) << check.error().message;
  EXPECT_FALSE(check->account_known);
}

// --- Rehash.

TEST_F(AuthenticatorTest, ASuccessfulLoginRehashesThePasswordAtTheNewCost) {
  const Person person = add_person("jmartin");
  const std::string before = row("jmartin").password_hash;
  AuthSettings costlier = cheap_settings();
  costlier.password_limits = {2, 16384};
  ASSERT_TRUE(crypto::password_needs_rehash(before, costlier.password_limits));
  auto auth = make_authenticator(costlier);

  // A refused login does not rehash.
  refused(*auth, request("jmartin", person.password, "000000"));
  EXPECT_EQ(row("jmartin").password_hash, before);

  sign_in(*auth, person, person.password);
  const std::string after = row("jmartin").password_hash;
  EXPECT_NE(after, before);
  EXPECT_FALSE(crypto::password_needs_rehash(after, costlier.password_limits));
  EXPECT_TRUE(crypto::verify_password(after, person.password));
  EXPECT_TRUE(view("jmartin").password_temporary);
}

// --- Settings.

TEST_F(AuthenticatorTest, SettingsRoundTripThroughTheDataFile) {
  AuthSettings settings;
  settings.session_idle_ms = 123'000;
  settings.session_lifetime_ms = 4'567'000;
  settings.password_limits = {3, 1 << 20};
  settings.address_failures_per_window = 7;
  settings.address_window_ms = 89'000;
  ASSERT_TRUE(committed([&] { return store_settings(*store_, settings); }));
  auto loaded = load_settings(*store_);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->session_idle_ms, 123'000);
  EXPECT_EQ(loaded->session_lifetime_ms, 4'567'000);
  EXPECT_EQ(loaded->password_limits.ops_limit, 3U);
  EXPECT_EQ(loaded->password_limits.mem_limit_bytes, 1U << 20);
  EXPECT_EQ(loaded->address_failures_per_window, 7);
  EXPECT_EQ(loaded->address_window_ms, 89'000);
}

TEST_F(AuthenticatorTest, SettingsDefaultWhenTheDataFileHasNone) {
  auto loaded = load_settings(*store_);
  ASSERT_TRUE(loaded) << loaded.error().message;
  const AuthSettings defaults;
  EXPECT_EQ(loaded->session_idle_ms, defaults.session_idle_ms);
  EXPECT_EQ(loaded->session_lifetime_ms, defaults.session_lifetime_ms);
  EXPECT_EQ(loaded->password_limits.ops_limit, crypto::interactive_password_limits().ops_limit);
  EXPECT_EQ(loaded->password_limits.mem_limit_bytes,
            crypto::interactive_password_limits().mem_limit_bytes);
  EXPECT_EQ(loaded->address_failures_per_window, defaults.address_failures_per_window);
  EXPECT_EQ(loaded->address_window_ms, defaults.address_window_ms);
}

TEST_F(AuthenticatorTest, AMalformedStoredSettingIsAnIntegrityError) {
  for (const std::string key :
       {"auth.session_idle_ms", "auth.session_lifetime_ms", "auth.address_failures_per_window",
        "auth.address_window_ms", "auth.password_ops_limit", "auth.password_mem_bytes"}) {
    for (const std::string value :
         {"", "abc", "12x", " 12", "-5", "0", "1.5", "99999999999999999999999"}) {
      SCOPED_TRACE(key + " = '" + value + "'");
      ASSERT_TRUE(committed([&] { return store_->set_meta(key, value); }));
      expect_code(load_settings(*store_), ErrorCode::kIntegrity);
      ASSERT_TRUE(committed([&] { return store_->set_meta(key, "1000"); }));
    }
  }
}

TEST_F(AuthenticatorTest, StoreSettingsRefusesANonPositiveSettingWithUsage) {
  for (int64_t AuthSettings::*field :
       {&AuthSettings::session_idle_ms, &AuthSettings::session_lifetime_ms,
        &AuthSettings::address_failures_per_window, &AuthSettings::address_window_ms}) {
    for (int64_t value : {int64_t{0}, int64_t{-1}}) {
      AuthSettings settings;
      settings.*field = value;
      expect_code(committed([&] { return store_settings(*store_, settings); }), ErrorCode::kUsage);
    }
  }
}

TEST_F(AuthenticatorTest, StoreSettingsRefusesPasswordLimitsThatCouldNotBeLoadedOrUsed) {
  // Stored, these would make every later load_settings() fail (kIntegrity), or every hash.
  for (const crypto::PasswordHashLimits& limits :
       {crypto::PasswordHashLimits{0, 8192}, crypto::PasswordHashLimits{1, 0},
        crypto::PasswordHashLimits{std::numeric_limits<uint64_t>::max(), 8192},
        crypto::PasswordHashLimits{1, 100}}) {
    SCOPED_TRACE(std::to_string(limits.ops_limit) + " " + std::to_string(limits.mem_limit_bytes));
    AuthSettings settings;
    settings.password_limits = limits;
    expect_code(committed([&] { return store_settings(*store_, settings); }), ErrorCode::kUsage);
    auto loaded = load_settings(*store_);
    EXPECT_TRUE(loaded) << loaded.error().message;
  }
}

TEST_F(AuthenticatorTest, StoreSettingsRefusesAnIdleTimeoutLongerThanTheLifetime) {
  AuthSettings settings;
  settings.session_lifetime_ms = 60'000;
  settings.session_idle_ms = 60'001;
  expect_code(committed([&] { return store_settings(*store_, settings); }), ErrorCode::kUsage);
  settings.session_idle_ms = 60'000;
  EXPECT_TRUE(committed([&] { return store_settings(*store_, settings); }));
}

TEST_F(AuthenticatorTest, StoredPasswordLimitsMustBeCompleteAndWithinBounds) {
  ASSERT_TRUE(committed([&] { return store_->set_meta("auth.password_ops_limit", "2"); }));
  expect_code(load_settings(*store_), ErrorCode::kIntegrity);  // no memory limit beside it
  ASSERT_TRUE(committed([&] { return store_->set_meta("auth.password_mem_bytes", "100"); }));
  expect_code(load_settings(*store_), ErrorCode::kIntegrity);  // below libsodium's minimum
  ASSERT_TRUE(committed([&] { return store_->set_meta("auth.password_mem_bytes", "8192"); }));
  auto loaded = load_settings(*store_);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->password_limits.ops_limit, 2U);
  EXPECT_EQ(loaded->password_limits.mem_limit_bytes, 8192U);
}

TEST_F(AuthenticatorTest, StoreSettingsWithABadValueChangesNothing) {
  // "Bad input gets a clear error and changes nothing" (ARCHITECTURE.md section 6), even if the
  // caller goes on to commit its transaction.
  AuthSettings settings;
  settings.session_idle_ms = 5'000;
  settings.address_window_ms = 0;
  ASSERT_TRUE(store_->begin());
  expect_code(store_settings(*store_, settings), ErrorCode::kUsage);
  ASSERT_TRUE(store_->commit());
  auto stored = store_->get_meta("auth.session_idle_ms");
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_FALSE(stored->has_value()) << "written before the bad value was seen";
}

// --- User enumeration.

TEST_F(AuthenticatorTest,
       SecurityPropertyUnknownAndKnownLoginsTakeTheSameTimeAtInteractiveCostNoUserEnumeration) {
  // Not a benchmark: with the real (interactive) Argon2id cost, a wrong password for a known
  // login and any password for an unknown login must cost about the same, or the timing tells an
  // attacker which logins exist.
  AuthSettings settings;
  settings.password_limits = crypto::interactive_password_limits();
  auto auth = make_authenticator(settings);
  const Person known = add_person(*auth, "known.doctor");
  // The decoy is built on the first call; that call is not measured.
  (void)auth->check_login(*store_, request("warm.up", "x", "123456", "198.51.100.250"));

  constexpr int kRounds = 9;
  std::vector<double> unknown_ms;
  std::vector<double> known_ms;
  for (int round = 0; round < kRounds; ++round) {
    for (int turn = 0; turn < 2; ++turn) {
      const bool unknown = (turn == 0) == (round % 2 == 0);  // interleaved, alternating order
      clock_.advance_ms(kHourMs);                            // past every back-off and window
      const LoginRequest login =
          request(unknown ? "nobody.here" : known.login, "Wrong-password-42", code_now(known.totp),
                  "198.51.100." + std::to_string(round * 2 + turn + 1));
      const auto start = std::chrono::steady_clock::now();
      auto check = auth->check_login(*store_, login);
      const auto stop = std::chrono::steady_clock::now();
      ASSERT_TRUE(check) << check.error().message;
      EXPECT_FALSE(check->password_ok);
      (unknown ? unknown_ms : known_ms)
          .push_back(std::chrono::duration<double, std::milli>(stop - start).count());
      auto outcome = committed([&] { return auth->record_login(*store_, *check, login); });
      ASSERT_TRUE(outcome) << outcome.error().message;
      EXPECT_FALSE(outcome->session.has_value());
    }
    // Reset the known account's failure count and every back-off.
    ASSERT_TRUE(
        committed([&] { return auth->set_status(*store_, known.login, AccountStatus::kActive); }));
  }
  RecordProperty("unknown_login_median_ms", std::to_string(median(unknown_ms)));
  RecordProperty("known_login_median_ms", std::to_string(median(known_ms)));
  const double ratio = median(unknown_ms) / median(known_ms);
  EXPECT_GE(ratio, 0.67) << "unknown " << median(unknown_ms) << " ms, known " << median(known_ms)
                         << " ms";
  EXPECT_LE(ratio, 1.5) << "unknown " << median(unknown_ms) << " ms, known " << median(known_ms)
                        << " ms";
}

}  // namespace
}  // namespace vigie::auth
