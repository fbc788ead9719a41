#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

#include "common/error.hpp"
#include "vault/vault.hpp"

namespace vigie::gate {

// Step 3 of an erasure in the background: one worker thread that removes erased patients' rows
// (vault::Vault::purge_erased_rows, in short batches) after each erasure, so that
// Gate::erase_patient returns once the key is shredded. Owned by the first gate, which stops it in
// close() (or its destruction); its siblings share it to wake it. A stop may leave rows behind:
// the next vault::Vault::open removes them.
//
// Locks and ownership: mutex_ guards every member above worker_ except vault_, which only the
// worker thread uses (a Vault is not thread-safe: this one is a sibling of the first gate's,
// opened at the first wake() by the thread that wakes it and then handed to the worker). The
// worker holds no lock while it purges; SQLite's write lock serialises its batches with every
// other writer, and readers never wait for it (WAL).
class ErasureCleanup {
 public:
  ErasureCleanup() = default;
  ~ErasureCleanup() { stop(); }
  ErasureCleanup(const ErasureCleanup&) = delete;
  ErasureCleanup& operator=(const ErasureCleanup&) = delete;

  // Asks the worker for a round of purges, starting it at the first call with a sibling of
  // `caller` (the calling thread's own vault). The round passes `options` (crash tests: their
  // at_step runs on the worker thread after each batch) to its batches. Any thread; does nothing
  // once stopped.
  void wake(vault::Vault& caller, const vault::ErasureOptions& options);
  // Waits until the worker has no round asked for or under way, or is stopped, and returns the
  // error of its last round, if any. Any thread but the worker.
  [[nodiscard]] Result<void> wait_idle();
  // Stops the worker between two batches and joins it. Idempotent. Any thread but the worker.
  void stop();

 private:
  void run(const std::stop_token& stop_token);
  // One round: batches until no erased patient has rows left, or a stop is requested.
  [[nodiscard]] Result<void> purge(const std::stop_token& stop_token,
                                   const vault::ErasureOptions& options);

  std::mutex mutex_;
  std::condition_variable_any changed_;
  bool asked_ = false;    // a round was asked for since the worker last took one
  bool running_ = false;  // a round is under way
  bool stopped_ = false;
  std::optional<Error> last_error_;
  vault::ErasureOptions options_;  // of the last wake()
  std::unique_ptr<vault::Vault> vault_;
  std::jthread worker_;
};

}  // namespace vigie::gate
