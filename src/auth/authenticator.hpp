#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/scope.hpp"
#include "access/types.hpp"
#include "auth/client_assertion.hpp"
#include "auth/client_keys.hpp"
#include "auth/token_request.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/password_hash.hpp"
#include "crypto/secret_bytes.hpp"
#include "crypto/secret_string.hpp"
#include "store/store.hpp"

// auth/: who is calling. Named accounts (people and services, never shared), passwords with a
// mandatory TOTP second factor for people, sessions, and API tokens for services. Every secret is
// stored hashed (passwords and recovery codes with Argon2id, session and token secrets with
// BLAKE2b keyed by a pepper derived from the master key) or sealed (TOTP secrets).
//
// The Authenticator decides and writes rows; it records nothing in the audit log. gate/ opens the
// transactions, appends the audit entry of each call in the same transaction, and commits.

namespace vigie::auth {

enum class AccountStatus { kActive, kLocked, kDisabled };

[[nodiscard]] std::string_view name_of(AccountStatus status);
[[nodiscard]] std::optional<AccountStatus> parse_status(std::string_view name);

// Failed logins in a row that lock an account (the custodian unlocks it).
inline constexpr int64_t kLockAfterFailures = 10;
// The longest an API token may live.
inline constexpr int64_t kMaxTokenLifetimeMs = 365LL * 24 * 60 * 60 * 1000;

struct AuthSettings {
  int64_t session_idle_ms = 15LL * 60 * 1000;           // a session unused this long ends
  int64_t session_lifetime_ms = 12LL * 60 * 60 * 1000;  // and every session ends this long after
  crypto::PasswordHashLimits password_limits = crypto::interactive_password_limits();
  // Per-address throttling: at most this many failed logins from one address per window.
  int64_t address_failures_per_window = 20;
  int64_t address_window_ms = 15LL * 60 * 1000;
};

// Keys derived from the master key (vault/ derives them; auth/ never sees the master key).
struct AuthKeys {
  crypto::SecretBytes pepper;      // keys the hash of session and token secrets
  crypto::SecretBytes secret_key;  // seals TOTP secrets
};

// Settings kept in the data file's metadata (written by `vigie init`); a vault without them
// gets the defaults.
[[nodiscard]] Result<void> store_settings(store::DataStore& tx, const AuthSettings& settings);
[[nodiscard]] Result<AuthSettings> load_settings(store::DataStore& store);

// A login: 2 to 64 characters among a-z 0-9 . _ -, starting with a letter. kUsage otherwise.
[[nodiscard]] Result<void> check_login_name(std::string_view login);

struct NewAccount {
  std::string login;
  std::string display_name;  // 1 to 200 characters of valid UTF-8, no control character
  access::Role role = access::Role::kPractitioner;
  std::string rpps;  // empty, or 11 digits
};

// Secrets shown once, never stored in clear. add_account gives a person only a one-time
// temporary password (for whoever creates the account to hand over); enrol_second_factor gives
// the person, signed in, their TOTP secret and recovery codes: no one else ever sees them.
// All three live in locked memory (crypto::SecretString).
struct Enrolment {
  crypto::SecretString temporary_password;           // to be changed at the first login
  crypto::SecretString otpauth_uri;                  // the TOTP secret, for an authenticator app
  std::vector<crypto::SecretString> recovery_codes;  // 10 single-use codes
};

// An account as shown to the custodian: no hash, no secret.
struct AccountView {
  std::string login;
  std::string display_name;
  access::Role role = access::Role::kPractitioner;
  std::string rpps;
  AccountStatus status = AccountStatus::kActive;
  bool password_temporary = false;
  int64_t failed_logins = 0;
  int64_t unused_recovery_codes = 0;
  int64_t created_ms = 0;
  int64_t last_used_ms = 0;
};

struct LoginRequest {
  std::string login;
  crypto::SecretString password;       // in locked memory from the moment it is read
  crypto::SecretString second_factor;  // a 6-digit TOTP code, or a recovery code
  std::string address;                 // the client's address; empty for a local caller
  // Set by the second half of a sign-in in two steps (a server's password step, then its code
  // step): the password was checked already, while the account's credentials had this
  // fingerprint (LoginCheck::credentials_fingerprint). It is not checked again; a credential
  // changed since then refuses the login.
  std::optional<std::array<uint8_t, 32>> password_checked_with = std::nullopt;
};

// The expensive half of a login, done outside any transaction: the password and the second
// factor checked against the stored account. Opaque to callers; pass it to record_login().
struct LoginCheck {
  std::string login;
  bool account_known = false;
  bool password_ok = false;
  bool second_factor_ok = false;
  bool second_factor_enrolled = false;           // the account has a TOTP secret
  std::optional<uint64_t> totp_step;             // the step of the code used
  std::optional<size_t> recovery_index;          // the recovery code used
  std::optional<std::string> new_password_hash;  // the password rehashed at today's cost
  // A hash of the password hash, the sealed TOTP secret and the recovery codes checked: a reset
  // between the two halves of the login makes record_login() refuse.
  std::array<uint8_t, 32> credentials_fingerprint{};
  std::string refusal;  // why the check failed, for the audit log (never shown to the caller)
};

// A session opened by a login.
struct IssuedSession {
  std::string id;      // public: names the session in the audit log
  std::string secret;  // the bearer token: shown to the client once, stored only hashed
  int64_t expires_ms = 0;
  bool password_change_required = false;
  bool second_factor_missing = false;  // opened with the password alone: enrol one first
};

// The verdict of record_login(): a session, or a refusal with its reason for the audit log.
struct LoginOutcome {
  std::optional<IssuedSession> session;
  std::string refusal;      // empty on success, e.g. "wrong password", "account locked"
  bool locked_now = false;  // this failure locked the account
};

struct IssuedToken {
  std::string id;
  std::string secret;  // shown once
  int64_t expires_ms = 0;
};

// Who a session or token secret belongs to, checked now.
struct Authenticated {
  std::string login;
  access::Role role = access::Role::kPractitioner;
  std::string credential_id;
  bool is_token = false;
  std::vector<access::Scope> scopes;  // the token's scopes; empty for a session
  bool password_change_required = false;
  // A person's account without a second factor yet: the session may only change its password
  // and enrol one.
  bool second_factor_missing = false;
};

// How long an access token issued to a SMART backend service lives (SMART allows up to 5 minutes).
inline constexpr int64_t kClientTokenLifetimeMs = 300 * 1000;

// The expensive half of a SMART token request (client credentials with a JWT client assertion),
// done outside any transaction: the assertion verified against the client's registered keys.
// Opaque to callers; pass it to record_client_token().
struct ClientCheck {
  std::string client_id;      // the service account, when one was identified
  bool client_known = false;  // an existing service account: the audit entry names it
  VerifiedAssertion assertion;
  std::vector<std::string> scopes;  // canonical system/ scopes
  std::optional<TokenRefusal> refusal;
};

// The verdict of record_client_token(): a token with its scopes, or a refusal.
struct ClientTokenOutcome {
  std::optional<IssuedToken> token;
  std::string scope;  // the scopes granted, separated by spaces
  std::optional<TokenRefusal> refusal;
};

// The only message a caller gets for a refused login (kAuthenticationFailed), whatever the
// reason: no answer tells a known login from an unknown one, or a locked account from a typo.
[[nodiscard]] std::string_view login_refused_message();

// Its French form.
[[nodiscard]] std::string_view login_refused_french();

// Thread-safe: the throttling state is shared by every gate of a process.
class Authenticator {
 public:
  Authenticator(AuthKeys keys, AuthSettings settings, const Clock& clock);

