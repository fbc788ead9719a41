#include "http/server.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <openssl/ssl.h>
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
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "http/auth_api.hpp"
#include "http/request_target.hpp"
#include "http/tls_context.hpp"

namespace vigie::http {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

std::string access_log_line(const AccessRecord& record) {
  const boost::json::object line{
      {"time_ms", record.time_ms},        {"principal", record.principal},
      {"method", record.method},          {"route", record.route},
      {"status", record.status},          {"bytes", record.bytes},
      {"duration_us", record.duration_us}};
  return boost::json::serialize(line);
}

namespace {

class Session;

Method method_of(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::delete_:
      return Method::kDelete;
    default:
      return Method::kOther;
  }
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions server_options, const Router& route_table, Workers pools, AccessLogSink sink)
      : options(std::move(server_options)),
        router(route_table),
        workers(pools),
        access_log(std::move(sink)) {}

  void accept();
  void register_session(const std::shared_ptr<Session>& session);

  const ServerOptions options;
  const Router& router;
  const Workers workers;
  const AccessLogSink access_log;
  net::io_context io;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor{net::make_strand(io)};
  uint16_t port = 0;  // bound, set before the I/O threads start
  std::atomic<bool> stopping{false};
  std::atomic<size_t> open_connections{0};
  std::mutex sessions_mutex;  // guards sessions
  std::vector<std::weak_ptr<Session>> sessions;
  std::vector<std::thread> threads;  // started by start(), joined by wait()
  std::once_flag joined;
};

