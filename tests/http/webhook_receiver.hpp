#pragma once

#include <sys/socket.h>
#include <sys/time.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gate/alert_delivery.hpp"
#include "http/tls_files.hpp"

// A webhook receiver on loopback for the alert delivery tests: HTTPS with the vault's localhost
// certificate, one POST per connection, each kept (body and signature header) and answered 204.
// Its port can be chosen before it starts (free_loopback_port), so that a sink can be pointed at
// a receiver that is down, then up.

namespace vigie::testing {

struct ReceivedWebhook {
  std::string target;
  std::string body;
  std::string signature;  // X-Vigie-Signature
  std::string alert_id;   // X-Vigie-Alert
};

// A loopback port that was free a moment ago (the kernel gave it, then it was closed): nothing
// listens there until a receiver starts on it.
inline uint16_t free_loopback_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::address_v4::loopback(), 0});
  return acceptor.local_endpoint().port();
}

class WebhookReceiver {
 public:
  WebhookReceiver(const http::TlsFiles& tls, uint16_t port)
      : context_(boost::asio::ssl::context::tls_server),
        acceptor_(io_, {boost::asio::ip::address_v4::loopback(), port}, /*reuse_address=*/true) {
    context_.use_certificate_chain_file(tls.certificate.string());
    context_.use_private_key_file(tls.private_key.string(), boost::asio::ssl::context::pem);
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }

  ~WebhookReceiver() {
    {
      const std::scoped_lock lock(mutex_);
      stopping_ = true;
    }
    // Unblocks accept(): the loop sees stopping_ and ends.
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket knock(io);
    boost::system::error_code ignored;
    knock.connect({boost::asio::ip::address_v4::loopback(), port_}, ignored);
    thread_.join();
  }
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  [[nodiscard]] uint16_t port() const { return port_; }

  [[nodiscard]] std::vector<ReceivedWebhook> received() {
    const std::scoped_lock lock(mutex_);
    return received_;
  }

  // Waits (up to `seconds`) until `count` webhooks were received; false if they were not.
  [[nodiscard]] bool wait_for(size_t count, int seconds = 30) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, std::chrono::seconds(seconds),
                             [&] { return received_.size() >= count; });
  }

 private:
  void serve() {
    namespace beast_http = boost::beast::http;
    for (;;) {
      boost::asio::ip::tcp::socket socket(io_);
      boost::system::error_code error;
      acceptor_.accept(socket, error);
      {
        const std::scoped_lock lock(mutex_);
        if (stopping_) {
          return;
        }
      }
      if (error) {
        continue;
      }
      const timeval timeout{10, 0};
      setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream(std::move(socket), context_);
      stream.handshake(boost::asio::ssl::stream_base::server, error);
      if (error) {
        continue;
      }
      boost::beast::flat_buffer buffer;
      beast_http::request<beast_http::string_body> request;
      beast_http::read(stream, buffer, request, error);
      if (error) {
        continue;
      }
      // Kept before the answer: once the sender has its 204, the test may look.
      {
        const std::scoped_lock lock(mutex_);
        received_.push_back(ReceivedWebhook{.target = std::string(request.target()),
                                            .body = request.body(),
                                            .signature = std::string(request["X-Vigie-Signature"]),
                                            .alert_id = std::string(request["X-Vigie-Alert"])});
        arrived_.notify_all();
      }
      beast_http::response<beast_http::empty_body> response{beast_http::status::no_content, 11};
      response.keep_alive(false);
      beast_http::write(stream, response, error);
      stream.shutdown(error);
    }
  }

  boost::asio::io_context io_;
  boost::asio::ssl::context context_;
  boost::asio::ip::tcp::acceptor acceptor_;  // used by the serving thread only, once started
  uint16_t port_ = 0;
  std::mutex mutex_;  // guards stopping_ and received_
  std::condition_variable arrived_;
  bool stopping_ = false;
  std::vector<ReceivedWebhook> received_;
  std::thread thread_;  // last: starts once the members above are built
};

// The vault's due alerts delivered once, by the real webhook sink, to a receiver started on
// loopback for the call (the vault's certificate trusted through ca_file): the round's counts
// and what the receiver got.
struct LoopbackDelivery {
  Result<gate::DeliveryRound> round;
  std::vector<ReceivedWebhook> received;
};
inline LoopbackDelivery deliver_to_loopback_webhook(gate::Gate& gate, const http::TlsFiles& tls) {
  WebhookReceiver receiver(tls, 0);
  std::vector<std::unique_ptr<watch::AlertSink>> sinks;
  sinks.push_back(watch::webhook_sink(
      watch::WebhookSettings{.url = fmt::format("https://localhost:{}/alerts", receiver.port()),
                             .ca_file = tls.certificate.string()}));
  Result<gate::DeliveryRound> round = gate::deliver_due_alerts(gate, sinks, {});
  return LoopbackDelivery{std::move(round), receiver.received()};
}

}  // namespace vigie::testing
