#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "gate/gate.hpp"
#include "http/message.hpp"

namespace vigie::http {

// The values a request's path gave to a pattern's {placeholders}, percent-decoded.
class PathParameters {
 public:
  void add(std::string name, std::string value) {
    values_.emplace_back(std::move(name), std::move(value));
  }
  // The value of `{name}`; empty when the pattern has no such placeholder.
  [[nodiscard]] std::string_view operator[](std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

// How a handler answers. Thread-safe and callable from any thread (the audit log's committer
// runs a read's continuation); call it exactly once.
using Reply = std::function<void(Response)>;

// A public route: answers on the I/O thread, touches no vault (metadata, health).
using PublicHandler = std::function<Response(const Request&)>;

// A route that signs someone in (a login, a token request): it takes no bearer, because it
// authenticates by what its body proves (a password, a signed assertion). It runs on the small
// sign-in pool, whose size bounds the concurrent password and signature checks; beyond its queue
// the server answers 503 with Retry-After. It goes through the gate like any other vault work.
using SignInHandler = std::function<void(const Request&, gate::Gate&, Reply)>;

// A route that needs a principal: runs on a worker with that worker's gate. It hands its work to
// the gate's audited call and replies from the call's continuation; it holds no thread while the
// audit entry becomes durable.
using GateHandler = std::function<void(const Request&, const PathParameters&, gate::Gate&,
                                       const gate::Principal&, Reply)>;

// Which workers run a route: reads on the pool of readers, in parallel; writes on the vault's one
// writer, whose thread waits for each write's durable intent and commit (writes are serial in the
// vault anyway), so that no reader ever queues behind a disk sync; password checks (Argon2id) on
// the sign-in pool, whose size bounds them.
enum class Lane { kRead, kWrite, kSignIn };

// Who may call a route: anyone (public), anyone proving who they are in the request's body
// (sign-in), or a principal presenting a credential (authenticated: 401 before any vault work
// without one).
enum class Access { kPublic, kSignIn, kAuthenticated };

struct Route {
  Method method = Method::kGet;
  std::string pattern;  // "/fhir/{type}/{id}": literal segments and whole-segment placeholders
  Access access = Access::kAuthenticated;
  PublicHandler public_handler;   // when kPublic
  SignInHandler sign_in_handler;  // when kSignIn
  GateHandler gate_handler;       // when kAuthenticated
  Lane lane = Lane::kRead;        // when kAuthenticated
};

// The route table. Immutable once the server starts, so shared by every thread without a lock.
class Router {
 public:
  void add_public(Method method, std::string pattern, PublicHandler handler);
  void add_sign_in(Method method, std::string pattern, SignInHandler handler);
  void add_authenticated(Method method, std::string pattern, GateHandler handler,
                         Lane lane = Lane::kRead);

  struct Match {
    const Route* route = nullptr;
    PathParameters parameters;
  };
  // What `path` (percent-encoded, without its query) names: the route and its parameters; a
  // kNotFound error when no pattern matches the path, kUsage for a path segment whose escapes do
  // not decode, and a Response 405 (with Allow) when patterns match the path but not the method.
  struct Miss {
    Response response;
  };
  [[nodiscard]] std::variant<Match, Miss> find(Method method, std::string_view path) const;

  // Every route, for the security test that walks them all and for the CapabilityStatement.
  [[nodiscard]] const std::vector<Route>& routes() const { return routes_; }

 private:
  void add(Route route);

  std::vector<Route> routes_;
  // The segments of each route's pattern, split once when it is added (find() compares them with
  // every request's path).
  std::vector<std::vector<std::string>> pattern_segments_;
};

// A path that matches `pattern` with each placeholder replaced by `value`: what a test sends.
[[nodiscard]] std::string example_path(std::string_view pattern, std::string_view value);

}  // namespace vigie::http
