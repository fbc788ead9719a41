#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "crypto/secret_stream.hpp"

// The header of a sealed data backup (lifecycle/backup.hpp): the first bytes a restore reads
// from an untrusted file, parsed before any key is used (fuzz/fuzz_backup_header.cpp).

namespace vigie::lifecycle {

// The file format of a data backup, version 1:
//   header (kBackupHeaderBytes):
//     magic "VIGIE-BACKUP-V1\n" (16 bytes)
//     created_ms            int64, little-endian
//     wrapped file key      72 bytes: a random 32-byte key, wrapped (XChaCha20-Poly1305) under
//                           the vault's backup key (vault::Vault::backup_key) with the purpose
//                           kFileKeyPurpose
//     stream header         24 bytes (libsodium secretstream)
//   then chunks, each: length (uint32, little-endian, at most kMaxSealedChunkBytes) and that many
//   bytes sealed by the secretstream under the file key, with the whole header as associated data.
//   Each chunk's plaintext is a kind byte and its payload: 'D' bytes of the data file, 'A' bytes
//   of the audit file (every 'D' before any 'A'), and last 'E', the FINAL chunk, whose payload
//   is the two files' sizes (uint64 little-endian each). Nothing may follow it.
inline constexpr std::string_view kBackupMagic = "VIGIE-BACKUP-V1\n";
inline constexpr std::string_view kFileKeyPurpose = "vigie/backup-file-key/v1";
inline constexpr size_t kWrappedFileKeyBytes = 72;
inline constexpr size_t kBackupHeaderBytes =
    kBackupMagic.size() + 8 + kWrappedFileKeyBytes + crypto::kStreamHeaderBytes;
inline constexpr size_t kChunkPayloadBytes = size_t{64} * 1024;
inline constexpr size_t kMaxSealedChunkBytes =
    1 + kChunkPayloadBytes + crypto::kStreamMessageOverhead;

struct BackupHeader {
  int64_t created_ms = 0;
  std::array<uint8_t, kWrappedFileKeyBytes> wrapped_file_key{};
  crypto::StreamHeader stream_header{};
};

// Appends `value` as 8 bytes, least significant first (the header's and the end chunk's form).
void put_u64(std::vector<uint8_t>& out, uint64_t value);
// The value of the first 8 bytes of `in` (at least 8), as put_u64 wrote them.
[[nodiscard]] uint64_t get_u64(std::span<const uint8_t> in);

[[nodiscard]] std::vector<uint8_t> format_backup_header(const BackupHeader& header);
// Reverses format_backup_header on the first bytes of a file. kIntegrity when `bytes` is shorter
// than a header or does not start with the magic (not a vigie data backup, or another version);
// the rest is checked by the keys (an altered header fails the first chunk).
[[nodiscard]] Result<BackupHeader> parse_backup_header(std::span<const uint8_t> bytes);

}  // namespace vigie::lifecycle
