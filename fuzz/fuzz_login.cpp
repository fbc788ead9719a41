// Untrusted login requests and bearer secrets: what a client sends to sign in and then on every
// call. The input is split at newlines into login, password, second factor, client address and
// bearer secret, and goes through the whole path (check, record in a transaction, authenticate)
// against one vault holding a real account ("jmartin", password kPassword). A second factor of
// "@totp" is replaced by the account's current code, so that mutations around a valid login reach
// the success path. A refusal never repeats what was sent.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "fuzz_invariant.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/sign_in.hpp"

namespace {

using vigie::fuzz::require;

constexpr std::string_view kPassword = "Tournesol bleu sur la colline 42!";

struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<vigie::store::DataStore> store;
  vigie::ManualClock clock{1'790'000'000'000};
  std::unique_ptr<vigie::auth::Authenticator> authenticator;
  std::string otpauth_uri;
};

Fixture& fixture();

// libFuzzer ends a run with exit(), and the fixture is never destroyed: its vault is removed then.
void remove_fixture_dir() {
  std::error_code ignored;
  std::filesystem::remove_all(fixture().dir, ignored);
}

Fixture& fixture() {
  static Fixture* made = [] {
    auto* fixture = new Fixture;
    fixture->dir =
        std::filesystem::temp_directory_path() / ("vigie-fuzz-login-" + std::to_string(getpid()));
    std::filesystem::create_directories(fixture->dir);
    std::atexit(remove_fixture_dir);
    auto opened = vigie::store::sqlite::open_data_store(fixture->dir / "vault.db",
                                                        vigie::store::OpenMode::kCreate);
    require(opened.has_value(), "the fuzz vault opens");
    fixture->store = std::move(*opened);
    vigie::auth::AuthSettings settings;
    settings.password_limits = vigie::crypto::PasswordHashLimits{1, 8192};
    fixture->authenticator = std::make_unique<vigie::auth::Authenticator>(
        vigie::auth::AuthKeys{vigie::crypto::SecretBytes::random(32),
                              vigie::crypto::SecretBytes::random(32)},
        settings, fixture->clock);
    require(fixture->store->begin().has_value(), "begin");
    auto added = fixture->authenticator->add_account(
        *fixture->store, vigie::auth::NewAccount{"jmartin", "Jeanne Martin",
                                                 vigie::access::Role::kPractitioner, ""});
    require(added.has_value(), "the account is created");
    // The person's own enrolment, as at their first login.
    auto factor = fixture->authenticator->enrol_second_factor(*fixture->store, "jmartin");
    require(factor.has_value(), "the second factor is enrolled");
    fixture->otpauth_uri = std::string(factor->otpauth_uri.view());
    require(
        fixture->authenticator
            ->change_password(*fixture->store, "jmartin", added->temporary_password, kPassword, "")
            .has_value(),
        "the password is set");
    require(fixture->store->commit().has_value(), "commit");
    return fixture;
  }();
  return *made;
}

std::vector<std::string> fields_of(std::string_view text) {
  std::vector<std::string> fields;
  size_t begin = 0;
  while (fields.size() < 4) {
    const size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) {
      break;
    }
    fields.emplace_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  fields.emplace_back(text.substr(std::min(begin, text.size())));
  fields.resize(5);
  return fields;
}

// Refusals carry fixed messages only (the throttling one with a number of seconds), so none can
// repeat what was sent. Compared as a person reads them, French and English.
bool is_fixed_refusal(const vigie::Error& error) {
  const std::string message = vigie::to_display_text(error);
  static const std::vector<std::string_view> kFixed = {
      "session ou jeton inconnu / unknown session or token",
      "session ou jeton révoqué / session or token revoked",
      "session ou jeton expiré / session or token expired",
      "session expirée après inactivité / session expired after inactivity",
      "jeton refusé depuis cette adresse / token refused from this address",
      "compte inactif / account not active",
      "trop de tentatives depuis cette adresse / too many attempts from this address",
  };
  return std::ranges::find(kFixed, message) != kFixed.end() ||
         message.starts_with("trop de tentatives : réessayez dans ");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Fixture& f = fixture();
  // Past every back-off and address window, so that each input is checked in full.
  f.clock.advance_ms(60LL * 60 * 1000);
  const std::vector<std::string> fields =
      fields_of(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string second_factor =
      fields[2] == "@totp" ? vigie::testing::totp_code_now(f.otpauth_uri, f.clock.now_ms())
                           : fields[2];
  const vigie::auth::LoginRequest request{fields[0], vigie::crypto::SecretString(fields[1]),
                                          vigie::crypto::SecretString(second_factor), fields[3]};
  auto checked = f.authenticator->check_login(*f.store, request);
  if (!checked) {
    require(checked.error().code == vigie::ErrorCode::kTooManyAttempts,
            "a login check fails only by throttling");
    require(is_fixed_refusal(checked.error()), "a throttling message is fixed");
    return 0;
  }
  require(!checked->account_known || fields[0] == "jmartin", "only the real account is known");
  require(f.store->begin().has_value(), "begin");
  auto outcome = f.authenticator->record_login(*f.store, *checked, request);
  require(outcome.has_value(), "recording a login never fails");
  require(outcome->session.has_value() == outcome->refusal.empty(),
          "a login opens a session or gives a refusal");
  require(f.store->commit().has_value(), "commit");
  const std::string bearer = outcome->session ? outcome->session->secret : fields[4];
  auto who = f.authenticator->authenticate(*f.store, bearer, fields[3]);
  if (outcome->session) {
    require(who.has_value() && who->login == "jmartin", "a new session authenticates");
  } else if (!who) {
    require(who.error().code == vigie::ErrorCode::kAuthenticationFailed,
            "an unknown secret is an authentication failure");
    require(is_fixed_refusal(who.error()), "an authentication message is fixed");
  }
  // Ten refusals lock the account; unlock it so that the success path stays reachable.
  auto account = f.authenticator->show_account(*f.store, "jmartin");
  require(account.has_value(), "the account exists");
  if (account->status != vigie::auth::AccountStatus::kActive) {
    require(f.store->begin().has_value(), "begin");
    require(f.authenticator->set_status(*f.store, "jmartin", vigie::auth::AccountStatus::kActive)
                .has_value(),
            "unlock");
    require(f.store->commit().has_value(), "commit");
  }
  return 0;
}
