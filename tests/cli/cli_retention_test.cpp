#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>

#include "cli/retention_commands.hpp"
#include "cli_fixture.hpp"
#include "common/clock.hpp"
#include "lifecycle/retention.hpp"

namespace vigie::testing {
namespace {

TEST_F(CliTest, RetentionRunKeepsRecentPatientsAndRefusesAMisspeltRule) {
  init_vault();
  ASSERT_EQ(
      vigie_on_vault("import", {write_input("p.json", R"({"resourceType":"Patient"})")}).exit_code,
      0);
  ProcessResult dry = run({"retention", "run"}, {"--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_TRUE(contains(dry.out,
                       "dry run (nothing is erased): 1 patient(s) examiné(s) / examined, 0 "
                       "à effacer / due"))
      << dry.out;
  ProcessResult applied = run({"retention", "run"}, {});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_TRUE(contains(applied.out, "1 patient(s) examiné(s) / examined, 0 à effacer / due"))
      << applied.out;
  ProcessResult audit = run({"audit", "log"}, {"--action", "retention", "--format", "json"});
  EXPECT_TRUE(contains(audit.out, "retention (dry run): 1 patient(s) examined, 0 due"))
      << audit.out;

  write_input("vault/vigie.toml", "[retention]\nactive_yaers = 20\n");
  ProcessResult misspelt = run({"retention", "run"}, {"--dry-run"});
  EXPECT_EQ(misspelt.exit_code, 2);
  EXPECT_TRUE(contains(misspelt.err, "unknown key 'active_yaers' in [retention]")) << misspelt.err;
  write_input("vault/vigie.toml", "[retention.types]\nObservaton = 20\n");
  ProcessResult unknown_type = run({"retention", "run"}, {});
  EXPECT_EQ(unknown_type.exit_code, 2);
  EXPECT_TRUE(contains(unknown_type.err, "'Observaton' is not a resource type vigie knows"))
      << unknown_type.err;
}

TEST(RetentionTimerTest, CallsDueWhenTheScheduleSaysAndStopsCleanly) {
  constexpr int64_t kStart = 1'790'000'000'000;
  constexpr int64_t kPeriod = lifecycle::kRetentionPeriodMs;
  ManualClock clock(kStart);
  std::mutex mutex;
  std::vector<int64_t> runs;
  std::promise<void> first_run;
  std::promise<void> second_run;
  {
    cli::RetentionTimer timer(clock, lifecycle::RetentionSchedule(kStart), [&] {
      const std::scoped_lock lock(mutex);
      runs.push_back(clock.now_ms());
      (runs.size() == 1 ? first_run : second_run).set_value();
      return true;
    });
    first_run.get_future().wait();  // due at start
    clock.advance_ms(kPeriod - 1);
    timer.wake();
    clock.advance_ms(1);
    timer.wake();
    second_run.get_future().wait();
    timer.stop();
    timer.stop();  // idempotent
  }
  const std::scoped_lock lock(mutex);
  EXPECT_EQ(runs, (std::vector<int64_t>{kStart, kStart + kPeriod}));
}

TEST(RetentionTimerTest, ARunThatCouldNotBeQueuedIsTriedAgainAMinuteLater) {
  constexpr int64_t kStart = 1'790'000'000'000;
  ManualClock clock(kStart);
  std::atomic<int> calls = 0;
  std::promise<void> refused;
  std::promise<void> retried;
  cli::RetentionTimer timer(clock, lifecycle::RetentionSchedule(kStart), [&] {
    const int call = ++calls;
    if (call == 1) {
      refused.set_value();
      return false;
    }
    if (call == 2) {
      retried.set_value();
    }
    return true;
  });
  refused.get_future().wait();
  clock.advance_ms(60'000);
  timer.wake();
  retried.get_future().wait();
  timer.stop();
  EXPECT_EQ(calls.load(), 2);
}

}  // namespace
}  // namespace vigie::testing
