#pragma once

#include <cstdio>
#include <cstdlib>

namespace vigie::fuzz {

// Stops the run with a message when a property that must hold for every input does not;
// libFuzzer then saves the input that broke it.
inline void require(bool holds, const char* property) {
  if (!holds) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", property);
    std::abort();
  }
}

}  // namespace vigie::fuzz
