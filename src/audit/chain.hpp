#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace vigie::audit {

// A link of the audit hash chain: BLAKE2b-256.
using Hash = std::array<uint8_t, 32>;

// The hash before the first entry.
inline constexpr Hash kGenesisHash{};

// The hash of an entry: BLAKE2b-256(previous || canonical), where `previous` is the hash of the
// entry before it (kGenesisHash for the first) and `canonical` the entry's encode() bytes. Any
// change to an entry, or to any entry before it, changes every hash from there on.
// Thread-safe.
[[nodiscard]] Hash chain_hash(const Hash& previous, std::span<const uint8_t> canonical);

}  // namespace vigie::audit
