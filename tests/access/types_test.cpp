#include "access/types.hpp"

#include <gtest/gtest.h>

namespace vigie::access {
namespace {

TEST(AccessTypesTest, NamesRoundTrip) {
  EXPECT_EQ(all_roles().size(), 5U);
  EXPECT_EQ(all_actions().size(), 14U);
  for (Role role : all_roles()) {
    EXPECT_EQ(parse_role(name_of(role)), role);
  }
  for (Action action : all_actions()) {
    EXPECT_EQ(parse_action(name_of(action)), action);
  }
  EXPECT_EQ(name_of(Role::kDpo), "dpo");
  EXPECT_EQ(name_of(Action::kAuditRead), "audit-read");
  EXPECT_EQ(parse_role("Admin"), std::nullopt);
  EXPECT_EQ(parse_role("custodian"), std::nullopt);
  EXPECT_EQ(parse_action("READ"), std::nullopt);
  EXPECT_EQ(parse_action(""), std::nullopt);
}

TEST(AccessTypesTest, SmartLetters) {
  EXPECT_EQ(smart_permissions(Action::kRead), kPermRead);
  EXPECT_EQ(smart_permissions(Action::kVread), kPermRead);
  EXPECT_EQ(smart_permissions(Action::kHistory), kPermRead);
  EXPECT_EQ(smart_permissions(Action::kSearch), kPermSearch);
  EXPECT_EQ(smart_permissions(Action::kCreate), kPermCreate);
  EXPECT_EQ(smart_permissions(Action::kUpdate), kPermUpdate);
  EXPECT_EQ(smart_permissions(Action::kDelete), kPermDelete);
  EXPECT_EQ(smart_permissions(Action::kImport), kPermCreate | kPermUpdate);
  EXPECT_EQ(smart_permissions(Action::kExport), kPermRead | kPermSearch);
  for (Action action : {Action::kErase, Action::kAuditRead, Action::kIncidentReport,
                        Action::kAccountAdmin, Action::kConfigChange}) {
    EXPECT_EQ(smart_permissions(action), 0) << name_of(action);
  }
}

TEST(AccessTypesTest, ResourceActionsAreTheFirstTen) {
  int resource_actions = 0;
  for (Action action : all_actions()) {
    resource_actions += is_resource_action(action) ? 1 : 0;
    EXPECT_EQ(is_resource_action(action),
              smart_permissions(action) != 0 || action == Action::kErase)
        << name_of(action);
  }
  EXPECT_EQ(resource_actions, 10);
}

}  // namespace
}  // namespace vigie::access
