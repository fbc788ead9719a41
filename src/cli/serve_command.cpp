#include "cli/serve_command.hpp"

#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <mutex>

#include <fmt/format.h>

#include "cli/alert_delivery.hpp"
#include "cli/audit_verification.hpp"
#include "cli/retention_commands.hpp"
#include "common/clock.hpp"
#include "http/auth_api.hpp"
#include "http/bulk_api.hpp"
#include "http/fhir_api.hpp"
#include "http/metrics.hpp"
#include "http/metrics_server.hpp"
#include "http/server.hpp"
#include "http/smart_api.hpp"
#include "http/tls_files.hpp"
#include "http/worker_pool.hpp"

namespace vigie::cli {

namespace {

// Requests waiting for a worker beyond the ones being served; past it, 503.
constexpr size_t kWorkerQueue = 1024;
// Sign-ins checked at once (each password check holds 64 MiB of Argon2id memory for about 0.1 s)
// and sign-ins waiting for them; past the queue, 503 with Retry-After.
constexpr size_t kSignInThreads = 2;
constexpr size_t kSignInQueue = 16;
// Bulk Data export jobs running at once, each on a thread of its own; more: 429 with Retry-After.
constexpr size_t kExportJobs = 2;

tl::unexpected<Error> bad_listen(std::string_view text) {
  return fail(ErrorCode::kUsage,
              fmt::format("--listen attend ADRESSE:PORT (ex. 127.0.0.1:8443 ou [::1]:8443), "
                          "reçu « {} »",
                          text),
              fmt::format("--listen expects ADDRESS:PORT (e.g. 127.0.0.1:8443 or [::1]:8443), "
                          "got \"{}\"",
                          text));
}

// The /metrics listener: plain HTTP on a loopback address, else TLS with the server's pair. Each
// scrape reads the vault's counts on a reader (never the listener's thread).
Result<std::unique_ptr<http::MetricsServer>> start_metrics(const ListenAddress& listen,
                                                           const http::TlsFiles& tls,
                                                           const http::Metrics& metrics,
                                                           http::WorkerPool& readers) {
  http::MetricsListenOptions options;
  options.address = listen.address;
  options.port = listen.port;
  if (!http::is_loopback_address(listen.address)) {
    options.tls = tls;
  }
  return http::MetricsServer::start(options, [&metrics, &readers](http::MetricsReply reply) {
    auto job = [&metrics, reply](gate::Gate& gate) {
      auto gauges = gate.supervision_gauges();
      if (!gauges) {
        reply(tl::unexpected(gauges.error()));
        return;
      }
      reply(metrics.render(http::MetricsGauges{gauges->locked_accounts, gauges->alerts_by_kind}));
    };
    if (!readers.submit(std::move(job))) {
      reply(fail(ErrorCode::kUnavailable, "serveur occupé", "server busy"));
    }
  });
}

}  // namespace

Result<ListenAddress> parse_listen_address(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return bad_listen(text);
  }
  std::string_view address = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (address.front() == '[') {
    if (address.size() < 3 || address.back() != ']') {
      return bad_listen(text);
    }
    address = address.substr(1, address.size() - 2);
  } else if (address.find(':') != std::string_view::npos) {
    return bad_listen(text);  // an IPv6 address must be bracketed
  }
  unsigned port = 0;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    return bad_listen(text);
  }
  return ListenAddress{std::string(address), static_cast<uint16_t>(port)};
}

