#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "http/tls_files.hpp"
#include "support/temp_dir.hpp"
#include "watch/alert_sinks.hpp"

// The e-mail sink against an SMTP server on loopback: the mail goes only after STARTTLS, and a
// server that does not offer it gets nothing, not even the envelope.

namespace vigie::http {
namespace {

// One SMTP session on loopback, answered by the script of RFC 5321 with STARTTLS (RFC 3207) when
// `offer_starttls`. Keeps what the client sent after the upgrade.
class SmtpReceiver {
 public:
  SmtpReceiver(const TlsFiles& tls, bool offer_starttls)
      : offer_starttls_(offer_starttls),
        context_(boost::asio::ssl::context::tls_server),
        acceptor_(io_, {boost::asio::ip::address_v4::loopback(), 0}) {
    context_.use_certificate_chain_file(tls.certificate.string());
    context_.use_private_key_file(tls.private_key.string(), boost::asio::ssl::context::pem);
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~SmtpReceiver() { thread_.join(); }
  SmtpReceiver(const SmtpReceiver&) = delete;
  SmtpReceiver& operator=(const SmtpReceiver&) = delete;

  [[nodiscard]] uint16_t port() const { return port_; }
  // What the client said after STARTTLS, command lines and the message (joined after the thread
  // ended: read once the sink returned and the receiver is destroyed, or through this lock).
  [[nodiscard]] std::vector<std::string> commands() {
    const std::scoped_lock lock(mutex_);
    return commands_;
  }
  [[nodiscard]] std::string message() {
    const std::scoped_lock lock(mutex_);
    return message_;
  }
  [[nodiscard]] bool heard_in_clear(std::string_view command) {
    const std::scoped_lock lock(mutex_);
    for (const std::string& line : clear_) {
      if (line.starts_with(command)) {
        return true;
      }
    }
    return false;
  }

 private:
  template <typename Stream>
  static std::string read_line(Stream& stream, boost::asio::streambuf& buffer,
                               boost::system::error_code& error) {
    const size_t length = boost::asio::read_until(stream, buffer, "\r\n", error);
    if (error) {
      return {};
    }
    std::string line(boost::asio::buffers_begin(buffer.data()),
                     boost::asio::buffers_begin(buffer.data()) + static_cast<long>(length) - 2);
    buffer.consume(length);
    return line;
  }

  void serve() {
    boost::asio::ip::tcp::socket socket(io_);
    boost::system::error_code error;
    acceptor_.accept(socket, error);
    if (error) {
      return;
    }
    const timeval timeout{10, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    boost::asio::streambuf buffer;
    boost::asio::write(socket, boost::asio::buffer(std::string("220 localhost ESMTP\r\n")), error);
    for (;;) {
      const std::string line = read_line(socket, buffer, error);
      if (error) {
        return;
      }
      {
        const std::scoped_lock lock(mutex_);
        clear_.push_back(line);
      }
      std::string answer;
      if (line.starts_with("EHLO")) {
        answer = offer_starttls_ ? "250-localhost\r\n250 STARTTLS\r\n" : "250 localhost\r\n";
      } else if (line == "STARTTLS" && offer_starttls_) {
        boost::asio::write(socket, boost::asio::buffer(std::string("220 go ahead\r\n")), error);
        break;
      } else if (line == "QUIT") {
        boost::asio::write(socket, boost::asio::buffer(std::string("221 bye\r\n")), error);
        return;
      } else {
        answer = "530 STARTTLS first\r\n";
      }
      boost::asio::write(socket, boost::asio::buffer(answer), error);
    }
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket&> tls(socket, context_);
    tls.handshake(boost::asio::ssl::stream_base::server, error);
    if (error) {
      return;
    }
    for (;;) {
      const std::string line = read_line(tls, buffer, error);
      if (error) {
        return;
      }
      {
        const std::scoped_lock lock(mutex_);
        commands_.push_back(line);
      }
      std::string answer = "250 OK\r\n";
      if (line == "DATA") {
        boost::asio::write(tls, boost::asio::buffer(std::string("354 end with .\r\n")), error);
        const size_t length = boost::asio::read_until(tls, buffer, "\r\n.\r\n", error);
        if (error) {
          return;
        }
        const std::scoped_lock lock(mutex_);
        message_.assign(boost::asio::buffers_begin(buffer.data()),
                        boost::asio::buffers_begin(buffer.data()) + static_cast<long>(length));
        buffer.consume(length);
      } else if (line == "QUIT") {
        boost::asio::write(tls, boost::asio::buffer(std::string("221 bye\r\n")), error);
        return;
      }
      boost::asio::write(tls, boost::asio::buffer(answer), error);
    }
  }

  const bool offer_starttls_;
  boost::asio::io_context io_;
  boost::asio::ssl::context context_;
  boost::asio::ip::tcp::acceptor acceptor_;  // used by the serving thread only, once started
  uint16_t port_ = 0;
  std::mutex mutex_;  // guards what was heard
  std::vector<std::string> clear_;
  std::vector<std::string> commands_;
  std::string message_;
  std::thread thread_;  // last: starts once the members above are built
};

watch::Alert honey_alert() {
  return watch::Alert{.id = 7,
                      .time_ms = 1'790'000'000'000,
                      .kind = watch::AlertKind::kHoney,
                      .account = "dr.curieux",
                      .detail = "a read touched a decoy patient; account locked",
                      .account_locked = true};
}

class AlertEmailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tls_ = default_tls_files(dir_.path());
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    ASSERT_TRUE(write_localhost_certificate(tls_, now));
  }

