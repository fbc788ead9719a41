#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"

namespace vigie::crypto {

// libsodium's crypto_secretstream_xchacha20poly1305: a sequence of messages under one key, each
// authenticated and bound to its place in the sequence, the last one tagged final, so that a
// reordered, dropped, truncated or modified message fails (migration packages, sealed backups).
// A message may also be bound to associated data (a backup binds each chunk to its file header).
inline constexpr size_t kStreamKeyBytes = 32;
inline constexpr size_t kStreamHeaderBytes = 24;
inline constexpr size_t kStreamMessageOverhead = 17;  // crypto_secretstream_..._ABYTES

using StreamHeader = std::array<uint8_t, kStreamHeaderBytes>;

// Encrypts messages in order. Not copyable; its state is locked memory, zeroed on release.
class StreamSealer {
 public:
  // `key` must be kStreamKeyBytes long (anything else is a programming error and aborts).
  explicit StreamSealer(std::span<const uint8_t> key);
  // The header the opener needs first (not secret).
  [[nodiscard]] const std::array<uint8_t, kStreamHeaderBytes>& header() const { return header_; }
  // One message: plaintext.size() + kStreamMessageOverhead bytes. `final` marks the last one;
  // `associated_data` is authenticated with it, not stored in it.
  [[nodiscard]] std::vector<uint8_t> seal(std::span<const uint8_t> plaintext, bool final,
                                          std::span<const uint8_t> associated_data = {});

 private:
  SecretBytes state_;
  std::array<uint8_t, kStreamHeaderBytes> header_{};
};

// Decrypts what a StreamSealer made, in the same order.
class StreamOpener {
 public:
  // kIntegrity when the header is not one libsodium accepts.
  [[nodiscard]] static Result<StreamOpener> start(std::span<const uint8_t> key,
                                                  std::span<const uint8_t> header);
  struct Message {
    std::vector<uint8_t> plaintext;
    bool final = false;
  };
  // kIntegrity when the message was modified, reordered, comes after the final one, or was sealed
  // with other associated data.
  [[nodiscard]] Result<Message> open(std::span<const uint8_t> sealed,
                                     std::span<const uint8_t> associated_data = {});

 private:
  StreamOpener() = default;
  SecretBytes state_;
  bool ended_ = false;
};

// A fresh random stream key, in locked memory.
[[nodiscard]] SecretBytes new_stream_key();

}  // namespace vigie::crypto
