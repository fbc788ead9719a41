// The attacks of issue #3 on the audit log, through the real binary and the sqlite3 shell: an
// attacker holding the data file edits, deletes, swaps and forges; `vigie audit verify` names
// the first sequence number where the chain breaks. Then the log's queries and the incident
// report on a scripted scenario.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "audit/chain.hpp"
#include "audit/checkpoint.hpp"
#include "audit/entry.hpp"
#include "audit/query.hpp"
#include "cli_fixture.hpp"
#include "demo/demo_data.hpp"
#include "fhir/json.hpp"
#include "support/vault_contents.hpp"

namespace vigie {
namespace {

using testing::contains;

using testing::CliTest;
using testing::ProcessResult;

// posix_spawn does not search PATH.
std::string sqlite_shell() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path == nullptr ? "" : path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::filesystem::path candidate = std::filesystem::path(dir) / "sqlite3";
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
  }
  return "";
}

std::string hex(std::span<const uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (uint8_t byte : bytes) {
    text += kHex[byte >> 4];
    text += kHex[byte & 0x0f];
  }
  return text;
}

audit::Hash hash_from_hex(const std::string& text) {
  audit::Hash hash{};
  for (size_t index = 0; index < hash.size() && 2 * index + 1 < text.size(); ++index) {
    hash[index] = static_cast<uint8_t>(std::stoi(text.substr(2 * index, 2), nullptr, 16));
  }
  return hash;
}

std::string random_hex(size_t bytes) {
  std::random_device random;
  std::vector<uint8_t> data(bytes);
  for (uint8_t& byte : data) {
    byte = static_cast<uint8_t>(random());
  }
  return hex(data);
}

// The sequence number `audit verify` names as the first break; -1 when it names none.
int64_t broken_at(const ProcessResult& result) {
  static const std::string kMarker = "(audit log broken at entry ";
  const size_t at = result.err.find(kMarker);
  return at == std::string::npos ? -1 : std::stoll(result.err.substr(at + kMarker.size()));
}

std::vector<boost::json::object> ndjson_objects(const std::string& text) {
  std::vector<boost::json::object> objects;
  std::stringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    objects.push_back(boost::json::parse(line).as_object());
  }
  return objects;
}

std::vector<int64_t> seqs_of(const boost::json::array& entries) {
  std::vector<int64_t> seqs;
  for (const boost::json::value& entry : entries) {
    seqs.push_back(entry.at("seq").as_int64());
  }
  return seqs;
}

class CliAuditTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    shell_ = sqlite_shell();
    ASSERT_FALSE(shell_.empty()) << "these tests need the sqlite3 shell";
    ProcessResult init =
        vigie({"init", "--vault", vault(), "--passphrase-file", passphrase_file(), "--key-file",
               key_file(), "--checkpoint-file", checkpoint_file(), "--checkpoint-entries", "5"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    demo::DemoOptions options;
    options.patients = 3;
    options.seed = 99;
    const boost::json::object bundle = demo::generate_bundle(options);
    facts_ = demo::patient_facts(bundle);
    ProcessResult imported =
        vigie_on_vault("import", {write_input("demo.json", fhir::to_json_text(bundle))});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    ProcessResult searched = vigie_on_vault("search", {"Patient"});
    ASSERT_EQ(searched.exit_code, 0) << searched.err;
    const boost::json::value searchset = boost::json::parse(searched.out);
    for (const boost::json::value& entry : searchset.at("entry").as_array()) {
      const boost::json::value& patient = entry.at("resource");
      const std::string id(patient.at("id").as_string());
      ids_.push_back(id);
      family_[id] = std::string(patient.at("name").at(0).at("family").as_string());
    }
    ASSERT_EQ(ids_.size(), 3u);
    std::sort(ids_.begin(), ids_.end());
    // A few dozen entries, with stored and external checkpoints among them.
    for (int round = 0; round < 2; ++round) {
      for (const std::string& id : ids_) {
        ProcessResult read = vigie_on_vault("get", {"Patient/" + id});
        ASSERT_EQ(read.exit_code, 0) << read.err;
      }
    }
    for (const std::string& id : ids_) {
      ProcessResult found = vigie_on_vault("search", {"Observation", "subject=Patient/" + id});
      ASSERT_EQ(found.exit_code, 0) << found.err;
    }
    ASSERT_GE(row_count(), 20);
    ASSERT_EQ(audit("verify").exit_code, 0);
  }

  [[nodiscard]] std::string checkpoint_file() const { return (dir_ / "checkpoints").string(); }
  [[nodiscard]] std::filesystem::path audit_file() const {
    return std::filesystem::path(vault()) / "audit.db";
  }

  // `vigie audit COMMAND --vault DIR --key-file KEY ARGS...`
  ProcessResult audit(const std::string& command, const std::vector<std::string>& args = {}) {
    std::vector<std::string> full{"audit", command, "--vault", vault(), "--key-file", key_file()};
    full.insert(full.end(), args.begin(), args.end());
    return vigie(full);
  }

  ProcessResult incident_report(const std::vector<std::string>& args) {
    std::vector<std::string> full{"incident", "report",     "--vault",
                                  vault(),    "--key-file", key_file()};
    full.insert(full.end(), args.begin(), args.end());
    return vigie(full);
  }

  // Runs `statements` with the sqlite3 shell on the data file, as an attacker would.
  std::string sql(const std::string& statements) {
    ProcessResult result =
        testing::run_process(shell_, {"-bail", audit_file().string(), statements});
    EXPECT_EQ(result.exit_code, 0) << statements << ": " << result.err;
    std::string out = result.out;
    while (!out.empty() && out.back() == '\n') {
      out.pop_back();
    }
    return out;
  }

  int64_t row_count() { return std::stoll(sql("SELECT count(*) FROM audit_log")); }

  std::string column_hex(int64_t seq, const std::string& column) {
    return sql("SELECT lower(hex(" + column +
               ")) FROM audit_log WHERE seq = " + std::to_string(seq));
  }

  void set_row(int64_t seq, const std::string& canonical_hex, const std::string& hash_hex) {
    sql("DROP TRIGGER IF EXISTS audit_log_no_update; UPDATE audit_log SET canonical = X'" +
        canonical_hex + "', hash = X'" + hash_hex + "' WHERE seq = " + std::to_string(seq));
  }

  // The seqs of every checkpoint, stored in the vault or written to the external file.
  std::set<int64_t> checkpoint_seqs() {
    std::set<int64_t> seqs;
    std::stringstream stored(sql("SELECT seq FROM audit_checkpoints"));
    for (std::string line; std::getline(stored, line);) {
      seqs.insert(std::stoll(line));
    }
    auto external = audit::read_checkpoint_file(checkpoint_file());
    EXPECT_TRUE(external.has_value());
    if (external) {
      for (const audit::Checkpoint& checkpoint : *external) {
        seqs.insert(checkpoint.seq);
      }
    }
    return seqs;
  }

  // The first entry of the log with `action` on a resource of patient `id`.
  audit::Entry first_entry(std::string_view action, const std::string& id) {
    for (const audit::Entry& entry : testing::audit_entries(vault())) {
      if (entry.action == action &&
          std::any_of(entry.targets.begin(), entry.targets.end(),
                      [&](const audit::Target& target) { return target.compartment == id; })) {
        return entry;
      }
    }
    ADD_FAILURE() << "no " << action << " entry for that id";
    return {};
  }

  void expect_verifies() {
    ProcessResult result = audit("verify");
    EXPECT_EQ(result.exit_code, 0) << result.err;
  }

  std::string shell_;
  std::vector<demo::DemoPatientFacts> facts_;
  std::vector<std::string> ids_;  // sorted
  std::map<std::string, std::string> family_;
};

