#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "store/store_test_support.hpp"

namespace vigie::store {
namespace {

using test_support::TempDir;
using test_support::token_of;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

ResourceVersionRow make_row(const std::string& type, const std::string& id, int64_t version,
                            const std::string& compartment, bool deleted = false) {
  return ResourceVersionRow{
      .type = type,
      .id = id,
      .version = version,
      .last_updated_ms = 1'700'000'000'000 + version,
      .compartment = compartment,
      .deleted = deleted,
      .sealed = deleted ? std::vector<uint8_t>{}
                        : std::vector<uint8_t>{0x00, static_cast<uint8_t>(version), 0xff, 0x00},
  };
}

void expect_same_row(const ResourceVersionRow& actual, const ResourceVersionRow& expected) {
  EXPECT_EQ(actual.type, expected.type);
  EXPECT_EQ(actual.id, expected.id);
  EXPECT_EQ(actual.version, expected.version);
  EXPECT_EQ(actual.last_updated_ms, expected.last_updated_ms);
  EXPECT_EQ(actual.compartment, expected.compartment);
  EXPECT_EQ(actual.deleted, expected.deleted);
  EXPECT_EQ(actual.sealed, expected.sealed);
}

class SqliteDataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = sqlite::open_data_store(path(), OpenMode::kCreate);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  [[nodiscard]] std::filesystem::path path() const { return dir_.path() / "data.db"; }

  // Appends one version in its own transaction.
  void append(const ResourceVersionRow& row, std::vector<SearchToken> tokens = {}) {
    ASSERT_TRUE(store_->begin());
    auto appended = store_->append_version(row, tokens);
    ASSERT_TRUE(appended) << appended.error().message;
    auto committed = store_->commit();
    ASSERT_TRUE(committed) << committed.error().message;
  }

  [[nodiscard]] std::vector<std::string> find(const std::string& type,
                                              const std::vector<TokenGroup>& groups) {
    auto ids = store_->find_ids(type, groups);
    EXPECT_TRUE(ids) << ids.error().message;
    return ids ? *ids : std::vector<std::string>{};
  }

  // Stored token rows of the resource `id` (any type).
  [[nodiscard]] int64_t token_rows(const std::string& id) const {
    return test_support::query_int(path(),
                                   "SELECT count(*) FROM search_tokens AS t JOIN resources_current"
                                   " AS c ON c.rk = t.resource WHERE c.id = '" +
                                       id + "'");
  }

  // Every stored token row, including any that no resource owns.
  [[nodiscard]] int64_t all_token_rows() const {
    return test_support::query_int(path(), "SELECT count(*) FROM search_tokens");
  }

