// Issue 12, part 1: waiting for the audit sync holds no thread. The asynchronous read and search
// decide and act on the calling thread, hand their data out only once the entry is durable, and
// reads issued from one thread share syncs. Syncs are counted with bench/sync_counter's VFS shim.

#include <sqlite3.h>

#include <cstdint>
#include <future>
#include <iostream>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "audit/entry.hpp"
#include "bench/sync_counter.hpp"
#include "crypto/secret_bytes.hpp"
#include "gate/gate.hpp"
#include "support/raw_sql.hpp"
#include "support/temp_dir.hpp"
#include "support/vault_contents.hpp"

namespace vigie {
namespace {

using ::testing::SizeIs;

// Registers the sync-counting VFS once for this test binary: connections opened from then on go
// through it (it forwards every call to the default VFS).
void count_wal_syncs() {
  static const bool installed = bench::install_wal_sync_counter().has_value();
  ASSERT_TRUE(installed);
}

using testing::exec_raw;

class GateAsyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    count_wal_syncs();
    auto created = gate::Gate::initialize(
        vault_dir_,
        gate::UnlockSecret{gate::UnlockerKind::kKeyFile, crypto::SecretBytes::copy_of(key_.view())},
        {}, audit::CheckpointPolicy{}, gate::current_local_user());
    ASSERT_TRUE(created) << created.error().message;
    gate_ = std::move(created->gate);
    custodian_.emplace(std::move(created->custodian));
    auto patient = gate_->create(
        *custodian_,
        boost::json::parse(R"({"resourceType":"Patient","name":[{"family":"Asynchrone"}]})")
            .as_object());
    ASSERT_TRUE(patient) << patient.error().message;
    patient_id_ = patient->id;
  }

  // The successful read entries naming Patient/patient_id_, read straight from the data file.
  int64_t stored_reads() const {
    int64_t reads = 0;
    for (const audit::Entry& entry : testing::audit_entries(vault_dir_)) {
      if (entry.action == audit::kActionRead && entry.outcome == audit::Outcome::kSuccess &&
          entry.targets.size() == 1 && entry.targets.front().id == patient_id_) {
        ++reads;
      }
    }
    return reads;
  }

  testing::TempDir dir_;
  std::filesystem::path vault_dir_ = dir_ / "vault";
  crypto::SecretBytes key_ = crypto::SecretBytes::random(32);
  std::optional<gate::Custodian> custodian_;
  std::unique_ptr<gate::Gate> gate_;
  std::string patient_id_;
};

// What a `done` callback saw: the result, and the read entries stored when it ran.
template <typename T>
struct Completion {
  Result<T> result;
  int64_t stored_reads = 0;
};

TEST_F(GateAsyncTest, AReadHandsOutItsResourceOnlyOnceItsEntryIsStored) {
  std::promise<Completion<gate::StoredResource>> completed;
  ASSERT_TRUE(
      gate_->read(*custodian_, "Patient", patient_id_, [&](Result<gate::StoredResource> read) {
        completed.set_value({std::move(read), stored_reads()});
      }));
  Completion<gate::StoredResource> completion = completed.get_future().get();
  ASSERT_TRUE(completion.result) << completion.result.error().message;
  EXPECT_EQ(completion.result->id, patient_id_);
  EXPECT_EQ(completion.stored_reads, 1);
  const audit::Entry entry = testing::audit_entries(vault_dir_).back();
  EXPECT_EQ(entry.action, audit::kActionRead);
  EXPECT_TRUE(entry.decrypted_data_left);
  EXPECT_EQ(entry.resources_returned, 1);
}

TEST_F(GateAsyncTest, ARefusalIsRecordedBeforeItIsHandedOut) {
  std::promise<Completion<gate::StoredResource>> completed;
  ASSERT_TRUE(
      gate_->read(*custodian_, "Patient", "no such id!", [&](Result<gate::StoredResource> read) {
        completed.set_value({std::move(read), 0});
      }));
  Completion<gate::StoredResource> completion = completed.get_future().get();
  ASSERT_FALSE(completion.result);
  EXPECT_EQ(completion.result.error().code, ErrorCode::kUsage);
  const audit::Entry entry = testing::audit_entries(vault_dir_).back();
  EXPECT_EQ(entry.action, audit::kActionRead);
  EXPECT_EQ(entry.outcome, audit::Outcome::kFailed);
  EXPECT_FALSE(entry.decrypted_data_left);
}

