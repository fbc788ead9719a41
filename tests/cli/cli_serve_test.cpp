// `vigie serve`: refuses to start without its TLS pair, answers over HTTPS, writes one access-log
// line per request, and stops cleanly on SIGTERM with the audit log verifiable.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli/serve_command.hpp"
#include "cli_fixture.hpp"
#include "http/https_client.hpp"
#include "http/tls_files.hpp"

namespace vigie {
namespace {

using boost::beast::http::verb;
using testing::CliTest;
using testing::ProcessResult;

// `vigie serve` running in the background: standard error through a pipe (read up to the line
// that says where it listens), standard output into a file.
class ServeProcess {
 public:
  ServeProcess(const std::vector<std::string>& args, const std::string& out_path) {
    int pipe_ends[2] = {-1, -1};
    if (pipe(pipe_ends) != 0) {
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], 2);
    posix_spawn_file_actions_addclose(&actions, pipe_ends[0]);
    std::vector<std::string> storage{VIGIE_BINARY};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : storage) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    posix_spawn(&pid_, VIGIE_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_ends[1]);
    err_ = fdopen(pipe_ends[0], "r");
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (err_ != nullptr) {
      std::fclose(err_);
    }
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // The port of the "listening on https://127.0.0.1:PORT/fhir" line, or nullopt when the process
  // ended first; every line read is kept in stderr_text().
  std::optional<uint16_t> port() {
    constexpr std::string_view kListening = "listening on https://127.0.0.1:";
    char line[4096];
    while (err_ != nullptr && std::fgets(line, sizeof line, err_) != nullptr) {
      err_text_ += line;
      const std::string_view text(line);
      const size_t at = text.find(kListening);
      if (at != std::string_view::npos) {
        return static_cast<uint16_t>(std::stoi(std::string(text.substr(at + kListening.size()))));
      }
    }
    return std::nullopt;
  }

  // Sends SIGTERM and returns the exit code.
  int terminate() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  [[nodiscard]] const std::string& stderr_text() const { return err_text_; }

 private:
  pid_t pid_ = -1;
  FILE* err_ = nullptr;
  std::string err_text_;
};

TEST(ListenAddress, AcceptsAddressColonPortAndBracketedIpv6) {
  auto v4 = cli::parse_listen_address("127.0.0.1:8443");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->address, "127.0.0.1");
  EXPECT_EQ(v4->port, 8443);
  auto v6 = cli::parse_listen_address("[::1]:443");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->address, "::1");
  EXPECT_EQ(v6->port, 443);
  for (const char* bad : {"", "8443", ":8443", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
                          "127.0.0.1:84x3", "::1:8443", "[::1:8443", "[]:8443"}) {
    auto parsed = cli::parse_listen_address(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUsage) << bad;
  }
}

TEST_F(CliTest, ServeRefusesToStartWithoutItsTlsKeyAndNamesIt) {
  init_vault();
  const http::TlsFiles files = http::default_tls_files(vault());
  std::filesystem::remove(files.private_key);
  ProcessResult result =
      run({"serve"}, {"--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_TRUE(testing::contains(result.err, files.private_key.string())) << result.err;
}

TEST_F(CliTest, ServeAnswersOverHttpsLogsEachRequestAndStopsCleanlyOnSigterm) {
  init_vault();
  const std::string out = (dir_ / "access.log").string();
  std::optional<uint16_t> port;
  {
    ServeProcess serve({"serve", "--vault", vault(), "--key-file", key_file(), "--listen",
                        "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--threads", "1"},
                       out);
    port = serve.port();
    ASSERT_TRUE(port) << serve.stderr_text();
    EXPECT_LT(serve.stderr_text().find("vigie écoute"), serve.stderr_text().find("listening"));
    testing::HttpsClient client(*port);
    auto health = client.send(verb::get, "/healthz");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    auto patients = client.send(verb::get, "/fhir/Patient?family=dupont");
    ASSERT_TRUE(patients);
    EXPECT_EQ(patients->status, 401);
    auto sign_in = client.send(verb::post, "/auth/login", {},
                               R"({"login":"personne.inconnue","password":"x"})",
                               {{"Content-Type", "application/json"}});
    ASSERT_TRUE(sign_in);
    EXPECT_EQ(sign_in->status, 401) << "the sign-in routes are served";
    EXPECT_EQ(serve.terminate(), 0);
  }
  const std::string log = testing::read_file(out);
  EXPECT_TRUE(testing::contains(log, R"("route":"/healthz","status":200)")) << log;
  EXPECT_TRUE(testing::contains(log, R"("route":"/fhir/{type}","status":401)")) << log;
  EXPECT_TRUE(testing::contains(log, R"("route":"/auth/login","status":401)")) << log;
  EXPECT_FALSE(testing::contains(log, "personne.inconnue")) << log;
  EXPECT_FALSE(testing::contains(log, "dupont")) << log;
  ProcessResult verified = run({"audit", "verify"}, {});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

}  // namespace
}  // namespace vigie
