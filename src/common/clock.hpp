#pragma once

#include <atomic>
#include <cstdint>

namespace vigie {

// Source of wall-clock time, replaceable in tests. Thread-safe implementations only.
class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch, UTC.
  [[nodiscard]] virtual int64_t now_ms() const = 0;
};

// The system clock.
class SystemClock final : public Clock {
 public:
  [[nodiscard]] int64_t now_ms() const override;
};

// The process's system clock, for default arguments.
[[nodiscard]] const Clock& system_clock();

// A clock that tests set and advance by hand. Thread-safe, as Clock requires: the audit log's
// committer and a server's threads read it while a test advances it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms) : now_ms_(start_ms) {}
  [[nodiscard]] int64_t now_ms() const override { return now_ms_.load(); }
  void advance_ms(int64_t delta_ms) { now_ms_ += delta_ms; }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace vigie