  TempDir dir_;  // declared first: removed after the store is closed
  std::unique_ptr<DataStore> store_;
};

TEST_F(SqliteDataStoreTest, AppendedVersionReadsBackFieldByField) {
  const ResourceVersionRow row = make_row("Patient", "p1", 1, "c1");
  append(row);

  const auto read = test_support::found(store_->read_version("Patient", "p1", 1));
  expect_same_row(read, row);

  const auto latest = test_support::found(store_->latest_version("Patient", "p1"));
  expect_same_row(latest, row);
}

TEST_F(SqliteDataStoreTest, EmptySealedBytesAndEmptyCompartmentRoundTrip) {
  ResourceVersionRow row = make_row("Organization", "o1", 1, "");
  row.sealed.clear();
  append(row);

  const auto read = test_support::found(store_->read_version("Organization", "o1", 1));
  expect_same_row(read, row);
}

TEST_F(SqliteDataStoreTest, AbsentRowsAreNulloptOrEmpty) {
  append(make_row("Patient", "p1", 1, "c1"));

  auto missing_version = store_->read_version("Patient", "p1", 2);
  ASSERT_TRUE(missing_version);
  EXPECT_FALSE(missing_version->has_value());
  auto missing_latest = store_->latest_version("Patient", "p2");
  ASSERT_TRUE(missing_latest);
  EXPECT_FALSE(missing_latest->has_value());
  auto other_type = store_->latest_version("Observation", "p1");
  ASSERT_TRUE(other_type);
  EXPECT_FALSE(other_type->has_value());
  auto missing_history = store_->history("Patient", "p2");
  ASSERT_TRUE(missing_history);
  EXPECT_THAT(*missing_history, IsEmpty());
}

// What lets a read skip its erasure check: the file's version stays put across reads while
// nobody commits, and moves when another connection or this one commits.
TEST_F(SqliteDataStoreTest, TheFileVersionMovesOnlyWhenACommitChangedTheFile) {
  auto other = sqlite::open_data_store(path(), OpenMode::kOpenExisting);
  ASSERT_TRUE(other) << other.error().message;
  ASSERT_TRUE(store_->latest_version("Patient", "p1"));
  const std::optional<uint32_t> first = store_->file_version();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(store_->latest_version("Patient", "p1"));
  EXPECT_EQ(store_->file_version(), first);

  ASSERT_TRUE((*other)->begin());
  ASSERT_TRUE((*other)->append_version(make_row("Patient", "p1", 1, "c1"), {}));
  ASSERT_TRUE((*other)->commit());
  ASSERT_TRUE(store_->latest_version("Patient", "p1"));
  const std::optional<uint32_t> after_other = store_->file_version();
  ASSERT_TRUE(after_other.has_value());
  EXPECT_NE(after_other, first);

  // Inside this connection's own write transaction the version does not see its changes: none.
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->append_version(make_row("Patient", "p1", 2, "c1"), {}));
  EXPECT_EQ(store_->file_version(), std::nullopt);
  ASSERT_TRUE(store_->commit());
  ASSERT_TRUE(store_->latest_version("Patient", "p1"));
  const std::optional<uint32_t> after_own = store_->file_version();
  ASSERT_TRUE(after_own.has_value());
  EXPECT_NE(after_own, after_other);
  EXPECT_NE(after_own, first);
}

TEST_F(SqliteDataStoreTest, HistoryIsNewestFirst) {
  append(make_row("Patient", "p1", 1, "c1"));
  append(make_row("Patient", "p1", 2, "c1"));
  append(make_row("Patient", "p1", 3, "c1", /*deleted=*/true));
  append(make_row("Patient", "p2", 1, "c2"));

  auto history = store_->history("Patient", "p1");
  ASSERT_TRUE(history) << history.error().message;
  ASSERT_EQ(history->size(), 3U);
  expect_same_row((*history)[0], make_row("Patient", "p1", 3, "c1", true));
  expect_same_row((*history)[1], make_row("Patient", "p1", 2, "c1"));
  expect_same_row((*history)[2], make_row("Patient", "p1", 1, "c1"));
}

TEST_F(SqliteDataStoreTest, LatestVersionIncludesADeletedVersion) {
  append(make_row("Patient", "p1", 1, "c1"));
  append(make_row("Patient", "p1", 2, "c1", /*deleted=*/true));

  const auto latest = test_support::found(store_->latest_version("Patient", "p1"));
  EXPECT_EQ(latest.version, 2);
  EXPECT_TRUE(latest.deleted);
}

TEST_F(SqliteDataStoreTest, CurrentMetadataFollowsTheCurrentVersionInTheOrderAsked) {
  append(make_row("Observation", "o1", 1, "p1"));
  append(make_row("Observation", "o1", 2, "p2"));  // moved to another patient
  append(make_row("Observation", "o2", 1, "*shared"));
  append(make_row("Observation", "o3", 1, "p3"));
  append(make_row("Observation", "o3", 2, "p3", /*deleted=*/true));
  append(make_row("Patient", "o2", 1, "o2"));  // same id, another type
  const std::vector<std::string> ids = {"o3", "missing", "o1", "o2", "a\"b\\c\nd", "o1"};
  auto rows = store_->current_metadata("Observation", ids);
  ASSERT_TRUE(rows) << rows.error().message;
  std::vector<std::string> compartments;
  std::vector<int64_t> times;
  std::vector<bool> deleted;
  for (const CurrentMetadata& row : *rows) {
    compartments.push_back(row.compartment);
    times.push_back(row.last_updated_ms);
    deleted.push_back(row.deleted);
  }
  EXPECT_THAT(compartments, ::testing::ElementsAre("p3", "", "p2", "*shared", "", "p2"));
  constexpr int64_t kBase = 1'700'000'000'000;
  EXPECT_THAT(times, ::testing::ElementsAre(kBase + 2, 0, kBase + 2, kBase + 1, 0, kBase + 2));
  EXPECT_THAT(deleted, ::testing::ElementsAre(true, false, false, false, false, false));
  auto none = store_->current_metadata("Observation", {});
  ASSERT_TRUE(none);
  EXPECT_THAT(*none, IsEmpty());
}

