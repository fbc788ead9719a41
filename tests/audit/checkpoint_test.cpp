#include "audit/checkpoint.hpp"

#include <sys/stat.h>

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "crypto/signing.hpp"
#include "support/temp_dir.hpp"

namespace vigie::audit {
namespace {

Hash head_of(uint8_t fill) {
  Hash head;
  head.fill(fill);
  return head;
}

TEST(CheckpointTest, SignedCheckpointVerifiesOnlyUnderItsKeyAndFields) {
  const crypto::SigningKeyPair pair = crypto::generate_signing_key_pair();
  const crypto::SigningKeyPair other = crypto::generate_signing_key_pair();
  const Checkpoint checkpoint =
      sign_checkpoint(100, head_of(7), 1'709'630'000'000, pair.secret_key);
  EXPECT_EQ(checkpoint.seq, 100);
  EXPECT_EQ(checkpoint.head, head_of(7));
  EXPECT_EQ(checkpoint.time_ms, 1'709'630'000'000);
  EXPECT_TRUE(checkpoint_valid(checkpoint, pair.public_key));
  EXPECT_FALSE(checkpoint_valid(checkpoint, other.public_key));

  Checkpoint moved = checkpoint;
  moved.seq = 101;
  EXPECT_FALSE(checkpoint_valid(moved, pair.public_key));
  Checkpoint rehead = checkpoint;
  rehead.head[31] ^= 1;
  EXPECT_FALSE(checkpoint_valid(rehead, pair.public_key));
  Checkpoint retimed = checkpoint;
  retimed.time_ms += 1;
  EXPECT_FALSE(checkpoint_valid(retimed, pair.public_key));
}

TEST(CheckpointTest, SignatureIsDomainSeparatedFromTheBareFields) {
  const crypto::SigningKeyPair pair = crypto::generate_signing_key_pair();
  const Checkpoint checkpoint = sign_checkpoint(1, head_of(1), 2, pair.secret_key);
  // The same fields signed without the domain string do not make a valid checkpoint.
  std::vector<uint8_t> bare;
  for (int64_t field : {int64_t{1}}) {
    for (int shift = 0; shift < 64; shift += 8) {
      bare.push_back(static_cast<uint8_t>(field >> shift));
    }
  }
  for (uint8_t byte : checkpoint.head) {
    bare.push_back(byte);
  }
  for (int shift = 0; shift < 64; shift += 8) {
    bare.push_back(static_cast<uint8_t>(int64_t{2} >> shift));
  }
  Checkpoint forged = checkpoint;
  forged.signature = crypto::sign(pair.secret_key, bare);
  EXPECT_FALSE(checkpoint_valid(forged, pair.public_key));
}

TEST(CheckpointTest, PublicKeyFromTheSecretKeyVerifies) {
  const crypto::SigningKeyPair pair = crypto::generate_signing_key_pair();
  const Checkpoint checkpoint = sign_checkpoint(5, head_of(9), 6, pair.secret_key);
  EXPECT_TRUE(checkpoint_valid(checkpoint, crypto::signing_public_key(pair.secret_key)));
}

TEST(CheckpointTest, LineRoundTrip) {
  const crypto::SigningKeyPair pair = crypto::generate_signing_key_pair();
  const Checkpoint checkpoint =
      sign_checkpoint(1000, head_of(0xAB), 1'709'630'000'123, pair.secret_key);
  const std::string line = format_checkpoint_line(checkpoint);
  EXPECT_TRUE(line.starts_with("vigie-checkpoint v1 1000 abababab"));
  EXPECT_EQ(line.size(), std::string("vigie-checkpoint v1 1000  1709630000123 ").size() + 64 + 128);
  Result<Checkpoint> parsed = parse_checkpoint_line(line);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, checkpoint);
  EXPECT_TRUE(checkpoint_valid(*parsed, pair.public_key));
}

TEST(CheckpointTest, MalformedLinesAreIntegrityErrors) {
  const std::string head(64, 'a');
  const std::string signature(128, 'b');
  const std::string good = fmt::format("vigie-checkpoint v1 12 {} 34 {}", head, signature);
  ASSERT_TRUE(parse_checkpoint_line(good).has_value());
  for (const std::string& line : std::vector<std::string>{
           "",
           fmt::format("vigie-checkpoint v2 12 {} 34 {}", head, signature),
           fmt::format("vigie-checkpoint  v1 12 {} 34 {}", head, signature),
           fmt::format("vigie-checkpoint v1  12 {} 34 {}", head, signature),
           fmt::format("vigie-checkpoint v1 12 {} 34 {} ", head, signature),
           fmt::format("vigie-checkpoint v1 12 {} 34 {}\r", head, signature),
           fmt::format("vigie-checkpoint v1 12 {} 34", head),
           fmt::format("vigie-checkpoint v1 012 {} 34 {}", head, signature),
           fmt::format("vigie-checkpoint v1 -12 {} 34 {}", head, signature),
           fmt::format("vigie-checkpoint v1 +12 {} 34 {}", head, signature),
           fmt::format("vigie-checkpoint v1 99999999999999999999 {} 34 {}", head, signature),
           fmt::format("vigie-checkpoint v1 12 {} 34 {}", std::string(64, 'A'), signature),
           fmt::format("vigie-checkpoint v1 12 {} 34 {}", std::string(63, 'a'), signature),
           fmt::format("vigie-checkpoint v1 12 {} 34 {}", head, std::string(130, 'b')),
           fmt::format("vigie-checkpoint v1 12 {} 34 {}g", head, std::string(127, 'b')),
           fmt::format("vigie-checkpoint v1 1x {} 34 {}", head, signature),
       }) {
    Result<Checkpoint> parsed = parse_checkpoint_line(line);
    ASSERT_FALSE(parsed.has_value()) << line;
    EXPECT_EQ(parsed.error().code, ErrorCode::kIntegrity);
  }
}

TEST(CheckpointFileTest, AppendThenReadInOrder) {
  const vigie::testing::TempDir dir;
  const std::filesystem::path file = dir / "checkpoints.log";
  const crypto::SigningKeyPair pair = crypto::generate_signing_key_pair();
  const Checkpoint first = sign_checkpoint(100, head_of(1), 10, pair.secret_key);
  const Checkpoint second = sign_checkpoint(200, head_of(2), 20, pair.secret_key);
  ASSERT_TRUE(append_checkpoint_file(file, first).has_value());
  ASSERT_TRUE(append_checkpoint_file(file, second).has_value());

  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(vigie::testing::read_file(file),
            format_checkpoint_line(first) + "\n" + format_checkpoint_line(second) + "\n");

  Result<std::vector<Checkpoint>> read = read_checkpoint_file(file);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, (std::vector<Checkpoint>{first, second}));
}

