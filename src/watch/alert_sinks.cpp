#include "watch/alert_sinks.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <ctime>
#include <utility>

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include "audit/display.hpp"
#include "audit/query.hpp"
#include "common/hex.hpp"
#include "crypto/hmac.hpp"

namespace vigie::watch {

namespace {

// The owners of libcurl's handles (their cleanups accept nullptr).
struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using ListPtr = std::unique_ptr<curl_slist, ListDeleter>;

Result<ListPtr> append(ListPtr list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (grown == nullptr) {
    return fail(ErrorCode::kInternal, "out of memory for a libcurl list");
  }
  (void)list.release();  // now owned through `grown`
  return ListPtr(grown);
}

// The receiver's answer is not kept: what matters is its status.
size_t discard(char* /*data*/, size_t size, size_t count, void* /*unused*/) { return size * count; }

// A handle with what every network sink sets: the protocols allowed, no redirect, the timeouts,
// the trusted authorities, no signal (the worker is one thread among others).
Result<CurlPtr> new_handle(const std::string& url, const char* protocols,
                           const std::string& ca_file, const NetworkLimits& limits) {
  CurlPtr curl(curl_easy_init());
  if (!curl) {
    return fail(ErrorCode::kInternal, "libcurl could not make a handle");
  }
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(limits.connect_timeout.count() * 1000));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(limits.total_timeout.count() * 1000));
  curl_easy_setopt(handle, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
  if (!ca_file.empty()) {
    curl_easy_setopt(handle, CURLOPT_CAINFO, ca_file.c_str());
  }
  return curl;
}

// kUnavailable naming libcurl's reason (never the URL's credentials or the body).
tl::unexpected<Error> not_taken(std::string_view sink, CURLcode code) {
  return fail(ErrorCode::kUnavailable,
              fmt::format("{} : échec de l'envoi ({})", sink, curl_easy_strerror(code)),
              fmt::format("{}: sending failed ({})", sink, curl_easy_strerror(code)));
}

class LogSink final : public AlertSink {
 public:
  explicit LogSink(std::function<void(std::string_view)> write) : write_(std::move(write)) {}
  [[nodiscard]] std::string_view name() const override { return "log"; }
  Result<void> deliver(const Alert& alert) override {
    write_(fmt::format("vigie: alerte / alert {}", boost::json::serialize(alert_document(alert))));
    return {};
  }

 private:
  std::function<void(std::string_view)> write_;
};

class WebhookSink final : public AlertSink {
 public:
  explicit WebhookSink(WebhookSettings settings) : settings_(std::move(settings)) {}
  [[nodiscard]] std::string_view name() const override { return "webhook"; }

  Result<void> deliver(const Alert& alert) override {
    auto curl = new_handle(settings_.url, "https", settings_.ca_file, settings_.limits);
    if (!curl) {
      return tl::unexpected(curl.error());
    }
    const std::string body = boost::json::serialize(alert_document(alert));
    auto headers = append(ListPtr(), "Content-Type: application/json");
    if (headers) {
      headers = append(std::move(*headers), fmt::format("X-Vigie-Alert: {}", alert.id));
    }
    if (headers && !settings_.secret.empty()) {
      headers = append(std::move(*headers),
                       "X-Vigie-Signature: " + webhook_signature(settings_.secret.view(), body));
    }
    if (!headers) {
      return tl::unexpected(headers.error());
    }
    CURL* handle = curl->get();
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers->get());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard);
    if (const CURLcode sent = curl_easy_perform(handle); sent != CURLE_OK) {
      return not_taken("webhook", sent);
    }
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
      return fail(ErrorCode::kUnavailable,
                  fmt::format("webhook : le destinataire a répondu {}", status),
                  fmt::format("webhook: the receiver answered {}", status));
    }
    return {};
  }

 private:
  WebhookSettings settings_;
};

// RFC 5322's date, e.g. "Mon, 07 Dec 2026 12:30:00 +0000".
std::string mail_date(int64_t time_ms) {
  const std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  const size_t length = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S +0000", &utc);
  return {text, length};
}

