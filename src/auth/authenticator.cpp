#include "auth/authenticator.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "auth/authenticator_internal.hpp"
#include "auth/recovery_codes.hpp"
#include "common/hex.hpp"
#include "common/utf8.hpp"
#include "crypto/kdf.hpp"
#include "fhir/identifiers.hpp"

namespace vigie::auth {

namespace {

constexpr size_t kMaxDisplayNameCodePoints = 200;

std::span<const uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
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

}  // namespace

std::string random_hex(size_t bytes) {
  std::vector<uint8_t> random(bytes);
  crypto::random_fill(random);
  std::string text = to_hex(random);
  crypto::wipe(random);
  return text;
}

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

Authenticator::Authenticator(AuthKeys keys, AuthSettings settings, const Clock& clock)
    : keys_(std::move(keys)), settings_(settings), clock_(clock) {}

std::array<uint8_t, 32> Authenticator::secret_hash(std::string_view secret) const {
  return crypto::blake2b_256_keyed(keys_.pepper.view(), bytes_of(secret));
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

}  // namespace vigie::auth
