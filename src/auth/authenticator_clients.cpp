#include "auth/authenticator.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "auth/authenticator_internal.hpp"

namespace vigie::auth {

namespace {

ClientCheck refused_client(ClientCheck check, OAuthError error, std::string reason) {
  check.refusal = TokenRefusal{error, std::move(reason)};
  return check;
}

}  // namespace

Result<void> Authenticator::add_client_keys(store::DataStore& tx, std::string_view login,
                                            const std::vector<ClientKey>& keys) {
  auto row = load(tx, login);
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (is_person(*row)) {
    return fail(ErrorCode::kUsage, "seul un compte de service a des clés de client",
                "only a service account has client keys");
  }
  const int64_t now = clock_.now_ms();
  for (const ClientKey& key : keys) {
    auto added =
        tx.insert_client_key(store::ClientKeyRow{row->login, key.kid, key.alg, key.jwk, now});
    if (!added) {
      return tl::unexpected(added.error());
    }
    if (!*added) {
      return fail(ErrorCode::kConflict, "ce compte a déjà une clé de ce kid",
                  "this account has a key with this kid already");
    }
  }
  return {};
}

Result<std::vector<ClientKey>> Authenticator::client_keys(store::DataStore& store,
                                                          std::string_view login) {
  auto rows = store.client_keys(std::string(login));
  if (!rows) {
    return tl::unexpected(rows.error());
  }
  std::vector<ClientKey> keys;
  keys.reserve(rows->size());
  for (store::ClientKeyRow& row : *rows) {
    keys.push_back(ClientKey{std::move(row.kid), std::move(row.alg), std::move(row.jwk)});
  }
  return keys;
}

Result<ClientCheck> Authenticator::check_client(store::DataStore& store,
                                                const TokenRequest& request,
                                                std::string_view token_url) {
  ClientCheck check;
  auto claimed = read_assertion_claims(request.assertion);
  if (!claimed) {
    return refused_client(std::move(check), OAuthError::kInvalidClient, claimed.error().message);
  }
  if (!request.client_id.empty() && request.client_id != claimed->issuer) {
    return refused_client(std::move(check), OAuthError::kInvalidClient,
                          "client_id is not the assertion's iss");
  }
  auto account = store.account(claimed->issuer);
  if (!account) {
    return tl::unexpected(account.error());
  }
  if (!account->has_value() || is_person(**account)) {
    return refused_client(std::move(check), OAuthError::kInvalidClient,
                          "no service account has the assertion's iss");
  }
  check.client_id = (*account)->login;
  check.client_known = true;
  if ((*account)->status != name_of(AccountStatus::kActive)) {
    return refused_client(std::move(check), OAuthError::kInvalidClient,
                          "the service account is not active");
  }
  auto keys = client_keys(store, check.client_id);
  if (!keys) {
    return tl::unexpected(keys.error());
  }
  auto verified = verify_client_assertion(request.assertion, check.client_id, *keys, token_url,
                                          clock_.now_ms());
  if (!verified) {
    if (verified.error().code != ErrorCode::kAuthenticationFailed) {
      return tl::unexpected(verified.error());
    }
    return refused_client(std::move(check), OAuthError::kInvalidClient, verified.error().message);
  }
  check.assertion = std::move(*verified);
  auto scopes = service_scopes(request.scope);
  if (!scopes) {
    return refused_client(std::move(check), scopes.error().error, scopes.error().reason);
  }
  check.scopes = std::move(*scopes);
  return check;
}

Result<ClientTokenOutcome> Authenticator::record_client_token(store::DataStore& tx,
                                                              const ClientCheck& check) {
  ClientTokenOutcome outcome;
  if (check.refusal) {
    outcome.refusal = check.refusal;
    return outcome;
  }
  const int64_t now = clock_.now_ms();
  if (auto forgotten = tx.forget_assertion_ids_before(now); !forgotten) {
    return tl::unexpected(forgotten.error());
  }
  // Per client (RFC 7523 §3: a jti is unique for its issuer), under the pepper: the store holds no
  // assertion id in clear.
  const auto id_hash =
      secret_hash(fmt::format("jti\n{}\n{}", check.client_id, check.assertion.jti));
  auto fresh = tx.remember_assertion_id(id_hash, check.assertion.expires_ms);
  if (!fresh) {
    return tl::unexpected(fresh.error());
  }
  if (!*fresh) {
    outcome.refusal = TokenRefusal{OAuthError::kInvalidClient, "assertion jti replayed"};
    return outcome;
  }
  auto account = load(tx, check.client_id);
  if (!account) {
    return tl::unexpected(account.error());
  }
  if (account->status != name_of(AccountStatus::kActive)) {
    outcome.refusal = TokenRefusal{OAuthError::kInvalidClient, "the service account is not active"};
    return outcome;
  }
  auto token = create_token(tx, check.client_id, check.scopes, now + kClientTokenLifetimeMs, {});
  if (!token) {
    return tl::unexpected(token.error());
  }
  outcome.token = std::move(*token);
  outcome.scope = fmt::format("{}", fmt::join(check.scopes, " "));
  return outcome;
}

}  // namespace vigie::auth