// "Type/id/version" of each row, and whether any row carries sealed bytes.
std::vector<std::string> keys_of(const std::vector<ResourceVersionRow>& rows, bool& sealed) {
  std::vector<std::string> keys;
  for (const ResourceVersionRow& row : rows) {
    keys.push_back(row.type + "/" + row.id + "/" + std::to_string(row.version));
    sealed = sealed || !row.sealed.empty();
  }
  return keys;
}

TEST_F(SqliteDataStoreTest, VersionsOfATypeAreNewestFirstInTheirWindowWithoutSealedBytes) {
  append(make_row("Patient", "p2", 1, "p2"));  // last_updated 1'700'000'000'001
  append(make_row("Patient", "p1", 1, "p1"));
  append(make_row("Patient", "p1", 2, "p1"));
  append(make_row("Patient", "p1", 3, "p1", /*deleted=*/true));
  append(make_row("Observation", "o1", 2, "p1"));
  bool sealed = false;
  auto all = store_->versions_of_type("Patient", 0, 2'000'000'000'000);
  ASSERT_TRUE(all) << all.error().message;
  // Same time: by id, then newest version.
  EXPECT_THAT(keys_of(*all, sealed), ::testing::ElementsAre("Patient/p1/3", "Patient/p1/2",
                                                            "Patient/p1/1", "Patient/p2/1"));
  EXPECT_FALSE(sealed);
  EXPECT_TRUE((*all)[0].deleted);
  EXPECT_EQ((*all)[0].compartment, "p1");
  auto window = store_->versions_of_type("Patient", 1'700'000'000'002, 1'700'000'000'002);
  ASSERT_TRUE(window);
  EXPECT_THAT(keys_of(*window, sealed), ::testing::ElementsAre("Patient/p1/2"));
}

TEST_F(SqliteDataStoreTest, CurrentInCompartmentListsTheLiveResourcesWhoseCurrentVersionIsThere) {
  append(make_row("Patient", "p1", 1, "p1"));
  append(make_row("Observation", "o1", 1, "p1"));
  append(make_row("Observation", "o2", 1, "p1"));
  append(make_row("Observation", "o2", 2, "p2"));  // moved to another patient
  append(make_row("Observation", "o3", 1, "p1"));
  append(make_row("Observation", "o3", 2, "p1", /*deleted=*/true));
  append(make_row("Condition", "c1", 1, "p1"));
  bool sealed = false;
  auto current = store_->current_in_compartment("p1");
  ASSERT_TRUE(current) << current.error().message;
  EXPECT_THAT(keys_of(*current, sealed),
              ::testing::ElementsAre("Condition/c1/1", "Observation/o1/1", "Patient/p1/1"));
  EXPECT_FALSE(sealed);
  auto none = store_->current_in_compartment("nobody");
  ASSERT_TRUE(none);
  EXPECT_THAT(*none, IsEmpty());
}

TEST_F(SqliteDataStoreTest, DuplicateVersionIsAConflictAndTheTransactionStaysUsable) {
  append(make_row("Patient", "p1", 1, "c1"));

  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->append_version(make_row("Patient", "p2", 1, "c1"), {}));
  ResourceVersionRow duplicate = make_row("Patient", "p1", 1, "c9");
  auto appended = store_->append_version(duplicate, {});
  ASSERT_FALSE(appended);
  EXPECT_EQ(appended.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(store_->commit());

  const auto original = test_support::found(store_->read_version("Patient", "p1", 1));
  EXPECT_EQ(original.compartment, "c1");
  EXPECT_THAT(find("Patient", {}), ElementsAre("p1", "p2"));
}

