#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cli/command.hpp"
#include "common/error.hpp"

namespace vigie::cli {

struct ListenAddress {
  std::string address;
  uint16_t port = 0;
};

// "127.0.0.1:8443", "[::1]:8443" or "0.0.0.0:443" -> address and port (0 to 65535; 0 asks for a
// free port, which serve prints when it starts listening). kUsage,
// quoting the text (an address is not a secret), for anything else.
[[nodiscard]] Result<ListenAddress> parse_listen_address(std::string_view text);

// vigie serve: checks the TLS pair, unlocks the vault, serves the FHIR API over HTTPS until
// SIGTERM or SIGINT, writing one JSON line per request to standard output; then lets the requests
// in flight finish, and closes the vault (shutdown checkpoint).
[[nodiscard]] int run_serve(const Options& options);

}  // namespace vigie::cli
