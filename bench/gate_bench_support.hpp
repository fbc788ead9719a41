#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"
#include "vault/vault.hpp"

// What the benchmarks of the gate (audit_bench, access_bench) share: timing, the run's context,
// and a scratch vault directory.

namespace vigie::bench {

[[nodiscard]] double seconds_since(std::chrono::steady_clock::time_point start);

// CPU time of the whole process (every thread, the audit log's flusher included), user and
// system.
[[nodiscard]] double process_cpu_seconds();

// The middle value (the upper one of an even count); `values` must not be empty.
[[nodiscard]] double median(std::vector<double> values);

// The 1-minute load average, to judge how much other processes disturbed the run.
[[nodiscard]] std::string load_average();

// A new private directory under the system's temporary directory, named after `program`.
[[nodiscard]] Result<std::filesystem::path> make_work_dir(std::string_view program);

[[nodiscard]] vault::UnlockSecret key_file_secret(const crypto::SecretBytes& key);

}  // namespace vigie::bench
