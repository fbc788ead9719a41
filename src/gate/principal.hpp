#pragma once

#include <string>
#include <utility>

namespace vigie::gate {

class Gate;

// The person at the CLI as the operating system tells: the OS user of the real uid and a session
// id drawn once per process, so that an incident report can single out one run of the CLI.
// Anyone may describe themselves so: this is what an unlock attempt records as its actor, not a
// right. Only a successful unlock turns it into custodian rights (Custodian).
struct LocalUser {
  std::string os_user;
  std::string session_id;  // never a secret
  std::string user_agent;  // "vigie-cli"
};

// The person running this process.
[[nodiscard]] LocalUser current_local_user();

// The custodian's rights (the person who holds the vault's passphrase or key file): a capability
// that only a successful unlock mints, Gate::initialize or Gate::open, each handing out one.
// Code outside the unlock path cannot construct one (tests/gate/forgery/ checks that it does not
// compile); the network server never holds one. Move-only.
class Custodian {
 public:
  Custodian(Custodian&&) noexcept = default;
  Custodian& operator=(Custodian&&) noexcept = default;
  Custodian(const Custodian&) = delete;
  Custodian& operator=(const Custodian&) = delete;
  ~Custodian() = default;

  // Who unlocked, recorded as the actor of every call the custodian makes.
  [[nodiscard]] const LocalUser& user() const { return user_; }

 private:
  friend class Gate;
  explicit Custodian(LocalUser user) : user_(std::move(user)) {}

  LocalUser user_;
};

// Who is calling: the custodian, or an account presenting the secret of a session or an API token
// (auth/). There is no default principal: it is built from a Custodian or by account_principal().
class Principal {
 public:
  // The custodian's principal borrows the capability: `custodian` must outlive it.
  Principal(const Custodian& custodian);  // NOLINT(google-explicit-constructor): gate calls take
                                          // the capability itself
  Principal(const Custodian&&) = delete;

  // The custodian's capability, or null for an account.
  [[nodiscard]] const Custodian* custodian() const { return custodian_; }
  [[nodiscard]] const std::string& address() const { return address_; }
  [[nodiscard]] const std::string& user_agent() const { return user_agent_; }
  // An account's bearer secret as the client presented it. The gate authenticates it on every
  // call (so a revocation or a lock takes effect at once) and never records it.
  [[nodiscard]] const std::string& bearer() const { return bearer_; }

 private:
  friend Principal account_principal(std::string bearer, std::string address,
                                     std::string user_agent);
  Principal(std::string bearer, std::string address, std::string user_agent);

  const Custodian* custodian_ = nullptr;
  std::string address_;     // the client's IP address; empty for a local command
  std::string user_agent_;  // e.g. "vigie-cli"
  std::string bearer_;
};

// An account's principal from what its client presented.
[[nodiscard]] Principal account_principal(std::string bearer, std::string address,
                                          std::string user_agent);

}  // namespace vigie::gate
