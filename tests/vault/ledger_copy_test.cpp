// The erasure ledger's copy outside the vault (vault/ledger_copy.hpp): its lines, the chain of
// signatures that detects an edited, removed, added or moved line, and the append that refuses
// to chain onto an altered end.

#include "vault/ledger_copy.hpp"

#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/signing.hpp"
#include "support/temp_dir.hpp"

namespace vigie::vault {
namespace {

store::ErasureLedgerEntry entry_of(uint8_t fill, int64_t erased_ms) {
  return store::ErasureLedgerEntry{std::vector<uint8_t>(32, fill), erased_ms};
}

std::vector<store::ErasureLedgerEntry> three_entries() {
  return {entry_of(1, 1'700'000'000'000), entry_of(2, 1'700'000'000'001),
          entry_of(3, 1'700'000'000'002)};
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t newline = text.find('\n'); newline != std::string::npos;
       newline = text.find('\n', start)) {
    lines.push_back(text.substr(start, newline - start + 1));
    start = newline + 1;
  }
  return lines;
}

class LedgerCopyTest : public ::testing::Test {
 protected:
  Result<void> verify_file() {
    auto lines = read_ledger_copy(path_);
    if (!lines) {
      return tl::unexpected(lines.error());
    }
    return verify_ledger_copy(*lines, pair_.public_key);
  }

