// The data backup's header and seal, below the gate: what parse_backup_header accepts, and that
// the secretstream refuses chunks out of order or after the end.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/backup_stream.hpp"
#include "crypto/secret_bytes.hpp"
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

TEST(BackupStreamTest, ChunksOpenOnlyInOrderWithTheirDataAndNothingAfterTheEnd) {
  const crypto::SecretBytes key = crypto::SecretBytes::random(crypto::kStreamKeyBytes);
  const std::string header_data = "header";
  crypto::StreamSealer sealer(key.view());
  const std::vector<uint8_t> first = sealer.push(bytes_of("one"), bytes_of(header_data), false);
  const std::vector<uint8_t> second = sealer.push(bytes_of("two"), bytes_of(header_data), false);
  const std::vector<uint8_t> last = sealer.push(bytes_of("end"), bytes_of(header_data), true);

  auto in_order = crypto::StreamOpener::start(key.view(), sealer.header());
  ASSERT_TRUE(in_order);
  auto one = in_order->pull(first, bytes_of(header_data));
  ASSERT_TRUE(one);
  EXPECT_FALSE(one->final);
  ASSERT_TRUE(in_order->pull(second, bytes_of(header_data)));
  auto end = in_order->pull(last, bytes_of(header_data));
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->final);
  EXPECT_FALSE(in_order->pull(last, bytes_of(header_data)));

  auto skipped = crypto::StreamOpener::start(key.view(), sealer.header());
  ASSERT_TRUE(skipped);
  EXPECT_FALSE(skipped->pull(second, bytes_of(header_data)));

  auto other_data = crypto::StreamOpener::start(key.view(), sealer.header());
  ASSERT_TRUE(other_data);
  EXPECT_FALSE(other_data->pull(first, bytes_of("HEADER")));

  const crypto::SecretBytes other_key = crypto::SecretBytes::random(crypto::kStreamKeyBytes);
  auto other = crypto::StreamOpener::start(other_key.view(), sealer.header());
  if (other) {
    EXPECT_FALSE(other->pull(first, bytes_of(header_data)));
  }
}

}  // namespace
}  // namespace vigie
