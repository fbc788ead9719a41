#include "audit/verify.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "audit/chain.hpp"
#include "audit/checkpoint.hpp"
#include "audit/entry.hpp"
#include "audit/sample_entries.hpp"
#include "crypto/signing.hpp"

namespace vigie::audit {
namespace {

struct Row {
  int64_t seq = 0;
  std::vector<uint8_t> canonical;
  Hash hash{};
};

struct Log {
  std::vector<Row> rows;
  std::vector<Checkpoint> checkpoints;
};

struct VerifyRun {
  std::optional<VerifyFailure> failure;
  int64_t verified = 0;
};

class VerifyTest : public ::testing::Test {
 protected:
  // `count` entries with a checkpoint every `every` entries, as the vault would store them.
  Log make_log(int64_t count, int64_t every) const {
    Log log;
    Hash head = kGenesisHash;
    for (int64_t seq = 1; seq <= count; ++seq) {
      std::vector<uint8_t> canonical = encode(testing::sample_entry(seq));
      head = chain_hash(head, canonical);
      log.rows.push_back({seq, std::move(canonical), head});
      if (seq % every == 0) {
        log.checkpoints.push_back(sign_checkpoint(seq, head, seq * 1000, keys_.secret_key));
      }
    }
    return log;
  }

  // Recomputes the stored hashes from row `from` on, as an attacker holding the vault would.
  static void rehash_from(Log& log, size_t from) {
    Hash head = from == 0 ? kGenesisHash : log.rows[from - 1].hash;
    for (size_t index = from; index < log.rows.size(); ++index) {
      head = chain_hash(head, log.rows[index].canonical);
      log.rows[index].hash = head;
    }
  }

  VerifyRun verify(const std::vector<Row>& rows, const std::vector<Checkpoint>& stored,
                   const std::vector<Checkpoint>& external) const {
    ChainVerifier verifier(stored, external, keys_.public_key);
    for (const Row& row : rows) {
      if (std::optional<VerifyFailure> failure =
              verifier.feed(StoredEntry{row.seq, row.canonical, row.hash})) {
        return {failure, verifier.verified()};
      }
    }
    return {verifier.finish(), verifier.verified()};
  }

  VerifyRun verify(const Log& log, const std::vector<Checkpoint>& external = {}) const {
    return verify(log.rows, log.checkpoints, external);
  }

  static void expect_failure(const VerifyRun& outcome, int64_t seq,
                             const std::string& reason_part) {
    ASSERT_TRUE(outcome.failure.has_value()) << "expected a failure at " << seq;
    EXPECT_EQ(outcome.failure->seq, seq) << outcome.failure->reason;
    EXPECT_NE(outcome.failure->reason.find(reason_part), std::string::npos)
        << outcome.failure->reason;
  }

