#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "http/tls_files.hpp"

// The listener of /metrics (`vigie serve --metrics-listen`), apart from the FHIR server so that a
// scraper never shares its connections, limits or credentials. Plain HTTP only on a loopback
// address; on any other address, TLS with the server's certificate, or it refuses to start.

namespace vigie::http {

inline constexpr std::string_view kDefaultMetricsListen = "127.0.0.1:9464";

// Whether `address` (an IP address, without brackets) is a loopback one; false when it does not
// parse.
[[nodiscard]] bool is_loopback_address(std::string_view address);

struct MetricsListenOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 9464;  // 0: any free port (tests)
  // The TLS pair to serve with. Required unless `address` is a loopback one (127.0.0.0/8, ::1),
  // where the listener speaks plain HTTP without it.
  std::optional<TlsFiles> tls;
};

// How a scrape is answered: the exposition text, or an error (answered 503). Callable once, from
// any thread.
using MetricsReply = std::function<void(Result<std::string>)>;
// Called on the listener's thread for each GET /metrics; it must return at once and answer
// through the reply (from a worker that reads the vault's gauges, for instance).
using MetricsSource = std::function<void(MetricsReply)>;

class MetricsServer {
 public:
  // Binds and starts accepting on one thread of its own. kUsage for an address that does not
  // parse or cannot be bound, for a non-loopback address without a TLS pair (naming the rule),
  // and for a TLS pair that cannot be loaded. `source` must stay callable until wait() returns.
  [[nodiscard]] static Result<std::unique_ptr<MetricsServer>> start(
      const MetricsListenOptions& options, MetricsSource source);
  // stop(), then wait().
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  [[nodiscard]] uint16_t port() const;
  // Whether it speaks TLS.
  [[nodiscard]] bool tls() const;
  // Stops accepting and closes open connections; a scrape in flight is answered first if its
  // reply comes. Thread-safe, idempotent, returns at once.
  void stop();
  // Returns once the listener's thread has ended (after every reply handed out has run or been
  // dropped).
  void wait();

  struct Impl;

 private:
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigie::http
