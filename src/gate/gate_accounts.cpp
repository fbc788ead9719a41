#include "gate/gate.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "gate/audited_call.hpp"

namespace vigie::gate {

Result<auth::Enrolment> Gate::add_account(const Principal& principal,
                                          const auth::NewAccount& account) {
  audit::Entry entry = with_account_change(start_entry(principal, audit::kActionAccountChange),
                                           "add", account.login);
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return refused<auth::Enrolment>(std::move(entry), caller.error());
  }
  return account_change<auth::Enrolment>(
      entry, [&](store::DataStore& tx) { return authenticator_->add_account(tx, account); });
}

Result<std::vector<auth::AccountView>> Gate::list_accounts(const Principal& principal) {
  audit::Entry entry =
      with_account_change(start_entry(principal, audit::kActionAccountRead), "list", "");
  Result<std::vector<auth::AccountView>> result = [&]() -> Result<std::vector<auth::AccountView>> {
    if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
      return tl::unexpected(caller.error());
    }
    return authenticator_->list_accounts(*accounts_);
  }();
  return released(std::move(entry), std::move(result), {}, false);
}

Result<auth::AccountView> Gate::show_account(const Principal& principal, std::string_view login) {
  audit::Entry entry =
      with_account_change(start_entry(principal, audit::kActionAccountRead), "show", login);
  Result<auth::AccountView> result = [&]() -> Result<auth::AccountView> {
    if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
      return tl::unexpected(caller.error());
    }
    return authenticator_->show_account(*accounts_, login);
  }();
  return released(std::move(entry), std::move(result), {}, false);
}

Result<void> Gate::set_account_status(const Principal& principal, std::string_view login,
                                      auth::AccountStatus status) {
  const std::string_view change = status == auth::AccountStatus::kActive   ? "unlock"
                                  : status == auth::AccountStatus::kLocked ? "lock"
                                                                           : "disable";
  audit::Entry entry =
      with_account_change(start_entry(principal, audit::kActionAccountChange), change, login);
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return refused<void>(std::move(entry), caller.error());
  }
  return account_change<void>(
      entry, [&](store::DataStore& tx) { return authenticator_->set_status(tx, login, status); });
}

Result<crypto::SecretString> Gate::reset_password(const Principal& principal,
                                                  std::string_view login) {
  audit::Entry entry = with_account_change(start_entry(principal, audit::kActionAccountChange),
                                           "reset-password", login);
  entry.supervise = true;  // whoever reset it knows the password until its owner changes it
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return refused<crypto::SecretString>(std::move(entry), caller.error());
  }
  return account_change<crypto::SecretString>(
      entry, [&](store::DataStore& tx) { return authenticator_->reset_password(tx, login); });
}

Result<void> Gate::reset_second_factor(const Principal& principal, std::string_view login) {
  audit::Entry entry =
      with_account_change(start_entry(principal, audit::kActionAccountChange), "reset-otp", login);
  entry.supervise = true;  // the next login takes the password alone, until a new enrolment
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return refused<void>(std::move(entry), caller.error());
  }
  return account_change<void>(
      entry, [&](store::DataStore& tx) { return authenticator_->reset_second_factor(tx, login); });
}

Result<auth::IssuedToken> Gate::create_token(const Principal& principal, std::string_view login,
                                             const std::vector<std::string>& scopes,
                                             int64_t expires_ms,
                                             const std::vector<std::string>& allowed_addresses) {
  audit::Entry entry = with_account_change(start_entry(principal, audit::kActionAccountChange),
                                           "token-create", login);
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return refused<auth::IssuedToken>(std::move(entry), caller.error());
  }
  return account_change<auth::IssuedToken>(entry, [&](store::DataStore& tx) {
    return authenticator_->create_token(tx, login, scopes, expires_ms, allowed_addresses);
  });
}

Result<Revocation> Gate::revoke_credential(const Principal& principal,
                                           std::string_view id_or_secret) {
  audit::Entry entry =
      with_account_change(start_entry(principal, audit::kActionAccountChange), "revoke", "");
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return refused<Revocation>(std::move(entry), caller.error());
  }
  // Only the id reaches the entry: the text may be a secret.
  auto credential_id = authenticator_->credential_id_of(*accounts_, id_or_secret);
  if (!credential_id) {
    return refused<Revocation>(std::move(entry), credential_id.error());
  }
  entry.targets.push_back(audit::Target{"Credential", *credential_id, 0, ""});
  return account_change<Revocation>(entry, [&](store::DataStore& tx) -> Result<Revocation> {
    auto revoked = authenticator_->revoke(tx, *credential_id);
    if (!revoked) {
      return tl::unexpected(revoked.error());
    }
    return Revocation{*credential_id, *revoked};
  });
}

Result<void> Gate::assign(const Principal& principal, std::string_view login,
                          std::string_view patient_id) {
  audit::Entry entry =
      with_account_change(start_entry(principal, audit::kActionAccountChange), "assign", login);
  entry.targets.push_back(
      audit::Target{"Patient", std::string(patient_id), 0, std::string(patient_id)});
  auto admitted = [&]() -> Result<void> {
    if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
      return tl::unexpected(caller.error());
    }
    return require_patient(patient_id);
  }();
  if (!admitted) {
    return refused<void>(std::move(entry), admitted.error());
  }
  return account_change<void>(entry, [&](store::DataStore& tx) -> Result<void> {
    auto account = tx.account(std::string(login));
    if (!account) {
      return tl::unexpected(account.error());
    }
    if (!account->has_value()) {
      return fail(ErrorCode::kNotFound, "aucun compte de cet identifiant",
                  "no account has this login");
    }
    if ((*account)->role != access::name_of(access::Role::kPractitioner)) {
      return fail(ErrorCode::kUsage, "seul un compte praticien est affecté à un patient",
                  "only a practitioner account is assigned to a patient");
    }
    auto added = tx.add_assignment(
        store::AssignmentRow{std::string(login), std::string(patient_id), "cli", clock_.now_ms()});
    if (!added) {
      return tl::unexpected(added.error());
    }
    return {};
  });
}

Result<void> Gate::unassign(const Principal& principal, std::string_view login,
                            std::string_view patient_id) {
  audit::Entry entry =
      with_account_change(start_entry(principal, audit::kActionAccountChange), "unassign", login);
  entry.targets.push_back(
      audit::Target{"Patient", std::string(patient_id), 0, std::string(patient_id)});
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return refused<void>(std::move(entry), caller.error());
  }
  // Every source of the assignment ends: the command line, registration, CareTeams (a CareTeam
  // that still names the practitioner assigns them again when it is next written). The entry's
  // purpose says which sources ended.
  auto assignments = accounts_->assignments_of(std::string(login));
  if (!assignments) {
    return refused<void>(std::move(entry), assignments.error());
  }
  std::vector<std::string> sources;
  for (const store::AssignmentRow& row : *assignments) {
    if (row.patient_id == patient_id) {
      sources.push_back(row.source);
    }
  }
  if (sources.empty()) {
    return refused<void>(std::move(entry),
                         fail(ErrorCode::kNotFound, "aucune affectation de ce compte à ce patient",
                              "no such assignment of this account to this patient")
                             .value());
  }
  entry.purpose = fmt::format("unassign ({})", fmt::join(sources, ", "));
  return account_change<void>(entry, [&](store::DataStore& tx) -> Result<void> {
    for (const std::string& source : sources) {
      auto removed = tx.remove_assignment(std::string(login), std::string(patient_id), source);
      if (!removed) {
        return tl::unexpected(removed.error());
      }
    }
    return {};
  });
}

}  // namespace vigie::gate