TEST_F(CliAuditTest, UntouchedLogVerifiesEveryRow) {
  const int64_t rows_before = row_count();
  ProcessResult result = audit("verify");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  ASSERT_TRUE(contains(result.out, "entrées vérifiées")) << result.out;
  const int64_t verified = std::stoll(result.out);
  // The verifying process's unlock entry comes before the verification, its own audit-read
  // entry after it: the count is every row there was while it verified.
  EXPECT_EQ(verified, rows_before + 1);
  const std::vector<audit::Entry> entries = testing::audit_chain(vault());
  ASSERT_EQ(static_cast<int64_t>(entries.size()), row_count());
  EXPECT_EQ(row_count(), verified + 1);
  EXPECT_EQ(entries.back().seq, verified + 1);
  EXPECT_EQ(entries.back().action, audit::kActionAuditRead);
  ASSERT_EQ(entries.back().targets.size(), 1u);
  EXPECT_EQ(entries.back().targets[0].id, "verify");
}

TEST_F(CliAuditTest, EditedEntryFailsAtItsSeq) {
  // The attacker hides that patient A was read: the entry now names patient C instead. The
  // stored hash is left as it was.
  const audit::Entry original = first_entry(audit::kActionRead, ids_[0]);
  const int64_t k = original.seq;
  ASSERT_GT(k, 1);
  const std::string original_hex = column_hex(k, "canonical");
  const std::string original_hash = column_hex(k, "hash");
  // The attacker's encoding is the vault's own: the forgery below is a well-formed entry.
  ASSERT_EQ(original_hex, hex(audit::encode(original)));
  audit::Entry forged = original;
  ASSERT_EQ(forged.targets.size(), 1u);
  forged.targets[0].id = ids_[2];
  forged.targets[0].compartment = ids_[2];
  set_row(k, hex(audit::encode(forged)), original_hash);
  ProcessResult edited = audit("verify");
  EXPECT_EQ(edited.exit_code, 6) << edited.err;
  EXPECT_EQ(edited.out, "");
  EXPECT_EQ(broken_at(edited), k) << edited.err;
  EXPECT_TRUE(contains(edited.err, "modified")) << edited.err;

  // One byte flipped in place by a SQL expression.
  set_row(k, original_hex, original_hash);
  const size_t middle = original_hex.size() / 4;
  const int flipped = std::stoi(original_hex.substr(2 * middle, 2), nullptr, 16) ^ 0x01;
  sql("UPDATE audit_log SET canonical = CAST(substr(canonical, 1, " + std::to_string(middle) +
      ") || X'" + hex(std::vector<uint8_t>{static_cast<uint8_t>(flipped)}) +
      "' || substr(canonical, " + std::to_string(middle + 2) +
      ") AS BLOB) WHERE seq = " + std::to_string(k));
  ASSERT_NE(column_hex(k, "canonical"), original_hex);
  ASSERT_EQ(column_hex(k, "canonical").size(), original_hex.size());
  ProcessResult flipped_byte = audit("verify");
  EXPECT_EQ(flipped_byte.exit_code, 6) << flipped_byte.err;
  EXPECT_EQ(broken_at(flipped_byte), k) << flipped_byte.err;

  // The original bytes mend the chain: the failures came from the edits alone.
  set_row(k, original_hex, original_hash);
  expect_verifies();
}

