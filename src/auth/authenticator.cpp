#include "auth/authenticator.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>

#include "auth/password_policy.hpp"
#include "auth/recovery_codes.hpp"
#include "auth/totp.hpp"
#include "common/hex.hpp"
#include "common/utf8.hpp"
#include "common/words.hpp"
#include "crypto/aead.hpp"
#include "crypto/kdf.hpp"
#include "fhir/identifiers.hpp"

namespace vigie::auth {

namespace {

constexpr std::string_view kSessionKind = "session";
constexpr std::string_view kTokenKind = "api-token";
// What a credential's id and secret start with; the rest is random hex.
constexpr std::string_view kSessionIdPrefix = "ses-";
constexpr std::string_view kTokenIdPrefix = "tok-";
constexpr std::string_view kSessionSecretPrefix = "vgs_";
constexpr std::string_view kTokenSecretPrefix = "vgt_";
static_assert(kSessionIdPrefix.size() == kTokenIdPrefix.size());
constexpr size_t kCredentialIdBytes = 8;
constexpr size_t kCredentialSecretBytes = 32;
constexpr size_t kTemporaryPasswordCharacters = 20;  // about 99 bits
constexpr size_t kMaxDisplayNameCodePoints = 200;
constexpr int64_t kTouchGranularityMs = 60'000;
constexpr int64_t kMaxBackoffMs = 15LL * 60 * 1000;
constexpr size_t kMaxTrackedLogins = 10'000;
constexpr size_t kMaxLoginBytes = 64;  // longer logins cannot exist; their back-off key is cut
constexpr int64_t kForgetFailuresAfterMs = 60LL * 60 * 1000;

// What a caller sees for every failed login, whatever the reason, so that no answer tells a known
// login from an unknown one, or a locked account from a wrong password.
constexpr std::string_view kLoginRefused = "wrong login, password or code";
constexpr std::string_view kLoginRefusedFrench = "identifiant, mot de passe ou code incorrect";

std::span<const uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// True when `text` is `length` characters of 0-9 a-f.
bool is_lowercase_hex(std::string_view text, size_t length) {
  return text.size() == length && std::ranges::all_of(text, [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string random_hex(size_t bytes) {
  std::vector<uint8_t> random(bytes);
  crypto::random_fill(random);
  std::string text = to_hex(random);
  crypto::wipe(random);
  return text;
}

// The associated data that binds a sealed TOTP secret to its account.
std::vector<uint8_t> totp_binding(std::string_view login) {
  const std::string text = fmt::format("vigie.totp.v1:{}", login);
  return {text.begin(), text.end()};
}

// Recovery codes as stored: one line per code, "0:" or "1:" (used) then the hash string.
std::string encode_recovery_codes(const std::vector<StoredRecoveryCode>& codes) {
  std::string text;
  for (const StoredRecoveryCode& code : codes) {
    text += fmt::format("{}:{}\n", code.used ? 1 : 0, code.hash);
  }
  return text;
}

Result<std::vector<StoredRecoveryCode>> decode_recovery_codes(std::string_view text) {
  std::vector<StoredRecoveryCode> codes;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    if (end == std::string_view::npos || end < 3 || text[1] != ':' ||
        (text[0] != '0' && text[0] != '1')) {
      return fail(ErrorCode::kIntegrity, "an account's recovery codes are malformed");
    }
    codes.push_back(StoredRecoveryCode{std::string(text.substr(2, end - 2)), text[0] == '1'});
    text.remove_prefix(end + 1);
  }
  return codes;
}

// The canonical text of an IP address (inet_ntop of inet_pton), an IPv4-mapped IPv6 address
// given as IPv4, so that one address has one spelling; nullopt when `text` is no IP address.
std::optional<std::string> canonical_address(std::string_view text) {
  const std::string input(text);
  std::array<uint8_t, 16> binary{};
  std::array<char, INET6_ADDRSTRLEN> buffer{};
  if (inet_pton(AF_INET, input.c_str(), binary.data()) == 1) {
    return std::string(inet_ntop(AF_INET, binary.data(), buffer.data(), buffer.size()));
  }
  if (inet_pton(AF_INET6, input.c_str(), binary.data()) != 1) {
    return std::nullopt;
  }
  constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  if (std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), binary.begin())) {
    return std::string(inet_ntop(AF_INET, binary.data() + 12, buffer.data(), buffer.size()));
  }
  return std::string(inet_ntop(AF_INET6, binary.data(), buffer.data(), buffer.size()));
}

// Waiting time imposed after `failures` failed logins in a row: none for the first two typing
// mistakes, then 2 s doubling up to 15 minutes.
int64_t backoff_after(int64_t failures) {
  if (failures < 3) {
    return 0;
  }
  const int64_t shift = std::min<int64_t>(failures - 2, 20);
  return std::min<int64_t>(1000LL << shift, kMaxBackoffMs);
}

// Code points of valid UTF-8 text, and whether it holds a control character (C0, DEL or C1:
// U+0080 to U+009F, which a terminal may obey).
struct TextShape {
  size_t code_points = 0;
  bool has_control = false;
};

TextShape shape_of(std::string_view text) {
  TextShape shape;
  for (size_t index = 0; index < text.size(); ++index) {
    const auto byte = static_cast<unsigned char>(text[index]);
    if ((byte & 0xC0U) != 0x80U) {
      ++shape.code_points;
    }
    const bool c1 = byte == 0xC2 && index + 1 < text.size() &&
                    static_cast<unsigned char>(text[index + 1]) <= 0x9F;
    if (byte < 0x20 || byte == 0x7F || c1) {
      shape.has_control = true;
    }
  }
  return shape;
}

Result<void> check_display_name(std::string_view name) {
  const TextShape shape = shape_of(name);
  if (name.empty() || !is_valid_utf8(bytes_of(name)) ||
      shape.code_points > kMaxDisplayNameCodePoints || shape.has_control) {
    return fail(ErrorCode::kUsage,
                "le nom affiché fait 1 à 200 caractères sans caractère de contrôle",
                "the display name is 1 to 200 characters without control characters");
  }
  return {};
}

AccountView view_of(const store::AccountRow& row) {
  AccountView view;
  view.login = row.login;
  view.display_name = row.display_name;
  view.role = access::parse_role(row.role).value_or(access::Role::kService);
  view.rpps = row.rpps;
  view.status = parse_status(row.status).value_or(AccountStatus::kDisabled);
  view.password_temporary = row.password_temporary;
  view.failed_logins = row.failed_logins;
  if (auto codes = decode_recovery_codes(row.recovery_codes)) {
    view.unused_recovery_codes =
        std::ranges::count_if(*codes, [](const StoredRecoveryCode& code) { return !code.used; });
  }
  view.created_ms = row.created_ms;
  view.last_used_ms = row.last_used_ms;
  return view;
}

std::array<uint8_t, 32> credentials_fingerprint_of(const store::AccountRow& row) {
  std::vector<uint8_t> material;
  for (std::string_view part : {std::string_view(row.password_hash), std::string_view("\n"),
                                std::string_view(row.recovery_codes), std::string_view("\n")}) {
    material.insert(material.end(), part.begin(), part.end());
  }
  material.insert(material.end(), row.totp_sealed.begin(), row.totp_sealed.end());
  return crypto::blake2b_256(material);
}

bool is_person(const store::AccountRow& row) {
  return row.role != access::name_of(access::Role::kService);
}

}  // namespace

std::string_view name_of(AccountStatus status) {
  switch (status) {
    case AccountStatus::kActive:
      return "active";
    case AccountStatus::kLocked:
      return "locked";
    case AccountStatus::kDisabled:
      return "disabled";
  }
  return "disabled";
}

std::optional<AccountStatus> parse_status(std::string_view name) {
  for (AccountStatus status :
       {AccountStatus::kActive, AccountStatus::kLocked, AccountStatus::kDisabled}) {
    if (name_of(status) == name) {
      return status;
    }
  }
  return std::nullopt;
}

Result<void> check_login_name(std::string_view login) {
  const bool well_formed =
      login.size() >= 2 && login.size() <= 64 && login.front() >= 'a' && login.front() <= 'z' &&
      std::ranges::all_of(login, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      });
  if (!well_formed) {
    return fail(
        ErrorCode::kUsage,
        "un identifiant fait 2 à 64 caractères parmi a-z 0-9 . _ - et commence par une lettre",
        "a login is 2 to 64 characters among a-z 0-9 . _ - starting with a letter");
  }
  return {};
}

