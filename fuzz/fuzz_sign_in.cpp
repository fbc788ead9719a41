// Untrusted input of the sign-in routes besides their JSON bodies (fuzz_login covers the login
// itself): a Cookie header, an X-CSRF-Token header and a ticket of the password step. The input
// is "COOKIE\nCSRF\nTICKET".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_invariant.hpp"
#include "http/sign_in.hpp"

namespace {

using namespace vigie::http;
using vigie::fuzz::require;

constexpr int64_t kNow = 1'790'000'000'000;

std::string_view next_line(std::string_view& input) {
  const size_t end = input.find('\n');
  const std::string_view line = input.substr(0, end);
  input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const SignInTickets tickets;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view cookie_header = next_line(input);
  const std::string_view csrf = next_line(input);
  const std::string_view ticket = input;

  const std::string_view secret = session_cookie_of(cookie_header);
  require(secret.find(';') == std::string_view::npos, "a cookie value never holds a ';'");
  require(secret.empty() || cookie_header.find(secret) != std::string_view::npos,
          "the session secret is a part of the header");
  if (!secret.empty()) {
    require(csrf_token_matches(csrf_token_of(secret), secret), "a session's token matches it");
    require(csrf != csrf_token_of(secret) || csrf_token_matches(csrf, secret),
            "the comparison agrees with equality");
  }

  // A ticket this process did not issue never opens; one it issued opens as issued, from its
  // address only.
  require(!tickets.redeem(ticket, "127.0.0.1", kNow), "a forged ticket never opens");
  vigie::gate::Gate::SecondFactorAwaited awaited;
  awaited.login = std::string(ticket.substr(0, 64));
  const std::string issued = tickets.issue(awaited, cookie_header, kNow);
  auto opened = tickets.redeem(issued, cookie_header, kNow);
  require(opened.has_value() && opened->login == awaited.login, "an issued ticket opens as issued");
  require(!tickets.redeem(issued, std::string(cookie_header) + "x", kNow),
          "a ticket opens from its address only");
  return 0;
}
