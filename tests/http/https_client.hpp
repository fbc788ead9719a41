#pragma once

#include <sys/socket.h>
#include <sys/time.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <openssl/ssl.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

// A blocking HTTPS client on loopback for the server tests: one connection, requests one after the
// other. Every read gives up after 10 s (SO_RCVTIMEO), so that a server that fails to answer or
// to close fails the test instead of hanging it.

namespace vigie::testing {

struct HttpsReply {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool keep_alive = false;

  [[nodiscard]] std::string header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (boost::beast::iequals(key, name)) {
        return value;
      }
    }
    return {};
  }
};

class HttpsClient {
 public:
  // `max_tls_version` (e.g. TLS1_1_VERSION) forces an old protocol, with OpenSSL's security level
  // lowered so that the refusal can only come from the server.
  explicit HttpsClient(uint16_t port, int max_tls_version = 0) {
    context_.set_verify_mode(boost::asio::ssl::verify_none);
    if (max_tls_version != 0) {
      SSL_CTX_set_security_level(context_.native_handle(), 0);
      SSL_CTX_set_cipher_list(context_.native_handle(), "DEFAULT@SECLEVEL=0");
      SSL_CTX_set_min_proto_version(context_.native_handle(), TLS1_VERSION);
      SSL_CTX_set_max_proto_version(context_.native_handle(), max_tls_version);
    }
    stream_.emplace(io_, context_);  // after the context's settings: SSL_new copies them
    stream_->next_layer().connect({boost::asio::ip::address_v4::loopback(), port},
                                  handshake_error_);
    if (handshake_error_) {
      return;
    }
    const timeval timeout{10, 0};
    setsockopt(stream_->next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout,
               sizeof timeout);
    stream_->handshake(boost::asio::ssl::stream_base::client, handshake_error_);
  }

  // False when the connection or the TLS handshake failed.
  [[nodiscard]] bool handshake_succeeded() const { return !handshake_error_; }

  // Sends one request and reads its response; nullopt when the connection fails or closes first.
  std::optional<HttpsReply> send(boost::beast::http::verb method, std::string_view target,
                                 std::string_view bearer = {}, std::string body = {},
                                 std::vector<std::pair<std::string, std::string>> headers = {}) {
    namespace http = boost::beast::http;
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "localhost");
    request.set(http::field::user_agent, "vigie-test");
    if (!bearer.empty()) {
      request.set(http::field::authorization, "Bearer " + std::string(bearer));
    }
    for (const auto& [name, value] : headers) {
      request.set(name, value);
    }
    request.body() = std::move(body);
    request.prepare_payload();
    boost::beast::error_code ec;
    http::write(*stream_, request, ec);
    if (ec) {
      return std::nullopt;
    }
    return read_reply();
  }

  // Sends raw bytes (a request cut short, oversized headers).
  bool send_raw(std::string_view bytes) {
    boost::beast::error_code ec;
    boost::asio::write(*stream_, boost::asio::buffer(bytes.data(), bytes.size()), ec);
    return !ec;
  }

  std::optional<HttpsReply> read_reply() {
    namespace http = boost::beast::http;
    http::response<http::string_body> response;
    boost::beast::error_code ec;
    http::read(*stream_, buffer_, response, ec);
    if (ec) {
      return std::nullopt;
    }
    HttpsReply reply{
        static_cast<int>(response.result_int()), response.body(), {}, response.keep_alive()};
    for (const auto& field : response) {
      reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    return reply;
  }

  // True when the server has closed the connection: a read ends (EOF or TLS close) with no byte.
  // Not a timeout: that is reported as false.
  bool closed_by_server() {
    char byte = 0;
    boost::beast::error_code ec;
    const size_t read = stream_->read_some(boost::asio::buffer(&byte, 1), ec);
    return read == 0 &&
           (ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated ||
            ec == boost::asio::error::connection_reset);
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ssl::context context_{boost::asio::ssl::context::tls_client};
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> stream_;
  boost::beast::flat_buffer buffer_;
  boost::beast::error_code handshake_error_;
};

}  // namespace vigie::testing
