#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/error.hpp"

// libsodium's secretstream (XChaCha20-Poly1305), for files too large to seal in one piece: a
// stream of chunks, each authenticated, in an order that cannot be changed, cut or extended
// without the next pull failing; the last chunk carries the FINAL tag, so a truncated stream is
// told from a whole one. Used by lifecycle/ for sealed backups.

namespace vigie::crypto {

inline constexpr size_t kStreamKeyBytes = 32;
inline constexpr size_t kStreamHeaderBytes = 24;
// Bytes each pushed chunk adds to its plaintext.
inline constexpr size_t kStreamChunkOverhead = 17;

using StreamHeader = std::array<uint8_t, kStreamHeaderBytes>;

// The sealing side. Not thread-safe; its state lives in locked memory and is zeroed on release.
class StreamSealer {
 public:
  // Starts a stream under `key` (kStreamKeyBytes of locked memory; anything else is a programming
  // error and aborts); header() is then the random header the opener needs.
  explicit StreamSealer(std::span<const uint8_t> key);
  ~StreamSealer();
  StreamSealer(const StreamSealer&) = delete;
  StreamSealer& operator=(const StreamSealer&) = delete;

  [[nodiscard]] const StreamHeader& header() const { return header_; }
  // Seals one chunk, binding `associated_data`; `final` marks the last chunk of the stream.
  // Returns plaintext.size() + kStreamChunkOverhead bytes.
  [[nodiscard]] std::vector<uint8_t> push(std::span<const uint8_t> plaintext,
                                          std::span<const uint8_t> associated_data, bool final);

 private:
  struct State;
  std::unique_ptr<State> state_;
  StreamHeader header_{};
};

// The opening side. Not thread-safe.
class StreamOpener {
 public:
  // kIntegrity when `header` cannot start a stream under `key`.
  [[nodiscard]] static Result<StreamOpener> start(std::span<const uint8_t> key,
                                                  const StreamHeader& header);
  ~StreamOpener();
  StreamOpener(StreamOpener&&) noexcept;
  StreamOpener& operator=(StreamOpener&&) noexcept;
  StreamOpener(const StreamOpener&) = delete;
  StreamOpener& operator=(const StreamOpener&) = delete;

  struct Chunk {
    std::vector<uint8_t> plaintext;
    bool final = false;
  };
  // Opens the next chunk. kIntegrity, with no plaintext, when the chunk was altered, moved,
  // sealed under another key or with other associated data, or follows the final chunk.
  [[nodiscard]] Result<Chunk> pull(std::span<const uint8_t> sealed,
                                   std::span<const uint8_t> associated_data);

 private:
  struct State;
  explicit StreamOpener(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
  bool ended_ = false;
};

}  // namespace vigie::crypto
