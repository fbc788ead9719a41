#include "audit/verify.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "audit/entry.hpp"

namespace vigie::audit {

namespace {

std::string_view source_of(bool external) { return external ? "external" : "stored"; }

}  // namespace

ChainVerifier::ChainVerifier(const std::vector<Checkpoint>& stored_checkpoints,
                             const std::vector<Checkpoint>& external_checkpoints,
                             std::array<uint8_t, 32> public_key)
    : public_key_(public_key) {
  checkpoints_.reserve(stored_checkpoints.size() + external_checkpoints.size());
  for (const Checkpoint& checkpoint : stored_checkpoints) {
    checkpoints_.push_back({checkpoint, false});
  }
  for (const Checkpoint& checkpoint : external_checkpoints) {
    checkpoints_.push_back({checkpoint, true});
  }
  std::stable_sort(checkpoints_.begin(), checkpoints_.end(),
                   [](const PendingCheckpoint& a, const PendingCheckpoint& b) {
                     return a.checkpoint.seq < b.checkpoint.seq;
                   });
}

std::optional<VerifyFailure> ChainVerifier::record(int64_t seq, std::string reason) {
  failure_ = VerifyFailure{seq, std::move(reason)};
  return failure_;
}

std::optional<VerifyFailure> ChainVerifier::check_checkpoints() {
  while (next_checkpoint_ < checkpoints_.size() &&
         checkpoints_[next_checkpoint_].checkpoint.seq <= last_seq_) {
    const PendingCheckpoint& pending = checkpoints_[next_checkpoint_++];
    const Checkpoint& checkpoint = pending.checkpoint;
    if (!checkpoint_valid(checkpoint, public_key_)) {
      return record(checkpoint.seq, fmt::format("the {} checkpoint at entry {} has a bad signature",
                                                source_of(pending.external), checkpoint.seq));
    }
    if (checkpoint.seq != last_seq_ || checkpoint.head != head_) {
      return record(checkpoint.seq,
                    fmt::format("the {} checkpoint at entry {} does not match the chain",
                                source_of(pending.external), checkpoint.seq));
    }
  }
  return std::nullopt;
}

std::optional<VerifyFailure> ChainVerifier::check_row(const StoredEntry& row) {
  const std::optional<int64_t> recorded_seq = canonical_seq(row.canonical);
  if (!recorded_seq) {
    return record(row.seq, fmt::format("entry {} was modified: it does not decode", row.seq));
  }
  if (*recorded_seq != row.seq) {
    return record(row.seq, fmt::format("entry {} was modified: it records sequence number {}",
                                       row.seq, *recorded_seq));
  }
  const Hash hash = chain_hash(head_, row.canonical);
  if (hash != row.stored_hash) {
    return record(row.seq,
                  fmt::format("entry {} was modified: its hash does not match the chain", row.seq));
  }
  head_ = hash;
  last_seq_ = row.seq;
  ++verified_;
  return check_checkpoints();
}

std::optional<VerifyFailure> ChainVerifier::feed(const StoredEntry& row) {
  if (failure_) {
    return failure_;
  }
  const int64_t expected = last_seq_ + 1;
  if (gap_row_seq_) {
    if (row.seq < *gap_row_seq_) {
      return record(expected, fmt::format("entries were reordered: entry {} comes after entry {}",
                                          row.seq, *gap_row_seq_));
    }
    return record(expected, fmt::format("entry {} is missing", expected));
  }
  if (std::optional<VerifyFailure> failure = check_checkpoints()) {
    return failure;
  }
  if (row.seq < 1) {
    return record(row.seq,
                  fmt::format("entry {} was modified: sequence numbers start at 1", row.seq));
  }
  if (row.seq < expected) {
    return record(row.seq, fmt::format("entries were reordered: entry {} comes after entry {}",
                                       row.seq, last_seq_));
  }
  if (row.seq > expected) {
    gap_row_seq_ = row.seq;
    return std::nullopt;
  }
  return check_row(row);
}

std::optional<VerifyFailure> ChainVerifier::finish() {
  if (failure_) {
    return failure_;
  }
  if (gap_row_seq_) {
    return record(last_seq_ + 1, fmt::format("entry {} is missing", last_seq_ + 1));
  }
  if (std::optional<VerifyFailure> failure = check_checkpoints()) {
    return failure;
  }
  if (next_checkpoint_ == checkpoints_.size()) {
    return std::nullopt;
  }
  const PendingCheckpoint& beyond = checkpoints_[next_checkpoint_];
  const Checkpoint& checkpoint = beyond.checkpoint;
  if (!checkpoint_valid(checkpoint, public_key_)) {
    return record(checkpoint.seq, fmt::format("the {} checkpoint at entry {} has a bad signature",
                                              source_of(beyond.external), checkpoint.seq));
  }
  if (last_seq_ == 0) {
    return record(1, fmt::format("the log was truncated: it is empty but the {} checkpoint at "
                                 "entry {} shows it held entries",
                                 source_of(beyond.external), checkpoint.seq));
  }
  return record(last_seq_ + 1,
                fmt::format("the log was truncated: it ends at entry {} but the {} checkpoint at "
                            "entry {} shows it held more",
                            last_seq_, source_of(beyond.external), checkpoint.seq));
}

}  // namespace vigie::audit