  [[nodiscard]] const AuthSettings& settings() const { return settings_; }

  // --- Account administration (the custodian). Each mutating call runs inside `tx`'s open
  // transaction.

  // A new account. A person gets a one-time temporary password and no second factor: their first
  // login takes the password alone, and they enrol their own second factor then
  // (enrol_second_factor). A service (role kService) gets nothing and signs in only with API
  // tokens. kUsage for a bad login, name or RPPS; kConflict for an existing login.
  [[nodiscard]] Result<Enrolment> add_account(store::DataStore& tx, const NewAccount& account);
  [[nodiscard]] Result<std::vector<AccountView>> list_accounts(store::DataStore& store);
  [[nodiscard]] Result<AccountView> show_account(store::DataStore& store, std::string_view login);
  // Locks, unlocks (clearing the failure count) or disables an account; leaving kActive revokes
  // every session and token of the account. kNotFound for an unknown login; kUsage when a
  // disabled account would be locked or unlocked (it stays disabled).
  [[nodiscard]] Result<void> set_status(store::DataStore& tx, std::string_view login,
                                        AccountStatus status);
  // A new temporary password (kUsage for a service); every session is revoked.
  [[nodiscard]] Result<crypto::SecretString> reset_password(store::DataStore& tx,
                                                            std::string_view login);
  // Removes the TOTP secret and the recovery codes; every session is revoked. The person signs in
  // next with the password alone and enrols a new second factor. kUsage for a service.
  [[nodiscard]] Result<void> reset_second_factor(store::DataStore& tx, std::string_view login);
  // The person's own enrolment, from their session: a new TOTP secret and 10 recovery codes (the
  // temporary password is empty); every session of the account is revoked, so that the next
  // login uses the new factor. kConflict when one is enrolled already, kUsage for a service.
  [[nodiscard]] Result<Enrolment> enrol_second_factor(store::DataStore& tx, std::string_view login);
  // An API token for a service account. kUsage unless the account is an active service, the
  // scopes are `system/` scopes, `expires_ms` lies in (now, now + 1 year] and each address is an
  // IP address.
  [[nodiscard]] Result<IssuedToken> create_token(store::DataStore& tx, std::string_view login,
                                                 const std::vector<std::string>& scopes,
                                                 int64_t expires_ms,
                                                 const std::vector<std::string>& allowed_addresses);
  // The id of the session or token that `id_or_secret` names: an id (tok-…, ses-…) as is, or a
  // secret (vgt_…, vgs_…, recognised by its prefix) found by its hash, so that a secret given by
  // mistake is never recorded. kNotFound when no credential has that secret; kUsage for text that
  // is neither an id nor a secret.
  [[nodiscard]] Result<std::string> credential_id_of(store::DataStore& store,
                                                     std::string_view id_or_secret);
  // Revokes a session or token by id. kNotFound when unknown; false when revoked already.
  [[nodiscard]] Result<bool> revoke(store::DataStore& tx, std::string_view credential_id);

