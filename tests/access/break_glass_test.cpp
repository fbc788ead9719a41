#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "access/decide.hpp"

namespace vigie::access {
namespace {

constexpr int64_t kStart = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr int64_t kHour = 60 * 60 * 1000;
const std::string kGrant = "bg-1";

Decision read_observation(Role role, const Context& context) {
  return decide(Subject{.role = role}, Action::kRead, Target::patient("Observation", "p-1"),
                context);
}

Context with_grant(BreakGlassGrant grant, int64_t now_ms) {
  Context context;
  context.now_ms = now_ms;
  context.break_glass.push_back(std::move(grant));
  return context;
}

TEST(BreakGlassTest, WindowIsOneHourFromTheStart) {
  EXPECT_EQ(kBreakGlassWindowMs, kHour);
  const BreakGlassGrant grant{kGrant, "p-1", kStart};
  EXPECT_FALSE(is_active(grant, "p-1", kStart - 1));
  EXPECT_TRUE(is_active(grant, "p-1", kStart));
  EXPECT_TRUE(is_active(grant, "p-1", kStart + kHour - 1));
  EXPECT_FALSE(is_active(grant, "p-1", kStart + kHour));
  EXPECT_FALSE(is_active(grant, "p-1", kStart + kHour + 1));
}

TEST(BreakGlassTest, AGrantOneMillisecondPastItsWindowIsRefused) {
  const BreakGlassGrant grant{kGrant, "p-1", kStart};
  const Decision inside =
      read_observation(Role::kPractitioner, with_grant(grant, kStart + kHour - 1));
  EXPECT_TRUE(inside.allow);
  EXPECT_TRUE(inside.break_glass);
  EXPECT_EQ(inside.reason, "break-glass grant");

  const Decision past =
      read_observation(Role::kPractitioner, with_grant(grant, kStart + kHour + 1));
  EXPECT_FALSE(past.allow);
  EXPECT_FALSE(past.break_glass);
  EXPECT_EQ(past.reason, "patient not assigned; break-glass required");
}

TEST(BreakGlassTest, AGrantIsForItsPatientOnly) {
  const Context context = with_grant(BreakGlassGrant{kGrant, "p-2", kStart}, kStart + 1);
  EXPECT_FALSE(read_observation(Role::kPractitioner, context).allow);
  EXPECT_FALSE(is_active(BreakGlassGrant{kGrant, "", kStart}, "", kStart + 1));
}

TEST(BreakGlassTest, AReasonOfOnlyWhiteSpaceIsNoReason) {
  for (const char* reason : {"", " ", "\t\n", "\r", " \r\n ", "\v\f"}) {
    EXPECT_FALSE(is_stated_reason(reason)) << reason;
  }
  EXPECT_TRUE(is_stated_reason("\r malaise"));
}

TEST(BreakGlassTest, ExtremeTimesDoNotOverflow) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_FALSE(is_active(BreakGlassGrant{kGrant, "p-1", kMin}, "p-1", kMax));
  EXPECT_FALSE(is_active(BreakGlassGrant{kGrant, "p-1", kMax}, "p-1", kMin));
  EXPECT_TRUE(is_active(BreakGlassGrant{kGrant, "p-1", kMax - 1}, "p-1", kMax));
}

TEST(BreakGlassTest, AnExpiredGrantDoesNotHideALiveOne) {
  Context context = with_grant(BreakGlassGrant{kGrant, "p-1", kStart - 2 * kHour}, kStart + 1);
  context.break_glass.push_back(BreakGlassGrant{kGrant, "p-1", kStart});
  EXPECT_TRUE(read_observation(Role::kPractitioner, context).break_glass);
}

TEST(BreakGlassTest, AssignmentWinsAndIsNotFlagged) {
  Context context = with_grant(BreakGlassGrant{kGrant, "p-1", kStart}, kStart + 1);
  context.assigned_patients.insert("p-1");
  const Decision decision = read_observation(Role::kPractitioner, context);
  EXPECT_TRUE(decision.allow);
  EXPECT_FALSE(decision.break_glass);
  EXPECT_EQ(decision.reason, "assigned patient");
}

TEST(BreakGlassTest, OnlyPractitionersBreakTheGlass) {
  const Context context = with_grant(BreakGlassGrant{kGrant, "p-1", kStart}, kStart + 1);
  for (Role role : {Role::kAssistant, Role::kAdmin, Role::kDpo, Role::kService}) {
    const Decision decision = read_observation(role, context);
    EXPECT_FALSE(decision.allow) << name_of(role);
    EXPECT_FALSE(decision.break_glass) << name_of(role);
  }
}

TEST(BreakGlassTest, NeitherWritesTheCareTeamNorCarriesDataAway) {
  const Context context = with_grant(BreakGlassGrant{kGrant, "p-1", kStart}, kStart + 1);
  const Subject practitioner{.role = Role::kPractitioner};
  EXPECT_TRUE(decide(practitioner, Action::kCreate, Target::patient("Observation", "p-1"), context)
                  .break_glass);
  EXPECT_EQ(
      decide(practitioner, Action::kUpdate, Target::patient("CareTeam", "p-1"), context).reason,
      "break-glass may not change the care team");
  EXPECT_TRUE(
      decide(practitioner, Action::kRead, Target::patient("CareTeam", "p-1"), context).allow);
  for (Action action : {Action::kDelete, Action::kImport, Action::kExport}) {
    EXPECT_FALSE(decide(practitioner, action, Target::patient("Observation", "p-1"), context).allow)
        << name_of(action);
  }
  EXPECT_FALSE(
      decide(practitioner, Action::kErase, Target::patient("Patient", "p-1"), context).allow);
}

}  // namespace
}  // namespace vigie::access
