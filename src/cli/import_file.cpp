#include "cli/import_file.hpp"

#include <fstream>
#include <iterator>
#include <string>

#include <fmt/format.h>
#include <boost/json/array.hpp>

#include "fhir/json.hpp"

namespace vigie::cli {

namespace {

namespace json = boost::json;

bool is_ndjson(const std::filesystem::path& path) {
  const std::string extension = path.extension().string();
  return extension == ".ndjson" || extension == ".jsonl";
}

json::object collection_of(json::array entries) {
  json::object bundle;
  bundle["resourceType"] = "Bundle";
  bundle["type"] = "collection";
  bundle["entry"] = std::move(entries);
  return bundle;
}

json::object entry_of(json::object resource) {
  json::object entry;
  entry["resource"] = std::move(resource);
  return entry;
}

Result<json::object> read_ndjson(const std::filesystem::path& path, std::ifstream& input) {
  const std::string text{std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>()};
  if (input.bad()) {
    return fail(ErrorCode::kInvalidInput, fmt::format("{} : illisible", path.string()),
                fmt::format("{}: cannot be read", path.string()));
  }
  return ndjson_bundle(text, path);
}

}  // namespace

Result<json::object> ndjson_bundle(std::string_view text, const std::filesystem::path& path) {
  const fhir::JsonLimits limits;
  json::array entries;
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      continue;
    }
    auto resource = fhir::parse_json_object(line, limits);
    if (!resource) {
      return fail(ErrorCode::kInvalidInput, fmt::format("{}, line {}: {}", path.string(),
                                                        line_number, resource.error().message));
    }
    entries.push_back(entry_of(std::move(*resource)));
  }
  return collection_of(std::move(entries));
}

Result<json::object> read_import_file(const std::filesystem::path& path) {
  std::ifstream input(path, std::ios::binary);
  if (!input) {
    return fail(ErrorCode::kInvalidInput, fmt::format("{} : impossible à ouvrir", path.string()),
                fmt::format("{}: cannot be opened", path.string()));
  }
  if (is_ndjson(path)) {
    return read_ndjson(path, input);
  }
  const fhir::JsonLimits limits;
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    return fail(ErrorCode::kInvalidInput, fmt::format("{} : illisible", path.string()),
                fmt::format("{}: cannot be read", path.string()));
  }
  if (size > limits.max_bytes) {
    return fail(ErrorCode::kInvalidInput,
                fmt::format("{} : {} octets dépassent la limite de {} octets d'un document JSON",
                            path.string(), size, limits.max_bytes),
                fmt::format("{}: {} bytes is over the limit of {} bytes for one JSON document",
                            path.string(), size, limits.max_bytes));
  }
  std::string text(static_cast<size_t>(size), '\0');
  if (!input.read(text.data(), static_cast<std::streamsize>(text.size()))) {
    return fail(ErrorCode::kInvalidInput, fmt::format("{} : illisible", path.string()),
                fmt::format("{}: cannot be read", path.string()));
  }
  auto document = fhir::parse_json_object(text, limits);
  if (!document) {
    return fail(ErrorCode::kInvalidInput,
                fmt::format("{}: {}", path.string(), document.error().message));
  }
  const json::value* type = document->if_contains("resourceType");
  if (const json::string* type_text = type != nullptr ? fhir::json_string(*type) : nullptr;
      type_text != nullptr && *type_text == "Bundle") {
    return std::move(*document);
  }
  json::array entries;
  entries.push_back(entry_of(std::move(*document)));
  return collection_of(std::move(entries));
}

}  // namespace vigie::cli
