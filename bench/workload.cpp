#include "bench/workload.hpp"

#include <exception>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <boost/json/array.hpp>

#include "fhir/json.hpp"
#include "fhir/search_index.hpp"

namespace vigie::bench {

namespace {

namespace json = boost::json;

constexpr std::string_view kFormat = "vigie-bench-workload/1";

json::array index_array(const json::object& resource) {
  json::array pairs;
  for (const fhir::IndexEntry& entry : fhir::index_entries(resource)) {
    pairs.push_back(json::array{json::string(entry.param), json::string(entry.value)});
  }
  return pairs;
}

json::array string_array(const std::vector<std::string>& values) {
  json::array array;
  array.reserve(values.size());
  for (const std::string& value : values) {
    array.emplace_back(value);
  }
  return array;
}

std::vector<std::string> strings_of(const json::value& value) {
  std::vector<std::string> strings;
  for (const json::value& item : value.as_array()) {
    strings.emplace_back(item.as_string());
  }
  return strings;
}

// Decodes the lines after the header. Boost.JSON accessors throw on a wrong type; the caller
// turns that into kInvalidInput.
Result<Workload> decode(std::string_view text) {
  size_t line_number = 0;
  auto next_line = [&]() -> std::string_view {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_number;
    return line;
  };
  auto parsed_line = [&](std::string_view line) -> Result<json::object> {
    auto object = fhir::parse_json_object(line);
    if (!object) {
      return fail(ErrorCode::kInvalidInput,
                  fmt::format("workload line {}: {}", line_number, object.error().message));
    }
    return object;
  };
  auto header = parsed_line(next_line());
  if (!header) {
    return tl::unexpected(header.error());
  }
  if (header->at("format").as_string() != kFormat) {
    return fail(ErrorCode::kInvalidInput, "workload file has an unknown format");
  }
  Workload workload;
  for (const json::value& pair : header->at("reads").as_array()) {
    const json::array& key = pair.as_array();
    workload.reads.push_back(
        ResourceKey{std::string(key.at(0).as_string()), std::string(key.at(1).as_string())});
  }
  workload.identifiers = strings_of(header->at("identifiers"));
  workload.family_prefixes = strings_of(header->at("family_prefixes"));
  size_t entry_index = 0;
  for (const json::value& size_value : header->at("batch_sizes").as_array()) {
    fhir::BundlePlan& batch = workload.batches.emplace_back();
    batch.kind = fhir::BundleKind::kTransaction;
    const auto batch_size = size_value.to_number<size_t>();
    for (size_t position = 0; position < batch_size; ++position) {
      auto line = parsed_line(next_line());
      if (!line) {
        return tl::unexpected(line.error());
      }
      fhir::PlannedEntry& entry = batch.entries.emplace_back();
      entry.index = entry_index++;
      entry.action = fhir::EntryAction::kCreate;
      entry.type = std::string(line->at("type").as_string());
      entry.id = std::string(line->at("id").as_string());
      entry.resource = std::move(line->at("resource").as_object());
      if (index_array(entry.resource) != line->at("index").as_array()) {
        return fail(
            ErrorCode::kIntegrity,
            fmt::format("workload line {}: index entries differ from this build's", line_number));
      }
    }
  }
  return workload;
}

}  // namespace

size_t Workload::resource_count() const {
  size_t count = 0;
  for (const fhir::BundlePlan& batch : batches) {
    count += batch.entries.size();
  }
  return count;
}

Result<void> write_workload(const Workload& workload, const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    return fail(ErrorCode::kInternal, "cannot create the workload file");
  }
  json::array batch_sizes;
  for (const fhir::BundlePlan& batch : workload.batches) {
    batch_sizes.emplace_back(batch.entries.size());
  }
  json::array reads;
  reads.reserve(workload.reads.size());
  for (const ResourceKey& key : workload.reads) {
    reads.push_back(json::array{json::string(key.type), json::string(key.id)});
  }
  json::object header{{"format", kFormat},
                      {"batch_sizes", std::move(batch_sizes)},
                      {"reads", std::move(reads)},
                      {"identifiers", string_array(workload.identifiers)},
                      {"family_prefixes", string_array(workload.family_prefixes)}};
  out << fhir::to_json_text(header) << '\n';
  for (const fhir::BundlePlan& batch : workload.batches) {
    for (const fhir::PlannedEntry& entry : batch.entries) {
      json::object line{{"type", entry.type},
                        {"id", entry.id},
                        {"resource", entry.resource},
                        {"index", index_array(entry.resource)}};
      out << fhir::to_json_text(line) << '\n';
    }
  }
  out.flush();
  if (!out) {
    return fail(ErrorCode::kInternal, "cannot write the workload file");
  }
  return {};
}

Result<Workload> read_workload(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::kNotFound, "cannot open the workload file");
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  try {
    return decode(contents.str());
  } catch (const std::exception&) {
    return fail(ErrorCode::kInvalidInput, "workload file has a missing or mistyped field");
  }
}

}  // namespace vigie::bench