namespace {

struct SettingField {
  std::string_view key;
  int64_t AuthSettings::*field;
};

constexpr std::array<SettingField, 4> kSettingFields = {{
    {"auth.session_idle_ms", &AuthSettings::session_idle_ms},
    {"auth.session_lifetime_ms", &AuthSettings::session_lifetime_ms},
    {"auth.address_failures_per_window", &AuthSettings::address_failures_per_window},
    {"auth.address_window_ms", &AuthSettings::address_window_ms},
}};
constexpr std::string_view kPasswordOpsKey = "auth.password_ops_limit";
constexpr std::string_view kPasswordMemoryKey = "auth.password_mem_bytes";

Result<std::optional<int64_t>> stored_number(store::DataStore& store, std::string_view key) {
  auto text = store.get_meta(std::string(key));
  if (!text) {
    return tl::unexpected(text.error());
  }
  if (!text->has_value()) {
    return std::optional<int64_t>();
  }
  int64_t value = 0;
  const std::string& digits = **text;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size() || value <= 0) {
    return fail(ErrorCode::kIntegrity, fmt::format("the vault setting {} is malformed", key));
  }
  return std::optional<int64_t>(value);
}

}  // namespace

Result<void> store_settings(store::DataStore& tx, const AuthSettings& settings) {
  for (const SettingField& setting : kSettingFields) {
    if (settings.*setting.field <= 0) {
      return fail(ErrorCode::kUsage, fmt::format("the setting {} must be positive", setting.key));
    }
  }
  if (settings.session_idle_ms > settings.session_lifetime_ms) {
    return fail(ErrorCode::kUsage, "l'inactivité maximale dépasse la durée de vie d'une session",
                "the idle timeout exceeds the session lifetime");
  }
  if (!crypto::valid_password_limits(settings.password_limits)) {
    return fail(ErrorCode::kUsage, "password hashing limits outside libsodium's bounds");
  }
  for (const SettingField& setting : kSettingFields) {
    if (auto stored =
            tx.set_meta(std::string(setting.key), std::to_string(settings.*setting.field));
        !stored) {
      return stored;
    }
  }
  if (auto stored = tx.set_meta(std::string(kPasswordOpsKey),
                                std::to_string(settings.password_limits.ops_limit));
      !stored) {
    return stored;
  }
  return tx.set_meta(std::string(kPasswordMemoryKey),
                     std::to_string(settings.password_limits.mem_limit_bytes));
}