// BLAKE2b needs no key: an attacker can rewrite row K's stored hash so that the row chains from
// row K-1. The row then passes; the break shows where the chain next depends on the old hash: a
// checkpoint signed at K if there is one (stored or external), otherwise row K+1, whose stored
// hash no longer chains from row K's.
TEST_F(CliAuditTest, SelfConsistentRewriteFailsAtTheNextRowOrAtACheckpoint) {
  const std::set<int64_t> checkpoints = checkpoint_seqs();
  const std::vector<audit::Entry> entries = testing::audit_chain(vault());
  const int64_t head = entries.back().seq;
  std::optional<int64_t> without_checkpoint;
  std::optional<int64_t> with_checkpoint;
  for (const audit::Entry& entry : entries) {
    if (entry.seq < 2 || entry.seq >= head) {
      continue;
    }
    if (!checkpoints.contains(entry.seq) && !without_checkpoint) {
      without_checkpoint = entry.seq;
    }
    if (checkpoints.contains(entry.seq) && !with_checkpoint) {
      with_checkpoint = entry.seq;
    }
  }
  ASSERT_TRUE(without_checkpoint && with_checkpoint);
  for (const int64_t k : {*without_checkpoint, *with_checkpoint}) {
    SCOPED_TRACE(k);
    const std::string original_hex = column_hex(k, "canonical");
    const std::string original_hash = column_hex(k, "hash");
    audit::Entry forged = entries[static_cast<size_t>(k - 1)];
    ASSERT_EQ(forged.seq, k);
    forged.actor.os_user = "quelqu'un d'autre";
    const std::vector<uint8_t> canonical = audit::encode(forged);
    const audit::Hash rehashed =
        audit::chain_hash(hash_from_hex(column_hex(k - 1, "hash")), canonical);
    set_row(k, hex(canonical), hex(rehashed));
    ProcessResult result = audit("verify");
    EXPECT_EQ(result.exit_code, 6) << result.err;
    const bool at_checkpoint = checkpoints.contains(k);
    EXPECT_EQ(broken_at(result), at_checkpoint ? k : k + 1) << result.err;
    EXPECT_TRUE(contains(result.err, at_checkpoint ? "does not match the chain"
                                                   : "its hash does not match the chain"))
        << result.err;
    set_row(k, original_hex, original_hash);
    expect_verifies();
  }
}

// The careful version: row K edited, every hash from K to the head recomputed, and the stored
// checkpoints from K on deleted. The vault alone is consistent again; the external file is not.
TEST_F(CliAuditTest, RechainedTailFailsAtTheFirstExternalCheckpointAfterTheEdit) {
  const std::vector<audit::Entry> entries = testing::audit_chain(vault());
  const int64_t k = first_entry(audit::kActionRead, ids_[0]).seq;
  auto external = audit::read_checkpoint_file(checkpoint_file());
  ASSERT_TRUE(external.has_value());
  std::optional<int64_t> first_external;
  for (const audit::Checkpoint& checkpoint : *external) {
    if (checkpoint.seq >= k && (!first_external || checkpoint.seq < *first_external)) {
      first_external = checkpoint.seq;
    }
  }
  ASSERT_TRUE(first_external.has_value());
  std::string script =
      "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_checkpoints_no_delete; "
      "DELETE FROM audit_checkpoints WHERE seq >= " +
      std::to_string(k) + ";";
  audit::Hash hash = hash_from_hex(column_hex(k - 1, "hash"));
  for (audit::Entry entry : std::span(entries).subspan(static_cast<size_t>(k - 1))) {
    if (entry.seq == k) {
      entry.targets[0].id = ids_[2];
      entry.targets[0].compartment = ids_[2];
    }
    const std::vector<uint8_t> canonical = audit::encode(entry);
    hash = audit::chain_hash(hash, canonical);
    script += "UPDATE audit_log SET canonical = X'" + hex(canonical) + "', hash = X'" + hex(hash) +
              "' WHERE seq = " + std::to_string(entry.seq) + ";";
  }
  sql(script);
  ProcessResult result = audit("verify");
  EXPECT_EQ(result.exit_code, 6) << result.err;
  EXPECT_EQ(broken_at(result), *first_external) << result.err;
  EXPECT_TRUE(contains(result.err, "external checkpoint")) << result.err;
  EXPECT_TRUE(contains(result.err, "does not match the chain")) << result.err;
}

