#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <latch>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/json/object.hpp>

#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"
#include "vault/vault.hpp"

// What the benchmarks of the gate (audit_bench, access_bench, import_read_bench, erase_bench)
// share: timing, the run's context, a scratch vault directory, demo data and threads released
// together.

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

// CPU time of the calling thread, user and system.
[[nodiscard]] double thread_cpu_seconds();

// One stored resource, as an import reported it.
struct ResourceRef {
  std::string type;
  std::string id;
  int64_t version = 0;
  std::string compartment;
};

// What an import stored, in Bundle order.
[[nodiscard]] std::vector<ResourceRef> refs_of(const vault::BundleOutcome& outcome);

// The first `count` entries of a demo transaction Bundle of `seed` with enough patients (cutting
// the list keeps every reference valid: a patient's resources follow it).
[[nodiscard]] boost::json::object demo_bundle(size_t count, uint64_t seed);

// The first `count` entries of the demo Bundle of `seed`, planned once (fhir::plan_bundle with
// vault::Vault::new_id) and cut into transaction Bundles of `per_transaction` entries that are
// PUTs of the planned resources: the ids are chosen here and the references between entries are
// "Type/id", so each Bundle imports on its own once the ones before it are stored. kInternal if
// the demo Bundle does not plan.
[[nodiscard]] Result<std::vector<boost::json::object>> demo_transactions(size_t count,
                                                                         uint64_t seed,
                                                                         size_t per_transaction);

// Runs `work(thread)` on `count` threads released together. Returns the wall time from the
// release to the end of the last thread, or the first thread's error.
template <typename Work>
Result<double> run_threads(size_t count, const Work& work) {
  std::latch ready(static_cast<std::ptrdiff_t>(count));
  std::latch go(1);
  std::vector<std::optional<Error>> errors(count);
  std::vector<std::thread> threads;
  threads.reserve(count);
  for (size_t thread = 0; thread < count; ++thread) {
    threads.emplace_back([&, thread] {
      ready.count_down();
      go.wait();
      if (Result<void> done = work(thread); !done) {
        errors[thread] = done.error();
      }
    });
  }
  ready.wait();
  const auto start = std::chrono::steady_clock::now();
  go.count_down();
  for (std::thread& thread : threads) {
    thread.join();
  }
  const double elapsed = seconds_since(start);
  for (const std::optional<Error>& error : errors) {
    if (error) {
      return tl::unexpected(*error);
    }
  }
  return elapsed;
}

}  // namespace vigie::bench
