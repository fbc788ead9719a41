#include "fhir/outcome.hpp"

#include <gtest/gtest.h>

#include "fhir_test_support.hpp"

namespace vigie::fhir {
namespace {

using testing::object_from;

TEST(OperationOutcome, CarriesCodeAndMessage) {
  boost::json::object outcome =
      make_operation_outcome(Error{ErrorCode::kNotFound, "no such resource"});
  EXPECT_EQ(outcome.at("resourceType"), "OperationOutcome");
  const boost::json::array& issues = outcome.at("issue").as_array();
  ASSERT_EQ(issues.size(), 1u);
  const boost::json::object& issue = issues[0].as_object();
  EXPECT_EQ(issue.at("severity"), "error");
  EXPECT_EQ(issue.at("code"), "not-found");
  EXPECT_EQ(issue.at("diagnostics"), "no such resource");
  EXPECT_EQ(make_operation_outcome(Error{ErrorCode::kInvalidInput, "x"})
                .at("issue")
                .as_array()[0]
                .as_object()
                .at("code"),
            "invalid");
}

TEST(Searchset, ListsMatches) {
  std::vector<boost::json::object> resources = {
      object_from(R"({"resourceType":"Patient","id":"a"})"),
      object_from(R"({"resourceType":"Patient","id":"b"})")};
  boost::json::object bundle = make_searchset(7, resources);
  EXPECT_EQ(bundle.at("resourceType"), "Bundle");
  EXPECT_EQ(bundle.at("type"), "searchset");
  EXPECT_EQ(bundle.at("total").to_number<int64_t>(), 7);
  const boost::json::array& entries = bundle.at("entry").as_array();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].as_object().at("fullUrl"), "Patient/b");
  EXPECT_EQ(entries[1].as_object().at("resource"), resources[1]);
  EXPECT_EQ(entries[1].as_object().at("search").as_object().at("mode"), "match");
}

TEST(Searchset, IncludedResourcesFollowTheMatchesInIncludeMode) {
  std::vector<boost::json::object> matches = {
      object_from(R"({"resourceType":"Observation","id":"o"})")};
  std::vector<boost::json::object> included = {
      object_from(R"({"resourceType":"Patient","id":"p"})")};
  boost::json::object bundle = make_searchset(1, matches, included);
  EXPECT_EQ(bundle.at("total").to_number<int64_t>(), 1);  // the matches only
  const boost::json::array& entries = bundle.at("entry").as_array();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].as_object().at("search").as_object().at("mode"), "match");
  EXPECT_EQ(entries[1].as_object().at("fullUrl"), "Patient/p");
  EXPECT_EQ(entries[1].as_object().at("search").as_object().at("mode"), "include");
}

TEST(Searchset, EmptyHasNoEntryList) {
  boost::json::object bundle = make_searchset(0, {});
  EXPECT_EQ(bundle.at("total").to_number<int64_t>(), 0);
  EXPECT_FALSE(bundle.contains("entry"));
}

TEST(HistoryBundle, DescribesEachVersion) {
  boost::json::object bundle = make_history_bundle({
      object_from(
          R"({"resourceType":"Patient","id":"a","meta":{"versionId":"2","lastUpdated":"2024-01-02T00:00:00.000Z"}})"),
      object_from(R"({"resourceType":"Patient","id":"a","meta":{"versionId":"1"}})"),
  });
  EXPECT_EQ(bundle.at("type"), "history");
  EXPECT_EQ(bundle.at("total").to_number<int64_t>(), 2);
  const boost::json::array& entries = bundle.at("entry").as_array();
  ASSERT_EQ(entries.size(), 2u);
  const boost::json::object& newest = entries[0].as_object();
  EXPECT_EQ(newest.at("fullUrl"), "Patient/a");
  EXPECT_EQ(newest.at("request").as_object().at("method"), "PUT");
  EXPECT_EQ(newest.at("request").as_object().at("url"), "Patient/a");
  EXPECT_EQ(newest.at("response").as_object().at("etag"), "W/\"2\"");
  EXPECT_EQ(newest.at("response").as_object().at("lastModified"), "2024-01-02T00:00:00.000Z");
  const boost::json::object& first = entries[1].as_object();
  EXPECT_EQ(first.at("request").as_object().at("method"), "POST");
  EXPECT_EQ(first.at("request").as_object().at("url"), "Patient");
  EXPECT_EQ(first.at("response").as_object().at("status"), "201 Created");
  EXPECT_FALSE(first.at("response").as_object().contains("lastModified"));
}

TEST(HistoryBundle, ADeletedVersionIsADeleteEntryWithoutAResource) {
  const boost::json::object live = object_from(
      R"({"resourceType":"Patient","id":"a","meta":{"versionId":"1","lastUpdated":"2024-01-01T00:00:00.000Z"}})");
  const std::vector<HistoryVersion> versions{
      {"Patient", "a", 2, 1'704'153'600'000, true, nullptr},
      {"Patient", "a", 1, 1'704'067'200'000, false, &live},
  };
  boost::json::object bundle = make_history_bundle(versions);
  EXPECT_EQ(bundle.at("total").to_number<int64_t>(), 2);
  const boost::json::array& entries = bundle.at("entry").as_array();
  ASSERT_EQ(entries.size(), 2u);
  const boost::json::object& deleted = entries[0].as_object();
  EXPECT_FALSE(deleted.contains("resource"));
  EXPECT_EQ(deleted.at("fullUrl"), "Patient/a");
  EXPECT_EQ(deleted.at("request").as_object().at("method"), "DELETE");
  EXPECT_EQ(deleted.at("request").as_object().at("url"), "Patient/a");
  EXPECT_EQ(deleted.at("response").as_object().at("status"), "204 No Content");
  EXPECT_EQ(deleted.at("response").as_object().at("etag"), "W/\"2\"");
  EXPECT_EQ(deleted.at("response").as_object().at("lastModified"), "2024-01-02T00:00:00.000Z");
  EXPECT_EQ(entries[1].at("resource").at("id"), "a");
  EXPECT_EQ(entries[1].at("request").at("method"), "POST");
}

}  // namespace
}  // namespace vigie::fhir
