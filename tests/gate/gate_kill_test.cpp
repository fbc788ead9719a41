// Issue #3, section 5: a process killed during a burst of reads leaves an entry for every
// resource it returned. The test spawns this very binary as the reading child (ReadBurstChild.Run,
// skipped unless the variables below are set), kills it with SIGKILL and reads the log it left.
// Issue 12: the same for asynchronous reads, whose data leaves through their `done` callback.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <semaphore>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "audit/entry.hpp"
#include "crypto/secret_bytes.hpp"
#include "demo/demo_data.hpp"
#include "gate/gate.hpp"
#include "support/temp_dir.hpp"
#include "support/vault_contents.hpp"

extern char** environ;

namespace vigie {
namespace {

constexpr const char* kVaultVariable = "VIGIE_READ_BURST_VAULT";
constexpr const char* kKeyVariable = "VIGIE_READ_BURST_KEY";
constexpr const char* kTargetsVariable = "VIGIE_READ_BURST_TARGETS";
// "async": the child reads with the asynchronous Gate::read, kInFlight reads at a time.
constexpr const char* kModeVariable = "VIGIE_READ_BURST_MODE";
constexpr std::string_view kAsynchronous = "async";
constexpr std::ptrdiff_t kInFlight = 32;
// The child reports each returned read on this descriptor, apart from gtest's own output.
constexpr int kReportFd = 3;

gate::UnlockSecret key_file_secret(const std::string& key) {
  return gate::UnlockSecret{gate::UnlockerKind::kKeyFile,
                            crypto::SecretBytes::copy_of(std::span(
                                reinterpret_cast<const uint8_t*>(key.data()), key.size()))};
}

bool write_all(int fd, const std::string& text) {
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t count = write(fd, text.data() + written, text.size() - written);
    if (count < 0 && errno == EINTR) {
      continue;
    }
    if (count <= 0) {
      return false;
    }
    written += static_cast<size_t>(count);
  }
  return true;
}

// The child: reads the listed "<type>/<id>" targets round and round until it is killed, and
// reports each read once it has returned, or once its `done` callback has received the resource
// (unbuffered, so the parent sees it at once).
TEST(ReadBurstChild, Run) {
  const char* vault_dir = std::getenv(kVaultVariable);
  const char* key_file = std::getenv(kKeyVariable);
  const char* targets_file = std::getenv(kTargetsVariable);
  if (vault_dir == nullptr || key_file == nullptr || targets_file == nullptr) {
    GTEST_SKIP() << "the child of GateKillTest.EveryReadReturnedBeforeAKillHasItsEntry";
  }
  std::vector<std::pair<std::string, std::string>> targets;
  std::istringstream lines(testing::read_file(targets_file));
  for (std::string line; std::getline(lines, line);) {
    const size_t slash = line.find('/');
    ASSERT_NE(slash, std::string::npos);
    targets.emplace_back(line.substr(0, slash), line.substr(slash + 1));
  }
  ASSERT_FALSE(targets.empty());
  auto opened = gate::Gate::open(vault_dir, key_file_secret(testing::read_file(key_file)),
                                 gate::current_local_user());
  ASSERT_TRUE(opened) << opened.error().message;
  gate::Gate& gate = *opened->gate;
  const char* mode = std::getenv(kModeVariable);
  if (mode != nullptr && mode == kAsynchronous) {
    std::counting_semaphore<kInFlight> in_flight(kInFlight);
    for (;;) {
      for (const auto& [type, id] : targets) {
        in_flight.acquire();
        auto queued = gate.read(
            opened->custodian, type, id,
            [&in_flight, reported = type + "/" + id + "\n"](Result<gate::StoredResource> read) {
              // On the log's committer thread: a failure ends the child, which the parent
              // reports with its standard error.
              if (!read) {
                write_all(STDERR_FILENO, read.error().message + "\n");
                std::_Exit(1);
              }
              if (!write_all(kReportFd, reported)) {
                std::_Exit(1);
              }
              in_flight.release();
            });
        ASSERT_TRUE(queued) << queued.error().message;
      }
    }
  }
  for (;;) {
    for (const auto& [type, id] : targets) {
      auto read = gate.read(opened->custodian, type, id);
      ASSERT_TRUE(read) << read.error().message;
      ASSERT_TRUE(write_all(kReportFd, type + "/" + id + "\n"));
    }
  }
}

// Lines from a pipe, blocking until one is complete or the writer is gone.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}

  bool next(std::string& line) {
    for (;;) {
      if (const size_t end = buffer_.find('\n'); end != std::string::npos) {
        line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        return true;
      }
      char chunk[4096];
      const ssize_t count = read(fd_, chunk, sizeof chunk);
      if (count < 0 && errno == EINTR) {
        continue;
      }
      if (count <= 0) {
        return false;
      }
      buffer_.append(chunk, static_cast<size_t>(count));
    }
  }

 private:
  int fd_;
  std::string buffer_;
};

