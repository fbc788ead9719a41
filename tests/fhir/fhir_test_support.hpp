#pragma once

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fhir/json.hpp"
#include "fhir/search_index.hpp"

namespace vigie::fhir::testing {

// Parses JSON written in a test as vigie parses any input (numbers keep their text); the text
// is trusted, so value() throwing on a mistake in it is fine here.
inline boost::json::object object_from(std::string_view json) {
  return parse_json_object(json).value();
}

inline std::string read_fixture(std::string_view name) {
  std::ifstream file(std::string(VIGIE_SOURCE_DIR) + "/tests/fhir/fixtures/" + std::string(name));
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

inline bool has_entry(const std::vector<IndexEntry>& entries, std::string_view param,
                      std::string_view value) {
  return std::any_of(entries.begin(), entries.end(), [&](const IndexEntry& entry) {
    return entry.param == param && entry.value == value;
  });
}

inline std::vector<std::string> values_of(const std::vector<IndexEntry>& entries,
                                          std::string_view param) {
  std::vector<std::string> values;
  for (const IndexEntry& entry : entries) {
    if (entry.param == param) {
      values.push_back(entry.value);
    }
  }
  return values;
}

}  // namespace vigie::fhir::testing
