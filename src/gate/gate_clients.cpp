#include "gate/gate.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "gate/audited_call.hpp"
#include "store/transaction.hpp"

namespace vigie::gate {

Result<std::vector<std::string>> Gate::add_client_keys(const Principal& principal,
                                                       std::string_view login,
                                                       std::string_view jwks) {
  audit::Entry entry = with_account_change(start_entry(principal, audit::kActionAccountChange),
                                           "client-keys-add", login);
  if (auto caller = admit(principal, access::Action::kAccountAdmin, entry); !caller) {
    return refused<std::vector<std::string>>(std::move(entry), caller.error());
  }
  auto keys = auth::parse_client_jwks(jwks);
  if (!keys) {
    return refused<std::vector<std::string>>(std::move(entry), keys.error());
  }
  std::vector<std::string> kids;
  for (const auth::ClientKey& key : *keys) {
    kids.push_back(key.kid);
  }
  // The kids name the keys in the log; a kid is chosen by whoever made the key, never a secret.
  entry.purpose = fmt::format("client-keys-add {}", fmt::join(kids, ","));
  return account_change<std::vector<std::string>>(
      entry, [&](store::DataStore& tx) -> Result<std::vector<std::string>> {
        if (auto added = authenticator_->add_client_keys(tx, login, *keys); !added) {
          return tl::unexpected(added.error());
        }
        return kids;
      });
}

Result<ClientTokenAnswer> Gate::client_token(const ClientTokenRequest& request) {
  audit::Entry entry =
      start_entry(account_principal("", request.address, request.user_agent), audit::kActionLogin);
  entry.actor.auth_method = "private_key_jwt";
  // Records a refusal (a denial whose reason says which check failed) and answers its error.
  const auto refuse = [&](const auth::TokenRefusal& refusal) -> Result<ClientTokenAnswer> {
    entry.reason = fmt::format("{}: {}", auth::name_of(refusal.error), refusal.reason);
    auto recorded = refused<void>(std::move(entry),
                                  fail(ErrorCode::kAuthenticationFailed, refusal.reason).value());
    if (recorded.error().code != ErrorCode::kAuthenticationFailed) {
      return tl::unexpected(recorded.error());  // the entry could not be recorded
    }
    ClientTokenAnswer answer;
    answer.error = refusal.error;
    return answer;
  };
  if (!auth::is_form_urlencoded(request.content_type)) {
    return refuse(auth::TokenRefusal{auth::OAuthError::kInvalidRequest,
                                     "content type is not application/x-www-form-urlencoded"});
  }
  auto parsed = auth::parse_token_request(request.body);
  if (!parsed) {
    return refuse(parsed.error());
  }
  auto checked = authenticator_->check_client(*accounts_, *parsed, request.token_url);
  if (!checked) {
    return refused<ClientTokenAnswer>(std::move(entry), checked.error());
  }
  if (checked->client_known) {
    entry.actor.login = checked->client_id;
    entry.targets.push_back(account_target(checked->client_id));
  }
  if (checked->refusal) {
    return refuse(*checked->refusal);
  }
  std::optional<int64_t> intent;
  Result<auth::ClientTokenOutcome> outcome = [&]() -> Result<auth::ClientTokenOutcome> {
    auto transaction = store::begin_transaction(*accounts_);
    if (!transaction) {
      return tl::unexpected(transaction.error());
    }
    auto recorded = authenticator_->record_client_token(*accounts_, *checked);
    if (!recorded) {
      return recorded;
    }
    audit::Entry final_entry = entry;
    if (recorded->token) {
      final_entry.actor.session_id = recorded->token->id;
      final_entry.purpose = "scope " + recorded->scope;
    } else {
      final_entry.outcome = audit::Outcome::kDenied;
      final_entry.reason =
          fmt::format("{}: {}", auth::name_of(recorded->refusal->error), recorded->refusal->reason);
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
  ClientTokenAnswer answer;
  if (published->token) {
    answer.token = std::move(published->token);
    answer.scope = std::move(published->scope);
  } else {
    answer.error = published->refusal->error;
  }
  return answer;
}

}  // namespace vigie::gate