// This binary running ReadBurstChild.Run with `variables`, reporting on `report_fd`, its
// standard error in `err_path`. gtest's own variables (sharding, XML output) are not passed on.
pid_t spawn_child(const std::map<std::string, std::string>& variables, int report_fd,
                  const std::filesystem::path& err_path) {
  std::vector<std::string> env_storage;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    if (!text.starts_with("GTEST_") && !text.starts_with("VIGIE_READ_BURST_")) {
      env_storage.push_back(text);
    }
  }
  for (const auto& [name, value] : variables) {
    env_storage.push_back(name + "=" + value);
  }
  std::vector<char*> envp;
  for (std::string& entry : env_storage) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);
  std::string program = "/proc/self/exe";
  std::string filter = "--gtest_filter=ReadBurstChild.Run";
  std::vector<char*> argv{program.data(), filter.data(), nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, report_fd, kReportFd);
  pid_t pid = -1;
  if (posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data()) != 0) {
    pid = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Spawns reading children in `mode` ("sync" or "async"), kills each after a number of reads and
// checks that every read reported before the kill has its entry, and that the chain verifies.
void kill_read_bursts(std::string_view mode) {
  testing::TempDir dir;
  const std::filesystem::path vault_dir = dir / "vault";
  const std::filesystem::path key_file = dir / "key";
  const std::filesystem::path targets_file = dir / "targets";
  const std::string key = [] {
    crypto::SecretBytes random = crypto::SecretBytes::random(32);
    return std::string(reinterpret_cast<const char*>(random.data()), random.size());
  }();
  testing::write_file(key_file, key);
  const gate::LocalUser user = gate::current_local_user();
  // Frequent checkpoints, so that kills also fall between a checkpoint's commit and its
  // publication in the external file.
  const audit::CheckpointPolicy policy{
      .every_entries = 25, .every_seconds = 300, .external_file = dir / "checkpoints"};
  {
    auto created = gate::Gate::initialize(vault_dir, key_file_secret(key), {}, policy, user);
    ASSERT_TRUE(created) << created.error().message;
    auto imported = created->gate->import_bundle(
        created->custodian, demo::generate_bundle({.patients = 50, .seed = 5}));
    ASSERT_TRUE(imported) << imported.error().message;
    std::string targets;
    for (const vault::EntryOutcome& outcome : imported->entries) {
      targets += outcome.type + "/" + outcome.id + "\n";
    }
    testing::write_file(targets_file, targets);
    ASSERT_TRUE(created->gate->close());
  }
  const std::map<std::string, std::string> variables{{kVaultVariable, vault_dir.string()},
                                                     {kKeyVariable, key_file.string()},
                                                     {kTargetsVariable, targets_file.string()},
                                                     {kModeVariable, std::string(mode)}};

  std::map<std::string, int64_t> returned;  // "<type>/<id>" -> reads returned, every child
  for (const size_t kill_after : {size_t{1}, size_t{57}, size_t{300}}) {
    SCOPED_TRACE("killed after " + std::to_string(kill_after) + " reads");
    int report[2];
    ASSERT_EQ(pipe2(report, O_CLOEXEC), 0);
    const pid_t pid = spawn_child(variables, report[1], dir / "child-err");
    close(report[1]);
    ASSERT_GT(pid, 0);
    LineReader reader(report[0]);
    size_t seen = 0;
    for (std::string line; seen < kill_after && reader.next(line); ++seen) {
      ++returned[line];
    }
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    // Reads reported between the last line taken and the kill returned data too.
    for (std::string line; reader.next(line);) {
      ++returned[line];
    }
    close(report[0]);
    ASSERT_GE(seen, kill_after) << "the child stopped early:\n"
                                << testing::read_file(dir / "child-err");
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    std::map<std::string, int64_t> recorded;
    const std::vector<audit::Entry> entries = testing::audit_chain(vault_dir);
    for (size_t index = 0; index < entries.size(); ++index) {
      const audit::Entry& entry = entries[index];
      ASSERT_EQ(entry.seq, static_cast<int64_t>(index) + 1);
      if (entry.action == audit::kActionRead && entry.outcome == audit::Outcome::kSuccess) {
        ASSERT_EQ(entry.targets.size(), 1u);
        ++recorded[entry.targets[0].type + "/" + entry.targets[0].id];
      }
    }
    for (const auto& [target, count] : returned) {
      EXPECT_GE(recorded[target], count) << target;
    }

    auto opened = gate::Gate::open(vault_dir, key_file_secret(key), user);
    ASSERT_TRUE(opened) << opened.error().message;
    auto report_of_log = opened->gate->verify_audit(opened->custodian, std::nullopt);
    ASSERT_TRUE(report_of_log) << report_of_log.error().message;
    EXPECT_FALSE(report_of_log->failure.has_value())
        << report_of_log->failure.value_or(audit::VerifyFailure{}).reason;
    EXPECT_EQ(report_of_log->verified, static_cast<int64_t>(entries.size()) + 1);  // + unlock
    ASSERT_TRUE(opened->gate->close());
  }
}

TEST(GateKillTest, EveryReadReturnedBeforeAKillHasItsEntry) { kill_read_bursts("sync"); }

TEST(GateKillTest, EveryAsyncReadHandedOutBeforeAKillHasItsEntry) {
  kill_read_bursts(kAsynchronous);
}

}  // namespace
}  // namespace vigie
