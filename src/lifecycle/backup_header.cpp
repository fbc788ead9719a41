#include "lifecycle/backup_header.hpp"

#include <algorithm>
#include <string>

namespace vigie::lifecycle {

void put_u64(std::vector<uint8_t>& out, uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8) {
    out.push_back(static_cast<uint8_t>(value >> shift));
  }
}

uint64_t get_u64(std::span<const uint8_t> in) {
  uint64_t value = 0;
  for (size_t index = 0; index < 8; ++index) {
    value |= uint64_t{in[index]} << (8 * index);
  }
  return value;
}

std::vector<uint8_t> format_backup_header(const BackupHeader& header) {
  std::vector<uint8_t> bytes(kBackupMagic.begin(), kBackupMagic.end());
  put_u64(bytes, static_cast<uint64_t>(header.created_ms));
  bytes.insert(bytes.end(), header.wrapped_file_key.begin(), header.wrapped_file_key.end());
  bytes.insert(bytes.end(), header.stream_header.begin(), header.stream_header.end());
  return bytes;
}

Result<BackupHeader> parse_backup_header(std::span<const uint8_t> bytes) {
  if (bytes.size() < kBackupHeaderBytes ||
      !std::equal(
          kBackupMagic.begin(), kBackupMagic.end(), bytes.begin(),
          [](char expected, uint8_t got) { return static_cast<uint8_t>(expected) == got; })) {
    return fail(ErrorCode::kIntegrity,
                "ce n'est pas une sauvegarde de données vigie (ou d'une autre version)",
                "not a vigie data backup (or one of another format version)");
  }
  BackupHeader header;
  size_t at = kBackupMagic.size();
  header.created_ms = static_cast<int64_t>(get_u64(bytes.subspan(at, 8)));
  at += 8;
  std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), kWrappedFileKeyBytes,
              header.wrapped_file_key.begin());
  at += kWrappedFileKeyBytes;
  std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), crypto::kStreamHeaderBytes,
              header.stream_header.begin());
  return header;
}

}  // namespace vigie::lifecycle
