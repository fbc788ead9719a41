#include "http/metrics_server.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "http/metrics.hpp"
#include "http/tls_context.hpp"

namespace vigie::http {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

// A scraper sends one small GET; anything longer, slower or more numerous is dropped.
constexpr size_t kHeaderBytes = 8 * 1024;
constexpr size_t kBodyBytes = 1024;
constexpr std::chrono::seconds kConnectionTimeout{10};
constexpr size_t kMaxConnections = 16;

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void close_now() = 0;
};

}  // namespace

struct MetricsServer::Impl {
  explicit Impl(MetricsSource metrics_source) : source(std::move(metrics_source)) {}

  void accept();

  const MetricsSource source;
  net::io_context io;
  std::optional<ssl::context> tls;  // set when the listener speaks TLS
  tcp::acceptor acceptor{net::make_strand(io)};
  uint16_t port = 0;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> open_connections{0};
  std::mutex sessions_mutex;  // guards sessions
  std::vector<std::weak_ptr<SessionBase>> sessions;
  std::thread thread;  // started by start(), joined by wait()
  std::once_flag joined;
};

namespace {

// One connection, one request: GET /metrics is answered with the exposition, anything else with
// 404 or 405, then the connection closes. Every member is touched on the connection's strand.
template <typename Stream>
class MetricsSession : public SessionBase,
                       public std::enable_shared_from_this<MetricsSession<Stream>> {
 public:
  template <typename... Args>
  MetricsSession(MetricsServer::Impl& server, Args&&... args)
      : server_(server), stream_(std::forward<Args>(args)...) {
    ++server_.open_connections;
  }
  ~MetricsSession() override { --server_.open_connections; }
  MetricsSession(const MetricsSession&) = delete;
  MetricsSession& operator=(const MetricsSession&) = delete;

  void start() {
    beast::get_lowest_layer(stream_).expires_after(kConnectionTimeout);
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        self->read_request();
      } else {
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) {
            self->close();
            return;
          }
          self->read_request();
        });
      }
    });
  }

  void close_now() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (!self->answering_) {
        self->close();
      }
    });
  }

 private:
  void read_request() {
    parser_.header_limit(static_cast<uint32_t>(kHeaderBytes));
    parser_.body_limit(kBodyBytes);
    bhttp::async_read(stream_, buffer_, parser_,
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) {
                          self->close();
                          return;
                        }
                        self->handle();
                      });
  }

  void handle() {
    const auto& request = parser_.get();
    if (request.target() != "/metrics") {
      send(bhttp::status::not_found, "text/plain; charset=utf-8",
           "introuvable : seul /metrics est servi / not found: only /metrics is served\n");
      return;
    }
    if (request.method() != bhttp::verb::get) {
      send(bhttp::status::method_not_allowed, "text/plain; charset=utf-8",
           "méthode non permise : GET seulement / method not allowed: GET only\n");
      return;
    }
    answering_ = true;
    // The reply keeps the listener's thread running (tracked work) and this session alive until
    // it has run; the session is released first, then the work (see http/server.cpp).
    auto executor = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
    struct Held {
      decltype(executor) work;
      std::shared_ptr<MetricsSession> session;
    };
    server_.source([held = Held{executor, this->shared_from_this()}](Result<std::string> text) {
      net::post(held.work, [self = held.session, text = std::move(text)]() mutable {
        if (text) {
          self->send(bhttp::status::ok, kMetricsContentType, std::move(*text));
        } else {
          self->send(bhttp::status::service_unavailable, "text/plain; charset=utf-8",
                     "mesures indisponibles / metrics unavailable\n");
        }
      });
    });
  }

  void send(bhttp::status status, std::string_view content_type, std::string body) {
    answering_ = true;
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>(status, 11);
    message->set(bhttp::field::server, "vigie");
    message->set(bhttp::field::content_type, content_type);
    message->set(bhttp::field::cache_control, "no-store");
    message->body() = std::move(body);
    message->keep_alive(false);
    message->prepare_payload();
    bhttp::async_write(stream_, *message,
                       [self = this->shared_from_this(), message](beast::error_code ec, size_t) {
                         if (ec) {
                           self->close();
                         } else {
                           self->shutdown();
                         }
                       });
  }

  void shutdown() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      close();
    } else {
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->close(); });
    }
  }

  void close() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }

  MetricsServer::Impl& server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  bhttp::request_parser<bhttp::string_body> parser_;
  bool answering_ = false;  // a response is on its way: stop() lets it finish
};