TEST_F(CliAuditTest, TruncationIsCaughtByTheExternalCheckpointFile) {
  const std::string backup = (dir_ / "checkpoints-copy").string();
  std::filesystem::copy_file(checkpoint_file(), backup);
  const int64_t rows = row_count();
  const int64_t new_head = rows - 10;
  // A careful attacker deletes the stored checkpoints past the new head too.
  sql("DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_checkpoints_no_delete; "
      "DELETE FROM audit_log WHERE seq > " +
      std::to_string(new_head) + "; DELETE FROM audit_checkpoints WHERE seq > " +
      std::to_string(new_head));
  ASSERT_EQ(row_count(), new_head);
  // The verifying process appends its unlock entry at new_head + 1 before it verifies; an old
  // external checkpoint there would report a mismatch instead of the truncation.
  auto external = audit::read_checkpoint_file(checkpoint_file());
  ASSERT_TRUE(external.has_value());
  ASSERT_TRUE(std::none_of(
      external->begin(), external->end(),
      [&](const audit::Checkpoint& checkpoint) { return checkpoint.seq == new_head + 1; }));

  ProcessResult configured = audit("verify");
  EXPECT_EQ(configured.exit_code, 6) << configured.err;
  EXPECT_EQ(configured.out, "");
  EXPECT_EQ(broken_at(configured), new_head + 2) << configured.err;
  EXPECT_TRUE(contains(configured.err, "truncated")) << configured.err;
  EXPECT_TRUE(contains(configured.err, "external checkpoint")) << configured.err;

  // A copy of the file taken before the attack catches it too. The verifications since have
  // refilled seqs past the new head, so it may now report a checkpoint that does not match.
  ProcessResult explicit_copy = audit("verify", {"--checkpoint-file", backup});
  EXPECT_EQ(explicit_copy.exit_code, 6) << explicit_copy.err;
  EXPECT_GT(broken_at(explicit_copy), new_head) << explicit_copy.err;
  EXPECT_LE(broken_at(explicit_copy), rows) << explicit_copy.err;

  // Only the external copy shows it: the vault alone now holds a consistent, shorter log.
  const std::string empty = write_input("no-checkpoints", "");
  ProcessResult vault_only = audit("verify", {"--checkpoint-file", empty});
  EXPECT_EQ(vault_only.exit_code, 0) << vault_only.err;
}

TEST_F(CliAuditTest, SwappedEntriesFailAtTheFirst) {
  const int64_t a = first_entry(audit::kActionRead, ids_[1]).seq;
  const int64_t b = first_entry(audit::kActionSearch, ids_[0]).seq;
  ASSERT_NE(a, b);
  // Every canonical entry records its own seq: the first swapped row already fails.
  const std::string pair = std::to_string(a) + ", " + std::to_string(b);
  const std::string other = std::to_string(a + b) + " - audit_log.seq";
  sql("DROP TRIGGER audit_log_no_update; CREATE TEMP TABLE pair AS SELECT * FROM audit_log "
      "WHERE seq IN (" +
      pair +
      "); UPDATE audit_log SET "
      "time_ms = (SELECT time_ms FROM pair WHERE pair.seq = " +
      other + "), canonical = (SELECT canonical FROM pair WHERE pair.seq = " + other +
      "), hash = (SELECT hash FROM pair WHERE pair.seq = " + other + ") WHERE seq IN (" + pair +
      ")");
  ProcessResult result = audit("verify");
  EXPECT_EQ(result.exit_code, 6) << result.err;
  EXPECT_EQ(broken_at(result), std::min(a, b)) << result.err;
}

