#include "fhir/outcome.hpp"

#include <string>
#include <string_view>

#include <fmt/format.h>

#include "fhir/json.hpp"
#include "fhir/search.hpp"

namespace vigie::fhir {

namespace {

std::string_view string_or_empty(const boost::json::object& object, std::string_view key) {
  const boost::json::value* value = object.if_contains(key);
  const boost::json::string* text = value != nullptr ? json_string(*value) : nullptr;
  return text != nullptr ? std::string_view(*text) : std::string_view();
}

std::string full_url_of(const boost::json::object& resource) {
  return fmt::format("{}/{}", string_or_empty(resource, "resourceType"),
                     string_or_empty(resource, "id"));
}

boost::json::object history_entry(const boost::json::object& version) {
  std::string_view type = string_or_empty(version, "resourceType");
  std::string_view version_id;
  std::string_view last_updated;
  if (const boost::json::value* meta = version.if_contains("meta"); meta && meta->is_object()) {
    version_id = string_or_empty(meta->get_object(), "versionId");
    last_updated = string_or_empty(meta->get_object(), "lastUpdated");
  }
  bool first_version = version_id == "1";
  boost::json::object request;
  request["method"] = first_version ? "POST" : "PUT";
  request["url"] = first_version ? std::string(type) : full_url_of(version);
  boost::json::object response;
  response["status"] = first_version ? "201 Created" : "200 OK";
  if (!version_id.empty()) {
    response["etag"] = fmt::format("W/\"{}\"", version_id);
  }
  if (!last_updated.empty()) {
    response["lastModified"] = last_updated;
  }
  boost::json::object entry;
  entry["fullUrl"] = full_url_of(version);
  entry["resource"] = version;
  entry["request"] = std::move(request);
  entry["response"] = std::move(response);
  return entry;
}

}  // namespace

boost::json::object make_operation_outcome(const Error& error) {
  return make_operation_outcome(fhir_issue_code_for(error.code), error.message);
}

boost::json::object make_operation_outcome(std::string_view issue_code,
                                           std::string_view diagnostics) {
  boost::json::object issue;
  issue["severity"] = "error";
  issue["code"] = issue_code;
  issue["diagnostics"] = diagnostics;
  boost::json::object outcome;
  outcome["resourceType"] = "OperationOutcome";
  outcome["issue"] = boost::json::array{std::move(issue)};
  return outcome;
}

boost::json::object make_searchset(size_t total, const std::vector<boost::json::object>& resources,
                                   const std::vector<boost::json::object>& included) {
  boost::json::object bundle;
  bundle["resourceType"] = "Bundle";
  bundle["type"] = "searchset";
  bundle["total"] = total;
  if (!resources.empty() || !included.empty()) {
    boost::json::array entries;
    entries.reserve(resources.size() + included.size());
    for (const auto& [list, mode] :
         {std::pair{&resources, "match"}, std::pair{&included, "include"}}) {
      for (const boost::json::object& resource : *list) {
        boost::json::object entry;
        entry["fullUrl"] = full_url_of(resource);
        entry["resource"] = resource;
        entry["search"] = boost::json::object{{"mode", mode}};
        entries.emplace_back(std::move(entry));
      }
    }
    bundle["entry"] = std::move(entries);
  }
  return bundle;
}

boost::json::object make_history_bundle(std::span<const HistoryVersion> versions) {
  boost::json::object bundle;
  bundle["resourceType"] = "Bundle";
  bundle["type"] = "history";
  bundle["total"] = versions.size();
  if (!versions.empty()) {
    boost::json::array entries;
    entries.reserve(versions.size());
    for (const HistoryVersion& version : versions) {
      if (!version.deleted && version.resource != nullptr) {
        entries.emplace_back(history_entry(*version.resource));
        continue;
      }
      const std::string url = fmt::format("{}/{}", version.type, version.id);
      boost::json::object entry;
      entry["fullUrl"] = url;
      entry["request"] = boost::json::object{{"method", "DELETE"}, {"url", url}};
      entry["response"] =
          boost::json::object{{"status", "204 No Content"},
                              {"etag", fmt::format("W/\"{}\"", version.version)},
                              {"lastModified", format_instant(version.last_updated_ms)}};
      entries.emplace_back(std::move(entry));
    }
    bundle["entry"] = std::move(entries);
  }
  return bundle;
}

boost::json::object make_history_bundle(const std::vector<boost::json::object>& versions) {
  std::vector<HistoryVersion> live;
  live.reserve(versions.size());
  for (const boost::json::object& version : versions) {
    HistoryVersion entry;
    entry.resource = &version;
    live.push_back(entry);
  }
  return make_history_bundle(live);
}

}  // namespace vigie::fhir
