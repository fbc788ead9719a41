#include "gate/principal.hpp"

#include <pwd.h>
#include <unistd.h>

namespace vigie::gate {

Principal current_custodian() {
  Principal principal;
  principal.kind = Principal::Kind::kCustodian;
  const uid_t uid = getuid();
  if (const passwd* entry = getpwuid(uid); entry != nullptr && entry->pw_name != nullptr) {
    principal.os_user = entry->pw_name;
  } else {
    principal.os_user = "uid:" + std::to_string(uid);
  }
  return principal;
}

}  // namespace vigie::gate
