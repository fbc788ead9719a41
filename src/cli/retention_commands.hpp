#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli/command.hpp"
#include "common/clock.hpp"
#include "http/worker_pool.hpp"
#include "lifecycle/retention.hpp"

// `vigie retention run`, and the daily run of `vigie serve`.

namespace vigie::cli {

// Adds `vigie retention run --vault DIR [--dry-run]` to `app`; its callback sets `action`.
// `add_vault` adds the options of the vault and its unlock, as for every other command.
void add_retention_commands(CLI::App& app, Options& options, int (*&action)(const Options&),
                            const std::function<void(CLI::App*)>& add_vault);

// A thread that calls `due` whenever `schedule` says a run is due by `clock`. It re-reads the
// clock at least once a minute (a system clock may jump) and when wake() is called (tests advance
// a ManualClock, then wake it). `due` runs on the timer's thread and must not block: it queues
// the run elsewhere (the server's writer pool), and returns whether it could; when it could not,
// the timer calls it again a minute later. Owns its thread; stop() or the destructor ends it.
class RetentionTimer {
 public:
  RetentionTimer(const Clock& clock, lifecycle::RetentionSchedule schedule,
                 std::function<bool()> due);
  ~RetentionTimer();
  RetentionTimer(const RetentionTimer&) = delete;
  RetentionTimer& operator=(const RetentionTimer&) = delete;

  // Makes the thread read the clock now.
  void wake();
  // Ends the thread (a `due` call in progress finishes first). Idempotent.
  void stop();

 private:
  void run();

  const Clock& clock_;
  std::function<bool()> due_;
  std::mutex mutex_;  // guards schedule_, woken_ and stopping_
  std::condition_variable wake_;
  lifecycle::RetentionSchedule schedule_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above are built
};

// For `vigie serve`: the daily retention of the vault of `options` under its [retention] rules,
// each run queued on `writer` (where writes are serialised) as the custodian who unlocked it, its
// outcome written to standard error (counts only). nullptr when [retention] daily is false;
// kUsage for rules that lifecycle::check_rules refuses. `custodian` and `writer` must outlive it.
[[nodiscard]] Result<std::unique_ptr<RetentionTimer>> start_daily_retention(
    const Options& options, const gate::Custodian& custodian, http::WorkerPool& writer);

}  // namespace vigie::cli
