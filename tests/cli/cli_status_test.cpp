#include <gtest/gtest.h>

#include <string>

#include <boost/json.hpp>

#include "cli_fixture.hpp"

namespace vigie::testing {
namespace {

TEST_F(CliTest, StatusSaysInPlainWordsWhatTheCustodianShouldLookAt) {
  init_vault();
  ProcessResult fresh = run({"status"}, {});
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_TRUE(contains(fresh.out, "Comptes verrouillés / accounts locked: 0\n")) << fresh.out;
  EXPECT_TRUE(contains(fresh.out, "last audit verification: jamais / never")) << fresh.out;
  EXPECT_TRUE(contains(fresh.out, "last signed checkpoint: 20")) << fresh.out;
  EXPECT_TRUE(contains(fresh.out, "retention due: 0 patient(s)\n")) << fresh.out;
  EXPECT_TRUE(contains(fresh.out, "Alertes ouvertes / open alerts: 0\n")) << fresh.out;
  EXPECT_LT(fresh.out.find("Comptes verrouillés"), fresh.out.find("accounts locked"));

  ASSERT_EQ(
      run({"user", "add"}, {"--login", "alice", "--name", "Dr Alice", "--role", "practitioner"})
          .exit_code,
      0);
  ASSERT_EQ(run({"user", "lock"}, {"alice"}).exit_code, 0);
  ASSERT_EQ(run({"audit", "verify"}, {}).exit_code, 0);
  ProcessResult json = run({"status"}, {"--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const boost::json::object status = boost::json::parse(json.out).as_object();
  EXPECT_EQ(status.at("accounts_locked"), boost::json::array{"alice"});
  EXPECT_TRUE(status.at("last_audit_verification").is_string()) << json.out;
  EXPECT_GT(status.at("last_checkpoint").at("seq").as_int64(), 0);
  EXPECT_EQ(status.at("exports_pending").at("packages_awaiting_approval"), 0);
  EXPECT_EQ(status.at("exports_pending").at("bulk_jobs"), 0);
  EXPECT_EQ(status.at("retention_due"), 0);
  ProcessResult text = run({"status"}, {});
  EXPECT_TRUE(contains(text.out, "accounts locked: 1 (alice)")) << text.out;
}

}  // namespace
}  // namespace vigie::testing