TEST_F(CliAuditTest, ForgedCheckpointsFailOnTheirSignature) {
  const int64_t last = std::stoll(sql("SELECT max(seq) FROM audit_log"));
  const std::string last_hash = column_hex(last, "hash");
  const std::string time_ms =
      sql("SELECT time_ms FROM audit_log WHERE seq = " + std::to_string(last));
  const std::string before = testing::read_file(checkpoint_file());
  // The right head at the right seq, or a claim that the log held more: only the signature,
  // which needs the vault's key, is wrong.
  for (const int64_t seq : {last, last + 100}) {
    SCOPED_TRACE(seq);
    const std::string line = "vigie-checkpoint v1 " + std::to_string(seq) + " " + last_hash + " " +
                             time_ms + " " + random_hex(64) + "\n";
    testing::write_file(checkpoint_file(), testing::read_file(checkpoint_file()) + line);
    ASSERT_TRUE(audit::read_checkpoint_file(checkpoint_file()).has_value());
    ProcessResult result = audit("verify");
    EXPECT_EQ(result.exit_code, 6) << result.err;
    EXPECT_EQ(broken_at(result), seq) << result.err;
    EXPECT_TRUE(contains(result.err, "external checkpoint")) << result.err;
    EXPECT_TRUE(contains(result.err, "signature")) << result.err;
    std::string contents = testing::read_file(checkpoint_file());
    contents.erase(contents.find(line), line.size());
    testing::write_file(checkpoint_file(), contents);
    expect_verifies();
  }
  EXPECT_TRUE(testing::read_file(checkpoint_file()).starts_with(before));

  // A forged row in the vault's own table, at a seq that has no checkpoint.
  const std::set<int64_t> checkpoints = checkpoint_seqs();
  int64_t seq = 2;
  while (checkpoints.contains(seq)) {
    ++seq;
  }
  ASSERT_LT(seq, last);
  sql("INSERT INTO audit_checkpoints (seq, head, time_ms, signature) VALUES (" +
      std::to_string(seq) + ", X'" + column_hex(seq, "hash") + "', " + time_ms + ", X'" +
      random_hex(64) + "')");
  ProcessResult stored = audit("verify");
  EXPECT_EQ(stored.exit_code, 6) << stored.err;
  EXPECT_EQ(broken_at(stored), seq) << stored.err;
  EXPECT_TRUE(contains(stored.err, "stored checkpoint")) << stored.err;
  EXPECT_TRUE(contains(stored.err, "signature")) << stored.err;
}