// The message, CRLF line ends, its header in ASCII; libcurl escapes a line that starts with a dot.
std::string mail_message(const EmailSettings& settings, const Alert& alert) {
  std::string to;
  for (const std::string& address : settings.to) {
    to += (to.empty() ? "<" : ", <") + address + ">";
  }
  const std::string_view kind = name_of(alert.kind);
  const Severity severity = severity_of(alert.kind);
  const std::string account =
      alert.account.empty() ? std::string("-") : audit::printable(alert.account, 64);
  return fmt::format(
      "From: <{}>\r\nTo: {}\r\nSubject: [vigie] alert #{}: {} ({})\r\nDate: {}\r\n"
      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\n"
      "Alerte vigie n° {} ({}) : {}\r\nCompte : {}{}\r\n{}\r\n\r\n"
      "vigie alert #{} ({}): {}\r\nAccount: {}{}\r\n\r\n"
      "Consulter / review: vigie alerts list --vault DIR\r\n\r\n{}\r\n",
      settings.from, to, alert.id, kind, name_of(severity), mail_date(alert.time_ms), alert.id,
      french_name_of(severity), kind, account, alert.account_locked ? " (verrouillé)" : "",
      audit::printable(alert.detail, 500), alert.id, name_of(severity), kind, account,
      alert.account_locked ? " (locked)" : "", boost::json::serialize(alert_document(alert)));
}

// libcurl reads the message to send from here.
struct Upload {
  std::string_view rest;
};
size_t read_upload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t length = std::min(size * count, upload->rest.size());
  std::copy_n(upload->rest.data(), length, buffer);
  upload->rest.remove_prefix(length);
  return length;
}

class EmailSink final : public AlertSink {
 public:
  explicit EmailSink(EmailSettings settings) : settings_(std::move(settings)) {}
  [[nodiscard]] std::string_view name() const override { return "email"; }

  Result<void> deliver(const Alert& alert) override {
    auto curl = new_handle(settings_.url, "smtp,smtps", settings_.ca_file, settings_.limits);
    if (!curl) {
      return tl::unexpected(curl.error());
    }
    Result<ListPtr> recipients = ListPtr();
    for (const std::string& address : settings_.to) {
      if (recipients) {
        recipients = append(std::move(*recipients), "<" + address + ">");
      }
    }
    if (!recipients) {
      return tl::unexpected(recipients.error());
    }
    const std::string from = "<" + settings_.from + ">";
    const std::string message = mail_message(settings_, alert);
    Upload upload{message};
    CURL* handle = curl->get();
    // smtp:// must upgrade with STARTTLS or fail: an alert never crosses a network in clear.
    curl_easy_setopt(handle, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    curl_easy_setopt(handle, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(handle, CURLOPT_MAIL_RCPT, recipients->get());
    curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(handle, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(handle, CURLOPT_READDATA, &upload);
    curl_easy_setopt(handle, CURLOPT_INFILESIZE, static_cast<long>(message.size()));
    std::string user_password;
    if (!settings_.credentials.empty()) {
      // libcurl copies the option's string: this copy lives only for the call.
      user_password.assign(reinterpret_cast<const char*>(settings_.credentials.data()),
                           settings_.credentials.size());
      curl_easy_setopt(handle, CURLOPT_USERPWD, user_password.c_str());
    }
    const CURLcode sent = curl_easy_perform(handle);
    crypto::wipe(std::span(reinterpret_cast<uint8_t*>(user_password.data()), user_password.size()));
    if (sent != CURLE_OK) {
      return not_taken("email", sent);
    }
    return {};
  }

 private:
  EmailSettings settings_;
};

}  // namespace

boost::json::object alert_document(const Alert& alert) {
  boost::json::object out{{"id", alert.id},
                          {"time", audit::format_time(alert.time_ms)},
                          {"kind", name_of(alert.kind)},
                          {"severity", name_of(severity_of(alert.kind))},
                          {"account", alert.account},
                          {"detail", alert.detail},
                          {"account_locked", alert.account_locked},
                          {"acknowledged", !alert.acknowledged_by.empty()}};
  if (!alert.acknowledged_by.empty()) {
    out["acknowledged_by"] = alert.acknowledged_by;
    out["acknowledged_time"] = audit::format_time(alert.acknowledged_ms);
  }
  return out;
}

std::string webhook_signature(std::span<const uint8_t> secret, std::string_view body) {
  return "sha256=" + to_hex(crypto::hmac_sha256(secret, body));
}

std::chrono::milliseconds retry_delay(int64_t failures, std::chrono::seconds first,
                                      std::chrono::seconds most) {
  std::chrono::milliseconds delay = first;
  for (int64_t failure = 1; failure < failures && delay < most; ++failure) {
    delay *= 2;
  }
  return std::min<std::chrono::milliseconds>(delay, most);
}

std::unique_ptr<AlertSink> log_sink(std::function<void(std::string_view)> write) {
  return std::make_unique<LogSink>(std::move(write));
}

std::unique_ptr<AlertSink> webhook_sink(WebhookSettings settings) {
  return std::make_unique<WebhookSink>(std::move(settings));
}

std::unique_ptr<AlertSink> email_sink(EmailSettings settings) {
  return std::make_unique<EmailSink>(std::move(settings));
}

}  // namespace vigie::watch