Result<AuthSettings> load_settings(store::DataStore& store) {
  AuthSettings settings;
  for (const SettingField& setting : kSettingFields) {
    auto value = stored_number(store, setting.key);
    if (!value) {
      return tl::unexpected(value.error());
    }
    if (value->has_value()) {
      settings.*setting.field = **value;
    }
  }
  auto ops = stored_number(store, kPasswordOpsKey);
  if (!ops) {
    return tl::unexpected(ops.error());
  }
  auto memory = stored_number(store, kPasswordMemoryKey);
  if (!memory) {
    return tl::unexpected(memory.error());
  }
  if (ops->has_value() != memory->has_value()) {
    return fail(ErrorCode::kIntegrity, "the vault's password hashing settings are incomplete");
  }
  if (ops->has_value()) {
    settings.password_limits.ops_limit = static_cast<uint64_t>(**ops);
    settings.password_limits.mem_limit_bytes = static_cast<uint64_t>(**memory);
    if (!crypto::valid_password_limits(settings.password_limits)) {
      return fail(ErrorCode::kIntegrity, "the vault's password hashing settings are out of bounds");
    }
  }
  return settings;
}

Authenticator::Authenticator(AuthKeys keys, AuthSettings settings, const Clock& clock)
    : keys_(std::move(keys)), settings_(settings), clock_(clock) {}

std::array<uint8_t, 32> Authenticator::secret_hash(std::string_view secret) const {
  return crypto::blake2b_256_keyed(keys_.pepper, bytes_of(secret));
}

Result<store::AccountRow> Authenticator::load(store::DataStore& store, std::string_view login) {
  auto row = store.account(std::string(login));
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (!row->has_value()) {
    return fail(ErrorCode::kNotFound, "aucun compte de cet identifiant",
                "no account has this login");
  }
  return std::move(**row);
}