namespace {

// One connection. Every member is touched only on the connection's strand (the socket's
// executor); the worker pool and the audit log's committer reach it by posting to that strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server)
      : server_(server), stream_(std::move(socket), server.tls) {
    boost::system::error_code ec;
    const tcp::endpoint remote = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) {
      remote_address_ = remote.address().to_string();
    }
    ++server_.open_connections;
  }
  ~Session() { --server_.open_connections; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->handshake(); });
  }

  // Posted by Server::stop(): a connection waiting for a request is closed now; one whose request
  // is in flight closes after its response.
  void close_if_idle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->waiting_for_request_) {
        beast::get_lowest_layer(self->stream_).cancel();
      }
    });
  }

 private:
  using Response_ = bhttp::response<bhttp::string_body>;

  void handshake() {
    beast::get_lowest_layer(stream_).expires_after(server_.options.limits.handshake_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) {
                              if (ec) {
                                self->close();
                                return;
                              }
                              self->read_request();
                            });
  }

  void read_request() {
    if (server_.stopping) {
      shutdown();
      return;
    }
    const ServerLimits& limits = server_.options.limits;
    method_.clear();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(limits.header_bytes));
    parser_->body_limit(limits.body_bytes);
    waiting_for_request_ = true;
    beast::get_lowest_layer(stream_).expires_after(limits.header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    waiting_for_request_ = false;
    started_ = std::chrono::steady_clock::now();
    if (refused_for_size(ec)) {
      return;
    }
    if (ec) {
      close();  // closed by the client, timed out (slow headers, idle) or stopped: nothing to say
      return;
    }
    if (expects_continue()) {
      // The body fits the limit (the parser refused it above otherwise): invite it, as the client
      // waits for this before it sends the body (RFC 9110 §10.1.1).
      auto interim =
          std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, 11);
      beast::get_lowest_layer(stream_).expires_after(server_.options.limits.write_timeout);
      bhttp::async_write(stream_, *interim,
                         [self = shared_from_this(), interim](beast::error_code write_ec, size_t) {
                           if (write_ec) {
                             self->close();
                           } else {
                             self->read_body();
                           }
                         });
      return;
    }
    read_body();
  }

  // An HTTP/1.1 request with a body still to come and `Expect: 100-continue`. Other expectations
  // are ignored, as RFC 9110 allows.
  bool expects_continue() const {
    const auto& header = parser_->get();
    return header.version() == 11 && !parser_->is_done() &&
           beast::iequals(header[bhttp::field::expect], "100-continue");
  }

  void read_body() {
    beast::get_lowest_layer(stream_).expires_after(server_.options.limits.body_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code read_ec, size_t) { self->on_body(read_ec); });
  }

  void on_body(beast::error_code ec) {
    if (refused_for_size(ec)) {
      return;
    }
    if (ec) {
      close();
      return;
    }
    handle(parser_->release());
  }

  // 413 or 431 for a request past a size limit, then the connection closes: the rest of it was
  // never read.
  bool refused_for_size(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      send(outcome_response(413, "too-costly", "corps de requête trop grand",
                            "request body too large"),
           "-", false);
      return true;
    }
    if (ec == bhttp::error::header_limit) {
      send(outcome_response(431, "too-costly", "en-têtes de requête trop grands",
                            "request headers too large"),
           "-", false);
      return true;
    }
    return false;
  }

  void handle(bhttp::request<bhttp::string_body> message) {
    keep_alive_ = message.keep_alive();
    method_ = message.method_string();
    auto target = parse_target(message.target());
    if (!target) {
      send(outcome_response(target.error()), "-", keep_alive_);
      return;
    }
    if (auto refused = take_format(target->query)) {
      send(std::move(*refused), "-", keep_alive_);
      return;
    }
    Request request{method_of(message.method()),
                    std::move(target->path),
                    std::move(target->query),
                    std::string(message[bhttp::field::authorization]),
                    std::string(message[bhttp::field::content_type]),
                    std::string(message[bhttp::field::if_match]),
                    std::string(message["Prefer"]),
                    std::string(message[bhttp::field::host]),
                    std::string(message[bhttp::field::user_agent]),
                    std::string(message[bhttp::field::cookie]),
                    std::string(message[kCsrfHeader]),
                    remote_address_,
                    std::move(message.body()),
                    std::nullopt,
                    std::string(message[bhttp::field::accept])};
    if (auto header = message.find("If-None-Exist"); header != message.end()) {
      request.if_none_exist = std::string(header->value());
    }
    auto found = server_.router.find(request.method, request.path);
    if (auto* miss = std::get_if<Router::Miss>(&found)) {
      send(std::move(miss->response), "-", keep_alive_);
      return;
    }
    auto& match = std::get<Router::Match>(found);
    const Route& route = *match.route;
    if (route.access == Access::kPublic) {
      send(route.public_handler(request), route.pattern, keep_alive_);
      return;
    }
    if (route.access == Access::kSignIn) {
      const bool queued = server_.workers.sign_in.submit(
          [request = std::move(request), &route, reply = make_reply(route.pattern)](
              gate::Gate& gate) { route.sign_in_handler(request, gate, reply); });
      if (!queued) {
        send(busy_response(), route.pattern, keep_alive_);
      }
      return;
    }
    auto credential = credential_of(request);
    if (auto* refused = std::get_if<Response>(&credential)) {
      send(std::move(*refused), route.pattern, keep_alive_);
      return;
    }
    std::string secret(std::get<std::string_view>(credential));
    WorkerPool& pool = route.lane == Lane::kWrite    ? server_.workers.writer
                       : route.lane == Lane::kSignIn ? server_.workers.sign_in
                                                     : server_.workers.readers;
    const bool queued = pool.submit([request = std::move(request),
                                     parameters = std::move(match.parameters), &route,
                                     secret = std::move(secret),
                                     reply = make_reply(route.pattern)](gate::Gate& gate) {
      const gate::Principal principal =
          gate::account_principal(secret, request.remote_address, request.user_agent);
      route.gate_handler(request, parameters, gate, principal,
                         [reply, id = gate.credential_id_for_log(principal)](Response response) {
                           response.principal_id = id;
                           reply(std::move(response));
                         });
    });
    if (!queued) {
      send(busy_response(), route.pattern, keep_alive_);
    }
  }

  // The secret a request presents: its bearer token, or else its session cookie, which a request
  // that may change something (any method but GET and HEAD) must confirm with the session's CSRF
  // token. A Response 401 (or 403 for a missing or wrong CSRF token) otherwise.
  static std::variant<std::string_view, Response> credential_of(const Request& request) {
    if (const std::optional<std::string_view> bearer = bearer_of(request.authorization)) {
      return *bearer;
    }
    const std::string_view cookie = session_cookie_of(request.cookie);
    if (cookie.empty()) {
      Response response =
          outcome_response(Error{ErrorCode::kAuthenticationFailed, "a bearer token is required",
                                 "un jeton (Authorization: Bearer) est requis"});
      response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"vigie\"");
      return response;
    }
    const bool safe = request.method == Method::kGet || request.method == Method::kHead;
    if (!safe && !csrf_token_matches(request.csrf_token, cookie)) {
      return outcome_response(Error{
          ErrorCode::kPermissionDenied, "this request needs the session's X-CSRF-Token header",
          "cette requête doit porter l'en-tête X-CSRF-Token de la session"});
    }
    return cookie;
  }

  // A worker queue is full: the client may retry in a second.
  static Response busy_response() {
    Response busy =
        outcome_response(Error{ErrorCode::kUnavailable, "the server is busy, retry later",
                               "le serveur est occupé, réessayez plus tard"});
    busy.headers.emplace_back("Retry-After", "1");
    return busy;
  }

  // The continuation a gate handler answers through, from any thread: it posts to this
  // connection's strand, and keeps the I/O threads running until it has (tracked work).
  Reply make_reply(std::string_view route) {
    auto executor = net::prefer(stream_.get_executor(), net::execution::outstanding_work.tracked);
    // The executor counts as outstanding work: the I/O threads, and so Server::wait, outlast every
    // reply a worker or the audit committer still holds. A struct, not two captures, fixes the
    // order in which a dropped reply releases them: the session first (its destructor touches the
    // server), then the work; the other order let a worker free a Session after its Server.
    struct Held {
      decltype(executor) work;
      std::shared_ptr<Session> session;
    };
    return [held = Held{executor, shared_from_this()}, route](Response response) {
      net::post(held.work, [self = held.session, route, response = std::move(response)]() mutable {
        self->send(std::move(response), route, self->keep_alive_);
      });
    };
  }

  void send(Response response, std::string_view route, bool keep_alive) {
    const std::string principal_id = std::move(response.principal_id);
    ++requests_;
    const bool keep = keep_alive && !server_.stopping &&
                      requests_ < server_.options.limits.max_requests_per_connection;
    auto message = std::make_shared<Response_>(static_cast<bhttp::status>(response.status), 11);
    message->set(bhttp::field::server, "vigie");
    message->set(bhttp::field::content_type, response.content_type);
    message->set(bhttp::field::strict_transport_security, "max-age=31536000");
    message->set(bhttp::field::cache_control, "no-store");
    message->set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : response.headers) {
      message->set(name, value);
    }
    message->body() = std::move(response.body);
    message->keep_alive(keep);
    message->prepare_payload();
    // Logged before it is sent, so that a client that has the response finds its line written.
    log(*message, route, principal_id);
    beast::get_lowest_layer(stream_).expires_after(server_.options.limits.write_timeout);
    bhttp::async_write(stream_, *message,
                       [self = shared_from_this(), message, keep](beast::error_code ec, size_t) {
                         if (ec) {
                           self->close();
                         } else if (keep) {
                           self->read_request();
                         } else {
                           self->shutdown();
                         }
                       });
  }

  void log(const Response_& message, std::string_view route, std::string_view principal_id) {
    const auto now = std::chrono::system_clock::now();
    const auto duration = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started_);
    server_.access_log(AccessRecord{
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count(),
        principal_id.empty() ? std::string_view("-") : principal_id,
        method_.empty() ? std::string_view("-") : method_, route,
        static_cast<int>(message.result_int()), message.body().size(), duration.count()});
  }

  void shutdown() {
    beast::get_lowest_layer(stream_).expires_after(server_.options.limits.handshake_timeout);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->close(); });
  }

  void close() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }

  Server::Impl& server_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_address_;
  std::string method_;  // of the request being answered, for the access log
  std::chrono::steady_clock::time_point started_;
  size_t requests_ = 0;
  bool keep_alive_ = false;
  bool waiting_for_request_ = false;
};

}  // namespace