TEST(CheckpointFileTest, MissingEmptyAndDamagedFiles) {
  const vigie::testing::TempDir dir;
  EXPECT_EQ(read_checkpoint_file(dir / "absent").error().code, ErrorCode::kNotFound);

  vigie::testing::write_file(dir / "empty", "");
  Result<std::vector<Checkpoint>> empty = read_checkpoint_file(dir / "empty");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());

  const crypto::SigningKeyPair pair = crypto::generate_signing_key_pair();
  const std::string line =
      format_checkpoint_line(sign_checkpoint(1, head_of(3), 4, pair.secret_key));
  vigie::testing::write_file(dir / "torn", line + "\n" + line.substr(0, 40));
  Result<std::vector<Checkpoint>> torn = read_checkpoint_file(dir / "torn");
  ASSERT_FALSE(torn.has_value());
  EXPECT_EQ(torn.error().code, ErrorCode::kIntegrity);
  EXPECT_NE(torn.error().message.find("line 2"), std::string::npos);

  vigie::testing::write_file(dir / "blank", line + "\n\n");
  EXPECT_EQ(read_checkpoint_file(dir / "blank").error().code, ErrorCode::kIntegrity);
}

TEST(CheckpointFileTest, AppendToAnUnwritablePlaceFails) {
  const vigie::testing::TempDir dir;
  const crypto::SigningKeyPair pair = crypto::generate_signing_key_pair();
  Result<void> appended = append_checkpoint_file(
      dir / "no-such-dir" / "checkpoints.log", sign_checkpoint(1, head_of(3), 4, pair.secret_key));
  ASSERT_FALSE(appended.has_value());
  EXPECT_EQ(appended.error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace vigie::audit
