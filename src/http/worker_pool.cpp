#include "http/worker_pool.hpp"

#include <utility>

namespace vigie::http {

Result<std::unique_ptr<WorkerPool>> WorkerPool::start(gate::Gate& first, size_t workers,
                                                      size_t queue_capacity) {
  std::unique_ptr<WorkerPool> pool(new WorkerPool(queue_capacity));
  for (size_t i = 0; i < workers; ++i) {
    auto sibling = first.open_sibling();
    if (!sibling) {
      return tl::unexpected(sibling.error());
    }
    pool->gates_.push_back(std::move(*sibling));
  }
  for (auto& gate : pool->gates_) {
    pool->threads_.emplace_back([pool = pool.get(), gate = gate.get()] { pool->run(*gate); });
  }
  return pool;
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::submit(Job job) {
  {
    const std::scoped_lock lock(mutex_);
    if (stopping_ || queue_.size() >= capacity_) {
      return false;
    }
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void WorkerPool::stop() {
  {
    const std::scoped_lock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) {
      thread.join();
    }
  }
  gates_.clear();
}

void WorkerPool::run(gate::Gate& gate) {
  while (true) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // stopping, and nothing left to run
      }
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job(gate);
  }
}

}  // namespace vigie::http
