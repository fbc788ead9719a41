#include "cli/command.hpp"

#include <cstdio>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

namespace vigie::cli {

Result<std::pair<std::string, std::string>> split_reference(const std::string& reference) {
  const size_t slash = reference.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == reference.size() ||
      reference.find('/', slash + 1) != std::string::npos) {
    return fail(ErrorCode::kUsage, "attendu TYPE/ID, par exemple Patient/1234",
                "expected TYPE/ID, for example Patient/1234");
  }
  return std::pair{reference.substr(0, slash), reference.substr(slash + 1)};
}

int report(const Error& error) {
  fmt::print(stderr, "vigie: {}\n", to_display_text(error));
  return exit_code_for(error.code);
}

Error about(std::string_view french_subject, std::string_view english_subject, const Error& error) {
  const std::string_view french =
      error.french.empty() ? french_summary_of(error.code) : std::string_view(error.french);
  return Error{error.code, fmt::format("{}: {}", english_subject, error.message),
               fmt::format("{} : {}", french_subject, french)};
}

Result<config::Config> vault_config(const Options& options) {
  auto config = config::load(options.vault_dir);
  if (!config) {
    return config;
  }
  if (auto lockable = gate::check_locked_memory(config->memory); !lockable) {
    return tl::unexpected(lockable.error());
  }
  return config;
}

Result<gate::Unlocked> open_gate(const Options& options) {
  auto config = vault_config(options);
  if (!config) {
    return tl::unexpected(config.error());
  }
  auto secret = secret_for_open(options.unlock);
  if (!secret) {
    return tl::unexpected(secret.error());
  }
  return gate::Gate::open(options.vault_dir, *secret, gate::current_local_user(), system_clock(),
                          *config);
}

int close_gate(gate::Gate& gate, int exit_code) {
  auto closed = gate.close();
  if (!closed && exit_code == 0) {
    return report(closed.error());
  }
  return exit_code;
}

void add_unlock_options(CLI::App& command, UnlockOptions& unlock) {
  command.add_option(
      "--passphrase-file", unlock.passphrase_file,
      "Fichier dont la première ligne est la phrase de passe (ou VIGIE_PASSPHRASE_FILE) / File "
      "whose first line is the vault passphrase (or set VIGIE_PASSPHRASE_FILE)");
  command.add_option("--key-file", unlock.key_file,
                     "Fichier de clé qui déverrouille le coffre / Key file that unlocks the vault");
}

}  // namespace vigie::cli