void Server::Impl::register_session(const std::shared_ptr<Session>& session) {
  const std::scoped_lock lock(sessions_mutex);
  std::erase_if(sessions, [](const std::weak_ptr<Session>& weak) { return weak.expired(); });
  sessions.push_back(session);
}

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) {
      return;  // stopped
    }
    if (!ec) {
      if (open_connections >= options.limits.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        auto session = std::make_shared<Session>(std::move(socket), *this);
        register_session(session);
        session->start();
      }
    }
    accept();
  });
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  stop();
  wait();
}

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options, const Router& router,
                                              Workers workers, AccessLogSink access_log) {
  auto impl = std::make_unique<Impl>(options, router, workers, std::move(access_log));
  if (auto tls = configure_tls(impl->tls, TlsFiles{options.certificate, options.private_key});
      !tls) {
    return tl::unexpected(tls.error());
  }
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(options.address, ec);
  if (ec) {
    return fail(ErrorCode::kUsage, "adresse d'écoute invalide : " + options.address,
                "invalid listen address: " + options.address);
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
                "impossible d'écouter sur " + options.address + ":" + std::to_string(options.port) +
                    " (" + ec.message() + ")",
                "cannot listen on " + options.address + ":" + std::to_string(options.port) + " (" +
                    ec.message() + ")");
  }
  impl->port = impl->acceptor.local_endpoint(ec).port();
  impl->accept();
  for (size_t i = 0; i < std::max<size_t>(1, options.io_threads); ++i) {
    impl->threads.emplace_back([io = &impl->io] { io->run(); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->port; }

void Server::stop() {
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
      session->close_if_idle();
    }
  }
}

void Server::wait() {
  std::call_once(impl_->joined, [this] {
    for (std::thread& thread : impl_->threads) {
      thread.join();
    }
  });
}

}  // namespace vigie::http