TEST_F(GateAsyncTest, ASearchHandsOutItsPageOnlyOnceItsEntryIsStored) {
  std::promise<std::pair<Result<gate::SearchPage>, std::vector<audit::Entry>>> completed;
  ASSERT_TRUE(gate_->search(
      *custodian_, "Patient", {{"family", "asy"}}, [&](Result<gate::SearchPage> page) {
        completed.set_value({std::move(page), testing::audit_entries(vault_dir_)});
      }));
  auto [page, stored] = completed.get_future().get();
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_THAT(page->matches, SizeIs(1));
  EXPECT_EQ(page->matches.front().id, patient_id_);
  ASSERT_FALSE(stored.empty());
  EXPECT_EQ(stored.back().action, audit::kActionSearch);
  EXPECT_EQ(stored.back().resources_returned, 1);
}

TEST_F(GateAsyncTest, VreadHistoryAndCountHandOutTheirDataOnlyOnceTheirEntryIsStored) {
  ASSERT_TRUE(gate_->update(
      *custodian_, "Patient", patient_id_,
      boost::json::parse(R"({"resourceType":"Patient","name":[{"family":"Asynchrone-Deux"}]})")
          .as_object()));
  // Each callback notes the newest stored entry when it runs: its own, already durable.
  std::promise<std::pair<Result<gate::StoredResource>, audit::Entry>> vread_done;
  ASSERT_TRUE(gate_->read_version(
      *custodian_, "Patient", patient_id_, 1, [&](Result<gate::StoredResource> version) {
        vread_done.set_value({std::move(version), testing::audit_entries(vault_dir_).back()});
      }));
  auto [version, vread_entry] = vread_done.get_future().get();
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(version->version, 1);
  EXPECT_EQ(vread_entry.action, audit::kActionVread);
  EXPECT_TRUE(vread_entry.decrypted_data_left);

  std::promise<std::pair<Result<std::vector<gate::StoredResource>>, audit::Entry>> history_done;
  ASSERT_TRUE(gate_->history(
      *custodian_, "Patient", patient_id_, [&](Result<std::vector<gate::StoredResource>> versions) {
        history_done.set_value({std::move(versions), testing::audit_entries(vault_dir_).back()});
      }));
  auto [versions, history_entry] = history_done.get_future().get();
  ASSERT_TRUE(versions) << versions.error().message;
  EXPECT_THAT(*versions, SizeIs(2));
  EXPECT_EQ(history_entry.action, audit::kActionHistory);
  EXPECT_EQ(history_entry.resources_returned, 2);

  std::promise<std::pair<Result<std::map<std::string, int64_t>>, audit::Entry>> count_done;
  ASSERT_TRUE(gate_->count_by_type(*custodian_, [&](Result<std::map<std::string, int64_t>> counts) {
    count_done.set_value({std::move(counts), testing::audit_entries(vault_dir_).back()});
  }));
  auto [counts, count_entry] = count_done.get_future().get();
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->at("Patient"), 1);
  EXPECT_EQ(count_entry.action, audit::kActionCount);
  EXPECT_FALSE(count_entry.decrypted_data_left);
}

TEST_F(GateAsyncTest, NoDataLeavesWhenTheEntryCannotBeRecorded) {
  // The log refuses every append, as a full disk would.
  exec_raw(vault_dir_ / "audit.db",
           "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
           "BEGIN SELECT RAISE(ABORT, 'refused'); END;");
  std::promise<Result<gate::StoredResource>> read_done;
  ASSERT_TRUE(gate_->read(
      *custodian_, "Patient", patient_id_,
      [&](Result<gate::StoredResource> read) { read_done.set_value(std::move(read)); }));
  std::promise<Result<gate::SearchPage>> search_done;
  ASSERT_TRUE(gate_->search(
      *custodian_, "Patient", {{"family", "asy"}},
      [&](Result<gate::SearchPage> page) { search_done.set_value(std::move(page)); }));
  Result<gate::StoredResource> read = read_done.get_future().get();
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::kInternal);
  Result<gate::SearchPage> page = search_done.get_future().get();
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code, ErrorCode::kInternal);
  EXPECT_EQ(stored_reads(), 0);
}

