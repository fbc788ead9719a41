#include "bench/gate_bench_support.hpp"

#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <fstream>

namespace vigie::bench {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double process_cpu_seconds() {
  timespec now{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one_minute;
  in >> one_minute;
  return one_minute.empty() ? std::string("unknown") : one_minute;
}

Result<std::filesystem::path> make_work_dir(std::string_view program) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / (std::string(program) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return fail(ErrorCode::kInternal, "cannot create a temporary directory");
  }
  return std::filesystem::path(pattern);
}

vault::UnlockSecret key_file_secret(const crypto::SecretBytes& key) {
  return vault::UnlockSecret{store::UnlockerKind::kKeyFile,
                             crypto::SecretBytes::copy_of(key.view())};
}

}  // namespace vigie::bench
