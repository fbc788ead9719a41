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

LocalUser current_local_user() {
  static const std::string session_id = process_session_id();
  LocalUser user;
  const uid_t uid = getuid();
  if (const passwd* entry = getpwuid(uid); entry != nullptr && entry->pw_name != nullptr) {
    user.os_user = entry->pw_name;
  } else {
    user.os_user = "uid:" + std::to_string(uid);
  }
  user.session_id = session_id;
  user.user_agent = "vigie-cli";
  return user;
}

Principal::Principal(const Custodian& custodian)
    : custodian_(&custodian), user_agent_(custodian.user().user_agent) {}

Principal::Principal(std::string bearer, std::string address, std::string user_agent)
    : address_(std::move(address)),
      user_agent_(std::move(user_agent)),
      bearer_(std::move(bearer)) {}

Principal account_principal(std::string bearer, std::string address, std::string user_agent) {
  return Principal(std::move(bearer), std::move(address), std::move(user_agent));
}

}  // namespace vigie::gate
