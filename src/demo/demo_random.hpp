#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace vigie::demo {

// One step of splitmix64: advances `state` and returns the next output. Used to seed
// DemoRandom and to derive independent streams from a seed.
[[nodiscard]] uint64_t splitmix64(uint64_t& state);

// xoshiro256** seeded through splitmix64, with its own uniform-integer and pick helpers, so the
// same seed gives the same sequence with every compiler and standard library (the standard
// distributions differ between libstdc++ and libc++). For synthetic data only, never for
// secrets. Not thread-safe: one instance per thread.
class DemoRandom {
 public:
  explicit DemoRandom(uint64_t seed);

  // The next 64 raw bits.
  [[nodiscard]] uint64_t next();

  // Uniform in [low, high], both included, without modulo bias. Precondition: low <= high.
  [[nodiscard]] int64_t uniform(int64_t low, int64_t high);

  // True with probability percent / 100 (percent in 0..100).
  [[nodiscard]] bool chance(int percent);

  // Index in [0, weights.size()) drawn with probability proportional to its weight.
  // Precondition: at least one weight is positive and none is negative.
  [[nodiscard]] size_t pick_weighted(std::span<const int> weights);

  // A uniformly chosen element. Precondition: `items` is not empty.
  template <typename T>
  [[nodiscard]] const T& pick(std::span<const T> items) {
    return items[static_cast<size_t>(uniform(0, static_cast<int64_t>(items.size()) - 1))];
  }

 private:
  std::array<uint64_t, 4> state_{};
};

}  // namespace vigie::demo