  // --- Login, in two halves so that the Argon2id work holds no write lock.

  // kTooManyAttempts when the login or the address is in back-off (nothing is checked then).
  // Otherwise checks the password and the second factor; an unknown login goes through the same
  // verifications against a decoy account, so that it takes the same path as a known one.
  [[nodiscard]] Result<LoginCheck> check_login(store::DataStore& store,
                                               const LoginRequest& request);
  // Inside `tx`: re-reads the account (a concurrent login may have used the same code), applies
  // the status, the replay and the lock rules, updates the account and opens a session.
  [[nodiscard]] Result<LoginOutcome> record_login(store::DataStore& tx, const LoginCheck& check,
                                                  const LoginRequest& request);

  // Changes the password of an authenticated account, inside `tx`, and revokes every other
  // session of the account (all but `current_session`). kAuthenticationFailed when `current`
  // is wrong, kInvalidInput when `replacement` fails the password policy.
  [[nodiscard]] Result<void> change_password(store::DataStore& tx, std::string_view login,
                                             std::string_view current, std::string_view replacement,
                                             std::string_view current_session);

  // Ends a session (logout), inside `tx`.
  [[nodiscard]] Result<void> end_session(store::DataStore& tx, std::string_view credential_id);

  // Resolves a bearer secret now: kAuthenticationFailed (with a message safe to show) when it is
  // unknown, revoked, expired, idle too long, used from an address the token does not allow, or
  // its account is not active. Records the use (at most once a minute, in a transaction of its
  // own on `store`, which must have none open).
  [[nodiscard]] Result<Authenticated> authenticate(store::DataStore& store, std::string_view secret,
                                                   std::string_view address);

  // --- SMART Backend Services (client credentials with private_key_jwt).

  // Registers the public keys of the service `login` (from parse_client_jwks), inside `tx`.
  // kNotFound for an unknown login, kUsage for a person's account, kConflict (nothing written)
  // when the account has a key of one of these kids already.
  [[nodiscard]] Result<void> add_client_keys(store::DataStore& tx, std::string_view login,
                                             const std::vector<ClientKey>& keys);
  // The registered keys of `login`, ascending kid.
  [[nodiscard]] Result<std::vector<ClientKey>> client_keys(store::DataStore& store,
                                                           std::string_view login);
  // Checks a token request: the assertion names an active service account (its client id) and
  // verifies against one of its keys for `token_url` now, and the scopes are system/ scopes (all
  // a service's role may hold). A refusal is in the result (invalid_client, or invalid_scope once
  // the client is authenticated); errors are the store's.
  [[nodiscard]] Result<ClientCheck> check_client(store::DataStore& store,
                                                 const TokenRequest& request,
                                                 std::string_view token_url);
  // Inside `tx`, after a successful check: forgets the assertion ids that expired, remembers this
  // one (a replay is refused: invalid_client), and issues an API token of the client's account
  // with the checked scopes that expires in kClientTokenLifetimeMs; the jti and the token commit
  // together. An account locked or disabled since the check is refused (invalid_client).
  [[nodiscard]] Result<ClientTokenOutcome> record_client_token(store::DataStore& tx,
                                                               const ClientCheck& check);

  // The keyed hash under which a session or token secret is stored.
  [[nodiscard]] std::array<uint8_t, 32> secret_hash(std::string_view secret) const;

 private:
  struct Backoff {
    int64_t failures = 0;
    int64_t retry_at_ms = 0;
  };
  struct AddressWindow {
    int64_t start_ms = 0;
    int64_t failures = 0;
  };

  [[nodiscard]] Result<void> admit(std::string_view login, std::string_view address);
  void note_failure(std::string_view login, std::string_view address);
  void note_success(std::string_view login);
  [[nodiscard]] Result<const store::AccountRow*> decoy();
  [[nodiscard]] Result<IssuedSession> open_session(store::DataStore& tx,
                                                   const store::AccountRow& account,
                                                   std::string_view address);
  [[nodiscard]] Result<store::AccountRow> load(store::DataStore& store, std::string_view login);
  [[nodiscard]] Result<Enrolment> new_second_factor(store::AccountRow& row);

  AuthKeys keys_;
  AuthSettings settings_;
  const Clock& clock_;

  std::mutex mutex_;  // guards the throttling maps and the decoy
  std::map<std::string, Backoff, std::less<>> backoff_by_login_;
  std::map<std::string, AddressWindow, std::less<>> failures_by_address_;
  std::optional<store::AccountRow> decoy_;
};

}  // namespace vigie::auth