  crypto::SigningKeyPair keys_ = crypto::generate_signing_key_pair();
};

TEST_F(VerifyTest, CleanChainVerifies) {
  const Log log = make_log(1000, 100);
  ASSERT_EQ(log.checkpoints.size(), 10u);
  const VerifyRun outcome = verify(log, log.checkpoints);
  EXPECT_FALSE(outcome.failure.has_value()) << outcome.failure->reason;
  EXPECT_EQ(outcome.verified, 1000);
}

TEST_F(VerifyTest, EmptyLogWithoutCheckpointsVerifies) {
  const VerifyRun outcome = verify(Log{});
  EXPECT_FALSE(outcome.failure.has_value());
  EXPECT_EQ(outcome.verified, 0);
}

TEST_F(VerifyTest, CheckpointsMayComeInAnyOrder) {
  Log log = make_log(300, 100);
  std::reverse(log.checkpoints.begin(), log.checkpoints.end());
  EXPECT_FALSE(verify(log, log.checkpoints).failure.has_value());
}

TEST_F(VerifyTest, GenesisCheckpointIsAccepted) {
  const Log log = make_log(10, 5);
  const Checkpoint genesis = sign_checkpoint(0, kGenesisHash, 0, keys_.secret_key);
  EXPECT_FALSE(verify(log, {genesis}).failure.has_value());
  EXPECT_FALSE(verify(Log{}, {genesis}).failure.has_value());
  const Checkpoint wrong = sign_checkpoint(0, log.rows[0].hash, 0, keys_.secret_key);
  expect_failure(verify(log, {wrong}), 0, "does not match");
}

TEST_F(VerifyTest, EveryModifiedByteIsFoundAtItsEntry) {
  const Log log = make_log(1000, 100);
  const std::vector<uint8_t>& target = log.rows[499].canonical;
  for (size_t offset = 0; offset < target.size(); ++offset) {
    Log tampered = log;
    tampered.rows[499].canonical[offset] ^= 0x01;
    const VerifyRun outcome = verify(tampered, log.checkpoints);
    expect_failure(outcome, 500, "modified");
    EXPECT_EQ(outcome.verified, 499);
  }
}

TEST_F(VerifyTest, ModifiedStoredHashIsFound) {
  Log log = make_log(1000, 100);
  log.rows[41].hash[0] ^= 0x80;
  expect_failure(verify(log), 42, "modified");
}

TEST_F(VerifyTest, EntryRecordingAnotherSeqIsModified) {
  Log log = make_log(1000, 100);
  log.rows[499].canonical = encode(testing::sample_entry(501));
  rehash_from(log, 499);
  expect_failure(verify(log), 500, "records sequence number 501");
}

TEST_F(VerifyTest, RewrittenAndRehashedEntryIsCaughtByTheNextCheckpoint) {
  Log log = make_log(1000, 100);
  Entry forged = testing::sample_entry(450);
  forged.actor.login = "someone-else";
  log.rows[449].canonical = encode(forged);
  rehash_from(log, 449);
  const VerifyRun outcome = verify(log);
  expect_failure(outcome, 500, "stored checkpoint at entry 500 does not match");
  EXPECT_EQ(outcome.verified, 500);
}

TEST_F(VerifyTest, RemovedEntryIsMissing) {
  Log log = make_log(1000, 100);
  log.rows.erase(log.rows.begin() + 499);
  const VerifyRun outcome = verify(log);
  expect_failure(outcome, 500, "entry 500 is missing");
  EXPECT_EQ(outcome.verified, 499);
}

TEST_F(VerifyTest, RemovedFirstEntryIsMissing) {
  Log log = make_log(10, 5);
  log.rows.erase(log.rows.begin());
  expect_failure(verify(log), 1, "entry 1 is missing");
}

TEST_F(VerifyTest, GapBeforeTheLastRowIsReportedByFinish) {
  Log log = make_log(10, 100);
  log.rows.erase(log.rows.begin() + 8);
  expect_failure(verify(log), 9, "entry 9 is missing");
}

TEST_F(VerifyTest, RowBeforeTheFirstPositionIsModified) {
  Log log = make_log(10, 5);
  log.rows.insert(log.rows.begin(), Row{0, encode(testing::sample_entry(0)), Hash{}});
  expect_failure(verify(log), 0, "sequence numbers start at 1");
}

TEST_F(VerifyTest, SwappedRowsAreReordered) {
  Log log = make_log(1000, 100);
  std::swap(log.rows[499], log.rows[500]);
  const VerifyRun outcome = verify(log);
  expect_failure(outcome, 500, "reordered");
  EXPECT_EQ(outcome.verified, 499);
}

TEST_F(VerifyTest, SwappedContentsAreModified) {
  Log log = make_log(1000, 100);
  std::swap(log.rows[499].canonical, log.rows[500].canonical);
  std::swap(log.rows[499].hash, log.rows[500].hash);
  expect_failure(verify(log), 500, "modified");
}

TEST_F(VerifyTest, RepeatedRowIsReordered) {
  Log log = make_log(20, 10);
  log.rows.insert(log.rows.begin() + 12, log.rows[5]);
  expect_failure(verify(log), 6, "reordered");
}

TEST_F(VerifyTest, TruncationIsFoundAgainstTheExternalCheckpoint) {
  Log log = make_log(1000, 100);
  const std::vector<Checkpoint> external = log.checkpoints;
  log.rows.resize(990);
  log.checkpoints.resize(9);  // the attacker removes the vault's checkpoint at 1000 too
  const VerifyRun outcome = verify(log, external);
  expect_failure(outcome, 991, "truncated");
  EXPECT_NE(outcome.failure->reason.find("external checkpoint at entry 1000"), std::string::npos);
  EXPECT_EQ(outcome.verified, 990);
}

TEST_F(VerifyTest, EmptiedLogIsTruncated) {
  const Log log = make_log(100, 50);
  expect_failure(verify({}, {}, log.checkpoints), 1, "truncated");
}

TEST_F(VerifyTest, TruncationAgainstAStoredCheckpointIsFound) {
  Log log = make_log(100, 50);
  log.rows.resize(60);
  expect_failure(verify(log), 61, "stored checkpoint at entry 100");
}

TEST_F(VerifyTest, ForgedStoredCheckpointHasABadSignature) {
  Log log = make_log(1000, 100);
  const crypto::SigningKeyPair attacker = crypto::generate_signing_key_pair();
  log.checkpoints[2] = sign_checkpoint(300, log.rows[299].hash, 300'000, attacker.secret_key);
  expect_failure(verify(log), 300, "stored checkpoint at entry 300 has a bad signature");
}

TEST_F(VerifyTest, ForgedExternalCheckpointHasABadSignature) {
  const Log log = make_log(1000, 100);
  std::vector<Checkpoint> external = log.checkpoints;
  external[4].time_ms += 1;
  expect_failure(verify(log, external), 500,
                 "external checkpoint at entry 500 has a bad signature");
}

TEST_F(VerifyTest, ForgedCheckpointBeyondTheEndIsABadSignatureNotATruncation) {
  const Log log = make_log(100, 50);
  const crypto::SigningKeyPair attacker = crypto::generate_signing_key_pair();
  const Checkpoint forged = sign_checkpoint(5000, Hash{}, 1, attacker.secret_key);
  expect_failure(verify(log, {forged}), 5000, "bad signature");
}

TEST_F(VerifyTest, CheckpointWithAnotherHeadDoesNotMatch) {
  Log log = make_log(1000, 100);
  log.checkpoints[6] = sign_checkpoint(700, log.rows[698].hash, 700'000, keys_.secret_key);
  expect_failure(verify(log), 700, "checkpoint at entry 700 does not match the chain");
}

TEST_F(VerifyTest, CheckpointWithANegativeSeqDoesNotMatch) {
  const Log log = make_log(10, 5);
  const Checkpoint odd = sign_checkpoint(-3, kGenesisHash, 0, keys_.secret_key);
  expect_failure(verify(log, {odd}), -3, "does not match");
}

TEST_F(VerifyTest, FirstFailureWinsAndStaysReported) {
  Log log = make_log(1000, 100);
  log.rows[199].canonical[20] ^= 1;
  log.rows.erase(log.rows.begin() + 600);
  ChainVerifier verifier(log.checkpoints, {}, keys_.public_key);
  std::optional<VerifyFailure> first;
  for (const Row& row : log.rows) {
    if (std::optional<VerifyFailure> failure =
            verifier.feed(StoredEntry{row.seq, row.canonical, row.hash})) {
      if (!first) {
        first = failure;
      }
      EXPECT_EQ(failure->seq, 200);
    }
  }
  ASSERT_TRUE(first.has_value());
  std::optional<VerifyFailure> at_end = verifier.finish();
  ASSERT_TRUE(at_end.has_value());
  EXPECT_EQ(at_end->seq, 200);
  EXPECT_EQ(verifier.verified(), 199);
}

}  // namespace
}  // namespace vigie::audit
