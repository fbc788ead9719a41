#include "auth/authenticator.hpp"

#include <algorithm>
#include <array>

#include "auth/authenticator_internal.hpp"
#include "common/words.hpp"
#include "store/transaction.hpp"

namespace vigie::auth {

namespace {

constexpr std::string_view kSessionKind = "session";
constexpr int64_t kTouchGranularityMs = 60'000;

}  // namespace

Result<IssuedSession> Authenticator::open_session(store::DataStore& tx,
                                                  const store::AccountRow& account,
                                                  std::string_view address) {
  IssuedSession session;
  session.id = std::string(kSessionIdPrefix) + random_hex(kCredentialIdBytes);
  session.secret = std::string(kSessionSecretPrefix) + random_hex(kCredentialSecretBytes);
  const int64_t now = clock_.now_ms();
  session.expires_ms = now + settings_.session_lifetime_ms;
  session.password_change_required = account.password_temporary;
  session.second_factor_missing = account.totp_sealed.empty();
  store::CredentialRow credential;
  credential.id = session.id;
  credential.kind = std::string(kSessionKind);
  credential.secret_hash = secret_hash(session.secret);
  credential.login = account.login;
  credential.address = std::string(address);
  credential.created_ms = now;
  credential.last_used_ms = now;
  credential.expires_ms = session.expires_ms;
  if (auto inserted = tx.insert_credential(credential); !inserted) {
    return tl::unexpected(inserted.error());
  }
  return session;
}

Result<void> Authenticator::end_session(store::DataStore& tx, std::string_view credential_id) {
  auto revoked = tx.revoke_credential(std::string(credential_id), clock_.now_ms());
  if (!revoked) {
    return tl::unexpected(revoked.error());
  }
  return {};
}

Result<Authenticated> Authenticator::authenticate(store::DataStore& store, std::string_view secret,
                                                  std::string_view address) {
  const std::array<uint8_t, 32> hash = secret_hash(secret);
  auto found = store.credential_with_account_by_hash(hash);
  if (!found) {
    return tl::unexpected(found.error());
  }
  if (!found->has_value()) {
    return fail(ErrorCode::kAuthenticationFailed, "session ou jeton inconnu",
                "unknown session or token");
  }
  const store::CredentialRow& credential = (*found)->credential;
  const store::AccountRow& account = (*found)->account;
  const int64_t now = clock_.now_ms();
  const bool is_token = credential.kind == kTokenKind;
  if (credential.revoked_ms != 0) {
    return fail(ErrorCode::kAuthenticationFailed, "session ou jeton révoqué",
                "session or token revoked");
  }
  if (now >= credential.expires_ms) {
    return fail(ErrorCode::kAuthenticationFailed, "session ou jeton expiré",
                "session or token expired");
  }
  if (!is_token && now - credential.last_used_ms >= settings_.session_idle_ms) {
    return fail(ErrorCode::kAuthenticationFailed, "session expirée après inactivité",
                "session expired after inactivity");
  }
  if (!credential.allowed_addresses.empty()) {
    const std::vector<std::string> allowed = split_words(credential.allowed_addresses);
    const std::optional<std::string> presented = canonical_address(address);
    if (!presented || std::ranges::find(allowed, *presented) == allowed.end()) {
      return fail(ErrorCode::kAuthenticationFailed, "jeton refusé depuis cette adresse",
                  "token refused from this address");
    }
  }
  const std::optional<access::Role> role = access::parse_role(account.role);
  if (account.status != name_of(AccountStatus::kActive) || !role) {
    return fail(ErrorCode::kAuthenticationFailed, "compte inactif", "account not active");
  }
  Authenticated authenticated;
  authenticated.login = account.login;
  authenticated.role = *role;
  authenticated.credential_id = credential.id;
  authenticated.is_token = is_token;
  authenticated.password_change_required = !is_token && account.password_temporary;
  authenticated.second_factor_missing = !is_token && account.totp_sealed.empty();
  for (const std::string& text : split_words(credential.scopes)) {
    auto scope = access::parse_scope(text);
    if (!scope) {
      return fail(ErrorCode::kIntegrity, "a stored token scope is malformed");
    }
    authenticated.scopes.push_back(*scope);
  }
  if (now - credential.last_used_ms >= kTouchGranularityMs) {
    auto transaction = store::begin_transaction(store);
    if (!transaction) {
      return tl::unexpected(transaction.error());
    }
    // Re-read under the write lock: writing back the row read above could undo a lock or a
    // password change committed meanwhile.
    auto touched = store.touch_credential(credential.id, now);
    if (touched) {
      auto fresh = load(store, credential.login);
      touched = fresh ? Result<void>() : Result<void>(tl::unexpected(fresh.error()));
      if (fresh) {
        fresh->last_used_ms = now;
        touched = store.update_account(*fresh);
      }
    }
    if (!touched) {
      return tl::unexpected(touched.error());
    }
    if (auto committed = transaction->commit(); !committed) {
      return tl::unexpected(committed.error());
    }
  }
  return authenticated;
}

}  // namespace vigie::auth