// A write waits for two syncs: its intent's in the audit file, then its data commit's. The
// statement that it committed adds none of its own: it is made durable by the next batch that
// someone waits for (here the read's), or stated again at the next open if a crash loses it.
TEST_F(GateAsyncTest, AWritesCommitStatementAddsNoSyncOfItsOwn) {
  const uint64_t syncs_before = bench::wal_syncs().syncs;
  auto created = gate_->create(
      *custodian_,
      boost::json::parse(R"({"resourceType":"Observation","status":"final",)"
                         R"("code":{"text":"pouls"},"subject":{"reference":"Patient/)" +
                         patient_id_ + R"("}})")
          .as_object());
  ASSERT_TRUE(created) << created.error().message;
  ASSERT_TRUE(gate_->read(*custodian_, "Patient", patient_id_));
  EXPECT_EQ(bench::wal_syncs().syncs - syncs_before, 3U);
  EXPECT_EQ(testing::raw_count(vault_dir_ / "audit.db", "SELECT count(*) FROM pending_intents"), 0);
}

TEST_F(GateAsyncTest, ReadsIssuedFromOneThreadShareSyncs) {
  constexpr int kReads = 200;
  const uint64_t syncs_before = bench::wal_syncs().syncs;
  // The first read's callback holds the log's committer thread until every other read is issued:
  // then those make one batch whatever the speed of the disk.
  std::promise<void> all_issued;
  std::shared_future<void> issued = all_issued.get_future().share();
  std::latch completed(kReads);
  std::mutex failures_mutex;
  std::vector<std::string> failures;  // guarded by failures_mutex
  auto done = [&](Result<gate::StoredResource> read) {
    if (!read) {
      std::lock_guard lock(failures_mutex);
      failures.push_back(read.error().message);
    }
    completed.count_down();
  };
  ASSERT_TRUE(
      gate_->read(*custodian_, "Patient", patient_id_, [&](Result<gate::StoredResource> read) {
        issued.wait();
        done(std::move(read));
      }));
  for (int index = 1; index < kReads; ++index) {
    ASSERT_TRUE(gate_->read(*custodian_, "Patient", patient_id_, done));
  }
  all_issued.set_value();
  completed.wait();
  const uint64_t held_syncs = bench::wal_syncs().syncs - syncs_before;
  EXPECT_THAT(failures, ::testing::IsEmpty());
  EXPECT_EQ(stored_reads(), kReads);
  // The first read's batch and one batch of all the others (a WAL checkpoint may add one).
  EXPECT_LE(held_syncs, 3U);

  // Unheld, the reads still share syncs: the calling thread issues reads while one syncs. How
  // many share one depends on the disk's speed against the calling thread's (under ASan on a
  // loaded machine, 51 to 84 syncs for 200 reads), so the count is printed, not asserted; the
  // held batch above proves the sharing.
  const uint64_t unheld_before = bench::wal_syncs().syncs;
  std::latch unheld_completed(kReads);
  for (int index = 0; index < kReads; ++index) {
    ASSERT_TRUE(
        gate_->read(*custodian_, "Patient", patient_id_, [&](Result<gate::StoredResource> read) {
          EXPECT_TRUE(read);
          unheld_completed.count_down();
        }));
  }
  unheld_completed.wait();
  const uint64_t unheld_syncs = bench::wal_syncs().syncs - unheld_before;
  EXPECT_EQ(stored_reads(), 2 * kReads);

  // The synchronous reads of one thread, for comparison: one sync each.
  const uint64_t synchronous_before = bench::wal_syncs().syncs;
  for (int index = 0; index < kReads / 10; ++index) {
    ASSERT_TRUE(gate_->read(*custodian_, "Patient", patient_id_));
  }
  const uint64_t synchronous_syncs = bench::wal_syncs().syncs - synchronous_before;
  EXPECT_GE(synchronous_syncs, static_cast<uint64_t>(kReads) / 10);
  std::cout << kReads << " asynchronous reads from one thread: " << held_syncs
            << " WAL syncs with the committer held, " << unheld_syncs << " unheld; " << kReads / 10
            << " synchronous reads: " << synchronous_syncs << " syncs\n";
}

}  // namespace
}  // namespace vigie
