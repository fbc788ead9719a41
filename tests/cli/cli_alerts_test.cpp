#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "cli/command.hpp"
#include "cli_fixture.hpp"
#include "watch/alert.hpp"

namespace vigie::testing {
namespace {

class CliAlertsTest : public CliTest {
 protected:
  // Raises an alert in the vault as `vigie serve`'s checks do (the custodian's raise_alert).
  int64_t raise(watch::AlertKind kind, const std::string& login, const std::string& detail,
                bool lock) {
    cli::Options options;
    options.vault_dir = vault();
    options.unlock.key_file = key_file();
    auto unlocked = cli::open_gate(options);
    EXPECT_TRUE(unlocked) << unlocked.error().message;
    if (!unlocked) {
      return 0;
    }
    auto id = unlocked->gate->raise_alert(unlocked->custodian, kind, login, detail, lock);
    EXPECT_TRUE(id) << id.error().message;
    EXPECT_TRUE(unlocked->gate->close());
    return id ? *id : 0;
  }
};

TEST_F(CliAlertsTest, ListShowsKindSeverityAccountAndDetailAndAckClosesAnAlert) {
  init_vault();
  ASSERT_EQ(
      run({"user", "add"}, {"--login", "alice", "--name", "Dr Alice", "--role", "practitioner"})
          .exit_code,
      0);
  ProcessResult none = run({"alerts", "list"}, {});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_TRUE(contains(none.out, "Aucune alerte / no alert")) << none.out;

  const int64_t honey = raise(watch::AlertKind::kHoney, "alice", "a decoy record was read", true);
  const int64_t bulk = raise(watch::AlertKind::kBulkRead, "", "41 patients in 10 minutes", false);
  ASSERT_GT(bulk, honey);
  ProcessResult listed = run({"alerts", "list"}, {});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_TRUE(contains(listed.out,
                       "honey  critique / critical  compte / account: alice "
                       "(verrouillé / locked)"))
      << listed.out;
  EXPECT_TRUE(contains(listed.out, "bulk-read  avertissement / warning  compte / account: -"))
      << listed.out;
  EXPECT_LT(listed.out.find("honey"), listed.out.find("bulk-read"));

  ProcessResult acked = run({"alerts", "ack"}, {std::to_string(honey)});
  ASSERT_EQ(acked.exit_code, 0) << acked.err;
  ProcessResult open = run({"alerts", "list"}, {"--open", "--json"});
  ASSERT_EQ(open.exit_code, 0) << open.err;
  const boost::json::object only = boost::json::parse(open.out).as_object();
  EXPECT_EQ(only.at("id"), bulk);
  EXPECT_EQ(only.at("kind"), "bulk-read");
  EXPECT_EQ(only.at("severity"), "warning");
  EXPECT_EQ(only.at("acknowledged"), false);
  ProcessResult all = run({"alerts", "list"}, {"--json"});
  EXPECT_TRUE(contains(all.out, "\"acknowledged\":true")) << all.out;

  ProcessResult unknown = run({"alerts", "ack"}, {"999"});
  EXPECT_NE(unknown.exit_code, 0);
  ProcessResult status = run({"status"}, {"--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(boost::json::parse(status.out).at("alerts_open"), 1);
}

}  // namespace
}  // namespace vigie::testing
