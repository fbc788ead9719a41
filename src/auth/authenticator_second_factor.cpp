#include "auth/authenticator.hpp"

#include <fmt/format.h>

#include "auth/authenticator_internal.hpp"
#include "auth/recovery_codes.hpp"
#include "auth/totp.hpp"
#include "crypto/aead.hpp"

namespace vigie::auth {

std::vector<uint8_t> totp_binding(std::string_view login) {
  const std::string text = fmt::format("vigie.totp.v1:{}", login);
  return {text.begin(), text.end()};
}

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

}  // namespace vigie::auth
