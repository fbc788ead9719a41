#pragma once

#include <cstddef>
#include <fstream>
#include <string>

namespace vigie::testing {

// AddressSanitizer intercepts mlock() and makes it a no-op that succeeds (it cannot lock shadow
// memory): under it, VmLck stays at 0 and RLIMIT_MEMLOCK cannot be observed.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kMlockIsIntercepted = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kMlockIsIntercepted = true;
#else
inline constexpr bool kMlockIsIntercepted = false;
#endif
#else
inline constexpr bool kMlockIsIntercepted = false;
#endif

// Memory this process has locked now, in KiB: VmLck of /proc/self/status.
inline size_t locked_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmLck:")) {
      return std::stoul(line.substr(6));
    }
  }
  return 0;
}

}  // namespace vigie::testing
