#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "common/error.hpp"

namespace vigie::fhir {

// An OperationOutcome with one issue: severity "error", code fhir_issue_code_for(error.code),
// diagnostics error.message (already safe to show: it never holds patient data).
[[nodiscard]] boost::json::object make_operation_outcome(const Error& error);
// The same for a failure without an ErrorCode: `issue_code` is a value of the R4 issue-type
// value set, `diagnostics` a text safe to show.
[[nodiscard]] boost::json::object make_operation_outcome(std::string_view issue_code,
                                                         std::string_view diagnostics);

// A searchset Bundle: `total` matches in all, `resources` the page returned, each entry with
// fullUrl "Type/id" and search.mode "match", then `included` (_include, _revinclude) with
// search.mode "include". No entry list when both are empty.
[[nodiscard]] boost::json::object make_searchset(
    size_t total, const std::vector<boost::json::object>& resources,
    const std::vector<boost::json::object>& included = {});

// A history Bundle of the versions of one or more resources, newest first as given. Each entry
// has fullUrl "Type/id", the resource, request (POST Type for version "1", PUT Type/id after) and
// response (status, etag W/"versionId", lastModified meta.lastUpdated when present).
[[nodiscard]] boost::json::object make_history_bundle(
    const std::vector<boost::json::object>& versions);

// One version in a history Bundle: a live one has its resource (with meta.versionId and
// meta.lastUpdated); a deleted one has none, and is told by its type, id, version and time.
struct HistoryVersion {
  std::string_view type;
  std::string_view id;
  int64_t version = 0;
  int64_t last_updated_ms = 0;
  bool deleted = false;
  const boost::json::object* resource = nullptr;  // the live version's, never null then
};
// The same, where a deleted version's entry has no resource: request DELETE Type/id, response
// "204 No Content" with its etag and lastModified.
[[nodiscard]] boost::json::object make_history_bundle(std::span<const HistoryVersion> versions);

}  // namespace vigie::fhir
