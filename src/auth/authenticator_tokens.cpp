#include "auth/authenticator.hpp"

#include <algorithm>

#include "auth/authenticator_internal.hpp"

namespace vigie::auth {

namespace {

// True when `text` is `length` characters of 0-9 a-f.
bool is_lowercase_hex(std::string_view text, size_t length) {
  return text.size() == length && std::ranges::all_of(text, [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

Result<IssuedToken> Authenticator::create_token(store::DataStore& tx, std::string_view login,
                                                const std::vector<std::string>& scopes,
                                                int64_t expires_ms,
                                                const std::vector<std::string>& allowed_addresses) {
  auto row = load(tx, login);
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (is_person(*row)) {
    return fail(ErrorCode::kUsage, "les jetons d'API sont réservés aux comptes de service",
                "API tokens are for service accounts");
  }
  if (row->status != name_of(AccountStatus::kActive)) {
    return fail(ErrorCode::kUsage, "ce compte n'est pas actif", "this account is not active");
  }
  if (scopes.empty()) {
    return fail(ErrorCode::kUsage, "un jeton a au moins une portée", "a token needs a scope");
  }
  std::string scope_text;
  for (const std::string& text : scopes) {
    auto scope = access::parse_scope(text);
    if (!scope) {
      return tl::unexpected(scope.error());
    }
    if (scope->context != access::ScopeContext::kSystem) {
      return fail(ErrorCode::kUsage, "un jeton de service porte des portées system/",
                  "a service token carries system/ scopes");
    }
    scope_text += (scope_text.empty() ? "" : " ") + access::to_string(*scope);
  }
  const int64_t now = clock_.now_ms();
  if (expires_ms <= now || expires_ms > now + kMaxTokenLifetimeMs) {
    return fail(ErrorCode::kUsage, "un jeton expire dans un an au plus",
                "a token expires within one year");
  }
  std::string address_text;
  for (const std::string& address : allowed_addresses) {
    const std::optional<std::string> canonical = canonical_address(address);
    if (!canonical) {
      return fail(ErrorCode::kUsage, "adresse IP invalide", "invalid IP address");
    }
    address_text += (address_text.empty() ? "" : " ") + *canonical;
  }
  IssuedToken token;
  token.id = std::string(kTokenIdPrefix) + random_hex(kCredentialIdBytes);
  token.secret = std::string(kTokenSecretPrefix) + random_hex(kCredentialSecretBytes);
  token.expires_ms = expires_ms;
  store::CredentialRow credential;
  credential.id = token.id;
  credential.kind = std::string(kTokenKind);
  credential.secret_hash = secret_hash(token.secret);
  credential.login = row->login;
  credential.scopes = std::move(scope_text);
  credential.allowed_addresses = std::move(address_text);
  credential.created_ms = now;
  credential.last_used_ms = now;
  credential.expires_ms = expires_ms;
  if (auto inserted = tx.insert_credential(credential); !inserted) {
    return tl::unexpected(inserted.error());
  }
  return token;
}

Result<std::string> Authenticator::credential_id_of(store::DataStore& store,
                                                    std::string_view id_or_secret) {
  if (id_or_secret.starts_with(kTokenSecretPrefix) ||
      id_or_secret.starts_with(kSessionSecretPrefix)) {
    auto found = store.credential_by_hash(secret_hash(id_or_secret));
    if (!found) {
      return tl::unexpected(found.error());
    }
    if (!found->has_value()) {
      return fail(ErrorCode::kNotFound, "aucune session ni aucun jeton n'a ce secret",
                  "no session or token has this secret");
    }
    return (*found)->id;
  }
  const bool is_id =
      (id_or_secret.starts_with(kTokenIdPrefix) || id_or_secret.starts_with(kSessionIdPrefix)) &&
      is_lowercase_hex(id_or_secret.substr(kTokenIdPrefix.size()), 2 * kCredentialIdBytes);
  if (!is_id) {
    return fail(ErrorCode::kUsage,
                "attendu l'identifiant d'un jeton (tok-…) ou d'une session (ses-…), ou son "
                "secret (vgt_…, vgs_…)",
                "expected a token id (tok-…) or a session id (ses-…), or its secret (vgt_…, "
                "vgs_…)");
  }
  return std::string(id_or_secret);
}

Result<bool> Authenticator::revoke(store::DataStore& tx, std::string_view credential_id) {
  auto credential = tx.credential(std::string(credential_id));
  if (!credential) {
    return tl::unexpected(credential.error());
  }
  if (!credential->has_value()) {
    return fail(ErrorCode::kNotFound, "aucune session ni aucun jeton de cet identifiant",
                "no session or token has this id");
  }
  return tx.revoke_credential(std::string(credential_id), clock_.now_ms());
}

}  // namespace vigie::auth
