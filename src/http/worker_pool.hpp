#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "gate/gate.hpp"

namespace vigie::http {

// The threads that call the vault: each owns one gate (Gate::open_sibling: its own connections,
// the shared keys and audit log), so gate calls never share a connection. A bounded queue feeds
// them; a job that finds it full is refused at once (the server answers 503 with Retry-After),
// never queued without bound.
class WorkerPool {
 public:
  using Job = std::function<void(gate::Gate&)>;

  // Opens `workers` siblings of `first` (which must outlive the pool) and starts their threads.
  // `queue_capacity` jobs may wait. kInternal when a sibling cannot be opened.
  [[nodiscard]] static Result<std::unique_ptr<WorkerPool>> start(gate::Gate& first, size_t workers,
                                                                 size_t queue_capacity);

  // Lets the queued jobs run, then joins the threads and closes the siblings.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job`; false (and `job` dropped, never run) when the queue is full or the pool stops.
  [[nodiscard]] bool submit(Job job);

  // Runs the jobs already queued, refuses new ones and joins the threads. Idempotent.
  void stop();

 private:
  explicit WorkerPool(size_t queue_capacity) : capacity_(queue_capacity) {}
  void run(gate::Gate& gate);

  const size_t capacity_;
  std::mutex mutex_;  // guards queue_ and stopping_
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::unique_ptr<gate::Gate>> gates_;  // one per thread, written before they start
  std::vector<std::thread> threads_;
};

}  // namespace vigie::http