TEST_F(CliAuditTest, LogFiltersFormatsAndNoPatientData) {
  const std::vector<audit::Entry> entries = testing::audit_chain(vault());
  ProcessResult all = audit("log", {"--format", "json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const boost::json::array logged = boost::json::parse(all.out).as_array();
  // The listing's own unlock entry comes before the query.
  ASSERT_EQ(logged.size(), entries.size() + 1);
  for (const boost::json::value& entry : logged) {
    // The statements that writes committed are the log's own (a service actor).
    if (entry.at("actor").at("kind") != "service") {
      EXPECT_FALSE(entry.at("actor").at("os_user").as_string().empty());
    }
  }
  for (const demo::DemoPatientFacts& patient : facts_) {
    for (const std::string& fact : {patient.family, patient.given, patient.nir}) {
      ASSERT_FALSE(fact.empty());
      EXPECT_FALSE(contains(all.out, fact)) << "the audit log shows patient data";
    }
  }

  ProcessResult ndjson = audit("log", {"--format", "ndjson"});
  ASSERT_EQ(ndjson.exit_code, 0) << ndjson.err;
  boost::json::array streamed;
  for (boost::json::object& object : ndjson_objects(ndjson.out)) {
    streamed.push_back(std::move(object));
  }
  // Two more entries since: the audit-read of the json listing, the unlock of this one.
  ASSERT_EQ(streamed.size(), logged.size() + 2);
  for (size_t index = 0; index < logged.size(); ++index) {
    EXPECT_EQ(streamed[index], logged[index]);
  }

  ProcessResult reads = audit("log", {"--action", "read", "--format", "json"});
  ASSERT_EQ(reads.exit_code, 0) << reads.err;
  const boost::json::array read_entries = boost::json::parse(reads.out).as_array();
  EXPECT_EQ(read_entries.size(), static_cast<size_t>(std::count_if(
                                     entries.begin(), entries.end(), [](const audit::Entry& e) {
                                       return e.action == audit::kActionRead;
                                     })));
  for (const boost::json::value& entry : read_entries) {
    EXPECT_EQ(entry.at("action").as_string(), "read");
  }

  ProcessResult about = audit("log", {"--patient", ids_[1], "--format", "json"});
  ASSERT_EQ(about.exit_code, 0) << about.err;
  std::vector<int64_t> expected;
  for (const audit::Entry& entry : entries) {
    if (std::any_of(entry.targets.begin(), entry.targets.end(),
                    [&](const audit::Target& target) { return target.compartment == ids_[1]; })) {
      expected.push_back(entry.seq);
    }
  }
  EXPECT_GE(expected.size(), 3u);  // two reads and a search
  EXPECT_EQ(seqs_of(boost::json::parse(about.out).as_array()), expected);

  // A date bound covers the whole day on both sides.
  const std::string day = audit::format_time(entries.front().time_ms).substr(0, 10);
  ProcessResult that_day = audit("log", {"--since", day, "--until", day, "--format", "json"});
  ASSERT_EQ(that_day.exit_code, 0) << that_day.err;
  const std::vector<int64_t> day_seqs = seqs_of(boost::json::parse(that_day.out).as_array());
  ASSERT_FALSE(day_seqs.empty());
  EXPECT_EQ(day_seqs.front(), 1);
  const std::string next_day = audit::format_time(*audit::parse_time(day, true) + 1).substr(0, 10);
  ProcessResult later = audit("log", {"--since", next_day, "--format", "json"});
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_TRUE(boost::json::parse(later.out).as_array().empty());

  // An RFC 3339 bound splits the log at one entry's time: --since includes it, --until not.
  const audit::Entry& middle = entries[entries.size() / 2];
  const std::string time = audit::format_time(middle.time_ms);
  ProcessResult since = audit("log", {"--since", time, "--format", "json"});
  ProcessResult until = audit("log", {"--until", time, "--format", "json"});
  ASSERT_EQ(since.exit_code, 0) << since.err;
  ASSERT_EQ(until.exit_code, 0) << until.err;
  const boost::json::array after = boost::json::parse(since.out).as_array();
  const boost::json::array before = boost::json::parse(until.out).as_array();
  ASSERT_FALSE(after.empty());
  ASSERT_FALSE(before.empty());
  for (const boost::json::value& entry : after) {
    EXPECT_GE(*audit::parse_time(entry.at("time").as_string(), false), middle.time_ms);
  }
  for (const boost::json::value& entry : before) {
    EXPECT_LT(*audit::parse_time(entry.at("time").as_string(), false), middle.time_ms);
  }
  EXPECT_EQ(before.front().at("seq").as_int64(), 1);
  EXPECT_LE(after.front().at("seq").as_int64(), middle.seq);
  EXPECT_EQ(after.front().at("seq").as_int64(), before.back().at("seq").as_int64() + 1);

  ProcessResult yesterday = audit("log", {"--since", "yesterday"});
  EXPECT_EQ(yesterday.exit_code, 2) << yesterday.err;
  EXPECT_TRUE(contains(yesterday.err, "--since")) << yesterday.err;
  EXPECT_EQ(yesterday.out, "");
}

TEST_F(CliAuditTest, IncidentReportNamesExactlyThePatientsOfOneSession) {
  const std::string& a = ids_[0];
  const std::string& b = ids_[1];
  const std::string& c = ids_[2];
  // Process 1 reads patients A and B, process 2 patient C.
  ProcessResult first = vigie_on_vault("search", {"Patient", "_id=" + a + "," + b});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ProcessResult second = vigie_on_vault("get", {"Patient/" + c});
  ASSERT_EQ(second.exit_code, 0) << second.err;

  ProcessResult log = audit("log", {"--format", "ndjson"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  const std::vector<boost::json::object> entries = ndjson_objects(log.out);
  std::set<std::string> unlock_sessions;
  size_t unlocks = 0;
  std::string first_session;
  std::string second_session;
  std::string since;
  for (const boost::json::object& entry : entries) {
    const std::string session(entry.at("actor").at("session_id").as_string());
    const std::string action(entry.at("action").as_string());
    if (action == "unlock") {
      ++unlocks;
      unlock_sessions.insert(session);
    }
    const boost::json::array& targets = entry.at("targets").as_array();
    std::set<std::string> ids;
    for (const boost::json::value& target : targets) {
      ids.emplace(target.at("id").as_string());
    }
    if (action == "search" && ids == std::set<std::string>{a, b}) {
      first_session = session;
      since = std::string(entry.at("time").as_string()).substr(0, 10);
    }
    if (action == "read" && ids == std::set<std::string>{c}) {
      second_session = session;
    }
  }
  // Each process unlocks once, under a session id of its own.
  EXPECT_EQ(unlock_sessions.size(), unlocks);
  ASSERT_FALSE(first_session.empty());
  ASSERT_FALSE(second_session.empty());
  EXPECT_NE(first_session, second_session);

  ProcessResult json =
      incident_report({"--session", first_session, "--since", since, "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const boost::json::object report = boost::json::parse(json.out).as_object();
  std::vector<std::string> named;
  for (const boost::json::value& patient : report.at("patients").as_array()) {
    named.emplace_back(patient.at("patient_id").as_string());
  }
  EXPECT_EQ(named, (std::vector<std::string>{a, b}));
  EXPECT_FALSE(contains(json.out, c));
  EXPECT_FALSE(contains(json.out, family_[c]));

  const std::filesystem::path out = dir_ / "rapport";
  ProcessResult written =
      incident_report({"--session", first_session, "--since", since, "--out", out.string()});
  ASSERT_EQ(written.exit_code, 0) << written.err;
  std::set<std::string> files;
  for (const auto& file : std::filesystem::directory_iterator(out)) {
    files.insert(file.path().filename().string());
  }
  EXPECT_EQ(files,
            (std::set<std::string>{"rapport.md", "notification-cnil.md",
                                   "lettre-patient-" + a + ".md", "lettre-patient-" + b + ".md"}));
  for (const auto& [patient, others] :
       std::vector<std::pair<std::string, std::vector<std::string>>>{{a, {b, c}}, {b, {a, c}}}) {
    const std::string letter = testing::read_file(out / ("lettre-patient-" + patient + ".md"));
    EXPECT_TRUE(contains(letter, family_[patient])) << "letter of " << patient;
    for (const std::string& other : others) {
      EXPECT_FALSE(contains(letter, family_[other])) << "letter of " << patient;
      EXPECT_FALSE(contains(letter, other)) << "letter of " << patient;
    }
  }
  const std::string notification = testing::read_file(out / "notification-cnil.md");
  const std::string summary = testing::read_file(out / "rapport.md");
  for (const std::string& id : ids_) {
    EXPECT_FALSE(contains(notification, family_[id])) << "the CNIL draft names a patient";
  }
  EXPECT_FALSE(contains(summary, c));
  EXPECT_FALSE(contains(summary, family_[c]));

  ProcessResult both =
      incident_report({"--actor", "root", "--session", first_session, "--since", since});
  EXPECT_EQ(both.exit_code, 2) << both.err;
  EXPECT_EQ(both.out, "");
  ProcessResult no_since = incident_report({"--session", first_session});
  EXPECT_EQ(no_since.exit_code, 2) << no_since.err;
  EXPECT_TRUE(contains(no_since.err, "--since")) << no_since.err;
  EXPECT_EQ(no_since.out, "");
}

}  // namespace
}  // namespace vigie
