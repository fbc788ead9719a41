// Compiled by ctest, never linked: with FORGE undefined it must compile (the control: same
// includes, the legitimate ways to hold and lend custodian rights); with FORGE=n, attempt n to
// obtain custodian rights outside the unlock path must not compile, for the reason its test names.
#include <memory>
#include <utility>

#include "gate/gate.hpp"

namespace vigie::gate {

void lend_rights(Gate& gate, Unlocked& unlocked) {
  const Principal lent = unlocked.custodian;
  static_cast<void>(gate.count_by_type(lent));
  static_cast<void>(gate.count_by_type(unlocked.custodian));
  Custodian moved = std::move(unlocked.custodian);
  static_cast<void>(moved.user().os_user);
  static_cast<void>(account_principal("bearer", "192.0.2.1", "test").custodian());
}

#if FORGE == 1
Custodian forged_from_user() { return Custodian(current_local_user()); }
#elif FORGE == 2
Custodian forged_by_default() { return Custodian(); }
#elif FORGE == 3
Principal principal_by_default() { return Principal(); }
#elif FORGE == 4
Custodian copied(const Unlocked& unlocked) { return Custodian(unlocked.custodian); }
#elif FORGE == 5
Unlocked unlocked_by_hand() { return Unlocked{nullptr, {}}; }
#elif FORGE == 6
Principal lent_from_temporary(Unlocked unlocked) {
  return Principal(std::move(unlocked.custodian));
}
#endif

}  // namespace vigie::gate
