#pragma once

#include <cstdio>
#include <cstdlib>

#include "crypto/secret_bytes.hpp"

// Private to src/crypto: how functions that cannot report a failure stop the process rather than
// run without libsodium or on arguments only a programming error can produce.

namespace vigie::crypto {

// Writes "vigie: <message>" to stderr and aborts. `message` names the rule, never a secret.
[[noreturn]] inline void die(const char* message) {
  std::fprintf(stderr, "vigie: %s\n", message);
  std::abort();
}

// Initialises libsodium, or dies when it cannot be (no random source).
inline void require_initialized() {
  if (!initialize()) {
    die("libsodium could not be initialised");
  }
}

}  // namespace vigie::crypto