  std::unique_ptr<watch::AlertSink> sink(uint16_t port) const {
    return watch::email_sink(watch::EmailSettings{.url = fmt::format("smtp://localhost:{}", port),
                                                  .from = "vigie@cabinet.example.fr",
                                                  .to = {"dpo@cabinet.example.fr"},
                                                  .ca_file = tls_.certificate.string()});
  }

  testing::TempDir dir_;
  TlsFiles tls_;
};

TEST_F(AlertEmailTest, TheMailIsSentOnlyAfterStartTls) {
  Result<void> sent;
  std::vector<std::string> commands;
  std::string message;
  {
    SmtpReceiver receiver(tls_, true);
    sent = sink(receiver.port())->deliver(honey_alert());
    EXPECT_FALSE(receiver.heard_in_clear("MAIL"));
    commands = receiver.commands();
    message = receiver.message();
  }
  ASSERT_TRUE(sent) << sent.error().message;
  EXPECT_NE(std::find(commands.begin(), commands.end(), "MAIL FROM:<vigie@cabinet.example.fr>"),
            commands.end());
  EXPECT_NE(std::find(commands.begin(), commands.end(), "RCPT TO:<dpo@cabinet.example.fr>"),
            commands.end());
  EXPECT_NE(message.find("Subject: [vigie] alert #7: honey (critical)\r\n"), std::string::npos)
      << message;
  EXPECT_NE(message.find("To: <dpo@cabinet.example.fr>\r\n"), std::string::npos);
  EXPECT_NE(message.find("Alerte vigie n° 7 (critique) : honey"), std::string::npos);
  EXPECT_NE(message.find(R"("kind":"honey")"), std::string::npos);
}

TEST_F(AlertEmailTest, AServerWithoutStartTlsGetsNothing) {
  Result<void> sent;
  {
    SmtpReceiver receiver(tls_, false);
    sent = sink(receiver.port())->deliver(honey_alert());
    EXPECT_FALSE(receiver.heard_in_clear("MAIL"));
    EXPECT_FALSE(receiver.heard_in_clear("RCPT"));
    EXPECT_TRUE(receiver.commands().empty());
  }
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace vigie::http