TEST_F(SqliteDataStoreTest, RollbackLeavesNothing) {
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->append_version(make_row("Patient", "p1", 1, "c1"),
                                     std::vector<SearchToken>{{"family", token_of(1)}}));
  ASSERT_TRUE(store_->set_meta("ledger-replayed", "3"));
  store_->rollback();

  auto latest = store_->latest_version("Patient", "p1");
  ASSERT_TRUE(latest);
  EXPECT_FALSE(latest->has_value());
  EXPECT_THAT(find("Patient", {}), IsEmpty());
  auto counts = store_->count_by_type();
  ASSERT_TRUE(counts);
  EXPECT_THAT(*counts, IsEmpty());
  auto compartments = store_->compartments();
  ASSERT_TRUE(compartments);
  EXPECT_THAT(*compartments, IsEmpty());
  auto meta = store_->get_meta("ledger-replayed");
  ASSERT_TRUE(meta);
  EXPECT_FALSE(meta->has_value());
  EXPECT_EQ(all_token_rows(), 0);
  // A new transaction can start after the rollback.
  EXPECT_TRUE(store_->begin());
}

TEST_F(SqliteDataStoreTest, BeginWhileATransactionIsOpenFails) {
  ASSERT_TRUE(store_->begin());
  auto again = store_->begin();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kInternal);
  EXPECT_EQ(again.error().message, "a write transaction is already open");
}

TEST_F(SqliteDataStoreTest, CommitWithoutATransactionFails) {
  auto committed = store_->commit();
  ASSERT_FALSE(committed);
  EXPECT_EQ(committed.error().code, ErrorCode::kInternal);
}

TEST_F(SqliteDataStoreTest, RollbackWithoutATransactionIsANoOp) {
  append(make_row("Patient", "p1", 1, "c1"));
  store_->rollback();
  EXPECT_THAT(find("Patient", {}), ElementsAre("p1"));
  EXPECT_TRUE(store_->begin());
}

TEST_F(SqliteDataStoreTest, WritesOutsideATransactionFailAndChangeNothing) {
  auto appended = store_->append_version(make_row("Patient", "p1", 1, "c1"), {});
  ASSERT_FALSE(appended);
  EXPECT_EQ(appended.error().code, ErrorCode::kInternal);
  auto meta = store_->set_meta("k", "v");
  ASSERT_FALSE(meta);
  EXPECT_EQ(meta.error().code, ErrorCode::kInternal);
  auto removed = store_->remove_compartment("c1");
  ASSERT_FALSE(removed);
  EXPECT_EQ(removed.error().code, ErrorCode::kInternal);

  EXPECT_THAT(find("Patient", {}), IsEmpty());
  auto read_meta = store_->get_meta("k");
  ASSERT_TRUE(read_meta);
  EXPECT_FALSE(read_meta->has_value());
}

TEST_F(SqliteDataStoreTest, FindIdsWithoutGroupsListsCurrentNonDeletedIdsInAscendingOrder) {
  append(make_row("Patient", "p3", 1, "c3"));
  append(make_row("Patient", "p1", 1, "c1"));
  append(make_row("Patient", "p2", 1, "c2"));
  append(make_row("Patient", "p2", 2, "c2", /*deleted=*/true));
  append(make_row("Patient", "p4", 1, "c4", /*deleted=*/true));
  append(make_row("Patient", "p4", 2, "c4"));
  append(make_row("Observation", "o1", 1, "c1"));

  EXPECT_THAT(find("Patient", {}), ElementsAre("p1", "p3", "p4"));
  EXPECT_THAT(find("Observation", {}), ElementsAre("o1"));
  EXPECT_THAT(find("Encounter", {}), IsEmpty());
}

TEST_F(SqliteDataStoreTest, FindIdsWithOneGroupMatchesAnyOfItsTokens) {
  append(make_row("Patient", "p1", 1, "c1"), {{"family", token_of(1)}, {"given", token_of(7)}});
  append(make_row("Patient", "p2", 1, "c2"), {{"family", token_of(2)}});
  append(make_row("Patient", "p3", 1, "c3"), {{"family", token_of(3)}});
  // The same token twice under one parameter is kept once and found once.
  append(make_row("Patient", "p4", 1, "c4"), {{"family", token_of(1)}, {"family", token_of(1)}});

  EXPECT_THAT(find("Patient", {{"family", {token_of(1)}}}), ElementsAre("p1", "p4"));
  EXPECT_THAT(find("Patient", {{"family", {token_of(3), token_of(2), token_of(9)}}}),
              ElementsAre("p2", "p3"));
  EXPECT_THAT(find("Patient", {{"family", {token_of(1), token_of(3)}}}),
              ElementsAre("p1", "p3", "p4"));
  EXPECT_THAT(find("Patient", {{"family", {token_of(9)}}}), IsEmpty());
}

