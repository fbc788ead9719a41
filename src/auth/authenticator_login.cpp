#include "auth/authenticator.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "auth/authenticator_internal.hpp"
#include "auth/recovery_codes.hpp"
#include "auth/totp.hpp"
#include "common/hex.hpp"
#include "crypto/aead.hpp"

namespace vigie::auth {

namespace {

constexpr int64_t kMaxBackoffMs = 15LL * 60 * 1000;
constexpr size_t kMaxTrackedLogins = 10'000;
constexpr size_t kMaxLoginBytes = 64;  // longer logins cannot exist; their back-off key is cut
constexpr int64_t kForgetFailuresAfterMs = 60LL * 60 * 1000;

// What a caller sees for every failed login, whatever the reason, so that no answer tells a known
// login from an unknown one, or a locked account from a wrong password.
constexpr std::string_view kLoginRefused = "wrong login, password or code";
constexpr std::string_view kLoginRefusedFrench = "identifiant, mot de passe ou code incorrect";

// Waiting time imposed after `failures` failed logins in a row: none for the first two typing
// mistakes, then 2 s doubling up to 15 minutes.
int64_t backoff_after(int64_t failures) {
  if (failures < 3) {
    return 0;
  }
  const int64_t shift = std::min<int64_t>(failures - 2, 20);
  return std::min<int64_t>(1000LL << shift, kMaxBackoffMs);
}

}  // namespace

Result<const store::AccountRow*> Authenticator::decoy() {
  std::lock_guard lock(mutex_);
  if (!decoy_) {
    // Same shape and cost as a real person's account; no password or code can match it.
    store::AccountRow row;
    row.role = std::string(access::name_of(access::Role::kPractitioner));
    row.status = std::string(name_of(AccountStatus::kActive));
    const crypto::SecretBytes unguessable = crypto::SecretBytes::random(32);
    auto hash = crypto::hash_password(to_hex(unguessable.view()), settings_.password_limits);
    if (!hash) {
      return tl::unexpected(hash.error());
    }
    row.password_hash = std::move(*hash);
    const crypto::SecretBytes secret = new_totp_secret();
    row.totp_sealed = crypto::seal(keys_.secret_key, secret.view(), totp_binding(row.login));
    auto codes = new_recovery_codes(crypto::random_secret_limits());
    if (!codes) {
      return tl::unexpected(codes.error());
    }
    row.recovery_codes = encode_recovery_codes(codes->stored);
    decoy_ = std::move(row);
  }
  return &*decoy_;
}

Result<void> Authenticator::admit(std::string_view login, std::string_view address) {
  std::lock_guard lock(mutex_);
  const int64_t now = clock_.now_ms();
  if (auto found = backoff_by_login_.find(login.substr(0, kMaxLoginBytes));
      found != backoff_by_login_.end() && now < found->second.retry_at_ms) {
    const int64_t wait_seconds = (found->second.retry_at_ms - now + 999) / 1000;
    return fail(ErrorCode::kTooManyAttempts,
                fmt::format("trop de tentatives : réessayez dans {} s", wait_seconds),
                fmt::format("too many attempts: retry in {} s", wait_seconds));
  }
  if (auto found = failures_by_address_.find(address);
      !address.empty() && found != failures_by_address_.end() &&
      now - found->second.start_ms < settings_.address_window_ms &&
      found->second.failures >= settings_.address_failures_per_window) {
    return fail(ErrorCode::kTooManyAttempts, "trop de tentatives depuis cette adresse",
                "too many attempts from this address");
  }
  return {};
}

void Authenticator::note_failure(std::string_view login, std::string_view address) {
  std::lock_guard lock(mutex_);
  const int64_t now = clock_.now_ms();
  if (backoff_by_login_.size() >= kMaxTrackedLogins) {
    std::erase_if(backoff_by_login_, [now](const auto& item) {
      return item.second.retry_at_ms + kForgetFailuresAfterMs < now;
    });
  }
  if (backoff_by_login_.size() >= kMaxTrackedLogins) {
    // Still full within the hour (a spray of logins): forget the one free soonest.
    backoff_by_login_.erase(std::ranges::min_element(
        backoff_by_login_, {}, [](const auto& item) { return item.second.retry_at_ms; }));
  }
  Backoff& backoff = backoff_by_login_[std::string(login.substr(0, kMaxLoginBytes))];
  backoff.failures += 1;
  backoff.retry_at_ms = now + backoff_after(backoff.failures);
  if (!address.empty()) {
    if (failures_by_address_.size() >= kMaxTrackedLogins) {
      std::erase_if(failures_by_address_, [&](const auto& item) {
        return now - item.second.start_ms >= settings_.address_window_ms;
      });
    }
    if (failures_by_address_.size() >= kMaxTrackedLogins) {
      failures_by_address_.erase(std::ranges::min_element(
          failures_by_address_, {}, [](const auto& item) { return item.second.start_ms; }));
    }
    AddressWindow& window = failures_by_address_[std::string(address)];
    if (now - window.start_ms >= settings_.address_window_ms) {
      window = AddressWindow{now, 0};
    }
    window.failures += 1;
  }
}

void Authenticator::note_success(std::string_view login) {
  std::lock_guard lock(mutex_);
  if (auto found = backoff_by_login_.find(login.substr(0, kMaxLoginBytes));
      found != backoff_by_login_.end()) {
    backoff_by_login_.erase(found);
  }
}

Result<LoginCheck> Authenticator::check_login(store::DataStore& store,
                                              const LoginRequest& request) {
  // Built before anything else so that the first attempt costs the same for every login.
  auto decoy_row = decoy();
  if (!decoy_row) {
    return tl::unexpected(decoy_row.error());
  }
  if (auto admitted = admit(request.login, request.address); !admitted) {
    return tl::unexpected(admitted.error());
  }
  LoginCheck check;
  check.login = request.login;
  auto found = store.account(request.login);
  if (!found) {
    return tl::unexpected(found.error());
  }
  // A service signs in with tokens only: its login is treated like an unknown one.
  check.account_known = found->has_value() && is_person(**found);
  const store::AccountRow& row = check.account_known ? **found : **decoy_row;
  check.credentials_fingerprint = credentials_fingerprint_of(row);

  check.password_ok = request.password_checked_with
                          ? *request.password_checked_with == check.credentials_fingerprint
                          : crypto::verify_password(row.password_hash, request.password.view());
  // A person who has not enrolled a second factor yet signs in with the password alone; the
  // session can then only change the password and enrol (Authenticated::second_factor_missing).
  const bool enrolled = !row.totp_sealed.empty();
  check.second_factor_enrolled = enrolled;
  // The second factor is checked even after a wrong password: the same work either way.
  const std::string_view second_factor = request.second_factor.view();
  const bool looks_like_totp =
      second_factor.size() == kTotpDigits &&
      std::ranges::all_of(second_factor, [](char c) { return c >= '0' && c <= '9'; });
  if (!enrolled) {
    check.second_factor_ok = true;
  } else if (looks_like_totp) {
    auto secret =
        crypto::open_secret(keys_.secret_key.view(), row.totp_sealed, totp_binding(row.login));
    if (!secret) {
      return tl::unexpected(secret.error());
    }
    const std::optional<uint64_t> last_step =
        row.totp_last_step < 0 ? std::nullopt
                               : std::optional<uint64_t>(static_cast<uint64_t>(row.totp_last_step));
    auto step = verify_totp(secret->view(), second_factor, clock_.now_ms() / 1000, last_step);
    if (step) {
      check.totp_step = *step;
    }
  } else {
    auto codes = decode_recovery_codes(row.recovery_codes);
    if (!codes) {
      return tl::unexpected(codes.error());
    }
    if (auto index = redeem_recovery_code(second_factor, *codes)) {
      check.recovery_index = *index;
    }
  }
  check.second_factor_ok =
      !enrolled || check.totp_step.has_value() || check.recovery_index.has_value();
  if (!check.account_known) {
    check.refusal =
        found->has_value() ? "service accounts sign in with API tokens only" : "unknown login";
    check.password_ok = false;
    check.second_factor_ok = false;
  } else if (!check.password_ok) {
    check.refusal = "wrong password";
  } else if (!check.second_factor_ok) {
    check.refusal = "wrong second factor";
  } else if (!request.password_checked_with &&
             crypto::password_needs_rehash(row.password_hash, settings_.password_limits)) {
    auto rehashed = crypto::hash_password(request.password.view(), settings_.password_limits);
    if (rehashed) {
      check.new_password_hash = std::move(*rehashed);
    }
  }
  return check;
}

Result<LoginOutcome> Authenticator::record_login(store::DataStore& tx, const LoginCheck& check,
                                                 const LoginRequest& request) {
  LoginOutcome outcome;
  auto refuse = [&](std::string reason) {
    note_failure(request.login, request.address);
    outcome.refusal = std::move(reason);
    return outcome;
  };
  if (!check.account_known) {
    return refuse(check.refusal);
  }
  auto row = load(tx, check.login);
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (row->status == name_of(AccountStatus::kDisabled)) {
    return refuse("account disabled");
  }
  if (row->status == name_of(AccountStatus::kLocked)) {
    return refuse("account locked");
  }
  std::string failure = check.refusal;
  if (failure.empty() && credentials_fingerprint_of(*row) != check.credentials_fingerprint) {
    failure = "credentials changed during the login";
  }
  std::optional<std::vector<StoredRecoveryCode>> codes;
  if (failure.empty() && check.totp_step &&
      row->totp_last_step >= static_cast<int64_t>(*check.totp_step)) {
    failure = "second factor code already used";
  }
  if (failure.empty() && check.recovery_index) {
    auto decoded = decode_recovery_codes(row->recovery_codes);
    if (!decoded) {
      return tl::unexpected(decoded.error());
    }
    if (*check.recovery_index >= decoded->size() || (*decoded)[*check.recovery_index].used) {
      failure = "recovery code already used";
    } else {
      (*decoded)[*check.recovery_index].used = true;
      codes = std::move(*decoded);
    }
  }
  if (!failure.empty()) {
    row->failed_logins += 1;
    if (row->failed_logins >= kLockAfterFailures) {
      row->status = std::string(name_of(AccountStatus::kLocked));
      outcome.locked_now = true;
    }
    if (auto updated = tx.update_account(*row); !updated) {
      return tl::unexpected(updated.error());
    }
    return refuse(std::move(failure));
  }
  row->failed_logins = 0;
  row->last_used_ms = clock_.now_ms();
  if (check.totp_step) {
    row->totp_last_step = static_cast<int64_t>(*check.totp_step);
  }
  if (codes) {
    row->recovery_codes = encode_recovery_codes(*codes);
  }
  if (check.new_password_hash) {
    row->password_hash = *check.new_password_hash;
  }
  if (auto updated = tx.update_account(*row); !updated) {
    return tl::unexpected(updated.error());
  }
  auto session = open_session(tx, *row, request.address);
  if (!session) {
    return tl::unexpected(session.error());
  }
  note_success(request.login);
  outcome.session = std::move(*session);
  return outcome;
}

std::string_view login_refused_message() { return kLoginRefused; }

std::string_view login_refused_french() { return kLoginRefusedFrench; }

}  // namespace vigie::auth
