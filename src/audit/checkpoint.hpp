#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/chain.hpp"
#include "common/error.hpp"
#include "crypto/secret_bytes.hpp"

namespace vigie::audit {

// A signed statement that the audit log held `seq` entries with chain hash `head` at `time_ms`.
// Kept in the vault and, when configured, appended to an external file that an attacker holding
// the vault cannot rewrite.
struct Checkpoint {
  int64_t seq = 0;
  Hash head{};
  int64_t time_ms = 0;
  std::array<uint8_t, 64> signature{};

  bool operator==(const Checkpoint&) const = default;
};

// Signs (seq, head, time_ms) with the vault's Ed25519 audit key (64 bytes; anything else is a
// programming error and aborts). The signed message is domain-separated:
// "vigie-audit-checkpoint-v1" || seq || head || time_ms, integers as 8 bytes little-endian.
[[nodiscard]] Checkpoint sign_checkpoint(int64_t seq, const Hash& head, int64_t time_ms,
                                         const crypto::SecretBytes& signing_secret_key);

// True only if the checkpoint's signature is valid for its fields under `public_key`.
[[nodiscard]] bool checkpoint_valid(const Checkpoint& checkpoint,
                                    std::span<const uint8_t> public_key);

// One line of the external file, without the newline:
// "vigie-checkpoint v1 <seq> <head-hex> <time_ms> <signature-hex>" (decimal integers, lowercase
// hex).
[[nodiscard]] std::string format_checkpoint_line(const Checkpoint& checkpoint);

// Reverses format_checkpoint_line. kIntegrity on anything it would not produce: another prefix
// or version, extra or missing spaces, signs, leading zeros, out-of-range numbers, uppercase or
// wrong-length hex, trailing characters. Does not check the signature.
[[nodiscard]] Result<Checkpoint> parse_checkpoint_line(std::string_view line);

// Every checkpoint of an external file, in file order. kNotFound when the file does not exist,
// kIntegrity (naming the line number) when a line is malformed or the last line lacks its
// newline, kInternal when it cannot be read. An empty file holds no checkpoints.
[[nodiscard]] Result<std::vector<Checkpoint>> read_checkpoint_file(
    const std::filesystem::path& path);

// Appends one line to the external file (created with mode 0600 if absent) with O_APPEND and
// fsyncs it (and its directory when the file is new). kInternal on any I/O failure.
[[nodiscard]] Result<void> append_checkpoint_file(const std::filesystem::path& path,
                                                  const Checkpoint& checkpoint);

}  // namespace vigie::audit