TEST_F(SqliteDataStoreTest, FindIdsWithTwoGroupsIntersects) {
  append(make_row("Patient", "p1", 1, "c1"), {{"family", token_of(1)}, {"birthdate", token_of(5)}});
  append(make_row("Patient", "p2", 1, "c2"), {{"family", token_of(1)}, {"birthdate", token_of(6)}});
  append(make_row("Patient", "p3", 1, "c3"), {{"family", token_of(2)}, {"birthdate", token_of(5)}});

  EXPECT_THAT(find("Patient", {{"family", {token_of(1)}}, {"birthdate", {token_of(5)}}}),
              ElementsAre("p1"));
  EXPECT_THAT(
      find("Patient", {{"family", {token_of(1), token_of(2)}}, {"birthdate", {token_of(5)}}}),
      ElementsAre("p1", "p3"));
  EXPECT_THAT(find("Patient", {{"family", {token_of(2)}}, {"birthdate", {token_of(6)}}}),
              IsEmpty());
}

TEST_F(SqliteDataStoreTest, FindIdsMatchesATokenOnlyUnderItsParameterAndType) {
  append(make_row("Patient", "p1", 1, "c1"), {{"family", token_of(1)}});
  append(make_row("Practitioner", "r1", 1, ""), {{"family", token_of(1)}});

  EXPECT_THAT(find("Patient", {{"given", {token_of(1)}}}), IsEmpty());
  EXPECT_THAT(find("Patient", {{"family", {token_of(1)}}}), ElementsAre("p1"));
  EXPECT_THAT(find("Practitioner", {{"family", {token_of(1)}}}), ElementsAre("r1"));
}

TEST_F(SqliteDataStoreTest, FindIdsWithAnEmptyGroupFindsNothing) {
  append(make_row("Patient", "p1", 1, "c1"), {{"family", token_of(1)}});

  EXPECT_THAT(find("Patient", {{"family", {token_of(1)}}, {"given", {}}}), IsEmpty());
}

TEST_F(SqliteDataStoreTest, FindIdsStaysCorrectAcrossManyQueryShapes) {
  append(make_row("Patient", "p1", 1, "c1"), {{"family", token_of(1)}});
  // More shapes than the statement cache holds: every one must still answer correctly.
  for (size_t extra = 0; extra < 40; ++extra) {
    std::vector<Token> any_of(extra + 1, token_of(9));
    any_of.back() = token_of(1);
    EXPECT_THAT(find("Patient", {{"family", any_of}}), ElementsAre("p1")) << extra;
  }
}

TEST_F(SqliteDataStoreTest, ANewVersionReplacesTheTokens) {
  append(make_row("Patient", "p1", 1, "c1"), {{"family", token_of(1)}, {"given", token_of(2)}});
  append(make_row("Patient", "p1", 2, "c1"), {{"family", token_of(3)}});

  EXPECT_THAT(find("Patient", {{"family", {token_of(1)}}}), IsEmpty());
  EXPECT_THAT(find("Patient", {{"given", {token_of(2)}}}), IsEmpty());
  EXPECT_THAT(find("Patient", {{"family", {token_of(3)}}}), ElementsAre("p1"));
  EXPECT_EQ(all_token_rows(), 1);
}

TEST_F(SqliteDataStoreTest, ADeletedVersionKeepsNoTokens) {
  append(make_row("Patient", "p1", 1, "c1"), {{"family", token_of(1)}});
  // Tokens passed with a deleted version are not stored either.
  append(make_row("Patient", "p1", 2, "c1", /*deleted=*/true), {{"family", token_of(1)}});

  EXPECT_EQ(all_token_rows(), 0);
  EXPECT_THAT(find("Patient", {{"family", {token_of(1)}}}), IsEmpty());
  EXPECT_THAT(find("Patient", {}), IsEmpty());

  // Undeleting with a new version makes it current and searchable again.
  append(make_row("Patient", "p1", 3, "c1"), {{"family", token_of(1)}});
  EXPECT_THAT(find("Patient", {{"family", {token_of(1)}}}), ElementsAre("p1"));
}

