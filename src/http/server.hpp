#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "http/router.hpp"
#include "http/worker_pool.hpp"

namespace vigie::http {

// Every bound of the server, explicit. Going past one gets a clean answer (413, 431, 503) or a
// closed connection, never unbounded memory or a thread held.
struct ServerLimits {
  size_t body_bytes = 16 * 1024 * 1024;  // larger: 413, connection closed
  size_t header_bytes = 16 * 1024;       // request line and headers; larger: 431, closed
  // From the connection's start, or the end of the previous response, to the end of the request's
  // headers: an idle keep-alive connection or a slow-header client is dropped after it.
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds body_timeout{60'000};   // to read the body once the headers are in
  std::chrono::milliseconds write_timeout{60'000};  // to write one response
  size_t max_connections = 256;                     // beyond: the connection is closed at once
  size_t max_requests_per_connection = 1000;        // the last response says Connection: close
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8443;  // 0: any free port (tests)
  size_t io_threads = 1;
  std::filesystem::path certificate;  // PEM chain, leaf first
  std::filesystem::path private_key;  // PEM
  ServerLimits limits;
};

// What the access log receives once per request: who (the credential's id, never its secret),
// what route, how it ended; no patient id, name or query value, only the route's template.
struct AccessRecord {
  int64_t time_ms = 0;
  std::string_view
      principal;  // the credential's id (tok-…, ses-…); "-" for none or an unknown secret
  std::string_view method;
  std::string_view route;  // the matched pattern, or "-" when none matched
  int status = 0;
  size_t bytes = 0;         // the response body's
  int64_t duration_us = 0;  // from the end of the request's headers to its response, before sending
};

// One JSON line for an access record.
[[nodiscard]] std::string access_log_line(const AccessRecord& record);

using AccessLogSink = std::function<void(const AccessRecord&)>;

// The pools that run the routes that touch the vault: authenticated ones by Route::lane, sign-in
// ones on their own pool, whose thread count bounds the concurrent password (Argon2id, 64 MiB
// each) and signature checks.
struct Workers {
  WorkerPool& readers;
  WorkerPool& writer;   // one thread: the vault's writer
  WorkerPool& sign_in;  // a few threads and a short queue: beyond it, 503 with Retry-After
};

// The HTTPS server: TLS 1.2 and 1.3 only, asynchronous Beast sessions on `io_threads` threads
// that only move bytes; routes that need a principal run on the worker pool. Its sessions and
// threads are private (Beast stays out of this header).
class Server {
 public:
  // Loads the TLS material, binds and starts accepting. kUsage when the certificate or key cannot
  // be loaded (naming the file, never its contents) or the address cannot be bound.
  // `router` and the pools of `workers` must outlive the server; `access_log` is called from the
  // I/O threads, concurrently.
  [[nodiscard]] static Result<std::unique_ptr<Server>> start(const ServerOptions& options,
                                                             const Router& router, Workers workers,
                                                             AccessLogSink access_log);
  // stop(), then wait().
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (the chosen one when options.port was 0).
  [[nodiscard]] uint16_t port() const;

  // Stops accepting and closes idle connections; requests in flight finish and their
  // connections close after the response. Thread-safe, idempotent; returns at once.
  void stop();
  // Returns once every connection has closed and the I/O threads have ended.
  void wait();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigie::http