  crypto::SigningKeyPair pair_ = crypto::generate_signing_key_pair();
  testing::TempDir dir_;
  std::filesystem::path path_ = dir_ / "erasures.ledger";
};

TEST_F(LedgerCopyTest, LinesFormatAndParseBackExactly) {
  const LedgerCopyLine line = sign_ledger_copy_line(nullptr, entry_of(0xab, 42), pair_.secret_key);
  EXPECT_EQ(line.seq, 1);
  const std::string text = format_ledger_copy_line(line);
  EXPECT_TRUE(text.starts_with("vigie-erasure v1 1 abab"));
  auto parsed = parse_ledger_copy_line(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, line);
  const LedgerCopyLine next = sign_ledger_copy_line(&line, entry_of(0xcd, 43), pair_.secret_key);
  EXPECT_EQ(next.seq, 2);
  const std::vector<LedgerCopyLine> both{line, next};
  EXPECT_TRUE(verify_ledger_copy(both, pair_.public_key));
}

TEST_F(LedgerCopyTest, AnythingTheFormatterWouldNotWriteIsRefused) {
  const std::string good =
      format_ledger_copy_line(sign_ledger_copy_line(nullptr, entry_of(7, 5), pair_.secret_key));
  ASSERT_TRUE(parse_ledger_copy_line(good));
  const std::string hash(64, '7');
  const std::string signature(128, 'a');
  for (const std::string& bad : std::vector<std::string>{
           "",
           "vigie-erasure v2 1 " + hash + " 5 " + signature,
           "vigie-checkpoint v1 1 " + hash + " 5 " + signature,
           "vigie-erasure v1 0 " + hash + " 5 " + signature,
           "vigie-erasure v1 01 " + hash + " 5 " + signature,
           "vigie-erasure v1 -1 " + hash + " 5 " + signature,
           "vigie-erasure v1 1  " + hash + " 5 " + signature,
           "vigie-erasure v1 1 " + hash.substr(2) + " 5 " + signature,
           "vigie-erasure v1 1 " + std::string(64, 'A') + " 5 " + signature,
           "vigie-erasure v1 1 " + hash + " 99999999999999999999 " + signature,
           "vigie-erasure v1 1 " + hash + " 5 " + signature + " ",
           "vigie-erasure v1 1 " + hash + " 5 " + signature + "00",
           good + "\r",
       }) {
    auto parsed = parse_ledger_copy_line(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kIntegrity);
  }
}

TEST_F(LedgerCopyTest, AppendedEntriesChainAndVerifyUnderTheVaultsKeyOnly) {
  ASSERT_TRUE(append_ledger_copy(path_, std::vector{three_entries()[0]}, pair_.secret_key));
  ASSERT_TRUE(append_ledger_copy(path_, std::vector{three_entries()[1], three_entries()[2]},
                                 pair_.secret_key));
  struct stat status {};
  ASSERT_EQ(::stat(path_.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0600U);
  auto lines = read_ledger_copy(path_);
  ASSERT_TRUE(lines) << lines.error().message;
  ASSERT_EQ(lines->size(), 3U);
  EXPECT_TRUE(verify_ledger_copy(*lines, pair_.public_key));
  const auto entries = ledger_entries(*lines);
  ASSERT_EQ(entries.size(), 3U);
  EXPECT_EQ(entries[1].compartment_hash, three_entries()[1].compartment_hash);
  EXPECT_EQ(entries[2].erased_ms, three_entries()[2].erased_ms);
  // Another vault's key: refused at the first line.
  const crypto::SigningKeyPair other = crypto::generate_signing_key_pair();
  auto foreign = verify_ledger_copy(*lines, other.public_key);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kIntegrity);
  EXPECT_NE(foreign.error().message.find("line 1"), std::string::npos);
}

TEST_F(LedgerCopyTest, AnEditedRemovedAddedOrMovedLineIsRefusedNamingIt) {
  ASSERT_TRUE(append_ledger_copy(path_, three_entries(), pair_.secret_key));
  const std::string original = testing::read_file(path_);
  const std::vector<std::string> lines = lines_of(original);
  ASSERT_EQ(lines.size(), 3U);
  ASSERT_TRUE(verify_file());

  auto expect_refused = [&](const std::string& text, const std::string& names) {
    write_text(path_, text);
    auto verified = verify_file();
    ASSERT_FALSE(verified) << names;
    EXPECT_EQ(verified.error().code, ErrorCode::kIntegrity);
    EXPECT_NE(verified.error().message.find(names), std::string::npos) << verified.error().message;
    EXPECT_FALSE(verified.error().french.empty());
  };
  // Edited: one hash digit, one time, changed.
  std::string edited = lines[1];
  edited[20] = edited[20] == '0' ? '1' : '0';
  expect_refused(lines[0] + edited + lines[2], "line 2");
  std::string retimed = lines[2];
  retimed.replace(retimed.find(" 1700000000002 "), 15, " 1700000000009 ");
  expect_refused(lines[0] + lines[1] + retimed, "line 3");
  // Removed in the middle or at the start.
  expect_refused(lines[0] + lines[2], "line 2");
  expect_refused(lines[1] + lines[2], "line 1");
  // Moved.
  expect_refused(lines[0] + lines[2] + lines[1], "line 2");
  // Renumbered after a removal: the chain of signatures still breaks.
  std::string renumbered = lines[2];
  renumbered.replace(renumbered.find(" v1 3 "), 6, " v1 2 ");
  expect_refused(lines[0] + renumbered, "line 2");
  // Added: a copy of a line at the end.
  std::string added = lines[0];
  added.replace(added.find(" v1 1 "), 6, " v1 4 ");
  expect_refused(original + added, "line 4");
  // Cut in the middle of a line.
  expect_refused(original.substr(0, original.size() - 10), "line 3");
  // Cut at a line boundary: the file alone cannot tell; Vault::verified_ledger_copy compares it
  // with the restored keyring's ledger.
  write_text(path_, lines[0] + lines[1]);
  EXPECT_TRUE(verify_file());
}

TEST_F(LedgerCopyTest, AnAppendRefusesToChainOntoAnAlteredEnd) {
  ASSERT_TRUE(append_ledger_copy(path_, three_entries(), pair_.secret_key));
  const std::string original = testing::read_file(path_);
  const std::vector<std::string> lines = lines_of(original);
  for (const std::string& altered : std::vector<std::string>{
           original.substr(0, original.size() - 1),             // last newline gone
           original + "garbage\n",                              // not a line
           lines[0] + lines[2],                                 // the line before the last removed
           lines[0] + lines[1] + lines[2].substr(0, 40) + "\n"  // last line cut
       }) {
    write_text(path_, altered);
    auto appended = append_ledger_copy(path_, std::vector{entry_of(9, 9)}, pair_.secret_key);
    ASSERT_FALSE(appended);
    EXPECT_EQ(appended.error().code, ErrorCode::kIntegrity);
    EXPECT_EQ(testing::read_file(path_), altered);
  }
  // Another vault's copy: its last line does not verify under this key.
  write_text(path_, original);
  const crypto::SigningKeyPair other = crypto::generate_signing_key_pair();
  EXPECT_FALSE(append_ledger_copy(path_, std::vector{entry_of(9, 9)}, other.secret_key));
  EXPECT_TRUE(append_ledger_copy(path_, std::vector{entry_of(9, 9)}, pair_.secret_key));
  EXPECT_TRUE(verify_file());
}

TEST_F(LedgerCopyTest, AMissingFileIsNotFoundAndAnEmptyOneHoldsNothing) {
  auto missing = read_ledger_copy(path_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  write_text(path_, "");
  auto empty = read_ledger_copy(path_);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace vigie::vault