TEST_F(SqliteDataStoreTest, AnOlderVersionAppendedLateDoesNotBecomeCurrent) {
  append(make_row("Patient", "p1", 2, "c1"), {{"family", token_of(2)}});
  append(make_row("Patient", "p1", 1, "c1", /*deleted=*/true), {});

  const auto latest = test_support::found(store_->latest_version("Patient", "p1"));
  EXPECT_EQ(latest.version, 2);
  EXPECT_THAT(find("Patient", {}), ElementsAre("p1"));
  EXPECT_THAT(find("Patient", {{"family", {token_of(2)}}}), ElementsAre("p1"));
  auto history = store_->history("Patient", "p1");
  ASSERT_TRUE(history);
  EXPECT_EQ(history->size(), 2U);
}

TEST_F(SqliteDataStoreTest, CountByTypeCountsCurrentNonDeletedResources) {
  append(make_row("Patient", "p1", 1, "c1"));
  append(make_row("Patient", "p1", 2, "c1"));
  append(make_row("Patient", "p2", 1, "c2"));
  append(make_row("Patient", "p3", 1, "c3"));
  append(make_row("Patient", "p3", 2, "c3", /*deleted=*/true));
  append(make_row("Observation", "o1", 1, "c1"));
  append(make_row("Encounter", "e1", 1, "c1", /*deleted=*/true));

  auto counts = store_->count_by_type();
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_THAT(*counts, ElementsAre(Pair("Observation", 1), Pair("Patient", 2)));
}

TEST_F(SqliteDataStoreTest, CompartmentsAreDistinct) {
  append(make_row("Patient", "p1", 1, "c1"));
  append(make_row("Observation", "o1", 1, "c1"));
  append(make_row("Patient", "p2", 1, "c2"));
  append(make_row("Patient", "p2", 2, "c2", /*deleted=*/true));

  auto compartments = store_->compartments();
  ASSERT_TRUE(compartments) << compartments.error().message;
  EXPECT_THAT(*compartments, UnorderedElementsAre("c1", "c2"));
}

TEST_F(SqliteDataStoreTest, LastUpdatesAreTheNewestVersionPerCompartmentAndType) {
  append(make_row("Patient", "p1", 1, "c1"));
  append(make_row("Patient", "p1", 2, "c1"));
  append(make_row("Observation", "o1", 5, "c1"));
  append(make_row("Observation", "o2", 3, "c1"));
  append(make_row("Patient", "p2", 1, "c2"));
  append(make_row("Patient", "p2", 7, "c2", /*deleted=*/true));

  auto updates = store_->last_updates();
  ASSERT_TRUE(updates) << updates.error().message;
  ASSERT_EQ(updates->size(), 3U);
  const int64_t base = 1'700'000'000'000;
  EXPECT_EQ((*updates)[0].compartment, "c1");
  EXPECT_EQ((*updates)[0].type, "Observation");
  EXPECT_EQ((*updates)[0].last_updated_ms, base + 5);
  EXPECT_EQ((*updates)[1].type, "Patient");
  EXPECT_EQ((*updates)[1].last_updated_ms, base + 2);
  EXPECT_EQ((*updates)[2].compartment, "c2");
  EXPECT_EQ((*updates)[2].last_updated_ms, base + 7);  // a deletion is an update too
}