int run_serve(const Options& options) {
  auto listen = parse_listen_address(options.listen);
  if (!listen) {
    return report(listen.error());
  }
  auto metrics_listen = parse_listen_address(options.metrics_listen);
  if (!metrics_listen) {
    return report(metrics_listen.error());
  }
  std::string public_url;
  if (!options.public_url.empty()) {
    auto checked = http::check_public_url(options.public_url);
    if (!checked) {
      return report(checked.error());
    }
    public_url = std::move(*checked);
  }
  http::TlsFiles tls = http::default_tls_files(options.vault_dir);
  if (!options.tls_certificate.empty()) {
    tls.certificate = options.tls_certificate;
  }
  if (!options.tls_key.empty()) {
    tls.private_key = options.tls_key;
  }
  if (auto checked = http::check_tls_files(tls, system_clock().now_ms() / 1000); !checked) {
    return report(checked.error());
  }
  // SIGTERM and SIGINT are taken by sigwait below: blocked here, before any thread starts, so that
  // every thread inherits the mask and none is interrupted.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto unlocked = open_gate(options);
  if (!unlocked) {
    return report(unlocked.error());
  }
  gate::Gate& gate = *unlocked->gate;
  const http::PageLinks page_links;
  // SMART's token URL: set once the port is known (below), before which both SMART routes
  // answer 503.
  http::TokenEndpoint token_endpoint;
  if (!public_url.empty()) {
    token_endpoint.set_base(public_url);
  }
  // Bulk Data export: its jobs' sealed files in the vault's exports/ directory, its job threads.
  auto export_jobs = lifecycle::ExportJobs::open(
      lifecycle::ExportSettings{.dir = std::filesystem::path(options.vault_dir) / "exports",
                                .max_jobs = kExportJobs,
                                .retention_ms = options.export_retention_hours * 3'600'000LL},
      gate.clock());
  if (!export_jobs) {
    return close_gate(gate, report(export_jobs.error()));
  }
  auto export_runner = http::WorkerPool::start(gate, kExportJobs, kExportJobs);
  if (!export_runner) {
    return close_gate(gate, report(export_runner.error()));
  }
  http::Router router;
  // Before the FHIR routes: the CapabilityStatement declares the export operations it finds.
  http::add_bulk_export_routes(router, {**export_jobs, **export_runner});
  http::add_fhir_routes(router, page_links);
  const http::SignInTickets sign_in_tickets;
  http::add_auth_routes(router, sign_in_tickets);
  http::add_smart_routes(router, token_endpoint);
  auto readers = http::WorkerPool::start(gate, options.threads, kWorkerQueue);
  if (!readers) {
    return close_gate(gate, report(readers.error()));
  }
  auto writer = http::WorkerPool::start(gate, 1, kWorkerQueue);
  if (!writer) {
    return close_gate(gate, report(writer.error()));
  }
  auto sign_in = http::WorkerPool::start(gate, kSignInThreads, kSignInQueue);
  if (!sign_in) {
    return close_gate(gate, report(sign_in.error()));
  }
  // Retention once a day, on the writer (serialised with the other writes); stopped before it.
  auto retention = start_daily_retention(options, unlocked->custodian, **writer);
  if (!retention) {
    return close_gate(gate, report(retention.error()));
  }
  // The audit chain verified every [watch] verify_minutes, on a reader; stopped before them.
  auto verification = start_audit_verification(options, unlocked->custodian, **readers);
  if (!verification) {
    return close_gate(gate, report(verification.error()));
  }
  // The measurements of this server, fed by its access log and the audit log's committer, read
  // by the metrics listener (thread-safe, see http/metrics.hpp); it outlives all three.
  http::Metrics metrics;
  gate.observe_audit_commits(
      [&metrics](std::chrono::microseconds lag) { metrics.record_audit_commit(lag.count()); });
  // The stored alerts delivered to the sinks of [alerts], on a thread of its own; stopped last.
  auto alert_delivery =
      AlertDelivery::start(options, gate, [&metrics](std::string_view sink, bool delivered) {
        metrics.record_alert_delivery(sink, delivered);
      });
  if (!alert_delivery) {
    gate.observe_audit_commits(nullptr);
    return close_gate(gate, report(alert_delivery.error()));
  }
  std::mutex output;  // one access-log line at a time on standard output
  http::ServerOptions server_options;
  server_options.address = listen->address;
  server_options.port = listen->port;
  server_options.certificate = tls.certificate;
  server_options.private_key = tls.private_key;
  auto server = http::Server::start(server_options, router, {**readers, **writer, **sign_in},
                                    [&output, &metrics](const http::AccessRecord& record) {
                                      metrics.record_request(record.method, record.route,
                                                             record.status, record.duration_us);
                                      const std::scoped_lock lock(output);
                                      fmt::print("{}\n", http::access_log_line(record));
                                      std::fflush(stdout);
                                    });
  if (!server) {
    gate.observe_audit_commits(nullptr);
    return close_gate(gate, report(server.error()));
  }
  auto metrics_server = start_metrics(*metrics_listen, tls, metrics, **readers);
  if (!metrics_server) {
    (*server)->stop();
    (*server)->wait();
    gate.observe_audit_commits(nullptr);
    return close_gate(gate, report(metrics_server.error()));
  }
  if (public_url.empty()) {
    token_endpoint.set_base(fmt::format("https://localhost:{}", (*server)->port()));
  }
  fmt::print(stderr,
             "vigie écoute sur https://{}:{}/fhir (arrêt : SIGTERM ou Ctrl-C) / listening on "
             "https://{}:{}/fhir (stop: SIGTERM or Ctrl-C)\n",
             listen->address, (*server)->port(), listen->address, (*server)->port());
  const std::string metrics_url =
      fmt::format("{}://{}:{}/metrics", (*metrics_server)->tls() ? "https" : "http",
                  metrics_listen->address, (*metrics_server)->port());
  fmt::print(stderr, "mesures sur {} / metrics at {}\n", metrics_url, metrics_url);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  fmt::print(stderr,
             "arrêt : les requêtes en cours se terminent / stopping: requests in flight "
             "finish\n");
  (*metrics_server)->stop();
  (*server)->stop();
  (*metrics_server)->wait();
  (*server)->wait();
  gate.observe_audit_commits(nullptr);
  if (*retention) {
    (*retention)->stop();
  }
  if (*verification) {
    (*verification)->stop();
  }
  (*readers)->stop();
  (*writer)->stop();
  (*sign_in)->stop();
  (*export_runner)->stop();
  (*alert_delivery)->stop();
  return close_gate(gate, 0);
}

}  // namespace vigie::cli
