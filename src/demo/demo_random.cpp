#include "demo/demo_random.hpp"

#include <limits>

namespace vigie::demo {

namespace {

[[nodiscard]] constexpr uint64_t rotate_left(uint64_t value, int bits) {
  return (value << bits) | (value >> (64 - bits));
}

}  // namespace

uint64_t splitmix64(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  uint64_t mixed = state;
  mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9ULL;
  mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111ebULL;
  return mixed ^ (mixed >> 31);
}

DemoRandom::DemoRandom(uint64_t seed) {
  uint64_t seeder = seed;
  for (uint64_t& word : state_) {
    word = splitmix64(seeder);
  }
}

uint64_t DemoRandom::next() {
  const uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
  const uint64_t shifted = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= shifted;
  state_[3] = rotate_left(state_[3], 45);
  return result;
}

int64_t DemoRandom::uniform(int64_t low, int64_t high) {
  const uint64_t span = static_cast<uint64_t>(high) - static_cast<uint64_t>(low) + 1;
  if (span == 0) {  // the whole 64-bit range
    return static_cast<int64_t>(next());
  }
  // Reject the lowest (2^64 mod span) outputs so every residue is equally likely.
  const uint64_t threshold = (std::numeric_limits<uint64_t>::max() - span + 1) % span;
  uint64_t draw = next();
  while (draw < threshold) {
    draw = next();
  }
  return static_cast<int64_t>(static_cast<uint64_t>(low) + draw % span);
}

bool DemoRandom::chance(int percent) { return uniform(0, 99) < percent; }

size_t DemoRandom::pick_weighted(std::span<const int> weights) {
  int64_t total = 0;
  for (const int weight : weights) {
    total += weight;
  }
  int64_t draw = uniform(0, total - 1);
  for (size_t index = 0; index < weights.size(); ++index) {
    if (draw < weights[index]) {
      return index;
    }
    draw -= weights[index];
  }
  return weights.size() - 1;
}

}  // namespace vigie::demo
