#pragma once

// The authorization matrix of issue #4 (tests/access/authorization_matrix.tsv): its cells, its
// rows and the row that decides a cell. Shared by the matrix tests of access/ (against decide)
// and gate/ (against the gate, through real accounts and sessions).

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <ranges>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "access/types.hpp"

namespace vigie::testing {

constexpr int64_t kNow = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr std::string_view kPatient = "p-1";

struct MatrixTarget {
  std::string_view type;
  std::string_view compartment;
};

constexpr std::array<MatrixTarget, 10> kTargets = {{
    {"Patient", "patient"},
    {"Observation", "patient"},
    {"CareTeam", "patient"},
    {"Appointment", "patient"},
    {"Coverage", "patient"},
    {"Practitioner", "shared"},
    {"Medication", "shared"},
    {"Patient", "all"},
    {"Observation", "all"},
    {"-", "none"},
}};

constexpr std::array<std::string_view, 3> kRelations = {"assigned", "unassigned", "break-glass"};

constexpr std::array<std::string_view, 6> kScopes = {
    "session",        "user/*.cruds",          "user/*.rs",
    "system/*.cruds", "system/Observation.rs", "patient/*.cruds"};

constexpr std::array<std::string_view, 8> kTypes = {
    "Patient",  "Observation",  "CareTeam",   "Appointment",
    "Coverage", "Practitioner", "Medication", "-"};

constexpr std::array<std::string_view, 4> kCompartments = {"patient", "shared", "all", "none"};

// A column of a row: every value, or the listed ones.
struct Pattern {
  bool any = false;
  std::vector<std::string> values;

  [[nodiscard]] bool matches(std::string_view value) const {
    return any || std::ranges::find(values, value) != values.end();
  }
};

struct Row {
  int line = 0;
  std::array<Pattern, 6> columns;  // role, action, type, compartment, relation, scope
  std::string expect;
  std::string reason;
};

inline std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  for (auto part : std::views::split(text, separator)) {
    parts.emplace_back(part.begin(), part.end());
  }
  return parts;
}

template <typename Values>
bool is_one_of(const Values& values, std::string_view value) {
  return std::ranges::find(values, value) != std::ranges::end(values);
}

inline std::vector<std::string> role_names() {
  std::vector<std::string> names;
  for (access::Role role : access::all_roles()) {
    names.emplace_back(access::name_of(role));
  }
  return names;
}

inline std::vector<std::string> action_names() {
  std::vector<std::string> names;
  for (access::Action action : access::all_actions()) {
    names.emplace_back(access::name_of(action));
  }
  return names;
}

// The rows of the data file; a malformed line or an unknown value fails the test.
inline std::vector<Row> load_matrix() {
  const std::string path = std::string(VIGIE_SOURCE_DIR) + "/tests/access/authorization_matrix.tsv";
  std::ifstream file(path);
  EXPECT_TRUE(file.is_open()) << path;
  const std::vector<std::string> roles = role_names();
  const std::vector<std::string> actions = action_names();
  auto known = [&](size_t column, std::string_view value) {
    switch (column) {
      case 0:
        return is_one_of(roles, value);
      case 1:
        return is_one_of(actions, value);
      case 2:
        return is_one_of(kTypes, value);
      case 3:
        return is_one_of(kCompartments, value);
      case 4:
        return is_one_of(kRelations, value);
      default:
        return is_one_of(kScopes, value);
    }
  };
  std::vector<Row> rows;
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    if (line.empty() || line.starts_with('#')) {
      continue;
    }
    const std::vector<std::string> fields = split(line, '\t');
    EXPECT_EQ(fields.size(), 8U) << "line " << number;
    if (fields.size() != 8) {
      continue;
    }
    Row row{.line = number, .columns = {}, .expect = fields[6], .reason = fields[7]};
    EXPECT_TRUE(row.expect == "allow" || row.expect == "deny" || row.expect == "break-glass")
        << "line " << number;
    EXPECT_FALSE(row.reason.empty()) << "line " << number;
    for (size_t column = 0; column < 6; ++column) {
      if (fields[column] == "*") {
        // A role or action added to access/ must match no row until its cells are decided.
        EXPECT_GE(column, 2U) << "line " << number << ": the role and action columns list their "
                              << "values, never *";
        row.columns[column].any = column >= 2;
        continue;
      }
      row.columns[column].values = split(fields[column], ',');
      for (const std::string& value : row.columns[column].values) {
        EXPECT_TRUE(known(column, value)) << "line " << number << ": unknown value " << value;
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Indexes of the rows that match a cell (exactly one in a sound matrix).
inline std::vector<size_t> rows_matching(const std::vector<Row>& rows, std::string_view role,
                                         std::string_view action, const MatrixTarget& target,
                                         std::string_view relation, std::string_view scope) {
  std::vector<size_t> matching;
  for (size_t index = 0; index < rows.size(); ++index) {
    const Row& row = rows[index];
    if (row.columns[0].matches(role) && row.columns[1].matches(action) &&
        row.columns[2].matches(target.type) && row.columns[3].matches(target.compartment) &&
        row.columns[4].matches(relation) && row.columns[5].matches(scope)) {
      matching.push_back(index);
    }
  }
  return matching;
}

}  // namespace vigie::testing
