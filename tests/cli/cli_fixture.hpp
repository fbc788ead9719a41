#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace vigie::testing {

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Runs the real `vigie` binary against a vault in a temporary directory, unlocked with a key
// file (Argon2id would make every call slow; the passphrase path has tests of its own).
class CliTest : public ::testing::Test {
 protected:
  static constexpr const char* kPassphrase = "une phrase de passe assez longue";

  void SetUp() override { write_file(passphrase_file(), std::string(kPassphrase) + "\n"); }

  [[nodiscard]] std::string vault() const { return (dir_ / "vault").string(); }
  [[nodiscard]] std::string passphrase_file() const { return (dir_ / "passphrase").string(); }
  [[nodiscard]] std::string key_file() const { return (dir_ / "vault.key").string(); }

  ProcessResult vigie(const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& environment = {}) {
    return run_process(VIGIE_BINARY, args, environment);
  }

  // `vigie COMMAND --vault DIR --key-file KEY ARGS...`
  ProcessResult vigie_on_vault(const std::string& command, const std::vector<std::string>& args) {
    std::vector<std::string> full{command, "--vault", vault(), "--key-file", key_file()};
    full.insert(full.end(), args.begin(), args.end());
    return vigie(full);
  }

  // `vigie COMMAND... --vault DIR --key-file KEY ARGS...`, for commands of several words.
  ProcessResult run(const std::vector<std::string>& command, const std::vector<std::string>& args) {
    std::vector<std::string> full = command;
    full.insert(full.end(), {"--vault", vault(), "--key-file", key_file()});
    full.insert(full.end(), args.begin(), args.end());
    return vigie(full);
  }

  void init_vault() {
    ProcessResult result = vigie({"init", "--vault", vault(), "--passphrase-file",
                                  passphrase_file(), "--key-file", key_file()});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  std::string write_input(const std::string& name, const std::string& contents) {
    const std::string path = (dir_ / name).string();
    write_file(path, contents);
    return path;
  }

  TempDir dir_;
};

}  // namespace vigie::testing