Result<Enrolment> Authenticator::new_second_factor(store::AccountRow& row) {
  const crypto::SecretBytes secret = new_totp_secret();
  auto codes = new_recovery_codes(crypto::random_secret_limits());
  if (!codes) {
    return tl::unexpected(codes.error());
  }
  row.totp_sealed = crypto::seal(keys_.secret_key, secret.view(), totp_binding(row.login));
  row.totp_last_step = -1;
  row.recovery_codes = encode_recovery_codes(codes->stored);
  Enrolment enrolment;
  enrolment.otpauth_uri = otpauth_uri(row.login, secret.view());
  enrolment.recovery_codes = std::move(codes->codes);
  return enrolment;
}

Result<Enrolment> Authenticator::add_account(store::DataStore& tx, const NewAccount& account) {
  if (auto valid = check_login_name(account.login); !valid) {
    return tl::unexpected(valid.error());
  }
  if (auto valid = check_display_name(account.display_name); !valid) {
    return tl::unexpected(valid.error());
  }
  if (!account.rpps.empty() && !fhir::is_valid_rpps(account.rpps)) {
    return fail(ErrorCode::kUsage, "un numéro RPPS fait 11 chiffres",
                "an RPPS number is 11 digits");
  }
  if (!account.rpps.empty() && account.role == access::Role::kService) {
    return fail(ErrorCode::kUsage, "un compte de service n'a pas de RPPS",
                "a service account has no RPPS number");
  }
  auto existing = tx.account(account.login);
  if (!existing) {
    return tl::unexpected(existing.error());
  }
  if (existing->has_value()) {
    return fail(ErrorCode::kConflict, "cet identifiant existe déjà", "this login exists already");
  }
  store::AccountRow row;
  row.login = account.login;
  row.display_name = account.display_name;
  row.role = std::string(access::name_of(account.role));
  row.rpps = account.rpps;
  row.status = std::string(name_of(AccountStatus::kActive));
  row.created_ms = clock_.now_ms();
  Enrolment enrolment;
  if (account.role != access::Role::kService) {
    // No second factor yet: the person enrols their own at the first login, so that whoever
    // creates the account never holds it.
    enrolment.temporary_password = random_grouped_code(kTemporaryPasswordCharacters);
    auto hash =
        crypto::hash_password(enrolment.temporary_password.view(), settings_.password_limits);
    if (!hash) {
      return tl::unexpected(hash.error());
    }
    row.password_hash = std::move(*hash);
    row.password_temporary = true;
  }
  if (auto inserted = tx.insert_account(row); !inserted) {
    return tl::unexpected(inserted.error());
  }
  return enrolment;
}

Result<std::vector<AccountView>> Authenticator::list_accounts(store::DataStore& store) {
  auto rows = store.accounts();
  if (!rows) {
    return tl::unexpected(rows.error());
  }
  std::vector<AccountView> views;
  views.reserve(rows->size());
  std::ranges::transform(*rows, std::back_inserter(views), view_of);
  return views;
}

Result<AccountView> Authenticator::show_account(store::DataStore& store, std::string_view login) {
  auto row = load(store, login);
  if (!row) {
    return tl::unexpected(row.error());
  }
  return view_of(*row);
}

Result<void> Authenticator::set_status(store::DataStore& tx, std::string_view login,
                                       AccountStatus status) {
  auto row = load(tx, login);
  if (!row) {
    return tl::unexpected(row.error());
  }
  // Disabling is for good: lock and unlock end or start a lock only, so neither may bring a
  // disabled account back (a lock followed by an unlock would).
  if (row->status == name_of(AccountStatus::kDisabled) && status != AccountStatus::kDisabled) {
    return fail(ErrorCode::kUsage,
                fmt::format("le compte {} est désactivé et le reste : unlock et lock ne valent "
                            "que pour un compte verrouillé ou actif",
                            row->login),
                fmt::format("account {} is disabled and stays so: unlock and lock apply only to a "
                            "locked or active account",
                            row->login));
  }
  row->status = std::string(name_of(status));
  if (status == AccountStatus::kActive) {
    row->failed_logins = 0;
    note_success(login);
  } else if (auto revoked = tx.revoke_credentials_of(row->login, clock_.now_ms()); !revoked) {
    return tl::unexpected(revoked.error());
  }
  return tx.update_account(*row);
}

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