TEST_F(SqliteDataStoreTest, RemoveCompartmentRemovesOnlyItsVersionsAndTokens) {
  append(make_row("Patient", "p1", 1, "c1"), {{"family", token_of(1)}});
  append(make_row("Patient", "p1", 2, "c1"), {{"family", token_of(1)}});
  append(make_row("Observation", "o1", 1, "c1"), {{"code", token_of(3)}});
  append(make_row("Patient", "p2", 1, "c2"), {{"family", token_of(1)}});
  append(make_row("Observation", "o2", 1, "c2"), {{"code", token_of(3)}});

  ASSERT_TRUE(store_->begin());
  auto removed = store_->remove_compartment("c1");
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_EQ(*removed, 3);
  ASSERT_TRUE(store_->commit());

  auto history = store_->history("Patient", "p1");
  ASSERT_TRUE(history);
  EXPECT_THAT(*history, IsEmpty());
  auto observation = store_->latest_version("Observation", "o1");
  ASSERT_TRUE(observation);
  EXPECT_FALSE(observation->has_value());
  EXPECT_EQ(token_rows("p1"), 0);
  EXPECT_EQ(token_rows("o1"), 0);

  EXPECT_EQ(token_rows("p2"), 1);
  EXPECT_EQ(all_token_rows(), 2);
  EXPECT_THAT(find("Patient", {{"family", {token_of(1)}}}), ElementsAre("p2"));
  EXPECT_THAT(find("Observation", {{"code", {token_of(3)}}}), ElementsAre("o2"));
  EXPECT_THAT(find("Patient", {}), ElementsAre("p2"));
  auto compartments = store_->compartments();
  ASSERT_TRUE(compartments);
  EXPECT_THAT(*compartments, ElementsAre("c2"));
  auto counts = store_->count_by_type();
  ASSERT_TRUE(counts);
  EXPECT_THAT(*counts, ElementsAre(Pair("Observation", 1), Pair("Patient", 1)));
}

TEST_F(SqliteDataStoreTest, RemoveCompartmentIsUndoneByRollback) {
  append(make_row("Patient", "p1", 1, "c1"), {{"family", token_of(1)}});

  ASSERT_TRUE(store_->begin());
  auto removed = store_->remove_compartment("c1");
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 1);
  store_->rollback();

  EXPECT_THAT(find("Patient", {{"family", {token_of(1)}}}), ElementsAre("p1"));
}

TEST_F(SqliteDataStoreTest, RemoveAnUnknownCompartmentRemovesNothing) {
  append(make_row("Patient", "p1", 1, "c1"), {{"family", token_of(1)}});

  ASSERT_TRUE(store_->begin());
  auto removed = store_->remove_compartment("c9");
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 0);
  ASSERT_TRUE(store_->commit());
  EXPECT_THAT(find("Patient", {{"family", {token_of(1)}}}), ElementsAre("p1"));
}

TEST_F(SqliteDataStoreTest, ResourceThatChangedCompartmentFallsBackToItsRemainingVersions) {
  // o1 moved from c1 to c2 at version 2; o2 moved from c2 to c1.
  append(make_row("Observation", "o1", 1, "c1"), {{"code", token_of(1)}});
  append(make_row("Observation", "o1", 2, "c2"), {{"code", token_of(2)}});
  append(make_row("Observation", "o2", 1, "c2"), {{"code", token_of(3)}});
  append(make_row("Observation", "o2", 2, "c1"), {{"code", token_of(4)}});

  ASSERT_TRUE(store_->begin());
  auto removed = store_->remove_compartment("c1");
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 2);
  ASSERT_TRUE(store_->commit());

  // o1's current version was elsewhere: untouched, still searchable.
  EXPECT_THAT(find("Observation", {{"code", {token_of(2)}}}), ElementsAre("o1"));
  // o2 lost its current version: version 1 is current again, without tokens.
  const auto latest = test_support::found(store_->latest_version("Observation", "o2"));
  EXPECT_EQ(latest.version, 1);
  EXPECT_THAT(find("Observation", {}), ElementsAre("o1", "o2"));
  EXPECT_EQ(token_rows("o2"), 0);
  EXPECT_EQ(all_token_rows(), 1);

  // A later version of o2 replaces the fallback as usual.
  append(make_row("Observation", "o2", 3, "c2"), {{"code", token_of(5)}});
  EXPECT_THAT(find("Observation", {{"code", {token_of(5)}}}), ElementsAre("o2"));
}

TEST_F(SqliteDataStoreTest, MetaRoundTrips) {
  auto missing = store_->get_meta("ledger-replayed");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());

  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->set_meta("ledger-replayed", "3"));
  ASSERT_TRUE(store_->set_meta("empty", ""));
  ASSERT_TRUE(store_->commit());
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->set_meta("ledger-replayed", "4"));
  ASSERT_TRUE(store_->commit());

  const auto value = test_support::found(store_->get_meta("ledger-replayed"));
  EXPECT_EQ(value, "4");
  EXPECT_EQ(test_support::found(store_->get_meta("empty")), "");
}

