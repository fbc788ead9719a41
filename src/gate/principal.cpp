#include "gate/principal.hpp"

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <cstdint>

#include "common/hex.hpp"
#include "crypto/secret_bytes.hpp"

namespace vigie::gate {

namespace {

std::string process_session_id() {
  std::array<uint8_t, 8> bytes{};
  crypto::random_fill(bytes);
  return "cli-" + to_hex(bytes);
}

}  // namespace

Principal current_custodian() {
  static const std::string session_id = process_session_id();
  Principal principal;
  principal.kind = Principal::Kind::kCustodian;
  const uid_t uid = getuid();
  if (const passwd* entry = getpwuid(uid); entry != nullptr && entry->pw_name != nullptr) {
    principal.os_user = entry->pw_name;
  } else {
    principal.os_user = "uid:" + std::to_string(uid);
  }
  principal.session_id = session_id;
  principal.user_agent = "vigie-cli";
  return principal;
}

Principal account_principal(std::string bearer, std::string address, std::string user_agent) {
  Principal principal;
  principal.kind = Principal::Kind::kAccount;
  principal.bearer = std::move(bearer);
  principal.address = std::move(address);
  principal.user_agent = std::move(user_agent);
  return principal;
}

}  // namespace vigie::gate
