#include "http/sign_in.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "crypto/aead.hpp"
#include "crypto/base64url.hpp"
#include "crypto/kdf.hpp"

namespace vigie::http {

namespace {

namespace json = boost::json;

// The associated data of every ticket: a sealed value of another kind never opens as one.
constexpr std::string_view kTicketPurpose = "vigie sign-in ticket v1";
constexpr std::string_view kCsrfContext = "vigie csrf v1:";
std::span<const uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

tl::unexpected<Error> refused_sign_in() {
  return fail(ErrorCode::kAuthenticationFailed, std::string(auth::login_refused_french()),
              std::string(auth::login_refused_message()));
}

}  // namespace

std::string SignInTickets::issue(const gate::Gate::SecondFactorAwaited& awaited,
                                 std::string_view address, int64_t now_ms) const {
  // Login and address go in as base64url: whatever their bytes, the payload stays valid JSON.
  const std::string payload =
      json::serialize(json::object{{"login", crypto::to_base64url(bytes_of(awaited.login))},
                                   {"fingerprint", crypto::to_base64url(awaited.fingerprint)},
                                   {"address", crypto::to_base64url(bytes_of(address))},
                                   {"expires_ms", now_ms + kSignInTicketLifetimeMs}});
  return crypto::to_base64url(crypto::seal(key_, bytes_of(payload), bytes_of(kTicketPurpose)));
}

Result<gate::Gate::SecondFactorAwaited> SignInTickets::redeem(std::string_view ticket,
                                                              std::string_view address,
                                                              int64_t now_ms) const {
  const std::optional<std::vector<uint8_t>> sealed = crypto::from_base64url(ticket);
  if (!sealed) {
    return refused_sign_in();
  }
  auto opened = crypto::open(key_, *sealed, bytes_of(kTicketPurpose));
  if (!opened) {
    return refused_sign_in();
  }
  // Sealed by this process: the payload is the one issue() wrote.
  const json::object payload =
      json::parse(std::string_view(reinterpret_cast<const char*>(opened->data()), opened->size()))
          .as_object();
  // from_base64url refuses empty text (an empty token); an empty login or address is empty.
  auto decoded = [&payload](std::string_view key) -> std::optional<std::vector<uint8_t>> {
    const std::string_view text = payload.at(key).as_string();
    return text.empty() ? std::vector<uint8_t>{} : crypto::from_base64url(text);
  };
  const auto login = decoded("login");
  const auto issued_to = decoded("address");
  const auto fingerprint = crypto::from_base64url(payload.at("fingerprint").as_string());
  gate::Gate::SecondFactorAwaited awaited;
  if (payload.at("expires_ms").to_number<int64_t>() <= now_ms || !login || !issued_to ||
      !std::ranges::equal(*issued_to, bytes_of(address)) || !fingerprint ||
      fingerprint->size() != awaited.fingerprint.size()) {
    return refused_sign_in();
  }
  awaited.login.assign(login->begin(), login->end());
  std::copy(fingerprint->begin(), fingerprint->end(), awaited.fingerprint.begin());
  return awaited;
}

std::string csrf_token_of(std::string_view session_secret) {
  const std::string input = fmt::format("{}{}", kCsrfContext, session_secret);
  const auto hash = crypto::blake2b_256(bytes_of(input));
  return crypto::to_base64url(hash);
}

bool csrf_token_matches(std::string_view presented, std::string_view session_secret) {
  const std::string expected = csrf_token_of(session_secret);
  return crypto::constant_time_equal(bytes_of(presented), bytes_of(expected));
}

std::string_view session_cookie_of(std::string_view cookie_header) {
  while (!cookie_header.empty()) {
    const size_t end = cookie_header.find(';');
    std::string_view pair = cookie_header.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') {
      pair.remove_prefix(1);
    }
    if (pair.size() > kSessionCookie.size() && pair.starts_with(kSessionCookie) &&
        pair[kSessionCookie.size()] == '=') {
      return pair.substr(kSessionCookie.size() + 1);
    }
    if (end == std::string_view::npos) {
      break;
    }
    cookie_header.remove_prefix(end + 1);
  }
  return {};
}

}  // namespace vigie::http