TEST_F(SqliteDataStoreTest, DataPersistsAcrossReopenInWalMode) {
  append(make_row("Patient", "p1", 1, "c1"), {{"family", token_of(1)}});
  store_.reset();

  EXPECT_EQ(test_support::query_text(path(), "PRAGMA journal_mode"), "wal");
  auto reopened = sqlite::open_data_store(path(), OpenMode::kOpenExisting);
  ASSERT_TRUE(reopened) << reopened.error().message;
  store_ = std::move(*reopened);
  EXPECT_THAT(find("Patient", {{"family", {token_of(1)}}}), ElementsAre("p1"));
  const auto read = test_support::found(store_->read_version("Patient", "p1", 1));
  expect_same_row(read, make_row("Patient", "p1", 1, "c1"));
}

TEST_F(SqliteDataStoreTest, StoresOnOneFileWorkTogetherFromSeveralThreads) {
  constexpr int kThreads = 4;
  constexpr int kTransactions = 25;
  constexpr int kRowsPerTransaction = 4;
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([this, thread, &failures] {
      auto opened = sqlite::open_data_store(path(), OpenMode::kOpenExisting);
      if (!opened) {
        failures[thread] = opened.error().message;
        return;
      }
      DataStore& store = **opened;
      for (int transaction = 0; transaction < kTransactions; ++transaction) {
        auto step = store.begin();
        for (int row = 0; step && row < kRowsPerTransaction; ++row) {
          const std::string id = "t" + std::to_string(thread) + "-" + std::to_string(transaction) +
                                 "-" + std::to_string(row);
          step = store.append_version(make_row("Patient", id, 1, id),
                                      std::vector<SearchToken>{{"family", token_of(7)}});
        }
        if (step) {
          step = store.commit();
        }
        if (step) {
          auto ids = store.find_ids("Patient", {});
          if (!ids) {
            step = tl::unexpected(ids.error());
          }
        }
        if (!step) {
          failures[thread] = step.error().message;
          store.rollback();
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (const std::string& failure : failures) {
    EXPECT_EQ(failure, "");
  }
  EXPECT_EQ(find("Patient", {{"family", {token_of(7)}}}).size(),
            static_cast<size_t>(kThreads * kTransactions * kRowsPerTransaction));
}

class SqliteDataStoreOpenTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(SqliteDataStoreOpenTest, CreateOnAnExistingPathIsAConflictAndLeavesTheFile) {
  const auto path = dir_.path() / "data.db";
  const std::vector<uint8_t> content = {'k', 'e', 'e', 'p'};
  test_support::write_bytes(path, content);

  auto opened = sqlite::open_data_store(path, OpenMode::kCreate);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kConflict);
  EXPECT_EQ(test_support::read_bytes(path), content);
}

TEST_F(SqliteDataStoreOpenTest, OpeningAMissingFileIsNotFoundAndCreatesNothing) {
  auto opened = sqlite::open_data_store(dir_.path() / "missing.db", OpenMode::kOpenExisting);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path()));
}

TEST_F(SqliteDataStoreOpenTest, AGarbageFileIsAnIntegrityFailure) {
  const auto path = dir_.path() / "data.db";
  test_support::write_bytes(path, test_support::random_bytes(8192));

  auto opened = sqlite::open_data_store(path, OpenMode::kOpenExisting);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kIntegrity);
  EXPECT_EQ(opened.error().message, "data file is corrupt or not a vigie data file");
}

TEST_F(SqliteDataStoreOpenTest, ASqliteFileWithoutTheVigieSchemaIsAnIntegrityFailure) {
  const auto path = dir_.path() / "other.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE other (x INTEGER)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  auto opened = sqlite::open_data_store(path, OpenMode::kOpenExisting);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kIntegrity);
}

TEST_F(SqliteDataStoreOpenTest, CreateInAMissingDirectoryFailsWithoutLeavingAFile) {
  auto opened = sqlite::open_data_store(dir_.path() / "absent" / "data.db", OpenMode::kCreate);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(std::filesystem::is_empty(dir_.path()));
}

}  // namespace
}  // namespace vigie::store
