// The authorization matrix of authorization_matrix.tsv, cell by cell, against access::decide.
#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <ranges>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "access/decide.hpp"

namespace vigie::access {
namespace {

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

std::vector<std::string> split(std::string_view text, char separator) {
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

std::vector<std::string> role_names() {
  std::vector<std::string> names;
  for (Role role : all_roles()) {
    names.emplace_back(name_of(role));
  }
  return names;
}

std::vector<std::string> action_names() {
  std::vector<std::string> names;
  for (Action action : all_actions()) {
    names.emplace_back(name_of(action));
  }
  return names;
}

// The rows of the data file; a malformed line or an unknown value fails the test.
std::vector<Row> load_matrix() {
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
        row.columns[column].any = true;
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

Target target_of(const MatrixTarget& target) {
  const std::string type(target.type);
  if (target.compartment == "patient") {
    return Target::patient(type, std::string(kPatient));
  }
  if (target.compartment == "shared") {
    return Target::shared(type);
  }
  if (target.compartment == "all") {
    return Target::all_patients(type);
  }
  return Target::none();
}

// The facts of a relation. "unassigned" still has an assignment and a live grant, both for
// another patient, so that a rule looking at the wrong patient shows.
Context context_of(std::string_view relation) {
  Context context;
  context.now_ms = kNow;
  if (relation == "assigned") {
    context.assigned_patients.insert(std::string(kPatient));
    return context;
  }
  context.assigned_patients.insert("p-2");
  const std::string granted = relation == "break-glass" ? std::string(kPatient) : "p-3";
  context.break_glass.push_back(
      BreakGlassGrant{granted, "unconscious patient at the front desk", kNow - 30 * 60 * 1000});
  return context;
}

Subject subject_of(Role role, std::string_view scope) {
  Subject subject{.role = role};
  if (scope != "session") {
    Result<Scope> parsed = parse_scope(scope);
    EXPECT_TRUE(parsed.has_value()) << scope;
    subject.scopes = std::vector<Scope>{parsed.value_or(Scope{})};
  }
  return subject;
}

TEST(AuthorizationMatrixTest, EveryCellHasExactlyOneRowAndDecideAgrees) {
  const std::vector<Row> rows = load_matrix();
  ASSERT_FALSE(rows.empty());
  std::vector<size_t> matches_per_row(rows.size(), 0);
  size_t cells = 0;
  size_t failures = 0;
  constexpr size_t kMaxReported = 40;
  auto report = [&](const std::string& message) {
    ++failures;
    if (failures <= kMaxReported) {
      ADD_FAILURE() << message;
    }
  };
  for (Role role : all_roles()) {
    for (Action action : all_actions()) {
      for (const MatrixTarget& target : kTargets) {
        for (std::string_view relation : kRelations) {
          for (std::string_view scope : kScopes) {
            ++cells;
            std::ostringstream cell;
            cell << name_of(role) << ' ' << name_of(action) << ' ' << target.type << '@'
                 << target.compartment << ' ' << relation << ' ' << scope;
            std::vector<size_t> matching;
            for (size_t index = 0; index < rows.size(); ++index) {
              const Row& row = rows[index];
              if (row.columns[0].matches(name_of(role)) &&
                  row.columns[1].matches(name_of(action)) && row.columns[2].matches(target.type) &&
                  row.columns[3].matches(target.compartment) && row.columns[4].matches(relation) &&
                  row.columns[5].matches(scope)) {
                matching.push_back(index);
                ++matches_per_row[index];
              }
            }
            if (matching.size() != 1) {
              std::ostringstream lines;
              for (size_t index : matching) {
                lines << " line " << rows[index].line;
              }
              report(cell.str() + ": matched by " + std::to_string(matching.size()) +
                     " rows, expected exactly one;" + lines.str());
              continue;
            }
            const Row& row = rows[matching.front()];
            const Decision decision =
                decide(subject_of(role, scope), action, target_of(target), context_of(relation));
            const std::string got = !decision.allow        ? "deny"
                                    : decision.break_glass ? "break-glass"
                                                           : "allow";
            if (got != row.expect || decision.reason != row.reason ||
                (!decision.allow && decision.break_glass)) {
              report(cell.str() + ": line " + std::to_string(row.line) + " expects " + row.expect +
                     " (" + row.reason + "), decide gives " + got + " (" + decision.reason + ")");
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(cells, 12'600U);
  EXPECT_EQ(failures, 0U) << "(the first " << kMaxReported << " are reported)";
  for (size_t index = 0; index < rows.size(); ++index) {
    EXPECT_GT(matches_per_row[index], 0U) << "line " << rows[index].line << " matches no cell";
  }
}

}  // namespace
}  // namespace vigie::access
