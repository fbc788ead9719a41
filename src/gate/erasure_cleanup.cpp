#include "gate/erasure_cleanup.hpp"

#include <utility>

namespace vigie::gate {

namespace {

// Resources whose rows one batch removes: one short write transaction each.
constexpr int64_t kResourcesPerBatch = 256;

}  // namespace

void ErasureCleanup::wake(vault::Vault& caller, const vault::ErasureOptions& options) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      return;
    }
    if (!worker_.joinable()) {
      auto sibling = caller.open_sibling();
      if (!sibling) {
        last_error_ = sibling.error();
        return;
      }
      vault_ = std::move(*sibling);
      worker_ = std::jthread([this](const std::stop_token& stop_token) { run(stop_token); });
    }
    asked_ = true;
    options_ = options;
  }
  changed_.notify_all();
}

Result<void> ErasureCleanup::wait_idle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return stopped_ || (!asked_ && !running_); });
  if (last_error_) {
    return tl::unexpected(*last_error_);
  }
  return {};
}

void ErasureCleanup::stop() {
  std::jthread worker;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    worker = std::move(worker_);
  }
  changed_.notify_all();
  // The jthread's destruction asks the worker to stop, which also ends its wait, and joins it.
}

void ErasureCleanup::run(const std::stop_token& stop_token) {
  while (true) {
    vault::ErasureOptions options;
    {
      std::unique_lock lock(mutex_);
      if (!changed_.wait(lock, stop_token, [&] { return asked_; })) {
        return;
      }
      asked_ = false;
      running_ = true;
      options = options_;
    }
    Result<void> round = purge(stop_token, options);
    {
      std::lock_guard lock(mutex_);
      running_ = false;
      last_error_ = round ? std::nullopt : std::optional<Error>(round.error());
    }
    changed_.notify_all();
  }
}

Result<void> ErasureCleanup::purge(const std::stop_token& stop_token,
                                   const vault::ErasureOptions& options) {
  while (!stop_token.stop_requested()) {
    auto progress = vault_->purge_erased_rows(kResourcesPerBatch, options);
    if (!progress) {
      return tl::unexpected(progress.error());
    }
    if (!progress->rows_left) {
      return {};
    }
  }
  return {};
}

}  // namespace vigie::gate
