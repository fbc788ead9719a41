#include "audit/chain.hpp"

#include <algorithm>
#include <vector>

#include "crypto/kdf.hpp"

namespace vigie::audit {

namespace {

// Entries up to this size are hashed from a buffer on the stack; larger ones (searches listing
// many targets) from the heap.
constexpr size_t kStackBufferBytes = 1024;

}  // namespace

Hash chain_hash(const Hash& previous, std::span<const uint8_t> canonical) {
  if (previous.size() + canonical.size() <= kStackBufferBytes) {
    std::array<uint8_t, kStackBufferBytes> buffer;
    std::copy(previous.begin(), previous.end(), buffer.begin());
    std::copy(canonical.begin(), canonical.end(), buffer.begin() + previous.size());
    return crypto::blake2b_256(std::span(buffer).first(previous.size() + canonical.size()));
  }
  std::vector<uint8_t> buffer;
  buffer.reserve(previous.size() + canonical.size());
  buffer.insert(buffer.end(), previous.begin(), previous.end());
  buffer.insert(buffer.end(), canonical.begin(), canonical.end());
  return crypto::blake2b_256(buffer);
}

}  // namespace vigie::audit
