// The data backup's header, below the gate: what parse_backup_header accepts and refuses.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lifecycle/backup.hpp"

namespace vigie {
namespace {

std::span<const uint8_t> bytes_of(const std::string& text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

TEST(BackupHeaderTest, AHeaderRoundTrips) {
  lifecycle::BackupHeader header;
  header.created_ms = 1'765'000'000'123;
  header.wrapped_file_key.fill(0xAB);
  header.stream_header.fill(0x5C);
  const std::vector<uint8_t> bytes = lifecycle::format_backup_header(header);
  ASSERT_EQ(bytes.size(), lifecycle::kBackupHeaderBytes);
  auto parsed = lifecycle::parse_backup_header(bytes);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->created_ms, header.created_ms);
  EXPECT_EQ(parsed->wrapped_file_key, header.wrapped_file_key);
  EXPECT_EQ(parsed->stream_header, header.stream_header);
}

TEST(BackupHeaderTest, AnythingButAVersionOneHeaderIsRefused) {
  const std::vector<uint8_t> good = lifecycle::format_backup_header({});
  for (size_t length = 0; length < good.size(); ++length) {
    auto parsed = lifecycle::parse_backup_header(std::span<const uint8_t>(good).first(length));
    ASSERT_FALSE(parsed) << length;
    EXPECT_EQ(parsed.error().code, ErrorCode::kIntegrity);
  }
  for (size_t at = 0; at < lifecycle::kBackupMagic.size(); ++at) {
    std::vector<uint8_t> other = good;
    other[at] ^= 0x20;
    EXPECT_FALSE(lifecycle::parse_backup_header(other)) << at;
  }
  const std::string sqlite = "SQLite format 3" + std::string(200, '\0');
  EXPECT_FALSE(lifecycle::parse_backup_header(bytes_of(sqlite)));
}

}  // namespace
}  // namespace vigie