Result<void> Authenticator::reset_second_factor(store::DataStore& tx, std::string_view login) {
  auto row = load(tx, login);
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (!is_person(*row)) {
    return fail(ErrorCode::kUsage, "un compte de service n'a pas de second facteur",
                "a service account has no second factor");
  }
  row->totp_sealed.clear();
  row->totp_last_step = -1;
  row->recovery_codes.clear();
  if (auto revoked = tx.revoke_credentials_of(row->login, clock_.now_ms()); !revoked) {
    return tl::unexpected(revoked.error());
  }
  return tx.update_account(*row);
}

Result<Enrolment> Authenticator::enrol_second_factor(store::DataStore& tx, std::string_view login) {
  auto row = load(tx, login);
  if (!row) {
    return tl::unexpected(row.error());
  }
  if (!is_person(*row)) {
    return fail(ErrorCode::kUsage, "un compte de service n'a pas de second facteur",
                "a service account has no second factor");
  }
  if (!row->totp_sealed.empty()) {
    return fail(ErrorCode::kConflict, "un second facteur est déjà enrôlé",
                "a second factor is enrolled already");
  }
  auto enrolment = new_second_factor(*row);
  if (!enrolment) {
    return tl::unexpected(enrolment.error());
  }
  // The session that enrolled was opened with the password alone: every session ends, and the
  // next login needs the new second factor.
  if (auto revoked = tx.revoke_credentials_of(row->login, clock_.now_ms()); !revoked) {
    return tl::unexpected(revoked.error());
  }
  if (auto updated = tx.update_account(*row); !updated) {
    return tl::unexpected(updated.error());
  }
  return enrolment;
}

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

  check.password_ok = crypto::verify_password(row.password_hash, request.password.view());
  // A person who has not enrolled a second factor yet signs in with the password alone; the
  // session can then only change the password and enrol (Authenticated::second_factor_missing).
  const bool enrolled = !row.totp_sealed.empty();
  // The second factor is checked even after a wrong password: the same work either way.
  const std::string_view second_factor = request.second_factor.view();
  const bool looks_like_totp =
      second_factor.size() == kTotpDigits &&
      std::ranges::all_of(second_factor, [](char c) { return c >= '0' && c <= '9'; });
  if (!enrolled) {
    check.second_factor_ok = true;
  } else if (looks_like_totp) {
    auto secret = crypto::open_secret(keys_.secret_key, row.totp_sealed, totp_binding(row.login));
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
  } else if (crypto::password_needs_rehash(row.password_hash, settings_.password_limits)) {
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
  auto found = store.credential_by_hash(hash);
  if (!found) {
    return tl::unexpected(found.error());
  }
  if (!found->has_value()) {
    return fail(ErrorCode::kAuthenticationFailed, "session ou jeton inconnu",
                "unknown session or token");
  }
  const store::CredentialRow& credential = **found;
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
  auto account = load(store, credential.login);
  if (!account) {
    return tl::unexpected(account.error());
  }
  const std::optional<access::Role> role = access::parse_role(account->role);
  if (account->status != name_of(AccountStatus::kActive) || !role) {
    return fail(ErrorCode::kAuthenticationFailed, "compte inactif", "account not active");
  }
  Authenticated authenticated;
  authenticated.login = account->login;
  authenticated.role = *role;
  authenticated.credential_id = credential.id;
  authenticated.is_token = is_token;
  authenticated.password_change_required = !is_token && account->password_temporary;
  authenticated.second_factor_missing = !is_token && account->totp_sealed.empty();
  for (const std::string& text : split_words(credential.scopes)) {
    auto scope = access::parse_scope(text);
    if (!scope) {
      return fail(ErrorCode::kIntegrity, "a stored token scope is malformed");
    }
    authenticated.scopes.push_back(*scope);
  }
  if (now - credential.last_used_ms >= kTouchGranularityMs) {
    if (auto begun = store.begin(); !begun) {
      return tl::unexpected(begun.error());
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
      store.rollback();
      return tl::unexpected(touched.error());
    }
    if (auto committed = store.commit(); !committed) {
      return tl::unexpected(committed.error());
    }
  }
  return authenticated;
}

std::string_view login_refused_message() { return kLoginRefused; }

std::string_view login_refused_french() { return kLoginRefusedFrench; }

}  // namespace vigie::auth