template <typename Stream, typename... Args>
void start_session(MetricsServer::Impl& server, Args&&... args) {
  auto session = std::make_shared<MetricsSession<Stream>>(server, std::forward<Args>(args)...);
  {
    const std::scoped_lock lock(server.sessions_mutex);
    std::erase_if(server.sessions,
                  [](const std::weak_ptr<SessionBase>& weak) { return weak.expired(); });
    server.sessions.push_back(session);
  }
  session->start();
}

}  // namespace

bool is_loopback_address(std::string_view address) {
  beast::error_code ec;
  const net::ip::address parsed = net::ip::make_address(address, ec);
  return !ec && parsed.is_loopback();
}

void MetricsServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) {
      return;  // stopped
    }
    if (!ec) {
      if (open_connections >= kMaxConnections) {
        beast::error_code ignored;
        socket.close(ignored);
      } else if (tls) {
        start_session<beast::ssl_stream<beast::tcp_stream>>(*this, std::move(socket), *tls);
      } else {
        start_session<beast::tcp_stream>(*this, std::move(socket));
      }
    }
    accept();
  });
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
  stop();
  wait();
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const MetricsListenOptions& options,
                                                            MetricsSource source) {
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(options.address, ec);
  if (ec) {
    return fail(ErrorCode::kUsage, "adresse d'écoute des mesures invalide : " + options.address,
                "invalid metrics listen address: " + options.address);
  }
  if (!options.tls && !address.is_loopback()) {
    return fail(ErrorCode::kUsage,
                "les mesures ne sont servies en HTTP clair que sur une adresse de bouclage "
                "(127.0.0.1, ::1) ; ailleurs il faut TLS : " +
                    options.address,
                "metrics are served over plain HTTP on a loopback address only (127.0.0.1, ::1); "
                "elsewhere TLS is required: " +
                    options.address);
  }
  auto impl = std::make_unique<Impl>(std::move(source));
  if (options.tls) {
    impl->tls.emplace(ssl::context::tls_server);
    if (auto configured = configure_tls(*impl->tls, *options.tls); !configured) {
      return tl::unexpected(configured.error());
    }
  }
  const tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) {
    impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    impl->acceptor.bind(endpoint, ec);
  }
  if (!ec) {
    impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return fail(ErrorCode::kUsage,
                "impossible d'écouter les mesures sur " + options.address + ":" +
                    std::to_string(options.port) + " (" + ec.message() + ")",
                "cannot listen for metrics on " + options.address + ":" +
                    std::to_string(options.port) + " (" + ec.message() + ")");
  }
  impl->port = impl->acceptor.local_endpoint(ec).port();
  impl->accept();
  impl->thread = std::thread([io = &impl->io] { io->run(); });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

uint16_t MetricsServer::port() const { return impl_->port; }

bool MetricsServer::tls() const { return impl_->tls.has_value(); }

void MetricsServer::stop() {
  if (impl_->stopping.exchange(true)) {
    return;
  }
  net::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  const std::scoped_lock lock(impl_->sessions_mutex);
  for (const auto& weak : impl_->sessions) {
    if (auto session = weak.lock()) {
      session->close_now();
    }
  }
}

void MetricsServer::wait() {
  std::call_once(impl_->joined, [this] {
    if (impl_->thread.joinable()) {
      impl_->thread.join();
    }
  });
}

}  // namespace vigie::http
