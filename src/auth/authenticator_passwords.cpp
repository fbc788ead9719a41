#include "auth/authenticator.hpp"

#include "auth/authenticator_internal.hpp"
#include "auth/password_policy.hpp"

namespace vigie::auth {

Result<crypto::SecretString> Authenticator::reset_password(store::DataStore& tx,
                                                           std::string_view login) {
  auto row = load(tx, login);
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (!is_person(*row)) {
    return fail(ErrorCode::kUsage, "un compte de service n'a pas de mot de passe",
                "a service account has no password");
  }
  crypto::SecretString password = random_grouped_code(kTemporaryPasswordCharacters);
  auto hash = crypto::hash_password(password.view(), settings_.password_limits);
  if (!hash) {
    return tl::unexpected(hash.error());
  }
  row->password_hash = std::move(*hash);
  row->password_temporary = true;
  if (auto revoked = tx.revoke_credentials_of(row->login, clock_.now_ms()); !revoked) {
    return tl::unexpected(revoked.error());
  }
  if (auto updated = tx.update_account(*row); !updated) {
    return tl::unexpected(updated.error());
  }
  return password;
}

Result<void> Authenticator::change_password(store::DataStore& tx, std::string_view login,
                                            std::string_view current, std::string_view replacement,
                                            std::string_view current_session) {
  auto row = load(tx, login);
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (!is_person(*row) || !crypto::verify_password(row->password_hash, current)) {
    return fail(ErrorCode::kAuthenticationFailed, "mot de passe actuel incorrect",
                "wrong current password");
  }
  if (replacement == current) {
    return fail(ErrorCode::kInvalidInput, "le nouveau mot de passe doit différer de l'actuel",
                "the new password must differ from the current one");
  }
  if (auto allowed = check_password(replacement, row->login, row->display_name); !allowed) {
    return allowed;
  }
  auto hash = crypto::hash_password(replacement, settings_.password_limits);
  if (!hash) {
    return tl::unexpected(hash.error());
  }
  row->password_hash = std::move(*hash);
  row->password_temporary = false;
  auto credentials = tx.credentials_of(row->login);
  if (!credentials) {
    return tl::unexpected(credentials.error());
  }
  for (const store::CredentialRow& credential : *credentials) {
    if (credential.id != current_session && credential.revoked_ms == 0) {
      if (auto revoked = tx.revoke_credential(credential.id, clock_.now_ms()); !revoked) {
        return tl::unexpected(revoked.error());
      }
    }
  }
  return tx.update_account(*row);
}

}  // namespace vigie::auth
