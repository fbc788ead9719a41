#include "gate/gate.hpp"

#include <fmt/format.h>

#include "auth/totp.hpp"
#include "gate/audited_call.hpp"
#include "store/transaction.hpp"

namespace vigie::gate {

namespace {

std::string_view auth_method_of(const auth::LoginRequest& request) {
  const std::string_view factor = request.second_factor.empty() ? ""
                                  : request.second_factor.size() == auth::kTotpDigits
                                      ? "+totp"
                                      : "+recovery-code";
  if (request.password_checked_with) {
    return factor == "+totp" ? "checked-password+totp" : "checked-password+recovery-code";
  }
  return factor.empty()      ? "password"
         : factor == "+totp" ? "password+totp"
                             : "password+recovery-code";
}

}  // namespace

Result<auth::IssuedSession> Gate::login(const auth::LoginRequest& request,
                                        std::string_view user_agent) {
  Principal principal = account_principal("", request.address, std::string(user_agent));
  audit::Entry entry = start_entry(principal, audit::kActionLogin);
  entry.actor.auth_method = std::string(auth_method_of(request));
  auto checked = authenticator_->check_login(*accounts_, request);
  if (!checked) {
    return refused<auth::IssuedSession>(std::move(entry), checked.error());
  }
  return finish_login(std::move(entry), *checked, request);
}

Result<Gate::PasswordStep> Gate::login_password(const auth::LoginRequest& request,
                                                std::string_view user_agent) {
  Principal principal = account_principal("", request.address, std::string(user_agent));
  audit::Entry entry = start_entry(principal, audit::kActionLogin);
  entry.actor.auth_method = "password";
  auth::LoginRequest password_only;
  password_only.login = request.login;
  password_only.password = crypto::SecretString(request.password.view());
  password_only.address = request.address;
  auto checked = authenticator_->check_login(*accounts_, password_only);
  if (!checked) {
    return refused<PasswordStep>(std::move(entry), checked.error());
  }
  if (checked->account_known && checked->password_ok && checked->second_factor_enrolled) {
    // Recorded, so that a right password never followed by a code is seen in the audit log.
    entry.actor.login = request.login;
    entry.targets.push_back(account_target(request.login));
    entry.reason = "password accepted; second factor awaited";
    if (auto recorded = record_durably({std::move(entry)}); !recorded) {
      return tl::unexpected(recorded.error());
    }
    return PasswordStep{SecondFactorAwaited{request.login, checked->credentials_fingerprint}};
  }
  auto session = finish_login(std::move(entry), *checked, password_only);
  if (!session) {
    return tl::unexpected(session.error());
  }
  return PasswordStep{std::move(*session)};
}

Result<auth::IssuedSession> Gate::finish_login(audit::Entry entry, const auth::LoginCheck& checked,
                                               const auth::LoginRequest& request) {
  if (checked.account_known) {
    entry.actor.login = request.login;
    entry.targets.push_back(account_target(request.login));
  }
  std::optional<int64_t> intent;
  Result<auth::LoginOutcome> outcome = [&]() -> Result<auth::LoginOutcome> {
    auto transaction = store::begin_transaction(*accounts_);
    if (!transaction) {
      return tl::unexpected(transaction.error());
    }
    auto recorded = authenticator_->record_login(*accounts_, checked, request);
    if (!recorded) {
      return recorded;
    }
    audit::Entry final_entry = entry;
    if (recorded->session) {
      final_entry.actor.session_id = recorded->session->id;
    } else {
      final_entry.outcome = audit::Outcome::kDenied;
      final_entry.reason =
          fmt::format("{}: {}{}", name_of(ErrorCode::kAuthenticationFailed), recorded->refusal,
                      recorded->locked_now ? "; account locked now" : "");
    }
    if (auto appended = record_intent(*accounts_, {final_entry}, intent); !appended) {
      return tl::unexpected(appended.error());
    }
    if (auto saved = transaction->commit_durable(); !saved) {
      return tl::unexpected(saved.error());
    }
    return recorded;
  }();
  auto published = committed(std::move(entry), std::move(outcome), intent);
  if (!published) {
    return tl::unexpected(published.error());
  }
  if (!published->session) {
    return fail(ErrorCode::kAuthenticationFailed, std::string(auth::login_refused_french()),
                std::string(auth::login_refused_message()));
  }
  return std::move(*published->session);
}

std::string Gate::credential_id_for_log(const Principal& principal) {
  if (principal.custodian() != nullptr) {
    return {};
  }
  const std::array<uint8_t, 32> hash = authenticator_->secret_hash(principal.bearer());
  if (auto known = credential_ids_for_log_.find(hash); known != credential_ids_for_log_.end()) {
    return known->second;
  }
  auto id = authenticator_->credential_id_of(*accounts_, principal.bearer());
  if (!id) {
    return {};
  }
  if (credential_ids_for_log_.size() >= kCredentialIdsForLog) {
    credential_ids_for_log_.clear();
  }
  credential_ids_for_log_.emplace(hash, *id);
  return std::move(*id);
}

Result<void> Gate::logout(const Principal& principal) {
  audit::Entry entry = start_entry(principal, audit::kActionLogout);
  auto caller = identify(principal, entry);
  if (!caller || caller->custodian) {
    return refused<void>(
        std::move(entry),
        caller ? fail(ErrorCode::kUsage, "the custodian has no session to end").value()
               : caller.error());
  }
  return account_change<void>(entry, [&](store::DataStore& tx) {
    return authenticator_->end_session(tx, caller->account.credential_id);
  });
}

Result<void> Gate::change_password(const Principal& principal, std::string_view current,
                                   std::string_view replacement) {
  audit::Entry entry = with_account_change(start_entry(principal, audit::kActionAccountChange),
                                           "password-change", "");
  auto caller = identify(principal, entry);
  if (!caller || caller->custodian || caller->account.is_token) {
    return refused<void>(
        std::move(entry),
        caller ? fail(ErrorCode::kUsage, "only a person's session changes its password").value()
               : caller.error());
  }
  entry.targets.push_back(account_target(caller->account.login));
  return account_change<void>(entry, [&](store::DataStore& tx) {
    return authenticator_->change_password(tx, caller->account.login, current, replacement,
                                           caller->account.credential_id);
  });
}

Result<auth::Enrolment> Gate::enrol_second_factor(const Principal& principal) {
  audit::Entry entry = with_account_change(start_entry(principal, audit::kActionAccountChange),
                                           "enrol-second-factor", "");
  auto caller = identify(principal, entry);
  if (!caller || caller->custodian || caller->account.is_token) {
    return refused<auth::Enrolment>(
        std::move(entry),
        caller ? fail(ErrorCode::kUsage, "only a person's session enrols a second factor").value()
               : caller.error());
  }
  entry.targets.push_back(account_target(caller->account.login));
  if (caller->account.password_change_required) {
    entry.reason = fmt::format("{}: temporary password must be changed first",
                               name_of(ErrorCode::kPermissionDenied));
    return refused<auth::Enrolment>(std::move(entry),
                                    fail(ErrorCode::kPermissionDenied, "accès refusé",
                                         "access denied: temporary password must be changed first")
                                        .value());
  }
  return account_change<auth::Enrolment>(entry, [&](store::DataStore& tx) {
    return authenticator_->enrol_second_factor(tx, caller->account.login);
  });
}

}  // namespace vigie::gate
