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
#include "support/authorization_matrix.hpp"

namespace vigie::access {
namespace {

using testing::kNow;
using testing::kPatient;
using testing::kRelations;
using testing::kScopes;
using testing::kTargets;
using testing::load_matrix;
using testing::MatrixTarget;
using testing::Row;
using testing::rows_matching;

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
  context.break_glass.push_back(BreakGlassGrant{"bg-1", granted, kNow - 30 * 60 * 1000});
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
            const std::vector<size_t> matching =
                rows_matching(rows, name_of(role), name_of(action), target, relation, scope);
            for (size_t index : matching) {
              ++matches_per_row[index];
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
  // Derived from the enums: a role or an action added to access/ adds cells, which no row of the
  // matrix decides until someone writes it (role and action are never `*` in the matrix).
  EXPECT_EQ(cells, all_roles().size() * all_actions().size() * kTargets.size() * kRelations.size() *
                       kScopes.size());
  EXPECT_EQ(all_roles().size() * all_actions().size(), 5U * 14U)
      << "a role or an action was added: decide its cells in authorization_matrix.tsv and "
         "update this count";
  EXPECT_EQ(failures, 0U) << "(the first " << kMaxReported << " are reported)";
  for (size_t index = 0; index < rows.size(); ++index) {
    EXPECT_GT(matches_per_row[index], 0U) << "line " << rows[index].line << " matches no cell";
  }
}

TEST(AuthorizationMatrixTest, NoRowDecidesARoleOrAnActionByWildcard) {
  std::ifstream file(std::string(VIGIE_SOURCE_DIR) + "/tests/access/authorization_matrix.tsv");
  ASSERT_TRUE(file.is_open());
  std::string line;
  for (int number = 1; std::getline(file, line); ++number) {
    if (line.empty() || line.starts_with('#')) {
      continue;
    }
    EXPECT_FALSE(line.starts_with("*\t")) << "line " << number << ": role is *";
    const size_t second = line.find('\t') + 1;
    EXPECT_NE(line.substr(second, 2), "*\t") << "line " << number << ": action is *";
  }
}

}  // namespace
}  // namespace vigie::access
